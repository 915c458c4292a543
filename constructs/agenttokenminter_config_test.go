package constructs

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// minterConfigs are the CONFIG of each of the stack's minter functions
// (the enabling and the minting one), read from their inline code: the
// literal parts of the code's Fn::Join, a reference (the secret's ARN)
// standing as "REF".
func minterConfigs(t *testing.T, tpl map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for id, fn := range testutil.ResourcesOfType(tpl, "AWS::Lambda::Function") {
		zip := testutil.Props(fn)["Code"].(map[string]any)["ZipFile"]
		var code strings.Builder
		switch z := zip.(type) {
		case string:
			code.WriteString(z)
		case map[string]any:
			for _, part := range z["Fn::Join"].([]any)[1].([]any) {
				if s, ok := part.(string); ok {
					code.WriteString(s)
				} else {
					code.WriteString("REF")
				}
			}
		}
		line, ok := strings.CutPrefix(strings.Split(code.String(), "\n")[1], "CONFIG = json.loads(")
		if !ok {
			continue // not a minter function
		}
		quoted, err := strconv.Unquote(strings.TrimSuffix(line, ")"))
		if err != nil {
			t.Fatalf("%s: CONFIG line %q: %v", id, line, err)
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(quoted), &cfg); err != nil {
			t.Fatalf("%s: CONFIG %q: %v", id, quoted, err)
		}
		out = append(out, cfg)
	}
	return out
}

// The functions check the token at each organization of the fleet
// (CONFIG["organizations"], iterated by agenttokenminter.py): the ones
// given, or an empty list (never null, which the loop cannot iterate).
func TestAgentTokenMinterOrganizations(t *testing.T) {
	for _, c := range []struct {
		name string
		orgs []string
		want string
	}{
		{"given", []string{"https://dev.azure.com/example-org", "https://dev.azure.com/other-org"}, `["https://dev.azure.com/example-org","https://dev.azure.com/other-org"]`},
		{"none", nil, `[]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			stack := awscdk.NewStack(app, jsii.String("Hub"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
			token := NewAgentToken(stack, "AgentToken", &AgentTokenProps{SecretName: "hubspoke/agent-token"})
			NewAgentTokenMinter(stack, "TokenMinter", &AgentTokenMinterProps{
				Token: token.Secret(), TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69",
				RoleName: "hubspoke-token-minter", Organizations: c.orgs,
			})
			cfgs := minterConfigs(t, testutil.JSON(t, stack))
			if len(cfgs) != 2 {
				t.Fatalf("%d minter functions with a CONFIG, want 2 (enable, mint)", len(cfgs))
			}
			for _, cfg := range cfgs {
				got, _ := json.Marshal(cfg["organizations"])
				if string(got) != c.want {
					t.Errorf("%v function: organizations %s, want %s", cfg["mode"], got, c.want)
				}
			}
		})
	}
}
