package constructs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
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
// 8, no fixed standby). AgentsNeeded (busy + waiting, by spoke) on Monday
// 10:00-11:00 a week ago peaked at 5 (10:05; 3 at 10:20), two weeks ago at
// 1. Spoke hi keeps p100 of the two weeks (5), lo p50 (nearest rank of 2
// values: the 1st, 1).
//
//	09:54 run: a cold start reads both histories (one GetMetricData call,
//	      2 queries); this hour and the one 5 minutes ahead are 09:00:
//	      nothing ready, 0 and 0.
//	09:55: the hour ahead is 10:00: hi 5, lo 1; no read (within the hour).
//	10:55: this hour is 10:00 (kept to its end): 5 and 1; read again.
//	12:00, the read failing: logged; 12:00 has no history: 0 and 0.
//	12:01: read again.
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
			at    time.Time
			value float64
		}{
			{mon.AddDate(0, 0, -7).Add(10*time.Hour + 5*time.Minute), 5},
			{mon.AddDate(0, 0, -7).Add(10*time.Hour + 20*time.Minute), 3},
			{mon.AddDate(0, 0, -14).Add(10*time.Hour + 30*time.Minute), 1},
		} {
			history = append(history, map[string]any{"spoke": s, "metric": "AgentsNeeded", "at": float64(h.at.Unix()), "value": h.value})
		}
	}
	at := func(hh, mm int) map[string]any { return run(mon.Add(time.Duration(hh*60+mm) * time.Minute)) }
	res, raw := runPollerBoth(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", hi, lo)),
		"steps": []any{map[string]any{"history": history}, at(9, 54), at(9, 55), at(10, 55),
			map[string]any{"failGetMetricData": true}, at(12, 0), map[string]any{"failGetMetricData": false}, at(12, 1)},
	})
	runs := asSlice(raw["runs"])
	type want struct {
		hi, lo string
		reads  []int
	}
	for i, w := range []want{{"0", "0", []int{2}}, {"5", "1", nil}, {"5", "1", []int{2}}, {"0", "0", []int{2}}, {"0", "0", []int{2}}} {
		r := res.Runs[i]
		hiWant, _, _ := r.wanted("hi")
		loWant, _, _ := r.wanted("lo")
		if hiWant != w.hi || loWant != w.lo || !slices.Equal(r.HistoryReads, w.reads) {
			t.Errorf("run %d: hi %s lo %s, history reads %v; want %s, %s, %v", i, hiWant, loWant, r.HistoryReads, w.hi, w.lo, w.reads)
		}
	}
	if !res.Runs[3].problem("automatic standby: the history of 2 spoke(s) could not be read (tried again next run)") || res.Runs[4].problem("automatic standby") {
		t.Errorf("failed read: run 3 problems %q, run 4 %q", res.Runs[3].Problems, res.Runs[4].Problems)
	}
	// Each run puts the spokes' AgentsNeeded (their share: nothing waits
	// here, 0) into the hub, by spoke alone.
	needed := 0
	for _, req := range asSlice(runs[0].(map[string]any)["hubRequests"]) {
		for _, d := range asSlice(req) {
			m := d.(map[string]any)
			if m["MetricName"] == "AgentsNeeded" {
				needed++
				if len(asSlice(m["Dimensions"])) != 1 || m["Value"] != float64(0) {
					t.Errorf("AgentsNeeded %v, want 0 with dimension Spoke only", m)
				}
			}
		}
	}
	if needed != 2 {
		t.Errorf("%d AgentsNeeded datums, want 2 (hi and lo)", needed)
	}
}

