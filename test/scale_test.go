package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/constructs"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// AWS CloudFormation limits checked on every template.
const (
	templateSizeLimit  = 1 << 20 // 1 MB, template uploaded through S3
	resourceCountLimit = 500
)

// hubPolicySizes synthesizes the hub of fleet and returns the compact JSON
// size of each resource policy, or the synthesis error.
func hubPolicySizes(t testing.TB, f *config.Fleet) (map[string]int, error) {
	t.Helper()
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	stacks.AddHub(app, f, false)
	if err := stacks.Synth(app); err != nil {
		return nil, err
	}
	sizes := policySizes(t, testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json")))
	// Each replica's repository policy, and the copy in its creation
	// template, list only the spokes of its region.
	for _, region := range f.ReplicaRegions() {
		tpl := testutil.ReadTemplate(t, filepath.Join(dir, stacks.ReplicaStackName(region)+".template.json"))
		sizes["replica-ecr:"+region] = policySizes(t, tpl)["ecr"]
		for _, r := range testutil.ResourcesOfType(tpl, "AWS::ECR::RepositoryCreationTemplate") {
			text, _ := testutil.Props(r)["RepositoryPolicy"].(string)
			sizes["replica-template:"+region] = len(text)
		}
	}
	return sizes, nil
}

func policySizes(t testing.TB, tpl map[string]any) map[string]int {
	size := func(v any) int {
		b, _ := json.Marshal(v)
		return len(b)
	}
	out := map[string]int{}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::ECR::Repository") {
		out["ecr"] = size(testutil.Props(r)["RepositoryPolicyText"])
	}
	for id, r := range testutil.ResourcesOfType(tpl, "AWS::KMS::Key") {
		out["kms:"+strings.TrimSuffix(id[:strings.Index(id, "Key")], "Agent")] = size(testutil.Props(r)["KeyPolicy"])
	}
	for _, r := range testutil.ResourcesOfType(tpl, "AWS::SecretsManager::ResourcePolicy") {
		out["secret"] = size(testutil.Props(r)["ResourcePolicy"])
	}
	return out
}

func limitOf(name string) int {
	switch {
	case name == "ecr", strings.HasPrefix(name, "replica-"):
		return constructs.ECRRepositoryPolicyLimit
	case strings.HasPrefix(name, "kms"):
		return constructs.KMSKeyPolicyLimit
	default:
		return constructs.SecretPolicyLimit
	}
}

// checkTemplateLimits asserts a synthesized template is within the
// CloudFormation size and resource-count limits.
func checkTemplateLimits(t testing.TB, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > templateSizeLimit {
		t.Errorf("%s is %d bytes, over CloudFormation's %d", filepath.Base(path), st.Size(), templateSizeLimit)
	}
	if n := len(testutil.ReadTemplate(t, path)["Resources"].(map[string]any)); n > resourceCountLimit {
		t.Errorf("%s has %d resources, over CloudFormation's %d", filepath.Base(path), n, resourceCountLimit)
	}
}

