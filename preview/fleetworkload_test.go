package preview

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/config"
)

// twoSpokeFleet is a validated fleet of two spokes in UTC, weekdays 4 from
// 07:00 to 19:00 and 1 at night (1 vCPU, 2 GiB, eu-west-1): alpha by the
// schedule alone, beta following demand up to 8 and 2.
func twoSpokeFleet(t *testing.T) *config.Fleet {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	yaml := `hub: {account: "111111111111", region: eu-west-1}
agent: {azpUrl: https://dev.azure.com/example-org, pool: hubspoke}
schedule:
  timeZone: UTC
  scaleUp: {at: "07:00", capacity: 4}
  scaleDown: {at: "19:00", capacity: 1}
spokes:
  - name: alpha
    account: "222222222222"
    region: eu-west-1
    network: {createVpc: {cidr: 10.40.0.0/24}}
  - name: beta
    account: "333333333333"
    region: eu-west-1
    network: {createVpc: {cidr: 10.40.1.0/24}}
    schedule:
      demand: {workHoursMax: 8, offHoursMax: 2}
`
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Each spoke gets its own draw of the workload: seed p.Seed + its index in
// the fleet file (alpha 7, beta 8 for seed 7), the same jobs by the
// schedule alone, following demand and with a placeholder. Only a spoke
// that follows demand has demand runs.
func TestFleetWorkloadSeedsAndModes(t *testing.T) {
	f := twoSpokeFleet(t)
	w := ReferenceWorkload()
	start := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	draws := map[uint64]int{}
	for seed := uint64(6); seed <= 8; seed++ {
		draws[seed] = len(w.Jobs(start, seed))
	}
	if draws[6] == draws[7] || draws[6] == draws[8] || draws[7] == draws[8] {
		t.Fatalf("seeds 6-8 draw %v jobs: the test needs three different counts", draws)
	}
	runs, err := SimulateFleetWorkload(f, w, day("2026-06-17"), WorkloadParams{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	for i, want := range []struct {
		spoke  string
		jobs   int
		demand bool
	}{{"alpha", draws[7], false}, {"beta", draws[8], true}} {
		r := runs[i]
		if r.Schedule.Spoke != want.spoke || r.Schedule.Jobs != want.jobs || r.PlaceholderSchedule.Jobs != want.jobs {
			t.Errorf("run %d: %s with %d and %d jobs, want %s with %d (its own draw)", i, r.Schedule.Spoke, r.Schedule.Jobs, r.PlaceholderSchedule.Jobs, want.spoke, want.jobs)
		}
		if r.Schedule.Demand || r.PlaceholderSchedule.Demand || r.Schedule.Placeholder || !r.PlaceholderSchedule.Placeholder {
			t.Errorf("%s: the schedule runs are %+v / %+v", want.spoke, r.Schedule.Demand, r.PlaceholderSchedule.Demand)
		}
		if (r.Demand != nil) != want.demand || (r.PlaceholderDemand != nil) != want.demand {
			t.Errorf("%s: demand runs %v, %v; want them only for a spoke that follows demand (%v)", want.spoke, r.Demand != nil, r.PlaceholderDemand != nil, want.demand)
			continue
		}
		if want.demand && (!r.Demand.Demand || r.Demand.Jobs != want.jobs || r.Demand.Placeholder || !r.PlaceholderDemand.Placeholder) {
			t.Errorf("%s: demand run %+v", want.spoke, *r.Demand)
		}
	}
}

// A spoke whose week cannot be simulated stops the fleet's simulation with
// an error that names it.
func TestFleetSimulationNamesTheFailingSpoke(t *testing.T) {
	f := twoSpokeFleet(t)
	f.Spokes[1].Schedule.TimeZone = "Mars/Olympus_Mons"
	res, err := SimulateFleet(f, day("2026-06-17"))
	if err == nil || !strings.Contains(err.Error(), "spoke beta: time zone: unknown time zone Mars/Olympus_Mons") || res != nil {
		t.Errorf("week: %d results, error %v; want none and the spoke named", len(res), err)
	}
	years, err := SimulateFleetYear(f, 2026)
	if err == nil || !strings.Contains(err.Error(), "spoke beta: time zone: unknown time zone Mars/Olympus_Mons") || years != nil {
		t.Errorf("year: %d results, error %v; want none and the spoke named", len(years), err)
	}
}

// The fleet rows of the workload report sum the spokes' rows; their waits
// are the percentiles (nearest rank) of all the spokes' waits together.
// "as configured" takes the demand run of a spoke that follows demand and
// the schedule run of one that does not. A spoke without a price makes the
// fleet's cost "no price", not lower. Worked by hand:
//   - schedule only: 3 + 2 jobs, 1 + 0 rejected, waits 10s 20s 30s 40s:
//     p50 the 2nd (20s), p95 the 4th (40s), max 40s; 10 + 20 agent-hours;
//     5 + 8 USD; 0 + 0 cut; 2 + 3 tasks;
//   - as configured: alpha's schedule run and beta's demand run: waits 1s
//     2s 10s 20s: p50 2s, p95 20s; 10 + 4 agent-hours, 5 + 1.50 USD, 1 cut,
//     2 + 9 tasks;
//   - with placeholders: no waits at all (0s), beta unpriced.
func TestWorkloadReportFleetRows(t *testing.T) {
	sec := func(s ...int) []time.Duration {
		var out []time.Duration
		for _, v := range s {
			out = append(out, time.Duration(v)*time.Second)
		}
		return out
	}
	alpha := WorkloadResult{Spoke: "alpha", Jobs: 3, Rejected: 1, Waits: sec(10, 20), WaitP50: 10 * time.Second, WaitP95: 20 * time.Second, WaitMax: 20 * time.Second,
		AgentHours: 10, MonthlyCost: 5, TasksStarted: 2}
	alphaP := WorkloadResult{Spoke: "alpha", Jobs: 3, AgentHours: 12, MonthlyCost: 6, TasksStarted: 2}
	betaS := WorkloadResult{Spoke: "beta", Jobs: 2, Waits: sec(30, 40), WaitP50: 30 * time.Second, WaitP95: 40 * time.Second, WaitMax: 40 * time.Second,
		AgentHours: 20, MonthlyCost: 8, TasksStarted: 3}
	betaD := WorkloadResult{Spoke: "beta", Demand: true, Jobs: 2, Waits: sec(1, 2), WaitP50: time.Second, WaitP95: 2 * time.Second, WaitMax: 2 * time.Second,
		AgentHours: 4, MonthlyCost: 1.5, JobsCut: 1, TasksStarted: 9}
	betaSP := WorkloadResult{Spoke: "beta", Jobs: 2, AgentHours: 20, MonthlyCost: math.NaN(), TasksStarted: 3}
	betaDP := WorkloadResult{Spoke: "beta", Demand: true, Jobs: 2, AgentHours: 5, MonthlyCost: math.NaN(), TasksStarted: 10}
	runs := []WorkloadRun{
		{Schedule: alpha, PlaceholderSchedule: alphaP},
		{Schedule: betaS, Demand: &betaD, PlaceholderSchedule: betaSP, PlaceholderDemand: &betaDP},
	}
	var b strings.Builder
	WriteWorkloadReport(&b, ReferenceWorkload(), WorkloadParams{}, runs)
	var rows []string
	for _, l := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "alpha" || f[0] == "beta" || f[0] == "fleet") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	want := []string{
		"alpha schedule 3 1 10s 20s 20s 10.0 5.00 0 2",
		"alpha schedule+placeholder 3 0 0s 0s 0s 12.0 6.00 0 2",
		"beta schedule 2 0 30s 40s 40s 20.0 8.00 0 3",
		"beta schedule+placeholder 2 0 0s 0s 0s 20.0 no price 0 3",
		"beta demand 2 0 1s 2s 2s 4.0 1.50 1 9",
		"beta demand+placeholder 2 0 0s 0s 0s 5.0 no price 0 10",
		"fleet schedule only 5 1 20s 40s 40s 30.0 13.00 0 5",
		"fleet schedule only+placeholder 5 0 0s 0s 0s 32.0 no price 0 5",
		"fleet as configured 5 1 2s 20s 20s 14.0 6.50 1 11",
		"fleet as configured+placeholder 5 0 0s 0s 0s 17.0 no price 0 12",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n got:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}
