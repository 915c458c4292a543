package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
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
		pipe := stacks.NewPipelineStack(app, stacks.PipelineStackName, &stacks.PipelineStackProps{Fleet: f, ImageTag: testutil.ImageTag})
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

// A fleet larger than one pipeline gets several, in wave order: the first
// deploys the hub and the image and owns the artifact stores; each next one
// deploys its waves when the one before succeeds (no push trigger), with its
// own verify role. Every stack passes cdk-nag and cfn-lint.
func TestPipelinesInSequence(t *testing.T) {
	o := fleetgenWithPipeline(8, 4)
	o.MaxSpokesPerPipeline = 4
	f := parseFleet(t, o)
	if g := f.PipelineGroups(); len(g) != 2 || len(g[0]) != 2 || g[1][0].Name != "wave-2" {
		t.Fatalf("groups %v, want waves 0-1 and 2-3", g)
	}
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	built, err := stacks.AddApp(app, f, appOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := stacks.Synth(app); err != nil {
		t.Fatalf("synth with cdk-nag: %v", err)
	}
	for _, x := range func() []string { f, _ := nagFindings(t, dir); return f }() {
		t.Error(x)
	}
	if len(built.Pipelines) != 2 {
		t.Fatalf("%d pipeline stacks, want 2", len(built.Pipelines))
	}
	first := testutil.ReadTemplate(t, filepath.Join(dir, "PipelineStack.template.json"))
	second := testutil.ReadTemplate(t, filepath.Join(dir, "PipelineStack-2.template.json"))
	names := func(tpl map[string]any) string {
		var out []string
		for _, s := range pipelineStages(t, tpl) {
			out = append(out, s["Name"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := names(first); !strings.Contains(got, "Hub") || !strings.Contains(got, "AgentImage") || !strings.Contains(got, "Wave-wave-1") || strings.Contains(got, "Wave-wave-2") {
		t.Errorf("first pipeline's stages: %s", got)
	}
	if got := names(second); strings.Contains(got, "Hub") || strings.Contains(got, "AgentImage") || !strings.Contains(got, "Wave-wave-2") || !strings.Contains(got, "Wave-wave-3") || strings.Contains(got, "Wave-wave-0") {
		t.Errorf("second pipeline's stages: %s", got)
	}
	pipe := testutil.Props(testutil.One(t, second, "AWS::CodePipeline::Pipeline"))
	if pipe["Name"] != "hubspoke-2" || !strings.Contains(fmtJSON(pipe["Stages"]), `"DetectChanges":false`) {
		t.Errorf("second pipeline: name %v, source must not start on a push: %.400s", pipe["Name"], fmtJSON(pipe["Stages"]))
	}
	// The second pipeline deploys the tag the first recorded after its
	// image step (TestSynthCommandUsesTheRecordedTag runs the command),
	// with a role that may read that parameter only; the first computes
	// its own.
	synthSpec := func(tpl map[string]any) string {
		for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
			if raw, _ := testutil.Props(proj)["Source"].(map[string]any)["BuildSpec"].(string); strings.Contains(raw, "make synth") {
				return raw
			}
		}
		t.Fatal("no synth project")
		return ""
	}
	if spec := synthSpec(second); !strings.Contains(spec, "IMAGE_TAG=$(aws ssm get-parameter --name /hubspoke/pipeline/agent-image-tag --query Parameter.Value --output text)") ||
		!strings.Contains(spec, `make synth FLEET=fleet.yaml IMAGE_TAG=\"$IMAGE_TAG\"`) {
		t.Errorf("the second pipeline's synth does not deploy the recorded tag: %s", spec)
	}
	if spec := synthSpec(first); strings.Contains(spec, "IMAGE_TAG") {
		t.Errorf("the first pipeline's synth reads a recorded tag: %s", spec)
	}
	secondPolicies := ""
	for _, p := range testutil.ResourcesOfType(second, "AWS::IAM::Policy") {
		secondPolicies += fmtJSON(testutil.Props(p)["PolicyDocument"])
	}
	if !strings.Contains(secondPolicies, `{"Action":"ssm:GetParameter","Effect":"Allow","Resource":"arn:aws:ssm:eu-west-1:111111111111:parameter/hubspoke/pipeline/agent-image-tag"}`) {
		t.Errorf("the second pipeline's synth may not read the recorded tag: %.1500s", secondPolicies)
	}
	rule := testutil.Props(testutil.One(t, second, "AWS::Events::Rule"))
	if p := fmtJSON(rule["EventPattern"]); !strings.Contains(p, `"pipeline":["hubspoke"]`) || !strings.Contains(p, `"state":["SUCCEEDED"]`) {
		t.Errorf("second pipeline does not start after the first succeeds: %s", p)
	}
	var deps []string
	for _, d := range *built.Pipelines[1].Dependencies() {
		deps = append(deps, *d.StackName())
	}
	if !strings.Contains(strings.Join(deps, ","), "PipelineStack") {
		t.Errorf("PipelineStack-2 depends on %v, not on PipelineStack", deps)
	}
	var roles []string
	for _, tpl := range []map[string]any{first, second} {
		for _, r := range testutil.ResourcesOfType(tpl, "AWS::IAM::Role") {
			if n, ok := testutil.Props(r)["RoleName"].(string); ok {
				roles = append(roles, n)
			}
		}
	}
	if got := strings.Join(roles, ","); !strings.Contains(got, "hubspoke-pipeline-verify,") && !strings.HasSuffix(got, "hubspoke-pipeline-verify") || !strings.Contains(got, "hubspoke-pipeline-verify-2") {
		t.Errorf("verify roles: %s", got)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "PipelineStack*.template.json"))
	for _, m := range cfnLint(t, files) {
		t.Errorf("cfn-lint: %+v", m)
	}
}

// checkPipelineFleet synthesizes the pipelines of a fleet and asserts every
// limit on every pipeline template: size, resources, stages, actions per
// stage, the pipeline role's managed policies, and constant artifact store
// policies. It returns the number of pipelines and the largest template.
func checkPipelineFleet(t testing.TB, f *config.Fleet) (pipelines int, largest int64) {
	dir, err := os.MkdirTemp("", "hubspoke-pipelines-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	app := testutil.NewAppIn(t, dir)
	pipelines = len(stacks.AddPipelines(app, stacks.PipelineStackProps{Fleet: f, ImageTag: testutil.ImageTag}))
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "PipelineStack*.template.json"))
	for _, path := range files {
		checkTemplateLimits(t, path)
		st, _ := os.Stat(path)
		largest = max(largest, st.Size())
		tpl := testutil.ReadTemplate(t, path)
		if n := len(testutil.ResourcesOfType(tpl, "AWS::IAM::ManagedPolicy")); n > 10 {
			t.Errorf("%s: %d managed policies on its roles, over IAM's default of 10 per role", filepath.Base(path), n)
		}
		for id, r := range testutil.ResourcesOfType(tpl, "AWS::IAM::Policy") {
			if n := len(fmtJSON(testutil.Props(r)["PolicyDocument"])); n > 10240 {
				t.Errorf("%s: inline policy %s is %d characters, over IAM's 10,240 per role", filepath.Base(path), id, n)
			}
		}
		for id, r := range testutil.ResourcesOfType(tpl, "AWS::IAM::ManagedPolicy") {
			if n := len(fmtJSON(testutil.Props(r)["PolicyDocument"])); n > 6144 {
				t.Errorf("%s: managed policy %s is %d characters, over IAM's 6,144", filepath.Base(path), id, n)
			}
		}
		for _, r := range testutil.ResourcesOfType(tpl, "AWS::KMS::Key") {
			if n := len(fmtJSON(testutil.Props(r)["KeyPolicy"])); n > 32768 {
				t.Errorf("%s: key policy of %d bytes, over KMS's 32,768", filepath.Base(path), n)
			}
		}
		for _, r := range testutil.ResourcesOfType(tpl, "AWS::S3::BucketPolicy") {
			if b := fmtJSON(testutil.Props(r)); len(b) > 2000 || strings.Contains(b, "deploy-role-2") {
				t.Errorf("%s: artifact bucket policy of %d bytes naming deploy roles", filepath.Base(path), len(b))
			}
		}
		if len(testutil.ResourcesOfType(tpl, "AWS::CodePipeline::Pipeline")) == 0 {
			continue
		}
		stages := pipelineStages(t, tpl)
		if len(stages) > 50 {
			t.Errorf("%s: %d stages, over CodePipeline's 50", filepath.Base(path), len(stages))
		}
		for _, s := range stages {
			if n := len(actions(s)); n > 50 {
				t.Errorf("%s: stage %s has %d actions, over CodePipeline's 50", filepath.Base(path), s["Name"], n)
			}
		}
	}
	return pipelines, largest
}

// A representative large fleet in organization mode (the 1,000- and
// 2,000-spoke runs are in BenchmarkPipelines): 120 spokes over four regions
// in waves of 20, at most 50 per pipeline, so three pipelines in sequence,
// each inside every AWS limit.
func TestPipelinesAtScale(t *testing.T) {
	o := fleetgenWithPipeline(120, 6)
	o.MaxSpokesPerPipeline = 50
	n, largest := checkPipelineFleet(t, parseFleet(t, o))
	if n != 3 {
		t.Errorf("%d pipelines, want 3", n)
	}
	t.Logf("120 spokes: %d pipelines, largest template %d bytes", n, largest)
}
