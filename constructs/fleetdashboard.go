package constructs

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultFleetDashboardName is the fleet dashboard's name.
const DefaultFleetDashboardName = "hubspoke-fleet"

// Limits the fleet dashboard's body stays within.
const (
	// MaxDashboardWidgets: "an array of between 0 and 500 widget objects"
	// (CloudWatch Dashboard Body Structure and Syntax).
	MaxDashboardWidgets = 500
	// MaxSearchSeries: a SEARCH expression "can return up to 500 time
	// series" (aws-cdk-lib SearchExpressionProps.expression): a graph's
	// searches together are kept to this, so no spoke's line is cut.
	MaxSearchSeries = 500
)

// FleetDashboardProps configures the fleet dashboard.
type FleetDashboardProps struct {
	// Groups of spokes whose figures the poller publishes (DemandPoller's
	// Groups()): one row of graphs per group. Required (at least 1).
	Groups int
	// GroupSize is the poller's spokes per group (titles, and the check
	// that a graph stays within MaxSearchSeries). Default: DefaultGroupSize.
	GroupSize int
	// Namespace of the figures. Default: DefaultDemandNamespace.
	Namespace string
	// Region the figures are in (the hub's). Required.
	Region string
	// DashboardName. Default: DefaultFleetDashboardName.
	DashboardName string
	// AlarmArns are the hub's alarms shown at the top (the poller's
	// pool-without-placeholder and job-list-capped). Default: none.
	AlarmArns []string
}

// FleetDashboard is one CloudWatch dashboard in the hub account showing
// every spoke as a line, from the figures the demand poller puts into the
// hub's CloudWatch each minute (no cross-account access): per group of
// spokes, agents busy, idle and starting against floor and ceiling,
// waiting jobs, job wait p50 and p95, and DemandKnown (each spoke's
// demand-unknown alarm fires on it at 0 for 5 minutes); at the top the
// hub's alarms and the fleet's own figures. Graphs are SEARCH expressions
// on the Group dimension, so the body grows by group (GroupSize spokes),
// not by spoke.
type FleetDashboard interface {
	constructs.IConstruct
	Dashboard() awscloudwatch.CfnDashboard
}

type fleetDashboard struct {
	constructs.Construct
	dashboard awscloudwatch.CfnDashboard
}

func (d *fleetDashboard) Dashboard() awscloudwatch.CfnDashboard { return d.dashboard }

// NewFleetDashboard creates the dashboard. It panics when the body would
// exceed MaxDashboardWidgets or a graph MaxSearchSeries.
func NewFleetDashboard(scope constructs.Construct, id string, props *FleetDashboardProps) FleetDashboard {
	this := constructs.NewConstruct(scope, &id)
	name := props.DashboardName
	if name == "" {
		name = DefaultFleetDashboardName
	}
	body, err := FleetDashboardBody(props)
	if err != nil {
		panic(err)
	}
	d := awscloudwatch.NewCfnDashboard(this, jsii.String("Dashboard"), &awscloudwatch.CfnDashboardProps{
		DashboardName: jsii.String(name), DashboardBody: jsii.String(body),
	})
	return &fleetDashboard{Construct: this, dashboard: d}
}

// seriesPerSpoke is the most searches one graph of a group holds (agents:
// busy, idle, starting, floor, ceiling).
const seriesPerSpoke = 5

