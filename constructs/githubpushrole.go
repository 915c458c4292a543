package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GitHubPushRoleProps configures the role GitHub Actions assumes to push the
// agent image.
type GitHubPushRoleProps struct {
	// Repository that may push. Required.
	Repository awsecr.IRepository
	// GitHubRepository is owner/name. Required.
	GitHubRepository string
	// Branch whose workflows may assume the role. Default: main.
	Branch string
	// Provider is an existing GitHub OIDC provider in the account.
	// Default: a new one (an account has at most one per URL).
	Provider awsiam.IOidcProvider
}

// GitHubPushRole is an OIDC-federated role that workflows on one branch of
// one GitHub repository can assume to push (and pull) the agent image, and
// nothing else: no stored access keys, no administrator role.
type GitHubPushRole interface {
	constructs.IConstruct
	Role() awsiam.Role
}

type gitHubPushRole struct {
	constructs.Construct
	role awsiam.Role
}

func (g *gitHubPushRole) Role() awsiam.Role { return g.role }

// NewGitHubPushRole creates the provider (unless given) and the role.
func NewGitHubPushRole(scope constructs.Construct, id string, props *GitHubPushRoleProps) GitHubPushRole {
	this := constructs.NewConstruct(scope, &id)
	branch := props.Branch
	if branch == "" {
		branch = "main"
	}
	provider := props.Provider
	if provider == nil {
		provider = awsiam.NewOidcProviderNative(this, jsii.String("Provider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://token.actions.githubusercontent.com"),
			ClientIds: jsii.Strings("sts.amazonaws.com"),
		})
	}
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		Description:        jsii.String("GitHub Actions of " + props.GitHubRepository + " on " + branch + " push the agent image"),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		AssumedBy: awsiam.NewWebIdentityPrincipal(provider.OidcProviderArn(), &map[string]any{
			"StringEquals": map[string]any{
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": "repo:" + props.GitHubRepository + ":ref:refs/heads/" + branch,
			},
		}),
	})
	props.Repository.GrantPullPush(role)
	Suppress(role, "AwsSolutions-IAM5", "ecr:GetAuthorizationToken has no resource-level permissions and needs Resource *; every other action is on the agent repository only.", "Resource::*")
	return &gitHubPushRole{Construct: this, role: role}
}
