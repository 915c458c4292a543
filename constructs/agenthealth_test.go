package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"hubspoke-cdk/internal/testutil"
)

// The failed-start rule watches this cluster's stopped tasks (start failures
// and agent error exits, not scale-in or finished jobs), tells the topic why,
// and both alarms notify the topic, to which the emails subscribe.
func TestAgentHealth(t *testing.T) {
	stack := spokeStack(t)
	NewAgentHealth(stack, "Health", &AgentHealthProps{ClusterName: "hubspoke-dev", ServiceName: "build-agents", Name: "hubspoke-dev",
		Emails: []string{"ops@example.com"}, ShortfallMinutes: 15})
	tpl := testutil.Template(stack)
	cluster := []any{"arn:aws:ecs:eu-west-1:222222222222:cluster/hubspoke-dev"}
	testutil.Check(t, "health", func() {
		tpl.HasResourceProperties(str("AWS::Events::Rule"), map[string]any{
			"Name": "hubspoke-dev-tasks-fail-to-start",
			"EventPattern": map[string]any{
				"source": []any{"aws.ecs"}, "detail-type": []any{"ECS Task State Change"},
				"detail": map[string]any{"$or": []any{
					map[string]any{"clusterArn": cluster, "lastStatus": []any{"STOPPED"}, "stopCode": []any{"TaskFailedToStart"}},
					map[string]any{"clusterArn": cluster, "lastStatus": []any{"STOPPED"},
						"containers": map[string]any{"exitCode": []any{map[string]any{"anything-but": []any{0, 143}}}}},
				}},
			},
			"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
				"Arn":              map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("HealthTopic.*"))},
				"InputTransformer": assertions.Match_ObjectLike(&map[string]any{"InputPathsMap": assertions.Match_ObjectLike(&map[string]any{"detail-stoppedReason": "$.detail.stoppedReason"})}),
			})},
		})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-dev-tasks-fail-to-start", "Namespace": "AWS/Events", "MetricName": "TriggeredRules",
			"Threshold": 1, "EvaluationPeriods": 1, "TreatMissingData": "notBreaching",
			"AlarmActions": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("HealthTopic.*"))}},
		})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-dev-fewer-agents-than-scheduled", "Threshold": 1, "EvaluationPeriods": 15,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
			"Metrics": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Expression": "IF(desired >= 1 AND FILL(running, 0) < desired / 2, 1, 0)"}),
				assertions.Match_ObjectLike(&map[string]any{"MetricStat": assertions.Match_ObjectLike(&map[string]any{"Metric": map[string]any{
					"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
					"Dimensions": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "ClusterName", "Value": "hubspoke-dev"}}),
				}})}),
			}),
			"AlarmActions": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("HealthTopic.*"))}},
		})
		tpl.HasResourceProperties(str("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
		tpl.HasResourceProperties(str("AWS::SNS::Topic"), map[string]any{"TopicName": "hubspoke-dev-health"})
	})
}
