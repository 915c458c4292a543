package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testPipeline = "pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: o/r\n"

// Every numeric limit of the fleet file, on both sides: the value at the
// limit loads, the value just past it is refused with the field, its line
// and the range to use. Limits from docs/fleet-file.md and the AWS quota
// each message names.
func TestFieldLimits(t *testing.T) {
	agentKey := func(kv string) []string { return []string{"  pool: hubspoke", "  pool: hubspoke\n  " + kv} }
	hubKey := func(kv string) []string {
		return []string{"  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  " + kv}
	}
	cidr := func(v string) []string { return []string{"cidr: 10.40.0.0/24}", "cidr: " + v + "}"} }
	appendix := func(s string) []string {
		return []string{"      securityGroupIds: [sg-0a1b2c3d4e5f60718]\n", "      securityGroupIds: [sg-0a1b2c3d4e5f60718]\n" + s}
	}
	pipeline := func(max string) []string {
		return appendix(testPipeline + "  maxSpokesPerPipeline: " + max + "\n  waves: [{name: default}, {name: prod}]\n")
	}
	for _, c := range []struct {
		name  string
		edits []string
		path  string // "" when the edit must load
		msg   string
		line  int
	}{
		{"stop timeout 2 s", agentKey("stopTimeoutSeconds: 2"), "", "", 0},
		{"stop timeout 1 s", agentKey("stopTimeoutSeconds: 1"), "agent.stopTimeoutSeconds", "1: Fargate allows a stop timeout of 2 to 120 seconds", 12},
		{"stop timeout 120 s", agentKey("stopTimeoutSeconds: 120"), "", "", 0},
		{"stop timeout 121 s", agentKey("stopTimeoutSeconds: 121"), "agent.stopTimeoutSeconds", "121: Fargate allows a stop timeout of 2 to 120 seconds", 12},
		{"job protection 1 minute", []string{"maxJobMinutes: 120", "maxJobMinutes: 1"}, "", "", 0},
		{"job protection 2880 minutes", []string{"maxJobMinutes: 120", "maxJobMinutes: 2880"}, "", "", 0},
		{"job protection 2881 minutes", []string{"maxJobMinutes: 120", "maxJobMinutes: 2881"}, "agent.maxJobMinutes", "2881: ECS task protection lasts 1 to 2880 minutes (48 hours)", 7},
		{"on-demand base 0", agentKey("spot: {enabled: true, onDemandBase: 0}"), "", "", 0},
		{"on-demand base 200", agentKey("spot: {enabled: true, onDemandBase: 200}"), "", "", 0},
		{"on-demand base 201", agentKey("spot: {enabled: true, onDemandBase: 201}"), "agent.spot.onDemandBase", "201: use 0 to 200 agents that always run on demand", 12},
		{"shortfall 3 minutes", appendix("alerts: {shortfallMinutes: 3}\n"), "", "", 0},
		{"shortfall 2 minutes", appendix("alerts: {shortfallMinutes: 2}\n"), "alerts.shortfallMinutes", "2: use 3 to 60 minutes", 32},
		{"shortfall 60 minutes", appendix("alerts: {shortfallMinutes: 60}\n"), "", "", 0},
		{"shortfall 61 minutes", appendix("alerts: {shortfallMinutes: 61}\n"), "alerts.shortfallMinutes", "61: use 3 to 60 minutes", 32},
		{"repository name of 2 characters", []string{"repositoryName: hubspoke/build-agent", "repositoryName: ab"}, "", "", 0},
		{"repository name of 1 character", []string{"repositoryName: hubspoke/build-agent", "repositoryName: a"}, "hub.repositoryName", `"a" is not a valid ECR repository name: 2-256 lower-case letters`, 4},
		{"repository name of 256 characters", []string{"repositoryName: hubspoke/build-agent", "repositoryName: " + strings.Repeat("a", 256)}, "", "", 0},
		{"repository name of 257 characters", []string{"repositoryName: hubspoke/build-agent", "repositoryName: " + strings.Repeat("a", 257)}, "hub.repositoryName", "is not a valid ECR repository name: 2-256", 4},
		{"3 images kept", hubKey("imagesKept: 3"), "", "", 0},
		{"1000 images kept", hubKey("imagesKept: 1000"), "", "", 0},
		{"1001 images kept", hubKey("imagesKept: 1001"), "hub.imagesKept", "1001 images kept: use 3 to 1000", 6},
		{"created VPC /16", cidr("10.40.0.0/16"), "", "", 0},
		{"created VPC /15", cidr("10.40.0.0/15"), "spokes[0].network.createVpc.cidr", "/15: use a prefix from /16 to /26 so two subnets fit", 23},
		{"created VPC /26", cidr("10.40.0.0/26"), "", "", 0},
		{"created VPC /27", cidr("10.40.0.0/27"), "spokes[0].network.createVpc.cidr", "/27: use a prefix from /16 to /26 so two subnets fit", 23},
		// A list key given one quoted string: shown as written, once quoted.
		{"subnetIds as one quoted string", []string{"subnetIds: [subnet-0a1b2c3d4e5f60718]", `subnetIds: "subnet-0a1b2c3d4e5f60718"`}, "spokes[1].network.subnetIds",
			`"subnet-0a1b2c3d4e5f60718" is a single value, but subnetIds is a list: write [subnet-0a1b2c3d4e5f60718]`, 30},
		{"availability zones a and z", cidr("10.40.0.0/24, availabilityZones: [eu-west-1a, eu-west-1z]"), "", "", 0},
		{"1 spoke per pipeline", pipeline("1"), "", "", 0},
		{"0 spokes per pipeline", pipeline("0"), "pipeline.maxSpokesPerPipeline", "0: use 1 to 380", 35},
		{"380 spokes per pipeline", pipeline("380"), "", "", 0},
		{"381 spokes per pipeline", pipeline("381"), "pipeline.maxSpokesPerPipeline", "381: use 1 to 380 (one pipeline's template reaches CloudFormation's 1 MB at about 380 spokes)", 35},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("fleet.yaml", []byte(edit(t, c.edits...)))
			if c.path == "" {
				if err != nil {
					t.Fatalf("want the fleet to load, got:\n%v", err)
				}
				return
			}
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want *Problems, got %v", err)
			}
			for _, p := range probs.List {
				if p.Path == c.path && strings.Contains(p.Message, c.msg) {
					if p.Line != c.line {
						t.Errorf("%s reported on line %d, want %d", p.Path, p.Line, c.line)
					}
					return
				}
			}
			t.Errorf("no problem at %q containing %q; got:\n%s", c.path, c.msg, err)
		})
	}
}

