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
	if tmpl["Prefix"] != "hubspoke" || tmpl["ImageTagMutability"] != "IMMUTABLE" || tmpl["CustomRoleArn"] == nil {
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

// ECR's match rule for creation template prefixes, by hand from the
// documented examples ("a prefix of prod would apply to all repositories
// beginning with prod/"; "There is always an assumed / applied to the end of
// the prefix"; ROOT for the repositories no other template matches): the
// prefix the replica template gets must match the agent repository itself.
func TestCreationTemplatePrefix(t *testing.T) {
	for _, c := range []struct {
		prefixes   []string
		repository string
		want       string // "" for none
	}{
		{[]string{"prod"}, "prod/team1", "prod"},
		{[]string{"prod"}, "prod/repository1", "prod"},
		{[]string{"prod"}, "prod", ""},           // the assumed /: not the name itself
		{[]string{"prod"}, "production/app", ""}, // not a plain string prefix
		{[]string{"prod/team"}, "prod/team/a", "prod/team"},
		{[]string{"hubspoke/build-agent"}, "hubspoke/build-agent", ""}, // the old prefix: never applied
		{[]string{"hubspoke/build-agent"}, "hubspoke/build-agent/x", "hubspoke/build-agent"},
		{[]string{"hubspoke"}, "hubspoke/build-agent", "hubspoke"},
		{[]string{"prod", "prod/team"}, "prod/team/a", "prod/team"}, // the most specific
		{[]string{"ROOT", "prod"}, "prod/a", "prod"},
		{[]string{"ROOT", "prod"}, "other", "ROOT"},
		{[]string{"ROOT"}, "build-agent", "ROOT"},
	} {
		got, ok := CreationTemplateFor(c.prefixes, c.repository)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("templates %v, repository %s: %q applies, want %q", c.prefixes, c.repository, got, c.want)
		}
	}
	// What the replica template gets: a prefix that matches the repository.
	for repo, want := range map[string]string{"hubspoke/build-agent": "hubspoke", "team/ci/agent": "team/ci", "build-agent": "ROOT"} {
		p := CreationTemplatePrefix(repo)
		if p != want {
			t.Errorf("CreationTemplatePrefix(%s) = %s, want %s", repo, p, want)
		}
		if got, ok := CreationTemplateFor([]string{p}, repo); !ok || got != p {
			t.Errorf("the template %s does not apply to %s", p, repo)
		}
	}
}
