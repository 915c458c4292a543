package test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden templates in test/golden")

// synthExample synthesizes the example fleet and returns each template's
// bytes as CDK wrote them, by file name.
func synthExample(t *testing.T) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(synthFleet(t, testutil.ExampleFleet(t)), "*.template.json"))
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestSnapshots compares every synthesized template of the example fleet with
// its golden file. Run `make update-snapshots` after a deliberate change and
// review the diff: a template change is an infrastructure change.
func TestSnapshots(t *testing.T) {
	got := synthExample(t)
	want := []string{"HubReplica-us-east-1.template.json", "HubStack.template.json", "PipelineStack.template.json", "SpokeStack-dev.template.json", "SpokeStack-prod-us.template.json",
		"SpokeStack-test.template.json", "cross-region-stack-111111111111_us-east-1.template.json"}
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("templates = %v, want %v", names, want)
	}
	golden := filepath.Join(testutil.RepoRoot(), "test", "golden")
	if *update {
		old, _ := filepath.Glob(filepath.Join(golden, "*.template.json"))
		for _, f := range old {
			os.Remove(f)
		}
		for n, b := range got {
			if err := os.WriteFile(filepath.Join(golden, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("rewrote %d golden templates", len(got))
		return
	}
	for _, n := range names {
		g, err := os.ReadFile(filepath.Join(golden, n))
		if err != nil {
			t.Errorf("%s: no golden file (run make update-snapshots): %v", n, err)
			continue
		}
		if !bytes.Equal(g, got[n]) {
			t.Errorf("%s differs from test/golden/%s; if the change is meant, run make update-snapshots and review the diff\n%s", n, n, firstDiff(g, got[n]))
		}
	}
}

// The hub of an OU-mode fleet (test/testdata/fleet-ou.yaml): policies for
// the organization's role names in the listed OUs only.
func TestSnapshotOUModeHub(t *testing.T) {
	f, err := config.Load(filepath.Join(testutil.RepoRoot(), "test", "testdata", "fleet-ou.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := synthFleet(t, f)
	got, err := os.ReadFile(filepath.Join(dir, "HubStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(testutil.RepoRoot(), "test", "golden", "ou", "HubStack.template.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("no golden file (run make update-snapshots): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("the OU-mode hub differs from test/golden/ou/HubStack.template.json; if meant, run make update-snapshots\n%s", firstDiff(want, got))
	}
	if !bytes.Contains(got, []byte(`"aws:PrincipalOrgPaths"`)) {
		t.Error("the OU-mode hub does not limit its policies by aws:PrincipalOrgPaths")
	}
}

// TestSynthIsByteStable: two synths of the same fleet give the same bytes, so
// snapshot diffs only ever show real changes.
func TestSynthIsByteStable(t *testing.T) {
	a, b := synthExample(t), synthExample(t)
	for n := range a {
		if !bytes.Equal(a[n], b[n]) {
			t.Errorf("%s differs between two synths:\n%s", n, firstDiff(a[n], b[n]))
		}
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  golden: " + al[i] + "\n  now:    " + bl[i]
		}
	}
	return "lengths differ: " + strconv.Itoa(len(al)) + " vs " + strconv.Itoa(len(bl)) + " lines"
}
