package constructs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/schedule"
)

//go:embed demandpoller.py
var demandPollerCode string

// DefaultDemandNamespace is the CloudWatch namespace of the demand metrics
// (AgentsWanted and DemandKnown, dimension Spoke, in each spoke; the fleet's
// PoolsWithoutPlaceholder, PoolsCapped, JobsUnplaced and GhostsRemoved, no
// dimension, in the hub; and each spoke's figures for the fleet dashboard,
// dimensions Spoke and Group, in the hub: JobWaitSeconds (values and
// counts), AgentsBusy, AgentsIdle, AgentsStarting, JobsWaiting,
// AgentsFloor, AgentsCeiling, DemandKnown, TasksStarted; and, dimension
// Spoke, AgentsNeeded of the spokes with an automatic standby;
// docs/demand.md).
const DefaultDemandNamespace = "hubspoke/Demand"

// DefaultPlaceholderName is the placeholder agent's name in every pool: it
// ends without "-", so it never matches a spoke's agent prefix
// (hubspoke-<spoke>-).
const DefaultPlaceholderName = "hubspoke-placeholder"

// DefaultPlaceholderVersion is the agent version the placeholder registers
// with when the pool has no fleet agent to copy yet (a release; the image
// takes the organization's current one at each build, and the placeholder
// then follows the newest fleet agent's version: TestPlaceholderDefaultVersion).
const DefaultPlaceholderVersion = "4.261.0"

// DefaultPlaceholderCapabilities are the system capabilities the agent of
// the image reports on its own (Agent.Listener's AgentCapabilitiesProvider
// and NixCapabilitiesProvider, for the tools agent/Dockerfile installs): the
// placeholder's when the pool has no fleet agent to copy them from.
func DefaultPlaceholderCapabilities() map[string]string {
	return map[string]string{
		"Agent.OS": "Linux", "Agent.OSArchitecture": "X64", "Agent.Version": DefaultPlaceholderVersion,
		"InteractiveSession": "False", "curl": "/usr/bin/curl", "git": "/usr/bin/git", "sh": "/usr/bin/sh",
	}
}

// Defaults of the keeper and the poller, and why.
const (
	// DefaultHoldSeconds: an unreadable pool keeps its last count 15
	// minutes: a 429's Retry-After (the rate limit's window is 5 minutes),
	// a short Azure DevOps incident or a token being rotated pass without
	// idle agents stopped and started again; the demand-unknown alarm fires
	// after 5 minutes regardless; after 15 the spokes fall to their floors.
	DefaultHoldSeconds = 900
	// DefaultGhostGraceSeconds: an offline fleet agent is a ghost after 10
	// minutes. A live task's agent is offline only between registration
	// and its listener's first connection (seconds), across a listener
	// restart for a self-update (a download and restart, about a minute or
	// two) and while it deregisters at exit (within Fargate's 120 s stop
	// timeout); 10 minutes is well past all three.
	DefaultGhostGraceSeconds = 600
	// DefaultMaintainEveryMinutes: each pool's agent list is read (the
	// placeholder kept, ghosts removed) every 5 minutes, pools spread over
	// the minutes: one call per pool every 5 minutes instead of every
	// minute; a deleted placeholder is back within 5 minutes.
	DefaultMaintainEveryMinutes = 5
)

// MaxAgentMinutes is the longest a live agent stays registered: the daily
// refresh stops every idle agent within 24 hours of its start, a busy one
// finishes its job within maxJobMinutes (start.sh cancels it then), plus 30
// minutes for the start, the stop timeout and the refresh window. A job can
// read its agent's credentials (the listener needs them); a copy of them
// running elsewhere would stay online, and so never a ghost, after the task
// is gone: past this age the keeper deletes it.
func MaxAgentMinutes(maxJobMinutes int) int { return 24*60 + maxJobMinutes + 30 }

// DemandPool is one Azure DevOps agent pool and the spokes whose agents
// serve it.
type DemandPool struct {
	URL    string        `json:"url"`  // organization URL, https://dev.azure.com/org
	Pool   string        `json:"pool"` // agent pool name
	Spokes []DemandSpoke `json:"spokes"`
}

