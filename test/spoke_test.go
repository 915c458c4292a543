package test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
	"hubspoke-cdk/stacks"
)

func spokeByName(t *testing.T, name string) *stacks.SpokeStack {
	t.Helper()
	for _, s := range example(t).Spokes {
		if *s.StackName() == "SpokeStack-"+name {
			return s
		}
	}
	t.Fatalf("no spoke %s", name)
	return nil
}

// The task runs the hub image at the configured tag, gets AZP_URL/AZP_POOL as
// plain environment and AZP_TOKEN only as a secret reference, logs to its
// log group, and has time to deregister on stop.
func TestSpokeTaskDefinition(t *testing.T) {
	tpl := testutil.Template(spokeByName(t, "prod-us").Stack)
	testutil.Check(t, "task definition", func() {
		tpl.HasResourceProperties(str("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu": "2048", "Memory": "4096",
			"RequiresCompatibilities": []any{"FARGATE"},
			"ContainerDefinitions": []any{map[string]any{
				"Image": map[string]any{"Fn::Join": []any{"", []any{
					"111111111111.dkr.ecr.us-east-1.", map[string]any{"Ref": "AWS::URLSuffix"}, "/hubspoke/build-agent:" + exampleImageTag(t)}}}, // its region's replica
				"Environment": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Name": "AZP_POOL", "Value": "hubspoke"},
					map[string]any{"Name": "AZP_URL", "Value": "https://dev.azure.com/example-org"},
				}),
				"Secrets": []any{map[string]any{
					"Name":      "AZP_TOKEN",
					"ValueFrom": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("HubTokenLookupCheck.*")), "Arn"}},
				}},
				"LogConfiguration": map[string]any{
					"LogDriver": "awslogs",
					"Options": map[string]any{
						"awslogs-group":         map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("AgentsLogs.*"))},
						"awslogs-stream-prefix": "agent",
						"awslogs-region":        "us-east-1",
					},
				},
				"StopTimeout": 120,
				// Tasks the schedule starts later resolve the tag again.
				"VersionConsistency": "disabled",
			}},
		})
	})
	td := testutil.Props(testutil.One(t, testutil.JSON(t, spokeByName(t, "prod-us").Stack), "AWS::ECS::TaskDefinition"))
	// The scan must have read an environment (AZP_URL is in it), or it
	// would pass on a task definition whose shape it does not know.
	scanned := false
	for _, c := range testutil.List(t, td["ContainerDefinitions"], "ContainerDefinitions") {
		for _, e := range testutil.List(t, testutil.Field(t, c, "Environment", "container definition"), "Environment") {
			switch testutil.Field(t, e, "Name", "environment entry") {
			case "AZP_TOKEN":
				t.Error("AZP_TOKEN must never be a plain environment value")
			case "AZP_URL":
				scanned = true
			}
		}
	}
	if !scanned {
		t.Errorf("no container environment with AZP_URL found in %v", td["ContainerDefinitions"])
	}
}

// The preflight checks the hub's token and image at deploy time (in the hub
// region, with a role whose name the hub trusts) and finds the token's full
// ARN, read by the execution role only. The service waits for it and for the
// execution role's policy.
func TestSpokeSecretWiring(t *testing.T) {
	tj := testutil.JSON(t, spokeByName(t, "prod-us").Stack)
	tpl := testutil.Template(spokeByName(t, "prod-us").Stack)
	testutil.Check(t, "preflight", func() {
		tpl.HasResourceProperties(str("Custom::HubPreflight"), map[string]any{
			"SecretId": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token",
			// The image from the replica in the spoke's region (waiting for
			// replication), the token from the hub's region.
			"SecretRegion": "eu-west-1", "RepositoryName": "hubspoke/build-agent", "RepositoryRegion": "us-east-1", "RegistryId": "111111111111",
			"ImageTag": exampleImageTag(t), "Nonce": testutil.BuildDate.Format(time.RFC3339Nano),
			"ServiceTimeout": "720", "WaitSeconds": 600, "HubRegion": "eu-west-1",
		})
		// The preflight role may describe that one secret (any suffix) and
		// the hub repository's images, and write its own logs, nothing else.
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-prod-us-lookup",
			"Policies": []any{map[string]any{"PolicyName": "Preflight", "PolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{
					map[string]any{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret",
						"Resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token-??????"},
					map[string]any{"Effect": "Allow", "Action": "ecr:DescribeImages",
						"Resource": "arn:aws:ecr:us-east-1:111111111111:repository/hubspoke/build-agent"},
					map[string]any{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
						"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("HubTokenLookupLogs.*")), "Arn"}}},
				},
			}}},
		})
	})
	testutil.Check(t, "execution role reads the looked-up secret and decrypts by alias via Secrets Manager in the hub region", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("AgentsExecutionRole.*"))}},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{
					"Action":   []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
					"Effect":   "Allow",
					"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("HubTokenLookupCheck.*")), "Arn"}},
				},
				map[string]any{
					"Action": "kms:Decrypt",
					"Effect": "Allow",
					"Condition": map[string]any{
						"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": "alias/hubspoke/agent-token"},
						"StringEquals":             map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
					},
					"Resource": "arn:aws:kms:eu-west-1:111111111111:key/*",
				},
			})},
		})
	})
	testutil.Check(t, "execution role pulls from its region's replica only", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action":   []any{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				"Effect":   "Allow",
				"Resource": "arn:aws:ecr:us-east-1:111111111111:repository/hubspoke/build-agent",
			}})},
		})
	})
	for id, svc := range testutil.ResourcesOfType(tj, "AWS::ECS::Service") {
		deps := strings.Join(testutil.Strings(svc["DependsOn"]), ",")
		for _, want := range []string{"HubTokenLookupCheck", "AgentsExecutionRoleDefaultPolicy"} {
			if !strings.Contains(deps, want) {
				t.Errorf("service %s does not depend on %s*: %s", id, want, deps)
			}
		}
	}
}