// The report: "1 problem" or "N problems", in the order of their lines,
// each as file:line: path: message (no line when there is none, no path
// when the problem is the file's).
func TestProblemsReport(t *testing.T) {
	y := edit(t, "memory: 2048", "memory: 3", "weekendCapacity: 0", "weekendCapacity: -1", `account: "222222222222"`, `account: "2"`)
	_, err := Parse("fleet.yaml", []byte(y))
	want := `fleet.yaml: 3 problems in the fleet file:
  fleet.yaml:9: agent.memory: Fargate does not offer 3 MiB with cpu 1024`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("report starts\n%v\nwant\n%s", err, want)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "  fleet.yaml:17: schedule.weekendCapacity: capacity -1") || !strings.HasPrefix(lines[3], "  fleet.yaml:20: spokes[0].account: ") {
		t.Errorf("problems not in line order 9, 17, 20:\n%s", err)
	}
	_, err = Parse("fleet.yaml", []byte(edit(t, "memory: 2048", "memory: 3")))
	if err == nil || !strings.HasPrefix(err.Error(), "fleet.yaml: 1 problem in the fleet file:\n  fleet.yaml:9: agent.memory: ") {
		t.Errorf("one problem: %v", err)
	}
	for _, c := range []struct {
		p    Problem
		want string
	}{
		{Problem{Path: "spokes", Message: "no spokes"}, "f.yaml: spokes: no spokes"},
		{Problem{Line: 3, Message: "the YAML cannot be read"}, "f.yaml:3: the YAML cannot be read"},
		{Problem{Line: 1, Path: "hub", Message: "m"}, "f.yaml:1: hub: m"},
	} {
		if got := c.p.String("f.yaml"); got != c.want {
			t.Errorf("%+v formats as %q, want %q", c.p, got, c.want)
		}
	}
}

