package constructs

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// fleetPools is n spokes in pools of 10, as the hub builds them.
func fleetPools(n int) []DemandPool {
	var pools []DemandPool
	for i := 0; i < n; i++ {
		if i%10 == 0 {
			pools = append(pools, DemandPool{URL: "https://dev.azure.com/org", Pool: fmt.Sprintf("pool-%d", i/10)})
		}
		p := &pools[len(pools)-1]
		p.Spokes = append(p.Spokes, DemandSpoke{Name: fmt.Sprintf("spoke-%04d", i), AgentPrefix: fmt.Sprintf("hubspoke-spoke-%04d", i), Demand: true})
	}
	return pools
}

var hubAlarms = []string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:hubspoke-pool-without-placeholder",
	"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:hubspoke-job-list-capped"}

// The body grows by group of 100 spokes, not by spoke: 1 and 75 spokes are
// one group (7 widgets: text, alarms, fleet, and 4 graphs), 1,000 spokes 10
// groups (43 widgets), within 500 widgets and 500 series a graph (the
// agents graph: 5 searches of 100 spokes).
func TestFleetDashboardBodyAtScale(t *testing.T) {
	for _, tc := range []struct {
		spokes, groups, widgets int
	}{{1, 1, 7}, {75, 1, 7}, {1000, 10, 43}} {
		pools, groups := Groups(fleetPools(tc.spokes), 0)
		if groups != tc.groups {
			t.Fatalf("%d spokes: %d groups, want %d", tc.spokes, groups, tc.groups)
		}
		last := pools[len(pools)-1].Spokes
		if g := last[len(last)-1].Group; g != tc.groups-1 {
			t.Errorf("%d spokes: the last spoke is in group %d, want %d", tc.spokes, g, tc.groups-1)
		}
		body, err := FleetDashboardBody(&FleetDashboardProps{Groups: groups, Region: "eu-west-1", AlarmArns: hubAlarms})
		if err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Widgets []struct {
				Type       string
				Properties struct {
					Metrics []any
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &parsed); err != nil {
			t.Fatal(err)
		}
		if len(parsed.Widgets) != tc.widgets {
			t.Errorf("%d spokes: %d widgets, want %d", tc.spokes, len(parsed.Widgets), tc.widgets)
		}
		for _, w := range parsed.Widgets {
			searches := strings.Count(fmt.Sprint(w.Properties.Metrics), "SEARCH(")
			if searches*DefaultGroupSize > MaxSearchSeries {
				t.Errorf("a graph with %d searches of %d spokes: more than %d series", searches, DefaultGroupSize, MaxSearchSeries)
			}
		}
		// Well inside any dashboard body limit and the hub template's 1 MB.
		if len(body) > 60_000 {
			t.Errorf("%d spokes: body %d bytes, want under 60,000", tc.spokes, len(body))
		}
		t.Logf("%d spokes: %d groups, %d widgets, body %d bytes", tc.spokes, groups, len(parsed.Widgets), len(body))
	}
}

// Each spoke's line comes from a SEARCH on its group, written by hand.
func TestFleetDashboardSearches(t *testing.T) {
	body, err := FleetDashboardBody(&FleetDashboardProps{Groups: 2, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsBusy" Group="0"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsIdle" Group="1"', 'Maximum', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsStarting" Group="1"', 'Maximum', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsFloor" Group="1"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsCeiling" Group="1"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobsWaiting" Group="1"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobWaitSeconds" Group="1"', 'p50', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobWaitSeconds" Group="1"', 'p95', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="DemandKnown" Group="1"', 'Minimum', 60)`,
		`Agents, spokes 101-200`,
	} {
		var parsed any
		_ = json.Unmarshal([]byte(body), &parsed)
		if !strings.Contains(fmt.Sprint(parsed), want) {
			t.Errorf("the body lacks %s", want)
		}
	}
	if strings.Contains(body, `Group=\"2\"`) {
		t.Errorf("a search for a group that does not exist: %s", body)
	}
}

func TestFleetDashboardLimits(t *testing.T) {
	for _, tc := range []struct {
		props FleetDashboardProps
		want  string
	}{
		{FleetDashboardProps{Groups: 0}, "Groups is 0, want at least 1"},
		{FleetDashboardProps{Groups: 1, GroupSize: 101}, "101 spokes a group draw 505 lines in one graph, more than CloudWatch's 500: make GroupSize at most 100"},
		{FleetDashboardProps{Groups: 125, AlarmArns: hubAlarms}, "503 widgets for 125 groups, more than CloudWatch's 500: one dashboard shows at most 124 groups (12400 spokes at most)"},
	} {
		if _, err := FleetDashboardBody(&tc.props); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.props, err, tc.want)
		}
	}
	if _, err := FleetDashboardBody(&FleetDashboardProps{Groups: 124, AlarmArns: hubAlarms}); err != nil {
		t.Errorf("124 groups (12,400 spokes, 3+4*124 = 499 widgets): %v", err)
	}
}
