package constructs

import (
	"encoding/json"
	"fmt"
	"slices"
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

type parsedBody struct {
	Widgets []struct {
		Type       string
		Properties struct {
			Title   string
			Metrics []any
		}
	}
	Variables []struct {
		Type, Pattern, InputType, ID, DefaultValue string
		Values                                     []struct{ Label, Value string }
	}
}

// The body is two rows of graphs whatever the fleet's size: 8 widgets
// (text, alarms, fleet, 5 graphs) and a selector of groups of 100 spokes
// (1 at 1 and 75 spokes, 10 at 1,000); a view retrieves 10 lines a spoke,
// 1,004 metrics at most (2,500 allowed), the agents graph 500 (500 allowed).
func TestFleetDashboardBodyAtScale(t *testing.T) {
	for _, tc := range []struct {
		spokes int
		groups []string
	}{
		{1, []string{"spokes-1-100"}},
		{75, []string{"spokes-1-100"}},
		{1000, []string{"spokes-1-100", "spokes-101-200", "spokes-201-300", "spokes-301-400", "spokes-401-500", "spokes-501-600",
			"spokes-601-700", "spokes-701-800", "spokes-801-900", "spokes-901-1000"}},
	} {
		groups := Groups(fleetPools(tc.spokes), 0)
		if !slices.Equal(groups, tc.groups) {
			t.Fatalf("%d spokes: groups %v, want %v", tc.spokes, groups, tc.groups)
		}
		body, err := FleetDashboardBody(&FleetDashboardProps{Groups: groups, Region: "eu-west-1", AlarmArns: hubAlarms})
		if err != nil {
			t.Fatal(err)
		}
		var parsed parsedBody
		if err := json.Unmarshal([]byte(body), &parsed); err != nil {
			t.Fatal(err)
		}
		if len(parsed.Widgets) != 8 {
			t.Errorf("%d spokes: %d widgets, want 8", tc.spokes, len(parsed.Widgets))
		}
		searches := 0
		for _, w := range parsed.Widgets {
			n := strings.Count(fmt.Sprint(w.Properties.Metrics), "SEARCH(")
			if n*DefaultGroupSize > MaxWidgetMetrics {
				t.Errorf("%q: %d searches of %d spokes, more than %d series", w.Properties.Title, n, DefaultGroupSize, MaxWidgetMetrics)
			}
			searches += n
		}
		if searches != 10 || searches*DefaultGroupSize+4 > MaxDashboardMetrics {
			t.Errorf("%d searches (want 10): %d metrics a view", searches, searches*DefaultGroupSize+4)
		}
		if len(parsed.Variables) != 1 || len(parsed.Variables[0].Values) != len(tc.groups) || parsed.Variables[0].Values[len(tc.groups)-1].Value != tc.groups[len(tc.groups)-1] {
			t.Errorf("%d spokes: selector %+v, want the %d groups", tc.spokes, parsed.Variables, len(tc.groups))
		}
		if len(body) > 10_000 {
			t.Errorf("%d spokes: body %d bytes, want under 10,000", tc.spokes, len(body))
		}
		t.Logf("%d spokes: %d groups, %d widgets, body %d bytes", tc.spokes, len(groups), len(parsed.Widgets), len(body))
	}
}

// Each spoke's line comes from a SEARCH on the shown group, written by
// hand; the selector is a pattern variable replacing the first group's
// name, which stands in the body only where a group is meant.
func TestFleetDashboardSearches(t *testing.T) {
	body, err := FleetDashboardBody(&FleetDashboardProps{Groups: []string{"spokes-1-100", "spokes-101-200"}, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	var parsed parsedBody
	if err := json.Unmarshal([]byte(body), &parsed); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range parsed.Widgets {
		all = append(all, w.Properties.Title, fmt.Sprint(w.Properties.Metrics))
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsBusy" Group="spokes-1-100"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsIdle" Group="spokes-1-100"', 'Maximum', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsStarting" Group="spokes-1-100"', 'Maximum', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsFloor" Group="spokes-1-100"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="AgentsCeiling" Group="spokes-1-100"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobsWaiting" Group="spokes-1-100"', 'Maximum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobWaitSeconds" Group="spokes-1-100"', 'p50', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="JobWaitSeconds" Group="spokes-1-100"', 'p95', 300)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="DemandKnown" Group="spokes-1-100"', 'Minimum', 60)`,
		`SEARCH('{hubspoke/Demand,Group,Spoke} MetricName="TasksStarted" Group="spokes-1-100"', 'Sum', 3600)`,
		`Agents of spokes-1-100: busy, idle, starting against floor and ceiling`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the body lacks %s", want)
		}
	}
	v := parsed.Variables
	if len(v) != 1 || v[0].Type != "pattern" || v[0].Pattern != "spokes-1-100" || v[0].InputType != "select" || v[0].DefaultValue != "spokes-1-100" ||
		len(v[0].Values) != 2 || v[0].Values[1].Value != "spokes-101-200" {
		t.Errorf("selector %+v, want a pattern variable over spokes-1-100 with both groups", v)
	}
	// The pattern stands only in group positions: 10 searches, 5 titles.
	if n := strings.Count(body, "spokes-1-100"); n != 10+5+4 { // + the pattern, its default, the first value and its label
		t.Errorf("spokes-1-100 stands %d times in the body, want 19", n)
	}
}

func TestFleetDashboardLimits(t *testing.T) {
	for _, tc := range []struct {
		props FleetDashboardProps
		want  string
	}{
		{FleetDashboardProps{}, "no groups of spokes, want at least 1"},
		{FleetDashboardProps{Groups: []string{"spokes-1-101"}, GroupSize: 101}, "101 spokes a group draw 505 lines in one graph and 1014 on the dashboard, more than CloudWatch's 500 and 2500: make GroupSize at most 100"},
	} {
		if _, err := FleetDashboardBody(&tc.props); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.props, err, tc.want)
		}
	}
}
