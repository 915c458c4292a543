package constructs

import (
	"fmt"
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AgentHealthProps configures the health alarms of an agent service.
type AgentHealthProps struct {
	// ClusterName and ServiceName of the agent service (literals: the alarm
	// dimensions and the event pattern need them). Required.
	ClusterName, ServiceName string
	// Name prefixes the topic, rule and alarm names, e.g. "hubspoke-dev".
	// Required.
	Name string
	// Emails are subscribed to the alarm topic (each confirms by mail).
	// Default: none (the alarms and the topic still exist).
	Emails []string
	// ShortfallMinutes is how long at least half of the wanted agents
	// (all of them when 1 is wanted) may be missing before the alarm fires
	// (ShortfallExpression). Default: 10.
	ShortfallMinutes int
	// DemandDimensions, when set, are the dimensions of the spoke's demand
	// metrics (in DemandNamespace): an alarm fires when the demand has not
	// been counted for 5 minutes (DemandKnown 0 or no data). Default: none
	// (no demand scaling, no alarm).
	DemandDimensions map[string]string
	// DemandNamespace of the demand metrics. Default: DefaultDemandNamespace.
	DemandNamespace string
}

// AgentHealth watches an agent service when nobody does:
//   - TasksFailToStart: an EventBridge rule on the cluster's ECS task state
//     changes that end a task before it ran (stop code TaskFailedToStart:
//     image pull, secret, network or initialization errors) or with an
//     error exit of the agent (a rejected token, an unreachable
//     organization URL); each such event goes to the topic with its stopped
//     reason, and an alarm on the rule's TriggeredRules metric fires;
//   - FewerAgentsThanScheduled: for ShortfallMinutes in a row, at least
//     one agent is wanted and fewer than half of the wanted ones run
//     (ShortfallExpression, from Container Insights' desired and running
//     task counts). Not desired - running > 0: with one job per agent
//     every finished job is followed by a replacement that starts for 1-3
//     minutes, so a busy, healthy spoke has a gap most minutes;
//   - DemandUnknown (with DemandDimensions): the pool's jobs have not been
//     counted for 5 minutes (the poller failed, or stopped publishing):
//     capacity is at the schedule's floor meanwhile.
//
// Both alarm to one SNS topic per spoke; Emails subscribe to it.
type AgentHealth interface {
	constructs.IConstruct
	Topic() awssns.Topic
	FailedStarts() awsevents.Rule
	FailedStartsAlarm() awscloudwatch.Alarm
	ShortfallAlarm() awscloudwatch.Alarm
	// DemandAlarm is nil without DemandDimensions.
	DemandAlarm() awscloudwatch.Alarm
}

type agentHealth struct {
	constructs.Construct
	topic     awssns.Topic
	rule      awsevents.Rule
	failed    awscloudwatch.Alarm
	shortfall awscloudwatch.Alarm
	demand    awscloudwatch.Alarm
}

func (h *agentHealth) Topic() awssns.Topic                    { return h.topic }
func (h *agentHealth) FailedStarts() awsevents.Rule           { return h.rule }
func (h *agentHealth) FailedStartsAlarm() awscloudwatch.Alarm { return h.failed }
func (h *agentHealth) ShortfallAlarm() awscloudwatch.Alarm    { return h.shortfall }
func (h *agentHealth) DemandAlarm() awscloudwatch.Alarm       { return h.demand }

// NewAgentHealth creates the topic, the failed-start rule and the alarms.
func NewAgentHealth(scope constructs.Construct, id string, props *AgentHealthProps) AgentHealth {
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	shortfall := orDefault(props.ShortfallMinutes, 10)

	topic := awssns.NewTopic(this, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(props.Name + "-health"),
		DisplayName: jsii.String(props.Name + " build agents"),
		EnforceSSL:  jsii.Bool(true),
	})
	Suppress(topic, "AwsSolutions-SNS2", "The topic carries ECS task state and alarm notifications, no secrets; EventBridge cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key per spoke costs more than the data is worth.")
	for _, e := range props.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}

	clusterArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ecs"), Resource: jsii.String("cluster"), ResourceName: jsii.String(props.ClusterName)})
	stopped := map[string]any{"clusterArn": []any{*clusterArn}, "lastStatus": []any{"STOPPED"}}
	failedStart := copyWith(stopped, "stopCode", []any{"TaskFailedToStart"})
	// 0: a finished job; 143: stopped by SIGTERM (scale-in, refresh,
	// deployment); anything else is an agent that could not work.
	errorExit := copyWith(stopped, "containers", map[string]any{"exitCode": []any{map[string]any{"anything-but": []any{0, 143}}}})
	rule := awsevents.NewRule(this, jsii.String("FailedStarts"), &awsevents.RuleProps{
		RuleName:    jsii.String(props.Name + "-tasks-fail-to-start"),
		Description: jsii.String("Agent tasks of " + props.ClusterName + " that failed to start or whose agent exited with an error"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.ecs"),
			DetailType: jsii.Strings("ECS Task State Change"),
			Detail:     &map[string]any{"$or": []any{failedStart, errorExit}},
		},
	})
	rule.AddTarget(awseventstargets.NewSnsTopic(topic, &awseventstargets.SnsTopicProps{
		Message: awsevents.RuleTargetInput_FromText(jsii.String(fmt.Sprintf("%s: an agent task stopped before it could work: %s (stop code %s; task %s)",
			props.Name, *awsevents.EventField_FromPath(jsii.String("$.detail.stoppedReason")),
			*awsevents.EventField_FromPath(jsii.String("$.detail.stopCode")), *awsevents.EventField_FromPath(jsii.String("$.detail.taskArn"))))),
	}))

	failed := awscloudwatch.NewAlarm(this, jsii.String("FailedStartsAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(props.Name + "-tasks-fail-to-start"),
		AlarmDescription: jsii.String("Agent tasks fail to start or their agent exits with an error: see the topic's messages or the stopped tasks' reasons (image pull, token, URL)"),
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/Events"), MetricName: jsii.String("TriggeredRules"),
			DimensionsMap: &map[string]*string{"RuleName": rule.RuleName()},
			Statistic:     jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	dims := &map[string]*string{"ClusterName": jsii.String(props.ClusterName), "ServiceName": jsii.String(props.ServiceName)}
	count := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("ECS/ContainerInsights"), MetricName: jsii.String(name), DimensionsMap: dims,
			Statistic: jsii.String("Average"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
		})
	}
	short := awscloudwatch.NewAlarm(this, jsii.String("ShortfallAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(props.Name + "-fewer-agents-than-scheduled"),
		AlarmDescription: jsii.String(fmt.Sprintf("At least half of the wanted agents (all of them when one is wanted) have not run for %d minutes: tasks cannot start or keep failing (see the tasks-fail-to-start alarm and the stopped tasks' reasons)", shortfall)),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(ShortfallExpression),
			UsingMetrics: &map[string]awscloudwatch.IMetric{"desired": count("DesiredTaskCount"), "running": count("RunningTaskCount")},
			Label:        jsii.String("half or more of the wanted agents missing"),
			Period:       awscdk.Duration_Minutes(jsii.Number(1)),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(float64(shortfall)),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	alarms := []awscloudwatch.Alarm{failed, short}
	var demand awscloudwatch.Alarm
	if len(props.DemandDimensions) > 0 {
		namespace := props.DemandNamespace
		if namespace == "" {
			namespace = DefaultDemandNamespace
		}
		demandDims := map[string]*string{}
		for k, v := range props.DemandDimensions {
			demandDims[k] = jsii.String(v)
		}
		demand = awscloudwatch.NewAlarm(this, jsii.String("DemandUnknownAlarm"), &awscloudwatch.AlarmProps{
			AlarmName:        jsii.String(props.Name + "-demand-unknown"),
			AlarmDescription: jsii.String("The agent pool's jobs have not been counted for 5 minutes: agents stay at the schedule's floor. See the hub's demand poller log (token, pool name, API limits)."),
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(namespace), MetricName: jsii.String("DemandKnown"), DimensionsMap: &demandDims,
				Statistic: jsii.String("Minimum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
			}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(5),
			ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
		})
		alarms = append(alarms, demand)
	}
	for _, a := range alarms {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
	return &agentHealth{Construct: this, topic: topic, rule: rule, failed: failed, shortfall: short, demand: demand}
}

// ShortfallExpression is the shortfall alarm's metric math (CloudWatch's IF,
// AND and FILL): 1 in a minute when at least one agent is wanted (desired,
// Container Insights' DesiredTaskCount) and fewer than half of them run
// (running, RunningTaskCount; no data counts as none running), else 0.
// With 1 or 2 wanted: none runs; with 10: 4 or fewer. Replacements of
// finished jobs and demand bursts close within minutes; tasks that cannot
// start (image, token, subnet, quota, capacity) keep it at 1.
const ShortfallExpression = "IF(desired >= 1 AND FILL(running, 0) < desired / 2, 1, 0)"

// copyWith is m with key set to v.
func copyWith(m map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	maps.Copy(out, m)
	out[key] = v
	return out
}
