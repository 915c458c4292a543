package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
	hsconstructs "hubspoke-cdk/constructs"
)

// SpokeStackProps configures one spoke stack.
type SpokeStackProps struct {
	awscdk.StackProps
	Hub   config.Hub
	Spoke config.Spoke
	// ImageTag of the agent image (agentimage.Tag): the same for `cdk
	// deploy` and the pipeline. Required.
	ImageTag string
	// DeployNonce changes on every synthesis so the preflight runs on every
	// deploy. Default: "".
	DeployNonce string
	// ImageRegion is where the spoke pulls the agent image: its own region
	// when the hub replicates there. Default: the hub's region.
	ImageRegion string
	// CheckTrust is the role (the pipeline's verify role) that may assume the
	// spoke's smoke-check role. Default: "" (no check role: the direct path
	// runs tools/smoke-check.sh with its own credentials).
	CheckTrust string
}

// SpokeStack runs the build agents of one account and region.
type SpokeStack struct {
	awscdk.Stack
	Network   hsconstructs.AgentNetwork
	Preflight hsconstructs.HubPreflight
	Agents    hsconstructs.AgentService
	Schedule  hsconstructs.AgentSchedule
	// Window sets the schedule's current window on every deploy.
	Window hsconstructs.AgentWindow
	// Roles makes sure the ECS service-linked roles exist before the
	// cluster and the scalable target.
	Roles  hsconstructs.ServiceLinkedRoles
	Health hsconstructs.AgentHealth
	// Check is nil without CheckTrust.
	Check hsconstructs.AgentCheckRole
	// Demand is nil without demand scaling.
	Demand hsconstructs.DemandPublisherRole
}

