package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// A preflight against a replica names the hub's region (where the image is
// pushed) as given, else the repository's own; its function may run the
// wait for the image plus 60 s (600 s: 660; none: 60), and the custom
// resource at least DefaultCustomResourceTimeoutSeconds, or the wait plus
// 120 s.
func TestHubPreflightReplicaRegionAndTimeouts(t *testing.T) {
	for _, c := range []struct {
		name, hubRegion string
		wait            int
		wantHub         string
		wantFn          float64
		wantCR          string
	}{
		{"replica", "eu-west-1", 600, "eu-west-1", 660, "720"},
		{"hub's own", "", 0, "us-east-1", 60, "300"},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")}})
			NewHubPreflight(stack, "L", &HubPreflightProps{SecretPartialArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a/b",
				RepositoryArn: "arn:aws:ecr:us-east-1:111111111111:repository/team/agent", ImageTag: "agent-1", RoleName: "r-lookup",
				WaitForImageSeconds: c.wait, HubRegion: c.hubRegion})
			tpl := testutil.JSON(t, stack)
			p := testutil.Props(testutil.One(t, tpl, "Custom::HubPreflight"))
			if p["HubRegion"] != c.wantHub || p["RepositoryRegion"] != "us-east-1" || p["ServiceTimeout"] != c.wantCR {
				t.Errorf("hub region %v, repository region %v, timeout %v; want %s, us-east-1, %s", p["HubRegion"], p["RepositoryRegion"], p["ServiceTimeout"], c.wantHub, c.wantCR)
			}
			if got := testutil.Props(testutil.One(t, tpl, "AWS::Lambda::Function"))["Timeout"]; got != c.wantFn {
				t.Errorf("function timeout %v, want %v", got, c.wantFn)
			}
		})
	}
}
