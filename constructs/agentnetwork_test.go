package constructs

import (
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// A created VPC's default security group is restricted by aws-cdk-lib's
// own custom resource; its ServiceTimeout is DefaultCustomResourceTimeoutSeconds
// (300: "300" in the template, CloudFormation's default is an hour) so a
// hung handler fails the deploy in minutes. An imported network has no
// such resource.
func TestCreatedVpcCustomResourceTimeout(t *testing.T) {
	stack := spokeStack(t)
	NewAgentNetwork(stack, "Net", &AgentNetworkProps{Cidr: "10.40.0.0/24", AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	cr := testutil.One(t, testutil.JSON(t, stack), "Custom::VpcRestrictDefaultSG")
	if got := testutil.Props(cr)["ServiceTimeout"]; got != "300" {
		t.Errorf("ServiceTimeout %v, want \"300\"", got)
	}
	imported := spokeStack(t)
	NewAgentNetwork(imported, "Net", &AgentNetworkProps{VpcID: "vpc-12345678", SubnetIDs: []string{"subnet-12345678"}, SecurityGroupIDs: []string{"sg-12345678"}})
	if n := len(testutil.ResourcesOfType(testutil.JSON(t, imported), "Custom::VpcRestrictDefaultSG")); n != 0 {
		t.Errorf("an imported network has %d default-group custom resources", n)
	}
}
