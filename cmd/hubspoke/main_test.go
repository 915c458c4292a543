package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "-fleet", "../../test/testdata/fleet.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "valid: hub 111111111111/eu-west-1, 3 spokes in 3 waves") {
		t.Errorf("output %q", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("hub: {account: '1'}\n"), 0o644)
	out.Reset()
	errb.Reset()
	if code := run([]string{"validate", "-fleet", bad}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "hub.account") {
		t.Errorf("bad fleet: exit %d, stderr %q", code, errb.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestPreviewWritesReportAndChart(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"preview", "-fleet", "../../test/testdata/fleet.yaml", "-week", "2026-10-28", "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The week New York falls back (Sun 1 Nov): no agent over 24 hours, that
	// week or any day of the year.
	for _, want := range []string{"TOTAL (3 spokes)", "prod-us (us-east-1, America/New_York)", "longest agent life 23h55: within 24 hours every day",
		"Longest agent life over 2026", "prod-us (America/New_York): 23h55, from",
		`Workload "reference (busy team)"`, "fleet  as configured"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Only the spoke that follows demand (test) gets a workload chart.
	if !regexp.MustCompile(`(?m)^\s+test\s+demand\s+\d+`).MatchString(out.String()) || regexp.MustCompile(`(?m)^\s+dev\s+demand`).MatchString(out.String()) {
		t.Errorf("want a demand row for test only:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "workload-dev.svg")); err == nil {
		t.Error("a workload chart for dev, which does not follow demand")
	}
	for _, f := range []string{"week.svg", "week.png", "workload-test.svg", "workload-test.png"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// image-tag prints the tag both delivery paths deploy: agent/'s hash and the
// rebuild period's first day.
func TestImageTag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"image-tag", "-fleet", "../../test/testdata/fleet.yaml", "-agent", "../../agent", "-date", "2026-11-25"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := strings.TrimSpace(out.String())
	if !strings.HasPrefix(got, "agent-") || !strings.HasSuffix(got, "-20261123") || len(got) != len("agent-0123456789ab-20261123") {
		t.Errorf("image-tag printed %q, want agent-<hash>-20261123 (the week's Monday)", got)
	}
	out.Reset()
	if code := run([]string{"image-tag", "-fleet", "../../test/testdata/fleet.yaml", "-date", "23/11/2026"}, &out, &errb); code != 2 {
		t.Errorf("bad date: exit %d", code)
	}
}

// `go install ./...` keeps one binary per command name: no two main
// packages may share one (the app and this tool were both "hubspoke"; the app at the module root
// is named after the module, hubspoke-cdk).
func TestBinaryNamesAreDistinct(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}", "hubspoke-cdk/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	var mains []string
	for _, p := range strings.Fields(string(out)) {
		name := filepath.Base(p)
		if other, dup := seen[name]; dup {
			t.Errorf("%s and %s both install a binary named %s", other, p, name)
		}
		seen[name] = p
		mains = append(mains, p)
	}
	if strings.Join(mains, " ") != "hubspoke-cdk hubspoke-cdk/cmd/hubspoke hubspoke-cdk/tools/nonviable" {
		t.Errorf("commands: %v, want the CDK app, the operator tool and make mutate's nonviable", mains)
	}
}

func TestSubcommands(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"fleetgen", "-spokes", "2", "-pipeline"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "spoke-0001") || !strings.Contains(out.String(), "pipeline:") {
		t.Errorf("fleetgen: exit %d\n%s%s", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"access", "-assembly", t.TempDir()}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "run make synth first") {
		t.Errorf("access on an empty dir: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "image-tag") || !strings.Contains(errb.String(), "access") {
		t.Errorf("usage: exit %d, %q", code, errb.String())
	}
}

// The workload flags: the agent start as a distribution, standby per
// window, the seed; each bad value named with its fix, before any
// simulation. The report has the rejected column and the rows with a
// placeholder (which rejects nothing).
func TestPreviewWorkloadFlags(t *testing.T) {
	fleet := "../../test/testdata/fleet.yaml"
	var out, errb bytes.Buffer
	if code := run([]string{"preview", "-fleet", fleet, "-week", "2026-11-23", "-out", t.TempDir(), "-start", "1m,2m,3m", "-standby", "1,0,0", "-seed", "3"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"agent start 1m0s-3m0s (median 2m0s)", "standby 1/0/0 (work hours/nights/weekends)", "rejected", "tasks started"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	for _, re := range []string{`(?m)^\s+dev\s+schedule\s+\d+\s+[1-9]\d*\s`, `(?m)^\s+dev\s+schedule\+placeholder\s+\d+\s+0\s`,
		`(?m)^\s+test\s+demand\+placeholder\s+\d+\s+0\s`, `(?m)^\s+fleet\s+as configured\+placeholder\s+\d+\s+0\s`, `(?m)^\s+fleet\s+as configured\s+\d+\s+[1-9]\d*\s`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("report lacks a row matching %s:\n%s", re, out.String())
		}
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-start", "1m,2m"}, `-start "1m,2m": give three durations MIN,MEDIAN,MAX, e.g. 1m,2m,3m`},
		{[]string{"-start", "1m,2x,3m"}, `-start "1m,2x,3m": "2x" is not a duration such as 90s or 2m`},
		{[]string{"-start", "3m,2m,1m"}, `-start "3m,2m,1m": want 0 < MIN <= MEDIAN <= MAX`},
		{[]string{"-start", "1m,3m,2m"}, `-start "1m,3m,2m": want 0 < MIN <= MEDIAN <= MAX`},
		{[]string{"-start", "0s,1m,2m"}, `-start "0s,1m,2m": want 0 < MIN <= MEDIAN <= MAX`},
		{[]string{"-standby", "1,0"}, `-standby "1,0": give three counts WORK,NIGHT,WEEKEND, e.g. 1,0,0`},
		{[]string{"-standby", "1,-1,0"}, `-standby "1,-1,0": "-1" is not a count of 0 or more idle agents`},
	} {
		out.Reset()
		errb.Reset()
		args := append([]string{"preview", "-fleet", fleet, "-out", t.TempDir()}, c.flags...)
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, %d bytes out; want 2, %q, nothing simulated", c.flags, code, errb.String(), out.Len(), c.want)
		}
	}
}
