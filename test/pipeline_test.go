package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

// pipelineStages returns the CodePipeline stages of a pipeline template.
func pipelineStages(t testing.TB, tpl map[string]any) []map[string]any {
	t.Helper()
	p := testutil.Props(testutil.One(t, tpl, "AWS::CodePipeline::Pipeline"))
	var out []map[string]any
	for _, s := range p["Stages"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func actions(stage map[string]any) []map[string]any {
	var out []map[string]any
	for _, a := range stage["Actions"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

// Source, synth, self-mutation, hub, agent image, then the waves in the
// fleet file's order; V2; cross-account keys; an approval before prod.
func TestPipelineShape(t *testing.T) {
	built := example(t)
	tpl := testutil.JSON(t, built.Pipelines[0].Stack)
	var names []string
	for _, s := range pipelineStages(t, tpl) {
		names = append(names, s["Name"].(string))
	}
	// Assets publishes the file assets (a created VPC's helper function).
	want := "Source,Build,UpdatePipeline,Assets,Hub,AgentImage,Spoke-dev,Spoke-test,Spoke-prod-us"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("stages = %s, want %s", got, want)
	}
	p := testutil.Props(testutil.One(t, tpl, "AWS::CodePipeline::Pipeline"))
	if p["PipelineType"] != "V2" {
		t.Errorf("pipeline type %v, want V2", p["PipelineType"])
	}
	// Cross-account keys: every region's artifact store is encrypted with a
	// customer-managed key (the spokes' accounts must read the artifacts).
	stores, _ := p["ArtifactStores"].([]any)
	if len(stores) != 2 {
		t.Errorf("%d artifact stores, want the pipeline's region and us-east-1", len(stores))
	}
	for _, st := range stores {
		key, _ := st.(map[string]any)["ArtifactStore"].(map[string]any)["EncryptionKey"].(map[string]any)
		if key["Type"] != "KMS" || key["Id"] == nil {
			t.Errorf("artifact store %v is not encrypted with a customer-managed key", st)
		}
	}
	stages := map[string]map[string]any{}
	for _, s := range pipelineStages(t, tpl) {
		stages[s["Name"].(string)] = s
	}
	prod := actions(stages["Spoke-prod-us"])
	if prod[0]["ActionTypeId"].(map[string]any)["Category"] != "Approval" || prod[0]["RunOrder"] != 1.0 {
		t.Errorf("prod must start with a manual approval, got %v", prod[0]["Name"])
	}
	for _, a := range prod[1:] {
		if a["RunOrder"].(float64) <= 1 {
			t.Errorf("%s runs with the approval, not after it", a["Name"])
		}
	}
	for _, name := range []string{"Spoke-dev", "Spoke-test"} { // no approval asked for
		if actions(stages[name])[0]["ActionTypeId"].(map[string]any)["Category"] == "Approval" {
			t.Errorf("%s has an approval the fleet file does not ask for", name)
		}
	}
	// Self-mutation is on; the image step builds the content tag.
	tag, err := agentimage.Tag(filepath.Join(testutil.RepoRoot(), agentimage.Dir), "weekly", testutil.BuildDate)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmtJSON(stages["UpdatePipeline"]); !strings.Contains(s, "SelfMutate") {
		t.Error("no self-mutation action")
	}
	if image := fmtJSON(actions(stages["AgentImage"])[0]); !strings.Contains(image, "PipelineAgentImageBuildAgentImage") {
		t.Errorf("the AgentImage stage does not run the image build: %s", image)
	}
	found := false
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		env := fmtJSON(testutil.Props(proj)["Environment"])
		if strings.Contains(env, `"Name":"TAG","Type":"PLAINTEXT","Value":"`+tag+`"`) {
			found = true
			if !strings.Contains(env, `"PrivilegedMode":true`) {
				t.Error("the image build needs privileged mode for docker")
			}
		}
	}
	if !found {
		t.Errorf("no CodeBuild project builds TAG=%s", tag)
	}
	// The synth step selects Node 22 and installs the pinned Go: CodeBuild
	// standard:7.0 would run Node 18, which the app refuses.
	synthPinned := false
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		src, _ := testutil.Props(proj)["Source"].(map[string]any)
		raw, _ := src["BuildSpec"].(string)
		if !strings.Contains(raw, "make synth") {
			continue
		}
		var spec struct {
			Phases struct {
				Install struct {
					RuntimeVersions map[string]string `json:"runtime-versions"`
					Commands        []string
				}
			}
		}
		if err := json.Unmarshal([]byte(raw), &spec); err != nil {
			t.Fatalf("synth build spec: %v", err)
		}
		in := spec.Phases.Install
		synthPinned = in.RuntimeVersions["nodejs"] == "22" && strings.Contains(strings.Join(in.Commands, " "), stacks.GoToolchainURL)
		if !strings.Contains(raw, "tools/check-bootstrap.sh") {
			t.Error("the synth step does not check that every target is bootstrapped")
		}
		if !synthPinned {
			t.Errorf("synth build spec does not pin Node 22 and Go: %+v", in)
		}
	}
	if !synthPinned {
		t.Error("no synth project found")
	}
	// The waves' smoke check runs as the verify role, which may assume the
	// spokes' smoke-check roles by name pattern (O(1) as the fleet grows).
	verify := 0
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		src, _ := testutil.Props(proj)["Source"].(map[string]any)
		if raw, _ := src["BuildSpec"].(string); strings.Contains(raw, "tools/verify-spokes.sh") {
			verify++
			if role := fmtJSON(testutil.Props(proj)["ServiceRole"]); !strings.Contains(role, "VerifyRole") {
				t.Errorf("a verify step runs as %s", role)
			}
		}
	}
	if verify != 3 {
		t.Errorf("%d verify steps, want one per wave (3)", verify)
	}
	roleDoc := ""
	for _, p := range testutil.ResourcesOfType(tpl, "AWS::IAM::Policy") {
		if strings.Contains(fmtJSON(testutil.Props(p)["Roles"]), "VerifyRole") {
			roleDoc += fmtJSON(testutil.Props(p)["PolicyDocument"])
		}
	}
	if !strings.Contains(roleDoc, `"Action":"sts:AssumeRole","Effect":"Allow","Resource":"arn:aws:iam::*:role/hubspoke-*-smoke"`) {
		t.Errorf("verify role cannot assume the spokes' smoke roles: %s", roleDoc)
	}
	// The pipeline starts itself each rebuild period (weekly by default):
	// a new tag, built from the patched base, rolled out through the waves.
	rules := testutil.ResourcesOfType(tpl, "AWS::Events::Rule")
	if len(rules) != 1 {
		t.Fatalf("%d event rules, want the one scheduled rebuild", len(rules))
	}
	for _, r := range rules {
		p := testutil.Props(r)
		if p["ScheduleExpression"] != "cron(0 3 ? * MON *)" || !strings.Contains(fmtJSON(p["Targets"]), "codepipeline") && !strings.Contains(fmtJSON(p["Targets"]), "Pipeline") {
			t.Errorf("rebuild rule %s", fmtJSON(p))
		}
	}
}

