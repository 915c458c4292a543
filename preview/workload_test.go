package preview

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/config"
	"hubspoke-cdk/schedule"
)

// A spoke in UTC: working hours 07:00-19:00 with floor 1 (ceiling 4),
// nights 0 (ceiling 2), refresh at 00:00 with the restore 5 minutes later.
func demandSpoke(demand bool) Spoke {
	w := schedule.Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1, Night: 0, Weekend: 0}
	if demand {
		w.Demand = &schedule.Demand{WorkHoursMax: 4, OffHoursMax: 2}
	}
	return Spoke{Name: "dev", Region: "eu-west-1", Week: w, CPU: 1024, MemoryMiB: 2048}
}

var monday = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func at(day int, hh, mm int) time.Time {
	return monday.AddDate(0, 0, day).Add(time.Duration(hh*60+mm) * time.Minute)
}

// One job at 02:00 on a Tuesday, floor 0. Without a placeholder no agent is
// registered in the pool: Azure DevOps rejects the job at once (no wait, no
// task started for it). With the placeholder it is queued: following
// demand, the poll at 02:00 sees it, the scaling action comes a minute
// later and the agent two minutes after that: 3 minutes' wait. By the
// schedule alone it waits for the 07:00 scale-up and its agent's start:
// 5h02m.
func TestOneNightJob(t *testing.T) {
	jobs := []Job{{Queued: at(1, 2, 0), Duration: 10 * time.Minute}}
	for _, c := range []struct {
		demand, placeholder bool
		rejected            int
		waits               []time.Duration
	}{
		{true, false, 1, nil},
		{false, false, 1, nil},
		{true, true, 0, []time.Duration{3 * time.Minute}},
		{false, true, 0, []time.Duration{5*time.Hour + 2*time.Minute}},
	} {
		r, err := SimulateWorkload(demandSpoke(c.demand), jobs, monday, WorkloadParams{Placeholder: c.placeholder})
		if err != nil {
			t.Fatal(err)
		}
		if r.Rejected != c.rejected || !slices.Equal(r.Waits, c.waits) || r.Unserved != 0 || r.JobsCut != 0 {
			t.Errorf("demand %v, placeholder %v: rejected %d, waits %v (unserved %d, cut %d); want rejected %d, waits %v",
				c.demand, c.placeholder, r.Rejected, r.Waits, r.Unserved, r.JobsCut, c.rejected, c.waits)
		}
	}
	// Following demand without a placeholder, the rejected job never
	// reaches the poller: no task starts at night (the weekdays' 07:00
	// scale-up starts one each, 5 in all).
	r, _ := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{})
	if r.TasksStarted != 5 {
		t.Errorf("%d tasks started, want 5 (the weekdays' floor only)", r.TasksStarted)
	}
}

// The daily refresh, on a schedule-only spoke with 1 agent at night:
// Wednesday 00:00 sets min = max = 0 and stops the idle agent (it
// deregisters); the restore at 00:05 starts one, registered at 00:07. Jobs
// of 10 minutes at 00:02 and 00:06 find no agent registered and are
// rejected; one at 00:08 finds the new agent idle (wait 0). With a
// placeholder the 00:02 job waits for the restored agent (5 minutes) and
// the 00:06 one for the next: the first job ends at 00:17, its agent exits,
// its replacement is ready at 00:19 (13 minutes).
func TestRefreshWindow(t *testing.T) {
	sp := demandSpoke(false)
	sp.Week.Night = 1
	job := func(mm int) Job { return Job{Queued: at(2, 0, mm), Duration: 10 * time.Minute} }
	for _, c := range []struct {
		name        string
		jobs        []Job
		placeholder bool
		rejected    int
		waits       []time.Duration
	}{
		{"no placeholder", []Job{job(2), job(6), job(8)}, false, 2, []time.Duration{0}},
		{"placeholder", []Job{job(2), job(6)}, true, 0, []time.Duration{5 * time.Minute, 13 * time.Minute}},
	} {
		r, err := SimulateWorkload(sp, c.jobs, monday, WorkloadParams{Placeholder: c.placeholder})
		if err != nil {
			t.Fatal(err)
		}
		if r.Rejected != c.rejected || !slices.Equal(r.Waits, c.waits) {
			t.Errorf("%s: rejected %d, waits %v; want %d, %v", c.name, r.Rejected, r.Waits, c.rejected, c.waits)
		}
	}
}