// Roles: the execution role has the name the hub trusts and can only be
// assumed by ECS tasks of its own account; the task role may only protect
// its own cluster's tasks from scale-in.
func TestSpokeRoles(t *testing.T) {
	tpl := testutil.Template(spokeByName(t, "test").Stack)
	testutil.Check(t, "execution role", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-test-exec",
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "333333333333"}},
			}}},
		})
	})
	// The task role: scale-in protection of its own cluster's tasks only,
	// in exactly one policy (a missing grant fails here, not only a wrong
	// one), and no other role may protect tasks.
	tj := testutil.JSON(t, spokeByName(t, "test").Stack)
	taskRoles := 0
	want := `{"Statement":[{"Action":"ecs:UpdateTaskProtection","Effect":"Allow","Resource":"arn:aws:ecs:eu-west-1:333333333333:task/hubspoke-test/*"}],"Version":"2012-10-17"}`
	for id := range testutil.ResourcesOfType(tj, "AWS::IAM::Role") {
		if !strings.HasPrefix(id, "AgentsTaskRole") {
			continue
		}
		taskRoles++
		var docs []string
		for pid, p := range testutil.ResourcesOfType(tj, "AWS::IAM::Policy") {
			doc := fmtJSON(testutil.Props(p)["PolicyDocument"])
			attached := false
			for _, r := range testutil.List(t, testutil.Props(p)["Roles"], pid+" Roles") {
				attached = attached || testutil.Field(t, r, "Ref", pid+" role") == id
			}
			switch {
			case attached:
				docs = append(docs, doc)
			case strings.Contains(doc, "ecs:UpdateTaskProtection"):
				t.Errorf("%s grants task protection to %v, not the task role %s", pid, testutil.Props(p)["Roles"], id)
			}
		}
		if len(docs) != 1 || docs[0] != want {
			t.Errorf("task role %s policies\n got %v\nwant [%s]", id, docs, want)
		}
	}
	if taskRoles != 1 {
		t.Errorf("%d task roles, want 1", taskRoles)
	}
}

// The service leaves DesiredCount out so a redeploy never resets what the
// schedule set; the cluster has Container Insights; logs are retained.
func TestSpokeServiceClusterLogs(t *testing.T) {
	tpl := testutil.Template(spokeByName(t, "test").Stack)
	testutil.Check(t, "service", func() {
		tpl.HasResourceProperties(str("AWS::ECS::Service"), map[string]any{
			"DesiredCount": assertions.Match_Absent(),
			"LaunchType":   "FARGATE",
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
				"AssignPublicIp": "DISABLED",
				"Subnets":        []any{"subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"},
				"SecurityGroups": []any{"sg-0a1b2c3d4e5f60718"},
			}},
			"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			}),
		})
		tpl.HasResourceProperties(str("AWS::ECS::Cluster"), map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}},
		})
		tpl.HasResource(str("AWS::Logs::LogGroup"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties":     map[string]any{"RetentionInDays": 30},
		})
	})
}