// DemandSpoke is one spoke of a pool: its agents' name prefix (the keeper
// removes its ghosts) and, when it follows demand, where its demand metrics
// go and its ceilings.
type DemandSpoke struct {
	Name string `json:"name"` // the metrics' Spoke dimension
	// AgentPrefix starts the names of the spoke's agents (followed by "-").
	AgentPrefix string `json:"agentPrefix"`
	// Demand: the spoke follows demand (gets AgentsWanted).
	Demand bool   `json:"demand,omitempty"`
	Region string `json:"region,omitempty"`
	// MaxAgentMinutes: an agent of the spoke registered longer ago than
	// this is no live task's (MaxAgentMinutes): the keeper deletes it,
	// online or not. 0: no such limit.
	MaxAgentMinutes int `json:"maxAgentMinutes,omitempty"`
	// RoleArn is the spoke's DemandPublisherRole (demand spokes).
	RoleArn string `json:"roleArn,omitempty"`
	// Actions are the spoke's scheduled actions as the poller reads them:
	// the ceiling at a moment is that of the action that fired last
	// (DemandActions).
	Actions []DemandAction `json:"actions,omitempty"`
	// Auto, when set, keeps the agents the spoke usually needs in each hour
	// of the week ready (DemandAuto). Default: nil.
	Auto *DemandAuto `json:"auto,omitempty"`
}

// DemandAuto is a spoke's automatic standby: the poller puts the spoke's
// busy + waiting into the hub (AgentsNeeded, dimension Spoke) every
// minute, reads its one-hour Maximum of the last Weeks weeks back once an
// hour (GetMetricData), and keeps ready for each hour of the week (on
// Zone's clock; this hour's and the one schedule.AutoLead ahead, the
// larger) the Percentile-th percentile of those peaks (schedule.AutoReady),
// within the ceiling.
type DemandAuto struct {
	Weeks      int    `json:"weeks"`
	Percentile int    `json:"percentile"`
	Zone       string `json:"zone"`
}

// DemandAction is a scheduled action's time and ceiling: at Hour:Minute in
// Zone, on Days (Monday 0 .. Sunday 6; empty: every day).
type DemandAction struct {
	Zone    string `json:"zone"`
	Hour    int    `json:"hour"`
	Minute  int    `json:"minute"`
	Days    []int  `json:"days,omitempty"`
	Ceiling int    `json:"ceiling"`
	// Floor is the action's minimum (the fleet dashboard's floor line).
	Floor int `json:"floor,omitempty"`
	// Standby idle agents the poller asks for above the busy ones and the
	// waiting jobs, from this action until the next.
	Standby int `json:"standby,omitempty"`
}

// DemandActions turns the week's scheduled actions (their AWS cron
// expressions) into the poller's form.
func DemandActions(w schedule.Week) []DemandAction {
	day := map[string]int{"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}
	var out []DemandAction
	for _, a := range w.Actions() {
		// cron(M H dom * dow *)
		f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(a.Cron, "cron("), ")"))
		if len(f) != 6 {
			panic(fmt.Sprintf("unexpected cron %q", a.Cron))
		}
		d := DemandAction{Zone: a.TimeZone, Ceiling: a.Ceiling, Floor: a.Capacity, Standby: a.Standby}
		d.Minute, _ = strconv.Atoi(f[0])
		d.Hour, _ = strconv.Atoi(f[1])
		switch dow := f[4]; dow {
		case "?", "*":
		case "MON-FRI":
			d.Days = []int{0, 1, 2, 3, 4}
		default:
			for _, n := range strings.Split(dow, ",") {
				d.Days = append(d.Days, day[n])
			}
		}
		out = append(out, d)
	}
	return out
}

