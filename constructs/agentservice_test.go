package constructs

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/schedule"
)

func spokeStack(t *testing.T) awscdk.Stack {
	app := testutil.NewApp(t)
	return awscdk.NewStack(app, jsii.String("Spoke"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("eu-west-1")}})
}

func newService(stack awscdk.Stack, props AgentServiceProps) AgentService {
	if props.Network == nil {
		props.Network = NewAgentNetwork(stack, "Net", &AgentNetworkProps{VpcID: "vpc-12345678", SubnetIDs: []string{"subnet-12345678"}, SecurityGroupIDs: []string{"sg-12345678"}})
	}
	props.Repository = awsecr.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("agent"))
	props.Token = awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("Tok"), jsii.String("arn:aws:secretsmanager:eu-west-1:111111111111:secret:t-AbCdEf"))
	props.ImageTag = "1"
	return NewAgentService(stack, "Agents", &props)
}

// Defaults: 1 vCPU / 2 GiB, a month of logs, AZP_TOKEN as a secret, the full
// stop timeout, no desired count, tag re-resolved for every task.
func TestAgentServiceDefaults(t *testing.T) {
	stack := spokeStack(t)
	newService(stack, AgentServiceProps{})
	tpl := testutil.Template(stack)
	testutil.Check(t, "defaults", func() {
		tpl.HasResourceProperties(str("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu": "1024", "Memory": "2048",
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Secrets":            []any{map[string]any{"Name": "AZP_TOKEN", "ValueFrom": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:t-AbCdEf"}},
				"StopTimeout":        120,
				"VersionConsistency": "disabled",
			})},
		})
		tpl.HasResourceProperties(str("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
		tpl.HasResourceProperties(str("AWS::ECS::Service"), map[string]any{"DesiredCount": assertions.Match_Absent()})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{"RoleName": assertions.Match_Absent()})
	})
}

func TestAgentServiceOptions(t *testing.T) {
	stack := spokeStack(t)
	newService(stack, AgentServiceProps{CPU: 512, MemoryMiB: 4096, LogRetentionDays: 365, StopTimeoutSeconds: 30, MaxJobMinutes: 45,
		ExecutionRoleName: "x-exec", TokenVariable: "RUNNER_TOKEN", Environment: map[string]string{"B": "2", "A": "1"}})
	tpl := testutil.Template(stack)
	testutil.Check(t, "options", func() {
		tpl.HasResourceProperties(str("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu": "512", "Memory": "4096",
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Environment": []any{map[string]any{"Name": "A", "Value": "1"},
					map[string]any{"Name": "AZP_MAX_JOB_MINUTES", "Value": "45"}, map[string]any{"Name": "AZP_STOP_TIMEOUT_SECONDS", "Value": "30"},
					map[string]any{"Name": "B", "Value": "2"}},
				"Secrets":     []any{assertions.Match_ObjectLike(&map[string]any{"Name": "RUNNER_TOKEN"})},
				"StopTimeout": 30,
			})},
		})
		tpl.HasResourceProperties(str("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 365})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{"RoleName": "x-exec"})
	})
}

// The task role may protect its own cluster's tasks from scale-in, nothing
// else; start.sh reads the expiry and its stop budget from the environment.
func TestAgentServiceTaskProtection(t *testing.T) {
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{ClusterName: "hubspoke-dev"})
	tpl := testutil.Template(stack)
	testutil.Check(t, "task protection", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": *stack.GetLogicalId(svc.TaskDefinition().TaskRole().Node().DefaultChild().(awscdk.CfnElement))}},
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "ecs:UpdateTaskProtection",
				"Resource": "arn:aws:ecs:eu-west-1:222222222222:task/hubspoke-dev/*",
			}}},
		})
		tpl.HasResourceProperties(str("AWS::ECS::TaskDefinition"), map[string]any{
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Environment": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "AZP_MAX_JOB_MINUTES", "Value": "120"}, map[string]any{"Name": "AZP_STOP_TIMEOUT_SECONDS", "Value": "120"}}),
			})},
		})
	})
	// Exactly one policy grants it, attached to the task role only; the
	// execution role (pull, token) has its own policy without it.
	taskRole := *stack.GetLogicalId(svc.TaskDefinition().TaskRole().Node().DefaultChild().(awscdk.CfnElement))
	execRole := *stack.GetLogicalId(svc.TaskDefinition().ExecutionRole().Node().DefaultChild().(awscdk.CfnElement))
	grants, execPolicies := 0, 0
	for id, p := range testutil.ResourcesOfType(testutil.JSON(t, stack), "AWS::IAM::Policy") {
		doc := fmt.Sprint(testutil.Props(p)["PolicyDocument"])
		roles := fmt.Sprint(testutil.Props(p)["Roles"])
		if strings.Contains(roles, execRole) {
			execPolicies++
		}
		if strings.Contains(doc, "UpdateTaskProtection") {
			grants++
			if roles != fmt.Sprint([]any{map[string]any{"Ref": taskRole}}) {
				t.Errorf("%s grants task protection to %s, want only the task role %s", id, roles, taskRole)
			}
		}
	}
	if grants != 1 || execPolicies == 0 {
		t.Errorf("%d policies grant task protection (want 1); the execution role %s has %d policies (want its own)", grants, execRole, execPolicies)
	}
}

