package constructs

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/azdostandin"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
)

// With demand, each scheduled action sets the floor and ceiling, and one
// step scaling policy (ExactCapacity, the DemandSteps) sets the count from
// AgentsWanted through an alarm that is in ALARM whenever the metric has
// data. Without demand: min = max and no policy, no alarm.
func TestAgentScheduleDemand(t *testing.T) {
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{})
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 480, ScaleDown: 1080, RestoreAfter: 5, Weekday: 2, Night: 0, Weekend: 0,
		Demand: &schedule.Demand{WorkHoursMax: 6, OffHoursMax: 1}}
	s := NewAgentSchedule(stack, "Schedule", &AgentScheduleProps{Service: svc.Service(), Week: week, DemandDimensions: map[string]string{"Spoke": "dev"}})
	if s.Demand() == nil {
		t.Fatal("no demand policy")
	}
	tpl := testutil.Template(stack)
	steps := []any{}
	for _, st := range schedule.DemandSteps(6) {
		step := map[string]any{"MetricIntervalLowerBound": st.Lower, "ScalingAdjustment": st.Capacity}
		if st.Upper > 0 {
			step["MetricIntervalUpperBound"] = st.Upper
		} else {
			step["MetricIntervalUpperBound"] = assertions.Match_Absent()
		}
		steps = append(steps, step)
	}
	testutil.Check(t, "demand", func() {
		tpl.HasResourceProperties(str("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
			"MinCapacity": 0, "MaxCapacity": 6,
			"ScheduledActions": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"ScheduledActionName": "weekday-scale-up", "ScalableTargetAction": map[string]any{"MinCapacity": 2, "MaxCapacity": 6}}),
				assertions.Match_ObjectLike(&map[string]any{"ScheduledActionName": "night-scale-down", "ScalableTargetAction": map[string]any{"MinCapacity": 0, "MaxCapacity": 1}}),
				assertions.Match_ObjectLike(&map[string]any{"ScheduledActionName": "daily-refresh", "ScalableTargetAction": map[string]any{"MinCapacity": 0, "MaxCapacity": 0}}),
				assertions.Match_ObjectLike(&map[string]any{"ScheduledActionName": "weekend-restore", "ScalableTargetAction": map[string]any{"MinCapacity": 0, "MaxCapacity": 1}}),
			}),
		})
		tpl.HasResourceProperties(str("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
			"PolicyType": "StepScaling",
			"StepScalingPolicyConfiguration": map[string]any{
				"AdjustmentType": "ExactCapacity", "Cooldown": 300, "MetricAggregationType": "Maximum",
				"StepAdjustments": steps,
			},
		})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"Namespace": "hubspoke/Demand", "MetricName": "AgentsWanted",
			"Dimensions": []any{map[string]any{"Name": "Spoke", "Value": "dev"}},
			"Statistic":  "Maximum", "Period": 60, "EvaluationPeriods": 1,
			"Threshold": 0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"AlarmActions": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("ScheduleFollowDemand"))}},
		})
	})

	plain := spokeStack(t)
	week.Demand = nil
	NewAgentSchedule(plain, "Schedule", &AgentScheduleProps{Service: newService(plain, AgentServiceProps{}).Service(), Week: week})
	testutil.Check(t, "no demand", func() {
		p := testutil.Template(plain)
		p.ResourceCountIs(str("AWS::ApplicationAutoScaling::ScalingPolicy"), num(0))
		p.ResourceCountIs(str("AWS::CloudWatch::Alarm"), num(0))
		p.HasResourceProperties(str("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{"MaxCapacity": 2})
	})
}

// The spoke's publisher role: trusted through the hub account with the
// poller's ARN as a condition (no principal that must exist first), allowed
// only PutMetricData in the demand namespace. The health alarm fires on 5
// minutes of DemandKnown below 1 or no data.
func TestDemandPublisherRoleAndAlarm(t *testing.T) {
	stack := spokeStack(t)
	NewDemandPublisherRole(stack, "Demand", &DemandPublisherRoleProps{
		RoleName: "hubspoke-dev-demand", PollerAccount: "111111111111",
		PollerRoleArn: "arn:aws:iam::111111111111:role/hubspoke-demand-poller",
	})
	NewAgentHealth(stack, "Health", &AgentHealthProps{ClusterName: "c", ServiceName: "s", Name: "hubspoke-dev", DemandDimensions: map[string]string{"Spoke": "dev"}})
	tpl := testutil.Template(stack)
	testutil.Check(t, "publisher", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-dev-demand",
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": "arn:aws:iam::111111111111:role/hubspoke-demand-poller"}},
			}}},
		})
		tpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "cloudwatch:PutMetricData", "Effect": "Allow", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": "hubspoke/Demand"}},
		}}}})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-dev-demand-unknown", "MetricName": "DemandKnown", "Statistic": "Minimum",
			"Threshold": 1, "ComparisonOperator": "LessThanThreshold", "EvaluationPeriods": 5, "TreatMissingData": "breaching",
		})
	})
}

// The hub's poller: every minute, ending within 50 s, may read the token and
// assume the spokes' publisher roles (by their name pattern), nothing else.
func TestDemandPollerTemplate(t *testing.T) {
	stack := spokeStack(t)
	secret := awssecretsmanager.NewSecret(stack, jsii.String("Token"), nil)
	NewDemandPoller(stack, "Poller", &DemandPollerProps{
		Token: secret, RoleName: "hubspoke-demand-poller", PublisherRoleArns: "arn:aws:iam::*:role/hubspoke-*-demand",
		Pools: []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", Demand: true, Region: "eu-west-1", RoleArn: "arn:aws:iam::2:role/hubspoke-dev-demand", AgentPrefix: "hubspoke-dev"}}}},
	})
	tpl := testutil.Template(stack)
	testutil.Check(t, "poller", func() {
		tpl.HasResourceProperties(str("AWS::Lambda::Function"), map[string]any{
			"Runtime": "python3.14", "ReservedConcurrentExecutions": assertions.Match_Absent(), "Timeout": 50, "MemorySize": 258,
		})
		tpl.HasResourceProperties(str("AWS::Lambda::EventInvokeConfig"), map[string]any{"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0})
		tpl.HasResourceProperties(str("AWS::Events::Rule"), map[string]any{"ScheduleExpression": "rate(1 minute)"})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-demand-poller",
			"Policies": []any{map[string]any{"PolicyName": "Poll", "PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/hubspoke-*-demand"},
			})}}},
		})
		tpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": map[string]any{"Ref": assertions.Match_AnyValue()}},
		})}})
		// The fleet's metrics into the hub's CloudWatch, in the namespace only.
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-demand-poller",
			"Policies": []any{map[string]any{"PolicyName": "Poll", "PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
					"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": "hubspoke/Demand"}}},
			})}}},
		})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-pool-without-placeholder", "MetricName": "PoolsWithoutPlaceholder", "Namespace": "hubspoke/Demand",
			"Statistic": "Minimum", "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "EvaluationPeriods": 10, "TreatMissingData": "breaching",
		})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-job-list-capped", "MetricName": "PoolsCapped", "EvaluationPeriods": 5,
		})
	})

	// A fleet without demand spokes: the keeper, no AssumeRole at all.
	plain := spokeStack(t)
	NewDemandPoller(plain, "Poller", &DemandPollerProps{
		Token: awssecretsmanager.NewSecret(plain, jsii.String("Token"), nil), RoleName: "hubspoke-demand-poller",
		Pools: []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", AgentPrefix: "hubspoke-dev"}}}},
	})
	if b, _ := json.Marshal(testutil.Template(plain).ToJSON()); strings.Contains(string(b), `"Action":"sts:AssumeRole","Effect":"Allow","Resource"`) || !strings.Contains(string(b), "hubspoke-pool-without-placeholder") {
		t.Error("a fleet without demand spokes: want the keeper and its alarm, no AssumeRole")
	}
}