// Asia/Kolkata (UTC+05:30): CloudWatch's hourly buckets start on the UTC
// hour, 30 minutes into the local one. AgentsNeeded peaked at 4 a week ago
// at 04:35 UTC (10:05 local), in the bucket 04:00-05:00 UTC = 09:30-10:30
// local, which counts for both local hours 9 and 10. This Monday: 04:25 UTC
// (09:55 local) 4; 04:40 (10:10) 4; 05:20 (10:50) 4; 05:31 (11:01; the
// history read again, a week back from 05:00 UTC, no longer holds last
// week's 04:00 bucket) 0.
func TestPollerAutoStandbyHalfHourZone(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "Asia/Kolkata", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2}}
	ind := demandSpoke("ind", 0)
	delete(ind, "ceiling")
	ind["actions"] = DemandActions(week)
	ind["auto"] = DemandAuto{Weeks: 1, Percentile: 100, Zone: "Asia/Kolkata"}
	mon := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	history := []map[string]any{{"spoke": "ind", "metric": "AgentsNeeded", "at": float64(mon.AddDate(0, 0, -7).Add(4*time.Hour + 35*time.Minute).Unix()), "value": 4}}
	at := func(hh, mm int) map[string]any { return run(mon.Add(time.Duration(hh*60+mm) * time.Minute)) }
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", ind)),
		"steps": []any{map[string]any{"history": history}, at(4, 25), at(4, 40), at(5, 20), at(5, 31)},
	})
	var got []string
	for _, r := range res.Runs {
		w, _, _ := r.wanted("ind")
		got = append(got, w)
	}
	if want := []string{"4", "4", "4", "0"}; !slices.Equal(got, want) {
		t.Errorf("AgentsWanted %v, want %v", got, want)
	}
}

// A cold start reads every spoke's history at once, in calls of at most
// one answer's points (100,800): spokes of 65 weeks are 65 * 168 = 10,920
// points each, 9 to a call; twelve spokes are two calls, 9 and 3. The next
// run reads none (all read within the hour).
func TestPollerAutoHistoryWithinOneAnswer(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2}}
	var spokes []map[string]any
	for i := 0; i < 12; i++ {
		s := demandSpoke(fmt.Sprintf("s%02d", i), 0)
		delete(s, "ceiling")
		s["actions"] = DemandActions(week)
		s["auto"] = DemandAuto{Weeks: 65, Percentile: 90, Zone: "UTC"}
		spokes = append(spokes, s)
	}
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", spokes...)),
		"steps": []any{run(monday), run(monday.Add(time.Minute))},
	})
	var got [][]int
	for _, r := range res.Runs {
		reads := slices.Clone(r.HistoryReads)
		slices.Sort(reads)
		got = append(got, reads)
	}
	if len(got) != 2 || !slices.Equal(got[0], []int{3, 9}) || len(got[1]) != 0 {
		t.Errorf("history reads per run %v, want [[3 9] []] (queries: one per spoke)", got)
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
	raw := loadedSpokes(t, fleet, "auto")
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

// GetMetricData's pages followed: with answers of at most 1 point (the
// stand-in's MaxDatapoints), the two spokes' histories (hi: 5 a week ago at
// 10:05, lo: 2 at 10:05 and 3 at 11:05) come in three pages; both tables are
// whole: at 09:55 (the hour ahead 10:00) hi 5, lo 2; at 10:55 (this hour
// 10, the next 11) hi 5, lo 3.
func TestPollerAutoHistoryPages(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 1,
		Demand: &schedule.Demand{WorkHoursMax: 8, OffHoursMax: 2}}
	hi, lo := demandSpoke("hi", 0), demandSpoke("lo", 0)
	for _, s := range []map[string]any{hi, lo} {
		delete(s, "ceiling")
		s["actions"] = DemandActions(week)
		s["auto"] = DemandAuto{Weeks: 1, Percentile: 100, Zone: "UTC"}
	}
	mon := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	last := func(h, m int) float64 {
		return float64(mon.AddDate(0, 0, -7).Add(time.Duration(h*60+m) * time.Minute).Unix())
	}
	history := []map[string]any{
		{"spoke": "hi", "metric": "AgentsNeeded", "at": last(10, 5), "value": 5},
		{"spoke": "lo", "metric": "AgentsNeeded", "at": last(10, 5), "value": 2},
		{"spoke": "lo", "metric": "AgentsNeeded", "at": last(11, 5), "value": 3},
	}
	at := func(hh, mm int) map[string]any { return run(mon.Add(time.Duration(hh*60+mm) * time.Minute)) }
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", hi, lo)), "metricPage": 1,
		"steps": []any{map[string]any{"history": history}, at(9, 55), at(10, 55)},
	})
	if n := len(res.Runs[0].HistoryReads); n != 3 {
		t.Errorf("%d GetMetricData pages, want 3 (one point each)", n)
	}
	for i, want := range []map[string]string{{"hi": "5", "lo": "2"}, {"hi": "5", "lo": "3"}} {
		hiWant, _, _ := res.Runs[i].wanted("hi")
		loWant, _, _ := res.Runs[i].wanted("lo")
		if hiWant != want["hi"] || loWant != want["lo"] {
			t.Errorf("run %d: hi %s lo %s, want %v", i, hiWant, loWant, want)
		}
	}
}
