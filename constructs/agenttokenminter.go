package constructs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

//go:embed agenttokenminter.py
var agentTokenMinterCode string

// Token minting figures (docs/token.md says why).
const (
	// MintMinutes is how often a new token is minted: Entra access tokens
	// live 60-90 minutes, so the token in the secret has at least 45 minutes
	// left when a task reads it; and Secrets Manager keeps every version
	// for 24 hours and asks for at most one PutSecretValue every 10
	// minutes (96 versions a day stays under its 100).
	MintMinutes = 15
	// WebIdentityTokenSeconds is the life of the AWS JWT: it is exchanged
	// at once, so STS's default of 5 minutes is plenty.
	WebIdentityTokenSeconds = 300
	// EntraTokenExchangeAudience is the audience Entra expects in an
	// external identity provider's token.
	EntraTokenExchangeAudience = "api://AzureADTokenExchange"
	// DefaultTokenNamespace holds TokenMinted.
	DefaultTokenNamespace = "hubspoke/Token"
)

// AgentTokenMinterProps configures the minting function.
type AgentTokenMinterProps struct {
	// Token is the hub secret the spokes read. Required.
	Token awssecretsmanager.ISecret
	// TenantID and ClientID of the Entra app whose federated credential
	// trusts the minting role. Required.
	TenantID, ClientID string
	// RoleName of the minting role: the subject (sub) of its tokens is
	// its ARN, which the federated credential names. Required.
	RoleName string
	// EnableRoleName of the role that enables outbound federation.
	// Default: RoleName + "-enable".
	EnableRoleName string
	// Organizations (Azure DevOps URLs) the new token is checked against.
	Organizations []string
	// Emails subscribe to the minting alarm's topic.
	Emails []string
	// Namespace of TokenMinted. Default: DefaultTokenNamespace.
	Namespace string
	// LogRetentionDays of the functions' logs. Default: 7.
	LogRetentionDays int
}

// AgentTokenMinter mints, every MintMinutes, an Entra access token for Azure
// DevOps from the hub's own AWS identity (outbound identity federation,
// enabled by a custom resource) and writes it into the hub secret; an alarm
// fires when a run fails or does not run.
type AgentTokenMinter interface {
	constructs.IConstruct
	Function() awslambda.CfnFunction
	// IssuerURL is the account's issuer URL (a deploy-time token).
	IssuerURL() *string
	Alarm() awscloudwatch.Alarm
}

type agentTokenMinter struct {
	constructs.Construct
	fn     awslambda.CfnFunction
	issuer *string
	alarm  awscloudwatch.Alarm
}

func (m *agentTokenMinter) Function() awslambda.CfnFunction { return m.fn }
func (m *agentTokenMinter) IssuerURL() *string              { return m.issuer }
func (m *agentTokenMinter) Alarm() awscloudwatch.Alarm      { return m.alarm }

// AgentTokenMinterCode is the function's inline code for a CONFIG value
// (JSON).
func AgentTokenMinterCode(configJSON string) string {
	return "import json\nCONFIG = json.loads(" + strconv.Quote(configJSON) + ")\n" + agentTokenMinterCode
}

// MinterPolicyStatements are the minting role's statements (besides its
// logs): a web identity token for Entra only and for at most
// WebIdentityTokenSeconds; writing (not reading) the secret; its metric.
func MinterPolicyStatements(secretArn, keyArn any, region, namespace string) []any {
	return []any{
		map[string]any{"Sid": "WebIdentityTokenForEntraOnly", "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
			"Condition": map[string]any{
				"ForAllValues:StringEquals": map[string]any{"sts:IdentityTokenAudience": EntraTokenExchangeAudience},
				"Null":                      map[string]any{"sts:IdentityTokenAudience": "false"},
				"NumericLessThanEquals":     map[string]any{"sts:DurationSeconds": WebIdentityTokenSeconds},
			}},
		map[string]any{"Sid": "WriteAgentToken", "Effect": "Allow", "Action": []string{"secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"}, "Resource": secretArn},
		map[string]any{"Sid": "EncryptAgentToken", "Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": keyArn,
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}},
		map[string]any{"Sid": "PublishTokenMinted", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": namespace}}},
	}
}