// Five scheduled actions, each setting min = max = the capacity; the target
// spans 0..max so re-registering it keeps the count. Scale-up and scale-down
// follow the spoke's clock; the refresh and restores run at a fixed UTC time
// (local standard time), so no agent outlives a 25-hour day.
func TestSpokeSchedule(t *testing.T) {
	type action struct {
		cron string
		cap  int
	}
	cases := []struct {
		spoke, tz string
		want      map[string]action
		max       int
	}{
		{"prod-us", "America/New_York", map[string]action{
			schedule.WeekdayScaleUp: {"cron(0 8 ? * MON-FRI *)", 6},
			schedule.NightScaleDown: {"cron(0 20 ? * MON-FRI *)", 1},
			schedule.DailyRefresh:   {"cron(0 5 * * ? *)", 0},
			schedule.WeekdayRestore: {"cron(5 5 ? * MON-FRI *)", 1},
			schedule.WeekendRestore: {"cron(5 5 ? * SAT,SUN *)", 1},
		}, 6},
		{"dev", "Europe/Amsterdam", map[string]action{
			schedule.WeekdayScaleUp: {"cron(0 7 ? * MON-FRI *)", 2},
			schedule.NightScaleDown: {"cron(0 19 ? * MON-FRI *)", 0},
			schedule.DailyRefresh:   {"cron(0 23 * * ? *)", 0},
			schedule.WeekdayRestore: {"cron(5 23 ? * SUN,MON,TUE,WED,THU *)", 0},
			schedule.WeekendRestore: {"cron(5 23 ? * FRI,SAT *)", 0},
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.spoke, func(t *testing.T) {
			tj := testutil.JSON(t, spokeByName(t, tc.spoke).Stack)
			target := testutil.Props(testutil.One(t, tj, "AWS::ApplicationAutoScaling::ScalableTarget"))
			if target["MinCapacity"] != 0.0 || target["MaxCapacity"] != float64(tc.max) {
				t.Errorf("target min/max = %v/%v, want 0/%d", target["MinCapacity"], target["MaxCapacity"], tc.max)
			}
			actions, _ := target["ScheduledActions"].([]any)
			if len(actions) != 5 {
				t.Fatalf("%d scheduled actions, want 5", len(actions))
			}
			for _, a := range actions {
				act := testutil.Object(t, a, "scheduled action")
				name, _ := act["ScheduledActionName"].(string)
				w, ok := tc.want[name]
				if !ok {
					t.Errorf("unexpected action %s", name)
					continue
				}
				tz := tc.tz
				if name == schedule.DailyRefresh || name == schedule.WeekdayRestore || name == schedule.WeekendRestore {
					tz = "UTC"
				}
				if act["Schedule"] != w.cron || act["Timezone"] != tz {
					t.Errorf("%s = %v in %v, want %s in %s", name, act["Schedule"], act["Timezone"], w.cron, tz)
				}
				st := testutil.Object(t, act["ScalableTargetAction"], name+" ScalableTargetAction")
				if st["MinCapacity"] != float64(w.cap) || st["MaxCapacity"] != float64(w.cap) {
					t.Errorf("%s sets %v..%v, want exactly %d", name, st["MinCapacity"], st["MaxCapacity"], w.cap)
				}
			}
		})
	}
}

// Every spoke depends on the hub, so `cdk deploy HubStack SpokeStack-*`
// deploys the hub first.
func TestSpokesDependOnHub(t *testing.T) {
	for _, s := range example(t).Spokes {
		deps := s.Dependencies()
		found := false
		for _, d := range *deps {
			if *d.StackName() == stacks.HubStackName {
				found = true
			}
		}
		if !found {
			t.Errorf("%s does not depend on %s", *s.StackName(), stacks.HubStackName)
		}
	}
}

// A spoke that creates its VPC gets public subnets in the given zones, no
// NAT gateway, flow logs, and a security group with no ingress.
func TestSpokeCreatedNetwork(t *testing.T) {
	tpl := testutil.Template(spokeByName(t, "dev").Stack)
	testutil.Check(t, "network", func() {
		tpl.ResourceCountIs(str("AWS::EC2::Subnet"), num(2))
		tpl.HasResourceProperties(str("AWS::EC2::Subnet"), map[string]any{"AvailabilityZone": "eu-west-1a", "MapPublicIpOnLaunch": true})
		tpl.ResourceCountIs(str("AWS::EC2::NatGateway"), num(0))
		tpl.ResourceCountIs(str("AWS::EC2::FlowLog"), num(1))
		tpl.HasResourceProperties(str("AWS::EC2::SecurityGroup"), map[string]any{"SecurityGroupIngress": assertions.Match_Absent()})
		tpl.HasResourceProperties(str("AWS::ECS::Service"), map[string]any{
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{"AssignPublicIp": "ENABLED"})},
		})
	})
}

func TestSpokeNames(t *testing.T) {
	var names []string
	for _, s := range example(t).Spokes {
		names = append(names, fmt.Sprintf("%s@%s/%s", *s.StackName(), *s.Account(), *s.Region()))
	}
	want := "SpokeStack-dev@222222222222/eu-west-1,SpokeStack-test@333333333333/eu-west-1,SpokeStack-prod-us@444444444444/us-east-1"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("spoke stacks = %s, want %s", got, want)
	}
}

