package constructs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

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
		Pools: []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", Region: "eu-west-1", RoleArn: "arn:aws:iam::2:role/hubspoke-dev-demand", AgentPrefix: "hubspoke-dev"}}}},
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
	})
}

// The poller's code, as the construct inlines it, against moto and a
// stand-in of the Azure DevOps REST API (testdata/demandpoller_harness.py):
//   - a pool shared by three spokes: running jobs count for the spoke whose
//     agent runs them (the longest name prefix: dev-eu's agents are not
//     dev's), a job on someone else's agent and a finished job for none,
//     the 3 waiting jobs split 1/1/1: dev 3, dev-eu 2, test 1;
//   - an empty pool: 0, counted;
//   - 401, a sign-in page (203), 429 with Retry-After, a pool that does not
//     exist: 0, not counted, each with the fix in the log;
//   - one call per pool per run (plus the pool look-up once), none to an
//     organization that asked to back off;
//   - the metrics land in the spoke's CloudWatch; the log never holds the
//     token;
//   - a spoke whose role cannot be assumed yet (its wave has not run) is
//     skipped, and the run does not fail.
func TestDemandPollerFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import moto, boto3").Run(); err != nil {
		t.Fatal("python3 with moto and boto3 is needed (pip install moto boto3):", err)
	}
	dir := t.TempDir()
	code := filepath.Join(dir, "code.py")
	if err := os.WriteFile(code, []byte(DemandPollerCode("FLEET_JSON_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "testdata/demandpoller_harness.py", code).Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res struct {
		Runs []struct {
			Published []struct {
				Spoke  string
				Wanted int
				Known  bool
			}
			Calls          map[string]int
			Problems       []string
			NotDeployedYet []string
		}
		NoSecret struct {
			Published []struct {
				Spoke  string
				Wanted int
				Known  bool
			}
			Problems []string
		}
		DevMetrics  map[string]struct{ Max, Samples float64 }
		LogHasToken bool
		Log         string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]struct {
		wanted int
		known  bool
	}{"dev": {3, true}, "dev-eu": {2, true}, "test": {1, true}, "quiet": {0, true}, "notyet": {0, true},
		"locked": {0, false}, "signin": {0, false}, "throttled": {0, false}, "nopool": {0, false}}
	for i, run := range res.Runs {
		if len(run.Published) != len(want) {
			t.Errorf("run %d published %d spokes, want %d", i, len(run.Published), len(want))
		}
		for _, p := range run.Published {
			if w := want[p.Spoke]; p.Wanted != w.wanted || p.Known != w.known {
				t.Errorf("run %d: %s wanted %d known %v, want %d %v", i, p.Spoke, p.Wanted, p.Known, w.wanted, w.known)
			}
		}
		// A spoke not deployed yet (its role cannot be assumed) is skipped
		// without failing the run.
		if len(run.NotDeployedYet) != 1 || run.NotDeployedYet[0] != "notyet" {
			t.Errorf("run %d: not deployed yet %v, want [notyet]", i, run.NotDeployedYet)
		}
		for _, msg := range []string{"denied rejected the token (HTTP 401)", "sign-in page", "429", "'missing pool' does not exist"} {
			if !strings.Contains(strings.Join(run.Problems, "\n"), msg) {
				t.Errorf("run %d: no problem saying %q in %q", i, msg, run.Problems)
			}
		}
	}
	wantCalls := []map[string]int{
		{"busy": 2, "empty": 2, "denied": 1, "signin": 1, "busyapi": 1, "nopool": 1},
		{"busy": 1, "empty": 1, "denied": 1, "signin": 1, "nopool": 1}, // busyapi: backing off
	}
	for i, w := range wantCalls {
		if got := res.Runs[i].Calls; !sameCounts(got, w) {
			t.Errorf("run %d: API calls %v, want %v", i, got, w)
		}
	}
	// A token secret that cannot be read: every spoke gets 0, not counted.
	if len(res.NoSecret.Published) != len(want) {
		t.Errorf("unreadable secret: published %d spokes, want %d", len(res.NoSecret.Published), len(want))
	}
	for _, p := range res.NoSecret.Published {
		if p.Wanted != 0 || p.Known {
			t.Errorf("unreadable secret: %s wanted %d known %v", p.Spoke, p.Wanted, p.Known)
		}
	}
	if !strings.Contains(strings.Join(res.NoSecret.Problems, "\n"), "the agent token secret could not be read") {
		t.Errorf("unreadable secret: problems %q", res.NoSecret.Problems)
	}
	if m := res.DevMetrics["AgentsWanted"]; m.Max != 3 || m.Samples != 3 {
		t.Errorf("dev's CloudWatch AgentsWanted %+v, want max 3 over 3 samples", m)
	}
	if m := res.DevMetrics["DemandKnown"]; m.Max != 1 || m.Samples != 3 {
		t.Errorf("dev's CloudWatch DemandKnown %+v", m)
	}
	if res.LogHasToken {
		t.Errorf("the log holds the token:\n%s", res.Log)
	}
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
