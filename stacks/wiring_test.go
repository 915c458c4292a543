package stacks

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"
)

// Each stack says what it is when no description is given.
func TestStackDescriptions(t *testing.T) {
	b := replicatedWithPipelines(t)
	for stack, want := range map[string]string{
		"HubStack":             "hubspoke hub: build-agent image repository and agent token shared with spoke accounts",
		"HubReplica-us-east-1": "hubspoke hub replica: the build-agent image repository for the spokes in us-east-1",
		"SpokeStack-alpha":     "hubspoke spoke alpha: scheduled Fargate build agents",
		"PipelineStack":        "hubspoke delivery pipeline: hub, agent image, then spokes in waves",
	} {
		if got, _ := b.template(t, stack)["Description"].(string); got != want {
			t.Errorf("%s: description %q, want %q", stack, got, want)
		}
	}
}

// The hub: mutable tags as the fleet file says (hub and replica), a
// GitHub Actions role with its output, replication into the replica
// region, and the demand poller (every pool is kept).
func TestHubWiring(t *testing.T) {
	b := replicatedWithPipelines(t)
	for _, stack := range []string{"HubStack", "HubReplica-us-east-1"} {
		for id, r := range resources(b.template(t, stack), "AWS::ECR::Repository") {
			if got := props(r)["ImageTagMutability"]; got != "MUTABLE" {
				t.Errorf("%s %s: ImageTagMutability %v, want MUTABLE (tagMutability: MUTABLE)", stack, id, got)
			}
		}
	}
	// The replica's repository creation template gives a repository that
	// replication creates the same mutable tags.
	for id, r := range resources(b.template(t, "HubReplica-us-east-1"), "AWS::ECR::RepositoryCreationTemplate") {
		if got := props(r)["ImageTagMutability"]; got != "MUTABLE" {
			t.Errorf("creation template %s: ImageTagMutability %v, want MUTABLE", id, got)
		}
	}
	hub := b.template(t, "HubStack")
	out, _ := hub["Outputs"].(map[string]any)
	gh, _ := out["GitHubActionsRoleArn"].(map[string]any)
	if gh["Description"] != "role-to-assume for aws-actions/configure-aws-credentials in example-org/agent-image" {
		t.Errorf("GitHub Actions output %v", gh)
	}
	repl := resources(hub, "AWS::ECR::ReplicationConfiguration")
	want := `{"ReplicationConfiguration":{"Rules":[{"Destinations":[{"Region":"us-east-1","RegistryId":"111111111111"}],"RepositoryFilters":[{"Filter":"hubspoke/build-agent","FilterType":"PREFIX_MATCH"}]}]}}`
	if len(repl) != 1 {
		t.Fatalf("%d replication configurations, want 1", len(repl))
	}
	for _, r := range repl {
		if got := asJSON(t, props(r)); got != want {
			t.Errorf("replication\n got %s\nwant %s", got, want)
		}
	}
	if b.out.Hub.DemandPoller == nil {
		t.Error("no demand poller")
	}
}