// A run of 32 or more token characters with a digit and a letter is hidden,
// whichever letter it has (the ends of the alphabets too); 31 characters, a
// run without a digit or without a letter, and a path are shown.
func TestRedactEdges(t *testing.T) {
	digits := strings.Repeat("7", 31)
	for _, c := range []struct {
		in     string
		hidden bool
	}{
		{"a" + digits, true}, {"z" + digits, true}, {"A" + digits, true}, {"Z" + digits, true},
		{"a" + digits[:30], false},
		{strings.Repeat("k", 40), false},
		{"7" + digits, false},
		{"o-exampleorg1/r-ab12/ou-ab12-11111111/ou-cd34-22222222", false},
	} {
		got := redact("value " + c.in + " here")
		if hidden := !strings.Contains(got, c.in); hidden != c.hidden {
			t.Errorf("redact(%q) = %q; hidden %v, want %v", c.in, got, hidden, c.hidden)
		}
		if c.hidden && !strings.Contains(got, fmt.Sprintf("<%d characters that look like a credential, not shown>", len(c.in))) {
			t.Errorf("redact(%q) = %q: no placeholder", c.in, got)
		}
	}
}

// A file of exactly MaxFileBytes loads (the cap is "over", not "at").
func TestFileAtTheSizeCap(t *testing.T) {
	b := []byte(base(t))
	pad := MaxFileBytes - len(b)
	b = append(b, []byte("#"+strings.Repeat("x", pad-2)+"\n")...)
	if len(b) != MaxFileBytes {
		t.Fatalf("test bug: %d bytes", len(b))
	}
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("a file of exactly %d bytes: %v", MaxFileBytes, err)
	}
	if _, err := Parse("fleet.yaml", b); err != nil {
		t.Errorf("parsing exactly %d bytes: %v", MaxFileBytes, err)
	}
	if _, err := Parse("fleet.yaml", append(b, '\n')); err == nil || !strings.Contains(err.Error(), "over the 1048576 this tool reads") {
		t.Errorf("one byte over: %v", err)
	}
}

// ECR replicates a registry to at most 25 regions: spokes in 25 regions
// besides the hub's load, in 26 they are refused, unless replication is off.
func TestReplicaRegionLimit(t *testing.T) {
	others := []string{}
	for _, r := range regionsByPartition["aws"] {
		if r != "eu-west-1" {
			others = append(others, r)
		}
	}
	fleet := func(n int, extra string) string {
		y := strings.Replace(base(t), "  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n"+extra, 1)
		for i, r := range others[:n] {
			y += fmt.Sprintf("  - name: s%d\n    account: \"4444444444%02d\"\n    region: %s\n    network:\n      createVpc: {cidr: 10.40.0.0/24}\n", i, i, r)
		}
		return y
	}
	if _, err := Parse("fleet.yaml", []byte(fleet(25, ""))); err != nil {
		t.Errorf("25 replica regions: %v", err)
	}
	_, err := Parse("fleet.yaml", []byte(fleet(26, "")))
	var probs *Problems
	if !errors.As(err, &probs) || len(probs.List) != 1 || probs.List[0].Path != "hub" || probs.List[0].Line != 2 ||
		!strings.Contains(probs.List[0].Message, "spokes in 26 regions besides the hub's: ECR replicates to at most 25; set replicateImages: false") {
		t.Errorf("26 replica regions: want one problem at hub (line 2, where its keys start), got %v", err)
	}
	if _, err := Parse("fleet.yaml", []byte(fleet(26, "  replicateImages: false\n"))); err != nil {
		t.Errorf("26 regions without replication: %v", err)
	}
}

