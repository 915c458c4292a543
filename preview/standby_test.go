package preview

import (
	"slices"
	"testing"
	"time"

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
// (hour 24+10 = 34) had at most 3 busy agents (10:04-10:13) and at most 3
// waiting jobs (10:01 and 10:02 polls): its peak is 3 + 3 = 6, the sum of
// the two hourly maxima (as the poller's figures give them to CloudWatch);
// Tuesday 09:00 (hour 33) peaked at 0.
//
// With 3 agents ready for hour 34: the 09:55 poll looks 5 minutes ahead
// (10:00, hour 34) and asks for 3; the count is 3 at 09:56, the agents are
// ready at 09:58, and each job waits 0.
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
	if r.HourPeaks[34] != 6 || r.HourPeaks[33] != 0 || r.HourPeaks[35] != 0 {
		t.Errorf("peaks of Tuesday 09, 10, 11: %d %d %d, want 0 6 0", r.HourPeaks[33], r.HourPeaks[34], r.HourPeaks[35])
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
}

// Automatic standby over weeks: week 0 has no history (waits as without
// ready agents); week 1 reads week 0's peaks (hour 34: 6, p100 of one
// week), asks for 6 at 09:55, Application Auto Scaling holds it at the
// ceiling 4, and the three jobs wait 0. A spoke without auto gets no ready
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
