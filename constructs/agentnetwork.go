package constructs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AgentNetworkProps says where agent tasks run. Give either an existing
// network by id (VpcID, SubnetIDs, SecurityGroupIDs), or Cidr to create one.
// Nothing is looked up at synth time.
type AgentNetworkProps struct {
	// VpcID of an existing VPC.
	VpcID string
	// SubnetIDs of existing subnets the tasks run in.
	SubnetIDs []string
	// SecurityGroupIDs of existing security groups for the tasks.
	SecurityGroupIDs []string
	// AssignPublicIP gives tasks in existing subnets a public IP. Default:
	// false. Tasks in a created VPC always get one (public subnets, no NAT).
	AssignPublicIP bool

	// Cidr, when set, creates a VPC with one public subnet in each of
	// AvailabilityZones, flow logs, and a security group with no ingress.
	Cidr string
	// AvailabilityZones for a created VPC. Required with Cidr.
	AvailabilityZones []string
}

// AgentNetwork is the VPC, subnets and security groups of the agent tasks.
type AgentNetwork interface {
	constructs.IConstruct
	Vpc() awsec2.IVpc
	Subnets() *awsec2.SubnetSelection
	SecurityGroups() *[]awsec2.ISecurityGroup
	AssignPublicIP() bool
}

type agentNetwork struct {
	constructs.Construct
	vpc      awsec2.IVpc
	subnets  *awsec2.SubnetSelection
	groups   *[]awsec2.ISecurityGroup
	publicIP bool
}

func (n *agentNetwork) Vpc() awsec2.IVpc                         { return n.vpc }
func (n *agentNetwork) Subnets() *awsec2.SubnetSelection         { return n.subnets }
func (n *agentNetwork) SecurityGroups() *[]awsec2.ISecurityGroup { return n.groups }
func (n *agentNetwork) AssignPublicIP() bool                     { return n.publicIP }

// NewAgentNetwork imports or creates the network.
func NewAgentNetwork(scope constructs.Construct, id string, props *AgentNetworkProps) AgentNetwork {
	this := constructs.NewConstruct(scope, &id)
	if props.Cidr != "" {
		return createNetwork(this, props)
	}
	vpc := awsec2.Vpc_FromVpcAttributes(this, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String(props.VpcID),
		AvailabilityZones: awscdk.Fn_GetAzs(nil), // unused: subnets are given by id
	})
	var subnets []awsec2.ISubnet
	for i, s := range props.SubnetIDs {
		subnets = append(subnets, awsec2.Subnet_FromSubnetId(this, jsii.String("Subnet"+strconv.Itoa(i)), jsii.String(s)))
	}
	var groups []awsec2.ISecurityGroup
	for i, g := range props.SecurityGroupIDs {
		groups = append(groups, awsec2.SecurityGroup_FromSecurityGroupId(this, jsii.String("SecurityGroup"+strconv.Itoa(i)), jsii.String(g), nil))
	}
	// Only the subnets given by id are used, never the VPC's own subnet lists
	// or route tables, so the warnings about what an id-only import lacks do
	// not apply.
	notes := awscdk.Annotations_Of(this) // applies to the imports below it
	notes.AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones"),
		jsii.String("subnets are given by id; the VPC's zone list is never used"))
	notes.AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
		jsii.String("the agent service never reads the subnet's route table"))
	return &agentNetwork{Construct: this, vpc: vpc, subnets: &awsec2.SubnetSelection{Subnets: &subnets}, groups: &groups, publicIP: props.AssignPublicIP}
}

func createNetwork(this constructs.Construct, props *AgentNetworkProps) AgentNetwork {
	bits, _ := strconv.Atoi(props.Cidr[strings.IndexByte(props.Cidr, '/')+1:])
	vpc := awsec2.NewVpc(this, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(props.Cidr)),
		AvailabilityZones: jsii.Strings(props.AvailabilityZones...),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("agents"),
			SubnetType: awsec2.SubnetType_PUBLIC,
			CidrMask:   jsii.Number(float64(bits + 2)),
		}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"RejectedTraffic": {TrafficType: awsec2.FlowLogTrafficType_REJECT},
		},
	})
	// aws-cdk-lib restricts the VPC's default security group with a custom
	// resource of its own: it answers within minutes, not CloudFormation's
	// default hour, when its handler hangs.
	if cr := vpc.Node().TryFindChild(jsii.String("RestrictDefaultSecurityGroupCustomResource")); cr != nil {
		if res, ok := cr.Node().DefaultChild().(awscdk.CfnResource); ok {
			res.AddPropertyOverride(jsii.String("ServiceTimeout"), fmt.Sprint(DefaultCustomResourceTimeoutSeconds))
		}
	}
	group := awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Build agents: outbound only, no ingress"),
		AllowAllOutbound: jsii.Bool(true),
	})
	groups := []awsec2.ISecurityGroup{group}
	return &agentNetwork{
		Construct: this,
		vpc:       vpc,
		subnets:   &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		groups:    &groups,
		publicIP:  true,
	}
}
