package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke/config"
	"hubspoke/internal/testutil"
	"hubspoke/stacks"
)

// resolve turns the CloudFormation functions of a policy into the strings
// they deploy to (partition aws; a bucket ARN at its longest, 63-character
// name), so that a size can be compared with an AWS limit.
func resolve(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var b strings.Builder
			for _, part := range j[1].([]any) {
				b.WriteString(resolve(part).(string))
			}
			return b.String()
		}
		if r, ok := x["Ref"].(string); ok && r == "AWS::Partition" {
			return "aws"
		}
		if _, ok := x["Fn::GetAtt"]; ok {
			return "arn:aws:s3:::" + strings.Repeat("b", 63)
		}
		if _, ok := x["Ref"]; ok {
			return strings.Repeat("r", 20)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolve(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e)
		}
		return out
	}
	return v
}

// The validation's pipeline model (config.EstimatePipeline) against the
// pipelines the app synthesizes: every estimate at or above the real size,
// and close to it, so the ceilings in validation messages hold.
func TestPipelineModelMatchesSynthesis(t *testing.T) {
	for _, c := range []struct {
		spokes, regions, waves int
		org                    bool
	}{{60, 1, 1, true}, {100, 4, 3, true}, {60, 1, 1, false}, {100, 4, 3, false}} {
		o := fleetgenWithPipeline(c.spokes, c.waves)
		o.Regions = c.regions
		if !c.org {
			o.OrganizationID = ""
		}
		f := parseFleet(t, o)
		est := config.EstimatePipeline(f)
		dir := t.TempDir()
		app := testutil.NewAppIn(t, dir)
		pipe := stacks.NewPipelineStack(app, stacks.PipelineStackName, &stacks.PipelineStackProps{Fleet: f, ImageTag: "agent-0123456789ab-20261123"})
		if err := stacks.Synth(app); err != nil {
			t.Fatal(err)
		}
		near := func(what string, estimate, actual int, within float64) {
			t.Helper()
			t.Logf("%d spokes, %d regions, %d waves, organization mode %v: %s estimated %d, synthesized %d", c.spokes, c.regions, c.waves, c.org, what, estimate, actual)
			if estimate < actual || float64(estimate) > float64(actual)*(1+within) {
				t.Errorf("%s: estimate %d, synthesized %d (want at or above, within %.0f%%)", what, estimate, actual, within*100)
			}
		}
		path := filepath.Join(dir, *pipe.TemplateFile())
		st, _ := os.Stat(path)
		near("template bytes", est.TemplateBytes, int(st.Size()), 0.03)
		tpl := testutil.ReadTemplate(t, path)
		if got := len(pipelineStages(t, tpl)); got != est.Stages {
			t.Errorf("stages: estimate %d, synthesized %d", est.Stages, got)
		}
		near("resources", est.Resources, len(tpl["Resources"].(map[string]any)), 0.15)
		near("pipeline role managed policies", est.ManagedPolicies+1, len(testutil.ResourcesOfType(tpl, "AWS::IAM::ManagedPolicy"))+1, 1.0)
		// Artifact bucket and key policy per region: the pipeline stack's
		// own, and each other region's (CDK's support stacks in account mode,
		// PipelineStackArtifacts-<region> in organization mode).
		templates, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		seen := 0
		for _, p := range templates {
			base := strings.TrimSuffix(filepath.Base(p), ".template.json")
			region := f.Pipeline.Region
			switch {
			case strings.HasPrefix(base, "cross-region-stack"):
				region = base[strings.LastIndex(base, "_")+1:]
			case strings.HasPrefix(base, "PipelineStackArtifacts-"):
				region = strings.TrimPrefix(base, "PipelineStackArtifacts-")
			case base != "PipelineStack":
				continue
			}
			t := testutil.ReadTemplate(t, p)
			for _, r := range testutil.ResourcesOfType(t, "AWS::S3::BucketPolicy") {
				b, _ := json.Marshal(resolve(testutil.Props(r)["PolicyDocument"]))
				near("bucket policy in "+region, est.BucketPolicyBytes[region], len(b), 0.15)
				seen++
			}
			for _, r := range testutil.ResourcesOfType(t, "AWS::KMS::Key") {
				b, _ := json.Marshal(resolve(testutil.Props(r)["KeyPolicy"]))
				near("key policy in "+region, est.KeyPolicyBytes[region], len(b), 0.25)
			}
		}
		if seen != c.regions {
			t.Errorf("%d bucket policies, want one per region (%d)", seen, c.regions)
		}
	}
}

// In organization mode the pipeline's artifact buckets and keys (its own
// region's and one stack per other region) trust the organization's CDK
// deploy roles by pattern: no spoke's deploy role is named in them, so they
// do not grow and no spoke must be bootstrapped before the pipeline deploys.
// The stores pass cdk-nag and cfn-lint.
func TestOrganizationPipelineArtifactStores(t *testing.T) {
	o := fleetgenWithPipeline(8, 2)
	f := parseFleet(t, o)
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	if _, err := stacks.AddApp(app, f, appOptions(true)); err != nil {
		t.Fatal(err)
	}
	if err := stacks.Synth(app); err != nil {
		t.Fatalf("synth with cdk-nag: %v", err)
	}
	findings, _ := nagFindings(t, dir)
	for _, x := range findings {
		t.Error(x)
	}
	stores := map[string]string{"PipelineStack": f.Pipeline.Region}
	for _, r := range []string{"eu-central-1", "us-east-1", "us-west-2"} {
		stores["PipelineStackArtifacts-"+r] = r
	}
	var files []string
	for name := range stores {
		path := filepath.Join(dir, name+".template.json")
		files = append(files, path)
		tpl := testutil.ReadTemplate(t, path)
		var policies []string
		for _, typ := range []string{"AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
			for _, r := range testutil.ResourcesOfType(tpl, typ) {
				policies = append(policies, fmtJSON(testutil.Props(r)))
			}
		}
		if len(policies) != 2 {
			t.Fatalf("%s: %d artifact bucket/key policies, want 2", name, len(policies))
		}
		for _, p := range policies {
			if strings.Contains(p, "deploy-role-2") {
				t.Errorf("%s names a spoke's deploy role: %.300s", name, p)
			}
			if !strings.Contains(p, `"aws:PrincipalOrgID":"o-exampleorg1"`) || !strings.Contains(p, "cdk-hnb659fds-deploy-role-*") {
				t.Errorf("%s does not trust the organization's deploy roles by pattern: %.300s", name, p)
			}
		}
	}
	if cross, _ := filepath.Glob(filepath.Join(dir, "cross-region-stack-*")); len(cross) != 0 {
		t.Errorf("CDK's own support stacks (one per region, naming every deploy role) are back: %v", cross)
	}
	for _, m := range cfnLint(t, files) {
		t.Errorf("cfn-lint: %+v", m)
	}
}
