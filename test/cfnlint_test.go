package test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"hubspoke/config"
	"hubspoke/internal/fleetgen"
	"hubspoke/internal/testutil"
	"hubspoke/stacks"
)

// synthFleet synthesizes a fleet into a new directory and returns it.
func synthFleet(t *testing.T, f *config.Fleet) string {
	t.Helper()
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	stacks.AddFleet(app, f)
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	return dir
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
		{"example fleet", func(t *testing.T) *config.Fleet { return testutil.ExampleFleet(t) }, 4},
		{"75 spokes", func(t *testing.T) *config.Fleet { return parseFleet(t, fleetgen.Options{Spokes: 75, Waves: 3}) }, 76},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(synthFleet(t, tc.fleet(t)), "*.template.json"))
			if len(files) != tc.want {
				t.Fatalf("%d templates, want %d", len(files), tc.want)
			}
			for _, m := range cfnLint(t, files) {
				t.Errorf("%s %s %s: %s", filepath.Base(m.Filename), m.Level, m.Rule.ID, m.Message)
			}
		})
	}
}
