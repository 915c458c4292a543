package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// nagFindings reads the cdk-nag JSON reports under dir (recursively, so
// nested stage assemblies count) and returns every finding that is neither
// compliant nor suppressed, and the number of reports read.
func nagFindings(t *testing.T, dir string) ([]string, int) {
	t.Helper()
	var findings []string
	reports := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "-NagReport.json") {
			return nil
		}
		reports++
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var report struct {
			Lines []struct{ RuleID, ResourceID, Compliance, RuleLevel, RuleInfo string } `json:"lines"`
		}
		if err := json.Unmarshal(b, &report); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, l := range report.Lines {
			if l.Compliance != "Compliant" && l.Compliance != "Suppressed" {
				findings = append(findings, filepath.Base(path)+": "+l.RuleLevel+" "+l.RuleID+" on "+l.ResourceID+": "+l.RuleInfo)
			}
		}
		return nil
	})
	return findings, reports
}

// Every stack of the example fleet, those inside the pipeline's Stages
// included, passes the AwsSolutions pack: no
// unsuppressed error or warning, and every suppression sits on its resource
// with a reason (cdk-nag rejects a suppression without one).
func TestCdkNagAwsSolutions(t *testing.T) {
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	if _, err := stacks.AddApp(app, testutil.ExampleFleet(t), appOptions(true)); err != nil {
		t.Fatal(err)
	}
	synthErr := stacks.Synth(app)
	findings, reports := nagFindings(t, dir)
	// 5 direct stacks (the hub, its us-east-1 replica, 3 spokes), the
	// pipeline, its cross-region support stack, and the 5 stacks inside the
	// pipeline's Stages (reports in their nested assemblies).
	if reports != 12 {
		t.Errorf("%d nag reports, want one per stack (12), Stages included", reports)
	}
	for _, f := range findings {
		t.Error(f)
	}
	if synthErr != nil {
		t.Errorf("synth with cdk-nag: %v", synthErr)
	}
	// The wildcard suppressions (IAM5) each name the findings they answer
	// (appliesTo): none waves through every wildcard of a resource.
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	for _, f := range files {
		for id, r := range testutil.ReadTemplate(t, f)["Resources"].(map[string]any) {
			meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				rm := rule.(map[string]any)
				if rm["id"] == "AwsSolutions-IAM5" && len(testutil.Strings(rm["applies_to"]))+len(anySlice(rm["applies_to"])) == 0 {
					t.Errorf("%s %s: an IAM5 suppression without appliesTo (%v)", filepath.Base(f), id, rm["reason"])
				}
			}
		}
	}
}

func anySlice(v any) []any { s, _ := v.([]any); return s }

// cdk-nag aspects added to the app do not reach stacks inside pipeline
// Stages; the pipeline adds them to each Stage before CDK Pipelines
// synthesizes it. With the checks on the Stages only, every stage stack
// still gets its report.
func TestCdkNagReachesStages(t *testing.T) {
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	fleet := testutil.ExampleFleet(t)
	stacks.NewPipelineStack(app, stacks.PipelineStackName, &stacks.PipelineStackProps{Fleet: fleet, ImageTag: "agent-test", Nag: true})
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	findings, reports := nagFindings(t, dir)
	if want := 1 + len(fleet.ReplicaRegions()) + len(fleet.Spokes); reports != want {
		t.Errorf("%d nag reports from inside the Stages, want %d (hub, replicas, spokes)", reports, want)
	}
	for _, f := range findings {
		t.Error(f)
	}
}