// NewSpokeStack creates the spoke stack in the spoke account and region.
func NewSpokeStack(scope constructs.Construct, id string, props *SpokeStackProps) *SpokeStack {
	h, s := props.Hub, props.Spoke
	sp := props.StackProps
	sp.Env = &awscdk.Environment{Account: jsii.String(s.Account), Region: jsii.String(s.Region)}
	if sp.Description == nil {
		sp.Description = jsii.String("hubspoke spoke " + s.Name + ": scheduled Fargate build agents")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	if s.Network.Creates() {
		// The fleet file names the zones; record them as the stack's zones so
		// that synthesis needs no AWS look-up.
		key := "availability-zones:account=" + s.Account + ":region=" + s.Region
		stack.Node().SetContext(jsii.String(key), s.Network.AvailabilityZones)
	}

	network := hsconstructs.NewAgentNetwork(stack, "Network", &hsconstructs.AgentNetworkProps{
		VpcID:             s.Network.VpcID,
		SubnetIDs:         s.Network.SubnetIDs,
		SecurityGroupIDs:  s.Network.SecurityGroupIDs,
		AssignPublicIP:    s.Network.AssignPublicIP,
		Cidr:              s.Network.CreateVpcCidr,
		AvailabilityZones: s.Network.AvailabilityZones,
	})
	imageRegion := firstNonEmpty(props.ImageRegion, h.Region)
	repoArn := RepositoryArnIn(h, imageRegion)
	wait := 0
	if imageRegion != h.Region {
		// A replica: the preflight waits for registry replication.
		wait = ReplicationWaitSeconds
	}
	repo := awsecr.Repository_FromRepositoryAttributes(stack, jsii.String("HubRepository"), &awsecr.RepositoryAttributes{
		RepositoryArn:  jsii.String(repoArn),
		RepositoryName: jsii.String(h.RepositoryName),
	})
	// The id is the earlier look-up's: the role keeps its logical id, so a
	// deployed spoke updates it in place (a new logical id would create a
	// second role of the same name and fail).
	preflight := hsconstructs.NewHubPreflight(stack, "HubTokenLookup", &hsconstructs.HubPreflightProps{
		SecretPartialArn:    SecretPartialArn(h),
		RepositoryArn:       repoArn,
		WaitForImageSeconds: wait,
		HubRegion:           h.Region,
		ImageTag:            props.ImageTag,
		RoleName:            LookupRoleName(s),
		Nonce:               props.DeployNonce,
	})
	token := awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String("HubToken"), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: preflight.SecretCompleteArn(),
	})
	agents := hsconstructs.NewAgentService(stack, "Agents", &hsconstructs.AgentServiceProps{
		Network:    network,
		Repository: repo,
		ImageTag:   props.ImageTag,
		Token:      token,
		Environment: map[string]string{
			"AZP_URL":        s.Agent.AzpURL,
			"AZP_POOL":       s.Agent.Pool,
			"AZP_AGENT_NAME": AgentName(s),
		},
		CPU:                s.Agent.CPU,
		MemoryMiB:          s.Agent.MemoryMiB,
		ExecutionRoleName:  ExecutionRoleName(s),
		ClusterName:        ClusterName(s),
		ServiceName:        ServiceName,
		LogRetentionDays:   s.Agent.LogRetentionDays,
		StopTimeoutSeconds: s.Agent.StopTimeoutSeconds,
		MaxJobMinutes:      s.Agent.MaxJobMinutes,
		Spot:               s.Agent.Spot,
		SpotOnDemandBase:   s.Agent.SpotOnDemandBase,
	})
	// The service-linked roles before the cluster (and so the service) and
	// the scalable target: ECS creating its own role during CreateCluster
	// races IAM in a fresh account.
	roles := hsconstructs.NewServiceLinkedRoles(stack, "ServiceLinkedRoles", &hsconstructs.ServiceLinkedRolesProps{})
	agents.Cluster().Node().AddDependency(roles.Resource())
	// Decrypting the token needs the hub key too; the spoke knows its alias,
	// not its random key id.
	hsconstructs.GrantDecryptByAlias(agents.ExecutionRole(), h.Partition(), h.Account, h.Region,
		TokenKeyAlias(h), "secretsmanager."+h.Region+".amazonaws.com")
	// The service (and its first task) only after the hub's token and image
	// check out, and with the execution role's permissions in place.
	agents.Service().Node().AddDependency(preflight.Resource())
	if p := agents.ExecutionRole().Node().TryFindChild(jsii.String("DefaultPolicy")); p != nil {
		agents.Service().Node().AddDependency(p)
	}
	week := s.Schedule.Week()
	var demandDims map[string]string
	var publisher hsconstructs.DemandPublisherRole
	if week.Demand != nil {
		demandDims = map[string]string{"Spoke": s.Name}
		publisher = hsconstructs.NewDemandPublisherRole(stack, "Demand", &hsconstructs.DemandPublisherRoleProps{
			RoleName:      DemandRoleName(s),
			PollerAccount: h.Account,
			PollerRoleArn: RoleArn(h.Partition(), h.Account, DemandPollerRoleName),
			ClusterArn:    agents.Cluster().ClusterArn(),
		})
	}
	sched := hsconstructs.NewAgentSchedule(stack, "Schedule", &hsconstructs.AgentScheduleProps{
		Service:          agents.Service(),
		ClusterName:      ClusterName(s),
		Week:             week,
		DemandDimensions: demandDims,
	})
	sched.Target().Node().AddDependency(roles.Resource())
	window := hsconstructs.NewAgentWindow(stack, "Window", &hsconstructs.AgentWindowProps{
		Schedule: sched,
		ServiceArn: *stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ecs"), Resource: jsii.String("service"),
			ResourceName: jsii.String(ClusterName(s) + "/" + ServiceName)}),
		Nonce: props.DeployNonce,
	})
	health := hsconstructs.NewAgentHealth(stack, "Health", &hsconstructs.AgentHealthProps{
		ClusterName:      ClusterName(s),
		ServiceName:      ServiceName,
		Name:             rolePrefix + s.Name,
		Emails:           s.Alerts.Emails,
		ShortfallMinutes: s.Alerts.ShortfallMinutes,
		DemandDimensions: demandDims,
	})
	out := &SpokeStack{Stack: stack, Network: network, Preflight: preflight, Agents: agents, Schedule: sched, Window: window, Roles: roles, Health: health, Demand: publisher}
	if props.CheckTrust != "" {
		out.Check = hsconstructs.NewAgentCheckRole(stack, "SmokeCheck", &hsconstructs.AgentCheckRoleProps{
			RoleName: CheckRoleName(s), TrustedRoleArn: props.CheckTrust, Agents: agents, ClusterName: ClusterName(s),
		})
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
