package constructs

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/internal/azdostandin"
	"hubspoke-cdk/schedule"
)

// hubDatum is one MetricDatum the poller put into the hub's CloudWatch.
type hubDatum struct {
	MetricName string
	Dimensions []struct{ Name, Value string }
	Value      *float64
	Values     []float64
	Counts     []float64
	Unit       string
}

func (d hubDatum) spoke() string {
	for _, x := range d.Dimensions {
		if x.Name == "Spoke" {
			return x.Value
		}
	}
	return ""
}

// hubFigures: the run's per-spoke datums in the hub, metric -> datums.
func hubFigures(t *testing.T, r map[string]any, spoke string) map[string][]hubDatum {
	t.Helper()
	out := map[string][]hubDatum{}
	reqs, _ := r["hubRequests"].([]any)
	for _, req := range reqs {
		for _, raw := range req.([]any) {
			m := raw.(map[string]any)
			d := hubDatum{MetricName: m["MetricName"].(string)}
			if u, ok := m["Unit"].(string); ok {
				d.Unit = u
			}
			for _, x := range asSlice(m["Dimensions"]) {
				xm := x.(map[string]any)
				d.Dimensions = append(d.Dimensions, struct{ Name, Value string }{xm["Name"].(string), xm["Value"].(string)})
			}
			if v, ok := m["Value"].(float64); ok {
				d.Value = &v
			}
			for _, v := range asSlice(m["Values"]) {
				d.Values = append(d.Values, v.(float64))
			}
			for _, v := range asSlice(m["Counts"]) {
				d.Counts = append(d.Counts, v.(float64))
			}
			if d.spoke() == spoke {
				out[d.MetricName] = append(out[d.MetricName], d)
			}
		}
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// The wait measured from the job requests' own timestamps, each job once,
// and the agents by state. Hand-computed (stand-in clock, Monday):
//
//	08:58:00 dev-0 online; J0 queued, assigned at once (runs on)
//	08:58:00 ip-9 registered, offline since 08:00 (a ghost)
//	09:00:00 dev-1 registered offline; J1, J2, J3 queued (git); a Windows
//	         laptop online, a Windows job queued and assigned to it at once
//	09:00:40 dev-1 online: J1 assigned (waited 40 s)
//	09:01:00 run 1 (this container's first: a cold start). J1 assigned in
//	         the last minute: counted, 40. J0 assigned 3 minutes ago: taken
//	         as counted by the container before. The laptop's job is not
//	         the fleet's. Busy 2 (dev-0, dev-1), idle 0, starting 0 (the
//	         ghost is not starting), waiting J2 and J3: 2.
//	09:01:30 dev-2 online: J2 assigned (90 s)
//	09:01:45 dev-4 registered, offline (starting)
//	09:01:50 dev-3 online: J3 assigned (110 s)
//	09:01:55 dev-5 online, nothing to take (idle)
//	09:02:00 run 2: J2 and J3 counted, J1 not again: values 90 and 110
//	         (SampleCount 2, Sum 200, Minimum 90, Maximum 110); busy 4,
//	         idle 1, starting 1, waiting 0.
//	09:03:00 run 3: nothing newly assigned: no wait datum at all.
func TestPollerPublishesTheWait(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, time.UTC) }
	srv := azdostandin.New(at(8, 58, 0))
	srv.AddOrg("wait", admin, "hubspoke")
	win := map[string]string{"Agent.OS": "Windows_NT"} // no git: it takes none of the fleet's jobs
	srv.Register("wait", "hubspoke", "hubspoke-dev-ip-0", "online", at(8, 58, 0), fleetOS)
	mustQueue(t, srv, "wait", "hubspoke", 1)
	srv.Register("wait", "hubspoke", "hubspoke-dev-ip-9", "offline", at(8, 0, 0), fleetOS)
	srv.SetNow(at(9, 0, 0))
	srv.Register("wait", "hubspoke", "hubspoke-dev-ip-1", "offline", at(9, 0, 0), fleetOS)
	mustQueue(t, srv, "wait", "hubspoke", 3)
	srv.Register("wait", "hubspoke", "laptop-of-someone", "online", at(9, 0, 0), win)
	mustQueue(t, srv, "wait", "hubspoke", 1, "Agent.OS -equals Windows_NT")
	clock := func(ts time.Time) map[string]any { return ctl("clock", map[string]any{"now": float64(ts.Unix())}) }
	reg := func(name, status string) map[string]any {
		return ctl("register", map[string]any{"org": "wait", "pool": "hubspoke", "name": name, "status": status, "capabilities": fleetOS})
	}
	res := runPollerRaw(t, srv, map[string]any{
		"fleet": fleetOf(pool("wait", "hubspoke", demandSpoke("dev", 8))),
		"steps": []any{
			clock(at(9, 0, 40)), ctl("status", map[string]any{"org": "wait", "pool": "hubspoke", "name": "hubspoke-dev-ip-1", "status": "online"}),
			run(at(9, 1, 0)),
			clock(at(9, 1, 30)), reg("hubspoke-dev-ip-2", "online"),
			clock(at(9, 1, 45)), reg("hubspoke-dev-ip-4", "offline"),
			clock(at(9, 1, 50)), reg("hubspoke-dev-ip-3", "online"),
			clock(at(9, 1, 55)), reg("hubspoke-dev-ip-5", "online"),
			run(at(9, 2, 0)),
			run(at(9, 3, 0)),
		},
	})
	runs := asSlice(res["runs"])
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	type want struct {
		values, counts                             []float64 // nil: no JobWaitSeconds datum
		busy, idle, starting, waiting, floor, ceil float64
	}
	for i, w := range []want{
		{values: []float64{40}, counts: []float64{1}, busy: 2, idle: 0, starting: 0, waiting: 2, floor: 0, ceil: 8},
		{values: []float64{90, 110}, counts: []float64{1, 1}, busy: 4, idle: 1, starting: 1, waiting: 0, floor: 0, ceil: 8},
		{busy: 4, idle: 1, starting: 1, waiting: 0, floor: 0, ceil: 8},
	} {
		f := hubFigures(t, runs[i].(map[string]any), "dev")
		waits := f["JobWaitSeconds"]
		switch {
		case w.values == nil && len(waits) != 0:
			t.Errorf("run %d: a wait datum with nothing newly assigned: %+v", i, waits)
		case w.values != nil && (len(waits) != 1 || !slices.Equal(waits[0].Values, w.values) || !slices.Equal(waits[0].Counts, w.counts) || waits[0].Unit != "Seconds"):
			t.Errorf("run %d: JobWaitSeconds %+v, want values %v counts %v in seconds", i, waits, w.values, w.counts)
		}
		for metric, v := range map[string]float64{"AgentsBusy": w.busy, "AgentsIdle": w.idle, "AgentsStarting": w.starting,
			"JobsWaiting": w.waiting, "AgentsFloor": w.floor, "AgentsCeiling": w.ceil, "DemandKnown": 1} {
			if d := f[metric]; len(d) != 1 || d[0].Value == nil || *d[0].Value != v {
				t.Errorf("run %d: %s %+v, want %v", i, metric, d, v)
			}
		}
		for _, d := range f["AgentsBusy"] {
			if got := d.Dimensions; len(got) != 2 || got[1].Name != "Group" || got[1].Value != "spokes-1-100" {
				t.Errorf("run %d: dimensions %+v, want Spoke=dev, Group=spokes-1-100", i, got)
			}
		}
		if laptop := hubFigures(t, runs[i].(map[string]any), "laptop-of-someone"); len(laptop) != 0 {
			t.Errorf("run %d: figures for an agent not of the fleet: %+v", i, laptop)
		}
	}
}

