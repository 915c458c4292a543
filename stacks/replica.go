package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
	hsconstructs "hubspoke-cdk/constructs"
)

// ReplicaStackName is the stack id of the hub's replica in region.
func ReplicaStackName(region string) string { return "HubReplica-" + region }

// HubReplicaStackProps configures one replica stack.
type HubReplicaStackProps struct {
	awscdk.StackProps
	Fleet  *config.Fleet
	Region string
}

// HubReplicaStack is the agent repository's replica in one region of the
// hub account: the repository itself (so its pull policy follows the fleet
// file on every deploy; registry replication fills it), with this region's
// key, the pull policy for the region's spokes, lifecycle and immutable
// tags, and a repository creation template that gives the same settings to
// a repository replication would have to create.
type HubReplicaStack struct {
	awscdk.Stack
	Registry hsconstructs.AgentRegistry
	Template hsconstructs.AgentReplicaTemplate
}

// NewHubReplicaStack creates the replica stack in the hub account and the
// given region.
func NewHubReplicaStack(scope constructs.Construct, id string, props *HubReplicaStackProps) *HubReplicaStack {
	f, region := props.Fleet, props.Region
	sp := props.StackProps
	sp.Env = &awscdk.Environment{Account: jsii.String(f.Hub.Account), Region: jsii.String(region)}
	if sp.Description == nil {
		sp.Description = jsii.String("hubspoke hub replica: the build-agent image repository for the spokes in " + region)
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	registry := hsconstructs.NewAgentRegistry(stack, "AgentRegistry", agentRegistryProps(f, region))
	template := hsconstructs.NewAgentReplicaTemplate(stack, "ReplicaTemplate", &hsconstructs.AgentReplicaTemplateProps{
		Registry: registry, RepositoryName: f.Hub.RepositoryName,
		MutableTags: f.Hub.TagMutability == "MUTABLE", ImagesKept: f.Hub.ImagesKept,
	})
	return &HubReplicaStack{Stack: stack, Registry: registry, Template: template}
}

// addReplication replicates the hub repository into every replica region
// (registry replication of the hub account: one configuration per registry,
// so it is hubspoke's).
func addReplication(hub *HubStack, f *config.Fleet) {
	regions := f.ReplicaRegions()
	if len(regions) == 0 {
		return
	}
	var destinations []any
	for _, r := range regions {
		destinations = append(destinations, &awsecr.CfnReplicationConfiguration_ReplicationDestinationProperty{
			Region: jsii.String(r), RegistryId: jsii.String(f.Hub.Account),
		})
	}
	awsecr.NewCfnReplicationConfiguration(hub.Stack, jsii.String("ImageReplication"), &awsecr.CfnReplicationConfigurationProps{
		ReplicationConfiguration: &awsecr.CfnReplicationConfiguration_ReplicationConfigurationProperty{
			Rules: &[]any{&awsecr.CfnReplicationConfiguration_ReplicationRuleProperty{
				Destinations: &destinations,
				RepositoryFilters: &[]any{&awsecr.CfnReplicationConfiguration_RepositoryFilterProperty{
					Filter: jsii.String(f.Hub.RepositoryName), FilterType: jsii.String("PREFIX_MATCH"),
				}},
			}},
		},
	})
}

// AddHub adds the hub stack and its replica stacks to scope; the hub
// depends on the replicas, so each replica repository (and template)
// exists before the hub's replication configuration and before any image
// is pushed. With named (inside a pipeline Stage) each stack's
// CloudFormation name is its id, as `cdk deploy` names them.
func AddHub(scope constructs.Construct, f *config.Fleet, named bool) (*HubStack, []*HubReplicaStack) {
	hubProps := &HubStackProps{Fleet: f}
	if named {
		hubProps.StackName = jsii.String(HubStackName)
	}
	hub := NewHubStack(scope, HubStackName, hubProps)
	var replicas []*HubReplicaStack
	for _, r := range f.ReplicaRegions() {
		props := &HubReplicaStackProps{Fleet: f, Region: r}
		if named {
			props.StackName = jsii.String(ReplicaStackName(r))
		}
		rs := NewHubReplicaStack(scope, ReplicaStackName(r), props)
		hub.AddStackDependency(rs.Stack, jsii.String("the replica repositories exist before replication starts"))
		replicas = append(replicas, rs)
	}
	addReplication(hub, f)
	return hub, replicas
}
