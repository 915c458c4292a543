package constructs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// The placeholder's capabilities: those given, else
// DefaultPlaceholderCapabilities (the mutation "caps == nil" negated, which
// swaps the two, survived before).
func TestDemandPollerPlaceholderCapabilities(t *testing.T) {
	given := map[string]string{"Agent.OS": "Linux", "docker": "/usr/bin/docker"}
	for _, c := range []struct {
		name string
		caps map[string]string
		want map[string]string
	}{{"given", given, given}, {"default", nil, DefaultPlaceholderCapabilities()}} {
		stack := spokeStack(t)
		NewDemandPoller(stack, "Poller", &DemandPollerProps{
			Token: awssecretsmanager.NewSecret(stack, jsii.String("Token"), nil), RoleName: "hubspoke-demand-poller",
			Pools:                   []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", AgentPrefix: "hubspoke-dev"}}}},
			PlaceholderCapabilities: c.caps,
		})
		b, _ := json.Marshal(testutil.Template(stack).ToJSON())
		want, _ := json.Marshal(map[string]any{"capabilities": c.want})
		// The inline code holds FLEET as an escaped JSON string: compare
		// the capabilities object as it stands there.
		inner := strings.Trim(string(want), "{}")
		escaped := strings.ReplaceAll(strings.ReplaceAll(inner, `\`, `\\`), `"`, `\\\"`)
		if !strings.Contains(string(b), escaped) {
			t.Errorf("%s: the poller's placeholder capabilities are not %s", c.name, inner)
		}
	}
}

// The publisher roles' name pattern is suppressed for AwsSolutions-IAM5
// exactly when there is one (a fleet with demand spokes); the mutation
// that dropped the suppression (PublisherRoleArns != "" negated) survived.
func TestDemandPollerIAM5SuppressionForPublisherRoles(t *testing.T) {
	for _, arns := range []string{"arn:aws:iam::*:role/hubspoke-*-demand", ""} {
		app := testutil.NewApp(t)
		app.Node().SetContext(jsii.String(NagSuppressionsContext), true)
		stack := awscdk.NewStack(app, jsii.String("Hub"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
		NewDemandPoller(stack, "Poller", &DemandPollerProps{
			Token: awssecretsmanager.NewSecret(stack, jsii.String("Token"), nil), RoleName: "hubspoke-demand-poller", PublisherRoleArns: arns,
			Pools: []DemandPool{{URL: "https://dev.azure.com/o", Pool: "p", Spokes: []DemandSpoke{{Name: "dev", AgentPrefix: "hubspoke-dev"}}}},
		})
		b, _ := json.Marshal(testutil.JSON(t, stack))
		found := strings.Contains(string(b), `"Resource::arn:aws:iam::*:role/hubspoke-*-demand"`)
		if found != (arns != "") {
			t.Errorf("publisher roles %q: IAM5 suppression for their pattern %v, want %v", arns, found, arns != "")
		}
	}
}