// DemandPollerProps configures the poller.
type DemandPollerProps struct {
	// Token is the secret holding the Azure DevOps PAT. Required.
	Token awssecretsmanager.ISecret
	// Pools to keep (placeholder, ghosts) and, for their demand spokes,
	// count once a minute. Required.
	Pools []DemandPool
	// RoleName of the poller's role; the spokes' publisher roles trust it
	// by name. Required.
	RoleName string
	// PublisherRoleArns matches every spoke publisher role the poller may
	// assume (a pattern; each spoke role's trust policy decides). Default:
	// none (no spoke follows demand: no AssumeRole at all).
	PublisherRoleArns string
	// Namespace of the metrics. Default: DefaultDemandNamespace.
	Namespace string
	// LogRetentionDays of the function's logs. Default: 7.
	LogRetentionDays int
	// PlaceholderCapabilities of the placeholder when its pool has no fleet
	// agent to copy them from. Default: DefaultPlaceholderCapabilities().
	PlaceholderCapabilities map[string]string
	// HoldSeconds, GhostGraceSeconds, MaintainEveryMinutes: default
	// DefaultHoldSeconds, DefaultGhostGraceSeconds,
	// DefaultMaintainEveryMinutes.
	HoldSeconds, GhostGraceSeconds, MaintainEveryMinutes int
	// AlarmPrefix names the hub's alarms (<prefix>-pool-without-placeholder,
	// <prefix>-job-list-capped). Default: "hubspoke".
	AlarmPrefix string
	// AgentClusterPrefix and AgentServiceName: each demand spoke's agents
	// run in the cluster AgentClusterPrefix + its name, as the service
	// AgentServiceName; the poller lists that service's tasks with the
	// spoke's publisher role to count the tasks started (the fleet
	// dashboard's TasksStarted). Default: "" (tasks are not counted).
	AgentClusterPrefix, AgentServiceName string
	// GroupSize is how many spokes share a Group value of the fleet
	// figures (in fleet order): the fleet dashboard shows one group at a
	// time. Default: DefaultGroupSize.
	GroupSize int
}

// DefaultGroupSize: the fleet dashboard shows 100 spokes at a time: its
// widest graph (busy, idle, starting, floor, ceiling a spoke) then holds
// 500 series, CloudWatch's most a widget shows and a SEARCH returns, and
// its 10 lines a spoke 1,000 metrics of the 2,500 a dashboard may retrieve.
const DefaultGroupSize = 100

// GroupName is the Group dimension value of the g-th group (from 0) of
// size spokes: "spokes-<first>-<last>", counted from 1.
func GroupName(g, size int) string {
	return fmt.Sprintf("spokes-%d-%d", g*size+1, (g+1)*size)
}

// Groups names the groups of size spokes the spokes of pools fall in, in
// fleet order (pools in order, each pool's spokes in order): the poller
// counts them the same way (demandpoller.py, GROUPS), so the fleet's
// figures need no group written per spoke into its code.
func Groups(pools []DemandPool, size int) []string {
	if size <= 0 {
		size = DefaultGroupSize
	}
	n := 0
	for _, p := range pools {
		n += len(p.Spokes)
	}
	var names []string
	for g := 0; g*size < n; g++ {
		names = append(names, GroupName(g, size))
	}
	return names
}

// DemandPoller keeps the fleet's agent pools and counts their jobs, once a
// minute. In each pool it keeps a placeholder agent registered (offline,
// the fleet agents' capabilities: Azure DevOps fails a job at queue time in
// a pool where no agent could take it, and queues it when an offline one
// could) and removes the fleet's ghost agents (offline past a grace); for
// spokes that follow demand it counts the pool's waiting and running jobs
// (one Azure DevOps call per pool, however many spokes share it) and
// publishes each spoke's AgentsWanted and DemandKnown into the spoke's own
// CloudWatch through the spoke's publisher role, and each spoke's figures
// for the fleet dashboard (job wait, agents busy, idle and starting, floor,
// ceiling, waiting jobs, DemandKnown) into the hub's own CloudWatch, read
// from the same lists (no further Azure DevOps call). Two hub alarms: a pool
// without a placeholder for 10 minutes, a pool whose job list was cut at
// its cap. Runs never overlap: a run ends within its 50 s timeout, before
// the next minute's. No reserved concurrency: reserving any fails the
// deploy in an account whose concurrency quota is still the new-account
// minimum. The function's code is inline, the pools and spokes written into
// it.
type DemandPoller interface {
	constructs.IConstruct
	Role() awsiam.IRole
	Function() awslambda.CfnFunction
	PlaceholderAlarm() awscloudwatch.CfnAlarm
	CappedAlarm() awscloudwatch.CfnAlarm
	// Groups are the Group values the fleet figures take, in order.
	Groups() []string
	Namespace() string
}

