package test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"hubspoke/internal/fleetgen"
	"hubspoke/internal/testutil"
	"hubspoke/stacks"
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
				stacks.AddFleet(app, f)
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
