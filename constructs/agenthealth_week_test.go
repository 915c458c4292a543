package constructs

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"hubspoke-cdk/preview"
)

// A busy week minute by minute, for the shortfall alarm: the preview's
// reference workload (a busy team: peaks of 20 jobs an hour, most jobs a few
// minutes, some 40) against a demand spoke (weekdays 07:00-19:00 floor 3 up
// to 20 agents, nights floor 1 up to 4, weekends 0 up to 4, the refresh at
// 00:00-00:15 with none), with ECS as the spoke sees it: one job per agent
// (the agent exits after its job; ECS starts a replacement), a new task
// runs 1-3 minutes after ECS starts it (Fargate provisioning, image pull,
// agent registration: preview.DefaultStartLatency's range) and takes jobs
// only then; an idle or starting task is stopped first when demand falls,
// a busy one is protected. Container Insights' DesiredTaskCount and
// RunningTaskCount are the minute's averages of 10-second samples (the
// alarm's Average statistic).
type weekSim struct {
	seed uint64
	// failFrom: from then on no new task ever reaches RUNNING (a broken
	// image, a revoked token, no IP addresses, a quota). Zero: healthy.
	failFrom time.Time
	// maxStart is the longest start (seconds). Default: 180.
	maxStart int
}

type minute struct {
	at               time.Time
	desired, running float64
}

func (w weekSim) run(t *testing.T) []minute {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, loc) // a Monday
	end := start.AddDate(0, 0, 7)
	jobs := preview.ReferenceWorkload().Jobs(start, w.seed)
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Queued.Before(jobs[j].Queued) })
	rng := rand.New(rand.NewPCG(w.seed, 7))
	maxStart := w.maxStart
	if maxStart == 0 {
		maxStart = 180
	}
	window := func(now time.Time) (floor, ceiling int) {
		l := now.In(loc)
		hm := l.Hour()*60 + l.Minute()
		switch wd := l.Weekday(); {
		case hm < 15:
			return 0, 0 // the refresh
		case wd == time.Saturday || wd == time.Sunday:
			return 0, 4
		case hm >= 7*60 && hm < 19*60:
			return 3, 20
		default:
			return 1, 4
		}
	}
	type task struct {
		ready     time.Time // zero: never runs
		busyUntil time.Time
	}
	var tasks []*task
	var out []minute
	next, queued := 0, 0 // jobs arrived; jobs waiting = queued - taken
	taken := 0
	var dSum, rSum float64
	const tick = 10 * time.Second
	for now := start; now.Before(end); now = now.Add(tick) {
		for next < len(jobs) && !jobs[next].Queued.After(now) {
			next++
			queued++
		}
		// Jobs end, and their agents exit.
		tasks = slices.DeleteFunc(tasks, func(k *task) bool { return !k.busyUntil.IsZero() && !k.busyUntil.After(now) })
		busy := 0
		for _, k := range tasks {
			if !k.busyUntil.IsZero() {
				busy++
			}
		}
		// Demand (the poller's AgentsWanted) within the window.
		floor, ceiling := window(now)
		desired := min(max(busy+queued-taken, floor), ceiling)
		// ECS: start up to desired; stop starting or idle tasks above it.
		for len(tasks) < desired {
			k := &task{ready: now.Add(time.Duration(60+rng.IntN(maxStart-59)) * time.Second)}
			if !w.failFrom.IsZero() && !now.Before(w.failFrom) {
				k.ready = time.Time{}
			}
			tasks = append(tasks, k)
		}
		for surplus := len(tasks) - desired; surplus > 0; surplus-- {
			i := slices.IndexFunc(tasks, func(k *task) bool { return k.busyUntil.IsZero() })
			if i < 0 {
				break // protected
			}
			tasks = slices.Delete(tasks, i, i+1)
		}
		running := 0
		for _, k := range tasks {
			if k.ready.IsZero() || k.ready.After(now) {
				continue
			}
			running++
			if k.busyUntil.IsZero() && taken < queued {
				k.busyUntil = now.Add(jobs[taken].Duration)
				taken++
			}
		}
		dSum += float64(desired)
		rSum += float64(running)
		if now.Add(tick).Sub(start)%time.Minute == 0 {
			out = append(out, minute{at: now.Add(tick - time.Minute), desired: dSum / 6, running: rSum / 6})
			dSum, rSum = 0, 0
		}
	}
	return out
}

