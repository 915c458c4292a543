package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	hsconstructs "hubspoke-cdk/constructs"
)

// recordNagSuppressions makes constructs.Suppress record its suppressions
// under scope, for the cdk-nag checks; call it before scope has children.
func recordNagSuppressions(scope constructs.IConstruct) {
	scope.Node().SetContext(jsii.String(hsconstructs.NagSuppressionsContext), true)
}

// AddNagChecks runs the cdk-nag AwsSolutions pack over every stack in scope
// and writes a JSON report per stack (AwsSolutions-<stack>-NagReport.json)
// into the cloud assembly. An unsuppressed error fails synthesis. Aspects do
// not reach into nested Stages: call it on each Stage too.
func AddNagChecks(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose:       jsii.Bool(true),
		Reports:       jsii.Bool(true),
		ReportFormats: &[]cdknag.NagReportFormat{cdknag.NagReportFormat_JSON},
	}), nil)
}
