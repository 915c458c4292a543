package constructs

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/schedule"
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
	// DemandDimensions are the dimensions of the AgentsWanted metric (in
	// DemandNamespace) the service follows between each action's floor and
	// ceiling, when the week has demand. Required with demand.
	DemandDimensions map[string]string
	// DemandNamespace of the metric. Default: DefaultDemandNamespace.
	DemandNamespace string
	// ScaleInCooldownSeconds: after a scaling activity, how long before
	// demand may remove agents (adding them is never held back). Default:
	// 300.
	ScaleInCooldownSeconds int
}

// AgentSchedule registers the service with Application Auto Scaling and adds
// one scheduled action per action of the week. Each action sets min = max =
// capacity, so the count is exactly what the schedule says. The scalable
// target itself spans 0..max; CloudFormation registers it with those values
// on create and whenever it updates it, which clamps the count at once and
// drops the current window until the next action: AgentWindow sets the
// window in force after every deploy.
//
// It is one CfnScalableTarget rather than the L2 ScaleOnSchedule calls: the
// equivalent template, written in one jsii call instead of five rounds of
// them (docs/performance.md).
//
// With demand (Week.Demand) each action sets min = floor and max =
// ceiling, and a step scaling policy (ExactCapacity, schedule.DemandSteps)
// sets the count to the spoke's AgentsWanted each minute; Application Auto
// Scaling keeps it within min and max. Its alarm is always in ALARM while
// the metric has data (AgentsWanted >= 0), and CloudWatch invokes a scaling
// action once a minute while an alarm stays in ALARM. Without data the
// alarm leaves ALARM and the count holds; the scheduled actions still move
// min and max.
type AgentSchedule interface {
	constructs.IConstruct
	Target() awsapplicationautoscaling.CfnScalableTarget
	Actions() []schedule.Action
	// Demand is nil without demand.
	Demand() awsapplicationautoscaling.CfnScalingPolicy
}

type agentSchedule struct {
	constructs.Construct
	target  awsapplicationautoscaling.CfnScalableTarget
	actions []schedule.Action
	demand  awsapplicationautoscaling.CfnScalingPolicy
}

func (s *agentSchedule) Target() awsapplicationautoscaling.CfnScalableTarget { return s.target }
func (s *agentSchedule) Actions() []schedule.Action                          { return s.actions }
func (s *agentSchedule) Demand() awsapplicationautoscaling.CfnScalingPolicy  { return s.demand }

// NewAgentSchedule creates the scalable target with its scheduled actions.
func NewAgentSchedule(scope constructs.Construct, id string, props *AgentScheduleProps) AgentSchedule {
	this := constructs.NewConstruct(scope, &id)
	actions := props.Week.Actions()
	scheduled := make([]any, 0, len(actions))
	for _, a := range actions {
		scheduled = append(scheduled, &awsapplicationautoscaling.CfnScalableTarget_ScheduledActionProperty{
			ScheduledActionName: jsii.String(a.Name),
			Schedule:            jsii.String(a.Cron),
			Timezone:            jsii.String(a.TimeZone),
			ScalableTargetAction: &awsapplicationautoscaling.CfnScalableTarget_ScalableTargetActionProperty{
				MinCapacity: jsii.Number(float64(a.Capacity)), MaxCapacity: jsii.Number(float64(a.Ceiling)),
			},
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
	out := &agentSchedule{Construct: this, target: target, actions: actions}
	if props.Week.Demand != nil {
		out.demand = newDemandPolicy(this, target, props)
	}
	return out
}

// newDemandPolicy creates the step scaling policy and the alarm that drives
// it from the AgentsWanted metric.
func newDemandPolicy(scope constructs.Construct, target awsapplicationautoscaling.CfnScalableTarget, props *AgentScheduleProps) awsapplicationautoscaling.CfnScalingPolicy {
	if len(props.DemandDimensions) == 0 {
		panic("AgentSchedule: a week with demand needs DemandDimensions")
	}
	namespace := props.DemandNamespace
	if namespace == "" {
		namespace = DefaultDemandNamespace
	}
	var steps []any
	for _, st := range schedule.DemandSteps(props.Week.MaxCapacity()) {
		step := &awsapplicationautoscaling.CfnScalingPolicy_StepAdjustmentProperty{
			MetricIntervalLowerBound: jsii.Number(float64(st.Lower)),
			ScalingAdjustment:        jsii.Number(float64(st.Capacity)),
		}
		if st.Upper > 0 {
			step.MetricIntervalUpperBound = jsii.Number(float64(st.Upper))
		}
		steps = append(steps, step)
	}
	policy := awsapplicationautoscaling.NewCfnScalingPolicy(scope, jsii.String("FollowDemand"), &awsapplicationautoscaling.CfnScalingPolicyProps{
		PolicyName:      jsii.String("follow-demand"),
		PolicyType:      jsii.String("StepScaling"),
		ScalingTargetId: target.Ref(),
		StepScalingPolicyConfiguration: &awsapplicationautoscaling.CfnScalingPolicy_StepScalingPolicyConfigurationProperty{
			AdjustmentType:        jsii.String("ExactCapacity"),
			Cooldown:              jsii.Number(float64(orDefault(props.ScaleInCooldownSeconds, 300))),
			MetricAggregationType: jsii.String("Maximum"),
			StepAdjustments:       &steps,
		},
	})
	var dims []any
	keys := make([]string, 0, len(props.DemandDimensions))
	for k := range props.DemandDimensions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		dims = append(dims, &awscloudwatch.CfnAlarm_DimensionProperty{Name: jsii.String(k), Value: jsii.String(props.DemandDimensions[k])})
	}
	awscloudwatch.NewCfnAlarm(scope, jsii.String("DemandAlarm"), &awscloudwatch.CfnAlarmProps{
		AlarmDescription:   jsii.String("Drives the follow-demand scaling policy: in ALARM whenever AgentsWanted has data (it is never negative), so the policy sets the agent count to it every minute"),
		Namespace:          jsii.String(namespace),
		MetricName:         jsii.String("AgentsWanted"),
		Dimensions:         &dims,
		Statistic:          jsii.String("Maximum"),
		Period:             jsii.Number(60),
		EvaluationPeriods:  jsii.Number(1),
		Threshold:          jsii.Number(0),
		ComparisonOperator: jsii.String("GreaterThanOrEqualToThreshold"),
		TreatMissingData:   jsii.String("missing"),
		AlarmActions:       &[]any{policy.Ref()},
	})
	return policy
}
