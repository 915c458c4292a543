package constructs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// The minting role may ask STS for a web identity token for Entra's
// token-exchange audience only and for at most 300 s, write (not read) the
// secret, encrypt through Secrets Manager and publish its metric; the
// enabling role may only enable and read outbound federation. The schedule
// is every 15 minutes, the alarm fires on a failed or missing run, and the
// issuer URL comes from the custom resource.
func TestAgentTokenMinterTemplate(t *testing.T) {
	app := testutil.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("Hub"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	token := NewAgentToken(stack, "AgentToken", &AgentTokenProps{SecretName: "hubspoke/agent-token"})
	m := NewAgentTokenMinter(stack, "TokenMinter", &AgentTokenMinterProps{
		Token: token.Secret(), TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69",
		RoleName: "hubspoke-token-minter", Organizations: []string{"https://dev.azure.com/example-org"}, Emails: []string{"ops@example.com"},
	})
	awscdk.NewCfnOutput(stack, jsii.String("Issuer"), &awscdk.CfnOutputProps{Value: m.IssuerURL()})
	tpl := testutil.Template(stack)
	testutil.Check(t, "minter", func() {
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-token-minter",
			"Policies": []any{map[string]any{"PolicyName": "Mint", "PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "WebIdentityTokenForEntraOnly", "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
					"Condition": map[string]any{
						"ForAllValues:StringEquals": map[string]any{"sts:IdentityTokenAudience": "api://AzureADTokenExchange"},
						"Null":                      map[string]any{"sts:IdentityTokenAudience": "false"},
						"NumericLessThanEquals":     map[string]any{"sts:DurationSeconds": 300},
					}},
				map[string]any{"Sid": "WriteAgentToken", "Effect": "Allow", "Action": []any{"secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"},
					"Resource": map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("AgentTokenSecret"))}},
				map[string]any{"Sid": "EncryptAgentToken", "Effect": "Allow", "Action": "kms:GenerateDataKey",
					"Resource":  map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("AgentTokenKey")), "Arn"}},
					"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}},
				map[string]any{"Sid": "PublishTokenMinted", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
					"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": "hubspoke/Token"}}},
				assertions.Match_ObjectLike(&map[string]any{"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}}),
			}}}},
		})
		tpl.HasResourceProperties(str("AWS::IAM::Role"), map[string]any{
			"RoleName": "hubspoke-token-minter-enable",
			"Policies": []any{map[string]any{"PolicyName": "EnableFederation", "PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Resource": "*", "Action": []any{"iam:EnableOutboundWebIdentityFederation", "iam:GetOutboundWebIdentityFederationInfo"}},
				assertions.Match_ObjectLike(&map[string]any{"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}}),
			}}}},
		})
		tpl.HasResourceProperties(str("AWS::Events::Rule"), map[string]any{"ScheduleExpression": "rate(15 minutes)"})
		tpl.HasResource(str("AWS::CloudFormation::CustomResource"), map[string]any{
			"Properties": map[string]any{"ServiceToken": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("TokenMinterEnableFunction")), "Arn"}}, "ServiceTimeout": 300},
		})
		tpl.HasOutput(str("Issuer"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(str("TokenMinterOutboundFederation")), "IssuerUrl"}}})
		tpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"AlarmName": "hubspoke-token-minter-failed", "Namespace": "hubspoke/Token", "MetricName": "TokenMinted",
			"Statistic": "Minimum", "Period": 900, "EvaluationPeriods": 1, "Threshold": 1,
			"ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
			"AlarmActions": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(str("TokenMinterTopic"))}},
		})
		tpl.HasResourceProperties(str("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
	})
	// Only the minting role may get a web identity token.
	j := testutil.JSON(t, stack)
	holders := 0
	for _, r := range testutil.ResourcesOfType(j, "AWS::IAM::Role") {
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), "sts:GetWebIdentityToken") {
			holders++
			if testutil.Props(r)["RoleName"] != "hubspoke-token-minter" {
				t.Errorf("a role other than the minter may get a web identity token: %s", b)
			}
		}
	}
	for _, p := range testutil.ResourcesOfType(j, "AWS::IAM::Policy") {
		if b, _ := json.Marshal(p); strings.Contains(string(b), "sts:GetWebIdentityToken") {
			t.Errorf("an attached policy grants sts:GetWebIdentityToken: %s", b)
		}
	}
	if holders != 1 {
		t.Errorf("%d roles may get a web identity token, want 1 (the minter)", holders)
	}
}