// The stacks inside the Stages are the same classes under the same
// CloudFormation names, deploying the image the pipeline built.
func TestPipelineDeploysTheSameStacks(t *testing.T) {
	built := example(t)
	tag, _ := agentimage.Tag(filepath.Join(testutil.RepoRoot(), agentimage.Dir), "weekly", testutil.BuildDate)
	var names []string
	for _, st := range built.Pipelines[0].Stages {
		for _, c := range *st.Node().Children() {
			if s, ok := c.(interface{ StackName() *string }); ok {
				names = append(names, *s.StackName())
			}
		}
	}
	if got := strings.Join(names, ","); got != "HubStack,HubReplica-us-east-1,SpokeStack-dev,SpokeStack-test,SpokeStack-prod-us" {
		t.Errorf("stage stacks = %s", got)
	}
	files, _ := filepath.Glob(filepath.Join(sharedOutdir, "assembly-PipelineStack-Spoke-dev", "*.template.json"))
	if len(files) != 1 {
		t.Fatalf("stage assembly has %d templates", len(files))
	}
	tpl := testutil.ReadTemplate(t, files[0])
	td := testutil.Props(testutil.One(t, tpl, "AWS::ECS::TaskDefinition"))
	if img := fmtJSON(td["ContainerDefinitions"]); !strings.Contains(img, "/hubspoke/build-agent:"+tag) {
		t.Errorf("the pipeline's spoke does not run %s: %s", tag, img)
	}
	// One tag whichever path deploys: `cdk deploy SpokeStack-*` too.
	for _, s := range built.Spokes {
		direct := testutil.Props(testutil.One(t, testutil.JSON(t, s.Stack), "AWS::ECS::TaskDefinition"))
		if img := fmtJSON(direct["ContainerDefinitions"]); !strings.Contains(img, "/hubspoke/build-agent:"+tag+`"`) {
			t.Errorf("%s (cdk deploy) does not run %s: %s", *s.StackName(), tag, img)
		}
	}
}

