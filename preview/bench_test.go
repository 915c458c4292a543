package preview

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"hubspoke-cdk/config"
	"hubspoke-cdk/schedule"
)

// span is "lo-hi" of a series.
func span(v []float64, format string) string {
	lo, hi := slices.Min(v), slices.Max(v)
	if fmt.Sprintf(format, lo) == fmt.Sprintf(format, hi) {
		return fmt.Sprintf(format, lo)
	}
	return fmt.Sprintf(format+"-"+format, lo, hi)
}

func spanDur(v []float64) string {
	lo, hi := slices.Min(v), slices.Max(v)
	s := func(x float64) string { return short(time.Duration(x * float64(time.Second))) }
	if s(lo) == s(hi) {
		return s(lo)
	}
	return s(lo) + "-" + s(hi)
}

// BenchmarkRejected prints, over 20 weeks (seeds 1-20), the jobs rejected
// for an empty pool without and with a placeholder: the reference workload
// against one spoke (Europe/Amsterdam, eu-west-1, 1 vCPU / 2 GiB), and the
// fixture fleet (test/testdata/fleet.yaml) per spoke as configured.
// go test ./preview -run '^$' -bench Rejected -benchtime 1x
func BenchmarkRejected(b *testing.B) {
	week := func(weekday, night int, d *schedule.Demand) schedule.Week {
		return schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: weekday, Night: night, Demand: d}
	}
	start := WeekStart(monday, mustLoad(b, "Europe/Amsterdam"))
	w := ReferenceWorkload()
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			name string
			week schedule.Week
		}{
			{"schedule only 4/1/0", week(4, 1, nil)},
			{"demand floors 4/1/0, ceilings 8/2", week(4, 1, &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2})},
			{"demand floors 1/0/0, ceilings 8/2", week(1, 0, &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2})},
		} {
			sp := Spoke{Name: "ref", Region: "eu-west-1", Week: c.week, CPU: 1024, MemoryMiB: 2048}
			for _, ph := range []bool{false, true} {
				var jobs, rej, p50, p95 []float64
				for seed := uint64(1); seed <= 20; seed++ {
					r, err := SimulateWorkload(sp, w.Jobs(start, seed), start, WorkloadParams{Placeholder: ph})
					if err != nil {
						b.Fatal(err)
					}
					jobs, rej = append(jobs, float64(r.Jobs)), append(rej, float64(r.Rejected))
					p50, p95 = append(p50, r.WaitP50.Seconds()), append(p95, r.WaitP95.Seconds())
				}
				fmt.Printf("reference, %s, placeholder %v: jobs %s, rejected %s, wait p50 %s, p95 %s\n", c.name, ph, span(jobs, "%.0f"), span(rej, "%.0f"), spanDur(p50), spanDur(p95))
			}
		}
		f, err := config.Load("../test/testdata/fleet.yaml")
		if err != nil {
			b.Fatal(err)
		}
		type acc struct{ jobs, rej, rejP, p95, p95P []float64 }
		per := map[string]*acc{}
		var names []string
		// The same seed draws the same jobs in any week (Jobs counts from
		// the week's start): 20 seeds of one week.
		{
			for seed := uint64(1); seed <= 20; seed++ {
				runs, err := SimulateFleetWorkload(f, w, monday, WorkloadParams{Seed: seed})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range runs {
					res, resP := r.Schedule, r.PlaceholderSchedule
					mode := "schedule"
					if r.Demand != nil {
						res, resP, mode = *r.Demand, *r.PlaceholderDemand, "demand"
					}
					key := res.Spoke + " (" + mode + ")"
					if per[key] == nil {
						per[key] = &acc{}
						names = append(names, key)
					}
					a := per[key]
					a.jobs, a.rej, a.rejP = append(a.jobs, float64(res.Jobs)), append(a.rej, float64(res.Rejected)), append(a.rejP, float64(resP.Rejected))
					a.p95, a.p95P = append(a.p95, res.WaitP95.Seconds()), append(a.p95P, resP.WaitP95.Seconds())
				}
			}
		}
		for _, n := range names {
			a := per[n]
			fmt.Printf("fixture %s, 20 seeds: jobs %s; rejected without placeholder %s (p95 %s), with %s (p95 %s)\n",
				n, span(a.jobs, "%.0f"), span(a.rej, "%.0f"), spanDur(a.p95), span(a.rejP, "%.0f"), spanDur(a.p95P))
		}
	}
}

