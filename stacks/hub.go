package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
	hsconstructs "hubspoke-cdk/constructs"
)

// HubStackProps configures the hub stack.
type HubStackProps struct {
	awscdk.StackProps
	Fleet *config.Fleet
}

// HubStack is the hub: the agent image repository and the agent token, with
// policies that let the fleet's spoke roles pull, decrypt and read.
type HubStack struct {
	awscdk.Stack
	Registry hsconstructs.AgentRegistry
	Token    hsconstructs.AgentToken
	// DemandPoller keeps every pool of the fleet (placeholder, ghosts) and
	// counts the jobs of the pools with a spoke that follows demand.
	DemandPoller hsconstructs.DemandPoller
}

// NewHubStack creates the hub stack in the hub account and region.
func NewHubStack(scope constructs.Construct, id string, props *HubStackProps) *HubStack {
	f := props.Fleet
	sp := props.StackProps
	sp.Env = &awscdk.Environment{Account: jsii.String(f.Hub.Account), Region: jsii.String(f.Hub.Region)}
	if sp.Description == nil {
		sp.Description = jsii.String("hubspoke hub: build-agent image repository and agent token shared with spoke accounts")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	execs, lookups := hubTrust(f)
	registry := hsconstructs.NewAgentRegistry(stack, "AgentRegistry", agentRegistryProps(f, ""))
	if g := f.Hub.GitHubActions; g != nil {
		push := hsconstructs.NewGitHubPushRole(stack, "GitHubActions", &hsconstructs.GitHubPushRoleProps{
			Repository: registry.Repository(), GitHubRepository: g.Repository, Branch: g.Branch,
		})
		awscdk.NewCfnOutput(stack, jsii.String("GitHubActionsRoleArn"), &awscdk.CfnOutputProps{
			Value:       push.Role().RoleArn(),
			Description: jsii.String("role-to-assume for aws-actions/configure-aws-credentials in " + g.Repository),
		})
	}
	token := hsconstructs.NewAgentToken(stack, "AgentToken", &hsconstructs.AgentTokenProps{
		SecretName: f.Hub.SecretName,
		KeyAlias:   TokenKeyAlias(f.Hub),
		Readers:    execs,
		Describers: lookups,
		// The image build asks the organization which agent to install.
		ImageBuilders: pipelinePusher(f),
	})
	addTokenMinter(stack, f, token)
	var poller hsconstructs.DemandPoller
	if pools, demand := demandPools(f); len(pools) > 0 {
		publishers := ""
		if demand {
			publishers = RoleArn(f.Hub.Partition(), "*", rolePrefix+"*-demand")
		}
		poller = hsconstructs.NewDemandPoller(stack, "DemandPoller", &hsconstructs.DemandPollerProps{
			Token:             token.Secret(),
			Pools:             pools,
			RoleName:          DemandPollerRoleName,
			PublisherRoleArns: publishers,
			// ClusterName(s) is this prefix and the spoke's name.
			AgentClusterPrefix: rolePrefix,
			AgentServiceName:   ServiceName,
		})
		// The fleet at a glance, from the figures the poller puts into
		// the hub's own CloudWatch (docs/operations.md, Fleet dashboard).
		hsconstructs.NewFleetDashboard(stack, "FleetDashboard", &hsconstructs.FleetDashboardProps{
			Groups: poller.Groups(), Namespace: poller.Namespace(), Region: f.Hub.Region,
			AlarmArns: []string{*poller.PlaceholderAlarm().AttrArn(), *poller.CappedAlarm().AttrArn()},
		})
	}
	awscdk.NewCfnOutput(stack, jsii.String("RepositoryUri"), &awscdk.CfnOutputProps{
		Value:       registry.Repository().RepositoryUri(),
		Description: jsii.String("Push the agent image here"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AgentTokenSecretArn"), &awscdk.CfnOutputProps{
		Value:       token.Secret().SecretArn(),
		Description: jsii.String("Set the agent token with: aws secretsmanager put-secret-value --secret-id <this>"),
	})
	return &HubStack{Stack: stack, Registry: registry, Token: token, DemandPoller: poller}
}

// demandPools groups the spokes by agent pool (organization URL and pool
// name), in fleet order: the poller keeps every pool (placeholder, ghosts)
// and counts the jobs of each pool with a demand spoke once a minute,
// however many spokes share it. demand: some spoke follows demand.
func demandPools(f *config.Fleet) (pools []hsconstructs.DemandPool, demand bool) {
	index := map[[2]string]int{}
	for _, s := range f.Spokes {
		key := [2]string{s.Agent.AzpURL, s.Agent.Pool}
		i, ok := index[key]
		if !ok {
			i = len(pools)
			index[key] = i
			pools = append(pools, hsconstructs.DemandPool{URL: s.Agent.AzpURL, Pool: s.Agent.Pool})
		}
		spoke := hsconstructs.DemandSpoke{Name: s.Name, AgentPrefix: AgentName(s), MaxAgentMinutes: hsconstructs.MaxAgentMinutes(s.Agent.MaxJobMinutes)}
		if s.Schedule.Demand {
			demand = true
			spoke.Demand, spoke.Region = true, s.Region
			spoke.RoleArn = RoleArn(f.Hub.Partition(), s.Account, DemandRoleName(s))
			spoke.Actions = hsconstructs.DemandActions(s.Schedule.Week())
			if a := s.Schedule.Week().Demand.Auto; a != nil {
				spoke.Auto = &hsconstructs.DemandAuto{Weeks: a.Weeks, Percentile: a.Percentile, Zone: s.Schedule.TimeZone}
			}
		}
		pools[i].Spokes = append(pools[i].Spokes, spoke)
	}
	return pools, demand
}

// agentRegistryProps is the agent repository of the hub (region "") or of
// its replica in region: the spokes that pull there may pull and describe;
// the pipeline's image build may push (to a replica: a tag pushed before
// the region had one).
func agentRegistryProps(f *config.Fleet, region string) *hsconstructs.AgentRegistryProps {
	spokes := spokeRolePatterns(f, region)
	return &hsconstructs.AgentRegistryProps{
		RepositoryName: f.Hub.RepositoryName,
		MutableTags:    f.Hub.TagMutability == "MUTABLE",
		ImagesKept:     f.Hub.ImagesKept,
		KeyAlias:       RepositoryKeyAlias(f.Hub),
		Pullers:        spokes,
		Describers:     spokes,
		Pushers:        pipelinePusher(f),
	}
}

// pipelinePusher trusts the pipeline's image build role (in the tooling
// account) to push, when the fleet has a pipeline.
func pipelinePusher(f *config.Fleet) hsconstructs.TrustedPrincipals {
	if f.Pipeline == nil {
		return hsconstructs.TrustedPrincipals{}
	}
	return hsconstructs.TrustedPrincipals{
		Accounts: []string{f.Pipeline.Account},
		RoleArns: []string{RoleArn(f.Hub.Partition(), f.Pipeline.Account, ImageBuildRoleName)},
	}
}

// spokeRolePatterns trusts every role of each spoke in its own account
// (hubspoke-<spoke>-*: the execution role pulls, the preflight role
// describes images): one ARN per spoke keeps the ECR repository policy, the
// tightest of the hub's limits, as small as before the preflight. Each
// spoke's roles stay pinned to its own account; the roles' own policies
// decide who may do what. Organization mode: as hubTrust. With region, only
// the spokes that pull there (a replica's policy).
func spokeRolePatterns(f *config.Fleet, region string) hsconstructs.TrustedPrincipals {
	execs, lookups := hubTrust(f)
	if f.OrganizationMode() {
		return execs.Union(lookups)
	}
	t := hsconstructs.TrustedPrincipals{Like: true}
	for _, s := range f.Spokes {
		if region != "" && f.ImageRegion(s) != region {
			continue
		}
		t.Accounts = append(t.Accounts, s.Account)
		t.RoleArns = append(t.RoleArns, RoleArn(f.Hub.Partition(), s.Account, rolePrefix+s.Name+"-*"))
	}
	return t
}

// hubTrust returns who may use the hub: the spoke execution roles (pull,
// decrypt, read) and the spoke look-up roles (describe the secret). In
// organization mode the statements stay O(1): any role of the organization
// whose name follows the spoke naming scheme.
func hubTrust(f *config.Fleet) (execs, lookups hsconstructs.TrustedPrincipals) {
	p := f.Hub.Partition()
	if f.OrganizationMode() {
		org := f.Hub.OrganizationID
		ous := f.Hub.OrganizationalUnits
		execs = hsconstructs.TrustedPrincipals{OrganizationID: org, OrgPaths: ous, RoleArns: []string{RoleArn(p, "*", rolePrefix+"*-exec")}}
		lookups = hsconstructs.TrustedPrincipals{OrganizationID: org, OrgPaths: ous, RoleArns: []string{RoleArn(p, "*", rolePrefix+"*-lookup")}}
		return execs, lookups
	}
	for _, s := range f.Spokes {
		execs.Accounts = append(execs.Accounts, s.Account)
		lookups.Accounts = append(lookups.Accounts, s.Account)
		execs.RoleArns = append(execs.RoleArns, RoleArn(p, s.Account, ExecutionRoleName(s)))
		lookups.RoleArns = append(lookups.RoleArns, RoleArn(p, s.Account, LookupRoleName(s)))
	}
	return execs, lookups
}