// FleetDashboardBody is the dashboard's JSON body.
func FleetDashboardBody(props *FleetDashboardProps) (string, error) {
	ns := props.Namespace
	if ns == "" {
		ns = DefaultDemandNamespace
	}
	size := props.GroupSize
	if size <= 0 {
		size = DefaultGroupSize
	}
	if props.Groups < 1 {
		return "", fmt.Errorf("fleet dashboard: Groups is %d, want at least 1", props.Groups)
	}
	if size*seriesPerSpoke > MaxSearchSeries {
		return "", fmt.Errorf("fleet dashboard: %d spokes a group draw %d lines in one graph, more than CloudWatch's %d: make GroupSize at most %d",
			size, size*seriesPerSpoke, MaxSearchSeries, MaxSearchSeries/seriesPerSpoke)
	}
	type widget map[string]any
	graph := func(x, y, w int, title string, metrics []any, extra map[string]any) widget {
		p := map[string]any{"title": title, "region": props.Region, "view": "timeSeries", "metrics": metrics}
		for k, v := range extra {
			p[k] = v
		}
		return widget{"type": "metric", "x": x, "y": y, "width": w, "height": 6, "properties": p}
	}
	n := 0
	search := func(group int, metric, label, stat string, period int) []any {
		n++
		expr := fmt.Sprintf(`SEARCH('{%s,Group,Spoke} MetricName="%s" Group="%d"', '%s', %d)`, ns, metric, group, stat, period)
		return []any{map[string]any{"id": fmt.Sprintf("e%d", n), "expression": expr, "label": label, "period": period}}
	}
	widgets := []widget{
		{"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": map[string]any{"markdown": fmt.Sprintf(
			"## hubspoke fleet\nEach spoke is a line, from the figures the demand poller puts into this account every minute (namespace `%s`, dimensions Spoke and Group; "+
				"%d spokes a group, in fleet-file order). Busy, waiting, floor, ceiling and DemandKnown every minute; idle and starting from the agent list, every 5 minutes; "+
				"job wait from the job requests' queueTime and assignTime, each job once. Each spoke's own alarms are in its account (docs/demand.md).", ns, size)}},
	}
	if len(props.AlarmArns) > 0 {
		widgets = append(widgets, widget{"type": "alarm", "x": 0, "y": 2, "width": 12, "height": 3,
			"properties": map[string]any{"title": "Hub alarms", "alarms": props.AlarmArns, "sortBy": "stateUpdatedTimestamp"}})
	}
	var fleet []any
	for _, m := range []string{"JobsUnplaced", "PoolsCapped", "PoolsWithoutPlaceholder", "GhostsRemoved"} {
		fleet = append(fleet, []any{ns, m, map[string]any{"stat": "Maximum", "period": 60}})
	}
	widgets = append(widgets, graph(12, 2, 12, "Fleet: jobs no spoke has room for, pools capped or without placeholder, ghosts removed", fleet, nil))
	for g := 0; g < props.Groups; g++ {
		y := 5 + 6*g
		first, last := g*size+1, (g+1)*size
		var agents []any
		agents = append(agents, search(g, "AgentsBusy", "busy", "Maximum", 60)...)
		agents = append(agents, search(g, "AgentsIdle", "idle", "Maximum", 300)...)
		agents = append(agents, search(g, "AgentsStarting", "starting", "Maximum", 300)...)
		agents = append(agents, search(g, "AgentsFloor", "floor", "Maximum", 60)...)
		agents = append(agents, search(g, "AgentsCeiling", "ceiling", "Maximum", 60)...)
		waits := append(search(g, "JobWaitSeconds", "p50", "p50", 300), search(g, "JobWaitSeconds", "p95", "p95", 300)...)
		widgets = append(widgets,
			graph(0, y, 9, fmt.Sprintf("Agents, spokes %d-%d: busy, idle, starting against floor and ceiling", first, last), agents, nil),
			graph(9, y, 5, fmt.Sprintf("Waiting jobs, spokes %d-%d", first, last), search(g, "JobsWaiting", "waiting", "Maximum", 60), nil),
			graph(14, y, 5, fmt.Sprintf("Job wait (s) p50 and p95, spokes %d-%d", first, last), waits, nil),
			graph(19, y, 5, fmt.Sprintf("Demand known, spokes %d-%d (0 for 5 min: the spoke's demand-unknown alarm)", first, last),
				search(g, "DemandKnown", "known", "Minimum", 60),
				map[string]any{"annotations": map[string]any{"horizontal": []any{map[string]any{"label": "demand unknown below", "value": 1, "fill": "below"}}},
					"yAxis": map[string]any{"left": map[string]any{"min": 0, "max": 1}}}),
		)
	}
	if len(widgets) > MaxDashboardWidgets {
		return "", fmt.Errorf("fleet dashboard: %d widgets for %d groups, more than CloudWatch's %d: one dashboard shows at most %d groups (%d spokes at most)",
			len(widgets), props.Groups, MaxDashboardWidgets, (MaxDashboardWidgets-3)/4, (MaxDashboardWidgets-3)/4*size)
	}
	b, err := json.Marshal(map[string]any{"start": "-PT6H", "periodOverride": "inherit", "widgets": widgets})
	return string(b), err
}
