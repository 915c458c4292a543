package constructs

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"strings"
)

// NagSuppressionsContext is the context key that, set to true, makes
// Suppress record its suppressions. Only cdk-nag reads them, and loading
// cdk-nag slows every synth, so without the checks (`-c nag=true`,
// make lint) Suppress records nothing. Set it before the scope has children.
const NagSuppressionsContext = "hubspoke:nag-suppressions"

// Suppress records, on the resource it concerns, why a cdk-nag rule does not
// apply; appliesTo narrows it to findings such as "Resource::*". It records
// nothing unless NagSuppressionsContext is true in scope's context.
func Suppress(scope constructs.IConstruct, rule, reason string, appliesTo ...string) {
	if on, _ := scope.Node().TryGetContext(jsii.String(NagSuppressionsContext)).(bool); !on {
		return
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		a := make([]any, len(appliesTo))
		for i, x := range appliesTo {
			a[i] = x
			if len(x) > 2 && strings.HasPrefix(x, "/") && strings.HasSuffix(x, "/") {
				a[i] = map[string]any{"regex": x} // cdk-nag's pattern form
			}
		}
		s.AppliesTo = &a
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
