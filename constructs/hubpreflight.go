package constructs

import (
	_ "embed"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultCustomResourceTimeoutSeconds is how long CloudFormation waits for a
// custom resource's answer: minutes, not the hour it waits by default when
// a handler hangs.
const DefaultCustomResourceTimeoutSeconds = 300

//go:embed hubpreflight.py
var hubPreflightCode string

// HubPreflightProps configures the deploy-time preflight of a spoke.
type HubPreflightProps struct {
	// SecretPartialArn is arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME,
	// without the random suffix. Required.
	SecretPartialArn string
	// RepositoryArn is the hub repository the agent image comes from.
	// Required.
	RepositoryArn string
	// ImageTag is the tag the service will run; the preflight checks it is
	// in the repository. Required.
	ImageTag string
	// RoleName of the role that calls DescribeSecret and DescribeImages. The
	// hub's policies pin this name, so it must be deterministic. Required.
	RoleName string
	// Nonce changes on every synthesis so that CloudFormation runs the
	// preflight on every deploy, not only when the tag changes. Default: "".
	Nonce string
	// WaitForImageSeconds: how long the preflight waits for the tag to
	// appear (a replica, filled by registry replication), 0-780. Default: 0
	// (the tag must be there).
	WaitForImageSeconds int
	// HubRegion is where the image is pushed (named in messages about a
	// replica). Default: the repository's region.
	HubRegion string
	// LogRetentionDays of the function's logs. Default: 7.
	LogRetentionDays int
	// Timeout is how long CloudFormation waits for the preflight.
	// Default: 5 minutes (instead of CloudFormation's hour).
	Timeout awscdk.Duration
}

// HubPreflight checks, in the hub account, when the spoke deploys: the agent
// token secret exists and has a current value, and the image tag the service
// will run is in the hub repository. It fails the deployment within a minute
// with a message that names the fix (deploy the hub, put the secret's value,
// push the image). Make the service depend on it.
//
// It also finds the secret's full ARN (with Secrets Manager's random
// six-character suffix): ECS needs the full ARN for a secret in another
// account, and the suffix exists only once the hub has deployed.
//
// The function's code is inline (no asset to publish into every spoke
// account) and its role may only DescribeSecret on that one secret and
// DescribeImages on that one repository.
type HubPreflight interface {
	constructs.IConstruct
	// SecretCompleteArn is a deploy-time token for the full secret ARN.
	SecretCompleteArn() *string
	Role() awsiam.IRole
	// Resource is the custom resource: what must be checked first.
	Resource() awscdk.CustomResource
}

type hubPreflight struct {
	constructs.Construct
	arn      *string
	role     awsiam.Role
	resource awscdk.CustomResource
}

func (l *hubPreflight) SecretCompleteArn() *string      { return l.arn }
func (l *hubPreflight) Role() awsiam.IRole              { return l.role }
func (l *hubPreflight) Resource() awscdk.CustomResource { return l.resource }

// NewHubPreflight creates the function, its role and log group, and the
// custom resource whose Arn attribute is the full secret ARN.
func NewHubPreflight(scope constructs.Construct, id string, props *HubPreflightProps) HubPreflight {
	this := constructs.NewConstruct(scope, &id)
	// arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
	secret := strings.SplitN(props.SecretPartialArn, ":", 7)
	// arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME
	repo := strings.SplitN(props.RepositoryArn, ":", 6)
	timeout := props.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Seconds(jsii.Number(float64(max(DefaultCustomResourceTimeoutSeconds, props.WaitForImageSeconds+120))))
	}
	hubRegion := props.HubRegion
	if hubRegion == "" {
		hubRegion = repo[3]
	}

	role, fn := inlinePythonFunction{
		RoleName:        props.RoleName,
		RoleDescription: "Checks the hub's agent token and image, and looks up the token's full ARN, at deploy time",
		PolicyName:      "Preflight",
		Statements: []any{
			map[string]any{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": props.SecretPartialArn + "-??????"},
			map[string]any{"Effect": "Allow", "Action": "ecr:DescribeImages", "Resource": props.RepositoryArn},
		},
		Description:      "Checks the hub's agent token and image before the agent service deploys",
		Code:             hubPreflightCode,
		TimeoutSeconds:   60 + props.WaitForImageSeconds,
		MemoryMiB:        128,
		LogRetentionDays: props.LogRetentionDays,
	}.add(this)
	resource := awscdk.NewCustomResource(this, jsii.String("Check"), &awscdk.CustomResourceProps{
		ServiceToken:   fn.AttrArn(),
		ServiceTimeout: timeout,
		ResourceType:   jsii.String("Custom::HubPreflight"),
		Properties: &map[string]any{
			"SecretId": props.SecretPartialArn, "SecretName": secret[6], "SecretRegion": secret[3], "HubAccount": secret[4],
			"RepositoryName": strings.TrimPrefix(repo[5], "repository/"), "RepositoryRegion": repo[3], "RegistryId": repo[4],
			"ImageTag": props.ImageTag, "RoleName": props.RoleName, "Nonce": props.Nonce,
			"WaitSeconds": props.WaitForImageSeconds, "HubRegion": hubRegion,
		},
	})
	return &hubPreflight{Construct: this, arn: resource.GetAttString(jsii.String("Arn")), role: role, resource: resource}
}
