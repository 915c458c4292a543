package constructs

import (
	"encoding/json"
	"fmt"
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
			Seconds    float64
			Stages     [][]string
		}
		Limits struct{ CallWorst, Margin int }
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// The operator's put, once or twice (the generated version then has no
	// label left), passes.
	for _, name := range []string{"create", "update"} {
		c := res.Cases[name]
		if c.Status != "SUCCESS" || c.Data["Arn"] != res.Full || c.PhysicalID != res.Full {
			t.Errorf("%s: %+v, want SUCCESS with Arn and physical id %s", name, c, res.Full)
		}
	}
	for name, want := range map[string][]string{
		"image missing": {"agent image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/hubspoke/build-agent:agent-0123456789ab-20261130 is not in the hub repository",
			"for the image rebuild period starting 2026-11-30, and nobody has built it yet",
			"aws codepipeline start-pipeline-execution --name hubspoke",
			"HUB_ACCOUNT=123456789012 HUB_REGION=eu-west-1 REPO_NAME=hubspoke/build-agent TAG=agent-0123456789ab-20261130 bash tools/publish-agent-image.sh",
			"or deploy the newest image built from this agent/: cdk deploy SpokeStack-dev -c imageTag=agent-0123456789ab-20261123"},
		"image of another agent/ missing": {"TAG=agent-fedcba987654-20261130 bash tools/publish-agent-image.sh",
			"or deploy the newest image in the repository (built from another agent/): cdk deploy SpokeStack-dev -c imageTag=agent-0123456789ab-20261123"},
		"repository missing":   {"other/repo", "does not exist", "deploy HubStack first"},
		"secret missing":       {"hubspoke/agent-tokenx", "does not exist", "deploy HubStack first"},
		"secret without value": {"hubspoke/empty-token", "has no value", "aws secretsmanager put-secret-value --secret-id hubspoke/empty-token --secret-string \"$AZP_PAT\" --region eu-west-1 (in the hub account 123456789012)"},
		// Created as the template creates it, never put.
		"generated value only": {"the agent token secret hubspoke/generated-token holds only the random value CloudFormation generated",
			"aws secretsmanager put-secret-value --secret-id hubspoke/generated-token --secret-string \"$AZP_PAT\" --region eu-west-1 (in the hub account 123456789012), then deploy again"},
		"secret deleted": {"hubspoke/gone-token", "scheduled for deletion", "aws secretsmanager restore-secret"},
		// A hung endpoint: each call gives up after 2 attempts of 5 s.
		"secret call hangs": {"Secrets Manager in eu-west-1 (secretsmanager.eu-west-1.amazonaws.com) accepted the connection but did not answer within 5 s, 2 attempts", "deploy again"},
		"image call hangs":  {"ECR in eu-west-1 (api.ecr.eu-west-1.amazonaws.com) accepted the connection but did not answer within 5 s, 2 attempts", "deploy again"},
		// 7 s left: the watchdog answers 4 s before the function's timeout.
		"watchdog":                   {"the preflight got no answer from Secrets Manager in eu-west-1 (secretsmanager.eu-west-1.amazonaws.com) in the hub account 123456789012 within 3 s", "deploy again"},
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
	// Real Secrets Manager leaves the unlabelled version out of
	// VersionIdsToStages; moto lists it with no labels: either way AWSCURRENT
	// and AWSPREVIOUS are on two versions.
	if c := res.Cases["put twice"]; c.Status != "SUCCESS" || !strings.HasPrefix(c.Data["Arn"], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:hubspoke/twice-token-") ||
		fmt.Sprint(c.Stages) != "[[] [AWSCURRENT] [AWSPREVIOUS]]" {
		t.Errorf("put twice: %+v, want SUCCESS with versions [] [AWSCURRENT] [AWSPREVIOUS]", c)
	}
	// Hung calls answer well within the 60 s function: about 10 s each
	// (2 attempts of a 5 s read timeout); never under 9 s (the timeouts are
	// the ones set, not an instant refusal); the watchdog at 7 - 4 = 3 s.
	for name, want := range map[string][2]float64{"secret call hangs": {9, 30}, "image call hangs": {9, 30}, "watchdog": {2.5, 6}} {
		if s := res.Cases[name].Seconds; s < want[0] || s > want[1] {
			t.Errorf("%s: answered after %.1f s, want %.0f-%.0f s", name, s, want[0], want[1])
		}
	}
	// The worst case of the handler's two calls, plus the watchdog's
	// margin, fits the 60 s function.
	if w := 2*res.Limits.CallWorst + res.Limits.Margin; w >= 60 {
		t.Errorf("two calls of at most %d s each plus %d s margin = %d s, not under the 60 s function timeout", res.Limits.CallWorst, res.Limits.Margin, w)
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
