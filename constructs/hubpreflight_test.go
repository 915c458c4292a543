package constructs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// The inline function, run against moto's Secrets Manager and ECR: the
// happy path returns the secret's full ARN (Arn attribute and physical id);
// a missing image, repository or secret, a secret without a value and a
// secret scheduled for deletion each fail the deployment with the fix in
// the reason; delete succeeds without touching anything.
func TestHubPreflightFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import moto, boto3").Run(); err != nil {
		t.Fatal("python3 with moto and boto3 is needed (pip install moto boto3):", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hubpreflight.py"), []byte(hubPreflightCode), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "testdata/preflight_harness.py", dir).Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res struct {
		Full  string
		Cases map[string]struct {
			Status     string
			Data       map[string]string
			PhysicalID string `json:"physicalId"`
			Reason     string
			Slept      int
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, name := range []string{"create", "update"} {
		c := res.Cases[name]
		if c.Status != "SUCCESS" || c.Data["Arn"] != res.Full || c.PhysicalID != res.Full {
			t.Errorf("%s: %+v, want SUCCESS with Arn and physical id %s", name, c, res.Full)
		}
	}
	for name, want := range map[string][]string{
		"image missing":              {"agent image", "agent-0123456789ab-20261130", "is not in the hub repository", "docker push"},
		"repository missing":         {"other/repo", "does not exist", "deploy HubStack first"},
		"secret missing":             {"hubspoke/agent-tokenx", "does not exist", "deploy HubStack first"},
		"secret without value":       {"hubspoke/empty-token", "has no value", "aws secretsmanager put-secret-value --secret-id hubspoke/empty-token"},
		"secret deleted":             {"hubspoke/gone-token", "scheduled for deletion", "aws secretsmanager restore-secret"},
		"replica never arrives":      {"us-east-1", "has not replicated to us-east-1 within 600 s", "describe-image-replication-status", "--region eu-west-1"},
		"replica repository missing": {"us-west-2", "deploy HubReplica-us-west-2 and HubStack first"},
	} {
		c := res.Cases[name]
		if c.Status != "FAILED" {
			t.Errorf("%s: %s, want FAILED", name, c.Status)
		}
		for _, w := range want {
			if !strings.Contains(c.Reason, w) {
				t.Errorf("%s: reason %q lacks %q", name, c.Reason, w)
			}
		}
		if strings.Contains(c.Reason, "pat") && !strings.Contains(c.Reason, "$AZP_PAT") {
			t.Errorf("%s: the reason may echo the secret's value: %q", name, c.Reason)
		}
	}
	// A replica: the preflight waits (15 s a poll) until replication brings
	// the tag, and gives up after WaitSeconds.
	if c := res.Cases["replica arrives"]; c.Status != "SUCCESS" || c.Slept != 15 {
		t.Errorf("replica arrives: %+v, want SUCCESS after one 15 s wait", c)
	}
	if c := res.Cases["replica never arrives"]; c.Slept != 600 {
		t.Errorf("replica never arrives: waited %d s, want 600", c.Slept)
	}
	if d := res.Cases["delete"]; d.Status != "SUCCESS" || d.PhysicalID != res.Full {
		t.Errorf("delete: %+v, want SUCCESS keeping the physical id", d)
	}
}

// The construct: inline code (no asset to publish to spoke accounts), a role
// with the given name that may describe the one secret and the one
// repository, and a custom resource with a timeout of minutes whose
// properties change with the image tag and the nonce.
func TestHubPreflightConstruct(t *testing.T) {
	app := testutil.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")}})
	l := NewHubPreflight(stack, "L", &HubPreflightProps{SecretPartialArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b",
		RepositoryArn: "arn:aws:ecr:eu-west-1:111111111111:repository/team/agent", ImageTag: "agent-1", RoleName: "r-lookup", Nonce: "n1"})
	if l.SecretCompleteArn() == nil {
		t.Fatal("no ARN token")
	}
	tpl := testutil.Template(stack)
	testutil.Check(t, "look-up resources", func() {
		tpl.HasResourceProperties(str("Custom::HubPreflight"), map[string]any{
			"ServiceTimeout": "300", // CDK writes it as a string; CloudFormation reads seconds
			"SecretId":       "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b", "SecretName": "a/b", "SecretRegion": "eu-west-1", "HubAccount": "111111111111",
			"RepositoryName": "team/agent", "RepositoryRegion": "eu-west-1", "RegistryId": "111111111111",
			"ImageTag": "agent-1", "RoleName": "r-lookup", "Nonce": "n1",
		})
		tpl.HasResourceProperties(str("AWS::Lambda::Function"), map[string]any{"Code": map[string]any{"ZipFile": hubPreflightCode}, "Handler": "index.handler"})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{"RoleName": "r-lookup", "Policies": []any{map[string]any{
			"PolicyName": "Preflight",
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b-??????"},
				map[string]any{"Effect": "Allow", "Action": "ecr:DescribeImages", "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/team/agent"},
			})},
		}}})
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
