package stacks

import (
	"testing"

	"hubspoke-cdk/config"
)

func TestFleetPathFromContext(t *testing.T) {
	for _, tc := range []struct{ ctx, want string }{
		{"", DefaultFleetPath},
		{`{"config":"fleets/prod.yaml","other":1}`, "fleets/prod.yaml"},
		{`{"config":""}`, DefaultFleetPath},
		{`{"config":42}`, DefaultFleetPath},
		{`not json`, DefaultFleetPath},
	} {
		if got := FleetPathFromContext(tc.ctx); got != tc.want {
			t.Errorf("FleetPathFromContext(%q) = %q, want %q", tc.ctx, got, tc.want)
		}
	}
}

// Names are the contract between hub and spokes: the hub trusts these role
// names before the spokes exist.
func TestNames(t *testing.T) {
	s := config.Spoke{Name: "prod-eu", Account: "222222222222"}
	h := config.Hub{Account: "111111111111", Region: "cn-north-1", RepositoryName: "team/agent.v2", SecretName: "team/token+azp@x"}
	for got, want := range map[string]string{
		SpokeStackName(s):    "SpokeStack-prod-eu",
		ExecutionRoleName(s): "hubspoke-prod-eu-exec",
		LookupRoleName(s):    "hubspoke-prod-eu-lookup",
		RoleArn(h.Partition(), s.Account, ExecutionRoleName(s)): "arn:aws-cn:iam::222222222222:role/hubspoke-prod-eu-exec",
		TokenKeyAlias(h):      "alias/team/token-azp-x",
		RepositoryKeyAlias(h): "alias/team/agent-v2/ecr",
		SecretPartialArn(h):   "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:team/token+azp@x",
		RepositoryArn(h):      "arn:aws-cn:ecr:cn-north-1:111111111111:repository/team/agent.v2",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// The longest spoke name still gives role names IAM accepts (64 chars).
	long := config.Spoke{Name: "a234567890123456789012345678901b"}
	if n := len(LookupRoleName(long)); n > 64 {
		t.Errorf("role name of a 32-char spoke is %d chars", n)
	}
}
