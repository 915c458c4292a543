package constructs

import (
	"encoding/json"
	"strings"
	"testing"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
)

// The scalable target's resource id is service/<cluster>/<service>: the
// cluster by the name given (a literal, which the agent window's function
// and the pipeline's checks can match), else read from the service's
// cluster (a reference).
func TestAgentScheduleResourceID(t *testing.T) {
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 480, ScaleDown: 1080, RestoreAfter: 5, Weekday: 3, Night: 0, Weekend: 1}
	for _, c := range []struct {
		name, cluster string
		want          string // the joined parts before the service name, as JSON
	}{
		{"named", "hubspoke-dev", `["service/hubspoke-dev/",{"Fn::GetAtt":["AgentsService`},
		{"from the service", "", `["service/",{"Ref":"AgentsCluster`},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := spokeStack(t)
			svc := newService(stack, AgentServiceProps{ClusterName: "hubspoke-dev"})
			NewAgentSchedule(stack, "Schedule", &AgentScheduleProps{Service: svc.Service(), ClusterName: c.cluster, Week: week})
			target := testutil.One(t, testutil.JSON(t, stack), "AWS::ApplicationAutoScaling::ScalableTarget")
			join, _ := testutil.Props(target)["ResourceId"].(map[string]any)["Fn::Join"].([]any)
			got, _ := json.Marshal(join[1])
			if len(join) != 2 || join[0] != "" || !strings.HasPrefix(string(got), c.want) {
				t.Errorf("ResourceId joins %s, want it to start %s", got, c.want)
			}
		})
	}
}
