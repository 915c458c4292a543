package constructs

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

func hubStack(t *testing.T) (awscdk.App, awscdk.Stack) {
	app := testutil.NewApp(t)
	return app, awscdk.NewStack(app, jsii.String("Hub"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
}

func TestAgentRegistryDefaults(t *testing.T) {
	_, stack := hubStack(t)
	NewAgentRegistry(stack, "R", &AgentRegistryProps{RepositoryName: "team/agent"})
	tpl := testutil.Template(stack)
	testutil.Check(t, "defaults", func() {
		tpl.HasResourceProperties(str("AWS::ECR::Repository"), map[string]any{
			"ImageTagMutability":   "IMMUTABLE",
			"RepositoryPolicyText": assertions.Match_Absent(), // nobody outside the account by default
			"LifecyclePolicy":      map[string]any{"LifecyclePolicyText": assertions.Match_StringLikeRegexp(str(`.*"countNumber":30.*`))},
		})
		tpl.HasResourceProperties(str("AWS::KMS::Alias"), map[string]any{"AliasName": "alias/team/agent/ecr"})
	})
}

func TestAgentRegistryMutableAndPullers(t *testing.T) {
	_, stack := hubStack(t)
	NewAgentRegistry(stack, "R", &AgentRegistryProps{
		RepositoryName: "team/agent", MutableTags: true, ImagesKept: 5,
		Pullers: TrustedPrincipals{Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws:iam::222222222222:role/x"}},
	})
	tpl := testutil.Template(stack)
	testutil.Check(t, "mutable, 5 kept, pull statement", func() {
		tpl.HasResourceProperties(str("AWS::ECR::Repository"), map[string]any{
			"ImageTagMutability": "MUTABLE",
			"LifecyclePolicy":    map[string]any{"LifecyclePolicyText": assertions.Match_StringLikeRegexp(str(`.*"countNumber":5.*`))},
			"RepositoryPolicyText": map[string]any{"Statement": []any{map[string]any{
				"Sid":       "SpokesPullAgentImage",
				"Effect":    "Allow",
				"Action":    []any{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				"Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:root"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": "arn:aws:iam::222222222222:role/x"}},
			}}, "Version": "2012-10-17"},
		})
	})
}

// The lifecycle rules expire only the pipeline's agent- builds beyond the
// newest ImagesKept, and untagged leftovers; no rule selects any tag.
func TestAgentRegistryLifecycleKeepsOtherTags(t *testing.T) {
	_, stack := hubStack(t)
	NewAgentRegistry(stack, "R", &AgentRegistryProps{RepositoryName: "team/agent", ImagesKept: 12})
	repo := testutil.One(t, testutil.JSON(t, stack), "AWS::ECR::Repository")
	text := testutil.Props(repo)["LifecyclePolicy"].(map[string]any)["LifecyclePolicyText"].(string)
	var policy struct {
		Rules []struct {
			Selection struct {
				TagStatus     string   `json:"tagStatus"`
				TagPrefixList []string `json:"tagPrefixList"`
				CountType     string   `json:"countType"`
				CountNumber   int      `json:"countNumber"`
			} `json:"selection"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(text), &policy); err != nil {
		t.Fatal(err)
	}
	if len(policy.Rules) != 2 {
		t.Fatalf("%d rules: %s", len(policy.Rules), text)
	}
	for _, r := range policy.Rules {
		sel := r.Selection
		switch sel.TagStatus {
		case "untagged":
			if sel.CountType != "sinceImagePushed" || sel.CountNumber != 1 {
				t.Errorf("untagged rule %+v", sel)
			}
		case "tagged":
			if strings.Join(sel.TagPrefixList, ",") != "agent-" || sel.CountType != "imageCountMoreThan" || sel.CountNumber != 12 {
				t.Errorf("tagged rule %+v, want the newest 12 agent- builds kept", sel)
			}
		default:
			t.Errorf("a rule selects %q images: %s", sel.TagStatus, text)
		}
	}
}

// A policy over the ECR limit fails synthesis, naming the policy, its size
// and the limit.
func TestAgentRegistryPolicyLimit(t *testing.T) {
	app, stack := hubStack(t)
	var trust TrustedPrincipals
	for i := 0; i < 150; i++ {
		acct := fmt.Sprintf("%012d", 200000000000+i)
		trust.Accounts = append(trust.Accounts, acct)
		trust.RoleArns = append(trust.RoleArns, "arn:aws:iam::"+acct+":role/hubspoke-spoke-"+fmt.Sprint(i)+"-exec")
	}
	NewAgentRegistry(stack, "R", &AgentRegistryProps{RepositoryName: "team/agent", Pullers: trust})
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		app.Synth(nil)
		return nil
	}()
	if err == nil {
		t.Fatal("150 listed spokes must exceed the ECR policy limit")
	}
	for _, part := range []string{"ECR repository policy of team/agent is", "over the AWS limit of 10240"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error does not say %q: %v", part, err)
		}
	}
}
