package constructs

import (
	_ "embed"
	"encoding/json"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

//go:embed demandpoller.py
var demandPollerCode string

// DefaultDemandNamespace is the CloudWatch namespace of the demand metrics
// (AgentsWanted and DemandKnown, dimension Spoke).
const DefaultDemandNamespace = "hubspoke/Demand"

// DemandPool is one Azure DevOps agent pool and the spokes whose agents
// serve it.
type DemandPool struct {
	URL    string        `json:"url"`  // organization URL, https://dev.azure.com/org
	Pool   string        `json:"pool"` // agent pool name
	Spokes []DemandSpoke `json:"spokes"`
}

// DemandSpoke is where one spoke's demand metrics go.
type DemandSpoke struct {
	Name   string `json:"name"` // the metrics' Spoke dimension
	Region string `json:"region"`
	// RoleArn is the spoke's DemandPublisherRole.
	RoleArn string `json:"roleArn"`
	// AgentPrefix starts the names of the spoke's agents (followed by "-").
	AgentPrefix string `json:"agentPrefix"`
}

// DemandPollerProps configures the poller.
type DemandPollerProps struct {
	// Token is the secret holding the Azure DevOps PAT. Required.
	Token awssecretsmanager.ISecret
	// Pools to count, each once a minute. Required.
	Pools []DemandPool
	// RoleName of the poller's role; the spokes' publisher roles trust it
	// by name. Required.
	RoleName string
	// PublisherRoleArns matches every spoke publisher role the poller may
	// assume (a pattern; each spoke role's trust policy decides). Required.
	PublisherRoleArns string
	// Namespace of the metrics. Default: DefaultDemandNamespace.
	Namespace string
	// LogRetentionDays of the function's logs. Default: 7.
	LogRetentionDays int
}

// DemandPoller counts, once a minute, each pool's waiting and running jobs
// (one Azure DevOps call per pool, however many spokes share it) and
// publishes each spoke's AgentsWanted and DemandKnown into the spoke's own
// CloudWatch through the spoke's publisher role. Runs never overlap: a run
// ends within its 50 s timeout, before the next minute's. No reserved
// concurrency: reserving any fails the deploy in an account whose
// concurrency quota is still the new-account minimum. The function's code
// is inline, the pools and spokes written into it.
type DemandPoller interface {
	constructs.IConstruct
	Role() awsiam.IRole
	Function() awslambda.CfnFunction
}

type demandPoller struct {
	constructs.Construct
	role awsiam.Role
	fn   awslambda.CfnFunction
}

func (p *demandPoller) Role() awsiam.IRole              { return p.role }
func (p *demandPoller) Function() awslambda.CfnFunction { return p.fn }

// PollerMemoryMiB sizes the function for spokes: Lambda's CPU follows its
// memory, and creating each spoke's CloudWatch client on a cold start is
// CPU work (1,000 spokes took 18 s of one core under moto): 256 MiB plus 2
// per spoke, up to 1,769 MiB (one full vCPU).
func PollerMemoryMiB(spokes int) int { return min(256+2*spokes, 1769) }

// DemandPollerCode is the function's inline code for the given FLEET value
// (JSON): a Python string literal of it, then the poller.
func DemandPollerCode(fleetJSON string) string {
	return "import json\nFLEET = json.loads(" + strconv.Quote(fleetJSON) + ")\n" + demandPollerCode
}

// NewDemandPoller creates the function, its role and log group, and the
// rule that runs it every minute.
func NewDemandPoller(scope constructs.Construct, id string, props *DemandPollerProps) DemandPoller {
	this := constructs.NewConstruct(scope, &id)
	namespace := props.Namespace
	if namespace == "" {
		namespace = DefaultDemandNamespace
	}
	// The secret's ARN is a token inside the code: CloudFormation joins it
	// in (Fn::Join) at deploy time.
	fleet, err := json.Marshal(map[string]any{"secretArn": props.Token.SecretArn(), "namespace": namespace, "pools": props.Pools})
	if err != nil {
		panic(err)
	}
	spokes := 0
	for _, p := range props.Pools {
		spokes += len(p.Spokes)
	}
	role, fn := inlinePythonFunction{
		RoleName:         props.RoleName,
		RoleDescription:  "Counts the agent pools' jobs and publishes each spoke's demand into the spoke's CloudWatch",
		PolicyName:       "Poll",
		Statements:       []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": props.PublisherRoleArns}},
		Description:      "Counts waiting and running jobs of the fleet's agent pools once a minute",
		Code:             DemandPollerCode(string(fleet)),
		TimeoutSeconds:   50,
		MemoryMiB:        PollerMemoryMiB(spokes),
		LogRetentionDays: props.LogRetentionDays,
	}.add(this)
	// Read the token through the role's own policy: the hub account's key
	// policy already lets its IAM policies decide, so the key and secret
	// policies (and their size ceilings) stay as they are.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: &[]*string{props.Token.SecretArn()},
	}))
	if key := props.Token.EncryptionKey(); key != nil {
		region := awscdk.Stack_Of(this).Region()
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("kms:Decrypt"), Resources: &[]*string{key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *region + ".amazonaws.com"}},
		}))
	}
	Suppress(role, "AwsSolutions-IAM5", "The spokes' publisher roles, one per spoke account, share one name pattern; each role's trust policy admits this role only.", "Resource::"+props.PublisherRoleArns)
	// The function runs (every minute) only with its role's token policy
	// in place.
	fn.Node().AddDependency(role)
	// A minute's count is stale a minute later: a run that could not start
	// (throttled) is dropped, not queued and retried.
	awslambda.NewCfnEventInvokeConfig(this, jsii.String("DropStaleRuns"), &awslambda.CfnEventInvokeConfigProps{
		FunctionName:             fn.Ref(),
		Qualifier:                jsii.String("$LATEST"),
		MaximumEventAgeInSeconds: jsii.Number(60),
		MaximumRetryAttempts:     jsii.Number(0),
	})
	rule := awsevents.NewCfnRule(this, jsii.String("EveryMinute"), &awsevents.CfnRuleProps{
		Description:        jsii.String("Runs the demand poller every minute"),
		ScheduleExpression: jsii.String("rate(1 minute)"),
		Targets:            &[]any{&awsevents.CfnRule_TargetProperty{Id: jsii.String("Poller"), Arn: fn.AttrArn()}},
	})
	awslambda.NewCfnPermission(this, jsii.String("FromRule"), &awslambda.CfnPermissionProps{
		Action:       jsii.String("lambda:InvokeFunction"),
		FunctionName: fn.AttrArn(),
		Principal:    jsii.String("events.amazonaws.com"),
		SourceArn:    rule.AttrArn(),
	})
	return &demandPoller{Construct: this, role: role, fn: fn}
}
