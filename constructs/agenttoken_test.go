package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"hubspoke-cdk/internal/testutil"
)

func num(n float64) *float64 { return &n }

func TestAgentTokenWithoutTrust(t *testing.T) {
	_, stack := hubStack(t)
	NewAgentToken(stack, "T", &AgentTokenProps{SecretName: "team/token"})
	tpl := testutil.Template(stack)
	testutil.Check(t, "no cross-account statement", func() {
		tpl.ResourceCountIs(str("AWS::SecretsManager::ResourcePolicy"), num(0))
		tpl.HasResourceProperties(str("AWS::KMS::Alias"), map[string]any{"AliasName": "alias/team/token"})
	})
}

// Readers get GetSecretValue and kms:Decrypt through Secrets Manager in the
// hub region; describers only DescribeSecret.
func TestAgentTokenReadersAndDescribers(t *testing.T) {
	_, stack := hubStack(t)
	NewAgentToken(stack, "T", &AgentTokenProps{
		SecretName: "team/token",
		Readers:    TrustedPrincipals{Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws:iam::222222222222:role/exec"}},
		Describers: TrustedPrincipals{Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws:iam::222222222222:role/lookup"}},
	})
	tpl := testutil.Template(stack)
	testutil.Check(t, "secret policy", func() {
		tpl.HasResourceProperties(str("AWS::SecretsManager::ResourcePolicy"), map[string]any{
			"BlockPublicPolicy": true,
			"ResourcePolicy": map[string]any{"Statement": []any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "SpokesReadAgentToken", "Action": "secretsmanager:GetSecretValue",
					"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": "arn:aws:iam::222222222222:role/exec"}}}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "SpokesLookUpAgentToken", "Action": "secretsmanager:DescribeSecret",
					"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": "arn:aws:iam::222222222222:role/lookup"}}}),
			}},
		})
	})
	testutil.Check(t, "key policy", func() {
		tpl.HasResourceProperties(str("AWS::KMS::Key"), map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "SpokesDecryptAgentToken", "Action": "kms:Decrypt",
				"Condition": map[string]any{
					"ArnEquals":    map[string]any{"aws:PrincipalArn": "arn:aws:iam::222222222222:role/exec"},
					"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
				},
			})})},
		})
	})
}
