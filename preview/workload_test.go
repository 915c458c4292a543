package preview

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// One job at 02:00 on a Tuesday, floor 0: following demand, the poll at
// 02:00 sees it, the scaling action comes a minute later and the agent two
// minutes after that: 3 minutes' wait. By the schedule alone it waits for
// the 07:00 scale-up and its agent's start: 5h02m.
func TestOneNightJob(t *testing.T) {
	jobs := []Job{{Queued: at(1, 2, 0), Duration: 10 * time.Minute}}
	for _, c := range []struct {
		demand bool
		want   time.Duration
	}{{true, 3 * time.Minute}, {false, 5*time.Hour + 2*time.Minute}} {
		r, err := SimulateWorkload(demandSpoke(c.demand), jobs, monday, WorkloadParams{})
		if err != nil {
			t.Fatal(err)
		}
		if r.WaitMax != c.want || r.WaitP50 != c.want || r.Unserved != 0 || r.JobsCut != 0 {
			t.Errorf("demand %v: wait %s (p50 %s, unserved %d, cut %d), want %s", c.demand, r.WaitMax, r.WaitP50, r.Unserved, r.JobsCut, c.want)
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

// A job running across the refresh: its agent is protected, the job ends
// (nothing cut) and its agent with it, and the idle agents are gone. A job longer than its
// protection (maxJobMinutes) is cut by the refresh.
func TestJobAcrossTheRefresh(t *testing.T) {
	jobs := []Job{{Queued: at(1, 23, 50), Duration: 30 * time.Minute}}
	r, err := SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{})
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
	r, err = SimulateWorkload(demandSpoke(true), jobs, monday, WorkloadParams{MaxJobMinutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.JobsCut != 1 {
		t.Errorf("cut %d, want the job whose protection expired cut at the refresh", r.JobsCut)
	}
}

// Cost: the schedule alone with no jobs runs 1 agent 12 hours each weekday:
// 60 agent-hours a week, priced like the schedule preview.
func TestWorkloadCost(t *testing.T) {
	r, err := SimulateWorkload(demandSpoke(false), nil, monday, WorkloadParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.AgentHours, 60) {
		t.Errorf("agent-hours %g, want 60", r.AgentHours)
	}
	if want := CostOf(demandSpoke(false), 60).Monthly; !near(r.MonthlyCost, want) {
		t.Errorf("monthly %g, want %g", r.MonthlyCost, want)
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

// Task starts with floor 0: the burst of ten 30-minute jobs gets 4 agents
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
	r, err := SimulateWorkload(sp, jobs, monday, WorkloadParams{})
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
