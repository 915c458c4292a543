package test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/access"
	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

func entraFleet(t *testing.T) *config.Fleet {
	f := testutil.ExampleFleet(t)
	f.Hub.AgentToken = config.AgentTokenSource{Source: config.TokenSourceEntra,
		TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69"}
	return f
}

// With Entra federation only the hub changes: every other template (spokes,
// replica, pipeline, its Stages) is byte-identical to the PAT fleet's, so
// the spokes read the same secret by the same reference. The hub gains the
// minter and the three outputs the Entra side needs; the PAT hub has none
// of it. Both pass cdk-nag; the Entra hub passes cfn-lint.
func TestEntraFleetChangesOnlyTheHub(t *testing.T) {
	pat, dir := synthNag(t, testutil.ExampleFleet(t)), synthNag(t, entraFleet(t))
	for _, f := range findingsOf(t, dir) {
		t.Error(f)
	}
	files := templates(dir)
	if len(files) != 12 {
		t.Fatalf("%d templates, want 12", len(files))
	}
	hubs := 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		mine, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(filepath.Join(pat, rel))
		if err != nil {
			t.Fatalf("%s: not in the PAT fleet's assembly: %v", rel, err)
		}
		if !isHub(rel) {
			if !bytes.Equal(mine, theirs) {
				t.Errorf("%s differs from the PAT fleet's", rel)
			}
			continue
		}
		hubs++
		if bytes.Contains(theirs, []byte("GetWebIdentityToken")) || bytes.Contains(theirs, []byte("FederatedCredential")) {
			t.Errorf("%s: the PAT hub has federation in it", rel)
		}
		tpl := testutil.ReadTemplate(t, f)
		outs, _ := tpl["Outputs"].(map[string]any)
		sub, _ := outs["FederatedCredentialSubject"].(map[string]any)
		if sub["Value"] != "arn:aws:iam::111111111111:role/hubspoke-token-minter" {
			t.Errorf("%s: subject output %v", rel, sub["Value"])
		}
		aud, _ := outs["FederatedCredentialAudience"].(map[string]any)
		if aud["Value"] != "api://AzureADTokenExchange" {
			t.Errorf("%s: audience output %v", rel, aud["Value"])
		}
		if _, ok := outs["FederatedCredentialIssuer"]; !ok {
			t.Errorf("%s: no issuer output", rel)
		}
		if n := len(testutil.ResourcesOfType(tpl, "AWS::CloudFormation::CustomResource")); n != 1 {
			t.Errorf("%s: %d custom resources, want 1 (outbound federation)", rel, n)
		}
	}
	if hubs != 2 { // the direct hub and the pipeline Stage's
		t.Errorf("%d hub templates, want 2", hubs)
	}
	var hubFiles []string
	for _, f := range files {
		if isHub(f) {
			hubFiles = append(hubFiles, f)
		}
	}
	for _, m := range cfnLint(t, hubFiles) {
		t.Errorf("%s %s %s: %s", filepath.Base(m.Filename), m.Level, m.Rule.ID, m.Message)
	}
}

func isHub(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, "HubStack.") || strings.Contains(base, "HubHubStack")
}

// synthNag synthesizes a fleet with cdk-nag, as the snapshot tests' apps do.
func synthNag(t *testing.T, f *config.Fleet) string {
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	if _, err := stacks.AddApp(app, f, appOptions(true)); err != nil {
		t.Fatal(err)
	}
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	return dir
}

func findingsOf(t *testing.T, dir string) []string {
	f, reports := nagFindings(t, dir)
	if reports != 12 {
		t.Errorf("%d nag reports, want 12", reports)
	}
	return f
}

// The access matrix of an Entra fleet covers the minting role: a token for
// Entra's audience for at most 300 s, writing the secret and encrypting it
// through Secrets Manager are allowed; a longer token, another audience,
// reading the secret, decrypting are not; no spoke role may get a web
// identity token or write the secret. A PAT fleet has no minter cases.
func TestAccessMatrixTokenMinter(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fleet         *config.Fleet
		minter        int // cases whose principal is the minter
		minterAllowed int
	}{
		{"entra", entraFleet(t), 11, 4},
		{"pat", testutil.ExampleFleet(t), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stacks, err := access.ReadAssembly(synthFleet(t, tc.fleet))
			if err != nil {
				t.Fatal(err)
			}
			hub, spokes, err := access.Extract(stacks)
			if err != nil {
				t.Fatal(err)
			}
			results, err := access.Run(testutil.RepoRoot(), access.Cases(hub, spokes))
			if err != nil {
				t.Fatal(err)
			}
			minter, allowed, spokeSTS := 0, 0, 0
			for _, r := range results {
				if !r.OK() {
					t.Error(r)
				}
				if strings.HasSuffix(r.Principal, ":role/hubspoke-token-minter") {
					minter++
					if r.Decision == "Allowed" {
						allowed++
					}
				} else if r.Action == "sts:GetWebIdentityToken" {
					spokeSTS++
				}
			}
			if minter != tc.minter || allowed != tc.minterAllowed {
				t.Errorf("minter cases %d (allowed %d), want %d (%d)", minter, allowed, tc.minter, tc.minterAllowed)
			}
			if want := 3 * len(spokes); tc.minter > 0 && spokeSTS != want {
				t.Errorf("%d spoke-role GetWebIdentityToken cases, want %d", spokeSTS, want)
			}
		})
	}
}
