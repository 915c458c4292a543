package agentlife

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tools/publish-agent-image.sh against stand-ins of the AWS CLI and docker:
//   - a tag in the hub repository is not built again; a replica region that
//     lacks it (a region added after the tag was pushed: replication copies
//     only later pushes) gets it copied from the hub, one that has it is
//     left alone;
//   - a new tag is built, pushed to the hub, scan-gated, and left to
//     registry replication (no copy).
func TestPublishAgentImage(t *testing.T) {
	if err := exec.Command("python3", "-c", "import jmespath").Run(); err != nil {
		t.Fatal("python3 jmespath is needed (pip install jmespath; boto3 brings it)")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	run := func(tag string) (string, string) {
		t.Helper()
		cmd := exec.Command("bash", "../../tools/publish-agent-image.sh")
		cmd.Env = append(os.Environ(),
			"PATH="+mustAbs(t, "testdata/fakeaws")+":"+mustAbs(t, "testdata/fakedocker")+":"+os.Getenv("PATH"),
			"FAKE_AWS_LOG="+log, "HUB_ACCOUNT=111111111111", "HUB_REGION=eu-west-1", "REPO_NAME=hubspoke/build-agent",
			"TAG="+tag, "REPLICA_REGIONS=us-east-1 eu-central-1")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s%s", tag, err, out.String(), errb.String())
		}
		calls, _ := os.ReadFile(log)
		os.Remove(log)
		return out.String(), string(calls)
	}

	out, calls := run("agent-old")
	for _, want := range []string{"exists: nothing to build", "is in the eu-central-1 replica", "copied hubspoke/build-agent:agent-old to the us-east-1 replica"} {
		if !strings.Contains(out, want) {
			t.Errorf("existing tag: output lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"docker pull 111111111111.dkr.ecr.eu-west-1.amazonaws.com/hubspoke/build-agent:agent-old",
		"docker push 111111111111.dkr.ecr.us-east-1.amazonaws.com/hubspoke/build-agent:agent-old",
	} {
		if !strings.Contains(calls, want) {
			t.Errorf("existing tag: no %q in:\n%s", want, calls)
		}
	}
	if strings.Contains(calls, "docker build") || strings.Contains(calls, "eu-central-1.amazonaws.com/hubspoke/build-agent:agent-old") {
		t.Errorf("existing tag: built, or copied where it already was:\n%s", calls)
	}

	out, calls = run("agent-new")
	if !strings.Contains(calls, "docker build --pull --no-cache -t 111111111111.dkr.ecr.eu-west-1.amazonaws.com/hubspoke/build-agent:agent-new agent") ||
		!strings.Contains(calls, "describe-image-scan-findings --image-id imageTag=agent-new") {
		t.Errorf("new tag: not built, pushed and scanned:\n%s\n%s", out, calls)
	}
	if strings.Contains(calls, "us-east-1.amazonaws.com/hubspoke/build-agent:agent-new") || !strings.Contains(out, "registry replication copies it to: us-east-1 eu-central-1") {
		t.Errorf("new tag: copied by hand instead of left to replication:\n%s\n%s", out, calls)
	}
}
