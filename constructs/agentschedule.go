package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/schedule"
)

// AgentScheduleProps configures the scheduled capacity of an agent service.
type AgentScheduleProps struct {
	// Service whose task count the schedule sets. Required.
	Service awsecs.FargateService
	// Week is the capacity plan; its actions become scheduled actions.
	// Required.
	Week schedule.Week
}

// AgentSchedule registers the service with Application Auto Scaling and adds
// one scheduled action per action of the week. Each action sets min = max =
// capacity, so the count is exactly what the schedule says. The scalable
// target itself spans 0..max, so re-registering it on a redeploy never moves
// the running count.
type AgentSchedule interface {
	awsconstructs.IConstruct
	Actions() []schedule.Action
}

type agentSchedule struct {
	awsconstructs.Construct
	actions []schedule.Action
}

func (s *agentSchedule) Actions() []schedule.Action { return s.actions }

// NewAgentSchedule creates the scalable target and its scheduled actions.
func NewAgentSchedule(scope awsconstructs.Construct, id string, props *AgentScheduleProps) AgentSchedule {
	this := awsconstructs.NewConstruct(scope, &id)
	scaling := props.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(0),
		MaxCapacity: jsii.Number(float64(max(props.Week.MaxCapacity(), 1))),
	})
	actions := props.Week.Actions()
	for _, a := range actions {
		scaling.ScaleOnSchedule(jsii.String(a.Name), &awsapplicationautoscaling.ScalingSchedule{
			Schedule:    awsapplicationautoscaling.Schedule_Expression(jsii.String(a.Cron)),
			TimeZone:    awscdk.TimeZone_Of(jsii.String(a.TimeZone)),
			MinCapacity: jsii.Number(float64(a.Capacity)),
			MaxCapacity: jsii.Number(float64(a.Capacity)),
		})
	}
	return &agentSchedule{Construct: this, actions: actions}
}
