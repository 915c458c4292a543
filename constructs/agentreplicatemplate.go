package constructs

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AgentReplicaTemplateProps configures the repository creation template of
// a replica region.
type AgentReplicaTemplateProps struct {
	// Registry is this region's agent repository (an AgentRegistry): the
	// template repeats its key, pull policy, lifecycle and tag mutability.
	// Required.
	Registry AgentRegistry
	// RepositoryName is the replicated repository's name; the template's
	// prefix is its namespace (CreationTemplatePrefix). Required.
	RepositoryName string
	// MutableTags as in AgentRegistryProps. Default: false.
	MutableTags bool
	// ImagesKept as in AgentRegistryProps. Default: 30.
	ImagesKept int
}

// AgentReplicaTemplate is an ECR repository creation template for
// replication (in the region it is deployed to): should registry
// replication have to create the agent repository here (it was deleted),
// the repository gets this region's key, the pull policy, the lifecycle
// rules and tag immutability of the AgentRegistry the stack keeps, instead
// of ECR's defaults (AES-256, no policy, no lifecycle). ECR applies a KMS key
// from a template only through a custom role, which may create and replicate
// into the repository and use this key, nothing else.
type AgentReplicaTemplate interface {
	constructs.IConstruct
	Template() awsecr.CfnRepositoryCreationTemplate
	Role() awsiam.Role
}

type agentReplicaTemplate struct {
	constructs.Construct
	template awsecr.CfnRepositoryCreationTemplate
	role     awsiam.Role
}

func (t *agentReplicaTemplate) Template() awsecr.CfnRepositoryCreationTemplate { return t.template }
func (t *agentReplicaTemplate) Role() awsiam.Role                              { return t.role }

// NewAgentReplicaTemplate creates the template and its role.
func NewAgentReplicaTemplate(scope constructs.Construct, id string, props *AgentReplicaTemplateProps) AgentReplicaTemplate {
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	key := props.Registry.Key()
	repoArn := props.Registry.Repository().RepositoryArn()
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String("ECR creates a replicated agent repository with this region's key (repository creation template)"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecr.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"),
		Resources: &[]*string{repoArn},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"),
		Resources: &[]*string{key.KeyArn()},
	}))
	mutability := "IMMUTABLE"
	if props.MutableTags {
		mutability = "MUTABLE"
	}
	cfnRepo := props.Registry.Repository().Node().DefaultChild().(awsecr.CfnRepository)
	template := awsecr.NewCfnRepositoryCreationTemplate(this, jsii.String("Template"), &awsecr.CfnRepositoryCreationTemplateProps{
		Prefix:                  jsii.String(CreationTemplatePrefix(props.RepositoryName)),
		AppliedFor:              jsii.Strings("REPLICATION"),
		Description:             jsii.String("Agent image replicas: this region's key, the spokes' pull policy, lifecycle, immutable tags"),
		EncryptionConfiguration: &awsecr.CfnRepositoryCreationTemplate_EncryptionConfigurationProperty{EncryptionType: jsii.String("KMS"), KmsKey: key.KeyArn()},
		ImageTagMutability:      jsii.String(mutability),
		RepositoryPolicy:        stack.ToJsonString(cfnRepo.RepositoryPolicyText(), nil),
		LifecyclePolicy:         jsii.String(LifecyclePolicyText(props.ImagesKept)),
		CustomRoleArn:           role.RoleArn(),
	})
	template.Node().AddDependency(role)
	return &agentReplicaTemplate{Construct: this, template: template, role: role}
}

// RootPrefix is the creation template prefix that applies to every
// repository no other template matches.
const RootPrefix = "ROOT"

// CreationTemplatePrefix is the repository creation template prefix that
// matches the repository named repositoryName: its namespace, the part
// before the last "/" ("hubspoke" for "hubspoke/build-agent"), or ROOT for a
// name without one. ECR's rule (CreateRepositoryCreationTemplate, prefix):
// "There is always an assumed / applied to the end of the prefix", so a
// prefix of the full name would match only repositories below it
// ("hubspoke/build-agent/*"), never the repository itself.
//
// The template then also applies to other repositories of that namespace
// that replication creates in this region (ROOT: to every replicated
// repository without a template of its own); its role may create only the
// agent repository, so ECR could not create those with it
// (docs/operations.md).
func CreationTemplatePrefix(repositoryName string) string {
	i := strings.LastIndex(repositoryName, "/")
	if i < 0 {
		return RootPrefix
	}
	return repositoryName[:i]
}

// CreationTemplateFor is the prefix of the template, among prefixes, that
// ECR applies to a repository it creates named repository, written from the
// documented rule: a prefix p matches the names that begin with p + "/"
// (the assumed /); ROOT matches every repository no other template
// matches. Where several prefixes match, the longest (most specific) is
// taken. ok is false when none applies.
func CreationTemplateFor(prefixes []string, repository string) (prefix string, ok bool) {
	root := false
	for _, p := range prefixes {
		if p == RootPrefix {
			root = true
			continue
		}
		if strings.HasPrefix(repository, p+"/") && len(p) > len(prefix) {
			prefix, ok = p, true
		}
	}
	if !ok && root {
		return RootPrefix, true
	}
	return prefix, ok
}

// agentLifecycleRules are the agent repository's lifecycle rules: only the
// pipeline's own builds (tags agent-...) are counted and expired, newest
// kept; other tags are never touched; untagged leftovers (interrupted
// pushes) go after a day.
func agentLifecycleRules(imagesKept int) []*awsecr.LifecycleRule {
	return []*awsecr.LifecycleRule{{
		RulePriority: jsii.Number(1),
		Description:  jsii.String("Untagged images (interrupted pushes) go after a day"),
		TagStatus:    awsecr.TagStatus_UNTAGGED,
		MaxImageAge:  awscdk.Duration_Days(jsii.Number(1)),
	}, {
		RulePriority:  jsii.Number(2),
		Description:   jsii.String("Keep the newest agent- builds"),
		TagStatus:     awsecr.TagStatus_TAGGED,
		TagPrefixList: jsii.Strings(AgentImageTagPrefix),
		MaxImageCount: jsii.Number(float64(imagesKept)),
	}}
}

// LifecyclePolicyText is agentLifecycleRules as ECR's lifecycle policy JSON
// (what the repository creation template needs as text).
func LifecyclePolicyText(imagesKept int) string {
	if imagesKept == 0 {
		imagesKept = 30
	}
	var rules []any
	for _, r := range agentLifecycleRules(imagesKept) {
		sel := map[string]any{"tagStatus": strings.ToLower(string(r.TagStatus))}
		if r.MaxImageAge != nil {
			sel["countType"], sel["countUnit"], sel["countNumber"] = "sinceImagePushed", "days", *r.MaxImageAge.ToDays(nil)
		} else {
			sel["tagPrefixList"], sel["countType"], sel["countNumber"] = *r.TagPrefixList, "imageCountMoreThan", *r.MaxImageCount
		}
		rules = append(rules, map[string]any{"rulePriority": *r.RulePriority, "description": *r.Description, "selection": sel, "action": map[string]any{"type": "expire"}})
	}
	b, _ := json.Marshal(map[string]any{"rules": rules})
	return string(b)
}
