package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AgentTokenProps configures the hub secret that holds the agent registration
// token (e.g. an Azure DevOps PAT).
type AgentTokenProps struct {
	// SecretName of the Secrets Manager secret. Required.
	SecretName string
	// KeyAlias names the secret's customer-managed key.
	// Default: "alias/" + SecretName.
	KeyAlias string
	// Readers may read the secret value (GetSecretValue) and decrypt it
	// through Secrets Manager. Default: nobody outside the hub account.
	Readers TrustedPrincipals
	// Describers may look up the secret's full ARN (DescribeSecret only).
	// Default: nobody outside the hub account.
	Describers TrustedPrincipals
	// ImageBuilders may read the value too (and decrypt it through Secrets
	// Manager): the pipeline's image build asks the organization with it
	// which agent to install. Default: nobody outside the hub account.
	ImageBuilders TrustedPrincipals
}

// AgentToken is the agent registration token: a secret whose value is set out
// of band (never in code or templates), encrypted with a rotating
// customer-managed key, readable by the spoke execution roles only.
type AgentToken interface {
	constructs.IConstruct
	Secret() awssecretsmanager.Secret
	Key() awskms.Key
}

type agentToken struct {
	constructs.Construct
	secret awssecretsmanager.Secret
	key    awskms.Key
}

func (t *agentToken) Secret() awssecretsmanager.Secret { return t.secret }
func (t *agentToken) Key() awskms.Key                  { return t.key }

// NewAgentToken creates the secret, its key and their cross-account policies.
func NewAgentToken(scope constructs.Construct, id string, props *AgentTokenProps) AgentToken {
	this := constructs.NewConstruct(scope, &id)
	alias := props.KeyAlias
	if alias == "" {
		alias = "alias/" + props.SecretName
	}
	key := newRetainedKey(this, "Encrypts the agent registration token "+props.SecretName, alias)
	// No value is given: Secrets Manager generates a random placeholder at
	// creation, and the operator replaces it with put-secret-value.
	secret := awssecretsmanager.NewSecret(this, jsii.String("Secret"), &awssecretsmanager.SecretProps{
		SecretName:    jsii.String(props.SecretName),
		Description:   jsii.String("Build-agent registration token; set its value with aws secretsmanager put-secret-value"),
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	Suppress(secret, "AwsSolutions-SMG4", "The agent registration token is a personal access token issued by Azure DevOps; Secrets Manager cannot rotate it. Operators renew it there and store it with put-secret-value.")
	region := *awscdk.Stack_Of(this).Region()
	var statements []awsiam.PolicyStatement
	if !props.Readers.Empty() {
		key.AddToResourcePolicy(props.Readers.Statement("SpokesDecryptAgentToken",
			[]string{"kms:Decrypt"}, []string{"*"},
			map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}), nil)
		statements = append(statements, props.Readers.Statement("SpokesReadAgentToken",
			[]string{"secretsmanager:GetSecretValue"}, []string{"*"}, nil))
	}
	if !props.ImageBuilders.Empty() {
		key.AddToResourcePolicy(props.ImageBuilders.Statement("ImageBuildDecryptsAgentToken",
			[]string{"kms:Decrypt"}, []string{"*"},
			map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}), nil)
		statements = append(statements, props.ImageBuilders.Statement("ImageBuildReadsAgentToken",
			[]string{"secretsmanager:GetSecretValue"}, []string{"*"}, nil))
	}
	if !props.Describers.Empty() {
		statements = append(statements, props.Describers.Statement("SpokesLookUpAgentToken",
			[]string{"secretsmanager:DescribeSecret"}, []string{"*"}, nil))
	}
	LimitPolicySize(this, "KMS key policy of "+alias, KMSKeyPolicyLimit, func() any { return key.Policy() })
	if len(statements) > 0 {
		// One resource policy, made here so its size can be checked.
		policy := awssecretsmanager.NewResourcePolicy(this, jsii.String("SecretPolicy"), &awssecretsmanager.ResourcePolicyProps{Secret: secret})
		policy.Document().AddStatements(statements...)
		policy.Node().DefaultChild().(awssecretsmanager.CfnResourcePolicy).SetBlockPublicPolicy(jsii.Bool(true))
		LimitPolicySize(this, "Secrets Manager resource policy of "+props.SecretName, SecretPolicyLimit, func() any { return policy.Document() })
	}
	return &agentToken{Construct: this, secret: secret, key: key}
}
