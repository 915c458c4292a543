package test

import (
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/fleetgen"
)

// The validation's model of the hub policies in account mode
// (config.EstimateHubPolicies) against the synthesized hub: at or above the
// real size, and within 2%, so validation rejects what synthesis would.
func TestHubPolicyModelMatchesSynthesis(t *testing.T) {
	for _, n := range []int{10, 75, 109} {
		f := parseFleet(t, fleetgen.Options{Spokes: n})
		sizes, err := hubPolicySizes(t, f)
		if err != nil {
			t.Fatal(err)
		}
		e := config.EstimateHubPolicies(f)
		for _, c := range []struct {
			name        string
			est, actual int
		}{{"ecr", e.ECR, sizes["ecr"]}, {"token key", e.TokenKey, sizes["kms:AgentToken"]}, {"secret", e.Secret, sizes["secret"]}} {
			t.Logf("%d spokes: %s policy estimated %d, synthesized %d", n, c.name, c.est, c.actual)
			if c.est < c.actual || float64(c.est) > float64(c.actual)*1.02 {
				t.Errorf("%d spokes: %s policy estimated %d, synthesized %d (want at or above, within 2%%)", n, c.name, c.est, c.actual)
			}
		}
	}
}
