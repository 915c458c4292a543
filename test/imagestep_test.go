package test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// imageStepEnv is the BuildAgentImage CodeBuild project's environment.
func imageStepEnv(t *testing.T, tpl map[string]any) map[string]string {
	t.Helper()
	for _, p := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		env := map[string]string{}
		vars, _ := testutil.Props(p)["Environment"].(map[string]any)["EnvironmentVariables"].([]any)
		for _, v := range vars {
			m := v.(map[string]any)
			if s, ok := m["Value"].(string); ok {
				env[m["Name"].(string)] = s
			}
		}
		if _, ok := env["REPO_NAME"]; ok {
			return env
		}
	}
	t.Fatal("no image build project (with REPO_NAME) in the pipeline stack")
	return nil
}

// The image step asks the example organization with the hub token which
// agent to install; its role may read exactly that secret and decrypt it
// through Secrets Manager; the hub's secret and key policies let that
// role in by name.
func TestImageStepReadsTheHubTokenToAskTheOrganization(t *testing.T) {
	built := example(t)
	tpl := testutil.JSON(t, built.Pipelines[0].Stack)
	env := imageStepEnv(t, tpl)
	for k, want := range map[string]string{
		"AZP_URL":         "https://dev.azure.com/example-org",
		"TOKEN_SECRET_ID": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"AGENT_VERSION", "AGENT_SHA256"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s set without a pin in the fleet file", k)
		}
	}
	var policy string
	for _, p := range testutil.ResourcesOfType(tpl, "AWS::IAM::Policy") {
		b, _ := json.Marshal(testutil.Props(p))
		if strings.Contains(string(b), "secretsmanager:GetSecretValue") {
			policy = string(b)
		}
	}
	for _, want := range []string{
		`"Action":"secretsmanager:GetSecretValue","Effect":"Allow","Resource":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token-??????"`,
		`"Action":"kms:Decrypt","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/hubspoke/agent-token"},"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}},"Effect":"Allow","Resource":"arn:aws:kms:eu-west-1:111111111111:key/*"`,
	} {
		if !strings.Contains(policy, want) {
			t.Errorf("the image build role's policy lacks %s:\n%s", want, policy)
		}
	}
	hub, _ := json.Marshal(testutil.JSON(t, built.Hub.Stack))
	for _, want := range []string{
		`"Sid":"ImageBuildReadsAgentToken"`, `"Sid":"ImageBuildDecryptsAgentToken"`,
		`"aws:PrincipalArn":"arn:aws:iam::111111111111:role/hubspoke-agent-image-build"`,
	} {
		if !strings.Contains(string(hub), want) {
			t.Errorf("the hub template lacks %s", want)
		}
	}
}

// A pin in the fleet file reaches the step, which then installs it and
// does not ask the organization (tools/publish-agent-image.sh).
func TestImageStepPassesTheFleetFilesPin(t *testing.T) {
	src, err := os.ReadFile(testutil.ExampleFleetPath())
	must(t, err)
	const sha = "3f2a9c0e1b7d4c5a6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"
	y := strings.Replace(string(src), "image:\n", "image:\n  agentVersion: 4.261.0\n  agentSha256: "+sha+"\n", 1)
	f, err := config.Parse("fleet.yaml", []byte(y))
	must(t, err)
	app := testutil.NewApp(t)
	built, err := stacks.AddApp(app, f, appOptions(false))
	must(t, err)
	env := imageStepEnv(t, testutil.JSON(t, built.Pipelines[0].Stack))
	if env["AGENT_VERSION"] != "4.261.0" || env["AGENT_SHA256"] != sha {
		t.Errorf("pin not passed: AGENT_VERSION=%q AGENT_SHA256=%q", env["AGENT_VERSION"], env["AGENT_SHA256"])
	}
}
