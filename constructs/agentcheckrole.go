package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AgentCheckRoleProps configures the role the smoke check uses in a spoke.
type AgentCheckRoleProps struct {
	// RoleName of the role; the smoke check assumes it by this name.
	// Required.
	RoleName string
	// TrustedRoleArn is the role (in another account) allowed to assume this
	// one, or an ARN pattern of such roles, pinned with aws:PrincipalArn so
	// it need not exist yet. Required.
	TrustedRoleArn string
	// Agents is the service to check. Required.
	Agents AgentService
	// ClusterName of the agents' cluster (a literal, for the task ARNs).
	// Required.
	ClusterName string
}

// AgentCheckRole may do what tools/smoke-check.sh does in a spoke, nothing
// more: read the agent service and its scheduled actions, run its task
// definition in its own cluster (passing its two roles), read that task and
// its log.
type AgentCheckRole interface {
	constructs.IConstruct
	Role() awsiam.Role
}

type agentCheckRole struct {
	constructs.Construct
	role awsiam.Role
}

func (r *agentCheckRole) Role() awsiam.Role { return r.role }

// NewAgentCheckRole creates the role.
func NewAgentCheckRole(scope constructs.Construct, id string, props *AgentCheckRoleProps) AgentCheckRole {
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	trustedAccount := awscdk.Arn_Split(jsii.String(props.TrustedRoleArn), awscdk.ArnFormat_SLASH_RESOURCE_NAME).Account
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("Smoke check of the build agents after a deploy (tools/smoke-check.sh)"),
		AssumedBy: awsiam.NewAccountPrincipal(trustedAccount).WithConditions(&map[string]any{
			"ArnLike": map[string]any{"aws:PrincipalArn": props.TrustedRoleArn},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	agents := props.Agents
	arn := func(resource, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ecs"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeServices"),
		Resources: &[]*string{agents.Service().ServiceArn()},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeTasks"),
		Resources: &[]*string{arn("task", props.ClusterName+"/*")},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// Neither has resource-level permissions.
		Actions:   jsii.Strings("application-autoscaling:DescribeScheduledActions", "ecs:DescribeTaskDefinition"),
		Resources: jsii.Strings("*"),
	}))
	// ecs:RunTask on the task definition, iam:PassRole on its roles.
	agents.TaskDefinition().GrantRun(role)
	agents.LogGroup().GrantRead(role)
	Suppress(role, "AwsSolutions-IAM5", "DescribeScheduledActions and DescribeTaskDefinition have no resource-level permissions; task ids are random (tasks of this cluster only); the log group's streams are per task.",
		"Resource::*", "Resource::"+*arn("task", props.ClusterName+"/*"), `/^Resource::<[A-Za-z0-9]+\.Arn>:\*$/`)
	return &agentCheckRole{Construct: this, role: role}
}