// A one-spoke pool at floor 1 (schedule alone, Tuesday 10:00): job A (10
// minutes) takes the one agent at 10:00; B at 10:05 is queued (A's agent is
// registered, busy); A ends at 10:10, its agent deregisters and exits, the
// replacement registers at 10:12. C at 10:11 falls in that gap: rejected
// without a placeholder. B waits 7 minutes. With the placeholder C is
// queued: B takes the 10:12 agent and ends at 10:22, the next agent is
// ready at 10:24: C waits 13 minutes.
func TestFloorOneBetweenExitAndRegistration(t *testing.T) {
	jobs := []Job{
		{Queued: at(1, 10, 0), Duration: 10 * time.Minute},
		{Queued: at(1, 10, 5), Duration: 10 * time.Minute},
		{Queued: at(1, 10, 11), Duration: 10 * time.Minute},
	}
	for _, c := range []struct {
		placeholder bool
		rejected    int
		waits       []time.Duration
	}{
		{false, 1, []time.Duration{0, 7 * time.Minute}},
		{true, 0, []time.Duration{0, 7 * time.Minute, 13 * time.Minute}},
	} {
		r, err := SimulateWorkload(demandSpoke(false), jobs, monday, WorkloadParams{Placeholder: c.placeholder})
		if err != nil {
			t.Fatal(err)
		}
		if r.Rejected != c.rejected || !slices.Equal(r.Waits, c.waits) {
			t.Errorf("placeholder %v: rejected %d, waits %v; want %d, %v", c.placeholder, r.Rejected, r.Waits, c.rejected, c.waits)
		}
	}
}

// Ten 30-minute jobs at 10:00, ceiling 4: the floor's agent takes the
// first at once, three more agents come at 10:03; each agent exits after
// its job and its replacement takes 2 minutes to start: waits 0, 3, 3, 3,
// 32, 35, 35, 35, 64, 67 minutes.
func TestBurstAboveTheCeiling(t *testing.T) {
	var jobs []Job
	for range 10 {
		jobs = append(jobs, Job{Queued: at(1, 10, 0), Duration: 30 * time.Minute})
	}
	r, err := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{0, 3, 3, 3, 32, 35, 35, 35, 64, 67}
	for i := range want {
		want[i] *= time.Minute
	}
	if !slices.Equal(r.Waits, want) || r.WaitP50 != 32*time.Minute || r.WaitP95 != 67*time.Minute {
		t.Errorf("waits %v (p50 %s p95 %s), want %v", r.Waits, r.WaitP50, r.WaitP95, want)
	}
	most := 0
	for _, s := range r.Samples {
		most = max(most, s.Agents)
		if s.Agents > s.Ceiling && s.At.Hour() >= 7 && s.At.Hour() < 19 {
			t.Errorf("%s: %d agents above the ceiling %d", s.At, s.Agents, s.Ceiling)
		}
	}
	if most != 4 {
		t.Errorf("at most %d agents, want the ceiling 4", most)
	}
}

