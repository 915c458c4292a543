package test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"hubspoke-cdk/constructs"
	"hubspoke-cdk/internal/azdostandin"
	"hubspoke-cdk/preview"
	"hubspoke-cdk/schedule"
)

// BenchmarkWorkload is the product's performance benchmark: the reference
// workload (preview.ReferenceWorkload) against one spoke (1 vCPU, 2 GiB,
// eu-west-1, Europe/Amsterdam) over 20 weeks of jobs (seeds 1-20), by the
// schedule alone and following demand, printing the range over the weeks of
// the p50 and p95 wait, agent-hours, monthly cost and jobs cut; then the
// demand run's p95 at other agent start latencies.
func BenchmarkWorkload(b *testing.B) {
	week := func(weekday, night int, d *schedule.Demand) schedule.Week {
		return schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5,
			Weekday: weekday, Night: night, Demand: d}
	}
	configs := []struct {
		name string
		week schedule.Week
	}{
		{"schedule only: 4 agents 07-19 weekdays, 1 at night, 0 weekends", week(4, 1, nil)},
		{"demand: same floors 4/1/0, ceilings 8 (work hours) / 2", week(4, 1, &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2})},
		{"demand: floors 1/0/0, ceilings 8 / 2", week(1, 0, &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2})},
	}
	w := preview.ReferenceWorkload()
	start := preview.WeekStart(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), mustZone(b, "Europe/Amsterdam"))
	run := func(wk schedule.Week, p preview.WorkloadParams) (p50, p95, hours, cost, cut, jobs, starts []float64) {
		sp := preview.Spoke{Name: "bench", Region: "eu-west-1", Week: wk, CPU: 1024, MemoryMiB: 2048}
		for seed := uint64(1); seed <= 20; seed++ {
			r, err := preview.SimulateWorkload(sp, w.Jobs(start, seed), start, p)
			if err != nil {
				b.Fatal(err)
			}
			p50 = append(p50, r.WaitP50.Seconds())
			p95 = append(p95, r.WaitP95.Seconds())
			hours = append(hours, r.AgentHours)
			cost = append(cost, r.MonthlyCost)
			cut = append(cut, float64(r.JobsCut))
			jobs = append(jobs, float64(r.Jobs))
			starts = append(starts, float64(r.TasksStarted))
		}
		return
	}
	for i := 0; i < b.N; i++ {
		for _, c := range configs {
			p50, p95, hours, cost, cut, jobs, starts := run(c.week, preview.WorkloadParams{})
			fmt.Printf("%s\n  jobs/week %s; wait p50 %s; p95 %s; agent-hours/week %s; USD/month %s; jobs cut %s; tasks started/week %s\n",
				c.name, span(jobs, "%.0f"), spanDur(p50), spanDur(p95), span(hours, "%.0f"), span(cost, "%.2f"), span(cut, "%.0f"), span(starts, "%.0f"))
		}
		for _, lat := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
			_, p95, _, cost, _, _, _ := run(configs[2].week, preview.WorkloadParams{StartLatency: lat})
			fmt.Printf("demand floors 1/0/0, agent start %s: p95 %s, USD/month %s\n", lat, spanDur(p95), span(cost, "%.2f"))
		}
	}
}

// BenchmarkDemandPoller runs the pool keeper and poller's code at 1,000
// demand spokes against moto and the stand-in Azure DevOps organization
// (internal/azdostandin): one pool for all, 100 pools, one pool each; every
// pool holds two jobs (one running, one waiting). Prints the cold run
// (pool look-ups, placeholders created, role assumptions, client creation)
// and ten warm minutes on a fake clock: Azure DevOps calls a minute (mean,
// range, by kind) and seconds (moto serves AWS in the same Python process:
// CPU-bound upper figures).
func BenchmarkDemandPoller(b *testing.B) {
	dir := b.TempDir()
	code := filepath.Join(dir, "code.py")
	if err := os.WriteFile(code, []byte(constructs.DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		b.Fatal(err)
	}
	caps := map[string]string{"Agent.OS": "Linux", "git": "/usr/bin/git"}
	for i := 0; i < b.N; i++ {
		for _, pools := range []int{1, 100, 1000} {
			srv := azdostandin.New(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			names := make([]string, pools)
			for p := range names {
				names[p] = fmt.Sprintf("pool-%d", p)
			}
			srv.AddOrg("org", map[string]azdostandin.Identity{"pat-scale": {Name: "bench", PoolAdmin: true}}, names...)
			for p, name := range names {
				srv.Register("org", name, fmt.Sprintf("hubspoke-s%d-ip-10-0-0-1", p), "online", srv.Now(), caps)
				for j := 0; j < 2; j++ {
					if _, err := srv.Queue("org", name, []string{"git"}, 0); err != nil {
						b.Fatal(err)
					}
				}
			}
			web := httptest.NewServer(srv)
			cmd := exec.Command("python3", "../constructs/testdata/demandpoller_scale.py", code, "1000", fmt.Sprint(pools))
			cmd.Env = append(os.Environ(), "STANDIN_URL="+web.URL)
			out, err := cmd.Output()
			web.Close()
			if err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			var res struct {
				Cold struct {
					Seconds  float64
					APICalls int
					ByKind   map[string]int
				}
				Warm struct {
					CallsPerMinuteMean                   float64
					CallsPerMinuteMin, CallsPerMinuteMax int
					ByKindPerMinute                      map[string]float64
					SecondsMax                           float64
				}
			}
			if err := json.Unmarshal(out, &res); err != nil {
				b.Fatal(err)
			}
			fmt.Printf("poller, 1,000 spokes in %d pools: cold run %.1f s, %d Azure DevOps calls %v; warm: %.1f calls a minute (%d-%d) %v, at most %.1f s a run\n",
				pools, res.Cold.Seconds, res.Cold.APICalls, res.Cold.ByKind, res.Warm.CallsPerMinuteMean, res.Warm.CallsPerMinuteMin, res.Warm.CallsPerMinuteMax, res.Warm.ByKindPerMinute, res.Warm.SecondsMax)
		}
	}
}

func mustZone(b *testing.B, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		b.Fatal(err)
	}
	return loc
}

func span(xs []float64, format string) string {
	return fmt.Sprintf(format+"-"+format, slices.Min(xs), slices.Max(xs))
}

func spanDur(secs []float64) string {
	d := func(s float64) string { return time.Duration(s * float64(time.Second)).Round(time.Second).String() }
	return d(slices.Min(secs)) + "-" + d(slices.Max(secs))
}
