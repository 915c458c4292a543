package stacks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// -c imageTag=... names an agent image tag to deploy; anything else is
// refused with an example and where to find this commit's.
func TestImageTagFromContext(t *testing.T) {
	for _, c := range []struct{ ctx, want, err string }{
		{`{}`, "", ""},
		{`{"imageTag":"agent-0123456789ab-20261123"}`, "agent-0123456789ab-20261123", ""},
		{`{"imageTag":"latest"}`, "", "-c imageTag=latest: not an agent image tag such as agent-0123456789ab-20261123 (`hubspoke image-tag` prints this commit's)"},
		{`{"imageTag":"agent-0123456789AB-20261123"}`, "", "not an agent image tag"},
		{`{"imageTag":"agent-0123456789ab-2026112"}`, "", "not an agent image tag"},
	} {
		got, err := ImageTagFromContext(c.ctx)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %q, %v; want %q, error %q", c.ctx, got, err, c.want, c.err)
		}
	}
}

// The synth command of a pipeline after the first, run by bash as CodeBuild
// runs it, against a stand-in AWS CLI and make: it synthesizes with the tag
// the first pipeline recorded; with none recorded it fails, naming the
// parameter and the pipeline to run, and does not synthesize. The first
// pipeline's synthesizes with its own tag (no IMAGE_TAG).
func TestSynthCommandUsesTheRecordedTag(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(bin, "log")
	// aws ssm get-parameter: the value, or the CLI's ParameterNotFound
	// (stderr, exit 254: the AWS CLI's return codes for a service error).
	writeExe(t, filepath.Join(bin, "aws"), `#!/bin/bash
echo "aws $*" >> "$LOG"
if [[ -z "$RECORDED" ]]; then
  echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2; exit 254
fi
[[ "$*" == "ssm get-parameter --name /hubspoke/pipeline/agent-image-tag --query Parameter.Value --output text" ]] || { echo "unexpected: $*" >&2; exit 255; }
echo "$RECORDED"
`)
	writeExe(t, filepath.Join(bin, "make"), "#!/bin/bash\necho \"make $*\" >> \"$LOG\"\n")
	run := func(cmd, recorded string) (string, string, error) {
		os.Remove(log)
		c := exec.Command("bash", "-c", cmd)
		c.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:/bin", "LOG="+log, "RECORDED="+recorded)
		var out, errb strings.Builder
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		calls, _ := os.ReadFile(log)
		return string(calls), out.String() + errb.String(), err
	}
	second := synthCommand(false, "fleets/big.yaml", 1)
	calls, out, err := run(second, "agent-0123456789ab-20261123")
	if err != nil || !strings.Contains(calls, "make synth FLEET=fleets/big.yaml IMAGE_TAG=agent-0123456789ab-20261123\n") {
		t.Errorf("with a recorded tag: %v\ncalls:\n%s\noutput:\n%s", err, calls, out)
	}
	if !strings.Contains(out, "deploying agent image agent-0123456789ab-20261123 (built by hubspoke)") {
		t.Errorf("the step does not say which tag it deploys: %s", out)
	}
	calls, out, err = run(second, "")
	if err == nil || strings.Contains(calls, "make") {
		t.Errorf("with no recorded tag it synthesized: %v\n%s", err, calls)
	}
	for _, want := range []string{"hubspoke-2 deploys the agent image tag that hubspoke built, recorded in the SSM parameter /hubspoke/pipeline/agent-image-tag",
		"none is recorded; run hubspoke first (aws codepipeline start-pipeline-execution --name hubspoke)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure lacks %q:\n%s", want, out)
		}
	}
	calls, _, err = run(synthCommand(true, "fleet.yaml", 0), "agent-0123456789ab-20261123")
	if err != nil || calls != "make synth FLEET=fleet.yaml\n" {
		t.Errorf("first pipeline: %v, calls %q; want make synth FLEET=fleet.yaml only", err, calls)
	}
}

func writeExe(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}
