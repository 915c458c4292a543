package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// BenchmarkSynth synthesizes whole fleets (hub and every spoke) and reports
// the synth time and the hub policy sizes. Account mode stops where its
// policies would exceed AWS limits (see TestScaleAccountModeCeiling).
//
//	make bench   # go test ./test/ -run '^$' -bench . -benchtime 1x
func BenchmarkSynth(b *testing.B) {
	for _, bc := range []struct {
		spokes int
		org    string
	}{{1, ""}, {75, ""}, {1, "o-exampleorg1"}, {75, "o-exampleorg1"}, {300, "o-exampleorg1"}, {1000, "o-exampleorg1"}} {
		mode := "account"
		if bc.org != "" {
			mode = "organization"
		}
		b.Run(fmt.Sprintf("%s/spokes=%d", mode, bc.spokes), func(b *testing.B) {
			f := parseFleet(b, fleetgen.Options{Spokes: bc.spokes, OrganizationID: bc.org, Waves: 3})
			var sizes map[string]int
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				start := time.Now()
				app := testutil.NewAppIn(b, dir)
				stacks.AddFleet(app, f, testutil.ImageTag, "")
				built := time.Since(start)
				if err := stacks.Synth(app); err != nil {
					b.Fatal(err)
				}
				total := time.Since(start)
				sizes = policySizes(b, testutil.ReadTemplate(b, filepath.Join(dir, "HubStack.template.json")))
				b.ReportMetric(float64(built.Milliseconds()), "build-ms")
				b.ReportMetric(float64(total.Milliseconds()), "synth-ms")
			}
			for name, size := range sizes {
				b.ReportMetric(float64(size), name+"-chars")
			}
		})
	}
}

// BenchmarkCdkSynth75 is the 3-second target: `cdk synth` of 75 spokes
// (a quarter of them creating VPCs) as a user runs it, CLI included, and
// the app alone as the CLI starts it, with its phases (-c timing=true).
// Each run is a fresh process pair, so -benchtime 5x gives five samples.
//
//	go test ./test/ -run '^$' -bench CdkSynth75 -benchtime 5x
func BenchmarkCdkSynth75(b *testing.B) {
	fleet := filepath.Join(b.TempDir(), "fleet-75.yaml")
	if err := os.WriteFile(fleet, fleetgen.YAML(fleetgen.Options{Spokes: 75, Waves: 3}), 0o644); err != nil {
		b.Fatal(err)
	}
	root := testutil.RepoRoot()
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	// The binary cdk.json runs, up to date before timing starts.
	if out, err := exec.Command("make", "-s", "-C", root, "bin/hubspoke-cdk").CombinedOutput(); err != nil {
		b.Fatalf("make bin/hubspoke: %v\n%s", err, out)
	}
	b.Run("cdk-synth", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(cdk, "synth", "--quiet", "-c", "config="+fleet, "-o", b.TempDir())
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CDK_DISABLE_CLI_TELEMETRY=true")
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("cdk synth: %v\n%s", err, out)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "wall-ms")
		}
	})
	b.Run("app-alone", func(b *testing.B) {
		ctx, _ := json.Marshal(map[string]any{"config": fleet, "timing": true})
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(filepath.Join(root, "bin", "hubspoke-cdk"))
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(ctx), "CDK_OUTDIR="+b.TempDir())
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("app: %v\n%s", err, out)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "wall-ms")
			for _, m := range phaseRE.FindAllStringSubmatch(string(out), -1) {
				ms, _ := strconv.Atoi(m[1])
				b.ReportMetric(float64(ms), m[2]+"-ms")
			}
		}
	})
}

// phaseRE reads the app's -c timing=true lines ("  1234 ms  build the ...").
var phaseRE = regexp.MustCompile(`(?m)^\s*(\d+) ms  (load|start|build|synthesize)\b`)

// BenchmarkPipelines: 1,000 spokes in one region and over four, and 2,000
// over four, in organization mode with waves of 100, through the pipelines
// the app splits them into: every AWS limit checked on every pipeline
// template (checkPipelineFleet), the figures printed.
func BenchmarkPipelines(b *testing.B) {
	for _, c := range []struct{ spokes, regions int }{{1000, 1}, {1000, 4}, {2000, 4}} {
		b.Run(fmt.Sprintf("spokes=%d/regions=%d", c.spokes, c.regions), func(b *testing.B) {
			o := fleetgen.Options{Spokes: c.spokes, Waves: c.spokes / 100, OrganizationID: "o-exampleorg1", Pipeline: true, Regions: c.regions}
			f := parseFleet(b, o)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				n, largest := checkPipelineFleet(b, f)
				b.ReportMetric(float64(n), "pipelines")
				b.ReportMetric(float64(largest), "largest-template-bytes")
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "synth-ms")
			}
		})
	}
}