// The pipeline model's arithmetic on worked examples, from its measured
// constants (the constants themselves are checked against synthesis in
// test/pipeline_limits_test.go). A deploy role ARN in a 9-character region,
// arn:aws:iam::<12>:role/cdk-hnb659fds-deploy-role-<12>-eu-west-1, is 79
// bytes, 82 listed (quotes and a comma).
func TestPipelineEstimateWorkedExamples(t *testing.T) {
	pipeline := testPipeline + "  waves: [{name: default}, {name: prod, manualApproval: true}]\n"
	load := func(edits ...string) PipelineEstimate {
		t.Helper()
		y := edit(t, edits...) + pipeline
		f, err := Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return EstimatePipeline(f)
	}
	check := func(what string, e PipelineEstimate, bytes, resources, stages, policies int, bucket, key map[string]int) {
		t.Helper()
		if e.TemplateBytes != bytes || e.Resources != resources || e.Stages != stages || e.ManagedPolicies != policies {
			t.Errorf("%s: template %d bytes, %d resources, %d stages, %d managed policies; want %d, %d, %d, %d", what, e.TemplateBytes, e.Resources, e.Stages, e.ManagedPolicies, bytes, resources, stages, policies)
		}
		if fmt.Sprint(e.BucketPolicyBytes) != fmt.Sprint(bucket) || fmt.Sprint(e.KeyPolicyBytes) != fmt.Sprint(key) {
			t.Errorf("%s: bucket policies %v, key policies %v; want %v, %v", what, e.BucketPolicyBytes, e.KeyPolicyBytes, bucket, key)
		}
	}
	// Two spokes in the pipeline's region, two waves: 42,800 + 2 x 2,790 +
	// 2 x 3,010 + 5,700 (the first pipeline's RecordImageTag step) = 60,100
	// bytes; 28 + 2 x 2 + 1 + 3 = 36 resources (one managed
	// policy: 2.6 per 100 spokes, rounded up); 6 fixed stages + one per
	// wave; the hub and both spoke accounts in eu-west-1: 700 + 3 x 82 and
	// 600 + 3 x 82.
	check("two spokes at home", load(), 60_100, 36, 8, 1, map[string]int{"eu-west-1": 946}, map[string]int{"eu-west-1": 846})
	// prod in us-east-1: a spoke elsewhere (2,535), another region (570)
	// and its replica (2,350): 42,800 + 5,580 + 3,010 + 2,535 + 570 + 2,350
	// + 5,700 = 62,545; eu-west-1 lists the hub and dev, us-east-1 prod.
	check("a spoke in another region", load(`account: "333333333333"
    region: eu-west-1`, `account: "333333333333"
    region: us-east-1`), 62_545, 36, 8, 1, map[string]int{"eu-west-1": 864, "us-east-1": 782}, map[string]int{"eu-west-1": 764, "us-east-1": 682})
	// Organization mode: 43,900 + 2 x 2,760 + 2 x 2,460 + 5,700 = 60,040; the
	// artifact stores trust the organization (950 and 1,000 bytes).
	check("organization mode", load("  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n  organizationId: o-exampleorg1\n"),
		60_040, 36, 8, 1, map[string]int{"eu-west-1": 950}, map[string]int{"eu-west-1": 1000})
}

