package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// The repository must scan on push, refuse overwriting tags, use the hub's
// own key, and survive `cdk destroy` (images are the product of the fleet).
func TestHubRepository(t *testing.T) {
	tpl := testutil.Template(example(t).Hub.Stack)
	testutil.Check(t, "repository settings", func() {
		tpl.HasResource(str("AWS::ECR::Repository"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"RepositoryName":             "hubspoke/build-agent",
				"ImageScanningConfiguration": map[string]any{"ScanOnPush": true},
				"ImageTagMutability":         "IMMUTABLE",
				"EncryptionConfiguration": map[string]any{
					"EncryptionType": "KMS",
					"KmsKey":         map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("AgentRegistryKey.*")), "Arn"}},
				},
				"LifecyclePolicy": map[string]any{"LifecyclePolicyText": assertions.Match_StringLikeRegexp(str(`.*"countNumber":30.*`))},
			},
		})
	})
}

// Both keys rotate, are retained and carry the aliases spokes find them by.
func TestHubKeys(t *testing.T) {
	tpl := testutil.Template(example(t).Hub.Stack)
	testutil.Check(t, "two rotating retained keys", func() {
		tpl.ResourcePropertiesCountIs(str("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true}, num(2))
		tpl.AllResources(str("AWS::KMS::Key"), map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
	testutil.Check(t, "aliases", func() {
		tpl.HasResourceProperties(str("AWS::KMS::Alias"), map[string]any{"AliasName": "alias/hubspoke/agent-token"})
		tpl.HasResourceProperties(str("AWS::KMS::Alias"), map[string]any{"AliasName": "alias/hubspoke/build-agent/ecr"})
	})
}

// The secret is encrypted with the token key, retained, and its value is
// never in the template: Secrets Manager generates a placeholder.
func TestHubSecret(t *testing.T) {
	tpl := testutil.Template(example(t).Hub.Stack)
	testutil.Check(t, "secret", func() {
		tpl.HasResource(str("AWS::SecretsManager::Secret"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": map[string]any{
				"Name":                 "hubspoke/agent-token",
				"KmsKeyId":             map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("AgentTokenKey.*")), "Arn"}},
				"SecretString":         assertions.Match_Absent(),
				"GenerateSecretString": map[string]any{},
			},
		})
	})
}

// Every cross-account statement of the hub grants exactly the listed actions
// to exactly the spoke accounts, pinned to exactly the spoke roles.
func TestHubPoliciesGrantOnlySpokeRoles(t *testing.T) {
	f := testutil.ExampleFleet(t)
	tpl := testutil.JSON(t, example(t).Hub.Stack)
	var accounts, execs, lookups, spokeRoles []string
	for _, s := range f.Spokes {
		accounts = append(accounts, "arn:aws:iam::"+s.Account+":root")
		execs = append(execs, stacks.RoleArn("aws", s.Account, stacks.ExecutionRoleName(s)))
		lookups = append(lookups, stacks.RoleArn("aws", s.Account, stacks.LookupRoleName(s)))
		spokeRoles = append(spokeRoles, stacks.RoleArn("aws", s.Account, "hubspoke-"+s.Name+"-*"))
	}
	want := map[string]struct {
		actions []string
		roles   []string
		extra   map[string]any
	}{
		// Each spoke's roles in its own account: exec pulls, preflight describes.
		"SpokesPullAgentImage":    {[]string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"}, spokeRoles, nil},
		"SpokesDecryptAgentToken": {[]string{"kms:Decrypt"}, execs, map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
		"SpokesReadAgentToken":    {[]string{"secretsmanager:GetSecretValue"}, execs, nil},
		"SpokesLookUpAgentToken":  {[]string{"secretsmanager:DescribeSecret"}, lookups, nil},
	}
	found := map[string]bool{}
	for _, st := range hubStatements(tpl) {
		principal := testutil.Object(t, st["Principal"], "statement principal")["AWS"]
		if isHubAccount(principal, f.Hub.Account) {
			continue // the hub account's own administration statements
		}
		sid, _ := st["Sid"].(string)
		w, ok := want[sid]
		if !ok {
			t.Errorf("unexpected cross-account statement %v", st)
			continue
		}
		found[sid] = true
		if got := sortedStrings(principal); !reflect.DeepEqual(got, sortedCopy(accounts)) {
			t.Errorf("%s principals = %v, want the spoke accounts %v", sid, got, accounts)
		}
		if got := sortedStrings(st["Action"]); !reflect.DeepEqual(got, sortedCopy(w.actions)) {
			t.Errorf("%s actions = %v, want %v", sid, got, w.actions)
		}
		cond := testutil.Object(t, st["Condition"], sid+" Condition")
		op := "ArnEquals"
		if sid == "SpokesPullAgentImage" {
			op = "ArnLike"
		}
		if got := sortedStrings(testutil.Object(t, cond[op], sid+" Condition."+op)["aws:PrincipalArn"]); !reflect.DeepEqual(got, sortedCopy(w.roles)) {
			t.Errorf("%s pinned roles = %v, want %v", sid, got, w.roles)
		}
		for k, v := range w.extra {
			if got := testutil.Object(t, cond["StringEquals"], sid+" Condition.StringEquals")[k]; got != v {
				t.Errorf("%s condition %s = %v, want %v", sid, k, got, v)
			}
		}
	}
	for sid := range want {
		if !found[sid] {
			t.Errorf("statement %s missing", sid)
		}
	}
}

// In organization mode the statements trust the organization and the role
// naming scheme: no account or role list that grows with the fleet.
func TestHubOrganizationMode(t *testing.T) {
	f := parseFleet(t, fleetgen.Options{Spokes: 5, OrganizationID: "o-exampleorg1"})
	app := testutil.NewApp(t)
	hub := stacks.NewHubStack(app, stacks.HubStackName, &stacks.HubStackProps{Fleet: f})
	tpl := testutil.JSON(t, hub.Stack)
	n := 0
	for _, st := range hubStatements(tpl) {
		if st["Sid"] == nil {
			continue
		}
		n++
		sid := fmt.Sprint(st["Sid"])
		if p := testutil.Object(t, st["Principal"], sid+" Principal")["AWS"]; p != "*" {
			t.Errorf("%s principal = %v, want * limited by the organization", sid, p)
		}
		cond := testutil.Object(t, st["Condition"], sid+" Condition")
		if got := testutil.Object(t, cond["StringEquals"], sid+" Condition.StringEquals")["aws:PrincipalOrgID"]; got != "o-exampleorg1" {
			t.Errorf("%s aws:PrincipalOrgID = %v", sid, got)
		}
		// One pattern, or the exec and preflight patterns (ECR): O(1), and
		// at least one (no pattern would admit no role at all).
		patterns := sortedStrings(testutil.Object(t, cond["ArnLike"], sid+" Condition.ArnLike")["aws:PrincipalArn"])
		if len(patterns) == 0 || len(patterns) > 2 {
			t.Errorf("%s role patterns = %q, want one or two", sid, patterns)
		}
		for _, pattern := range patterns {
			if !strings.HasPrefix(pattern, "arn:aws:iam::*:role/hubspoke-*-") {
				t.Errorf("%s role pattern %q is not a hubspoke role name pattern", sid, pattern)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d organization statements, want 4", n)
	}
}

// isHubAccount reports whether a principal is the hub account's root, written
// literally or with the partition as an intrinsic.
func isHubAccount(principal any, account string) bool {
	if p, ok := principal.(map[string]any); ok && p["Fn::Join"] != nil {
		return strings.Contains(fmtJSON(p), ":iam::"+account+":root")
	}
	return principal == "arn:aws:iam::"+account+":root"
}

// hubStatements returns every statement of the repository policy, the key
// policies and the secret policy.
func hubStatements(tpl map[string]any) []map[string]any {
	var out []map[string]any
	add := func(doc any) {
		d, _ := doc.(map[string]any)
		sts, _ := d["Statement"].([]any)
		for _, s := range sts {
			if m, ok := s.(map[string]any); ok {
				out = append(out, m)
			} else {
				out = append(out, map[string]any{"Sid": "not an object", "Statement": s})
			}
		}
	}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::ECR::Repository") {
		add(testutil.Props(r)["RepositoryPolicyText"])
	}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::KMS::Key") {
		add(testutil.Props(r)["KeyPolicy"])
	}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::SecretsManager::ResourcePolicy") {
		add(testutil.Props(r)["ResourcePolicy"])
	}
	return out
}

func parseFleet(t testing.TB, opts fleetgen.Options) *config.Fleet {
	t.Helper()
	f, err := config.Parse("generated.yaml", fleetgen.YAML(opts))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func sortedStrings(v any) []string { return sortedCopy(testutil.Strings(v)) }

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func str(s string) *string { return &s }

func num(n float64) *float64 { return &n }

// With hub.githubActions, GitHub Actions of that repository's branch may
// assume a role through OIDC that pushes to the agent repository only.
func TestHubGitHubActionsRole(t *testing.T) {
	y := strings.Replace(string(fleetgen.YAML(fleetgen.Options{Spokes: 2})), "  region: eu-west-1\n",
		"  region: eu-west-1\n  githubActions: {repository: example-org/build-agent, branch: release}\n", 1)
	f, err := config.Parse("gh.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	app := testutil.NewApp(t)
	hub := stacks.NewHubStack(app, stacks.HubStackName, &stacks.HubStackProps{Fleet: f})
	tpl := testutil.Template(hub.Stack)
	testutil.Check(t, "OIDC provider and role", func() {
		tpl.HasResourceProperties(str("AWS::IAM::OIDCProvider"), map[string]any{
			"Url": "https://token.actions.githubusercontent.com", "ClientIdList": []any{"sts.amazonaws.com"},
		})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow",
				"Principal": map[string]any{"Federated": assertions.Match_AnyValue()},
				"Condition": map[string]any{"StringEquals": map[string]any{
					"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
					"token.actions.githubusercontent.com:sub": "repo:example-org/build-agent:ref:refs/heads/release",
				}},
			}}},
		})
	})
	// Its policy: push and pull on the agent repository, the token call,
	// nothing else.
	// It must have them, too: a policy granting nothing passes the loop.
	tj := testutil.JSON(t, hub.Stack)
	granted := map[string]bool{}
	for id, p := range testutil.ResourcesOfType(tj, "AWS::IAM::Policy") {
		if !strings.Contains(fmtJSON(testutil.Props(p)["Roles"]), "GitHubActions") {
			continue // another role's (the pool keeper reads the token)
		}
		doc := testutil.Field(t, testutil.Props(p), "PolicyDocument", id+" Properties")
		for _, st := range testutil.List(t, testutil.Field(t, doc, "Statement", id+" PolicyDocument"), id+" Statement") {
			s := testutil.Object(t, st, id+" statement")
			res := fmtJSON(s["Resource"])
			for _, a := range testutil.Strings(s["Action"]) {
				switch {
				case a == "ecr:GetAuthorizationToken" && res == `"*"`:
				case strings.HasPrefix(a, "ecr:") && strings.Contains(res, "AgentRegistryRepository"):
				default:
					t.Errorf("GitHub role may %s on %s", a, res)
				}
				granted[a] = true
			}
		}
	}
	// What docker push and pull need (ECR user guide, "Pushing an image":
	// the repository actions and the token).
	for _, a := range []string{"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"} {
		if !granted[a] {
			t.Errorf("GitHub role lacks %s (granted %v)", a, granted)
		}
	}
}
