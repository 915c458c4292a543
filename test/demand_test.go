package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
)

// Demand off is today's fleet: the example fleet with its spoke's demand
// section removed, and the same fleet with demand turned on for the fleet
// and off again for every spoke, synthesize byte-identical spoke and hub
// templates; with demand, the test spoke's template gains the publisher
// role, the policy, the alarms and the floors and ceilings, and the hub's
// pool keeper the right to publish into spokes.
func TestDemandOffIsUnchanged(t *testing.T) {
	fixture, err := os.ReadFile(testutil.ExampleFleetPath())
	if err != nil {
		t.Fatal(err)
	}
	const own = "    schedule:                 # agents follow the pool's jobs between floor and ceiling\n      demand: {workHoursMax: 8, offHoursMax: 2, standby: {auto: {weeks: 3, percentile: 90}}}\n"
	if !strings.Contains(string(fixture), own) {
		t.Fatal("test bug: the fixture's demand section moved")
	}
	plain := strings.Replace(string(fixture), own, "", 1)
	off := strings.Replace(plain, "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {enabled: false, workHoursMax: 8}\n", 1)
	if off == plain {
		t.Fatal("test bug: no fleet schedule to add demand to")
	}
	synth := func(y string) map[string]string {
		f, err := config.Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		dir := synthFleet(t, f)
		out := map[string]string{}
		for _, name := range []string{"HubStack", "SpokeStack-dev", "SpokeStack-test", "SpokeStack-prod-us"} {
			b, err := os.ReadFile(filepath.Join(dir, name+".template.json"))
			if err != nil {
				t.Fatal(err)
			}
			out[name] = string(b)
		}
		return out
	}
	fixed := strings.Replace(string(fixture), ", standby: {auto: {weeks: 3, percentile: 90}}", ", standby: {workHours: 0}", 1)
	a, b, with, noStandby := synth(plain), synth(off), synth(string(fixture)), synth(fixed)
	for name := range a {
		if a[name] != b[name] {
			t.Errorf("%s differs between no demand section and demand turned off", name)
		}
	}
	for _, want := range []string{"hubspoke-test-demand", "AWS::ApplicationAutoScaling::ScalingPolicy", "hubspoke-test-demand-unknown", `"MaxCapacity": 8`} {
		if strings.Contains(a["SpokeStack-test"], want) || !strings.Contains(with["SpokeStack-test"], want) {
			t.Errorf("%q: want it only with demand", want)
		}
	}
	// The hub keeps every pool (placeholder, ghosts) with or without
	// demand; it assumes the spokes' publisher roles only with demand.
	for name, tpl := range map[string]string{"no demand": a["HubStack"], "demand": with["HubStack"]} {
		if !strings.Contains(tpl, "hubspoke-demand-poller") || !strings.Contains(tpl, "hubspoke-pool-without-placeholder") {
			t.Errorf("%s: the hub has no pool keeper", name)
		}
	}
	if strings.Contains(a["HubStack"], "role/hubspoke-*-demand") || !strings.Contains(with["HubStack"], "role/hubspoke-*-demand") {
		t.Error("the hub's poller may assume the spokes' publisher roles: want it only when a spoke follows demand")
	}
	if a["SpokeStack-dev"] != with["SpokeStack-dev"] {
		t.Error("dev, which does not follow demand, changed when test does")
	}
	// Standby is the poller's: with none, or an automatic one, every spoke
	// template is the same; only the hub's poller (its fleet table and, for
	// auto, the right to read metrics) differs.
	for _, name := range []string{"SpokeStack-dev", "SpokeStack-test", "SpokeStack-prod-us"} {
		if noStandby[name] != with[name] {
			t.Errorf("%s differs between no standby and an automatic one", name)
		}
	}
	if strings.Contains(noStandby["HubStack"], "cloudwatch:GetMetricData") || !strings.Contains(with["HubStack"], "cloudwatch:GetMetricData") || noStandby["HubStack"] == with["HubStack"] {
		t.Error("the hub's poller reads metrics: want it only with an automatic standby")
	}
}
