package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PullActions are the ECR actions a spoke needs to pull an image; nothing to
// push, delete, or change the repository.
var PullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// AgentRegistryProps configures the hub's agent image repository.
type AgentRegistryProps struct {
	// RepositoryName of the ECR repository. Required.
	RepositoryName string
	// MutableTags allows a tag to be pushed again. Default: false (IMMUTABLE).
	MutableTags bool
	// ImagesKept is how many agent- builds the lifecycle rule keeps (other
	// tags are kept always). Default: 30.
	ImagesKept int
	// KeyAlias names the repository's customer-managed key.
	// Default: "alias/" + RepositoryName + "/ecr".
	KeyAlias string
	// Pullers may pull images from another account. Default: nobody.
	Pullers TrustedPrincipals
	// Describers may look up whether an image tag exists (the spokes'
	// deploy-time preflight). Default: nobody.
	Describers TrustedPrincipals
	// Pushers may push images from another account (the pipeline's image
	// build role). Default: nobody.
	Pushers TrustedPrincipals
}

// PushActions are what an image build needs: push, see whether a tag
// exists, and read the scan findings.
var PushActions = []string{
	"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImageScanFindings",
	"ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
}

// AgentRegistry is an ECR repository for the agent image: scanned on push,
// encrypted with a rotating customer-managed key, retained on stack deletion.
type AgentRegistry interface {
	constructs.IConstruct
	Repository() awsecr.Repository
	Key() awskms.Key
}

type agentRegistry struct {
	constructs.Construct
	repository awsecr.Repository
	key        awskms.Key
}

func (r *agentRegistry) Repository() awsecr.Repository { return r.repository }
func (r *agentRegistry) Key() awskms.Key               { return r.key }

// AgentImageTagPrefix starts every tag the pipeline builds.
const AgentImageTagPrefix = "agent-"

// NewAgentRegistry creates the repository, its key and its pull policy.
func NewAgentRegistry(scope constructs.Construct, id string, props *AgentRegistryProps) AgentRegistry {
	this := constructs.NewConstruct(scope, &id)
	imagesKept := props.ImagesKept
	if imagesKept == 0 {
		imagesKept = 30
	}
	alias := props.KeyAlias
	if alias == "" {
		alias = "alias/" + props.RepositoryName + "/ecr"
	}
	mutability := awsecr.TagMutability_IMMUTABLE
	if props.MutableTags {
		mutability = awsecr.TagMutability_MUTABLE
	}

	key := newRetainedKey(this, "Encrypts the build-agent images in "+props.RepositoryName, alias)
	rules := agentLifecycleRules(imagesKept)
	repo := awsecr.NewRepository(this, jsii.String("Repository"), &awsecr.RepositoryProps{
		RepositoryName:     jsii.String(props.RepositoryName),
		ImageScanOnPush:    jsii.Bool(true),
		ImageTagMutability: mutability,
		Encryption:         awsecr.RepositoryEncryption_KMS(),
		EncryptionKey:      key,
		LifecycleRules:     &rules,
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	if spokes := props.Pullers.Union(props.Describers); !spokes.Empty() {
		// ECR repository policies have no Resource element. One statement
		// for pullers and describers keeps the policy small as the fleet
		// grows; cross-account access needs the caller's own policy too, so
		// each role still gets only what its identity policy grants (pull,
		// or DescribeImages).
		actions := PullActions
		if !props.Describers.Empty() {
			actions = append(append([]string{}, PullActions...), "ecr:DescribeImages")
		}
		repo.AddToResourcePolicy(spokes.Statement("SpokesPullAgentImage", actions, nil, nil))
		if spokes.OrganizationID != "" {
			Suppress(repo, "AwsSolutions-ECR1", "The principal * is limited by aws:PrincipalOrgID (and, in OU mode, aws:PrincipalOrgPaths) to the organization's roles named like the spokes' roles: organization mode, a documented choice (docs/trust.md).")
		}
	}
	if !props.Pushers.Empty() {
		repo.AddToResourcePolicy(props.Pushers.Statement("PipelinePushesAgentImage", PushActions, nil, nil))
	}
	cfnRepo := repo.Node().DefaultChild().(awsecr.CfnRepository)
	LimitPolicySize(this, "ECR repository policy of "+props.RepositoryName, ECRRepositoryPolicyLimit,
		func() any { return cfnRepo.RepositoryPolicyText() })
	LimitPolicySize(this, "KMS key policy of "+alias, KMSKeyPolicyLimit, func() any { return key.Policy() })
	return &agentRegistry{Construct: this, repository: repo, key: key}
}

// newRetainedKey is a customer-managed key with yearly rotation and an
// alias, kept when its stack is deleted (what it encrypts is kept too).
func newRetainedKey(scope constructs.Construct, description, alias string) awskms.Key {
	return awskms.NewKey(scope, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		Alias:             jsii.String(alias),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
}
