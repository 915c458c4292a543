package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tools/check-bootstrap.sh checks its targets PARALLEL at a time: against a
// stand-in AWS CLI whose every call takes FAKE_AWS_DELAY, N targets take
// about N/PARALLEL × 2 calls × delay, never more than PARALLEL calls are in
// flight, every target is reported once, in order, and the unbootstrapped
// and outdated ones fail with the bootstrap command. BOOTSTRAP_CHECK_TARGETS
// (default 100) and BOOTSTRAP_CHECK_DELAY (default 0.5 s) change the size;
// the figure at 1,000 targets is in docs/deploy.md.
func TestCheckBootstrapIsParallelAndBounded(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("jq is needed (apt-get install -y jq)")
	}
	n, delay, parallel := 100, 0.5, 16
	if v, err := strconv.Atoi(os.Getenv("BOOTSTRAP_CHECK_TARGETS")); err == nil {
		n = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("BOOTSTRAP_CHECK_DELAY"), 64); err == nil {
		delay = v
	}
	dir := t.TempDir()
	// A cloud assembly of n spoke targets (a stage's nested manifest, as CDK
	// Pipelines writes them) and the tooling account's own.
	var artifacts []string
	var want []string
	for i := 0; i < n; i++ {
		region := "eu-west-1"
		if i%50 == 7 {
			region = "ap-south-1"
		}
		account := fmt.Sprintf("5%011d", i)
		artifacts = append(artifacts, fmt.Sprintf(`"SpokeStack-%d": {"type": "aws:cloudformation:stack", "environment": "aws://%s/%s"}`, i, account, region))
		want = append(want, account+"/"+region)
	}
	stage := filepath.Join(dir, "assembly-PipelineStack-Spoke-all")
	must(t, os.MkdirAll(stage, 0o755))
	must(t, os.WriteFile(filepath.Join(stage, "manifest.json"), []byte(`{"artifacts": {`+strings.Join(artifacts, ",")+`}}`), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts": {"PipelineStack": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1"},
		"Tree": {"type": "cdk:tree"}, "Agnostic": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region"}}}`), 0o644))
	want = append(want, "111111111111/eu-west-1")
	sort.Strings(want)
	denied := fmt.Sprintf("5%011d", 3)

	fake, err := filepath.Abs("testdata/bootstrapfake")
	must(t, err)
	log := filepath.Join(dir, "calls")
	cmd := exec.Command("bash", "../tools/check-bootstrap.sh")
	cmd.Env = append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+log, "FAKE_AWS_DELAY="+fmt.Sprint(delay),
		"FAKE_AWS_DENY="+denied, "ASSEMBLY="+dir, "TOOLING_ACCOUNT=111111111111", fmt.Sprintf("PARALLEL=%d", parallel))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err == nil {
		t.Fatal("passed with an unbootstrapped target")
	}
	// Every target once, in order: ok on stdout, FAIL on stderr.
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()+"\n"+errb.String()), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			t.Fatalf("unexpected line %q", line)
		}
		got = append(got, strings.TrimSuffix(f[1], ":"))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("reported %d targets, want each of %d once", len(got), len(want))
	}
	for _, w := range []string{
		"FAIL " + denied + "/eu-west-1: not bootstrapped, or not trusting 111111111111: npx cdk bootstrap aws://" + denied + "/eu-west-1 --trust 111111111111",
		fmt.Sprintf("FAIL 5%011d/ap-south-1: bootstrap version 5, needs 6 or newer", 7),
	} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("stderr lacks %q", w)
		}
	}
	if !strings.Contains(out.String(), "ok   111111111111/eu-west-1 (bootstrap version 28)") {
		t.Errorf("stdout lacks the tooling account: %.300s", out.String())
	}
	// Calls in flight: never more than PARALLEL, and the bound is reached.
	raw, err := os.ReadFile(log)
	must(t, err)
	type event struct {
		at    int64
		delta int
	}
	var events []event
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		kind, ns, _ := strings.Cut(line, " ")
		at, _ := strconv.ParseInt(ns, 10, 64)
		if kind == "start" {
			events = append(events, event{at, 1})
		} else {
			events = append(events, event{at, -1})
		}
	}
	sort.Slice(events, func(i, j int) bool {
		return events[i].at < events[j].at || events[i].at == events[j].at && events[i].delta < 0
	})
	inFlight, peak := 0, 0
	for _, e := range events {
		inFlight += e.delta
		peak = max(peak, inFlight)
	}
	calls := len(events) / 2
	if calls != 2*len(want)-1 { // the denied target makes one call
		t.Errorf("%d calls, want %d", calls, 2*len(want)-1)
	}
	if peak > parallel || peak < parallel/4 {
		t.Errorf("at most %d calls in flight, want at most %d (PARALLEL), and parallel", peak, parallel)
	}
	// One after another: calls × delay. Parallel: about a PARALLELth of it;
	// a third of it allows for a loaded 2-core machine.
	sequential := time.Duration(float64(calls) * delay * float64(time.Second))
	ideal := sequential / time.Duration(parallel)
	t.Logf("%d targets, %d calls of %.2f s, PARALLEL=%d: %.1f s (one after another %.0f s, ideal %.1f s), peak %d in flight",
		len(want), calls, delay, parallel, took.Seconds(), sequential.Seconds(), ideal.Seconds(), peak)
	if took > sequential/3 {
		t.Errorf("took %v, not much faster than one after another (%v)", took, sequential)
	}
	// The bound is checked.
	bad := exec.Command("bash", "../tools/check-bootstrap.sh")
	bad.Env = append(os.Environ(), "TOOLING_ACCOUNT=111111111111", "PARALLEL=0", "ASSEMBLY="+dir)
	if msg, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(msg), "PARALLEL=0: use 1 to 64 targets at a time") {
		t.Errorf("PARALLEL=0: %v %s", err, msg)
	}
}
