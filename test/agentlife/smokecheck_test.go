package agentlife

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tools/smoke-check.sh against a stand-in AWS CLI (testdata/fakeaws/aws,
// shaped as the APIs document): a good spoke passes; a spoke whose check
// task cannot pull, whose agent rejects the token, or whose service lacks
// its scheduled actions fails, each named with the reason; the check task
// runs in check-only mode; the pipeline form assumes each spoke's role.
func TestSmokeCheckScript(t *testing.T) {
	for _, tool := range []string{"jq", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (apt-get install -y %s)", tool, tool)
		}
	}
	if err := exec.Command("python3", "-c", "import jmespath").Run(); err != nil {
		t.Fatal("python3 jmespath is needed (pip install jmespath; boto3 brings it)")
	}
	log := filepath.Join(t.TempDir(), "calls")
	run := func(env []string, spokes ...string) (string, string, error) {
		cmd := exec.Command("bash", "../../tools/smoke-check.sh")
		cmd.Args = append(cmd.Args, spokes...)
		cmd.Env = append(os.Environ(), "PATH="+mustAbs(t, "testdata/fakeaws")+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+log)
		cmd.Env = append(cmd.Env, env...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	stdout, stderr, err := run(nil, "222222222222:eu-west-1:hubspoke-good:build-agents")
	if err != nil || !strings.Contains(stdout, "ok   222222222222/eu-west-1 hubspoke-good") {
		t.Fatalf("good spoke: %v\n%s%s", err, stdout, stderr)
	}
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "ecs run-task") || !strings.Contains(string(calls), "AZP_CHECK_ONLY") {
		t.Errorf("no check-only task was run:\n%s", calls)
	}
	if strings.Contains(string(calls), "sts assume-role") {
		t.Error("the direct path assumed a role")
	}

	os.Remove(log)
	stdout, stderr, err = run([]string{"ASSUME_ROLE=hubspoke-{spoke}-smoke", "SPOKES=222222222222:eu-west-1:hubspoke-good:build-agents 333333333333:eu-west-1:hubspoke-pull:build-agents 444444444444:us-east-1:hubspoke-token:build-agents 555555555555:eu-west-1:hubspoke-noactions:build-agents"})
	if err == nil {
		t.Fatalf("failing spokes passed:\n%s%s", stdout, stderr)
	}
	for _, want := range []string{
		"FAIL 333333333333/eu-west-1 hubspoke-pull: check task stopped with exit code none: CannotPullContainerError: pull image manifest",
		"FAIL 444444444444/us-east-1 hubspoke-token: check task stopped with exit code 4: Essential container in task exited; agent said: start.sh: check failed: https://dev.azure.com/example-org rejected the token (HTTP 401)",
		"FAIL 555555555555/eu-west-1 hubspoke-noactions: scheduled actions of hubspoke-noactions/build-agents are []",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "ok   222222222222/eu-west-1 hubspoke-good") {
		t.Errorf("the good spoke is not reported ok:\n%s", stdout)
	}
	calls, _ = os.ReadFile(log)
	for _, want := range []string{"arn:aws:iam::333333333333:role/hubspoke-pull-smoke", "arn:aws:iam::444444444444:role/hubspoke-token-smoke"} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("did not assume %s:\n%s", want, calls)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	must(t, err)
	return a
}

// A task that could not get its secret right after the hub's first deploy
// (a new KMS alias takes minutes to apply to the alias condition) gets one
// more try; a second failure would fail the spoke.
func TestSmokeCheckRetriesASecretRetrievalFailure(t *testing.T) {
	log := filepath.Join(t.TempDir(), "calls")
	cmd := exec.Command("bash", "../../tools/smoke-check.sh", "666666666666:eu-west-1:hubspoke-kmslag:build-agents")
	cmd.Env = append(os.Environ(), "PATH="+mustAbs(t, "testdata/fakeaws")+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+log, "RETRY_AFTER_SECONDS=0")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok   666666666666/eu-west-1 hubspoke-kmslag") {
		t.Fatalf("%v\n%s", err, out)
	}
	calls, _ := os.ReadFile(log)
	if n := strings.Count(string(calls), "ecs run-task"); n != 2 {
		t.Errorf("%d check tasks, want 2 (one retry)", n)
	}
}

// tools/check-bootstrap.sh reads every target of the cloud assembly (Stages
// included, so a spoke added in this commit counts) and fails for a target
// that cannot be assumed or has an old bootstrap, with the bootstrap command.
func TestCheckBootstrapScript(t *testing.T) {
	log := filepath.Join(t.TempDir(), "calls")
	cmd := exec.Command("bash", "../../tools/check-bootstrap.sh")
	cmd.Env = append(os.Environ(), "PATH="+mustAbs(t, "testdata/fakeaws")+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+log,
		"ASSEMBLY=testdata/assembly", "TOOLING_ACCOUNT=111111111111")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err == nil {
		t.Fatalf("passed with an unbootstrapped target:\n%s%s", out.String(), errb.String())
	}
	for _, want := range []string{"ok   111111111111/eu-west-1", "ok   222222222222/eu-west-1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{
		"FAIL 999999999999/eu-west-1: not bootstrapped, or not trusting 111111111111: npx cdk bootstrap aws://999999999999/eu-west-1 --trust 111111111111 --trust-for-lookup 111111111111",
		"FAIL 333333333333/ap-south-1: bootstrap version 5, needs 6 or newer",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}
