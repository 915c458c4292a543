package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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

var (
	synthOnce      sync.Once
	synthTemplates map[string][]byte
)

// exampleSynth is synthExample once per test binary: the snapshot, image
// tag and inline code tests read the same synthesis.
func exampleSynth(t *testing.T) map[string][]byte {
	t.Helper()
	synthOnce.Do(func() { synthTemplates = synthExample(t) })
	if synthTemplates == nil {
		t.Fatal("the example fleet did not synthesize (see the first test that tried)")
	}
	return synthTemplates
}

// The inline Lambda code, by its file under constructs/ (go:embed puts that
// file's bytes in the template).
var inlineCode = []string{"hubpreflight.py", "demandpoller.py", "agentwindow.py", "servicelinkedroles.py"}

// tagHashPlaceholder stands in the golden templates for the content hash
// of agent/ in the image tag (agent-<hash>-<date>): an edit of agent/
// changes it in every spoke template. TestImageTagInTemplates checks the
// tag itself.
const tagHashPlaceholder = "<hash of agent/>"

// codePlaceholder stands in the golden templates for the code of an inline
// function: an edit of the Python changes nothing else in a template.
// TestInlineCodeInTemplates checks the code itself.
func codePlaceholder(file string) string { return "<code of constructs/" + file + ">" }

// normalise replaces in a template what changes with every edit of agent/
// or of the inline Python by placeholders: the agent image tag's hash (the
// date stays: it is the rebuild period's) and each inline function's code
// as it stands in the JSON. Everything else stays byte for byte. It fails
// the test when a function's code is not found where the template has a
// ZipFile, so a template can never hold code the placeholders missed.
func normalise(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	tag := exampleImageTag(t) // agent-<12 hex>-<yyyymmdd>
	out := bytes.ReplaceAll(b, []byte("agent-"+tag[len("agent-"):len("agent-")+12]+"-"), []byte("agent-"+tagHashPlaceholder+"-"))
	for _, file := range inlineCode {
		code, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "constructs", file))
		if err != nil {
			t.Fatal(err)
		}
		out = bytes.ReplaceAll(out, jsonStringBody(t, code), []byte(codePlaceholder(file)))
	}
	if zips, placed := bytes.Count(out, []byte(`"ZipFile"`)), bytes.Count(out, []byte("<code of constructs/")); zips != placed {
		t.Errorf("%s: %d inline functions but %d code placeholders: a function's code is not one of %v as written (escaping?)", name, zips, placed, inlineCode)
	}
	return out
}

// jsonStringBody is s as it stands between the quotes of a JSON string in
// a template (CDK writes JSON.stringify's escapes: no HTML escaping).
func jsonStringBody(t *testing.T, s []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(s)); err != nil {
		t.Fatal(err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return b[1 : len(b)-1]
}

// TestSnapshots compares every synthesized template of the example fleet with
// its golden file, byte for byte once the image tag's hash and the inline
// code are placeholders (normalise). Run `make update-snapshots` after a
// deliberate change and review the diff: a template change is an
// infrastructure change.
func TestSnapshots(t *testing.T) {
	got := map[string][]byte{}
	for n, b := range exampleSynth(t) {
		got[n] = normalise(t, n, b)
	}
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
	raw, err := os.ReadFile(filepath.Join(dir, "HubStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := normalise(t, "ou/HubStack.template.json", raw)
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
	a, b := exampleSynth(t), synthExample(t)
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
			// Around the first differing column: a line of inline code
			// is thousands of characters long.
			c := 0
			for c < len(al[i]) && c < len(bl[i]) && al[i][c] == bl[i][c] {
				c++
			}
			return "line " + strconv.Itoa(i+1) + ", column " + strconv.Itoa(c+1) + ":\n  golden: " + excerpt(al[i], c) + "\n  now:    " + excerpt(bl[i], c)
		}
	}
	return "lengths differ: " + strconv.Itoa(len(al)) + " vs " + strconv.Itoa(len(bl)) + " lines"
}

var imageTagRe = regexp.MustCompile(`agent-[0-9a-f]{12}-[0-9]{8}`)

// The image tag the goldens hide the hash of: every tag in every template is
// agentimage.Tag of the repository's agent/ for the example's weekly rebuild
// on testutil.BuildDate (Monday 23 November 2026, so the date is that day),
// and the templates that deploy or build the image carry it.
func TestImageTagInTemplates(t *testing.T) {
	tag := exampleImageTag(t)
	if !strings.HasSuffix(tag, "-20261123") {
		t.Errorf("tag %s: the weekly period of Monday 2026-11-23 starts that day", tag)
	}
	for name, b := range exampleSynth(t) {
		found := imageTagRe.FindAllString(string(b), -1)
		for _, f := range found {
			if f != tag {
				t.Errorf("%s holds the image tag %s, want %s", name, f, tag)
			}
		}
		// Each spoke's task definition and preflight; the pipeline's image step.
		wantSome := strings.HasPrefix(name, "SpokeStack-") || name == "PipelineStack.template.json"
		if wantSome && len(found) == 0 {
			t.Errorf("%s holds no image tag", name)
		}
	}
}

// The code the goldens hide: each inline function's code is the file under
// constructs/ byte for byte (the preflight's whole ZipFile; the poller's
// after the line that sets FLEET, which the golden keeps).
func TestInlineCodeInTemplates(t *testing.T) {
	code := map[string]string{}
	for _, file := range inlineCode {
		b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "constructs", file))
		if err != nil {
			t.Fatal(err)
		}
		code[file] = string(b)
	}
	seen := map[string]int{}
	for name, b := range exampleSynth(t) {
		var tpl map[string]any
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, fn := range testutil.ResourcesOfType(tpl, "AWS::Lambda::Function") {
			zip := testutil.Field(t, testutil.Props(fn)["Code"], "ZipFile", id+" Code")
			switch z := zip.(type) {
			case nil: // an asset-based function of CDK's own
			case string:
				file := ""
				for _, f := range inlineCode {
					if z == code[f] {
						file = f
					}
				}
				if file == "" || file == "demandpoller.py" {
					t.Errorf("%s %s: inline code is none of constructs/%v", name, id, inlineCode)
				}
				seen[file]++
			default:
				parts := testutil.List(t, testutil.Field(t, z, "Fn::Join", id+" ZipFile"), id+" Fn::Join")
				if len(parts) != 2 || parts[0] != "" {
					t.Errorf("%s %s: ZipFile %v is not a join with no separator", name, id, z)
					continue
				}
				pieces := testutil.List(t, parts[1], id+" joined pieces")
				first, _ := pieces[0].(string)
				last, _ := pieces[len(pieces)-1].(string)
				if !strings.HasPrefix(first, "import json\nFLEET = json.loads(") || !strings.HasSuffix(last, "\")\n"+code["demandpoller.py"]) {
					t.Errorf("%s %s: inline code is not the FLEET line and constructs/demandpoller.py", name, id)
				}
				seen["demandpoller.py"]++
			}
		}
	}
	// The example fleet: three spokes with a preflight, a window function
	// and a service-linked-role check each, one poller.
	want := map[string]int{"hubpreflight.py": 3, "agentwindow.py": 3, "servicelinkedroles.py": 3, "demandpoller.py": 1}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("inline functions found %v, want %v", seen, want)
	}
}

// excerpt is line around column c, at most about 160 bytes of it.
func excerpt(line string, c int) string {
	from, to := max(0, c-60), min(len(line), c+100)
	out := line[from:to]
	if from > 0 {
		out = "..." + out
	}
	if to < len(line) {
		out += "..."
	}
	return out
}