// A job running across the refresh (queued at 23:50 at night floor 0: the
// pool's placeholder keeps it queued): its agent is protected, the job ends
// (nothing cut) and its agent with it, and the idle agents are gone. A job longer than its
// protection (maxJobMinutes) is cut by the refresh.
func TestJobAcrossTheRefresh(t *testing.T) {
	jobs := []Job{{Queued: at(1, 23, 50), Duration: 30 * time.Minute}}
	r, err := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.JobsCut != 0 || r.Unserved != 0 {
		t.Errorf("cut %d, unserved %d; want the job to finish", r.JobsCut, r.Unserved)
	}
	for _, s := range r.Samples {
		if s.At.Equal(at(2, 0, 0)) && s.Agents != 1 {
			t.Errorf("at the refresh %d agents, want only the busy one", s.Agents)
		}
	}
	r, err = SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{MaxJobMinutes: 5, Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.JobsCut != 1 {
		t.Errorf("cut %d, want the job whose protection expired cut at the refresh", r.JobsCut)
	}
}

// Cost: the schedule alone with no jobs runs 1 agent 12 hours each weekday:
// 60 agent-hours a week. 1 vCPU and 2 GB in eu-west-1 at the Fargate
// Linux/x86 list price (0.04048 USD per vCPU-hour, 0.004445 per GB-hour,
// aws.amazon.com/fargate/pricing, as of 2025-01) is 0.04937 USD an hour;
// a month of 365/12/7 = 4.345 weeks is 260.71 agent-hours: 12.87 USD.
func TestWorkloadCost(t *testing.T) {
	r, err := SimulateWorkload(demandSpoke(false), nil, monday, WorkloadParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.AgentHours, 60) {
		t.Errorf("agent-hours %g, want 60", r.AgentHours)
	}
	if math.Abs(r.MonthlyCost-12.8714) > 0.001 {
		t.Errorf("monthly %.4f USD, want 12.8714", r.MonthlyCost)
	}
}

// The reference week: the same jobs for the same seed; following demand
// never cuts a job; its arrivals add up to the profile's rates.
func TestReferenceWorkload(t *testing.T) {
	w := ReferenceWorkload()
	if err := w.check("reference"); err != nil {
		t.Fatal(err)
	}
	a, b := w.Jobs(monday, 7), w.Jobs(monday, 7)
	if len(a) != len(b) || len(a) == 0 || a[len(a)-1] != b[len(b)-1] {
		t.Fatalf("not reproducible: %d and %d jobs", len(a), len(b))
	}
	expected := 0.0
	for _, r := range w.Weekday {
		expected += 5 * r
	}
	for _, r := range w.Weekend {
		expected += 2 * r
	}
	if n := float64(len(a)); n < 0.9*expected || n > 1.1*expected {
		t.Errorf("%d jobs, expected about %g", len(a), expected)
	}
	r, err := SimulateWorkload(demandSpoke(true), a, monday, WorkloadParams{})
	if err != nil {
		t.Fatal(err)
	}
	if r.JobsCut != 0 || r.Unserved != 0 {
		t.Errorf("reference: cut %d unserved %d", r.JobsCut, r.Unserved)
	}
}

// Task starts with floor 0 (the placeholder keeps the jobs queued): the burst of ten 30-minute jobs gets 4 agents
// at 10:03; each agent exits after its job and ECS starts a replacement
// while the count still asks for it: 4 + 4 + 4, then 2 when the last two
// jobs end (the count still 2 until the next poll), which the scale-in
// stops a minute later. 14 starts; waits 3, 35 and 67 minutes.
func TestTaskStartsOfABurst(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	var jobs []Job
	for range 10 {
		jobs = append(jobs, Job{Queued: at(1, 10, 0), Duration: 30 * time.Minute})
	}
	r, err := SimulateWorkload(sp, jobs, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{3, 3, 3, 3, 35, 35, 35, 35, 67, 67}
	for i := range want {
		want[i] *= time.Minute
	}
	if r.TasksStarted != 14 || !slices.Equal(r.Waits, want) {
		t.Errorf("%d tasks started, waits %v; want 14 and %v", r.TasksStarted, r.Waits, want)
	}
}

// A workload file: read with its keys checked; each mistake named.
func TestLoadWorkload(t *testing.T) {
	dir := t.TempDir()
	day := "[" + strings.TrimSuffix(strings.Repeat("1, ", 24), ", ") + "]"
	for _, c := range []struct{ name, yaml, want string }{
		{"good", "name: team\nweekday: " + day + "\nweekend: " + day + "\njobMinutes: [5, 10]\n", ""},
		{"23 hours", "weekday: [1, 2]\nweekend: " + day + "\njobMinutes: [5]\n", "24 hourly arrival rates each (got 2 and 24)"},
		{"negative rate", "weekday: " + strings.Replace(day, "1", "-1", 1) + "\nweekend: " + day + "\njobMinutes: [5]\n", "arrival rate -1"},
		{"no durations", "weekday: " + day + "\nweekend: " + day + "\n", "jobMinutes: list at least one"},
		{"zero duration", "weekday: " + day + "\nweekend: " + day + "\njobMinutes: [0]\n", "job duration 0"},
		{"not a number", "weekday: " + strings.Replace(day, "1", ".nan", 1) + "\nweekend: " + day + "\njobMinutes: [5]\n", "arrival rate NaN: use jobs per hour, 0 or more"},
		{"typo", "weekdays: " + day + "\nweekend: " + day + "\njobMinutes: [5]\n", "weekdays"},
	} {
		path := filepath.Join(dir, c.name+".yaml")
		if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := LoadWorkload(path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "" && (w.Name != "team" || len(w.JobMinutes) != 2):
			t.Errorf("%s: read %+v", c.name, w)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// The fixture fleet's dev spoke (2 agents 07-19 on weekdays, 0 at night
// and at weekends, schedule only) with jobs at weekends only: without a
// placeholder no agent is registered all weekend, so every job is rejected
// at once; with one, every job waits at least until Monday's 07:00
// scale-up and its agent's start (a job at Sunday 23:59 waits over 7h02m).
func TestFixtureDevWeekendJobsRejected(t *testing.T) {
	f, err := config.Load("../test/testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]float64, 24)
	busy := slices.Repeat([]float64{2}, 24)
	w := Workload{Name: "weekend", Weekday: zero, Weekend: busy, JobMinutes: []float64{10}}
	runs, err := SimulateFleetWorkload(f, w, monday, WorkloadParams{})
	if err != nil {
		t.Fatal(err)
	}
	dev := runs[0]
	if dev.Schedule.Spoke != "dev" || dev.Schedule.Jobs < 50 {
		t.Fatalf("spoke %s, %d jobs: want dev with a weekend of jobs (about 96)", dev.Schedule.Spoke, dev.Schedule.Jobs)
	}
	if r := dev.Schedule; r.Rejected != r.Jobs || len(r.Waits) != 0 || r.Placeholder {
		t.Errorf("without placeholder: %d of %d rejected, %d waits; want all rejected", r.Rejected, r.Jobs, len(r.Waits))
	}
	if r := dev.PlaceholderSchedule; r.Rejected != 0 || len(r.Waits) != r.Jobs || r.Waits[0] < 7*time.Hour+2*time.Minute || !r.Placeholder {
		t.Errorf("with placeholder: %d rejected, %d waits from %v; want none rejected, each waiting past Monday 07:02", r.Rejected, len(r.Waits), r.Waits[0])
	}
}

// Agent starts drawn from a distribution: half uniform between min and
// median, half between median and max; u = 0, 0.25, 0.5, 0.75 give 1m,
// 1m30s, 2m, 2m30s for 1m/2m/3m.
func TestStartDistribution(t *testing.T) {
	d := StartDist{Min: time.Minute, Median: 2 * time.Minute, Max: 3 * time.Minute}
	for u, want := range map[float64]time.Duration{0: time.Minute, 0.25: 90 * time.Second, 0.5: 2 * time.Minute, 0.75: 150 * time.Second, 0.9999: 3 * time.Minute} {
		if got := d.draw(u); got != want {
			t.Errorf("draw(%g) = %s, want %s", u, got, want)
		}
	}
	// A fixed start of 3 minutes as a distribution: the night job of
	// TestOneNightJob waits a poll, a metric minute and 3 minutes.
	jobs := []Job{{Queued: at(1, 2, 0), Duration: 10 * time.Minute}}
	three := StartDist{Min: 3 * time.Minute, Median: 3 * time.Minute, Max: 3 * time.Minute}
	r, err := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{Placeholder: true, Start: three})
	if err != nil || r.WaitMax != 4*time.Minute {
		t.Errorf("wait %s (%v), want 4m", r.WaitMax, err)
	}
	// The same seed, the same starts; another seed, other waits.
	ref := ReferenceWorkload().Jobs(monday, 3)
	p := WorkloadParams{Placeholder: true, Start: d, Seed: 3}
	a, _ := SimulateWorkload(demandSpoke(true), ref, monday, p)
	b, _ := SimulateWorkload(demandSpoke(true), ref, monday, p)
	p.Seed = 4
	c, _ := SimulateWorkload(demandSpoke(true), ref, monday, p)
	if !slices.Equal(a.Waits, b.Waits) || slices.Equal(a.Waits, c.Waits) {
		t.Errorf("seed 3 twice: equal %v; seeds 3 and 4: equal %v; want true and false", slices.Equal(a.Waits, b.Waits), slices.Equal(a.Waits, c.Waits))
	}
	for _, bad := range []StartDist{{0, time.Minute, 2 * time.Minute}, {2 * time.Minute, time.Minute, 3 * time.Minute}, {time.Minute, 3 * time.Minute, 2 * time.Minute}} {
		_, err := SimulateWorkload(demandSpoke(true), nil, monday, WorkloadParams{Start: bad})
		if err == nil || !strings.Contains(err.Error(), "spoke dev: agent start") || !strings.Contains(err.Error(), "0 < min <= median <= max") {
			t.Errorf("%v: error %v, want the spoke and the rule", bad, err)
		}
	}
}

// Standby, on the demand spoke with floor 0 in working hours (ceiling 4)
// and standby 1 there: the poll keeps one idle agent ready. A job at
// Tuesday 10:00 takes it at once (wait 0). A second job 30 s later: the
// 10:00 poll counted the first job waiting plus the standby (2), its
// scaling action at 10:01 starts a second agent, ready at 10:03: the
// second job waits 2m30s (one start after the scaling action). Without
// standby the first waits 3 minutes (the 10:00 poll, the metric minute, a
// start) and the second, seen by the 10:01 poll, gets an agent at 10:04:
// 3m30s.
func TestStandby(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	one := []Job{{Queued: at(1, 10, 0), Duration: 10 * time.Minute}}
	two := append(slices.Clone(one), Job{Queued: at(1, 10, 0).Add(30 * time.Second), Duration: 10 * time.Minute})
	for _, c := range []struct {
		name    string
		jobs    []Job
		standby *Standby
		waits   []time.Duration
	}{
		{"one job, standby 1", one, &Standby{WorkHours: 1}, []time.Duration{0}},
		{"two jobs, standby 1", two, &Standby{WorkHours: 1}, []time.Duration{0, 150 * time.Second}},
		{"two jobs, no standby", two, &Standby{}, []time.Duration{3 * time.Minute, 210 * time.Second}},
		{"one job, standby only at night", one, &Standby{Nights: 1, Weekends: 1}, []time.Duration{3 * time.Minute}},
	} {
		r, err := SimulateWorkload(sp, c.jobs, monday, WorkloadParams{Placeholder: true, Standby: c.standby})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Waits, c.waits) {
			t.Errorf("%s: waits %v, want %v", c.name, r.Waits, c.waits)
		}
	}
	// Standby keeps the pool registered: no job rejected without a
	// placeholder while a standby agent is up.
	r, _ := SimulateWorkload(sp, one, monday, WorkloadParams{Standby: &Standby{WorkHours: 1}})
	if r.Rejected != 0 || !slices.Equal(r.Waits, []time.Duration{0}) {
		t.Errorf("standby without placeholder: rejected %d, waits %v; want 0 and [0]", r.Rejected, r.Waits)
	}
	_, err := SimulateWorkload(sp, one, monday, WorkloadParams{Standby: &Standby{Nights: -1}})
	if err == nil || !strings.Contains(err.Error(), "spoke dev: standby 0/-1/0: use 0 or more idle agents per window") {
		t.Errorf("negative standby: %v", err)
	}
}

// The scale-in cooldown (5 minutes by default): floor 0, one 1-minute job
// at Tuesday 10:00. The 10:00 poll sees it, the count goes to 1 at 10:01
// (the last scaling), the agent is ready at 10:03, runs the job to 10:04
// and exits; ECS starts a replacement at once (the count is still 1). The
// 10:04 poll sees nothing: its scale-in at 10:05 waits for the cooldown
// (4 minutes since 10:01); the 10:05 poll's, at 10:06, stops the
// replacement. 2 tasks, 3 + 2 minutes: 5/60 agent-hours.
func TestScaleInCooldown(t *testing.T) {
	sp := demandSpoke(true)
	sp.Week.Weekday = 0
	jobs := []Job{{Queued: at(1, 10, 0), Duration: time.Minute}}
	r, err := SimulateWorkload(sp, jobs, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.TasksStarted != 2 || !near(r.AgentHours, 5.0/60) || !slices.Equal(r.Waits, []time.Duration{3 * time.Minute}) {
		t.Errorf("%d tasks, %.4f agent-hours, waits %v; want 2, 0.0833, [3m]", r.TasksStarted, r.AgentHours, r.Waits)
	}
}

// The scale-down lowers the ceiling at once: on Tuesday the floor's agent
// takes a 5m30s job at 18:55; three more jobs (10 minutes) get the agents
// the 18:55 poll asked for, ready at 18:58. At 19:00 min 0, max 2: the
// four busy agents are protected and stay; when the first job ends at
// 19:00:30 its agent is not replaced (3 agents, ceiling 2). When the others
// end at 19:08 the count is still 2 until the 19:08 poll's scale-in at
// 19:09: ECS starts 2 replacements at 19:08 and stops them then. Tasks: 5
// weekday scale-ups, 3 at 18:56, 2 at 19:08 = 10.
func TestScaleDownLowersTheCeiling(t *testing.T) {
	jobs := []Job{{Queued: at(1, 18, 55), Duration: 5*time.Minute + 30*time.Second}}
	for range 3 {
		jobs = append(jobs, Job{Queued: at(1, 18, 55), Duration: 10 * time.Minute})
	}
	r, err := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{0, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute}
	if r.TasksStarted != 10 || !slices.Equal(r.Waits, want) {
		t.Errorf("%d tasks started, waits %v; want 10 and %v", r.TasksStarted, r.Waits, want)
	}
}

// A job no agent ever takes (no capacity all week; the placeholder keeps
// it queued) is unserved: it counts as waiting to the simulation's end,
// the next Monday plus a day. Queued Tuesday 10:00: 6 days 14 hours.
func TestUnservedJob(t *testing.T) {
	sp := demandSpoke(false)
	sp.Week.Weekday = 0
	r, err := SimulateWorkload(sp, []Job{{Queued: at(1, 10, 0), Duration: time.Minute}}, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Unserved != 1 || r.WaitMax != 158*time.Hour || r.Rejected != 0 {
		t.Errorf("unserved %d, longest wait %s, rejected %d; want 1, 158h, 0", r.Unserved, r.WaitMax, r.Rejected)
	}
}