// The numbers in the limit messages, worked from a made-up estimate of a
// 100-spoke fleet: a template of 1,100,000 bytes fits 100 x (1,000,000 -
// 41,900) / (1,100,000 - 41,900) = 90 spokes; a bucket policy of 21,000
// bytes lists (21,000 - 700) / 82 = 247 accounts, and (20,480 - 700) / 82
// = 241 fit.
func TestPipelineLimitFigures(t *testing.T) {
	y := base(t) + testPipeline + "  waves: [{name: default}, {name: prod}]\n"
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	for len(f.Spokes) < 100 {
		f.Spokes = append(f.Spokes, f.Spokes[0])
	}
	e := EstimatePipeline(f)
	e.TemplateBytes = 1_100_000
	e.BucketPolicyBytes["eu-west-1"] = 21_000
	c := &collector{}
	checkEstimate(c, f, e)
	got := fmt.Sprint(c.list)
	for _, want := range []string{
		"100 spokes make a pipeline template of about 1100000 bytes, over CloudFormation's 1000000 (one pipeline carries about 90 spokes spread like these",
		"the pipeline's artifact bucket in eu-west-1 would list the deploy roles of 247 accounts: a bucket policy of about 21000 bytes, over S3's 20480 (about 241 accounts per region fit)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no problem saying %q:\n%s", want, got)
		}
	}
	// At the limits themselves nothing is reported.
	e = EstimatePipeline(f)
	e.TemplateBytes, e.Resources, e.ManagedPolicies, e.Stages = TemplateLimit, ResourceLimit, ManagedPolicyLimit, StageLimit
	e.BucketPolicyBytes["eu-west-1"], e.KeyPolicyBytes["eu-west-1"] = BucketPolicyLimit, KeyPolicyLimit
	c = &collector{}
	checkEstimate(c, f, e)
	if len(c.list) != 0 {
		t.Errorf("estimates at the limits reported: %v", c.list)
	}
}

// Fargate's task sizes (AWS Fargate task size table: 256 CPU units with 512,
// 1024 or 2048 MiB; 512 with 1-4 GiB; 1024 with 2-8 GiB; 2048 with 4-16
// GiB and 4096 with 8-30 GiB in 1 GiB steps; 8192 with 16-60 GiB in 4 GiB
// steps; 16384 with 32-120 GiB in 8 GiB steps): each end is offered, the
// step past it is not.
func TestFargateSizes(t *testing.T) {
	for _, c := range []struct {
		cpu, memory int
		ok          bool
	}{
		{256, 512, true}, {256, 2048, true}, {256, 3072, false},
		{512, 1024, true}, {512, 4096, true}, {512, 5120, false},
		{1024, 2048, true}, {1024, 8192, true}, {1024, 9216, false}, {1024, 1024, false},
		{2048, 4096, true}, {2048, 16384, true}, {2048, 17408, false},
		{4096, 8192, true}, {4096, 30720, true}, {4096, 31744, false},
		{8192, 16384, true}, {8192, 61440, true}, {8192, 20480, true}, {8192, 17408, false},
		{16384, 32768, true}, {16384, 122880, true}, {16384, 40960, true}, {16384, 131072, false},
		{1000, 2048, false},
	} {
		if got := FargateSizeOK(c.cpu, c.memory); got != c.ok {
			t.Errorf("FargateSizeOK(%d, %d) = %v, want %v", c.cpu, c.memory, got, c.ok)
		}
	}
}

