package test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/preview"
	"hubspoke-cdk/stacks"
)

// fixtureActions are the scheduled actions of test/testdata/fleet.yaml's
// spokes, written by hand from the fleet file and docs/operations.md (the
// schedule actions): scale-up and scale-down on the spoke's clock on
// weekdays; the refresh at 00:00 in the zone's standard time, as UTC
// (Amsterdam UTC+1: 23:00; New York UTC-5: 05:00), min = max = 0; the
// restores 5 minutes later, on the UTC days that are the local weekdays
// (Amsterdam: Sunday-Thursday) or weekend days. Without demand the max is
// the min; test follows demand (floors 4/1/0, ceilings 8 at work, 2 off
// hours). Each: name, cron, zone, min, max.
var fixtureActions = map[string][]string{
	"dev": {
		"weekday-scale-up cron(0 7 ? * MON-FRI *) Europe/Amsterdam 2 2",
		"night-scale-down cron(0 19 ? * MON-FRI *) Europe/Amsterdam 0 0",
		"daily-refresh cron(0 23 * * ? *) UTC 0 0",
		"weekday-restore cron(5 23 ? * SUN,MON,TUE,WED,THU *) UTC 0 0",
		"weekend-restore cron(5 23 ? * FRI,SAT *) UTC 0 0",
	},
	"test": {
		"weekday-scale-up cron(0 7 ? * MON-FRI *) Europe/Amsterdam 4 8",
		"night-scale-down cron(0 19 ? * MON-FRI *) Europe/Amsterdam 1 2",
		"daily-refresh cron(0 23 * * ? *) UTC 0 0",
		"weekday-restore cron(5 23 ? * SUN,MON,TUE,WED,THU *) UTC 1 2",
		"weekend-restore cron(5 23 ? * FRI,SAT *) UTC 0 2",
	},
	"prod-us": {
		"weekday-scale-up cron(0 8 ? * MON-FRI *) America/New_York 6 6",
		"night-scale-down cron(0 20 ? * MON-FRI *) America/New_York 1 1",
		"daily-refresh cron(0 5 * * ? *) UTC 0 0",
		"weekday-restore cron(5 5 ? * MON-FRI *) UTC 1 1",
		"weekend-restore cron(5 5 ? * SAT,SUN *) UTC 1 1",
	},
}

// fixtureWeek is the fixture's week of 23 November 2026 (winter time in
// both zones), by hand: the floors per local day and the agent-hours.
//   - dev: 2 agents 07-19 on weekdays, else 0: 5 x 24 = 120;
//   - test: weekdays 5 minutes at 0 after the refresh, 1 to 07:00, 4 to
//     19:00, 1 to midnight: 5 x (6h55 + 48 + 5) = 299.58; weekends 0;
//   - prod-us: weekdays 0 for 5 minutes, 1 to 08:00, 6 to 20:00, 1 to
//     midnight: 5 x (7h55 + 72 + 4) = 419.58; weekend days 1 for 23h55:
//     47.83; 467.42 in all.
var fixtureWeek = map[string]struct {
	profiles []string
	hours    float64
}{
	"dev":     {[]string{"Mon-Fri: 00:00-07:00 0, 07:00-19:00 2, 19:00-24:00 0", "Sat-Sun: 00:00-24:00 0"}, 120},
	"test":    {[]string{"Mon-Fri: 00:00-00:05 0, 00:05-07:00 1, 07:00-19:00 4, 19:00-24:00 1", "Sat-Sun: 00:00-24:00 0"}, 299.5833},
	"prod-us": {[]string{"Mon-Fri: 00:00-00:05 0, 00:05-08:00 1, 08:00-20:00 6, 20:00-24:00 1", "Sat-Sun: 00:00-00:05 0, 00:05-24:00 1"}, 467.4167},
}

// The preview and the stacks agree with the fleet file: each synthesized
// spoke template holds exactly the hand-written actions, the preview
// simulates those same actions, and its week (capacity per local day,
// agent-hours) is the hand-computed one.
func TestPreviewAgreesWithTemplates(t *testing.T) {
	fleet := testutil.ExampleFleet(t)
	built := example(t)
	results, err := preview.SimulateFleet(fleet, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(fixtureActions) {
		t.Fatalf("%d spokes simulated, want %d", len(results), len(fixtureActions))
	}
	for i, s := range fleet.Spokes {
		want, ok := fixtureActions[s.Name]
		if !ok {
			t.Fatalf("spoke %s: not in the hand-written table", s.Name)
		}
		tpl := testutil.JSON(t, built.Spokes[i].Stack)
		target := testutil.Props(testutil.One(t, tpl, "AWS::ApplicationAutoScaling::ScalableTarget"))
		inTemplate, ok := target["ScheduledActions"].([]any)
		if !ok {
			t.Fatalf("%s: ScheduledActions is %T", stacks.SpokeStackName(s), target["ScheduledActions"])
		}
		var got []string
		for _, a := range inTemplate {
			m, _ := a.(map[string]any)
			c, _ := m["ScalableTargetAction"].(map[string]any)
			got = append(got, fmt.Sprintf("%v %v %v %v %v", m["ScheduledActionName"], m["Schedule"], m["Timezone"], c["MinCapacity"], c["MaxCapacity"]))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: template actions\n%s\nwant\n%s", stacks.SpokeStackName(s), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var simulated []string
		for _, a := range results[i].Spoke.Week.Actions() {
			simulated = append(simulated, fmt.Sprintf("%s %s %s %d %d", a.Name, a.Cron, a.TimeZone, a.Capacity, a.Ceiling))
		}
		if strings.Join(simulated, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: the preview simulates\n%s\nwant\n%s", s.Name, strings.Join(simulated, "\n"), strings.Join(want, "\n"))
		}
		wk := fixtureWeek[s.Name]
		if p := preview.DayProfiles(results[i]); strings.Join(p, "|") != strings.Join(wk.profiles, "|") {
			t.Errorf("%s: week\n got %q\nwant %q", s.Name, p, wk.profiles)
		}
		if math.Abs(results[i].AgentHours-wk.hours) > 0.001 {
			t.Errorf("%s: %.4f agent-hours, want %.4f", s.Name, results[i].AgentHours, wk.hours)
		}
	}
}