// An unreadable pool: DemandKnown 0 in the hub too (the dashboard's
// demand-unknown line), no busy or wait figure made up.
func TestPollerFleetFiguresWhenUncounted(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("down", admin, "hubspoke")
	srv.Fail("down", azdostandin.Fault{Status: 503, Count: 100})
	res := runPollerRaw(t, srv, map[string]any{
		"fleet": fleetOf(pool("down", "hubspoke", demandSpoke("dev", 8))),
		"steps": []any{run(monday)},
	})
	f := hubFigures(t, asSlice(res["runs"])[0].(map[string]any), "dev")
	if d := f["DemandKnown"]; len(d) != 1 || d[0].Value == nil || *d[0].Value != 0 {
		t.Errorf("DemandKnown %+v, want 0", d)
	}
	var names []string
	for m := range f {
		names = append(names, m)
	}
	if len(names) != 1 {
		t.Errorf("figures %s published for a pool that could not be read, want DemandKnown only", strings.Join(names, ", "))
	}
}

// Floor and ceiling lines follow the schedule: a spoke with floors 2 by day
// and 1 at night, ceilings 6 and 3 (Amsterdam, UTC+1 in November): Monday
// 09:00 UTC (10:00 local) floor 2 ceiling 6; 19:30 UTC (20:30) floor 1
// ceiling 3.
func TestPollerFloorAndCeilingFigures(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("sched", admin, "hubspoke")
	week := schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5,
		Weekday: 2, Night: 1, Weekend: 0, Demand: &schedule.Demand{WorkHoursMax: 6, OffHoursMax: 3}}
	spoke := demandSpoke("dev", 0)
	delete(spoke, "ceiling")
	spoke["actions"] = DemandActions(week)
	res := runPollerRaw(t, srv, map[string]any{
		"fleet": fleetOf(pool("sched", "hubspoke", spoke)),
		"steps": []any{run(monday), run(time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC))},
	})
	for i, w := range [][2]float64{{2, 6}, {1, 3}} {
		f := hubFigures(t, asSlice(res["runs"])[i].(map[string]any), "dev")
		fl, ce := f["AgentsFloor"], f["AgentsCeiling"]
		if len(fl) != 1 || len(ce) != 1 || *fl[0].Value != w[0] || *ce[0].Value != w[1] {
			t.Errorf("run %d: floor %+v ceiling %+v, want %v and %v", i, fl, ce, w[0], w[1])
		}
	}
}