type demandPoller struct {
	constructs.Construct
	role                awsiam.Role
	fn                  awslambda.CfnFunction
	placeholder, capped awscloudwatch.CfnAlarm
	groups              []string
	namespace           string
}

func (p *demandPoller) Groups() []string  { return p.groups }
func (p *demandPoller) Namespace() string { return p.namespace }

func (p *demandPoller) Role() awsiam.IRole                       { return p.role }
func (p *demandPoller) Function() awslambda.CfnFunction          { return p.fn }
func (p *demandPoller) PlaceholderAlarm() awscloudwatch.CfnAlarm { return p.placeholder }
func (p *demandPoller) CappedAlarm() awscloudwatch.CfnAlarm      { return p.capped }

// PollerMemoryMiB sizes the function for spokes: Lambda's CPU follows its
// memory, and creating each spoke's CloudWatch client on a cold start is
// CPU work (1,000 spokes took 18 s of one core under moto): 256 MiB plus 2
// per spoke, up to 1,769 MiB (one full vCPU).
func PollerMemoryMiB(spokes int) int { return min(256+2*spokes, 1769) }

// compactSpoke is a DemandSpoke in the function's code: its actions as the
// index of its schedule in the shared list.
type compactSpoke struct {
	DemandSpoke
	Actions  []DemandAction `json:"actions,omitempty"` // always empty: shadows DemandSpoke's
	Schedule *int           `json:"schedule,omitempty"`
	Auto     *DemandAuto    `json:"auto,omitempty"` // always nil: shadows DemandSpoke's
	AutoRef  *int           `json:"autoRef,omitempty"`
}

// sharedSchedules writes each distinct list of actions once: spokes of one
// fleet mostly share their schedule, and 1,000 spokes' actions written out
// one by one would take most of the hub template's 1 MB. The function
// expands them again when it loads.
func sharedSchedules(in []DemandPool) ([]map[string]any, [][]DemandAction) {
	var schedules [][]DemandAction
	index := map[string]int{}
	out := make([]map[string]any, 0, len(in))
	for _, p := range in {
		spokes := make([]compactSpoke, 0, len(p.Spokes))
		for _, s := range p.Spokes {
			c := compactSpoke{DemandSpoke: s}
			if len(s.Actions) > 0 {
				key, _ := json.Marshal(s.Actions)
				i, ok := index[string(key)]
				if !ok {
					i = len(schedules)
					index[string(key)] = i
					schedules = append(schedules, s.Actions)
				}
				c.Schedule = &i
			}
			spokes = append(spokes, c)
		}
		out = append(out, map[string]any{"url": p.URL, "pool": p.Pool, "spokes": spokes})
	}
	return out, schedules
}

// sharedAutos writes each distinct automatic standby once, as
// sharedSchedules does the actions: at 1,000 spokes that all use one it
// keeps 90 KB out of the hub template.
func sharedAutos(pools []map[string]any) ([]map[string]any, []DemandAuto) {
	var autos []DemandAuto
	index := map[DemandAuto]int{}
	for _, p := range pools {
		spokes := p["spokes"].([]compactSpoke)
		for j, c := range spokes {
			if c.DemandSpoke.Auto == nil {
				continue
			}
			i, ok := index[*c.DemandSpoke.Auto]
			if !ok {
				i = len(autos)
				index[*c.DemandSpoke.Auto] = i
				autos = append(autos, *c.DemandSpoke.Auto)
			}
			spokes[j].AutoRef = &i
		}
	}
	return pools, autos
}