// The scheduled actions as the poller reads them, by hand from the week:
// Amsterdam (UTC+1 in standard time), up 07:00 and down 19:00 local on
// weekdays, refresh 00:00 local standard = 23:00 UTC every day, restores
// 23:05 UTC on the days before (Sun-Thu for weekdays, Fri-Sat for weekends).
func TestDemandActions(t *testing.T) {
	got := DemandActions(schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5,
		Weekday: 1, Demand: &schedule.Demand{WorkHoursMax: 4, OffHoursMax: 2}})
	want := []DemandAction{
		{Zone: "Europe/Amsterdam", Hour: 7, Minute: 0, Days: []int{0, 1, 2, 3, 4}, Ceiling: 4, Floor: 1},
		{Zone: "Europe/Amsterdam", Hour: 19, Minute: 0, Days: []int{0, 1, 2, 3, 4}, Ceiling: 2},
		{Zone: "UTC", Hour: 23, Minute: 0, Ceiling: 0},
		{Zone: "UTC", Hour: 23, Minute: 5, Days: []int{6, 0, 1, 2, 3}, Ceiling: 2},
		{Zone: "UTC", Hour: 23, Minute: 5, Days: []int{4, 5}, Ceiling: 2},
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("actions\n%s\nwant\n%s", a, b)
	}
}

