package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// synthFleet synthesizes everything a fleet file describes (the pipeline
// too, when it has one) into a new directory and returns it.
func synthFleet(t *testing.T, f *config.Fleet) string {
	t.Helper()
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	if _, err := stacks.AddApp(app, f, appOptions(false)); err != nil {
		t.Fatal(err)
	}
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	return dir
}

// templates lists every template under dir, nested Stage assemblies too.
func templates(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".template.json") {
			out = append(out, path)
		}
		return err
	})
	return out
}

type cfnLintMatch struct {
	Rule struct {
		ID string `json:"Id"`
	} `json:"Rule"`
	Message  string
	Level    string
	Filename string
}

// cfnLint runs cfn-lint (with the repository's .cfnlintrc.yaml) over files,
// in two processes, and returns every match.
func cfnLint(t *testing.T, files []string) []cfnLintMatch {
	t.Helper()
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not installed (pip install cfn-lint==1.51.0); the templates must be linted")
	}
	var (
		mu  sync.Mutex
		all []cfnLintMatch
		wg  sync.WaitGroup
	)
	half := (len(files) + 1) / 2
	for _, batch := range [][]string{files[:half], files[half:]} {
		if len(batch) == 0 {
			continue
		}
		wg.Add(1)
		go func(batch []string) {
			defer wg.Done()
			cmd := exec.Command("cfn-lint", append([]string{"--format", "json", "--"}, batch...)...)
			cmd.Dir = testutil.RepoRoot() // picks up .cfnlintrc.yaml
			out, err := cmd.Output()
			var matches []cfnLintMatch
			if jerr := json.Unmarshal(out, &matches); jerr != nil {
				t.Errorf("cfn-lint: %v %v\n%s", err, jerr, out)
				return
			}
			mu.Lock()
			all = append(all, matches...)
			mu.Unlock()
		}(batch)
	}
	wg.Wait()
	return all
}

func TestCfnLint(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fleet func(t *testing.T) *config.Fleet
		want  int
	}{
		// 7 top-level templates and the 5 inside the pipeline's Stages.
		{"example fleet with its pipeline", func(t *testing.T) *config.Fleet { return testutil.ExampleFleet(t) }, 12},
		// The hub, 3 replicas and 75 spokes.
		{"75 spokes", func(t *testing.T) *config.Fleet { return parseFleet(t, fleetgen.Options{Spokes: 75, Waves: 3}) }, 79},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := templates(synthFleet(t, tc.fleet(t)))
			if len(files) != tc.want {
				t.Fatalf("%d templates, want %d", len(files), tc.want)
			}
			for _, m := range cfnLint(t, files) {
				t.Errorf("%s %s %s: %s", filepath.Base(m.Filename), m.Level, m.Rule.ID, m.Message)
			}
		})
	}
}
