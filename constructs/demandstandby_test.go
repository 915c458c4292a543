package constructs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/azdostandin"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
)

// Standby from the action in force, within the ceiling. Europe/Amsterdam,
// floors 1/0/0, ceilings 4/2, standby 2 in working hours, none at night.
// Monday 08:59 UTC (09:59 local), the first run (it registers the
// placeholder, so that Azure DevOps accepts jobs): nothing waiting, 0 + 2 =
// 2. 09:00: 1 job waiting, AgentsWanted 1 + 2 = 3;
// 09:01, 3 waiting: 3 + 2 = 5, held at the ceiling 4; 19:30 UTC (20:30,
// night: ceiling 2, standby 0): the 3 jobs, room 2: 2.
func TestPollerStandby(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 4, OffHoursMax: 2, Standby: schedule.Standby{WorkHours: 2}}}
	spoke := demandSpoke("dev", 0)
	delete(spoke, "ceiling")
	spoke["actions"] = DemandActions(week)
	q := ctl("queue", map[string]any{"org": "sched", "pool": "hubspoke", "demands": []string{"git"}})
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", spoke)),
		"steps": []any{run(monday.Add(-time.Minute)), q, run(monday), ctl("queue", map[string]any{"org": "sched", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "sched", "pool": "hubspoke", "demands": []string{"git"}}),
			run(monday.Add(time.Minute)), run(time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC))},
	})
	var got []string
	for _, r := range res.Runs {
		w, _, _ := r.wanted("dev")
		got = append(got, w)
	}
	if want := []string{"2", "3", "4", "2"}; !slices.Equal(got, want) {
		t.Errorf("AgentsWanted %v, want %v (controls %v)", got, want, res.Controls)
	}
}

// Automatic standby from the hub's history, hand-computed (UTC, ceiling
// 8, no fixed standby). Monday 10:00-11:00 a week ago: AgentsBusy peaked at
// 3 (10:20), JobsWaiting at 2 (10:05): 3 + 2 = 5; two weeks ago busy 1 and
// nothing waiting: 1. Spoke hi keeps p100 of the two weeks (5), lo p50
// (nearest rank of 2 values: the 1st, 1).
//
//	09:54 run: both histories read (one GetMetricData call, 4 queries);
//	      the hour 5 minutes ahead is 09:00: nothing ready, 0 and 0.
//	09:55: the hour ahead is 10:00: hi 5, lo 1; no read (within the hour).
//	10:55: the hour ahead is 11:00, no history: 0 and 0; read again.
//
// A failed read is logged, the count is the jobs' alone, and the next run
// reads again.
func TestPollerAutoStandby(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2}}
	hi, lo := demandSpoke("hi", 0), demandSpoke("lo", 0)
	for _, s := range []map[string]any{hi, lo} {
		delete(s, "ceiling")
		s["actions"] = DemandActions(week)
	}
	hi["auto"] = DemandAuto{Weeks: 2, Percentile: 100, Zone: "UTC"}
	lo["auto"] = DemandAuto{Weeks: 2, Percentile: 50, Zone: "UTC"}
	mon := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var history []map[string]any
	for _, s := range []string{"hi", "lo"} {
		for _, h := range []struct {
			metric string
			at     time.Time
			value  float64
		}{
			{"AgentsBusy", mon.AddDate(0, 0, -7).Add(10*time.Hour + 20*time.Minute), 3},
			{"AgentsBusy", mon.AddDate(0, 0, -7).Add(10*time.Hour + 40*time.Minute), 1},
			{"JobsWaiting", mon.AddDate(0, 0, -7).Add(10*time.Hour + 5*time.Minute), 2},
			{"JobsWaiting", mon.AddDate(0, 0, -7).Add(10*time.Hour + 20*time.Minute), 0},
			{"AgentsBusy", mon.AddDate(0, 0, -14).Add(10*time.Hour + 30*time.Minute), 1},
			{"JobsWaiting", mon.AddDate(0, 0, -14).Add(10*time.Hour + 30*time.Minute), 0},
		} {
			history = append(history, map[string]any{"spoke": s, "metric": h.metric, "at": float64(h.at.Unix()), "value": h.value})
		}
	}
	at := func(hh, mm int) map[string]any { return run(mon.Add(time.Duration(hh*60+mm) * time.Minute)) }
	raw := runPollerRaw(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", hi, lo)),
		"steps": []any{map[string]any{"history": history}, at(9, 54), at(9, 55), at(10, 55),
			map[string]any{"failGetMetricData": true}, at(12, 0), map[string]any{"failGetMetricData": false}, at(12, 1)},
	})
	runs := asSlice(raw["runs"])
	type want struct {
		hi, lo string
		reads  []float64
	}
	for i, w := range []want{{"0", "0", []float64{4}}, {"5", "1", nil}, {"0", "0", []float64{4}}, {"0", "0", []float64{4}}, {"0", "0", []float64{4}}} {
		r := runs[i].(map[string]any)
		pub := map[string]string{}
		for _, p := range asSlice(r["published"]) {
			m := p.(map[string]any)
			if v, ok := m["wanted"].(float64); ok {
				pub[m["spoke"].(string)] = strconv.Itoa(int(v))
			}
		}
		var reads []float64
		for _, n := range asSlice(r["historyReads"]) {
			reads = append(reads, n.(float64))
		}
		if pub["hi"] != w.hi || pub["lo"] != w.lo || !slices.Equal(reads, w.reads) {
			t.Errorf("run %d: hi %s lo %s, history reads %v; want %s, %s, %v", i, pub["hi"], pub["lo"], reads, w.hi, w.lo, w.reads)
		}
	}
	probs := func(i int) string {
		var out []string
		for _, p := range asSlice(runs[i].(map[string]any)["problems"]) {
			out = append(out, p.(string))
		}
		return strings.Join(out, "\n")
	}
	if !strings.Contains(probs(3), "automatic standby: the history of 2 spoke(s) could not be read (tried again next run)") || strings.Contains(probs(4), "automatic standby") {
		t.Errorf("failed read: run 3 problems %q, run 4 %q", probs(3), probs(4))
	}
}

