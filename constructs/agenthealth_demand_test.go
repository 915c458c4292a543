package constructs

import (
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// demandAlarms are the stack's alarms on DemandKnown, by alarm name.
func demandAlarms(t *testing.T, tpl map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
		if p := testutil.Props(r); p["MetricName"] == "DemandKnown" {
			out[p["AlarmName"].(string)] = p
		}
	}
	return out
}

// The demand-unknown alarm exists only for a spoke that follows demand
// (DemandDimensions set), on DemandKnown in the default namespace
// hubspoke/Demand unless another is given.
func TestAgentHealthDemandAlarm(t *testing.T) {
	for _, c := range []struct {
		name      string
		dims      map[string]string
		namespace string
		want      string // the alarm's namespace; "" for no alarm
	}{
		{"no demand", nil, "", ""},
		{"no demand, empty dimensions", map[string]string{}, "", ""},
		{"demand, default namespace", map[string]string{"Spoke": "dev"}, "", "hubspoke/Demand"},
		{"demand, own namespace", map[string]string{"Spoke": "dev"}, "team/Demand", "team/Demand"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := spokeStack(t)
			h := NewAgentHealth(stack, "Health", &AgentHealthProps{ClusterName: "hubspoke-dev", ServiceName: "build-agents", Name: "hubspoke-dev",
				ShortfallMinutes: 15, DemandDimensions: c.dims, DemandNamespace: c.namespace})
			alarms := demandAlarms(t, testutil.JSON(t, stack))
			if c.want == "" {
				if len(alarms) != 0 || h.DemandAlarm() != nil {
					t.Errorf("demand alarms without demand: %v", alarms)
				}
				return
			}
			a, ok := alarms["hubspoke-dev-demand-unknown"]
			if !ok || len(alarms) != 1 {
				t.Fatalf("alarms %v, want hubspoke-dev-demand-unknown", alarms)
			}
			dims := a["Dimensions"].([]any)
			if a["Namespace"] != c.want || len(dims) != 1 || dims[0].(map[string]any)["Name"] != "Spoke" || dims[0].(map[string]any)["Value"] != "dev" {
				t.Errorf("alarm on %v %v, want %s Spoke=dev", a["Namespace"], dims, c.want)
			}
		})
	}
}