type mintRun struct {
	Result struct {
		Minted   bool
		Problem  string
		Problems []string
		Seconds  int
	}
	Changed      bool
	ValueIsEntra bool `json:"value_is_entra"`
}

// The function's code, as inlined, against moto and stand-ins of STS, IAM,
// Entra and Azure DevOps (testdata/tokenminter_harness.py).
func TestAgentTokenMinterFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import moto, boto3").Run(); err != nil {
		t.Fatal("python3 with moto and boto3 is needed (pip install moto boto3):", err)
	}
	code := filepath.Join(t.TempDir(), "code.py")
	if err := os.WriteFile(code, []byte(AgentTokenMinterCode("CONFIG_HERE")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "testdata/tokenminter_harness.py", code).Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res struct {
		Endpoints                                                           map[string][]string
		Disabled, Subject, Tenant, Expired, Unreachable, Garbled, NotMember mintRun
		Happy                                                               struct {
			mintRun
			StsCalls              [][]string
			ArnBefore, ArnAfter   string
			Stages                []string
			PreviousIsPlaceholder bool
			DevopsBearer          int
			DevopsBasic           int
		}
		Enable struct {
			Responses []struct {
				Status, Reason string
				Data           map[string]string
			}
			First, Second      [][]string
			EnabledAfterDelete bool
		}
		KeptAfterFailures bool
		Deregister        struct{ StartToken, CurrentToken int }
		Metrics           [][]any
		LogHasToken       bool
		ResultsHaveToken  bool
		SecretsSeen       int
		Log               string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	const issuer = "https://a1b2c3d4-e5f6-4711-8899-aabbccddeeff.tokens.sts.global.api.aws"
	const subject = "arn:aws:iam::111111111111:role/hubspoke-token-minter"

	// Regional STS endpoints (the global one does not serve the call); IAM
	// signed for its partition's home region.
	for region, want := range map[string][]string{
		"eu-west-1": {"https://sts.eu-west-1.amazonaws.com/", "eu-west-1"}, "cn-north-1": {"https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1"},
		"us-gov-west-1": {"https://sts.us-gov-west-1.amazonaws.com/", "us-gov-west-1"}, "iam": {"https://iam.amazonaws.com/", "us-east-1"},
	} {
		if got := res.Endpoints[region]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("endpoint for %s: %v, want %v", region, got, want)
		}
	}
	// Enabling: once, then "already enabled" without a second Enable;
	// delete leaves it on.
	if n := len(res.Enable.Responses); n != 4 {
		t.Fatalf("%d custom resource responses, want 3: %+v", n, res.Enable.Responses)
	}
	if r := res.Enable.Responses[3]; r.Status != "FAILED" || !strings.Contains(r.Reason, "enabling outbound identity federation failed: IAM GetOutboundWebIdentityFederationInfo") {
		t.Errorf("IAM unreachable: %s %q, want FAILED with the reason", r.Status, r.Reason)
	}
	for i, reason := range []string{"enabled", "already enabled", "outbound identity federation stays enabled"} {
		r := res.Enable.Responses[i]
		if r.Status != "SUCCESS" || r.Reason != reason {
			t.Errorf("custom resource response %d: %s %q, want SUCCESS %q", i, r.Status, r.Reason, reason)
		}
		if i < 2 && r.Data["IssuerUrl"] != issuer {
			t.Errorf("custom resource response %d: IssuerUrl %q", i, r.Data["IssuerUrl"])
		}
	}
	if len(res.Enable.First) != 2 || res.Enable.First[1][1] != "EnableOutboundWebIdentityFederation" || res.Enable.First[1][2] != "us-east-1/iam" {
		t.Errorf("first create: calls %v, want Get then Enable, signed for us-east-1/iam", res.Enable.First)
	}
	if len(res.Enable.Second) != 1 || res.Enable.Second[0][1] != "GetOutboundWebIdentityFederationInfo" {
		t.Errorf("second create: calls %v, want Get only", res.Enable.Second)
	}
	if !res.Enable.EnabledAfterDelete {
		t.Error("delete disabled outbound federation")
	}
	// Happy path: the secret's value is the Entra token, its ARN the same,
	// the old value AWSPREVIOUS; it works as Bearer and as Basic.
	h := res.Happy
	if !h.Result.Minted || !h.Changed || !h.ValueIsEntra || h.Result.Seconds != 3599 || len(h.Result.Problems) != 0 {
		t.Errorf("happy run: %+v", h.mintRun)
	}
	if h.ArnAfter != h.ArnBefore {
		t.Errorf("the secret's ARN changed: %s -> %s", h.ArnBefore, h.ArnAfter)
	}
	if strings.Join(h.Stages, ",") != "AWSCURRENT,AWSPREVIOUS" || !h.PreviousIsPlaceholder {
		t.Errorf("stages %v, previous is the placeholder: %v", h.Stages, h.PreviousIsPlaceholder)
	}
	if len(h.StsCalls) != 1 || h.StsCalls[0][2] != "eu-west-1/sts" {
		t.Errorf("STS calls %v, want one signed for eu-west-1/sts", h.StsCalls)
	}
	if h.DevopsBearer != 200 || h.DevopsBasic != 200 {
		t.Errorf("Azure DevOps: Bearer %d, Basic %d, want 200 200", h.DevopsBearer, h.DevopsBasic)
	}
	// Failures write nothing, keep the last token, and say what to do.
	for name, c := range map[string]struct {
		run  mintRun
		want []string
	}{
		"federation disabled": {res.Disabled, []string{"outbound identity federation is not enabled", "aws iam enable-outbound-web-identity-federation"}},
		"subject mismatch":    {res.Subject, []string{"AADSTS70021", "add a federated credential to app 0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69 with issuer '" + issuer + "', subject '" + subject + "' and audience 'api://AzureADTokenExchange'"}},
		"wrong tenant":        {res.Tenant, []string{"AADSTS90002", "tenant 00000000-0000-0000-0000-000000000001 does not exist: check hub.agentToken.tenantId"}},
		"expired":             {res.Expired, []string{"AADSTS700024", "outside its valid time"}},
		"Entra unreachable":   {res.Unreachable, []string{"unreachable", "the last token in the secret serves until it expires"}},
	} {
		if c.run.Result.Minted || c.run.Changed {
			t.Errorf("%s: minted %v, secret changed %v", name, c.run.Result.Minted, c.run.Changed)
		}
		for _, w := range c.want {
			if !strings.Contains(c.run.Result.Problem, w) {
				t.Errorf("%s: problem %q does not say %q", name, c.run.Result.Problem, w)
			}
		}
	}
	if !res.KeptAfterFailures {
		t.Error("the token minted before the failures is not the secret's value after them")
	}
	// Not a member of one organization: written, and the fix named.
	if !res.NotMember.Changed || len(res.NotMember.Result.Problems) != 1 || !strings.Contains(res.NotMember.Result.Problems[0], "other-org rejected the token (HTTP 401): add the service principal of app 0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69 to the organization") {
		t.Errorf("not a member: %+v", res.NotMember)
	}
	// A task's start token expires; the secret's current one (what the
	// hub's clean-up reads) still works.
	if res.Deregister.StartToken != 401 || res.Deregister.CurrentToken != 200 {
		t.Errorf("deregistration: start token %d, current token %d, want 401 200", res.Deregister.StartToken, res.Deregister.CurrentToken)
	}
	// TokenMinted: one point per 15-minute period at the scheduled times;
	// 1 only for the happy run (00:15).
	want := [][]any{{"00:00", 0.0, 1.0}, {"00:15", 1.0, 1.0}, {"00:30", 0.0, 1.0}, {"00:45", 0.0, 1.0}, {"01:00", 0.0, 1.0}, {"01:15", 0.0, 1.0}, {"01:45", 0.0, 1.0}, {"02:00", 0.0, 1.0}}
	if b, w := mustJSON(res.Metrics), mustJSON(want); b != w {
		t.Errorf("TokenMinted %s, want %s", b, w)
	}
	// No JWT and no access token in the log or the results (9 of them
	// were handed out: the scan has something to find).
	if res.SecretsSeen < 9 || res.LogHasToken || res.ResultsHaveToken {
		t.Errorf("tokens handed out %d; in the log: %v; in results: %v\n%s", res.SecretsSeen, res.LogHasToken, res.ResultsHaveToken, res.Log)
	}
	if !strings.Contains(res.Log, "token written: valid 3599 s") {
		t.Errorf("the log does not say the token was written:\n%s", res.Log)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
