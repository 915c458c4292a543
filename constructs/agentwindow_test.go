package constructs

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
)

// windowWeek: Berlin, 07:00-19:00 on weekdays with a floor of 3 and up to 10
// on demand, 1 (up to 2) at night, 0 (up to 2) at weekends; the refresh at
// 00:00 standard time (23:00 UTC), restores 15 minutes later.
var windowWeek = schedule.Week{
	TimeZone: "Europe/Berlin", ScaleUp: 7 * 60, ScaleDown: 19 * 60, Refresh: 0, RestoreAfter: 15,
	Weekday: 3, Night: 1, Weekend: 0, Demand: &schedule.Demand{WorkHoursMax: 10, OffHoursMax: 2},
}

// The function, against a stand-in of Application Auto Scaling that clamps
// the count at once on every registration (as the API reference says), with
// a fake clock. Each deploy: CloudFormation registers the target with the
// template's 0..10, the function sets the window in force, then the step
// policy sets the count to AgentsWanted. The windows are worked out by hand
// from windowWeek's actions (UTC times below; Berlin is UTC+1 in winter,
// UTC+2 from 2027-03-28 01:00 UTC to 2027-10-31 01:00 UTC).
func TestAgentWindowFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Fatal("python3 with boto3 is needed (pip install boto3):", err)
	}
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{ClusterName: "hubspoke-dev", ServiceName: "build-agents"})
	sched := NewAgentSchedule(stack, "Schedule", &AgentScheduleProps{Service: svc.Service(), ClusterName: "hubspoke-dev", Week: windowWeek, DemandDimensions: map[string]string{"Spoke": "dev"}})
	NewAgentWindow(stack, "Window", &AgentWindowProps{Schedule: sched, ServiceArn: "arn:aws:ecs:eu-west-1:222222222222:service/hubspoke-dev/build-agents", Nonce: "n1"})
	tpl := testutil.JSON(t, stack)
	props := testutil.Props(testutil.One(t, tpl, "Custom::AgentWindow"))
	delete(props, "ServiceToken")
	// CloudFormation resolves the ResourceId join; the function sees a string.
	props["ResourceId"] = "service/hubspoke-dev/build-agents"

	utc := func(y int, mo time.Month, d, h, mi int) int64 {
		return time.Date(y, mo, d, h, mi, 0, 0, time.UTC).Unix()
	}
	type scenario struct {
		Name    string `json:"name"`
		Request string `json:"request"`
		At      int64  `json:"at"`
		Min     int    `json:"min"`
		Max     int    `json:"max"`
		Desired int    `json:"desired"`
		Wanted  *int   `json:"wanted"`
		Deny    bool   `json:"deny"`
	}
	n := func(v int) *int { return &v }
	// 2026-12-01 is a Tuesday.
	scenarios := []scenario{
		// Created at 10:00 on a Tuesday: ECS started 1 task; the floor is 3.
		{"create Tue 10:00", "Create", utc(2026, 12, 1, 9, 0), 0, 0, 1, n(1), false},
		// Updated at 10:00 with 6 agents following 6 jobs; the jobs drop to 1.
		{"update Tue 10:00", "Update", utc(2026, 12, 1, 9, 0), 3, 10, 6, n(1), false},
		// At 22:00 (night: 1..2), 2 agents, no jobs.
		{"update Tue 22:00", "Update", utc(2026, 12, 1, 21, 0), 1, 2, 2, n(0), false},
		// Created on a Saturday at noon: the weekend floor is 0, so the task
		// CloudFormation started must go.
		{"create Sat 12:00", "Create", utc(2026, 12, 5, 11, 0), 0, 0, 1, n(0), false},
		{"update Sun 12:00", "Update", utc(2026, 12, 6, 11, 0), 0, 2, 1, n(1), false},
		// In the refresh (23:00-23:15 UTC): 0..0.
		{"update in the refresh", "Update", utc(2026, 12, 1, 23, 5), 0, 0, 0, n(2), false},
		// Just after the weekday restore (23:15 UTC, Sunday to Thursday).
		{"update after the restore", "Update", utc(2026, 12, 1, 23, 20), 0, 0, 0, n(2), false},
		// Friday 23:15 UTC is Saturday 00:15 in Berlin: the weekend restore.
		{"update Fri 23:20 UTC", "Update", utc(2026, 12, 4, 23, 20), 0, 0, 0, n(2), false},
		// Monday after the spring change: 07:30 CEST is 05:30 UTC (in
		// standard time it would be 06:30, before the scale-up).
		{"update Mon 07:30 CEST", "Update", utc(2027, 3, 29, 5, 30), 1, 2, 2, n(0), false},
		{"update Mon 06:55 CEST", "Update", utc(2027, 3, 29, 4, 55), 1, 2, 2, n(0), false},
		// The day of the change itself (a Sunday): the weekend window.
		{"create on the DST day", "Create", utc(2027, 3, 28, 10, 0), 0, 0, 1, n(0), false},
		// Monday after the autumn change: 07:00 CET is 06:00 UTC again.
		{"update Mon 06:30 CET", "Update", utc(2026, 10, 26, 5, 30), 1, 2, 1, n(0), false},
		{"update Mon 07:00 CET", "Update", utc(2026, 10, 26, 6, 0), 1, 2, 1, n(0), false},
		// A minute before the scale-up: an action due within 2 minutes is
		// applied already (else registering just after it fired would put
		// the night back until 19:00).
		{"update a minute before 07:00", "Update", utc(2026, 12, 1, 5, 59), 1, 2, 1, n(0), false},
		// The function's role may not register the target.
		{"denied", "Update", utc(2026, 12, 1, 9, 0), 3, 10, 6, nil, true},
	}
	all := []any{}
	for _, sc := range scenarios {
		all = append(all, sc)
	}
	// Application Auto Scaling accepts the call and never answers, 6 s
	// before the function's timeout: the watchdog answers FAILED with a
	// reason 4 s before it (at 2 s), not CloudFormation's "no response"
	// after the ServiceTimeout.
	all = append(all, map[string]any{"name": "hung call", "request": "Update", "at": utc(2026, 12, 1, 9, 0), "min": 3, "max": 10, "desired": 6, "hang": true, "left": 6})
	spec, _ := json.Marshal(map[string]any{"properties": props, "scenarios": all, "templateMin": 0, "templateMax": 10})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "agentwindow.py"), []byte(agentWindowCode), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/agentwindow_harness.py", dir)
	cmd.Stdin = bytes.NewReader(spec)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res map[string]struct {
		Status          string
		Reason          string
		Data            map[string]string
		Min, Max        int
		Desired         int
		Calls           [][]int
		Elapsed         float64
		AfterPolicy     int
		WithoutFunction int
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, c := range []struct {
		name            string
		action          string
		min, max        int
		desired         int // after the function
		afterPolicy     int
		withoutFunction int // the count the policy leaves without the function
		calls           [][]int
	}{
		{"create Tue 10:00", "weekday-scale-up", 3, 10, 3, 3, 1, [][]int{{3, 3}, {3, 10}}},
		{"update Tue 10:00", "weekday-scale-up", 3, 10, 6, 3, 1, [][]int{{3, 10}}},
		{"update Tue 22:00", "night-scale-down", 1, 2, 2, 1, 0, [][]int{{1, 2}}},
		{"create Sat 12:00", "weekend-restore", 0, 2, 0, 0, 0, [][]int{{0, 0}, {0, 2}}},
		{"update Sun 12:00", "weekend-restore", 0, 2, 1, 1, 1, [][]int{{0, 2}}},
		{"update in the refresh", "daily-refresh", 0, 0, 0, 0, 2, [][]int{{0, 0}}},
		{"update after the restore", "weekday-restore", 1, 2, 1, 2, 2, [][]int{{1, 2}}},
		{"update Fri 23:20 UTC", "weekend-restore", 0, 2, 0, 2, 2, [][]int{{0, 2}}},
		{"update Mon 07:30 CEST", "weekday-scale-up", 3, 10, 3, 3, 0, [][]int{{3, 10}}},
		{"update Mon 06:55 CEST", "weekday-restore", 1, 2, 2, 1, 0, [][]int{{1, 2}}},
		{"create on the DST day", "weekend-restore", 0, 2, 0, 0, 0, [][]int{{0, 0}, {0, 2}}},
		{"update Mon 06:30 CET", "weekday-restore", 1, 2, 1, 1, 0, [][]int{{1, 2}}},
		{"update Mon 07:00 CET", "weekday-scale-up", 3, 10, 3, 3, 0, [][]int{{3, 10}}},
		{"update a minute before 07:00", "weekday-scale-up", 3, 10, 3, 3, 0, [][]int{{3, 10}}},
	} {
		r, ok := res[c.name]
		if !ok {
			t.Errorf("%s: no result", c.name)
			continue
		}
		if r.Status != "SUCCESS" || r.Data["Action"] != c.action {
			t.Errorf("%s: %s %q, action %q; want SUCCESS with %s", c.name, r.Status, r.Reason, r.Data["Action"], c.action)
		}
		if r.Min != c.min || r.Max != c.max || r.Desired != c.desired || r.AfterPolicy != c.afterPolicy {
			t.Errorf("%s: target %d..%d with %d agents (%d after the policy), want %d..%d with %d (%d)", c.name, r.Min, r.Max, r.Desired, r.AfterPolicy, c.min, c.max, c.desired, c.afterPolicy)
		}
		if r.WithoutFunction != c.withoutFunction {
			t.Errorf("%s: without the function the stand-in leaves %d agents, want %d", c.name, r.WithoutFunction, c.withoutFunction)
		}
		if !reflect.DeepEqual(r.Calls, c.calls) {
			t.Errorf("%s: registrations %v, want %v", c.name, r.Calls, c.calls)
		}
	}
	if d := res["denied"]; d.Status != "FAILED" || !strings.Contains(d.Reason, "may not register service/hubspoke-dev/build-agents") || !strings.Contains(d.Reason, "not authorized") {
		t.Errorf("denied: %s %q, want FAILED naming the target and the denial", d.Status, d.Reason)
	}
	if h := res["hung call"]; h.Status != "FAILED" || !strings.Contains(h.Reason, "got no answer from AWS within 2 s") || !strings.Contains(h.Reason, "deploy again") || h.Elapsed < 1.5 || h.Elapsed > 20 {
		t.Errorf("hung call: %s %q after %.1f s, want FAILED after about 2 s naming the fix", h.Status, h.Reason, h.Elapsed)
	}
	if d := res["delete"]; d.Status != "SUCCESS" || len(d.Calls) != 0 {
		t.Errorf("delete: %+v", d)
	}
}