// Every custom resource of every template the app writes answers within
// minutes: CloudFormation otherwise waits an hour for a hung handler.
func TestCustomResourcesTimeOutInMinutes(t *testing.T) {
	dir := synthFleet(t, testutil.ExampleFleet(t))
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	nested, _ := filepath.Glob(filepath.Join(dir, "assembly-*", "*.template.json"))
	seen := 0
	for _, f := range append(files, nested...) {
		for id, r := range testutil.Object(t, testutil.ReadTemplate(t, f)["Resources"], filepath.Base(f)+" Resources") {
			res := testutil.Object(t, r, id)
			typ, _ := res["Type"].(string)
			if !strings.HasPrefix(typ, "Custom::") && typ != "AWS::CloudFormation::CustomResource" {
				continue
			}
			seen++
			secs, _ := strconv.Atoi(fmt.Sprint(testutil.Props(res)["ServiceTimeout"]))
			if secs < 60 || secs > 900 {
				t.Errorf("%s %s (%s): ServiceTimeout %v, want minutes", filepath.Base(f), id, typ, testutil.Props(res)["ServiceTimeout"])
			}
		}
	}
	if seen < 7 { // a preflight per spoke, at both paths; the created VPC's default-SG restriction
		t.Errorf("only %d custom resources found", seen)
	}
}

// The order of a spoke's deploy: the service-linked roles before the
// cluster and the scalable target; the window (with the deploy's nonce, as
// the preflight) after the target and its demand policy, carrying exactly
// the target's scheduled actions; on Spot the service after the cluster's
// capacity provider association.
func TestSpokeDeployOrder(t *testing.T) {
	for _, name := range []string{"dev", "test", "prod-us"} {
		t.Run(name, func(t *testing.T) {
			tj := testutil.JSON(t, spokeByName(t, name).Stack)
			ids := func(typ string) []string {
				var out []string
				for id := range testutil.ResourcesOfType(tj, typ) {
					out = append(out, id)
				}
				return out
			}
			dependsOn := func(typ string, on []string) {
				t.Helper()
				if len(on) == 0 {
					t.Fatalf("nothing of what %s should depend on", typ)
				}
				for id, r := range testutil.ResourcesOfType(tj, typ) {
					deps := testutil.Strings(r["DependsOn"])
					for _, o := range on {
						if !slices.Contains(deps, o) {
							t.Errorf("%s %s does not depend on %s: %v", typ, id, o, deps)
						}
					}
				}
			}
			roles := ids("Custom::ServiceLinkedRoles")
			if len(roles) != 1 {
				t.Fatalf("%d service-linked role checks", len(roles))
			}
			dependsOn("AWS::ECS::Cluster", roles)
			dependsOn("AWS::ApplicationAutoScaling::ScalableTarget", roles)
			dependsOn("Custom::AgentWindow", ids("AWS::ApplicationAutoScaling::ScalableTarget"))
			if name == "test" { // the demand spoke
				dependsOn("Custom::AgentWindow", ids("AWS::ApplicationAutoScaling::ScalingPolicy"))
			}
			if name == "prod-us" { // Spot
				dependsOn("AWS::ECS::Service", ids("AWS::ECS::ClusterCapacityProviderAssociations"))
			}
			window := testutil.Props(testutil.One(t, tj, "Custom::AgentWindow"))
			preflight := testutil.Props(testutil.One(t, tj, "Custom::HubPreflight"))
			if window["Nonce"] == "" || window["Nonce"] != preflight["Nonce"] {
				t.Errorf("window nonce %v, preflight nonce %v: want the same deploy nonce", window["Nonce"], preflight["Nonce"])
			}
			var w struct {
				Actions []struct {
					Name, Cron, Zone string
					Min, Max         float64
				}
			}
			if err := json.Unmarshal([]byte(window["Window"].(string)), &w); err != nil {
				t.Fatal(err)
			}
			target := testutil.Props(testutil.One(t, tj, "AWS::ApplicationAutoScaling::ScalableTarget"))
			actions := target["ScheduledActions"].([]any)
			if len(actions) != len(w.Actions) {
				t.Fatalf("window has %d actions, the target %d", len(w.Actions), len(actions))
			}
			for i, a := range actions {
				m := a.(map[string]any)
				st := m["ScalableTargetAction"].(map[string]any)
				got := w.Actions[i]
				if got.Name != m["ScheduledActionName"] || got.Cron != m["Schedule"] || got.Zone != m["Timezone"] || got.Min != st["MinCapacity"] || got.Max != st["MaxCapacity"] {
					t.Errorf("window action %+v differs from the target's %v", got, m)
				}
			}
		})
	}
}