// Within a wave the spokes deploy in parallel: all prepare at run order 1,
// all deploy at 2, the verification after them.
func TestPipelineWaveIsParallel(t *testing.T) {
	f := parseFleet(t, fleetgenWithPipeline(3, 1))
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	pipe := stacks.NewPipelineStack(app, stacks.PipelineStackName, &stacks.PipelineStackProps{Fleet: f, ImageTag: "agent-test"})
	tpl := testutil.JSON(t, pipe.Stack)
	stages := pipelineStages(t, tpl)
	wave := stages[len(stages)-1]
	byOrder := map[float64][]string{}
	for _, a := range actions(wave) {
		byOrder[a["RunOrder"].(float64)] = append(byOrder[a["RunOrder"].(float64)], a["Name"].(string))
	}
	if len(byOrder[1]) != 3 || len(byOrder[2]) != 3 || len(byOrder[3]) != 1 {
		t.Errorf("wave actions by run order = %v; want 3 prepares, 3 deploys, 1 verification", byOrder)
	}
}

// 300 spokes still make a valid pipeline: CDK splits big waves, every
// CodePipeline stage stays within 50 actions, and the template within
// CloudFormation's limits.
func TestPipelineAt300Spokes(t *testing.T) {
	f := parseFleet(t, fleetgenWithPipeline(300, 3))
	dir := t.TempDir()
	app := testutil.NewAppIn(t, dir)
	pipe := stacks.NewPipelineStack(app, stacks.PipelineStackName, &stacks.PipelineStackProps{Fleet: f, ImageTag: "agent-test"})
	if err := stacks.Synth(app); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, *pipe.TemplateFile())
	checkTemplateLimits(t, path)
	tpl := testutil.ReadTemplate(t, path)
	stages := pipelineStages(t, tpl)
	total := 0
	for _, s := range stages {
		n := len(actions(s))
		total += n
		if n > 50 {
			t.Errorf("stage %s has %d actions, over CodePipeline's 50", s["Name"], n)
		}
	}
	if len(stages) > 50 {
		t.Errorf("%d stages, over CodePipeline's 50", len(stages))
	}
	// Each wave's verification is sized from its 100 spokes
	// (config.VerifySizing, worked by hand: 25 at a time, 10 + 4 × 10 = 50,
	// at least 60 minutes).
	verify := 0
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		p := testutil.Props(proj)
		if raw, _ := p["Source"].(map[string]any)["BuildSpec"].(string); strings.Contains(raw, "tools/verify-spokes.sh") {
			verify++
			if p["TimeoutInMinutes"] != 60.0 || !strings.Contains(fmtJSON(p["Environment"]), `{"Name":"PARALLEL","Type":"PLAINTEXT","Value":"25"}`) {
				t.Errorf("a 100-spoke wave's verify step: timeout %v, environment %.300s; want 60 minutes, PARALLEL 25", p["TimeoutInMinutes"], fmtJSON(p["Environment"]))
			}
		}
	}
	if verify != 3 {
		t.Errorf("%d verify steps, want 3", verify)
	}
	st, _ := os.Stat(path)
	t.Logf("300 spokes: %d stages, %d actions, %d resources, template %d bytes",
		len(stages), total, len(tpl["Resources"].(map[string]any)), st.Size())
}

func fleetgenWithPipeline(spokes, waves int) fleetgen.Options {
	return fleetgen.Options{Spokes: spokes, Waves: waves, OrganizationID: "o-exampleorg1", Pipeline: true}
}

