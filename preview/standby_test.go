package preview

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/config"
	"hubspoke-cdk/schedule"
)

// Three 10-minute jobs on Tuesday 10:00:00, 10:00:10 and 10:00:20, UTC,
// floor 0 and ceiling 4 in working hours, agent start 2 minutes.
func threeJobs(from time.Time) []Job {
	day := from.AddDate(0, 0, 1).Add(10 * time.Hour)
	return []Job{{Queued: day, Duration: 10 * time.Minute}, {Queued: day.Add(10 * time.Second), Duration: 10 * time.Minute},
		{Queued: day.Add(20 * time.Second), Duration: 10 * time.Minute}}
}

// The spoke's own standby (the fleet file's, on its scheduled actions) is
// used unless the preview overrides it: standby 1 in working hours, one job
// at Tuesday 10:00 waits 0 (an agent is ready); overridden to none it waits
// 3 minutes (the poll, the metric minute, a start).
func TestStandbyFromTheWeek(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	sp.Week.Demand.Standby = Standby{WorkHours: 1}
	one := []Job{{Queued: at(1, 10, 0), Duration: 10 * time.Minute}}
	for _, c := range []struct {
		name     string
		override *Standby
		want     time.Duration
	}{{"the week's", nil, 0}, {"overridden", &Standby{}, 3 * time.Minute}} {
		r, err := SimulateWorkload(sp, one, monday, WorkloadParams{Placeholder: true, Standby: c.override})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Waits, []time.Duration{c.want}) {
			t.Errorf("%s standby: waits %v, want [%s]", c.name, r.Waits, c.want)
		}
	}
}

// Hand-computed, without standby: the 10:00 poll sees one job waiting
// (count 1 at 10:01, agent ready 10:03), the 10:01 poll three (count 3 at
// 10:02, agents ready 10:04). Waits 3m, 3m50s, 3m40s. Tuesday 10:00-11:00
// (hour 24+10 = 34): busy + waiting at the polls is 1 (10:00), 3 (10:01,
// 10:02: 0 + 3; 10:03: 1 + 2), 3 (10:04-10:13: 3 + 0), then 0: its peak is
// 3 (the poller's AgentsNeeded, an hour's Maximum); Tuesday 09:00 (hour 33)
// peaked at 0.
//
// With 3 agents ready for hour 34: the 09:55 poll looks 5 minutes ahead
// (10:00, hour 34) and asks for 3; the count is 3 at 09:56, the agents are
// ready at 09:58, and each job waits 0. The ready count holds to the end of
// the hour (each poll takes the larger of this hour's and the next's): at
// 11:00 the 3 agents still run (the 11:00 poll's scale-in acts at 11:01).
func TestReadyAndHourPeaks(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	jobs := threeJobs(monday)
	r, err := SimulateWorkload(sp, jobs, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{3 * time.Minute, 220 * time.Second, 230 * time.Second}; !slices.Equal(r.Waits, want) {
		t.Errorf("without ready agents: waits %v, want %v", r.Waits, want)
	}
	if r.HourPeaks[34] != 3 || r.HourPeaks[33] != 0 || r.HourPeaks[35] != 0 {
		t.Errorf("peaks of Tuesday 09, 10, 11: %d %d %d, want 0 3 0", r.HourPeaks[33], r.HourPeaks[34], r.HourPeaks[35])
	}
	var ready [schedule.HoursOfWeek]int
	ready[34] = 3
	r, err = SimulateWorkload(sp, jobs, monday, WorkloadParams{Placeholder: true, Ready: &ready})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, 0, 0}; !slices.Equal(r.Waits, want) {
		t.Errorf("3 agents ready for Tuesday 10:00: waits %v, want %v", r.Waits, want)
	}
	for _, sm := range r.Samples {
		if sm.At.Equal(at(1, 11, 0)) && sm.Agents != 3 {
			t.Errorf("Tuesday 11:00: %d agents, want the hour's 3 still running", sm.Agents)
		}
	}
}

