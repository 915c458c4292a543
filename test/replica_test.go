package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	hsconstructs "hubspoke-cdk/constructs"
	"hubspoke-cdk/internal/testutil"
)

// The example fleet's prod-us spoke (us-east-1) pulls from the replica in
// its region: HubReplica-us-east-1 holds the repository and its creation
// template, HubStack replicates into it and deploys after it, and the
// spoke's role, image URI and preflight all name the replica (the preflight
// waiting for replication). With hub.replicateImages false the fleet is as
// before: no replica, no replication, the spoke pulls from the hub's region.
func TestReplicas(t *testing.T) {
	for _, on := range []bool{true, false} {
		f := testutil.ExampleFleet(t)
		f.Hub.ReplicateImages = on
		dir := synthFleet(t, f)
		_, err := os.Stat(filepath.Join(dir, "HubReplica-us-east-1.template.json"))
		if (err == nil) != on {
			t.Errorf("replication %v: replica stack present = %v", on, err == nil)
		}
		hub := testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json"))
		if got := len(testutil.ResourcesOfType(hub, "AWS::ECR::ReplicationConfiguration")); got != map[bool]int{true: 1, false: 0}[on] {
			t.Errorf("replication %v: %d replication configurations", on, got)
		}
		b, err := os.ReadFile(filepath.Join(dir, "SpokeStack-prod-us.template.json"))
		if err != nil {
			t.Fatal(err)
		}
		spoke := string(b)
		region := map[bool]string{true: "us-east-1", false: "eu-west-1"}[on]
		for _, want := range []string{"arn:aws:ecr:" + region + ":111111111111:repository/hubspoke/build-agent", "111111111111.dkr.ecr." + region + "."} {
			if !strings.Contains(spoke, want) {
				t.Errorf("replication %v: prod-us does not name %s", on, want)
			}
		}
		pf := testutil.Props(testutil.One(t, testutil.ReadTemplate(t, filepath.Join(dir, "SpokeStack-prod-us.template.json")), "Custom::HubPreflight"))
		if wait := pf["WaitSeconds"]; (wait == float64(600)) != on {
			t.Errorf("replication %v: preflight waits %v s", on, wait)
		}
		// The hub-region spokes never wait.
		dev := testutil.Props(testutil.One(t, testutil.ReadTemplate(t, filepath.Join(dir, "SpokeStack-dev.template.json")), "Custom::HubPreflight"))
		if dev["WaitSeconds"] != float64(0) || dev["RepositoryRegion"] != "eu-west-1" {
			t.Errorf("dev's preflight %v", dev)
		}
	}
}

// The replica region's repository creation template applies to the agent
// repository itself (ECR assumes a / after a template's prefix), and the
// hub's replication filter (a plain name prefix) covers it.
func TestReplicaTemplateMatchesRepository(t *testing.T) {
	f := testutil.ExampleFleet(t)
	f.Hub.ReplicateImages = true
	dir := synthFleet(t, f)
	replica := testutil.ReadTemplate(t, filepath.Join(dir, "HubReplica-us-east-1.template.json"))
	prefix, _ := testutil.Props(testutil.One(t, replica, "AWS::ECR::RepositoryCreationTemplate"))["Prefix"].(string)
	if prefix != "hubspoke" {
		t.Errorf("template prefix %q, want hubspoke (the namespace of %s)", prefix, f.Hub.RepositoryName)
	}
	if got, ok := hsconstructs.CreationTemplateFor([]string{prefix}, f.Hub.RepositoryName); !ok || got != prefix {
		t.Errorf("the creation template %q does not apply to %s", prefix, f.Hub.RepositoryName)
	}
	hub := testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json"))
	rc := testutil.Props(testutil.One(t, hub, "AWS::ECR::ReplicationConfiguration"))
	rules := rc["ReplicationConfiguration"].(map[string]any)["Rules"].([]any)
	filter := rules[0].(map[string]any)["RepositoryFilters"].([]any)[0].(map[string]any)
	if filter["FilterType"] != "PREFIX_MATCH" || !strings.HasPrefix(f.Hub.RepositoryName, filter["Filter"].(string)) {
		t.Errorf("replication filter %v does not cover %s", filter, f.Hub.RepositoryName)
	}
}