// The construct: a custom resource after the schedule (target, scheduled
// actions, demand policy), whose Window carries the five actions as the
// target has them and the offsets of their zones, with the nonce; its role
// may register scalable targets and update the one service.
func TestAgentWindowConstruct(t *testing.T) {
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{ClusterName: "hubspoke-dev", ServiceName: "build-agents"})
	sched := NewAgentSchedule(stack, "Schedule", &AgentScheduleProps{Service: svc.Service(), ClusterName: "hubspoke-dev", Week: windowWeek, DemandDimensions: map[string]string{"Spoke": "dev"}})
	w := NewAgentWindow(stack, "Window", &AgentWindowProps{Schedule: sched, ServiceArn: "arn:aws:ecs:eu-west-1:222222222222:service/hubspoke-dev/build-agents", Nonce: "n1"})
	tpl := testutil.JSON(t, stack)
	cr := testutil.One(t, tpl, "Custom::AgentWindow")
	props := testutil.Props(cr)
	if props["Nonce"] != "n1" {
		t.Errorf("nonce %v", props["Nonce"])
	}
	var win struct {
		Actions []struct {
			Name, Cron, Zone string
			Min, Max         int
		}
		Zones map[string][][2]int64
	}
	if err := json.Unmarshal([]byte(props["Window"].(string)), &win); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"weekday-scale-up cron(0 7 ? * MON-FRI *) Europe/Berlin 3 10",
		"night-scale-down cron(0 19 ? * MON-FRI *) Europe/Berlin 1 2",
		"daily-refresh cron(0 23 * * ? *) UTC 0 0",
		"weekday-restore cron(15 23 ? * SUN,MON,TUE,WED,THU *) UTC 1 2",
		"weekend-restore cron(15 23 ? * FRI,SAT *) UTC 0 2",
	}
	var got []string
	for _, a := range win.Actions {
		got = append(got, a.Name+" "+a.Cron+" "+a.Zone+" "+itoa(a.Min)+" "+itoa(a.Max))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("window actions\n%v\nwant\n%v", got, want)
	}
	// The same actions as the target's scheduled actions.
	target := testutil.Props(testutil.One(t, tpl, "AWS::ApplicationAutoScaling::ScalableTarget"))
	for i, sa := range target["ScheduledActions"].([]any) {
		m := sa.(map[string]any)
		if a := win.Actions[i]; m["ScheduledActionName"] != a.Name || m["Schedule"] != a.Cron || m["Timezone"] != a.Zone {
			t.Errorf("scheduled action %v differs from the window's %v", m, a)
		}
	}
	if len(win.Zones["UTC"]) != 1 || len(win.Zones["Europe/Berlin"]) != 35 {
		t.Errorf("zones: UTC %d offsets, Berlin %d; want 1 and 35", len(win.Zones["UTC"]), len(win.Zones["Europe/Berlin"]))
	}
	deps := testutil.Strings(cr["DependsOn"])
	for id := range testutil.ResourcesOfType(tpl, "AWS::ApplicationAutoScaling::ScalableTarget") {
		if !contains(deps, id) {
			t.Errorf("the window does not wait for the target %s: %v", id, deps)
		}
	}
	for id := range testutil.ResourcesOfType(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy") {
		if !contains(deps, id) {
			t.Errorf("the window does not wait for the policy %s: %v", id, deps)
		}
	}
	if w.Resource() == nil || *w.Resource().Node().Id() != "Apply" {
		t.Error("no resource")
	}
	testutil.Check(t, "role", func() {
		testutil.Template(stack).HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{"Code": map[string]any{"ZipFile": agentWindowCode}, "Timeout": 60})
	})
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
