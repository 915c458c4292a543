package constructs

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// HubSecretLookupProps configures the deploy-time look-up of a secret's full
// ARN in another account.
type HubSecretLookupProps struct {
	// SecretPartialArn is arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME,
	// without the random suffix. Required.
	SecretPartialArn string
	// RoleName of the role that calls DescribeSecret. The hub's secret policy
	// pins this name, so it must be deterministic. Required.
	RoleName string
	// LogRetention of the look-up function's logs. Default: one week.
	LogRetention awslogs.RetentionDays
}

// HubSecretLookup finds the full ARN (with Secrets Manager's random
// six-character suffix) of a secret in the hub account when the spoke
// deploys. ECS needs the full ARN for a secret in another account, and the
// suffix exists only once the hub has deployed; looking it up at deploy time
// means nobody copies it into the fleet file by hand.
type HubSecretLookup interface {
	awsconstructs.IConstruct
	// SecretCompleteArn is a deploy-time token for the full secret ARN.
	SecretCompleteArn() *string
	Role() awsiam.IRole
}

type hubSecretLookup struct {
	awsconstructs.Construct
	arn  *string
	role awsiam.Role
}

func (l *hubSecretLookup) SecretCompleteArn() *string { return l.arn }
func (l *hubSecretLookup) Role() awsiam.IRole         { return l.role }

// NewHubSecretLookup creates the look-up custom resource and its role.
func NewHubSecretLookup(scope awsconstructs.Construct, id string, props *HubSecretLookupProps) HubSecretLookup {
	this := awsconstructs.NewConstruct(scope, &id)
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_WEEK
	}
	// arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
	region := strings.Split(props.SecretPartialArn, ":")[3]

	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("Looks up the full ARN of the hub's agent token at deploy time"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logs.GrantWrite(role)
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("SecretsManager"),
		Action:             jsii.String("describeSecret"),
		Parameters:         map[string]any{"SecretId": props.SecretPartialArn},
		Region:             jsii.String(region),
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("ARN")),
		OutputPaths:        jsii.Strings("ARN"),
	}
	lookup := customresources.NewAwsCustomResource(this, jsii.String("Lookup"), &customresources.AwsCustomResourceProps{
		OnCreate: call,
		OnUpdate: call,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("secretsmanager:DescribeSecret"),
				Resources: jsii.Strings(props.SecretPartialArn + "-??????"),
			}),
		}),
		Role:                role,
		LogGroup:            logs,
		InstallLatestAwsSdk: jsii.Bool(false),
		Timeout:             awscdk.Duration_Minutes(jsii.Number(2)),
	})
	return &hubSecretLookup{Construct: this, arn: lookup.GetResponseField(jsii.String("ARN")), role: role}
}