// A spoke pulling from a replica waits for replication in its preflight
// (ReplicationWaitSeconds); one in the hub's region does not wait. The
// service waits for the execution role's policy; a demand spoke has its
// publisher role; with a pipeline every spoke has its smoke-check role.
func TestSpokeWiring(t *testing.T) {
	b := replicatedWithPipelines(t)
	for _, c := range []struct {
		stack, region string
		wait          float64
		demandRole    string
	}{
		{"SpokeStack-alpha", "eu-west-1", 0, ""},
		{"SpokeStack-beta", "us-east-1", 600, "hubspoke-beta-demand"},
	} {
		tmpl := b.template(t, c.stack)
		pre := resources(tmpl, "Custom::HubPreflight")
		if len(pre) != 1 {
			t.Fatalf("%s: %d preflights", c.stack, len(pre))
		}
		for _, r := range pre {
			if p := props(r); p["WaitSeconds"] != c.wait || p["RepositoryRegion"] != c.region {
				t.Errorf("%s: preflight waits %v in %v, want %v in %s", c.stack, p["WaitSeconds"], p["RepositoryRegion"], c.wait, c.region)
			}
		}
		var policy string
		for id, r := range resources(tmpl, "AWS::IAM::Policy") {
			if strings.HasPrefix(id, "AgentsExecutionRoleDefaultPolicy") {
				policy = id
				_ = r
			}
		}
		for _, svc := range resources(tmpl, "AWS::ECS::Service") {
			if policy == "" || !strings.Contains(asJSON(t, svc["DependsOn"]), `"`+policy+`"`) {
				t.Errorf("%s: the service does not wait for the execution role's policy %q: %v", c.stack, policy, svc["DependsOn"])
			}
		}
		var roles []string
		for _, r := range resources(tmpl, "AWS::IAM::Role") {
			if n, ok := props(r)["RoleName"].(string); ok {
				roles = append(roles, n)
			}
		}
		all := " " + strings.Join(roles, " ") + " "
		if c.demandRole != "" && !strings.Contains(all, " "+c.demandRole+" ") || c.demandRole == "" && strings.Contains(all, "-demand ") {
			t.Errorf("%s: roles %s; demand role wanted: %q", c.stack, all, c.demandRole)
		}
		name := strings.TrimPrefix(c.stack, "SpokeStack-")
		if !strings.Contains(all, " hubspoke-"+name+"-smoke ") {
			t.Errorf("%s: roles %s, want the smoke-check role hubspoke-%s-smoke", c.stack, all, name)
		}
	}
	for i, s := range b.out.Spokes {
		if (s.Demand != nil) != (i == 1) || s.Check == nil {
			t.Errorf("spoke %d: demand role %v, check role %v", i, s.Demand != nil, s.Check != nil)
		}
	}
}

