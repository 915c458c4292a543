package constructs

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// The dashboard's text says how many spokes the Spokes selector shows at a
// time: the poller's group size, DefaultGroupSize (100) when none is given
// (0), else the one given.
func TestFleetDashboardGroupSizeDefault(t *testing.T) {
	pools := fleetPools(30)
	for _, c := range []struct {
		size int
		want string
	}{{0, "(100 at a time, fleet-file order)"}, {10, "(10 at a time, fleet-file order)"}} {
		body, err := FleetDashboardBody(&FleetDashboardProps{Groups: Groups(pools, c.size), GroupSize: c.size, Region: "eu-west-1", AlarmArns: hubAlarms})
		if err != nil {
			t.Fatalf("group size %d: %v", c.size, err)
		}
		if !strings.Contains(body, c.want) {
			t.Errorf("group size %d: the text lacks %q", c.size, c.want)
		}
	}
}

// Every metric id of the dashboard is one CloudWatch accepts (GetMetricData
// and dashboard metric math: "must start with a lowercase letter and can
// contain only letters, numbers, and underscore") and unique within its
// graph; the hub alarms' widget is there only with alarms to show.
func TestFleetDashboardMetricIDsAndAlarmWidget(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
	for _, alarms := range [][]string{hubAlarms, nil} {
		body, err := FleetDashboardBody(&FleetDashboardProps{Groups: Groups(fleetPools(30), 0), Region: "eu-west-1", AlarmArns: alarms})
		if err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Widgets []struct {
				Type       string
				Properties struct {
					Title   string
					Metrics []any
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &parsed); err != nil {
			t.Fatal(err)
		}
		alarmWidgets, ids := 0, 0
		for _, w := range parsed.Widgets {
			if w.Type == "alarm" {
				alarmWidgets++
			}
			seen := map[string]bool{}
			for _, m := range w.Properties.Metrics {
				items, ok := m.([]any) // a metric array: namespace, name, ..., options
				if !ok {
					items = []any{m} // an expression
				}
				for _, x := range items {
					e, ok := x.(map[string]any)
					if !ok || e["id"] == nil {
						continue // a metric's namespace, name, dimensions; or options without an id
					}
					id, _ := e["id"].(string)
					if !valid.MatchString(id) || seen[id] {
						t.Errorf("%q: metric id %q is not a valid, unique CloudWatch id", w.Properties.Title, id)
					}
					seen[id] = true
					ids++
				}
			}
		}
		if ids < 9 {
			t.Errorf("%d metric ids, want the 9 searches' at least", ids)
		}
		if want := min(len(alarms), 1); alarmWidgets != want {
			t.Errorf("with %d alarms: %d alarm widgets, want %d", len(alarms), alarmWidgets, want)
		}
	}
}