// NewAgentTokenMinter creates the custom resource that enables outbound
// federation, the minting function with its schedule, and the alarm.
func NewAgentTokenMinter(scope constructs.Construct, id string, props *AgentTokenMinterProps) AgentTokenMinter {
	this := constructs.NewConstruct(scope, &id)
	region := *awscdk.Stack_Of(this).Region()
	namespace := props.Namespace
	if namespace == "" {
		namespace = DefaultTokenNamespace
	}
	enableRole := props.EnableRoleName
	if enableRole == "" {
		enableRole = props.RoleName + "-enable"
	}
	orgs := props.Organizations
	if orgs == nil {
		orgs = []string{}
	}
	cfg := func(mode string) string {
		b, err := json.Marshal(map[string]any{
			"mode": mode, "region": region, "secretArn": props.Token.SecretArn(), "tenantId": props.TenantID, "clientId": props.ClientID,
			"audience": EntraTokenExchangeAudience, "durationSeconds": WebIdentityTokenSeconds, "namespace": namespace, "organizations": orgs,
		})
		if err != nil {
			panic(err)
		}
		return string(b)
	}

	// Outbound identity federation has no CloudFormation resource (none in
	// cfn-lint 1.51's schemas): a custom resource enables it, idempotently.
	enableScope := constructs.NewConstruct(this, jsii.String("Enable"))
	enableRoleC, enableFn := inlinePythonFunction{
		RoleName:        enableRole,
		RoleDescription: "Enables outbound identity federation for the hub account (once) and reads its issuer URL",
		PolicyName:      "EnableFederation",
		Statements: []any{map[string]any{"Effect": "Allow", "Resource": "*",
			"Action": []string{"iam:EnableOutboundWebIdentityFederation", "iam:GetOutboundWebIdentityFederationInfo"}}},
		Description: "Enables outbound identity federation for the account and returns the issuer URL",
		Code:        AgentTokenMinterCode(cfg("enable")),
		// Its worst case: three IAM queries of 10 s and three answers to
		// CloudFormation of 10 s with 7 s of back-off, 67 s.
		TimeoutSeconds:   120,
		MemoryMiB:        128,
		LogRetentionDays: props.LogRetentionDays,
	}.add(enableScope)
	Suppress(enableRoleC, "AwsSolutions-IAM5", "Outbound identity federation is an account setting: its two actions take no resource.", "Resource::*")
	enableFn.Node().AddDependency(enableRoleC)
	federation := awscdk.NewCfnCustomResource(this, jsii.String("OutboundFederation"), &awscdk.CfnCustomResourceProps{
		ServiceToken: enableFn.AttrArn(),
		// Not CloudFormation's default hour when the function cannot answer.
		ServiceTimeout: jsii.Number(DefaultCustomResourceTimeoutSeconds),
	})
	issuer := federation.GetAtt(jsii.String("IssuerUrl"), awscdk.ResolutionTypeHint_STRING).ToString()

	var keyArn any = "*"
	if key := props.Token.EncryptionKey(); key != nil {
		keyArn = key.KeyArn()
	}
	mintScope := constructs.NewConstruct(this, jsii.String("Mint"))
	role, fn := inlinePythonFunction{
		RoleName:         props.RoleName,
		RoleDescription:  "Mints the agents' Entra token: its ARN is the subject Entra's federated credential trusts",
		PolicyName:       "Mint",
		Statements:       MinterPolicyStatements(props.Token.SecretArn(), keyArn, region, namespace),
		Description:      fmt.Sprintf("Mints a short-lived Entra token for Azure DevOps every %d minutes into the agent token secret", MintMinutes),
		Code:             AgentTokenMinterCode(cfg("mint")),
		TimeoutSeconds:   60,
		MemoryMiB:        128,
		LogRetentionDays: props.LogRetentionDays,
	}.add(mintScope)
	Suppress(role, "AwsSolutions-IAM5", "sts:GetWebIdentityToken and cloudwatch:PutMetricData take no resource; conditions pin the token's audience and life and the metrics' namespace.", "Resource::*")
	fn.Node().AddDependency(role)
	// A run that could not start is dropped: the next one is 15 minutes
	// later and the alarm counts the missing run.
	awslambda.NewCfnEventInvokeConfig(mintScope, jsii.String("DropStaleRuns"), &awslambda.CfnEventInvokeConfigProps{
		FunctionName: fn.Ref(), Qualifier: jsii.String("$LATEST"),
		MaximumEventAgeInSeconds: jsii.Number(300), MaximumRetryAttempts: jsii.Number(0),
	})
	rule := awsevents.NewCfnRule(mintScope, jsii.String("Schedule"), &awsevents.CfnRuleProps{
		Description:        jsii.String(fmt.Sprintf("Mints the agent token every %d minutes", MintMinutes)),
		ScheduleExpression: jsii.String(fmt.Sprintf("rate(%d minutes)", MintMinutes)),
		Targets:            &[]any{&awsevents.CfnRule_TargetProperty{Id: jsii.String("Minter"), Arn: fn.AttrArn()}},
	})
	// The first run comes after federation is enabled.
	rule.Node().AddDependency(federation)
	awslambda.NewCfnPermission(mintScope, jsii.String("FromRule"), &awslambda.CfnPermissionProps{
		Action: jsii.String("lambda:InvokeFunction"), FunctionName: fn.AttrArn(),
		Principal: jsii.String("events.amazonaws.com"), SourceArn: rule.AttrArn(),
	})

	topic := awssns.NewTopic(this, jsii.String("Topic"), &awssns.TopicProps{
		TopicName: jsii.String(props.RoleName), DisplayName: jsii.String("hubspoke agent token"), EnforceSSL: jsii.Bool(true),
	})
	Suppress(topic, "AwsSolutions-SNS2", "The topic carries the minting alarm only, no token.")
	for _, e := range props.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}
	// One data point per period: each run publishes at its scheduled time
	// and the period is the schedule's. A failed run (0) or a missing one
	// (the function did not run) alarms.
	alarm := awscloudwatch.NewAlarm(this, jsii.String("MintFailedAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(props.RoleName + "-failed"),
		AlarmDescription: jsii.String(fmt.Sprintf("The agent token was not minted: the last token stays in the secret until it expires (60-90 minutes after it was written); new agents cannot register after that. See the log group of %s for the fix (federated credential, tenant, organization membership).", props.RoleName)),
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(namespace), MetricName: jsii.String("TokenMinted"),
			Statistic: jsii.String("Minimum"), Period: awscdk.Duration_Minutes(jsii.Number(MintMinutes)),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	return &agentTokenMinter{Construct: this, fn: fn, issuer: issuer, alarm: alarm}
}