// PutMetricData's limits (docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html:
// "up to 150 values per metric with one PutMetricData request", "no more
// than 1000 different metrics" a request): 200 distinct waits of one spoke
// (0..199 s, 210 jobs: 10 waited 5 s) go as two datums, 150 and 50 values,
// never in one request; with 1,200 spokes' single figures, 1,202 datums in
// two requests: the first wait datum and 999 spokes (1,000), then the
// second wait datum and the last 201 spokes (202).
func TestFleetFiguresWithinPutMetricDataLimits(t *testing.T) {
	dir := t.TempDir()
	code := filepath.Join(dir, "code.py")
	if err := os.WriteFile(code, []byte(DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
sys.path.insert(0, "testdata")
import pollerload
p = pollerload.load(sys.argv[1], {"pools": []})
p2 = pollerload.load(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({"groups": {n: p2.GROUPS[n] for n in ("spoke-0000", "spoke-0099", "spoke-0100", "spoke-0249")}}))
waits = [float(i) for i in range(200)] + [5.0] * 10
d = p.fleet_datums({"name": "dev", "group": 0}, {"JobWaitSeconds": waits})
for i in range(1200):
    d += p.fleet_datums({"name": "s%d" % i, "group": i // 100}, {"AgentsBusy": 1})
b = p.batches(d)
print(json.dumps({"datums": [[len(x.get("Values", [])), sum(x.get("Counts", []))] for x in d[:2]], "requests": [len(x) for x in b]}))
`
	// The poller groups the spokes as Groups does: 250 spokes in pools of
	// 10, fleet order.
	pools, _ := json.Marshal(map[string]any{"pools": fleetPools(250)})
	raw, err := exec.Command("python3", "-c", script, code, string(pools)).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	lines := strings.SplitN(strings.TrimSpace(string(raw)), "\n", 2)
	var grouped struct{ Groups map[string]string }
	if err := json.Unmarshal([]byte(lines[0]), &grouped); err != nil || len(lines) != 2 {
		t.Fatalf("%v: %s", err, raw)
	}
	if want := map[string]string{"spoke-0000": "spokes-1-100", "spoke-0099": "spokes-1-100", "spoke-0100": "spokes-101-200", "spoke-0249": "spokes-201-300"}; !maps.Equal(grouped.Groups, want) {
		t.Errorf("the poller's groups %v, want %v", grouped.Groups, want)
	}
	if g := Groups(fleetPools(250), 0); !slices.Equal(g, []string{"spokes-1-100", "spokes-101-200", "spokes-201-300"}) {
		t.Errorf("Groups %v", g)
	}
	out := []byte(lines[1])
	var got struct {
		Datums   [][2]float64
		Requests []int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !slices.Equal(got.Datums, [][2]float64{{150, 160}, {50, 50}}) {
		t.Errorf("wait datums (values, jobs) %v, want [150 160] [50 50]", got.Datums)
	}
	if !slices.Equal(got.Requests, []int{1000, 202}) {
		t.Errorf("requests of %v datums, want [1000 202]", got.Requests)
	}
}