// The placeholder's default version is only its first one: the image takes
// the agent release the organization offers at each build
// (tools/resolve-agent-package.sh), so the Dockerfile pins none, and the
// keeper copies the version of the pool's newest fleet agent once one has
// registered (demandpoller.py, placeholder_body). The default must still be a
// release's version (major.minor.patch), never a placeholder string.
func TestPlaceholderDefaultVersion(t *testing.T) {
	b, err := os.ReadFile("../agent/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "ARG AGENT_VERSION=") {
		t.Errorf("agent/Dockerfile pins an agent version again: keep DefaultPlaceholderVersion (%s) the same release", DefaultPlaceholderVersion)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+\.[0-9]+$`).MatchString(DefaultPlaceholderVersion) {
		t.Errorf("DefaultPlaceholderVersion %q is not an agent release's version", DefaultPlaceholderVersion)
	}
}

// pollerRun is what the harness reports of one run.
type pollerRun struct {
	At        float64
	Published []struct {
		Spoke  string
		Wanted *int
		Known  bool
	}
	Problems       []string
	Fleet          map[string]int
	GhostsRemoved  []string
	Placeholders   map[string]string
	NotDeployedYet []string
	Calls          [][]any // method, org, path, status
	HistoryReads   []int   // the queries of each GetMetricData call (page) on the hub
}

type pollerResult struct {
	Runs     []pollerRun
	Controls []map[string]any
	ReadBack map[string]map[string]struct {
		Max     *float64
		Min     *float64
		Samples float64
	}
	LogHasToken bool
	Log         string
}

// wanted is what the run published for spoke: AgentsWanted ("-" when only
// DemandKnown was published) and known.
func (r pollerRun) wanted(spoke string) (string, bool, bool) {
	for _, p := range r.Published {
		if p.Spoke == spoke {
			if p.Wanted == nil {
				return "-", p.Known, true
			}
			return strconv.Itoa(*p.Wanted), p.Known, true
		}
	}
	return "", false, false
}

func (r pollerRun) callsTo(org string) []string {
	var out []string
	for _, c := range r.Calls {
		if c[1] == org {
			out = append(out, fmt.Sprintf("%s %s %v", c[0], c[2], c[3]))
		}
	}
	return out
}

func (r pollerRun) problem(part string) bool {
	return strings.Contains(strings.Join(r.Problems, "\n"), part)
}

const harnessPAT = "pat-SECRET-0123456789"

// runPoller runs the poller's code as the construct inlines it through one
// scenario against moto and srv (testdata/demandpoller_harness.py).
func runPoller(t *testing.T, srv *azdostandin.Server, scenario map[string]any) pollerResult {
	t.Helper()
	res, _ := runPollerBoth(t, srv, scenario)
	return res
}

// runPollerRaw is runPoller's whole answer, as JSON decodes it.
func runPollerRaw(t *testing.T, srv *azdostandin.Server, scenario map[string]any) map[string]any {
	t.Helper()
	_, raw := runPollerBoth(t, srv, scenario)
	return raw
}

func runPollerBoth(t *testing.T, srv *azdostandin.Server, scenario map[string]any) (pollerResult, map[string]any) {
	t.Helper()
	if err := exec.Command("python3", "-c", "import moto, boto3").Run(); err != nil {
		t.Fatal("python3 with moto and boto3 is needed (pip install moto boto3):", err)
	}
	web := httptest.NewServer(srv)
	defer web.Close()
	dir := t.TempDir()
	code := filepath.Join(dir, "code.py")
	if err := os.WriteFile(code, []byte(DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(scenario)
	scen := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(scen, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/demandpoller_harness.py", code, scen)
	cmd.Env = append(os.Environ(), "STANDIN_URL="+web.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s%s", err, out, stderr.String())
	}
	var res pollerResult
	var raw map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.LogHasToken {
		t.Errorf("the log holds the token:\n%s", res.Log)
	}
	if t.Failed() {
		t.Logf("log:\n%s", res.Log)
	}
	return res, raw
}

// Scenario helpers: a spoke, a pool, a fleet with every pool kept each
// minute (maintainEveryMinutes 1) unless said otherwise.
func demandSpoke(name string, ceiling int) map[string]any {
	return map[string]any{"name": name, "agentPrefix": "hubspoke-" + name, "demand": true, "region": "eu-west-1",
		"roleArn": fmt.Sprintf("arn:aws:iam::222222222222:role/hubspoke-%s-demand", name), "ceiling": ceiling}
}

func plainSpoke(name string) map[string]any {
	return map[string]any{"name": name, "agentPrefix": "hubspoke-" + name}
}

func pool(org, name string, spokes ...map[string]any) map[string]any {
	return map[string]any{"url": org, "pool": name, "spokes": spokes}
}

func fleetOf(pools ...map[string]any) map[string]any {
	return map[string]any{"namespace": "hubspoke/Demand", "maintainEveryMinutes": 1, "holdSeconds": 900, "ghostGraceSeconds": 600,
		"placeholder": map[string]any{"name": DefaultPlaceholderName, "version": DefaultPlaceholderVersion, "capabilities": DefaultPlaceholderCapabilities()},
		"pools":       pools}
}

func run(at time.Time) map[string]any { return map[string]any{"run": float64(at.Unix())} }

func ctl(path string, body map[string]any) map[string]any {
	return map[string]any{"control": path, "body": body}
}

var (
	monday  = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday
	admin   = map[string]azdostandin.Identity{harnessPAT: {Name: "build@example.com", PoolAdmin: true}}
	fleetOS = map[string]string{"Agent.OS": "Linux", "Agent.OSArchitecture": "X64", "Agent.Version": "4.261.0", "git": "/usr/bin/git", "curl": "/usr/bin/curl", "sh": "/usr/bin/sh"}
)

func mustQueue(t *testing.T, srv *azdostandin.Server, org, pool string, n int, demands ...string) {
	t.Helper()
	if demands == nil {
		demands = []string{"git"}
	}
	for i := 0; i < n; i++ {
		if _, err := srv.Queue(org, pool, demands, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func agentNames(srv *azdostandin.Server, org, pool string) []string {
	var out []string
	for _, a := range srv.Agents(org, pool) {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

// Waiting jobs go to deployed spokes with room now (ceiling minus running
// jobs), in proportion to it. Pool: dev runs 2 jobs (ceiling 8: room 6),
// dev-eu 1 (ceiling 4: room 3), test is at an off-hours ceiling of 0,
// notyet is not deployed (its role cannot be assumed), someone's laptop
// runs 1 job, a job only a Windows agent (the laptop) can take waits too
// (not ours: its matchedAgents hold no fleet agent), a finished job counts
// for none. 6 waiting: dev 2+6*6/9 = 6, dev-eu 1+6*3/9 = 3, test 0. Then 6
// more (12): 9 placed (dev 2+6 = 8, dev-eu 1+3 = 4), 3 unplaced, logged and
// in JobsUnplaced.
func TestPollerSharesByRoom(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("busy", admin, "hubspoke")
	win := map[string]string{"Agent.OS": "Windows_NT", "git": "C:\\git"}
	for _, n := range []string{"hubspoke-dev-ip-10-0-0-1", "hubspoke-dev-ip-10-0-0-2", "hubspoke-dev-eu-ip-10-1-0-3"} {
		srv.Register("busy", "hubspoke", n, "online", monday, fleetOS)
	}
	srv.Register("busy", "hubspoke", "laptop-of-someone", "online", monday, win)
	mustQueue(t, srv, "busy", "hubspoke", 3)                                // dev, dev, dev-eu
	mustQueue(t, srv, "busy", "hubspoke", 1, "Agent.OS -equals Windows_NT") // the laptop
	done, _ := srv.Queue("busy", "hubspoke", []string{"Agent.OS -equals Windows_NT"}, 0)
	srv.Finish("busy", "hubspoke", done.RequestID, "succeeded")
	mustQueue(t, srv, "busy", "hubspoke", 1, "Agent.OS -equals Windows_NT") // waits for the laptop: not ours
	mustQueue(t, srv, "busy", "hubspoke", 6)
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("busy", "hubspoke", demandSpoke("dev", 8), demandSpoke("dev-eu", 4), demandSpoke("test", 0), demandSpoke("notyet", 5))),
		"steps": []any{run(monday), ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			ctl("queue", map[string]any{"org": "busy", "pool": "hubspoke", "demands": []string{"git"}}),
			run(monday.Add(time.Minute))},
		"readBack": []string{"dev"},
	})
	for i, want := range []map[string]string{{"dev": "6", "dev-eu": "3", "test": "0"}, {"dev": "8", "dev-eu": "4", "test": "0"}} {
		r := res.Runs[i]
		for spoke, w := range want {
			if got, known, ok := r.wanted(spoke); !ok || got != w || !known {
				t.Errorf("run %d: %s wanted %s known %v, want %s known", i, spoke, got, known, w)
			}
		}
		if _, _, ok := r.wanted("notyet"); ok {
			t.Errorf("run %d: published for notyet, which is not deployed", i)
		}
		if len(r.NotDeployedYet) != 1 || r.NotDeployedYet[0] != "notyet" {
			t.Errorf("run %d: not deployed yet %v, want [notyet]", i, r.NotDeployedYet)
		}
	}
	if u := res.Runs[0].Fleet["JobsUnplaced"]; u != 0 {
		t.Errorf("run 0: %d jobs unplaced, want 0", u)
	}
	if u := res.Runs[1].Fleet["JobsUnplaced"]; u != 3 || !res.Runs[1].problem("3 job(s) waiting in pool 'hubspoke' that no deployed spoke has room for") {
		t.Errorf("run 1: JobsUnplaced %d, want 3 and a problem saying so: %q", u, res.Runs[1].Problems)
	}
	// One jobrequests call per run; the pool's look-up once; the agent list
	// (keeping) once per run at maintainEveryMinutes 1.
	if got := res.Runs[1].callsTo("busy"); !slices.Equal(got, []string{"GET /_apis/distributedtask/pools/10/agents 200", "GET /_apis/distributedtask/pools/10/jobrequests 200"}) {
		t.Errorf("run 1 calls %q", got)
	}
	if m := res.ReadBack["dev"]["AgentsWanted"]; m.Max == nil || *m.Max != 8 || m.Samples != 2 {
		t.Errorf("dev's CloudWatch AgentsWanted %+v, want max 8 over 2 samples", m)
	}
}

// Never an empty pool. A pool with no agent at all fails a job at queue
// time; after the keeper's first run it holds the placeholder (offline, the
// image's capabilities, registered as config.sh registers: a public key,
// maxParallelism 1, the agent version), so a job a fleet agent could take
// waits, and one no fleet agent could take (Windows) is still refused. A
// person deletes the placeholder: the next run puts it back. In a pool
// with a fleet agent, the placeholder copies that agent's capabilities
// (docker here), and follows them when a newer agent brings others
// (node.js).
func TestPollerKeepsThePlaceholder(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("keep", admin, "empty", "withagent")
	if _, err := srv.Queue("keep", "empty", []string{"git"}, 0); err == nil || !strings.Contains(err.Error(), "No agent found in pool empty which satisfies the specified demands: git") {
		t.Fatalf("a job in an empty pool: %v, want refused", err)
	}
	withDocker := maps.Clone(fleetOS)
	withDocker["docker"] = "/usr/bin/docker"
	srv.Register("keep", "withagent", "hubspoke-dev-ip-10-0-0-9", "online", monday, withDocker)
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("keep", "empty", plainSpoke("dev")), pool("keep", "withagent", plainSpoke("dev"))),
		"steps": []any{run(monday),
			ctl("queue", map[string]any{"org": "keep", "pool": "empty", "demands": []string{"git", "Agent.OS -equals Linux"}}),
			ctl("queue", map[string]any{"org": "keep", "pool": "empty", "demands": []string{"Agent.OS -equals Windows_NT"}}),
			ctl("delete", map[string]any{"org": "keep", "pool": "empty", "name": DefaultPlaceholderName}),
			run(monday.Add(time.Minute)),
			// A fleet agent of a newer image (node.js) registers (its
			// listener not connected yet: offline, inside the grace): the
			// placeholder follows its capabilities.
			ctl("register", map[string]any{"org": "keep", "pool": "empty", "name": "hubspoke-dev-ip-10-0-0-8", "status": "offline",
				"capabilities": map[string]string{"Agent.OS": "Linux", "git": "/usr/bin/git", "node.js": "/usr/bin/node"}}),
			run(monday.Add(2 * time.Minute)), run(monday.Add(3 * time.Minute))},
	})
	if q := res.Controls[0]; q["requestId"] == nil {
		t.Errorf("a Linux job after the placeholder: %v, want queued", q)
	}
	if q := res.Controls[1]; q["status"] != float64(400) || !strings.Contains(fmt.Sprint(q["message"]), "No agent found in pool empty") {
		t.Errorf("a Windows job: %v, want refused at once", q)
	}
	for i, want := range []string{"created", "created", "updated", "present"} {
		var got string
		for k, v := range res.Runs[i].Placeholders {
			if strings.HasSuffix(k, "/keep/empty") {
				got = v
			}
		}
		if got != want {
			t.Errorf("run %d: placeholder %q, want %q", i, got, want)
		}
	}
	for _, p := range []string{"empty", "withagent"} {
		var ph *azdostandin.Agent
		for _, a := range srv.Agents("keep", p) {
			if a.Name == DefaultPlaceholderName {
				ph = &a
			}
		}
		if ph == nil {
			t.Fatalf("no placeholder in %s: %v", p, agentNames(srv, "keep", p))
		}
		if ph.Status != "offline" || ph.MaxParallelism != 1 || ph.Version != "4.261.0" || ph.Authorization == nil || ph.Authorization.PublicKey == nil {
			t.Errorf("%s: placeholder %+v, want offline, maxParallelism 1, version 4.261.0, a public key", p, ph)
		}
		_, docker := ph.SystemCapabilities["docker"]
		_, node := ph.SystemCapabilities["node.js"]
		if ph.SystemCapabilities["Agent.OS"] != "Linux" || ph.SystemCapabilities["git"] == "" || docker != (p == "withagent") || node != (p == "empty") {
			t.Errorf("%s: placeholder capabilities %v", p, ph.SystemCapabilities)
		}
	}
	if n := res.Runs[1].Fleet["PoolsWithoutPlaceholder"]; n != 0 {
		t.Errorf("PoolsWithoutPlaceholder %d after recreating it", n)
	}
	// The queued job waits: the placeholder never takes it.
	for _, r := range srv.Requests("keep", "empty") {
		if r.ReservedAgent != nil {
			t.Errorf("request %d assigned to %s", r.RequestID, r.ReservedAgent.Name)
		}
	}
}

// A demand spoke whose pool goes to 0 at night (floor 0, off-hours ceiling
// 2; refresh at 01:00 UTC, restore at 01:05): a job queued in the refresh
// window (01:02, ceiling 0) waits, reported unplaced, not rejected; a job
// queued at 02:00 waits and the spoke is asked for 1 agent; the agent
// registers (as config.sh does) and comes online, takes the job; when the
// job is done the spoke wants 0 again.
//
// The function has no tz database (the Lambda runtime's is not documented):
// the zones' UTC offsets come with the fleet (demandZones). Without them the
// poller would count the week's largest ceiling (4) in the refresh window.
func TestPollerNightJob(t *testing.T) {
	t.Run("offsets, no tz database", func(t *testing.T) { testPollerNightJob(t, true) })
	t.Run("no offsets, no tz database", func(t *testing.T) {
		res, _ := nightJobRun(t, false)
		if got, _, _ := res.Runs[1].wanted("dev"); got != "1" {
			t.Errorf("without offsets, in the refresh window dev wanted %s, want 1 (the largest ceiling's share)", got)
		}
	})
}

func nightJobRun(t *testing.T, offsets bool) (pollerResult, *azdostandin.Server) {
	srv := azdostandin.New(monday)
	srv.AddOrg("night", admin, "hubspoke")
	week := schedule.Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, Refresh: 0, RestoreAfter: 5,
		Weekday: 1, Night: 0, Weekend: 0, Demand: &schedule.Demand{WorkHoursMax: 4, OffHoursMax: 2}}
	spoke := demandSpoke("dev", 0)
	delete(spoke, "ceiling")
	spoke["actions"] = DemandActions(week)
	fleet := fleetOf(pool("night", "hubspoke", spoke))
	if offsets {
		fleet["zones"] = demandZones([]DemandPool{{Spokes: []DemandSpoke{{Actions: DemandActions(week)}}}})
	}
	// Amsterdam's standard time is UTC+1: the refresh is at 23:00 UTC, the
	// restore at 23:05 UTC (tuesday 00:00/00:05 local).
	tue := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	refresh := tue.Add(-58 * time.Minute) // 23:02 UTC monday, in the window
	res := runPoller(t, srv, map[string]any{
		"fleet": fleet, "noTzDatabase": true,
		"steps": []any{run(refresh.Add(-3 * time.Minute)),
			ctl("queue", map[string]any{"org": "night", "pool": "hubspoke", "demands": []string{"git"}, "runSeconds": 0}),
			run(refresh),
			run(tue.Add(2 * time.Hour)), // 02:00 UTC: restored, ceiling 2
			ctl("register", map[string]any{"org": "night", "pool": "hubspoke", "name": "hubspoke-dev-ip-10-0-0-5", "status": "online", "capabilities": fleetOS}),
			run(tue.Add(2*time.Hour + time.Minute)),
		},
	})
	return res, srv
}

func testPollerNightJob(t *testing.T, offsets bool) {
	res, srv := nightJobRun(t, offsets)
	if q := res.Controls[0]; q["requestId"] == nil {
		t.Fatalf("the job in the refresh window was refused: %v", q)
	}
	for i, want := range []string{"0", "0", "1", "1"} {
		if got, known, _ := res.Runs[i].wanted("dev"); got != want || !known {
			t.Errorf("run %d: dev wanted %s known %v, want %s", i, got, known, want)
		}
	}
	if !res.Runs[1].problem("1 job(s) waiting in pool 'hubspoke' that no deployed spoke has room for") {
		t.Errorf("the refresh window's job is not reported unplaced: %q", res.Runs[1].Problems)
	}
	if res.Runs[2].Fleet["JobsUnplaced"] != 0 {
		t.Errorf("at 02:00 the job is still unplaced: %v", res.Runs[2].Fleet)
	}
	reqs := srv.Requests("night", "hubspoke")
	if len(reqs) != 1 || reqs[0].ReservedAgent == nil || reqs[0].ReservedAgent.Name != "hubspoke-dev-ip-10-0-0-5" {
		t.Errorf("the job was not taken by the new agent: %+v", reqs)
	}
}

// No ghosts: an offline fleet agent idle past the grace (10 minutes) is
// deleted, one offline for 3 minutes only once it passes the grace; never an
// online agent, a busy offline one (its job is still assigned), the
// placeholder, someone's laptop, or an agent whose name only looks like
// ours (hubspoke-devx-..., not hubspoke-dev-).
func TestPollerRemovesGhosts(t *testing.T) {
	start := monday.Add(-20 * time.Minute)
	srv := azdostandin.New(start)
	srv.AddOrg("ghosts", admin, "hubspoke")
	srv.Register("ghosts", "hubspoke", "hubspoke-dev-ip-10-0-0-1", "offline", start, fleetOS) // killed, never deregistered
	srv.Register("ghosts", "hubspoke", "hubspoke-dev-ip-10-0-0-4", "online", start, fleetOS)
	mustQueue(t, srv, "ghosts", "hubspoke", 1)
	must(t, srv.SetStatus("ghosts", "hubspoke", "hubspoke-dev-ip-10-0-0-4", "offline")) // lost, its job still assigned
	srv.Register("ghosts", "hubspoke", "laptop-of-someone", "offline", start, fleetOS)
	srv.Register("ghosts", "hubspoke", "hubspoke-devx-ip-10-0-0-7", "offline", start, fleetOS)
	srv.Register("ghosts", "hubspoke", DefaultPlaceholderName, "offline", start, fleetOS)
	srv.SetNow(monday)
	srv.Register("ghosts", "hubspoke", "hubspoke-dev-ip-10-0-0-3", "online", monday.Add(-time.Hour), fleetOS)
	srv.Register("ghosts", "hubspoke", "hubspoke-dev-ip-10-0-0-2", "offline", monday.Add(-3*time.Minute), fleetOS)
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("ghosts", "hubspoke", plainSpoke("dev"))),
		"steps": []any{run(monday), run(monday.Add(8 * time.Minute))},
	})
	if g := res.Runs[0].GhostsRemoved; !slices.Equal(g, []string{"hubspoke-dev-ip-10-0-0-1"}) {
		t.Errorf("run 0 removed %v, want the 20-minute ghost only", g)
	}
	if g := res.Runs[1].GhostsRemoved; !slices.Equal(g, []string{"hubspoke-dev-ip-10-0-0-2"}) {
		t.Errorf("run 1 removed %v, want the one offline 11 minutes now", g)
	}
	want := []string{"hubspoke-dev-ip-10-0-0-3", "hubspoke-dev-ip-10-0-0-4", "hubspoke-devx-ip-10-0-0-7", DefaultPlaceholderName, "laptop-of-someone"}
	if got := agentNames(srv, "ghosts", "hubspoke"); !slices.Equal(got, want) {
		t.Errorf("agents left %v, want %v", got, want)
	}
	if res.Runs[0].Fleet["GhostsRemoved"] != 1 {
		t.Errorf("GhostsRemoved metric %v", res.Runs[0].Fleet)
	}
}

// A one-spoke pool at floor 1 across a day: its one agent takes a job,
// deregisters at exit (DELETE, as config.sh remove does) and the next task
// registers a minute later. A job queued in that minute is refused by Azure
// DevOps when the pool is empty; with the keeper's placeholder none of the
// day's 72 jobs (every 20 minutes, each in the gap) is refused. Without the
// keeper's run the first one already is.
func TestPollerOneSpokePoolAtFloorOneRejectsNothing(t *testing.T) {
	for _, keeper := range []bool{true, false} {
		srv := azdostandin.New(monday)
		srv.AddOrg("one", admin, "hubspoke")
		var steps []any
		if keeper {
			steps = append(steps, run(monday))
		}
		for i := 0; i < 72; i++ {
			at := monday.Add(time.Duration(i) * 20 * time.Minute)
			name := fmt.Sprintf("hubspoke-dev-ip-10-0-1-%d", i)
			steps = append(steps,
				ctl("register", map[string]any{"org": "one", "pool": "hubspoke", "name": name, "status": "online", "capabilities": fleetOS}),
				ctl("delete", map[string]any{"org": "one", "pool": "hubspoke", "name": name}), // its job done, it exits
				ctl("queue", map[string]any{"org": "one", "pool": "hubspoke", "demands": []string{"git"}, "runSeconds": 0}))
			if keeper && i%15 == 14 {
				steps = append(steps, run(at.Add(10*time.Minute)))
			}
		}
		res := runPoller(t, srv, map[string]any{"fleet": fleetOf(pool("one", "hubspoke", plainSpoke("dev"))), "steps": steps})
		refused := 0
		for i := 2; i < len(res.Controls); i += 3 { // register, delete, queue
			if _, queued := res.Controls[i]["requestId"]; !queued {
				refused++
			}
		}
		if len(res.Controls) != 3*72 {
			t.Fatalf("%d controls answered, want %d", len(res.Controls), 3*72)
		}
		if keeper && refused != 0 {
			t.Errorf("with the placeholder %d of 72 jobs were refused", refused)
		}
		if !keeper && refused != 72 {
			t.Errorf("without the keeper %d of 72 jobs were refused, want all (the pool is empty between agents)", refused)
		}
	}
}

// A job can read its agent's credentials, and a copy of them running
// elsewhere stays online after the task is gone. An agent of the spoke
// registered longer ago than any live agent can be (24 h refresh +
// maxJobMinutes 120 + 30 = 1,590 minutes) is deleted, online or busy; a
// younger online one, another machine and the placeholder stay, however old.
func TestPollerRemovesAgentsOlderThanAnyLiveOne(t *testing.T) {
	srv := azdostandin.New(monday.Add(-30 * 24 * time.Hour))
	srv.AddOrg("old", admin, "hubspoke")
	srv.Register("old", "hubspoke", DefaultPlaceholderName, "offline", monday.Add(-30*24*time.Hour), fleetOS)
	srv.Register("old", "hubspoke", "laptop-of-someone", "online", monday.Add(-30*24*time.Hour), fleetOS)
	srv.Register("old", "hubspoke", "hubspoke-dev-copied", "online", monday.Add(-1591*time.Minute), fleetOS)
	srv.Register("old", "hubspoke", "hubspoke-dev-young", "online", monday.Add(-1589*time.Minute), fleetOS)
	srv.SetNow(monday)
	spoke := plainSpoke("dev")
	spoke["maxAgentMinutes"] = 24*60 + 120 + 30
	if MaxAgentMinutes(120) != 1590 {
		t.Errorf("MaxAgentMinutes(120) = %d, want 1590 (24 h + 120 + 30)", MaxAgentMinutes(120))
	}
	res := runPoller(t, srv, map[string]any{"fleet": fleetOf(pool("old", "hubspoke", spoke)), "steps": []any{run(monday)}})
	if g := res.Runs[0].GhostsRemoved; !slices.Equal(g, []string{"hubspoke-dev-copied"}) {
		t.Errorf("removed %v, want the agent registered 1,591 minutes ago only", g)
	}
	want := []string{"hubspoke-dev-young", DefaultPlaceholderName, "laptop-of-someone"}
	if got := agentNames(srv, "old", "hubspoke"); !slices.Equal(got, want) {
		t.Errorf("agents left %v, want %v", got, want)
	}
}

// Between fleet agents (a floor of 0, the refresh) the placeholder keeps the
// capabilities it copied: the image's defaults would drop "docker", and a
// job demanding it would be refused at night.
func TestPollerKeepsThePlaceholdersCapabilitiesBetweenAgents(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("night", admin, "hubspoke")
	caps := map[string]string{"Agent.OS": "Linux", "git": "/usr/bin/git", "docker": "/usr/bin/docker"}
	srv.Register("night", "hubspoke", DefaultPlaceholderName, "offline", monday, caps)
	res := runPoller(t, srv, map[string]any{"fleet": fleetOf(pool("night", "hubspoke", plainSpoke("dev"))), "steps": []any{run(monday)}})
	if srv.CallsTo("PUT", "/agents/") != 0 {
		t.Errorf("the placeholder was rewritten with no fleet agent in the pool: %d PUT calls", srv.CallsTo("PUT", "/agents/"))
	}
	if _, err := srv.Queue("night", "hubspoke", []string{"docker"}, 0); err != nil {
		t.Errorf("a job demanding docker at night: %v, want queued", err)
	}
	_ = res
}

// Errors hold the count. hold: counted 3 at 09:00; a 503 (09:01), a 429
// with Retry-After 120 (09:02; no call at 09:03, still backing off), 500s
// from then: AgentsWanted stays 3 with DemandKnown 0 until 15 minutes after
// the last count (09:14), then 0 (09:16). cold: a pool never counted in this
// container publishes DemandKnown 0 and no AgentsWanted (the count stays)
// for 15 minutes, then 0. A 401 holds too. An unreadable token secret holds
// every spoke.
func TestPollerErrorsHoldTheCount(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("hold", admin, "hubspoke")
	srv.AddOrg("cold", admin, "hubspoke")
	srv.AddOrg("denied", map[string]azdostandin.Identity{"another-pat": {Name: "x", PoolAdmin: true}}, "hubspoke")
	srv.Register("hold", "hubspoke", DefaultPlaceholderName, "offline", monday, fleetOS)
	mustQueue(t, srv, "hold", "hubspoke", 3)
	srv.Fail("cold", azdostandin.Fault{Status: 500, Count: 1000})
	at := func(m int) time.Time { return monday.Add(time.Duration(m) * time.Minute) }
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("hold", "hubspoke", demandSpoke("hold", 5)), pool("cold", "hubspoke", demandSpoke("cold", 5)), pool("denied", "hubspoke", demandSpoke("denied", 5))),
		"steps": []any{run(at(0)),
			ctl("fault", map[string]any{"org": "hold", "path": "jobrequests", "code": 503, "count": 1}), run(at(1)),
			ctl("fault", map[string]any{"org": "hold", "path": "jobrequests", "code": 429, "count": 1, "retryAfter": "120"}), run(at(2)), run(at(3)),
			ctl("fault", map[string]any{"org": "hold", "path": "jobrequests", "code": 500, "count": 100}), run(at(5)), run(at(14)), run(at(16)),
			map[string]any{"deleteSecret": true}, run(at(17)),
		},
	})
	type w struct {
		hold, cold string
		known      bool
	}
	wants := []w{{"3", "-", true}, {"3", "-", false}, {"3", "-", false}, {"3", "-", false}, {"3", "-", false}, {"3", "-", false}, {"0", "0", false}, {"0", "0", false}}
	for i, want := range wants {
		got, known, _ := res.Runs[i].wanted("hold")
		cold, coldKnown, _ := res.Runs[i].wanted("cold")
		if got != want.hold || known != want.known || cold != want.cold || coldKnown {
			t.Errorf("run %d: hold %s known %v, cold %s known %v; want hold %s known %v, cold %s not known", i, got, known, cold, coldKnown, want.hold, want.known, want.cold)
		}
		if d, known, _ := res.Runs[i].wanted("denied"); known || (i < 6 && d != "-") {
			t.Errorf("run %d: denied %s known %v, want no count, not known", i, d, known)
		}
	}
	if !res.Runs[2].problem("answered 429") || !res.Runs[3].problem("backing off") || len(res.Runs[3].callsTo("hold")) != 0 {
		t.Errorf("429: problems %q / %q, calls at 09:03 %q", res.Runs[2].Problems, res.Runs[3].Problems, res.Runs[3].callsTo("hold"))
	}
	for _, msg := range []string{"hold", "answered HTTP 503"} {
		if !res.Runs[1].problem(msg) {
			t.Errorf("run 1 problems lack %q: %q", msg, res.Runs[1].Problems)
		}
	}
	if !res.Runs[0].problem("denied rejected the token (HTTP 401)") {
		t.Errorf("401 not reported: %q", res.Runs[0].Problems)
	}
	// Pools the keeper could not read for two rounds (maintainEveryMinutes
	// 1: 2 minutes) count as without a placeholder: cold (500s) and denied
	// (401); hold's agent list was read every minute.
	if n := res.Runs[6].Fleet["PoolsWithoutPlaceholder"]; n != 2 || !res.Runs[6].problem("not seen with it for 16 minutes (the pool could not be read)") {
		t.Errorf("run 6: PoolsWithoutPlaceholder %d, want 2 (cold, denied); %q", n, res.Runs[6].Problems)
	}
	if !res.Runs[7].problem("the agent token secret could not be read") {
		t.Errorf("unreadable secret: %q", res.Runs[7].Problems)
	}
}

// Rate limits, on a fake clock (each run a minute apart, no two calls in
// the same second): the organization allows 10 TSTUs in 5 minutes and each
// call costs 1. The poller reads X-RateLimit-Remaining as it falls and
// pauses the organization when less than a fifth is left, until
// X-RateLimit-Reset: Azure DevOps never answers 429, the count holds
// meanwhile, and calls resume after the reset. Another organization answers
// 429 with Retry-After 120: no call to it for two minutes.
func TestPollerRateLimitBackOff(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("limited", admin, "hubspoke")
	srv.AddOrg("blocked", admin, "hubspoke")
	srv.RateLimit("limited", 10, 1)
	srv.Register("limited", "hubspoke", DefaultPlaceholderName, "offline", monday, fleetOS)
	mustQueue(t, srv, "limited", "hubspoke", 2)
	srv.Fail("blocked", azdostandin.Fault{Status: 429, Count: 1, RetryAfter: "120"})
	var steps []any
	for m := 0; m <= 12; m++ {
		steps = append(steps, run(monday.Add(time.Duration(m)*time.Minute)))
	}
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("limited", "hubspoke", demandSpoke("lim", 5)), pool("blocked", "hubspoke", demandSpoke("blk", 5))),
		"steps": steps,
	})
	paused := 0
	for i, r := range res.Runs {
		for _, c := range r.Calls {
			if c[1] == "limited" && c[3] == float64(429) {
				t.Errorf("run %d: Azure DevOps throttled the poller: %v", i, c)
			}
		}
		if len(r.callsTo("limited")) == 0 {
			paused++
			if got, known, _ := r.wanted("lim"); got != "2" || known || !r.problem("backing off") {
				t.Errorf("run %d (paused): lim %s known %v, want the count 2 held, not known; %q", i, got, known, r.Problems)
			}
		} else if got, known, _ := r.wanted("lim"); got != "2" || !known {
			t.Errorf("run %d: lim %s known %v, want 2 known", i, got, known)
		}
	}
	// Hand count: run 0 makes 3 calls (pool, agents, jobrequests; the
	// placeholder exists), runs 1-3 two each; the headers come from the 5th
	// call (half the limit); run 3 (09:03) sees Remaining 2 then 1; 1 < 2
	// pauses until Reset (09:08): runs 4-7 make no call, run 8 calls again
	// (the calls of 09:03 have left the window); runs 9-12 end at Remaining
	// 2, not below a fifth.
	if paused != 4 || len(res.Runs[8].callsTo("limited")) == 0 {
		t.Errorf("paused %d runs, want 4 and calls again by 09:08; calls per run: %v", paused, callCounts(res, "limited"))
	}
	if len(res.Runs[1].callsTo("blocked")) != 0 || len(res.Runs[2].callsTo("blocked")) == 0 {
		t.Errorf("blocked: calls per run %v, want none at 09:01 (Retry-After 120), some at 09:02", callCounts(res, "blocked"))
	}
}

func callCounts(res pollerResult, org string) []int {
	var out []int
	for _, r := range res.Runs {
		out = append(out, len(r.callsTo(org)))
	}
	return out
}

// More unfinished requests than one answer holds: 250 (240 waiting, 10
// running on the spoke's agents); the stand-in answers 200, as Azure DevOps
// does. Running jobs come from the agent list (10), waiting are at least
// the 190 listed: AgentsWanted 200 (ceiling 500), PoolsCapped 1 and a
// problem saying the pool was not counted whole.
func TestPollerCountsBeyondTheCap(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("big", admin, "hubspoke")
	srv.Register("big", "hubspoke", DefaultPlaceholderName, "offline", monday, fleetOS)
	for i := 0; i < 10; i++ {
		srv.Register("big", "hubspoke", fmt.Sprintf("hubspoke-big-ip-10-0-0-%d", i), "offline", monday, fleetOS)
	}
	mustQueue(t, srv, "big", "hubspoke", 250)
	for i := 0; i < 10; i++ {
		must(t, srv.SetStatus("big", "hubspoke", fmt.Sprintf("hubspoke-big-ip-10-0-0-%d", i), "online"))
	}
	spoke := demandSpoke("big", 500)
	f := fleetOf(pool("big", "hubspoke", spoke))
	f["maintainEveryMinutes"] = 5 // 09:00 is a keeping minute for pool 0; 09:01 is not
	res := runPoller(t, srv, map[string]any{"fleet": f, "steps": []any{run(monday), run(monday.Add(time.Minute))}})
	for i, r := range res.Runs {
		if got, known, _ := r.wanted("big"); got != "200" || !known {
			t.Errorf("run %d: big wanted %s known %v, want 200", i, got, known)
		}
		if r.Fleet["PoolsCapped"] != 1 || !r.problem("more unfinished job requests than one answer holds (200)") {
			t.Errorf("run %d: PoolsCapped %d, problems %q", i, r.Fleet["PoolsCapped"], r.Problems)
		}
	}
	if got := res.Runs[1].callsTo("big"); !slices.Equal(got, []string{"GET /_apis/distributedtask/pools/10/jobrequests 200", "GET /_apis/distributedtask/pools/10/agents 200"}) {
		t.Errorf("run 1 (not keeping): calls %q, want the job list then the agent list", got)
	}
}

// Bad input: a pool that does not exist, a token whose identity may read
// the pool but is not its Administrator (the placeholder cannot be added:
// the message names the role, where to grant it and the PAT scope; the
// demand is still counted), a sign-in page for no usable credentials.
func TestPollerBadInput(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("nopool", admin, "other")
	srv.AddOrg("reader", map[string]azdostandin.Identity{harnessPAT: {Name: "reader@example.com"}}, "hubspoke")
	srv.Register("reader", "hubspoke", "hubspoke-rd-ip-1", "online", monday, fleetOS)
	mustQueue(t, srv, "reader", "hubspoke", 2)
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("nopool", "missing pool", demandSpoke("np", 3)), pool("reader", "hubspoke", demandSpoke("rd", 3))),
		"steps": []any{run(monday)},
	})
	r := res.Runs[0]
	for _, msg := range []string{
		"agent pool 'missing pool' does not exist in", "create it (Organization settings > Agent pools > Add pool, self-hosted) or fix agent.pool",
		"reader: the token may read pool 'hubspoke' but not add or delete its agents (HTTP 403 Access denied. reader@example.com needs Manage permissions",
		"needs the Administrator role on the pool (Organization settings > Agent pools > hubspoke > Security > Add, role Administrator) and the PAT the scope Agent Pools (Read & manage)",
		"pool 'hubspoke' of", "has no placeholder agent",
	} {
		if !r.problem(msg) {
			t.Errorf("problems lack %q:\n%s", msg, strings.Join(r.Problems, "\n"))
		}
	}
	if got, known, _ := r.wanted("rd"); got != "2" || !known {
		t.Errorf("rd wanted %s known %v, want 2 (reading is allowed)", got, known)
	}
	if _, known, _ := r.wanted("np"); known {
		t.Error("np: counted a pool that does not exist")
	}
	if r.Fleet["PoolsWithoutPlaceholder"] != 2 {
		t.Errorf("PoolsWithoutPlaceholder %d, want 2", r.Fleet["PoolsWithoutPlaceholder"])
	}

	signin := azdostandin.New(monday)
	signin.AddOrg("o", admin, "hubspoke")
	res = runPoller(t, signin, map[string]any{"fleet": fleetOf(pool("o", "hubspoke", demandSpoke("s", 3))), "token": " ", "steps": []any{run(monday)}})
	if !res.Runs[0].problem("rejected the token (HTTP 203, sign-in page)") {
		t.Errorf("sign-in page: %q", res.Runs[0].Problems)
	}

	// An Entra access token (a JWT) in the secret goes as Bearer.
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	entra := azdostandin.New(monday)
	entra.AddOrg("o", map[string]azdostandin.Identity{jwt: {Name: "sp", PoolAdmin: true}}, "hubspoke")
	res = runPoller(t, entra, map[string]any{"fleet": fleetOf(pool("o", "hubspoke", demandSpoke("s", 3))), "token": jwt, "steps": []any{run(monday)}})
	if got, known, _ := res.Runs[0].wanted("s"); got != "0" || !known || len(entra.Calls) == 0 {
		t.Errorf("Entra token: s %s known %v; problems %q", got, known, res.Runs[0].Problems)
	}
	for _, c := range entra.Calls {
		if c.Scheme != "Bearer" {
			t.Errorf("call %s %s with %q, want Bearer", c.Method, c.Path, c.Scheme)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Spokes that share a schedule share one entry of the code's schedules: two
// spokes with the same actions and one with others give two entries, and
// the function gives each spoke its own actions back when it loads (the
// code as the template holds it, FLEET line included).
func TestDemandPollerSharesSchedules(t *testing.T) {
	a := []DemandAction{{Zone: "UTC", Hour: 7, Minute: 0, Days: []int{0, 1, 2, 3, 4}, Ceiling: 8, Floor: 4}, {Zone: "UTC", Hour: 19, Minute: 0, Ceiling: 2, Floor: 1}}
	b := []DemandAction{{Zone: "Europe/Amsterdam", Hour: 6, Minute: 30, Ceiling: 3, Floor: 1}}
	spoke := func(name string, actions []DemandAction) DemandSpoke {
		return DemandSpoke{Name: name, AgentPrefix: "hubspoke-" + name, Demand: true, Region: "eu-west-1", RoleArn: "arn:aws:iam::2:role/hubspoke-" + name + "-demand", Actions: actions}
	}
	pools, schedules := sharedSchedules([]DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{spoke("one", a), spoke("two", a), spoke("three", b), {Name: "plain", AgentPrefix: "hubspoke-plain"}}}})
	if len(schedules) != 2 {
		t.Fatalf("%d schedules, want 2 (one, two share theirs)", len(schedules))
	}
	fleet, _ := json.Marshal(map[string]any{"pools": pools, "schedules": schedules})
	if strings.Contains(string(fleet), `"actions"`) {
		t.Errorf("a spoke still carries its actions: %s", fleet)
	}
	raw := loadedSpokes(t, fleet, "actions")
	var got map[string][]DemandAction
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	want := map[string][]DemandAction{"one": a, "two": a, "three": b, "plain": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the function's spokes' actions %v, want %v", got, want)
	}
}

// loadedSpokes loads the poller's code (as the template holds it) with
// fleet as FLEET and returns, as JSON, each spoke of the first pool's key
// as the function sees it once loaded ({name: value}).
func loadedSpokes(t *testing.T, fleet []byte, key string) []byte {
	t.Helper()
	code := filepath.Join(t.TempDir(), "code.py")
	if err := os.WriteFile(code, []byte(DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
sys.path.insert(0, "testdata")
import pollerload
p = pollerload.load(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({s["name"]: s.get(sys.argv[3]) for s in p.FLEET["pools"][0]["spokes"]}))
`
	raw, err := exec.Command("python3", "-c", script, code, string(fleet), key).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return raw
}

// Worked by hand: dev (ceiling 2) and dev-eu (ceiling 3) share a pool; two
// dev-eu agents (hubspoke-dev-eu-..., which also starts with hubspoke-dev-:
// the longest prefix is the spoke's) run a job each, two jobs wait. Room:
// dev 2 - 0 = 2, dev-eu 3 - 2 = 1. Shares of 2 by room: dev 2 x 2/3 = 1.33,
// dev-eu 2 x 1/3 = 0.67: 1 and 0, and the one left over goes to the larger
// remainder (dev-eu's .67). Wanted: dev 0 + 1 = 1, dev-eu 2 + 1 = 3.
func TestPollerLongestPrefixAndRemainder(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("rem", admin, "hubspoke")
	srv.Register("rem", "hubspoke", DefaultPlaceholderName, "offline", monday, fleetOS)
	srv.Register("rem", "hubspoke", "hubspoke-dev-eu-ip-10-1-0-1", "online", monday, fleetOS)
	srv.Register("rem", "hubspoke", "hubspoke-dev-eu-ip-10-1-0-2", "online", monday, fleetOS)
	mustQueue(t, srv, "rem", "hubspoke", 4) // two taken by the dev-eu agents, two waiting
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("rem", "hubspoke", demandSpoke("dev", 2), demandSpoke("dev-eu", 3))),
		"steps": []any{run(monday)},
	})
	for spoke, want := range map[string]string{"dev": "1", "dev-eu": "3"} {
		if got, known, ok := res.Runs[0].wanted(spoke); !ok || got != want || !known {
			t.Errorf("%s wanted %s (known %v), want %s", spoke, got, known, want)
		}
	}
}

