package constructs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// The creation template repeats the replica repository's settings: this
// region's key through a custom role (ECR applies a template's KMS key only
// through one), the same pull policy, the lifecycle rules the repository
// renders (compared as JSON), immutable tags.
func TestAgentReplicaTemplate(t *testing.T) {
	stack := spokeStack(t)
	reg := NewAgentRegistry(stack, "Registry", &AgentRegistryProps{RepositoryName: "hubspoke/build-agent", ImagesKept: 12,
		Pullers: TrustedPrincipals{Accounts: []string{"444444444444"}, RoleArns: []string{"arn:aws:iam::444444444444:role/hubspoke-us-*"}, Like: true}})
	NewAgentReplicaTemplate(stack, "Template", &AgentReplicaTemplateProps{Registry: reg, RepositoryName: "hubspoke/build-agent", ImagesKept: 12})
	tpl := testutil.JSON(t, stack)
	repo := testutil.Props(testutil.One(t, tpl, "AWS::ECR::Repository"))
	tmpl := testutil.Props(testutil.One(t, tpl, "AWS::ECR::RepositoryCreationTemplate"))
	var fromRepo, fromTemplate any
	json.Unmarshal([]byte(repo["LifecyclePolicy"].(map[string]any)["LifecyclePolicyText"].(string)), &fromRepo)
	json.Unmarshal([]byte(tmpl["LifecyclePolicy"].(string)), &fromTemplate)
	if fromRepo == nil || !reflect.DeepEqual(fromRepo, fromTemplate) {
		t.Errorf("template lifecycle %v differs from the repository's %v", fromTemplate, fromRepo)
	}
	if tmpl["Prefix"] != "hubspoke/build-agent" || tmpl["ImageTagMutability"] != "IMMUTABLE" || tmpl["CustomRoleArn"] == nil {
		t.Errorf("template %v", tmpl)
	}
	if enc := tmpl["EncryptionConfiguration"].(map[string]any); enc["EncryptionType"] != "KMS" || enc["KmsKey"] == nil {
		t.Errorf("encryption %v", enc)
	}
	// The policy text is the repository's policy.
	var policy any
	text, _ := tmpl["RepositoryPolicy"].(string)
	if json.Unmarshal([]byte(text), &policy); !reflect.DeepEqual(policy, repo["RepositoryPolicyText"]) {
		t.Errorf("template policy %s, want the repository's %v", text, repo["RepositoryPolicyText"])
	}
	role := testutil.Props(testutil.One(t, tpl, "AWS::IAM::Role"))
	trust, _ := json.Marshal(role["AssumeRolePolicyDocument"])
	if want := `"Service":"ecr.amazonaws.com"`; !strings.Contains(string(trust), want) {
		t.Errorf("template role trust %s lacks %s", trust, want)
	}
}