// A run reads at most one GetMetricData answer's points (100,800): five
// spokes of 65 weeks are 2 * 65 * 168 = 21,840 points each; four fit
// (87,360), the fifth is read by the next run.
func TestPollerAutoHistoryWithinOneAnswer(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2}}
	var spokes []map[string]any
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		s := demandSpoke(n, 0)
		delete(s, "ceiling")
		s["actions"] = DemandActions(week)
		s["auto"] = DemandAuto{Weeks: 65, Percentile: 90, Zone: "UTC"}
		spokes = append(spokes, s)
	}
	raw := runPollerRaw(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", spokes...)),
		"steps": []any{run(monday), run(monday.Add(time.Minute)), run(monday.Add(2 * time.Minute))},
	})
	var got [][]any
	for _, r := range asSlice(raw["runs"]) {
		got = append(got, asSlice(r.(map[string]any)["historyReads"]))
	}
	if len(got) != 3 || len(got[0]) != 1 || got[0][0] != float64(8) || len(got[1]) != 1 || got[1][0] != float64(2) || len(got[2]) != 0 {
		t.Errorf("history reads per run %v, want [[8] [2] []] (queries: two per spoke)", got)
	}
}

// Spokes with the same automatic standby share one entry of the code's
// autos (as schedules): two spokes with 3 weeks p90 and one with 8 weeks
// p50 give two entries, and the function gives each spoke its own back.
func TestDemandPollerSharesAutos(t *testing.T) {
	p90 := &DemandAuto{Weeks: 3, Percentile: 90, Zone: "UTC"}
	p50 := &DemandAuto{Weeks: 8, Percentile: 50, Zone: "Europe/Amsterdam"}
	spoke := func(name string, auto *DemandAuto) DemandSpoke {
		return DemandSpoke{Name: name, AgentPrefix: "hubspoke-" + name, Demand: true, Region: "eu-west-1", RoleArn: "arn:aws:iam::2:role/hubspoke-" + name + "-demand", Auto: auto}
	}
	pools, _ := sharedSchedules([]DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{spoke("one", p90), spoke("two", p90), spoke("three", p50), spoke("fixed", nil)}}})
	pools, autos := sharedAutos(pools)
	if len(autos) != 2 {
		t.Fatalf("%d autos, want 2 (one, two share theirs)", len(autos))
	}
	fleet, _ := json.Marshal(map[string]any{"pools": pools, "autos": autos})
	if strings.Contains(string(fleet), `"auto":`) {
		t.Errorf("a spoke still carries its auto: %s", fleet)
	}
	dir := t.TempDir()
	code := filepath.Join(dir, "code.py")
	if err := os.WriteFile(code, []byte(DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
sys.path.insert(0, "testdata")
import pollerload
p = pollerload.load(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({s["name"]: s.get("auto") for s in p.FLEET["pools"][0]["spokes"]}))
`
	raw, err := exec.Command("python3", "-c", script, code, string(fleet)).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var got map[string]*DemandAuto
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	want := map[string]*DemandAuto{"one": p90, "two": p90, "three": p50, "fixed": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the function's spokes' autos %v, want %v", got, want)
	}
}

// The poller's role may read CloudWatch metrics (GetMetricData, which has
// no resource type: "*") only when a spoke uses an automatic standby.
func TestDemandPollerReadsMetricsOnlyForAuto(t *testing.T) {
	for _, auto := range []*DemandAuto{nil, {Weeks: 3, Percentile: 90, Zone: "UTC"}} {
		stack := spokeStack(t)
		NewDemandPoller(stack, "Poller", &DemandPollerProps{
			Token: awssecretsmanager.NewSecret(stack, jsii.String("Token"), nil), RoleName: "hubspoke-demand-poller", PublisherRoleArns: "arn:aws:iam::*:role/hubspoke-*-demand",
			Pools: []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", Demand: true, Region: "eu-west-1",
				RoleArn: "arn:aws:iam::2:role/hubspoke-dev-demand", AgentPrefix: "hubspoke-dev", Auto: auto}}}},
		})
		var statements []any
		for _, r := range *testutil.Template(stack).FindResources(jsii.String("AWS::IAM::Role"), nil) {
			props, _ := (*r)["Properties"].(map[string]any)
			if props["RoleName"] != "hubspoke-demand-poller" {
				continue
			}
			for _, p := range asSlice(props["Policies"]) {
				doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
				statements = append(statements, asSlice(doc["Statement"])...)
			}
		}
		reads := 0
		for _, s := range statements {
			if m, _ := s.(map[string]any); m["Action"] == "cloudwatch:GetMetricData" && m["Resource"] == "*" && m["Effect"] == "Allow" {
				reads++
			}
		}
		if want := map[bool]int{false: 0, true: 1}[auto != nil]; len(statements) == 0 || reads != want {
			t.Errorf("auto %v: %d GetMetricData statements among %d, want %d", auto, reads, len(statements), want)
		}
	}
}

// Tasks started, counted in the keeping rounds from the spoke's ListTasks
// (running and stopped), by hand: the first count (a, b running) has
// nothing to compare with; then b, c, d running and a, e stopped: c, d, e
// are new, 3 (e started and stopped between the counts); then b and 150
// others running (two pages of at most 100): 150; a role without the right
// to list: logged, the other figures still published.
func TestPollerCountsTasksStarted(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	spoke := demandSpoke("dev", 4)
	fleet := fleetOf(pool("sched", "hubspoke", spoke))
	fleet["clusterPrefix"], fleet["service"] = "hubspoke-", "build-agents"
	var many []string
	for i := 0; i < 150; i++ {
		many = append(many, fmt.Sprintf("n%03d", i))
	}
	tasks := func(running, stopped []string) map[string]any {
		return map[string]any{"tasks": map[string]any{"hubspoke-dev": map[string]any{"RUNNING": running, "STOPPED": stopped}}}
	}
	raw := runPollerRaw(t, srv, map[string]any{
		"fleet": fleet,
		"steps": []any{tasks([]string{"a", "b"}, nil), run(monday), tasks([]string{"b", "c", "d"}, []string{"a", "e"}), run(monday.Add(time.Minute)),
			tasks(append([]string{"b"}, many...), nil), run(monday.Add(2 * time.Minute)),
			map[string]any{"denyListTasks": []string{"hubspoke-dev"}}, run(monday.Add(3 * time.Minute))},
	})
	runs := asSlice(raw["runs"])
	for i, want := range []float64{-1, 3, 150, -1} {
		f := hubFigures(t, runs[i].(map[string]any), "dev")
		got := -1.0
		if d := f["TasksStarted"]; len(d) == 1 && d[0].Value != nil {
			got = *d[0].Value
		}
		if got != want || len(f["AgentsBusy"]) != 1 {
			t.Errorf("run %d: TasksStarted %v (want %v; -1: none), AgentsBusy %v", i, got, want, f["AgentsBusy"])
		}
	}
	var probs []string
	for _, p := range asSlice(runs[3].(map[string]any)["problems"]) {
		probs = append(probs, p.(string))
	}
	if !strings.Contains(strings.Join(probs, "\n"), "dev: tasks started not counted: An error occurred (AccessDeniedException)") {
		t.Errorf("a role without ecs:ListTasks: problems %q", probs)
	}
}
