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

// Limits the fleet dashboard's body stays within (CloudWatch service
// quotas, Dashboards: "Up to 500 metrics per dashboard widget. Up to 2500
// metrics per dashboard, across all widgets. These quotas include all
// metrics retrieved for use in metric math functions"; Dashboard Body
// Structure: "between 0 and 500 widget objects"; a SEARCH expression "can
// return up to 500 time series", aws-cdk-lib SearchExpressionProps).
const (
	MaxDashboardWidgets = 500
	MaxWidgetMetrics    = 500
	MaxDashboardMetrics = 2500
	linesPerSpoke       = 10 // busy, idle, starting, floor, ceiling, waiting, p50, p95, known, tasks started
	widestGraphPerSpoke = 5  // the agents graph
	fleetFigures        = 4
)

// FleetDashboardProps configures the fleet dashboard.
type FleetDashboardProps struct {
	// Groups are the Group values of the poller's figures, in fleet order
	// (DemandPoller's Groups()): the dashboard shows one at a time, chosen
	// in its "Spokes" selector. Required (at least 1).
	Groups []string
	// GroupSize is the poller's spokes a group (the check that a view stays
	// within CloudWatch's metric quotas). Default: DefaultGroupSize.
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
// waiting jobs, job wait p50 and p95, DemandKnown (each spoke's
// demand-unknown alarm fires on it at 0 for 5 minutes) and tasks started
// an hour; at the top the
// hub's alarms and the fleet's own figures. Graphs are SEARCH expressions
// on the Group dimension, one group (GroupSize spokes) at a time, chosen
// with a dashboard variable: the body holds two rows of graphs whatever
// the fleet's size (plus each group's name in the selector), and a view
// retrieves 10 lines a spoke, 1,004 metrics at 100 spokes, within the
// 2,500 a dashboard may.
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
	if len(props.Groups) < 1 {
		return "", fmt.Errorf("fleet dashboard: no groups of spokes, want at least 1")
	}
	if size*widestGraphPerSpoke > MaxWidgetMetrics || size*linesPerSpoke+fleetFigures > MaxDashboardMetrics {
		return "", fmt.Errorf("fleet dashboard: %d spokes a group draw %d lines in one graph and %d on the dashboard, more than CloudWatch's %d and %d: make GroupSize at most %d",
			size, size*widestGraphPerSpoke, size*linesPerSpoke+fleetFigures, MaxWidgetMetrics, MaxDashboardMetrics, min(MaxWidgetMetrics/widestGraphPerSpoke, (MaxDashboardMetrics-fleetFigures)/linesPerSpoke))
	}
	// The selector replaces the first group's name wherever it stands in
	// the body (a pattern variable) by the chosen group's; names are
	// "spokes-<first>-<last>", which no other text of the body holds.
	group := props.Groups[0]
	type widget map[string]any
	graph := func(x, y, w int, title string, metrics []any, extra map[string]any) widget {
		p := map[string]any{"title": title, "region": props.Region, "view": "timeSeries", "metrics": metrics}
		for k, v := range extra {
			p[k] = v
		}
		return widget{"type": "metric", "x": x, "y": y, "width": w, "height": 6, "properties": p}
	}
	n := 0
	search := func(metric, label, stat string, period int) []any {
		n++
		expr := fmt.Sprintf(`SEARCH('{%s,Group,Spoke} MetricName="%s" Group="%s"', '%s', %d)`, ns, metric, group, stat, period)
		return []any{map[string]any{"id": fmt.Sprintf("e%d", n), "expression": expr, "label": label, "period": period}}
	}
	widgets := []widget{
		{"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": map[string]any{"markdown": fmt.Sprintf(
			"## hubspoke fleet\nEach spoke is a line, from the figures the demand poller puts into this account every minute (namespace `%s`, dimensions Spoke and Group). "+
				"Choose the spokes (%d at a time, fleet-file order) in **Spokes** above. Busy, waiting, floor, ceiling and DemandKnown every minute; idle and starting "+
				"from the agent list, every 5 minutes; job wait from the job requests' queueTime and assignTime, each job once; tasks started from the spoke's ECS task list, every 5 minutes. Each spoke's own alarms are in its "+
				"account; DemandKnown below 1 for 5 minutes is its demand-unknown alarm (docs/demand.md).", ns, size)}},
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
	var agents []any
	agents = append(agents, search("AgentsBusy", "busy", "Maximum", 60)...)
	agents = append(agents, search("AgentsIdle", "idle", "Maximum", 300)...)
	agents = append(agents, search("AgentsStarting", "starting", "Maximum", 300)...)
	agents = append(agents, search("AgentsFloor", "floor", "Maximum", 60)...)
	agents = append(agents, search("AgentsCeiling", "ceiling", "Maximum", 60)...)
	waits := append(search("JobWaitSeconds", "p50", "p50", 300), search("JobWaitSeconds", "p95", "p95", 300)...)
	widgets = append(widgets,
		graph(0, 5, 9, "Agents of "+group+": busy, idle, starting against floor and ceiling", agents, nil),
		graph(9, 5, 5, "Waiting jobs of "+group, search("JobsWaiting", "waiting", "Maximum", 60), nil),
		graph(14, 5, 5, "Job wait (s) p50 and p95 of "+group, waits, nil),
		graph(19, 5, 5, "Demand known of "+group+" (below 1 for 5 min: demand-unknown alarm)", search("DemandKnown", "known", "Minimum", 60),
			map[string]any{"annotations": map[string]any{"horizontal": []any{map[string]any{"label": "demand unknown below", "value": 1, "fill": "below"}}},
				"yAxis": map[string]any{"left": map[string]any{"min": 0, "max": 1}}}),
		graph(0, 11, 9, "Tasks started an hour of "+group+" (each task pulls the image and reads the token)", search("TasksStarted", "tasks started", "Sum", 3600), nil),
	)
	var values []any
	for _, g := range props.Groups {
		values = append(values, map[string]any{"label": g, "value": g})
	}
	variable := map[string]any{"type": "pattern", "pattern": group, "inputType": "select", "id": "spokes", "label": "Spokes",
		"defaultValue": group, "visible": true, "values": values}
	b, err := json.Marshal(map[string]any{"start": "-PT6H", "periodOverride": "inherit", "widgets": widgets, "variables": []any{variable}})
	return string(b), err
}