// demandZones are the UTC offsets (schedule.Offsets: from Unix seconds,
// minutes east) of every zone the demand spokes' actions name, so that the
// function reads their local times without a tz database of its own (the
// Lambda runtime's is not documented).
func demandZones(pools []DemandPool) map[string][][2]int64 {
	out := map[string][][2]int64{}
	for _, p := range pools {
		for _, s := range p.Spokes {
			for _, a := range s.Actions {
				if _, done := out[a.Zone]; done {
					continue
				}
				offs, err := schedule.Offsets(a.Zone)
				if err != nil {
					panic(fmt.Sprintf("time zone %q: %v", a.Zone, err)) // config validated every zone
				}
				for _, o := range offs {
					out[a.Zone] = append(out[a.Zone], [2]int64{o.From, int64(o.Minutes)})
				}
			}
		}
	}
	return out
}

// DemandPollerCode is the function's inline code for the given FLEET value
// (JSON): a Python string literal of it, then the poller.
func DemandPollerCode(fleetJSON string) string {
	return "import json\nFLEET = json.loads(" + strconv.Quote(fleetJSON) + ")\n" + demandPollerCode
}

// NewDemandPoller creates the function, its role and log group, and the
// rule that runs it every minute.
func NewDemandPoller(scope constructs.Construct, id string, props *DemandPollerProps) DemandPoller {
	this := constructs.NewConstruct(scope, &id)
	namespace := props.Namespace
	if namespace == "" {
		namespace = DefaultDemandNamespace
	}
	// The secret's ARN is a token inside the code: CloudFormation joins it
	// in (Fn::Join) at deploy time.
	caps := props.PlaceholderCapabilities
	if caps == nil {
		caps = DefaultPlaceholderCapabilities()
	}
	groups := Groups(props.Pools, props.GroupSize)
	pools, schedules := sharedSchedules(props.Pools)
	pools, autos := sharedAutos(pools)
	value := map[string]any{
		"secretArn": props.Token.SecretArn(), "namespace": namespace, "pools": pools, "schedules": schedules, "zones": demandZones(props.Pools),
		"groupSize": orDefault(props.GroupSize, DefaultGroupSize), "service": props.AgentServiceName,
		"holdSeconds": orDefault(props.HoldSeconds, DefaultHoldSeconds), "ghostGraceSeconds": orDefault(props.GhostGraceSeconds, DefaultGhostGraceSeconds),
		"maintainEveryMinutes": orDefault(props.MaintainEveryMinutes, DefaultMaintainEveryMinutes),
		"placeholder":          map[string]any{"name": DefaultPlaceholderName, "version": DefaultPlaceholderVersion, "capabilities": caps},
	}
	if len(autos) > 0 {
		value["autos"] = autos
	}
	if props.AgentClusterPrefix != "" && props.AgentServiceName != "" {
		value["clusterPrefix"], value["service"] = props.AgentClusterPrefix, props.AgentServiceName
	}
	fleet, err := json.Marshal(value)
	if err != nil {
		panic(err)
	}
	spokes := 0
	for _, p := range props.Pools {
		for _, s := range p.Spokes {
			if s.Demand {
				spokes++
			}
		}
	}
	// The fleet's own metrics go to the hub's CloudWatch, in the namespace
	// only (PutMetricData has no resource to name).
	statements := []any{map[string]any{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": namespace}}}}
	if props.PublisherRoleArns != "" {
		statements = append([]any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": props.PublisherRoleArns}}, statements...)
	}
	auto := false
	for _, p := range props.Pools {
		for _, s := range p.Spokes {
			auto = auto || s.Auto != nil
		}
	}
	if auto {
		// An automatic standby reads the spokes' history back; GetMetricData
		// has no resource type and no condition key to narrow it.
		statements = append(statements, map[string]any{"Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"})
	}
	role, fn := inlinePythonFunction{
		RoleName:         props.RoleName,
		RoleDescription:  "Keeps the agent pools (placeholder agent, ghost agents) and publishes each demand spoke's jobs into the spoke's CloudWatch",
		PolicyName:       "Poll",
		Statements:       statements,
		Description:      "Keeps the fleet's agent pools and counts their waiting and running jobs once a minute",
		Code:             DemandPollerCode(string(fleet)),
		TimeoutSeconds:   50,
		MemoryMiB:        PollerMemoryMiB(spokes),
		LogRetentionDays: props.LogRetentionDays,
	}.add(this)
	// Read the token through the role's own policy: the hub account's key
	// policy already lets its IAM policies decide, so the key and secret
	// policies (and their size ceilings) stay as they are.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: &[]*string{props.Token.SecretArn()},
	}))
	if key := props.Token.EncryptionKey(); key != nil {
		region := awscdk.Stack_Of(this).Region()
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("kms:Decrypt"), Resources: &[]*string{key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *region + ".amazonaws.com"}},
		}))
	}
	if props.PublisherRoleArns != "" {
		Suppress(role, "AwsSolutions-IAM5", "The spokes' publisher roles, one per spoke account, share one name pattern; each role's trust policy admits this role only.", "Resource::"+props.PublisherRoleArns)
	}
	Suppress(role, "AwsSolutions-IAM5", "cloudwatch:PutMetricData has no resource type; the statement is limited to the demand namespace. cloudwatch:GetMetricData (only with an automatic standby) has neither a resource type nor a condition key; it reads the hub account's metrics.", "Resource::*")
	// The function runs (every minute) only with its role's token policy
	// in place.
	fn.Node().AddDependency(role)
	// A minute's count is stale a minute later: a run that could not start
	// (throttled) is dropped, not queued and retried.
	awslambda.NewCfnEventInvokeConfig(this, jsii.String("DropStaleRuns"), &awslambda.CfnEventInvokeConfigProps{
		FunctionName:             fn.Ref(),
		Qualifier:                jsii.String("$LATEST"),
		MaximumEventAgeInSeconds: jsii.Number(60),
		MaximumRetryAttempts:     jsii.Number(0),
	})
	rule := awsevents.NewCfnRule(this, jsii.String("EveryMinute"), &awsevents.CfnRuleProps{
		Description:        jsii.String("Runs the demand poller every minute"),
		ScheduleExpression: jsii.String("rate(1 minute)"),
		Targets:            &[]any{&awsevents.CfnRule_TargetProperty{Id: jsii.String("Poller"), Arn: fn.AttrArn()}},
	})
	awslambda.NewCfnPermission(this, jsii.String("FromRule"), &awslambda.CfnPermissionProps{
		Action:       jsii.String("lambda:InvokeFunction"),
		FunctionName: fn.AttrArn(),
		Principal:    jsii.String("events.amazonaws.com"),
		SourceArn:    rule.AttrArn(),
	})
	prefix := props.AlarmPrefix
	if prefix == "" {
		prefix = "hubspoke"
	}
	// Missing data is breaching: a poller that stopped running is as bad.
	alarm := func(id, name, metric, what string, periods int) awscloudwatch.CfnAlarm {
		return awscloudwatch.NewCfnAlarm(this, jsii.String(id), &awscloudwatch.CfnAlarmProps{
			AlarmName: jsii.String(prefix + "-" + name), AlarmDescription: jsii.String(what),
			Namespace: jsii.String(namespace), MetricName: jsii.String(metric), Statistic: jsii.String("Minimum"),
			Period: jsii.Number(60), EvaluationPeriods: jsii.Number(float64(periods)), Threshold: jsii.Number(1),
			ComparisonOperator: jsii.String("GreaterThanOrEqualToThreshold"), TreatMissingData: jsii.String("breaching"),
		})
	}
	placeholder := alarm("PlaceholderAlarm", "pool-without-placeholder", "PoolsWithoutPlaceholder",
		"A pool of the fleet has had no placeholder agent for 10 minutes: Azure DevOps fails its jobs while no agent is registered. The poller's log says which pool and why (pool missing, token without the pool's Administrator role).", 10)
	capped := alarm("CappedAlarm", "job-list-capped", "PoolsCapped",
		"A pool has had more unfinished job requests than one Azure DevOps answer holds (200) for 5 minutes: its waiting jobs are counted at least, not exactly. The poller's log names the pool.", 5)
	return &demandPoller{Construct: this, role: role, fn: fn, placeholder: placeholder, capped: capped, groups: groups, namespace: namespace}
}
