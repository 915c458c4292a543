package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// Suppressions reach the template (as cdk-nag's metadata on the resource,
// with the reason) only when the nag checks run; otherwise Suppress leaves
// cdk-nag unloaded, which is ~0.2 s of every synth.
func TestSuppressRecordsOnlyForNagChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		nag    bool
		record bool
	}{{"nag checks", true, true}, {"plain synth", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			if tc.nag {
				app.Node().SetContext(jsii.String(NagSuppressionsContext), true)
			}
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			q := awssqs.NewQueue(stack, jsii.String("Q"), nil)
			Suppress(q, "AwsSolutions-SQS3", "a test queue needs no dead-letter queue")
			tpl := testutil.Template(stack).ToJSON()
			var metadata map[string]any
			for _, r := range testutil.ResourcesOfType(*tpl, "AWS::SQS::Queue") {
				metadata, _ = r["Metadata"].(map[string]any)
			}
			nag, recorded := metadata["cdk_nag"].(map[string]any)
			if recorded != tc.record {
				t.Fatalf("cdk_nag metadata recorded = %v, want %v (metadata %v)", recorded, tc.record, metadata)
			}
			if !recorded {
				return
			}
			rules, _ := nag["rules_to_suppress"].([]any)
			if len(rules) != 1 {
				t.Fatalf("rules_to_suppress = %v, want the one rule", nag["rules_to_suppress"])
			}
			rule := rules[0].(map[string]any)
			if rule["id"] != "AwsSolutions-SQS3" || rule["reason"] != "a test queue needs no dead-letter queue" {
				t.Errorf("suppression = %v, want the rule with its reason", rule)
			}
		})
	}
}
