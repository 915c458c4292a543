package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// cdk-nag's AwsSolutions-ECR1 (a repository policy with principal *) is
// answered only in organization mode, where the principal * is limited by
// aws:PrincipalOrgID; in account mode the policy names the spokes'
// accounts, so there is nothing to suppress and a suppression would hide a
// real finding.
func TestAgentRegistryECR1SuppressedOnlyInOrganizationMode(t *testing.T) {
	for _, c := range []struct {
		name     string
		trust    TrustedPrincipals
		suppress bool
	}{
		{"organization", TrustedPrincipals{OrganizationID: "o-exampleorg1", RoleArns: []string{"arn:aws:iam::*:role/hubspoke-*-exec"}}, true},
		{"accounts", TrustedPrincipals{Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws:iam::222222222222:role/hubspoke-dev-exec"}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			app.Node().SetContext(jsii.String(NagSuppressionsContext), true)
			stack := awscdk.NewStack(app, jsii.String("Hub"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
			NewAgentRegistry(stack, "R", &AgentRegistryProps{RepositoryName: "team/agent", Pullers: c.trust})
			repo := testutil.One(t, testutil.JSON(t, stack), "AWS::ECR::Repository")
			metadata, _ := repo["Metadata"].(map[string]any)
			nag, _ := metadata["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			found := false
			for _, r := range rules {
				if r.(map[string]any)["id"] == "AwsSolutions-ECR1" {
					found = true
				}
			}
			if found != c.suppress {
				t.Errorf("ECR1 suppressed = %v, want %v (suppressions %v)", found, c.suppress, rules)
			}
		})
	}
}