// shortfall is ShortfallExpression by hand: IF(desired >= 1 AND
// FILL(running, 0) < desired / 2, 1, 0).
func shortfall(m minute) bool { return m.desired >= 1 && m.running < m.desired/2 }

// oldShortfall is the alarm this replaced: desired - running > 0.
func oldShortfall(m minute) bool { return m.desired-m.running > 0 }

// alarms are the times an alarm of n evaluation periods (n datapoints out
// of n: minutes in a row) goes from OK to ALARM.
func alarms(series []minute, breaching func(minute) bool, n int) []time.Time {
	var out []time.Time
	run := 0
	for _, m := range series {
		if breaching(m) {
			run++
			if run == n {
				out = append(out, m.at)
			}
		} else {
			run = 0
		}
	}
	return out
}

// The alarm stays quiet through healthy busy weeks (five seeds, starts of 1-3
// minutes, and of up to 5), where the old desired - running > 0 for 10
// minutes pages; it fires ShortfallMinutes after half the wanted agents are
// missing when tasks cannot start, and when none can start for a single
// wanted agent on a quiet Saturday.
func TestShortfallAlarmOnABusyWeek(t *testing.T) {
	const n = 10 // ShortfallMinutes' default
	if ShortfallExpression != "IF(desired >= 1 AND FILL(running, 0) < desired / 2, 1, 0)" {
		t.Fatalf("the expression changed (%s): change shortfall to match", ShortfallExpression)
	}
	oldPages, longest := 0, 0
	for seed := uint64(1); seed <= 5; seed++ {
		for _, maxStart := range []int{180, 300} {
			week := weekSim{seed: seed, maxStart: maxStart}.run(t)
			if a := alarms(week, shortfall, n); len(a) != 0 {
				t.Errorf("seed %d, starts up to %d s: a healthy week raised %d alarms, first %s", seed, maxStart, len(a), a[0])
			}
			oldPages += len(alarms(week, oldShortfall, n))
			run := 0
			for _, m := range week {
				if run = map[bool]int{true: run + 1, false: 0}[shortfall(m)]; run > longest {
					longest = run
				}
			}
		}
	}
	// The week is busy enough to show the problem the new rule solves.
	if oldPages == 0 {
		t.Error("the old rule never paged on these weeks: the simulation is not busy enough to test anything")
	}
	t.Logf("the old rule paged %d times in 10 healthy weeks; the new rule's longest run of breaching minutes: %d", oldPages, longest)

	loc, _ := time.LoadLocation("Europe/Berlin")
	// Tasks cannot start from Tuesday 10:00 (a busy morning).
	fail := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	week := weekSim{seed: 1, failFrom: fail}.run(t)
	a := alarms(week, shortfall, n)
	if len(a) == 0 || a[0].Before(fail) {
		t.Fatalf("tasks cannot start from %s: alarms %v", fail, a)
	}
	firstBreach := time.Time{}
	for _, m := range week {
		if !m.at.Before(fail) && shortfall(m) {
			firstBreach = m.at
			break
		}
	}
	if got := a[0].Sub(firstBreach); got != (n-1)*time.Minute {
		t.Errorf("the alarm came %s after half the agents were first missing (%s), want %d minutes (the minute itself and %d more)", got, firstBreach, n, n-1)
	}
	if a[0].Sub(fail) > 45*time.Minute {
		t.Errorf("tasks cannot start from %s: the alarm came only at %s", fail, a[0])
	}
	t.Logf("tasks cannot start from %s: half the agents missing from %s, alarm at %s (%s after the failure)", fail.Format("Mon 15:04"), firstBreach.Format("15:04"), a[0].Format("15:04"), a[0].Sub(fail))

	// A quiet Saturday: the first job after a quiet spell wants one agent,
	// which cannot start.
	sat := time.Date(2026, 12, 5, 0, 30, 0, 0, loc)
	week = weekSim{seed: 1, failFrom: sat}.run(t)
	var wanted time.Time
	for _, m := range week {
		if !m.at.Before(sat) && m.desired >= 1 {
			wanted = m.at
			break
		}
	}
	a = alarms(week, shortfall, n)
	var after []time.Time
	for _, x := range a {
		if !x.Before(sat) {
			after = append(after, x)
		}
	}
	if wanted.IsZero() || len(after) == 0 || after[0].Sub(wanted) > n*time.Minute {
		t.Errorf("Saturday: an agent wanted from %s, alarms %v; want one within %d minutes", wanted, after, n)
	}
}
