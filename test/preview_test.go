package test

import (
	"testing"
	"time"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/preview"
	"hubspoke-cdk/stacks"
)

// The preview and the stacks agree: the scheduled actions in each
// synthesized spoke template are exactly the actions the preview simulates
// (name, cron expression, time zone, capacity), and the preview evaluates
// every one of those expressions.
func TestPreviewAgreesWithTemplates(t *testing.T) {
	fleet := testutil.ExampleFleet(t)
	built := example(t)
	results, err := preview.SimulateFleet(fleet, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range fleet.Spokes {
		tpl := testutil.JSON(t, built.Spokes[i].Stack)
		target := testutil.Props(testutil.One(t, tpl, "AWS::ApplicationAutoScaling::ScalableTarget"))
		inTemplate := target["ScheduledActions"].([]any)
		simulated := results[i].Spoke.Week.Actions()
		if len(inTemplate) != len(simulated) {
			t.Fatalf("%s: %d actions in the template, %d simulated", s.Name, len(inTemplate), len(simulated))
		}
		for j, a := range simulated {
			got := inTemplate[j].(map[string]any)
			cap := got["ScalableTargetAction"].(map[string]any)
			if got["ScheduledActionName"] != a.Name || got["Schedule"] != a.Cron || got["Timezone"] != a.TimeZone ||
				cap["MinCapacity"] != float64(a.Capacity) || cap["MaxCapacity"] != float64(a.Ceiling) {
				t.Errorf("%s: template action %v, preview action %+v", stacks.SpokeStackName(s), got, a)
			}
		}
		if results[i].AgentHours <= 0 {
			t.Errorf("%s: preview found no agent-hours", s.Name)
		}
	}
}
