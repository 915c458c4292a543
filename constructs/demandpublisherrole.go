package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DemandPublisherRoleProps configures a spoke's demand publisher role.
type DemandPublisherRoleProps struct {
	// RoleName of the role; the poller assumes it by this name. Required.
	RoleName string
	// PollerAccount is the account of the poller (the hub). Required.
	PollerAccount string
	// PollerRoleArn is the poller's role, the only principal trusted.
	// Required.
	PollerRoleArn string
	// Namespace the role may publish to. Default: DefaultDemandNamespace.
	Namespace string
	// ClusterArn, when set, is the agents' cluster whose tasks the role may
	// list (ecs:ListTasks, read-only: the poller counts the tasks started
	// for the fleet dashboard). Default: none.
	ClusterArn *string
}

// DemandPublisherRole lets the hub's demand poller put the spoke's demand
// metrics into the spoke's CloudWatch, in one namespace, and list the
// agents' tasks (ClusterArn), and nothing else.
// It trusts the poller's account with the poller's role ARN as a condition
// (aws:PrincipalArn), not the role as principal: the spoke deploys whether
// or not the hub's poller exists yet (IAM rejects a principal that does
// not exist).
type DemandPublisherRole interface {
	constructs.IConstruct
	Role() awsiam.Role
}

type demandPublisherRole struct {
	constructs.Construct
	role awsiam.Role
}

func (r *demandPublisherRole) Role() awsiam.Role { return r.role }

// NewDemandPublisherRole creates the role.
func NewDemandPublisherRole(scope constructs.Construct, id string, props *DemandPublisherRoleProps) DemandPublisherRole {
	this := constructs.NewConstruct(scope, &id)
	namespace := props.Namespace
	if namespace == "" {
		namespace = DefaultDemandNamespace
	}
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("The hub's demand poller publishes this spoke's agent demand (" + namespace + ") with it"),
		AssumedBy: awsiam.NewAccountPrincipal(jsii.String(props.PollerAccount)).WithConditions(&map[string]any{
			"ArnEquals": map[string]any{"aws:PrincipalArn": props.PollerRoleArn},
		}),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("cloudwatch:PutMetricData"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": namespace}},
	}))
	if props.ClusterArn != nil {
		// ListTasks names no task resource: the ecs:cluster condition keys
		// it to the agents' cluster.
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("ecs:ListTasks"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"ArnEquals": map[string]any{"ecs:cluster": props.ClusterArn}},
		}))
	}
	Suppress(role, "AwsSolutions-IAM5", "cloudwatch:PutMetricData has no resource-level permissions; the cloudwatch:namespace condition limits it to the demand metrics. ecs:ListTasks (read-only) is limited to the agents' cluster by the ecs:cluster condition.", "Resource::*")
	return &demandPublisherRole{Construct: this, role: role}
}
