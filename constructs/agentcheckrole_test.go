package constructs

import (
	"encoding/json"
	"strings"
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// The check role trusts the pipeline's verify role by name (no ordering
// trap) and may read the service, run its task definition (passing its two
// roles), read tasks of its own cluster and the agent log: nothing else.
func TestAgentCheckRole(t *testing.T) {
	stack := spokeStack(t)
	svc := newService(stack, AgentServiceProps{ClusterName: "hubspoke-dev"})
	NewAgentCheckRole(stack, "Check", &AgentCheckRoleProps{
		RoleName: "hubspoke-dev-smoke", TrustedRoleArn: "arn:aws:iam::111111111111:role/hubspoke-pipeline-verify",
		Agents: svc, ClusterName: "hubspoke-dev",
	})
	tpl := testutil.Template(stack)
	testutil.Check(t, "trust", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-dev-smoke",
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"},
				"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::111111111111:role/hubspoke-pipeline-verify"}},
			}}},
		})
	})
	var doc string
	for _, p := range testutil.ResourcesOfType(testutil.JSON(t, stack), "AWS::IAM::Policy") {
		if strings.Contains(fmtJSONc(testutil.Props(p)["Roles"]), "CheckRole") {
			doc = fmtJSONc(testutil.Props(p)["PolicyDocument"])
		}
	}
	for _, want := range []string{`"ecs:DescribeServices"`, `"ecs:DescribeTasks"`, `task/hubspoke-dev/*`, `"ecs:RunTask"`, `"iam:PassRole"`,
		`"application-autoscaling:DescribeScheduledActions"`, `"logs:GetLogEvents"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("check role policy lacks %s: %s", want, doc)
		}
	}
	for _, never := range []string{"secretsmanager", "ecr:", "kms:", `"ecs:UpdateService"`, `"ecs:StopTask"`} {
		if strings.Contains(doc, never) {
			t.Errorf("check role policy grants %s: %s", never, doc)
		}
	}
}

func fmtJSONc(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