// The hub policy model on the base fleet (dev and prod, accounts 2... and
// 3...), worked by hand: an account root ARN arn:aws:iam::<12>:root is 30
// bytes, 33 listed; role ARNs arn:aws:iam::<12>:role/<name> are 31 + the
// name, + 3. ECR: 275 + 2 x 33 + hubspoke-dev-* (14 + 34) + hubspoke-prod-*
// (15 + 34) = 438; token key: 675 + 66 + hubspoke-dev-exec (51) +
// hubspoke-prod-exec (52) = 844; secret: 395 + 2 x 66 + the exec and lookup
// roles (51 + 53 + 52 + 54) = 737. A second spoke in an account lists the
// account once.
func TestHubPolicyEstimateWorkedExample(t *testing.T) {
	f, err := Parse("fleet.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if e := EstimateHubPolicies(f); e != (HubPolicyEstimate{ECR: 438, TokenKey: 844, Secret: 737}) {
		t.Errorf("hub policies %+v, want ECR 438, token key 844, secret 737", e)
	}
	y := base(t) + "  - name: qa\n    account: \"222222222222\"\n    region: us-east-1\n    network:\n      createVpc: {cidr: 10.40.0.0/24}\n"
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	// qa adds its roles only: hubspoke-qa-* (13 + 34), -exec (50), -lookup (52).
	if e := EstimateHubPolicies(f); e != (HubPolicyEstimate{ECR: 438 + 47, TokenKey: 844 + 50, Secret: 737 + 50 + 52}) {
		t.Errorf("with qa in dev's account: %+v, want ECR 485, token key 894, secret 839", e)
	}
}

// A number given for a text field other than an account id is not taken
// for an unquoted account id.
func TestNumberInTextFieldIsNotAnAccount(t *testing.T) {
	_, err := Parse("fleet.yaml", []byte(edit(t, "pool: hubspoke", "pool: 1234")))
	if err != nil && strings.Contains(err.Error(), "account id") {
		t.Errorf("pool: 1234 reported as an account id: %v", err)
	}
}

// Without spokes the defaults are still checked, so a file being written
// from the top hears of its mistakes before its first spoke.
func TestDefaultsCheckedWithoutSpokes(t *testing.T) {
	y := strings.Split(edit(t, "memory: 2048", "memory: 3"), "spokes:")[0]
	_, err := Parse("fleet.yaml", []byte(y))
	if err == nil || !strings.Contains(err.Error(), "no spokes") || !strings.Contains(err.Error(), "fleet.yaml:9: agent.memory: Fargate does not offer 3 MiB with cpu 1024") {
		t.Errorf("no spokes and a wrong memory: %v", err)
	}
}

// Problems on one line keep the order they were found in (the time, then
// the capacity of scaleUp).
func TestProblemsOnOneLineKeepTheirOrder(t *testing.T) {
	_, err := Parse("fleet.yaml", []byte(edit(t, `scaleUp: {at: "07:00", capacity: 4}`, `scaleUp: {at: "7am", capacity: 201}`)))
	var probs *Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want problems, got %v", err)
	}
	var at14 []string
	for _, p := range probs.List {
		if p.Line == 14 {
			at14 = append(at14, p.Path)
		}
	}
	if strings.Join(at14, ",") != "schedule.scaleUp.at,schedule.scaleUp.capacity" {
		t.Errorf("line 14 problems in order %v, want the time then the capacity:\n%v", at14, err)
	}
}

// An existing network needs its subnets and security groups, each named.
func TestExistingNetworkNeedsSubnetsAndGroups(t *testing.T) {
	for _, c := range []struct{ drop, path, msg string }{
		{"      subnetIds: [subnet-0a1b2c3d4e5f60718]\n", "spokes[1].network.subnetIds", "missing: list at least one subnet id, e.g. [subnet-0123456789abcdef0]"},
		{"      securityGroupIds: [sg-0a1b2c3d4e5f60718]\n", "spokes[1].network.securityGroupIds", "missing: list at least one security group id, e.g. [sg-0123456789abcdef0]"},
	} {
		_, err := Parse("fleet.yaml", []byte(edit(t, c.drop, "")))
		if err == nil || !strings.Contains(err.Error(), c.path+": "+c.msg) {
			t.Errorf("without %s: %v", c.path, err)
		}
	}
}