// Two pipelines: the second's stack is PipelineStack-2, depends on the
// first (which owns the artifact stores), starts when hubspoke succeeds
// (not on a push, not on the rebuild schedule), and verifies with its own
// role hubspoke-pipeline-verify-2; the first starts on the rebuild period.
func TestTwoPipelines(t *testing.T) {
	b := replicatedWithPipelines(t)
	if len(b.out.Pipelines) != 2 {
		t.Fatalf("%d pipelines, want 2", len(b.out.Pipelines))
	}
	second := b.out.Pipelines[1]
	if got := *second.StackName(); got != "PipelineStack-2" {
		t.Errorf("second pipeline's stack %s", got)
	}
	deps := ""
	for _, d := range *second.Dependencies() {
		deps += " " + *d.StackName()
	}
	if !strings.Contains(deps+" ", " PipelineStack ") {
		t.Errorf("PipelineStack-2 depends on%s; want PipelineStack", deps)
	}
	for _, c := range []struct {
		stack, rule, verifyRole string
	}{
		{"PipelineStack", `{"Description":"Starts the pipeline at the start of each agent image rebuild period (weekly, UTC)","ScheduleExpression":"cron(0 3 ? * MON *)","State":"ENABLED"}`, "hubspoke-pipeline-verify"},
		{"PipelineStack-2", `{"Description":"Starts hubspoke-2 when hubspoke succeeds","EventPattern":{"detail":{"pipeline":["hubspoke"],"state":["SUCCEEDED"]},"detail-type":["CodePipeline Pipeline Execution State Change"],"source":["aws.codepipeline"]},"State":"ENABLED"}`, "hubspoke-pipeline-verify-2"},
	} {
		tmpl := b.template(t, c.stack)
		rules := resources(tmpl, "AWS::Events::Rule")
		if len(rules) != 1 {
			t.Errorf("%s: %d rules, want 1", c.stack, len(rules))
		}
		for _, r := range rules {
			p := props(r)
			delete(p, "Targets")
			if got := asJSON(t, p); got != c.rule {
				t.Errorf("%s: rule\n got %s\nwant %s", c.stack, got, c.rule)
			}
		}
		found := false
		for _, r := range resources(tmpl, "AWS::IAM::Role") {
			if props(r)["RoleName"] == c.verifyRole {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no role %s", c.stack, c.verifyRole)
		}
	}
}

// The image build installs the agent the fleet file pins (version and
// SHA-256) when it pins one, else what the organization offers (no pin in
// its environment).
func TestAgentImageStepPins(t *testing.T) {
	f := loadFleet(t, fixtureFleetYAML+twoPipelines)
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	src := pipelines.CodePipelineSource_Connection(jsii.String("example-org/hubspoke"), jsii.String("main"),
		&pipelines.ConnectionSourceOptions{ConnectionArn: jsii.String(f.Pipeline.ConnectionArn)})
	env := func(s pipelines.Step) map[string]*string {
		return *s.(pipelines.CodeBuildStep).Env()
	}
	unpinned := env(agentImageStep(stack, f, src, "agent-0123456789ab-20261123"))
	if _, ok := unpinned["AGENT_VERSION"]; ok {
		t.Errorf("no pin in the fleet file, yet AGENT_VERSION=%s", *unpinned["AGENT_VERSION"])
	}
	if _, ok := unpinned["AGENT_SHA256"]; ok {
		t.Errorf("no pin in the fleet file, yet AGENT_SHA256 is set")
	}
	f.Image.AgentVersion, f.Image.AgentSHA256 = "4.264.2", strings.Repeat("ab", 32)
	stack2 := awscdk.NewStack(app, jsii.String("S2"), nil)
	pinned := env(agentImageStep(stack2, f, src, "agent-0123456789ab-20261123"))
	if v := pinned["AGENT_VERSION"]; v == nil || *v != "4.264.2" {
		t.Errorf("AGENT_VERSION %v, want 4.264.2", v)
	}
	if v := pinned["AGENT_SHA256"]; v == nil || *v != strings.Repeat("ab", 32) {
		t.Errorf("AGENT_SHA256 %v, want the pinned SHA-256", v)
	}
}

// AddApp: a missing agent/ is an error before any stack; -c imageTag=...
// is what every spoke deploys; without a pipeline section, no pipeline and
// no smoke-check roles; without replication every spoke pulls from the
// hub's region, without waiting.
func TestAddApp(t *testing.T) {
	f := loadFleet(t, fixtureFleetYAML)
	app := awscdk.NewApp(nil)
	if _, err := AddApp(app, f, AppOptions{AgentDir: "no-such-dir", BuildDate: buildDate}); err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Errorf("missing agent dir: error %v, want one naming it", err)
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("the failed AddApp left %d constructs", n)
	}
	tag := "agent-0123456789ab-20261123"
	out, err := AddApp(app, f, AppOptions{AgentDir: "../agent", BuildDate: buildDate, ImageTag: tag})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pipelines) != 0 {
		t.Errorf("%d pipelines without a pipeline section", len(out.Pipelines))
	}
	cx := app.Synth(nil)
	b := built{fleet: f, out: out, cx: cx}
	for _, s := range out.Spokes {
		if s.Check != nil {
			t.Errorf("%s: a smoke-check role without a pipeline", *s.StackName())
		}
		tmpl := b.template(t, *s.StackName())
		for _, r := range resources(tmpl, "Custom::HubPreflight") {
			if p := props(r); p["ImageTag"] != tag || p["RepositoryRegion"] != "eu-west-1" || p["WaitSeconds"] != 0.0 {
				t.Errorf("%s: preflight checks image %v in %v waiting %v s, want %s in eu-west-1 (-c imageTag) at once", *s.StackName(), p["ImageTag"], p["RepositoryRegion"], p["WaitSeconds"], tag)
			}
		}
		if !strings.Contains(asJSON(t, resources(tmpl, "AWS::ECS::TaskDefinition")), ":"+tag) {
			t.Errorf("%s: the task definition does not run %s", *s.StackName(), tag)
		}
	}
	if len(resources(b.template(t, "HubStack"), "AWS::ECR::ReplicationConfiguration")) != 0 {
		t.Errorf("replication without replicateImages")
	}
}
