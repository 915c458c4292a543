package stacks

import (
	"strings"
	"testing"
)

// join is a list as one comparable string.
func join(v []string) string { return strings.Join(v, " ") }

// The pipeline's image build role may push to the hub (and its replicas)
// only when the fleet has a pipeline: by its name in the tooling account.
func TestPipelinePusher(t *testing.T) {
	if p := pipelinePusher(loadFleet(t, fixtureFleetYAML)); len(p.Accounts) != 0 || len(p.RoleArns) != 0 {
		t.Errorf("without a pipeline the hub trusts a pusher: %+v", p)
	}
	p := pipelinePusher(loadFleet(t, fixtureFleetYAML+twoPipelines))
	if join(p.Accounts) != "444444444444" || join(p.RoleArns) != "arn:aws:iam::444444444444:role/hubspoke-agent-image-build" {
		t.Errorf("pusher %+v, want the image build role of 444444444444", p)
	}
}

// The repository policy trusts every role of each spoke in its own account
// (hubspoke-<spoke>-*); a replica's policy only the spokes that pull there.
func TestSpokeRolePatterns(t *testing.T) {
	f := loadFleet(t, withReplication(fixtureFleetYAML))
	for _, c := range []struct {
		region, accounts, roles string
	}{
		{"", "222222222222 333333333333", "arn:aws:iam::222222222222:role/hubspoke-alpha-* arn:aws:iam::333333333333:role/hubspoke-beta-*"},
		{"eu-west-1", "222222222222", "arn:aws:iam::222222222222:role/hubspoke-alpha-*"},
		{"us-east-1", "333333333333", "arn:aws:iam::333333333333:role/hubspoke-beta-*"},
	} {
		p := spokeRolePatterns(f, c.region)
		if !p.Like || join(p.Accounts) != c.accounts || join(p.RoleArns) != c.roles {
			t.Errorf("region %q: %+v; want accounts %s, role patterns %s (ArnLike)", c.region, p, c.accounts, c.roles)
		}
	}
}

// Spokes' smoke-check roles trust the fleet's verify roles by pattern
// (hubspoke-pipeline-verify, -2, ...), or none without a pipeline.
func TestVerifyRoleArn(t *testing.T) {
	if got := VerifyRoleArn(loadFleet(t, fixtureFleetYAML)); got != "" {
		t.Errorf("without a pipeline: %q, want none", got)
	}
	if got, want := VerifyRoleArn(loadFleet(t, fixtureFleetYAML+twoPipelines)), "arn:aws:iam::444444444444:role/hubspoke-pipeline-verify*"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFirstNonEmpty(t *testing.T) {
	for _, c := range [][3]string{{"a", "b", "a"}, {"", "b", "b"}, {"", "", ""}} {
		if got := firstNonEmpty(c[0], c[1]); got != c[2] {
			t.Errorf("firstNonEmpty(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// Stack ids of the pipeline groups: PipelineStack, PipelineStack-2, ...
func TestPipelineStackID(t *testing.T) {
	for g, want := range []string{"PipelineStack", "PipelineStack-2", "PipelineStack-3"} {
		if got := PipelineStackID(g); got != want {
			t.Errorf("PipelineStackID(%d) = %q, want %q", g, got, want)
		}
	}
}