// The first pipeline records the tag it built once its image step has
// succeeded (a step after it in the AgentImage stage, allowed to write that
// one parameter); its spokes deploy the same tag.
func TestPipelineRecordsTheBuiltTag(t *testing.T) {
	built := example(t)
	tag := exampleImageTag(t)
	tpl := testutil.JSON(t, built.Pipelines[0].Stack)
	var image, record map[string]any
	for _, s := range pipelineStages(t, tpl) {
		if s["Name"] != "AgentImage" {
			continue
		}
		for _, a := range actions(s) {
			switch a["Name"] {
			case "BuildAgentImage":
				image = a
			case "RecordImageTag":
				record = a
			}
		}
	}
	if image == nil || record == nil {
		t.Fatalf("the AgentImage stage lacks BuildAgentImage or RecordImageTag")
	}
	if record["RunOrder"].(float64) <= image["RunOrder"].(float64) {
		t.Errorf("RecordImageTag runs at %v, not after BuildAgentImage (%v)", record["RunOrder"], image["RunOrder"])
	}
	found := false
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		p := testutil.Props(proj)
		raw, _ := p["Source"].(map[string]any)["BuildSpec"].(string)
		if strings.Contains(raw, "aws ssm put-parameter --name /hubspoke/pipeline/agent-image-tag --type String --overwrite --value \\\"$AGENT_IMAGE_TAG\\\"") {
			found = strings.Contains(fmtJSON(p["Environment"]), `"Name":"AGENT_IMAGE_TAG","Type":"PLAINTEXT","Value":"`+tag+`"`)
		}
	}
	if !found {
		t.Errorf("no project records TAG=%s in /hubspoke/pipeline/agent-image-tag", tag)
	}
	policies := ""
	for _, p := range testutil.ResourcesOfType(tpl, "AWS::IAM::Policy") {
		policies += fmtJSON(testutil.Props(p)["PolicyDocument"])
	}
	if !strings.Contains(policies, `{"Action":"ssm:PutParameter","Effect":"Allow","Resource":"arn:aws:ssm:eu-west-1:111111111111:parameter/hubspoke/pipeline/agent-image-tag"}`) {
		t.Errorf("no role may write the tag parameter (and only it): %.2000s", policies)
	}
}

// -c imageTag=... deploys that tag on both paths: every SpokeStack of
// `cdk deploy`, every pipeline's spokes and the image step.
func TestGivenImageTagIsDeployedEverywhere(t *testing.T) {
	o := fleetgenWithPipeline(4, 2)
	o.MaxSpokesPerPipeline = 2
	f := parseFleet(t, o)
	app := testutil.NewAppIn(t, t.TempDir())
	opts := appOptions(false)
	opts.ImageTag = "agent-fedcba987654-20261116"
	built, err := stacks.AddApp(app, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(built.Pipelines) != 2 {
		t.Fatalf("%d pipelines, want 2", len(built.Pipelines))
	}
	own := exampleImageTag(t)
	check := func(name string, tpl map[string]any) {
		td := fmtJSON(testutil.Props(testutil.One(t, tpl, "AWS::ECS::TaskDefinition"))["ContainerDefinitions"])
		if !strings.Contains(td, ":agent-fedcba987654-20261116") || strings.Contains(td, own) {
			t.Errorf("%s does not run the given tag: %.300s", name, td)
		}
	}
	for _, s := range built.Spokes {
		check(*s.StackName(), testutil.JSON(t, s.Stack))
	}
	n := 0
	for _, p := range built.Pipelines {
		for _, st := range p.Stages {
			for _, c := range *st.Node().Children() {
				if s, ok := c.(awscdk.Stack); ok && strings.HasPrefix(*s.StackName(), "SpokeStack-") {
					check("pipeline "+*s.StackName(), testutil.JSON(t, s))
					n++
				}
			}
		}
	}
	if n != 4 {
		t.Errorf("%d spokes in the pipelines, want 4", n)
	}
	if env := fmtJSON(testutil.JSON(t, built.Pipelines[0].Stack)); !strings.Contains(env, `"Name":"TAG","Type":"PLAINTEXT","Value":"agent-fedcba987654-20261116"`) {
		t.Error("the image step does not build the given tag")
	}
}

// The asset steps install the pinned cdk-assets, never @latest.
func TestPipelineAssetStepsPinCdkAssets(t *testing.T) {
	tpl := testutil.JSON(t, example(t).Pipelines[0].Stack)
	pinned := 0
	for _, proj := range testutil.ResourcesOfType(tpl, "AWS::CodeBuild::Project") {
		raw, _ := testutil.Props(proj)["Source"].(map[string]any)["BuildSpec"].(string)
		if strings.Contains(raw, "cdk-assets@latest") {
			t.Errorf("an asset step installs cdk-assets@latest: %.300s", raw)
		}
		if strings.Contains(raw, `"npm install -g cdk-assets@4.7.3"`) {
			pinned++
		}
	}
	if pinned == 0 {
		t.Error("no asset step installs cdk-assets@4.7.3")
	}
}
