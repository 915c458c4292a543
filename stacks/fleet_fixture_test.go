package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
)

// The fleet these tests build: two spokes, alpha in the hub's region on the
// schedule alone (wave first), beta in us-east-1 following demand (wave
// second); the hub keeps mutable tags, trusts GitHub Actions and does not
// replicate the image (spokes pull from eu-west-1). The
// variants below add replication and a pipeline. Building it takes about 2
// seconds (constructs, then one synthesis), once per test binary.
const fixtureFleetYAML = `hub:
  account: "111111111111"
  region: eu-west-1
  tagMutability: MUTABLE
  replicateImages: false
  githubActions: {repository: example-org/agent-image, branch: main}
agent: {azpUrl: https://dev.azure.com/example-org, pool: hubspoke}
schedule:
  timeZone: UTC
  scaleUp: {at: "07:00", capacity: 4}
  scaleDown: {at: "19:00", capacity: 1}
spokes:
  - name: alpha
    account: "222222222222"
    region: eu-west-1
    wave: first
    network: {createVpc: {cidr: 10.40.0.0/24}}
  - name: beta
    account: "333333333333"
    region: us-east-1
    wave: second
    network: {createVpc: {cidr: 10.40.1.0/24}}
    schedule:
      demand: {workHoursMax: 8, offHoursMax: 2}
`

// withReplication makes the hub replicate the image into us-east-1.
func withReplication(yaml string) string {
	return strings.Replace(yaml, "replicateImages: false", "replicateImages: true", 1)
}

// twoPipelines splits the two waves over two pipelines (one spoke each),
// in a tooling account.
const twoPipelines = `pipeline:
  account: "444444444444"
  region: eu-west-1
  connectionArn: arn:aws:codeconnections:eu-west-1:444444444444:connection/01234567-89ab-cdef-0123-456789abcdef
  repository: example-org/hubspoke
  branch: main
  maxSpokesPerPipeline: 1
  waves:
    - name: first
    - name: second
      manualApproval: true
`

// loadFleet validates yaml as a fleet file.
func loadFleet(t testing.TB, yaml string) *config.Fleet {
	t.Helper()
	dir, err := os.MkdirTemp("", "stacks-fleet")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var buildDate = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// built is a synthesized app of a fixture fleet.
type built struct {
	fleet *config.Fleet
	out   *Fleet
	cx    cxapi.CloudAssembly
}

var (
	pipelineAppOnce sync.Once
	pipelineApp     built
	pipelineAppErr  error
)

// replicatedWithPipelines is the fixture fleet with replication and two
// pipelines, added by AddApp (this commit's image tag) and synthesized.
func replicatedWithPipelines(t *testing.T) built {
	t.Helper()
	pipelineAppOnce.Do(func() {
		f := loadFleet(t, withReplication(fixtureFleetYAML)+twoPipelines)
		app := awscdk.NewApp(nil)
		out, err := AddApp(app, f, AppOptions{FleetPath: "fleet.yaml", AgentDir: "../agent", BuildDate: buildDate})
		if err != nil {
			pipelineAppErr = err
			return
		}
		pipelineApp = built{fleet: f, out: out, cx: app.Synth(nil)}
	})
	if pipelineAppErr != nil {
		t.Fatal(pipelineAppErr)
	}
	if pipelineApp.cx == nil {
		t.Fatal("the fixture fleet did not build (see the first test that built it)")
	}
	return pipelineApp
}

// template is the stack's template as plain JSON values.
func (b built) template(t *testing.T, stack string) map[string]any {
	t.Helper()
	raw, err := json.Marshal(b.cx.GetStackArtifact(jsii.String(stack)).Template())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// resources are the template's resources of type typ, by logical id.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tmpl["Resources"].(map[string]any)
	for id, r := range res {
		if m, ok := r.(map[string]any); ok && m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// props is a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// asJSON is v as compact JSON, for comparing with a hand-written value.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
