package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "-fleet", "../../fleet.yaml"}, &out, &errb); code != 0 {
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
	if code := run([]string{"preview", "-fleet", "../../fleet.yaml", "-week", "2026-10-28", "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"TOTAL (3 spokes)", "prod-us (us-east-1, America/New_York)", "NOT OK: an agent can live more than 24 hours: Sun 01 Nov"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"week.svg", "week.png"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
