package test

import (
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
)

// dashboards returns the template's AWS::CloudWatch::Dashboard resources.
func dashboards(tpl map[string]any) []map[string]any {
	var out []map[string]any
	res, _ := tpl["Resources"].(map[string]any)
	for _, r := range res {
		m := r.(map[string]any)
		if m["Type"] == "AWS::CloudWatch::Dashboard" {
			out = append(out, m["Properties"].(map[string]any))
		}
	}
	return out
}

// bodyText is a DashboardBody with each CloudFormation reference (an
// alarm's ARN, Fn::GetAtt) counted as an ARN of 90 characters (a deployed
// body's size) and shown as "<ref>".
func bodyText(v any) (string, int) {
	switch b := v.(type) {
	case string:
		return b, len(b)
	case map[string]any:
		if j, ok := b["Fn::Join"].([]any); ok {
			var sb strings.Builder
			n := 0
			for _, p := range j[1].([]any) {
				s, k := bodyText(p)
				sb.WriteString(s)
				n += k
			}
			return sb.String(), n
		}
	}
	return "<ref>", 90
}

// The example fleet's hub has one fleet dashboard, with both hub alarms and
// every figure's search; no spoke template has a dashboard (the spokes
// publish nothing new: the poller in the hub does).
func TestFleetDashboardInTheHub(t *testing.T) {
	f, err := config.Load(testutil.ExampleFleetPath())
	if err != nil {
		t.Fatal(err)
	}
	dir := synthFleet(t, f)
	hub := dashboards(testutil.ReadTemplate(t, filepath.Join(dir, "HubStack.template.json")))
	if len(hub) != 1 || hub[0]["DashboardName"] != "hubspoke-fleet" {
		t.Fatalf("hub dashboards %v, want one named hubspoke-fleet", hub)
	}
	body, size := bodyText(hub[0]["DashboardBody"])
	for _, want := range []string{`MetricName=\"AgentsBusy\" Group=\"spokes-1-100\"`, `'p95', 300`, `"alarms":["<ref>","<ref>"]`, `"region":"eu-west-1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard body lacks %s:\n%s", want, body)
		}
	}
	t.Logf("example fleet (%d spokes): dashboard body %d bytes", len(f.Spokes), size)
	files, _ := filepath.Glob(filepath.Join(dir, "SpokeStack-*.template.json"))
	if len(files) == 0 {
		t.Fatal("no spoke templates")
	}
	for _, p := range files {
		if d := dashboards(testutil.ReadTemplate(t, p)); len(d) != 0 {
			t.Errorf("%s has a dashboard", filepath.Base(p))
		}
	}
}