// GitHub Actions pushes from main unless a branch is named.
func TestGitHubActionsDefaultBranch(t *testing.T) {
	for _, c := range []struct{ section, want string }{
		{"githubActions: {repository: o/r}", "main"},
		{"githubActions: {repository: o/r, branch: release}", "release"},
	} {
		f, err := Parse("fleet.yaml", []byte(edit(t, "  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n  "+c.section+"\n")))
		if err != nil {
			t.Fatal(err)
		}
		if g := f.Hub.GitHubActions; g == nil || g.Branch != c.want || g.Repository != "o/r" {
			t.Errorf("%s: %+v, want branch %s", c.section, g, c.want)
		}
	}
}

// Waves deploy in the pipeline's order when there is a pipeline, else in
// the order the spokes name them.
func TestWaveOrder(t *testing.T) {
	f, err := Parse("fleet.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Waves(), ","); got != "default,prod" {
		t.Errorf("waves without a pipeline %s, want default,prod (as the spokes name them)", got)
	}
	if f, err = Parse("fleet.yaml", []byte(base(t)+testPipeline+"  waves: [{name: prod}, {name: default}]\n")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Waves(), ","); got != "prod,default" {
		t.Errorf("waves with a pipeline %s, want prod,default (the pipeline's order)", got)
	}
}