// BenchmarkTargets prints issue 20's target table: one spoke
// (Europe/Amsterdam, eu-west-1, 1 vCPU / 2 GiB), agent start 1-3 minutes
// (median 2), 20 weeks in a row after 3 weeks of history (an automatic
// standby's; seeds 1-23), per configuration and profile; the schedule-only
// spoke (4/1/0) is the cost bar.
// go test ./preview -run '^$' -bench Targets -benchtime 1x
func BenchmarkTargets(b *testing.B) {
	start := WeekStart(monday, mustLoad(b, "Europe/Amsterdam"))
	flat := func(v float64) []float64 { return slices.Repeat([]float64{v}, 24) }
	quiet := make([]float64, 24)
	for h := 8; h < 18; h++ {
		quiet[h] = 1
	}
	burst := slices.Clone(ReferenceWorkload().Weekday)
	burst[9] = 60
	profiles := []Workload{
		ReferenceWorkload(),
		{Name: "burst: 60 jobs 09-10 on weekdays", Weekday: burst, Weekend: ReferenceWorkload().Weekend, JobMinutes: ReferenceWorkload().JobMinutes},
		{Name: "round the clock: 5 jobs an hour", Weekday: flat(5), Weekend: flat(5), JobMinutes: ReferenceWorkload().JobMinutes},
		{Name: "quiet team: 1 job an hour 08-18 weekdays", Weekday: quiet, Weekend: make([]float64, 24), JobMinutes: ReferenceWorkload().JobMinutes},
	}
	dist := StartDist{Min: time.Minute, Median: 2 * time.Minute, Max: 3 * time.Minute}
	week := func(workMax, offMax int, sb Standby, auto *schedule.AutoStandby) schedule.Week {
		return schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
			Demand: &schedule.Demand{WorkHoursMax: workMax, OffHoursMax: offMax, Standby: sb, Auto: auto}}
	}
	alone := schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 4, Night: 1}
	p90 := &schedule.AutoStandby{Weeks: 3, Percentile: 90}
	p50 := &schedule.AutoStandby{Weeks: 3, Percentile: 50}
	const history, weeks = 3, 20
	for i := 0; i < b.N; i++ {
		for _, w := range profiles {
			fmt.Printf("\n%s\n| configuration | wait p50 | wait p95 | USD/month | tasks/jobs | jobs cut | rejected |\n| --- | --- | --- | --- | --- | --- | --- |\n", w.Name)
			for _, c := range []struct {
				name        string
				week        schedule.Week
				placeholder bool
			}{
				{"schedule only 4/1/0, no placeholder", alone, false},
				{"demand 1/0/0, ceilings 2/1 (defaults), standby 1/0/0 (default)", week(2, 1, Standby{WorkHours: 1}, nil), true},
				{"demand 1/0/0, ceilings 8/2, standby 0", week(8, 2, Standby{}, nil), true},
				{"demand 1/0/0, ceilings 8/2, standby 1/0/0", week(8, 2, Standby{WorkHours: 1}, nil), true},
				{"demand 1/0/0, ceilings 8/2, standby 2/0/0", week(8, 2, Standby{WorkHours: 2}, nil), true},
				{"demand 1/0/0, ceilings 8/2, standby 1/0/0, auto p50", week(8, 2, Standby{WorkHours: 1}, p50), true},
				{"demand 1/0/0, ceilings 8/2, standby 1/0/0, auto p90", week(8, 2, Standby{WorkHours: 1}, p90), true},
				{"demand 1/0/0, ceilings 8/8, standby 1/0/0, auto p90", week(8, 8, Standby{WorkHours: 1}, p90), true},
				{"demand 1/0/0, ceilings 8/8, standby 1/1/0, auto p90", week(8, 8, Standby{WorkHours: 1, Nights: 1}, p90), true},
			} {
				sp := Spoke{Name: "t", Region: "eu-west-1", Week: c.week, CPU: 1024, MemoryMiB: 2048}
				rs, err := SimulateWeeks(sp, w.Jobs, start.AddDate(0, 0, -7*history), history+weeks, WorkloadParams{Start: dist, Placeholder: c.placeholder, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				var p50, p95, cost, ratio, cut, rej []float64
				for _, r := range rs[history:] {
					p50, p95, cost = append(p50, r.WaitP50.Seconds()), append(p95, r.WaitP95.Seconds()), append(cost, r.MonthlyCost)
					ratio = append(ratio, float64(r.TasksStarted)/float64(max(r.Jobs, 1)))
					cut, rej = append(cut, float64(r.JobsCut)), append(rej, float64(r.Rejected))
				}
				fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", c.name, spanDur(p50), spanDur(p95), span(cost, "%.2f"), span(ratio, "%.2f"), span(cut, "%.0f"), span(rej, "%.0f"))
			}
		}
	}
}

func mustLoad(b *testing.B, tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		b.Fatal(err)
	}
	return loc
}
