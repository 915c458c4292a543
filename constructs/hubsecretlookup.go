package constructs

import (
	_ "embed"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

//go:embed hubsecretlookup.py
var hubSecretLookupCode string

// HubSecretLookupProps configures the deploy-time look-up of a secret's full
// ARN in another account.
type HubSecretLookupProps struct {
	// SecretPartialArn is arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME,
	// without the random suffix. Required.
	SecretPartialArn string
	// RoleName of the role that calls DescribeSecret. The hub's secret policy
	// pins this name, so it must be deterministic. Required.
	RoleName string
	// LogRetentionDays of the look-up function's logs. Default: 7.
	LogRetentionDays int
}

// HubSecretLookup finds the full ARN (with Secrets Manager's random
// six-character suffix) of a secret in the hub account when the spoke
// deploys. ECS needs the full ARN for a secret in another account, and the
// suffix exists only once the hub has deployed; looking it up at deploy time
// means nobody copies it into the fleet file by hand.
//
// The function's code is inline (no asset to publish into every spoke
// account) and its role may only DescribeSecret on that one secret.
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

// NewHubSecretLookup creates the look-up function, its role and log group,
// and the custom resource whose Arn attribute is the full secret ARN.
func NewHubSecretLookup(scope awsconstructs.Construct, id string, props *HubSecretLookupProps) HubSecretLookup {
	this := awsconstructs.NewConstruct(scope, &id)
	// arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
	region := strings.Split(props.SecretPartialArn, ":")[3]

	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retentionDays[orDefault(props.LogRetentionDays, 7)],
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("Looks up the full ARN of the hub's agent token at deploy time"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"LookUp": awsiam.PolicyDocument_FromJson(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": props.SecretPartialArn + "-??????"},
				map[string]any{"Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": logs.LogGroupArn()},
			},
		})},
	})
	fn := awslambda.NewCfnFunction(this, jsii.String("Function"), &awslambda.CfnFunctionProps{
		Description:   jsii.String("Looks up the full ARN of " + props.SecretPartialArn),
		Runtime:       jsii.String("python3.14"),
		Handler:       jsii.String("index.handler"),
		Code:          &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String(hubSecretLookupCode)},
		Role:          role.RoleArn(),
		Timeout:       jsii.Number(60),
		MemorySize:    jsii.Number(128),
		LoggingConfig: &awslambda.CfnFunction_LoggingConfigProperty{LogGroup: logs.LogGroupName()},
	})
	lookup := awscdk.NewCustomResource(this, jsii.String("Lookup"), &awscdk.CustomResourceProps{
		ServiceToken: fn.AttrArn(),
		ResourceType: jsii.String("Custom::HubSecretLookup"),
		Properties:   &map[string]any{"SecretId": props.SecretPartialArn, "Region": region},
	})
	return &hubSecretLookup{Construct: this, arn: lookup.GetAttString(jsii.String("Arn")), role: role}
}