// The schedule is one scalable target spanning 0..max with the week's actions.
func TestAgentSchedule(t *testing.T) {
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{})
	week := schedule.Week{TimeZone: "UTC", ScaleUp: 480, ScaleDown: 1080, RestoreAfter: 5, Weekday: 3, Night: 0, Weekend: 1}
	s := NewAgentSchedule(stack, "Schedule", &AgentScheduleProps{Service: svc.Service(), Week: week})
	if len(s.Actions()) != 5 {
		t.Errorf("%d actions", len(s.Actions()))
	}
	tpl := testutil.Template(stack)
	testutil.Check(t, "target", func() {
		tpl.HasResourceProperties(str("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
			"MinCapacity": 0, "MaxCapacity": 3,
			"ScalableDimension": "ecs:service:DesiredCount",
			"ScheduledActions": assertions.Match_ArrayWith(&[]any{map[string]any{
				"ScheduledActionName":  "weekday-scale-up",
				"Schedule":             "cron(0 8 ? * MON-FRI *)",
				"Timezone":             "UTC",
				"ScalableTargetAction": map[string]any{"MinCapacity": 3, "MaxCapacity": 3},
			}}),
		})
	})
}

func TestAgentNetworkCreated(t *testing.T) {
	stack := spokeStack(t)
	n := NewAgentNetwork(stack, "Net", &AgentNetworkProps{Cidr: "10.1.0.0/24", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	if !n.AssignPublicIP() {
		t.Error("tasks in a created (public, NAT-less) VPC need a public IP")
	}
	tpl := testutil.Template(stack)
	testutil.Check(t, "created network", func() {
		tpl.HasResourceProperties(str("AWS::EC2::VPC"), map[string]any{"CidrBlock": "10.1.0.0/24"})
		tpl.HasResourceProperties(str("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.1.0.0/26", "AvailabilityZone": "eu-west-1a"})
		tpl.HasResourceProperties(str("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.1.0.64/26", "AvailabilityZone": "eu-west-1b"})
		tpl.ResourceCountIs(str("AWS::EC2::NatGateway"), num(0))
	})
}

func TestAgentNetworkImported(t *testing.T) {
	stack := spokeStack(t)
	n := NewAgentNetwork(stack, "Net", &AgentNetworkProps{VpcID: "vpc-12345678", SubnetIDs: []string{"subnet-12345678", "subnet-87654321"}, SecurityGroupIDs: []string{"sg-12345678"}, AssignPublicIP: true})
	if got := len(*n.Subnets().Subnets); got != 2 {
		t.Errorf("%d subnets", got)
	}
	if got := len(*n.SecurityGroups()); got != 1 || !n.AssignPublicIP() {
		t.Errorf("%d groups, public ip %v", got, n.AssignPublicIP())
	}
}

// Fargate Spot: the cluster offers both capacity providers and the service
// runs its base on demand, everything above it on Spot. Off, the service
// has no strategy (Fargate on demand).
func TestAgentServiceSpot(t *testing.T) {
	stack := spokeStack(t)
	newService(stack, AgentServiceProps{Spot: true, SpotOnDemandBase: 2})
	tpl := testutil.Template(stack)
	testutil.Check(t, "spot", func() {
		tpl.HasResourceProperties(str("AWS::ECS::Service"), map[string]any{
			"CapacityProviderStrategy": []any{
				map[string]any{"CapacityProvider": "FARGATE", "Base": 2, "Weight": 0},
				map[string]any{"CapacityProvider": "FARGATE_SPOT", "Weight": 1},
			},
			"LaunchType": assertions.Match_Absent(),
		})
		tpl.HasResourceProperties(str("AWS::ECS::ClusterCapacityProviderAssociations"), map[string]any{
			"CapacityProviders": assertions.Match_ArrayWith(&[]any{"FARGATE", "FARGATE_SPOT"}),
		})
	})
	off := spokeStack(t)
	newService(off, AgentServiceProps{})
	testutil.Check(t, "on demand", func() {
		testutil.Template(off).HasResourceProperties(str("AWS::ECS::Service"), map[string]any{
			"CapacityProviderStrategy": assertions.Match_Absent(), "LaunchType": "FARGATE",
		})
	})
}

// Spot: the service depends on the cluster's capacity provider association
// (created after it, deleted before it: aws/containers-roadmap#631); on
// demand there is no association to depend on.
func TestAgentServiceSpotDependsOnAssociation(t *testing.T) {
	stack := spokeStack(t)
	newService(stack, AgentServiceProps{Spot: true})
	tpl := testutil.JSON(t, stack)
	assoc := ""
	for id, r := range testutil.ResourcesOfType(tpl, "AWS::ECS::ClusterCapacityProviderAssociations") {
		assoc = id
		_ = r
	}
	if assoc == "" {
		t.Fatal("no capacity provider association")
	}
	for id, r := range testutil.ResourcesOfType(tpl, "AWS::ECS::Service") {
		if deps := testutil.Strings(r["DependsOn"]); !slices.Contains(deps, assoc) {
			t.Errorf("service %s depends on %v, not on the association %s", id, deps, assoc)
		}
	}
	off := spokeStack(t)
	newService(off, AgentServiceProps{})
	if n := len(testutil.ResourcesOfType(testutil.JSON(t, off), "AWS::ECS::ClusterCapacityProviderAssociations")); n != 0 {
		t.Errorf("on demand: %d associations, want 0", n)
	}
}

// Deployments: a full new set of agents may start next to old protected
// ones (200%), idle old agents stay until their replacements run (100%),
// and a broken new image rolls back (the circuit breaker).
func TestAgentServiceDeployment(t *testing.T) {
	stack := spokeStack(t)
	newService(stack, AgentServiceProps{})
	testutil.Check(t, "deployment", func() {
		testutil.Template(stack).HasResourceProperties(str("AWS::ECS::Service"), map[string]any{
			"DeploymentConfiguration": map[string]any{
				"MaximumPercent": 200, "MinimumHealthyPercent": 100,
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			},
		})
	})
}
