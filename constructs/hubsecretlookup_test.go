package constructs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/internal/testutil"
)

// The inline function, run against moto's Secrets Manager: a partial ARN
// resolves to the full ARN (returned as the Arn attribute and the physical
// id), a wrong name fails the deployment with a reason, and delete succeeds
// without touching anything.
func TestHubSecretLookupFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import moto, boto3").Run(); err != nil {
		t.Skip("python3 with moto and boto3 is not installed:", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hubsecretlookup.py"), []byte(hubSecretLookupCode), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "testdata/lookup_harness.py", dir).Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res struct {
		Full, Partial string
		Sent          []struct {
			Status     string
			Data       map[string]string
			PhysicalID string `json:"physicalId"`
			Reason     string
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res.Sent) != 4 {
		t.Fatalf("%d responses, want 4: %s", len(res.Sent), out)
	}
	for i, s := range res.Sent[:2] {
		if s.Status != "SUCCESS" || s.Data["Arn"] != res.Full || s.PhysicalID != res.Full {
			t.Errorf("case %d: %+v, want SUCCESS with Arn and physical id %s", i, s, res.Full)
		}
	}
	if f := res.Sent[2]; f.Status != "FAILED" || !strings.Contains(f.Reason, "look-up of") {
		t.Errorf("unknown secret: %+v, want FAILED with a reason", f)
	}
	if d := res.Sent[3]; d.Status != "SUCCESS" || d.PhysicalID != res.Full {
		t.Errorf("delete: %+v, want SUCCESS keeping the physical id", d)
	}
}

// The construct: inline code (no asset to publish to spoke accounts), a role
// with the given name, and a custom resource asking for the partial ARN in
// the secret's own region.
func TestHubSecretLookupConstruct(t *testing.T) {
	app := testutil.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")}})
	l := NewHubSecretLookup(stack, "L", &HubSecretLookupProps{SecretPartialArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b", RoleName: "r-lookup"})
	if l.SecretCompleteArn() == nil {
		t.Fatal("no ARN token")
	}
	tpl := testutil.Template(stack)
	testutil.Check(t, "look-up resources", func() {
		tpl.HasResourceProperties(str("Custom::HubSecretLookup"), map[string]any{"SecretId": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b", "Region": "eu-west-1"})
		tpl.HasResourceProperties(str("AWS::Lambda::Function"), map[string]any{"Code": map[string]any{"ZipFile": hubSecretLookupCode}, "Handler": "index.handler"})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{"RoleName": "r-lookup"})
	})
	if len(*app.Synth(nil).Artifacts()) == 0 {
		t.Fatal("no artifacts")
	}
	assets, _ := filepath.Glob(filepath.Join(*app.Outdir(), "asset.*"))
	if len(assets) != 0 {
		t.Errorf("the look-up must need no asset, found %v", assets)
	}
}

func str(s string) *string { return &s }