// CodePipeline stages of the model at CDK's split of 50 actions, worked by
// hand: a wave takes Prepare and Deploy per spoke, a Verify, and an
// approval if asked; 50 actions fit one stage, 51 take two. The hub stage
// takes Prepare and Deploy for the hub and each replica: 24 replicas make
// 50 actions (with the 6 fixed stages, no extra), 25 make 52 (one more).
func TestPipelineStagesAtTheSplit(t *testing.T) {
	others := []string{}
	for _, r := range regionsByPartition["aws"] {
		if r != "eu-west-1" {
			others = append(others, r)
		}
	}
	// fleet: the base fleet (dev in wave default, prod in wave prod, with a
	// manual approval) and n more spokes in wave, in regions.
	fleet := func(n int, wave string, regions func(i int) string) *Fleet {
		t.Helper()
		y := base(t)
		for i := range n {
			y += fmt.Sprintf("  - name: s%d\n    account: \"4444444444%02d\"\n    region: %s\n    wave: %s\n    network:\n      createVpc: {cidr: 10.40.0.0/24}\n", i, i, regions(i), wave)
		}
		y += testPipeline + "  waves: [{name: default}, {name: prod, manualApproval: true}]\n"
		f, err := Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	home := func(int) string { return "eu-west-1" }
	away := func(i int) string { return others[i] }
	for _, c := range []struct {
		what   string
		f      *Fleet
		stages int
	}{
		// default: 24 spokes, 49 actions: one stage; prod: 4; 6 fixed.
		{"a wave of 49 actions", fleet(23, "default", home), 8},
		// default: 25 spokes, 51 actions: two stages.
		{"a wave of 51 actions", fleet(24, "default", home), 9},
		// prod: 24 spokes, 48 + Verify + approval = 50 actions: one stage.
		{"a wave of 50 actions with its approval", fleet(23, "prod", home), 8},
		// prod: 25 spokes, 52 actions: two stages.
		{"a wave of 52 actions with its approval", fleet(24, "prod", home), 9},
		// 24 replicas: hub stage 50 actions; default: 25 spokes, two stages.
		{"24 replicas", fleet(24, "default", away), 9},
		// 25 replicas: hub stage 52 actions, one more stage.
		{"25 replicas", fleet(25, "default", away), 10},
	} {
		if got := EstimatePipeline(c.f).Stages; got != c.stages {
			t.Errorf("%s: %d stages, want %d", c.what, got, c.stages)
		}
	}
	// 24 spokes in 24 other regions besides dev and prod at home: 42,800 +
	// 2 x 2,790 + 2 x 3,010 + 24 x (2,535 + 570 + 2,350) + 5,700 = 191,020
	// bytes.
	if got := EstimatePipeline(fleet(24, "default", away)).TemplateBytes; got != 191_020 {
		t.Errorf("24 spokes in 24 other regions: %d bytes, want 191020", got)
	}
	// Organization mode, prod in us-east-1: 43,900 + 2 x 2,760 + 2,460 +
	// 2,530 + 520 + 2,400 + 5,700 = 63,030.
	y := edit(t, "  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n  organizationId: o-exampleorg1\n",
		"account: \"333333333333\"\n    region: eu-west-1", "account: \"333333333333\"\n    region: us-east-1") +
		testPipeline + "  waves: [{name: default}, {name: prod}]\n"
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if got := EstimatePipeline(f).TemplateBytes; got != 63_030 {
		t.Errorf("organization mode with a spoke in us-east-1: %d bytes, want 63030", got)
	}
	// 100 spokes need 2.6 managed policies: 3; 40 need 1.04: 2.
	for _, c := range []struct{ spokes, policies int }{{100, 3}, {40, 2}} {
		g := *f
		g.Spokes = make([]Spoke, c.spokes)
		for i := range g.Spokes {
			g.Spokes[i] = f.Spokes[0]
		}
		if got := EstimatePipeline(&g).ManagedPolicies; got != c.policies {
			t.Errorf("%d spokes: %d managed policies, want %d", c.spokes, got, c.policies)
		}
	}
}

// A pipeline takes waves while they fit: waves of exactly
// maxSpokesPerPipeline spokes in all share one pipeline; one spoke more
// starts the next.
func TestPipelineGroupsAtTheMaximum(t *testing.T) {
	for _, c := range []struct {
		max  string
		want string
	}{{"2", "[[default prod]]"}, {"1", "[[default] [prod]]"}} {
		y := base(t) + testPipeline + "  maxSpokesPerPipeline: " + c.max + "\n  waves: [{name: default}, {name: prod}]\n"
		f, err := Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		var names [][]string
		for _, g := range f.PipelineGroups() {
			var ws []string
			for _, w := range g {
				ws = append(ws, w.Name)
			}
			names = append(names, ws)
		}
		if got := fmt.Sprint(names); got != c.want {
			t.Errorf("at most %s spokes per pipeline: groups %s, want %s", c.max, got, c.want)
		}
	}
}

// dev creates its VPC, prod names an existing one.
func TestNetworkCreates(t *testing.T) {
	f, err := Parse("fleet.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Spokes[0].Network.Creates() || f.Spokes[1].Network.Creates() {
		t.Errorf("Creates: dev %v, prod %v; want true, false", f.Spokes[0].Network.Creates(), f.Spokes[1].Network.Creates())
	}
}

// An OU belongs to the organization whose id is its first path element, not
// one whose id merely starts the same (o-exampleorg12 is not
// o-exampleorg1); a path without its trailing slash is stored with it (the
// form aws:PrincipalOrgPaths compares).
func TestOrganizationalUnitPaths(t *testing.T) {
	org := func(ous string) string {
		return edit(t, "  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n  organizationId: o-exampleorg1\n  organizationalUnits: ["+ous+"]\n")
	}
	_, err := Parse("fleet.yaml", []byte(org("o-exampleorg12/r-ab12/ou-ab12-11111111/")))
	if err == nil || !strings.Contains(err.Error(), `fleet.yaml:7: hub.organizationalUnits[0]: "o-exampleorg12/r-ab12/ou-ab12-11111111/" is not in the organization o-exampleorg1 (hub.organizationId)`) {
		t.Errorf("an OU of o-exampleorg12: %v", err)
	}
	f, err := Parse("fleet.yaml", []byte(org("o-exampleorg1/r-ab12/ou-ab12-11111111")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Hub.OrganizationalUnits, ","); got != "o-exampleorg1/r-ab12/ou-ab12-11111111/" {
		t.Errorf("stored OU %q, want it with its trailing slash", got)
	}
}