// What the spoke's CloudWatch holds, read back: a minute the pool could not
// be read (503) publishes DemandKnown 0, the next minute 1 (the
// demand-unknown alarm reads the published value, not what the poller
// meant).
func TestPollerPublishesDemandKnown(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("known", admin, "hubspoke")
	srv.Register("known", "hubspoke", DefaultPlaceholderName, "offline", monday, fleetOS)
	res := runPoller(t, srv, map[string]any{
		"fleet":    fleetOf(pool("known", "hubspoke", demandSpoke("dev", 4))),
		"steps":    []any{ctl("fault", map[string]any{"org": "known", "path": "jobrequests", "code": 503, "count": 1}), run(monday), run(monday.Add(time.Minute))},
		"readBack": []string{"dev"},
	})
	m := res.ReadBack["dev"]["DemandKnown"]
	if m.Min == nil || m.Max == nil || *m.Min != 0 || *m.Max != 1 || m.Samples != 2 {
		t.Errorf("dev's CloudWatch DemandKnown %+v, want 0 then 1 (min 0, max 1, 2 samples)", m)
	}
}

// A pool deleted and created again under its name has a new id: the poller's
// cached id answers 404 once (that minute is not counted), then it looks the
// pool up again and counts the new pool's jobs.
func TestPollerForgetsAPoolIDAfter404(t *testing.T) {
	srv := azdostandin.New(monday)
	srv.AddOrg("again", admin, "hubspoke")
	res := runPoller(t, srv, map[string]any{
		"fleet": fleetOf(pool("again", "hubspoke", demandSpoke("dev", 4))),
		"steps": []any{run(monday),
			ctl("recreatePool", map[string]any{"org": "again", "pool": "hubspoke"}),
			ctl("register", map[string]any{"org": "again", "pool": "hubspoke", "name": DefaultPlaceholderName, "status": "offline", "capabilities": fleetOS}),
			ctl("queue", map[string]any{"org": "again", "pool": "hubspoke", "demands": []string{"git"}}),
			run(monday.Add(time.Minute)), run(monday.Add(2 * time.Minute))},
	})
	if _, known, _ := res.Runs[1].wanted("dev"); known {
		t.Errorf("run 1 (the old id): dev counted, want not known (404)")
	}
	if got, known, _ := res.Runs[2].wanted("dev"); got != "1" || !known {
		t.Errorf("run 2: dev wanted %s known %v, want 1 known (the new pool's job)", got, known)
	}
}