// Automatic standby over weeks: week 0 has no history (waits as without
// ready agents); week 1 reads week 0's peaks (hour 34: 3, p100 of one
// week), asks for 3 at 09:55, and the three jobs wait 0. A spoke without auto gets no ready
// agents in any week.
func TestSimulateWeeksAuto(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	sp.Week.Demand.Auto = &schedule.AutoStandby{Weeks: 1, Percentile: 100}
	jobs := func(from time.Time, _ uint64) []Job { return threeJobs(from) }
	rs, err := SimulateWeeks(sp, jobs, monday, 2, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if w0, w1 := rs[0].Waits, rs[1].Waits; !slices.Equal(w0, []time.Duration{3 * time.Minute, 220 * time.Second, 230 * time.Second}) || !slices.Equal(w1, []time.Duration{0, 0, 0}) {
		t.Errorf("auto: week 0 waits %v, week 1 %v; want [3m 3m40s 3m50s] and [0 0 0]", w0, w1)
	}
	sp.Week.Demand.Auto = nil
	if rs, err = SimulateWeeks(sp, jobs, monday, 2, WorkloadParams{Placeholder: true}); err != nil {
		t.Fatal(err)
	}
	if w1 := rs[1].Waits; w1[0] != 3*time.Minute {
		t.Errorf("no auto: week 1 waits %v, want the first 3m", w1)
	}
}

// SimulateWeeks returns n weeks, week k from start + 7k days with its own
// draw (seed + k): its jobs are those the workload draws for that week.
func TestSimulateWeeksDraws(t *testing.T) {
	sp := demandSpoke(true)
	w := ReferenceWorkload()
	rs, err := SimulateWeeks(sp, w.Jobs, monday, 3, WorkloadParams{Placeholder: true, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d weeks, want 3", len(rs))
	}
	for k, r := range rs {
		if want := len(w.Jobs(monday.AddDate(0, 0, 7*k), 5+uint64(k))); r.Jobs != want {
			t.Errorf("week %d: %d jobs, want %d (seed %d)", k, r.Jobs, want, 5+k)
		}
	}
}

// The fleet preview simulates an automatic standby with its history: the
// fixture's test spoke (floors 4/1/0, ceilings 8/2, auto 3 weeks p90) and
// 30 five-minute jobs an hour from 10:00 to 11:00 on weekdays (143 in the
// week). With its history the spoke has the hour's usual peak ready from
// 09:55; without auto it meets the hour with its floor of 4 and a standby
// of 1, and the jobs beyond those wait for starts: the 95th percentile is
// seconds with the history, minutes without.
func TestFleetWorkloadAutoStandbyUsesHistory(t *testing.T) {
	b, err := os.ReadFile("../test/testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const auto = ", standby: {auto: {weeks: 3, percentile: 90}}"
	if !strings.Contains(string(b), auto) {
		t.Fatal("test bug: the fixture's test spoke has no automatic standby")
	}
	rates := make([]float64, 24)
	rates[10] = 30
	w := Workload{Name: "burst at 10", Weekday: rates, Weekend: make([]float64, 24), JobMinutes: []float64{5}}
	p95 := func(y string) time.Duration {
		f, err := config.Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		runs, err := SimulateFleetWorkload(f, w, monday, WorkloadParams{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		d := runs[1].PlaceholderDemand
		if d == nil || d.Spoke != "test" {
			t.Fatalf("run 1: %+v, want the test spoke following demand", runs[1])
		}
		return d.WaitP95
	}
	with, without := p95(string(b)), p95(strings.Replace(string(b), auto, "", 1))
	if with > 30*time.Second || without < time.Minute {
		t.Errorf("the hour's p95 wait: %s with the automatic standby, %s without; want at most 30 s and at least a minute", with, without)
	}
}