// Organization mode: at 1,000 spokes every hub policy is the size it is at 5
// (O(1) statements), and the hub and representative spokes (each kind of
// network, another region) stay within the template limits. The spoke
// templates do not depend on the fleet size; the full 1,000-stack synth runs
// in BenchmarkSynth.
func TestScaleOrganizationMode(t *testing.T) {
	small := parseFleet(t, fleetgen.Options{Spokes: 5, OrganizationID: "o-exampleorg1"})
	// Every spoke of the large fleet follows demand: the hub's poller, with
	// the 1,000 spokes written into its code, must leave the policies as
	// they are and the template inside its limits.
	large := parseFleet(t, fleetgen.Options{Spokes: 1000, OrganizationID: "o-exampleorg1", Demand: true, AutoStandby: true})
	want, err := hubPolicySizes(t, small)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	hub, replicas := stacks.AddHub(app, large, false)
	if len(replicas) != 3 {
		t.Fatalf("%d replica stacks, want one for each of the 3 regions besides the hub's", len(replicas))
	}
	for _, s := range []config.Spoke{large.Spokes[0], large.Spokes[1], large.Spokes[2], large.Spokes[999]} {
		stacks.NewSpokeStack(app, stacks.SpokeStackName(s), &stacks.SpokeStackProps{Hub: large.Hub, Spoke: s, ImageTag: testutil.ImageTag}).AddStackDependency(hub.Stack, nil)
	}
	if err := stacks.Synth(app); err != nil {
		t.Fatalf("1,000 spokes in organization mode must synthesize: %v", err)
	}
	got := policySizes(t, testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json")))
	for name, size := range got {
		if size != want[name] {
			t.Errorf("%s policy is %d chars at 1,000 spokes but %d at 5: organization mode must not grow", name, size, want[name])
		}
		if size > limitOf(name) {
			t.Errorf("%s policy %d chars > limit %d", name, size, limitOf(name))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(files) != 8 {
		t.Fatalf("%d templates, want 8 (hub, 3 replicas, 4 spokes)", len(files))
	}
	for _, f := range files {
		checkTemplateLimits(t, f)
	}
	hubInfo, err := os.Stat(filepath.Join(dir, "HubStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The fleet dashboard at 1,000 spokes: two rows of graphs, a selector
	// of 10 groups of 100.
	dash := dashboards(testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json")))
	if len(dash) != 1 {
		t.Fatalf("%d dashboards in the hub, want 1", len(dash))
	}
	body, size := bodyText(dash[0]["DashboardBody"])
	if n := strings.Count(body, `"type":"metric"`); n != 6 || !strings.Contains(body, `"value":"spokes-901-1000"`) || strings.Contains(body, `spokes-1001-`) {
		t.Errorf("1,000 spokes: %d graphs (want 6: fleet and 5 for the chosen group), groups up to spokes-901-1000", n)
	}
	if size > 10_000 {
		t.Errorf("1,000 spokes: dashboard body %d bytes, want under 10,000", size)
	}
	// CloudFormation takes a template of at most 1 MB (from S3), and the
	// fleet file allows 2,000 spokes: at 1,000 the hub must stay under half
	// of it (the poller's inline fleet grows per spoke; schedules shared).
	if hubInfo.Size() > 500_000 {
		t.Errorf("1,000 spokes: hub template %d bytes, want under 500,000 (half of CloudFormation's 1 MB, for the 2,000 the fleet file allows)", hubInfo.Size())
	}
	t.Logf("organization mode, 1,000 spokes following demand with automatic standby: hub policy sizes %v, hub template %d bytes, dashboard body %d bytes", got, hubInfo.Size(), size)
}

// Account mode lists every spoke, so it has a ceiling. Validation finds it
// (the largest generated fleet it accepts); every policy fits there when
// synthesized, and one more spoke (past validation) fails synthesis too, with
// a message naming the policy, its size and the limit.
func TestScaleAccountModeCeiling(t *testing.T) {
	valid := func(n int) bool {
		_, err := config.Parse("generated.yaml", fleetgen.YAML(fleetgen.Options{Spokes: n}))
		return err == nil
	}
	lo, hi := 1, 400 // lo is valid, hi is not
	if valid(hi) {
		t.Fatalf("%d spokes in account mode are valid; raise the search bound", hi)
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if valid(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	fits := func(f *config.Fleet) (map[string]int, error) { return hubPolicySizes(t, f) }
	at := parseFleet(t, fleetgen.Options{Spokes: lo})
	sizes, err := fits(at)
	if err != nil {
		t.Fatal(err)
	}
	for name, size := range sizes {
		if size > limitOf(name) {
			t.Errorf("at %d spokes the %s policy is %d chars, over %d", lo, name, size, limitOf(name))
		}
	}
	over := parseFleet(t, fleetgen.Options{Spokes: lo})
	extra := over.Spokes[lo-1]
	extra.Name, extra.Account = "spoke-extra", "299999999999"
	over.Spokes = append(over.Spokes, extra)
	_, err = fits(over)
	if err == nil {
		t.Fatalf("%d spokes synthesize although validation stops at %d", lo+1, lo)
	}
	msg := err.Error()
	for _, part := range []string{"policy of hubspoke/", "over the AWS limit of", "organizationId"} {
		if !strings.Contains(msg, part) {
			t.Errorf("failure at %d spokes does not say %q:\n%s", lo+1, part, msg)
		}
	}
	if lo < 75 {
		t.Errorf("account mode carries only %d spokes; the design target is at least 75", lo)
	}
	t.Logf("account mode ceiling: %d spokes (policy sizes there: %v)", lo, sizes)
}
