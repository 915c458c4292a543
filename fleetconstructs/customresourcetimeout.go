package fleetconstructs

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultCustomResourceTimeoutSeconds is how long CloudFormation waits for a
// custom resource's answer unless told otherwise: minutes, not the hour
// CloudFormation waits by default when a handler hangs.
const DefaultCustomResourceTimeoutSeconds = 300

type customResourceTimeout struct{ seconds int }

// Visit sets ServiceTimeout on custom resources that have none (aws-cdk-lib's
// own, such as the VPC's default security group restriction).
func (a *customResourceTimeout) Visit(node constructs.IConstruct) {
	res, ok := node.(awscdk.CfnResource)
	if !ok {
		return
	}
	typ := *res.CfnResourceType()
	if !strings.HasPrefix(typ, "Custom::") && typ != "AWS::CloudFormation::CustomResource" {
		return
	}
	res.AddPropertyOverride(jsii.String("ServiceTimeout"), fmt.Sprint(a.seconds))
}

// LimitCustomResourceWait makes every custom resource under scope time out
// after seconds (DefaultCustomResourceTimeoutSeconds when 0).
func LimitCustomResourceWait(scope constructs.IConstruct, seconds int) {
	awscdk.Aspects_Of(scope).Add(&customResourceTimeout{orDefault(seconds, DefaultCustomResourceTimeoutSeconds)}, nil)
}
