package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The tag follows the content of agent/ and nothing else.
func TestAgentImageTag(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\n", 0o644)
	write("start.sh", "#!/bin/sh\n", 0o755)
	tag := func() string {
		t.Helper()
		got, err := AgentImageTag(dir)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	base := tag()
	if len(base) != len("agent-")+12 || base[:6] != "agent-" {
		t.Fatalf("tag %q is not agent-<12 hex>", base)
	}
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "Dockerfile"), future, future)
	if got := tag(); got != base {
		t.Errorf("touching a file changed the tag: %s -> %s", base, got)
	}
	write("Dockerfile", "FROM scratch\nUSER 1000\n", 0o644)
	changed := tag()
	if changed == base {
		t.Error("changing the Dockerfile kept the tag")
	}
	write("Dockerfile", "FROM scratch\n", 0o644)
	if got := tag(); got != base {
		t.Errorf("restoring the content did not restore the tag: %s", got)
	}
	os.Chmod(filepath.Join(dir, "start.sh"), 0o644)
	if got := tag(); got == base {
		t.Error("dropping the executable bit kept the tag")
	}
	if _, err := AgentImageTag(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder must be an error")
	}
}

// The pipeline installs the CDK CLI that package.json pins.
func TestPipelineCLIVersionMatchesPackageJSON(t *testing.T) {
	b, err := os.ReadFile("../package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if got := pkg.DevDependencies["aws-cdk"]; got != CDKCLIVersion {
		t.Errorf("package.json pins aws-cdk %s, the pipeline installs %s", got, CDKCLIVersion)
	}
}
