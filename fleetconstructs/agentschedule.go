package fleetconstructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/schedule"
)

// AgentScheduleProps configures the scheduled capacity of an agent service.
type AgentScheduleProps struct {
	// Service whose task count the schedule sets. Required.
	Service awsecs.FargateService
	// ClusterName is the service's cluster name when it is known (a
	// literal). Default: read from the service (a token).
	ClusterName string
	// Week is the capacity plan; its actions become scheduled actions.
	// Required.
	Week schedule.Week
}

// AgentSchedule registers the service with Application Auto Scaling and adds
// one scheduled action per action of the week. Each action sets min = max =
// capacity, so the count is exactly what the schedule says. The scalable
// target itself spans 0..max, so re-registering it on a redeploy never moves
// the running count.
//
// It is one CfnScalableTarget rather than the L2 ScaleOnSchedule calls: the
// equivalent template, written in one jsii call instead of five rounds of
// them (docs/performance.md).
type AgentSchedule interface {
	constructs.IConstruct
	Target() awsapplicationautoscaling.CfnScalableTarget
	Actions() []schedule.Action
}

type agentSchedule struct {
	constructs.Construct
	target  awsapplicationautoscaling.CfnScalableTarget
	actions []schedule.Action
}

func (s *agentSchedule) Target() awsapplicationautoscaling.CfnScalableTarget { return s.target }
func (s *agentSchedule) Actions() []schedule.Action                          { return s.actions }

// NewAgentSchedule creates the scalable target with its scheduled actions.
func NewAgentSchedule(scope constructs.Construct, id string, props *AgentScheduleProps) AgentSchedule {
	this := constructs.NewConstruct(scope, &id)
	actions := props.Week.Actions()
	scheduled := make([]any, 0, len(actions))
	for _, a := range actions {
		capacity := jsii.Number(float64(a.Capacity))
		scheduled = append(scheduled, &awsapplicationautoscaling.CfnScalableTarget_ScheduledActionProperty{
			ScheduledActionName:  jsii.String(a.Name),
			Schedule:             jsii.String(a.Cron),
			Timezone:             jsii.String(a.TimeZone),
			ScalableTargetAction: &awsapplicationautoscaling.CfnScalableTarget_ScalableTargetActionProperty{MinCapacity: capacity, MaxCapacity: capacity},
		})
	}
	svc := props.Service
	cluster := props.ClusterName
	if cluster == "" {
		cluster = *svc.Cluster().ClusterName()
	}
	target := awsapplicationautoscaling.NewCfnScalableTarget(this, jsii.String("Target"), &awsapplicationautoscaling.CfnScalableTargetProps{
		ServiceNamespace:  jsii.String("ecs"),
		ScalableDimension: jsii.String("ecs:service:DesiredCount"),
		ResourceId:        awscdk.Fn_Join(jsii.String(""), jsii.Strings("service/", cluster, "/", *svc.ServiceName())),
		MinCapacity:       jsii.Number(0),
		MaxCapacity:       jsii.Number(float64(max(props.Week.MaxCapacity(), 1))),
		RoleArn: awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"+
			"ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"), nil),
		ScheduledActions: &scheduled,
	})
	return &agentSchedule{Construct: this, target: target, actions: actions}
}
