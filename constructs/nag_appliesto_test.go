package constructs

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// A suppression names the findings it answers when given (cdk-nag's
// applies_to; a /.../ pattern in its regex form) and the whole rule when
// not: no applies_to at all, since cdk-nag reads an empty list as
// answering no finding (cdk-nag 2.38.2, lib/utils/nag-suppression-helper.js,
// doesApply: a suppression without appliesTo "always applies"; with one, a
// finding must be in it, and [] holds none).
func TestSuppressAppliesTo(t *testing.T) {
	for _, c := range []struct {
		name      string
		appliesTo []string
		want      string // applies_to as JSON; "" for none
	}{
		{"whole rule", nil, ""},
		{"findings", []string{"Resource::*", "/^Resource::arn:aws:s3:::b\\/\\*$/"}, `["Resource::*",{"regex":"/^Resource::arn:aws:s3:::b\\/\\*$/"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			app.Node().SetContext(jsii.String(NagSuppressionsContext), true)
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			q := awssqs.NewQueue(stack, jsii.String("Q"), nil)
			Suppress(q, "AwsSolutions-SQS3", "a test queue needs no dead-letter queue", c.appliesTo...)
			r := testutil.One(t, testutil.JSON(t, stack), "AWS::SQS::Queue")
			rules := r["Metadata"].(map[string]any)["cdk_nag"].(map[string]any)["rules_to_suppress"].([]any)
			rule := rules[0].(map[string]any)
			got, present := rule["applies_to"]
			if c.want == "" {
				if present {
					t.Errorf("applies_to %v on a whole-rule suppression", got)
				}
				return
			}
			if s := asJSONString(t, got); s != c.want {
				t.Errorf("applies_to %s, want %s", s, c.want)
			}
		})
	}
}

func asJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
