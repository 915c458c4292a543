package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/config"
)

// Fleet is the hub stack and the spoke stacks of one fleet file, and the
// pipeline when the fleet file has one.
type Fleet struct {
	Hub *HubStack
	// Replicas hold the agent repository in each other region with spokes.
	Replicas []*HubReplicaStack
	Spokes   []*SpokeStack
	// Pipelines are the fleet's pipelines in order (none without a pipeline
	// section); the first deploys the hub and the image.
	Pipelines []*PipelineStack
}

// AppOptions are the inputs of AddApp besides the fleet.
type AppOptions struct {
	// FleetPath is what the pipeline's synth step synthesizes.
	FleetPath string
	// AgentDir is hashed into the agent image tag.
	AgentDir string
	// BuildDate picks the image rebuild period (AgentImageTag).
	BuildDate time.Time
	// ImageTag, when set, is deployed instead of the tag computed from
	// AgentDir and BuildDate (-c imageTag=...). Default: "".
	ImageTag string
	// Nag: cdk-nag checks every stack, those inside the pipeline's Stages
	// included.
	Nag bool
}

// AddApp adds everything the fleet file describes: HubStack and the
// SpokeStack-* for `cdk deploy`, and PipelineStack when the fleet file has a
// pipeline section. Both paths deploy the same agent image tag.
func AddApp(app awscdk.App, f *config.Fleet, o AppOptions) (*Fleet, error) {
	// Before any construct: a missing agent/ is an error up front.
	tag, err := agentimage.Tag(o.AgentDir, f.Image.Rebuild, o.BuildDate)
	if err != nil {
		return nil, err
	}
	if o.ImageTag != "" {
		tag = o.ImageTag
	}
	fleetPath, nag := o.FleetPath, o.Nag
	if nag {
		recordNagSuppressions(app)
	}
	nonce := o.BuildDate.UTC().Format(time.RFC3339Nano)
	out := AddFleet(app, f, tag, nonce)
	if f.Pipeline != nil {
		out.Pipelines = AddPipelines(app, PipelineStackProps{Fleet: f, FleetPath: fleetPath, ImageTag: tag, DeployNonce: nonce, Nag: nag})
	}
	if nag {
		AddNagChecks(app)
	}
	return out, nil
}

// AddPipelines adds one PipelineStack per pipeline group of the fleet in
// props (props.Group is set for each), each next one depending on the first,
// which owns the artifact stores.
func AddPipelines(scope constructs.Construct, props PipelineStackProps) []*PipelineStack {
	var out []*PipelineStack
	for g := range props.Fleet.PipelineGroups() {
		p := props
		p.Group = g
		ps := NewPipelineStack(scope, PipelineStackID(g), &p)
		if g > 0 {
			ps.AddStackDependency(out[0].Stack, jsii.String("the first pipeline owns the artifact stores"))
		}
		out = append(out, ps)
	}
	return out
}

// AddFleet adds HubStack (with its HubReplica-<region> stacks) and one
// SpokeStack-<name> per spoke, running the
// agent image imageTag, to scope; nonce makes each deploy run the spokes'
// preflight. Each spoke depends on the hub, so `cdk deploy HubStack
// SpokeStack-*` deploys the hub first.
func AddFleet(scope constructs.Construct, f *config.Fleet, imageTag, nonce string) *Fleet {
	hub, replicas := AddHub(scope, f, false)
	out := &Fleet{Hub: hub, Replicas: replicas}
	for _, s := range f.Spokes {
		spoke := NewSpokeStack(scope, SpokeStackName(s), &SpokeStackProps{Hub: f.Hub, Spoke: s, ImageTag: imageTag, DeployNonce: nonce, CheckTrust: VerifyRoleArn(f), ImageRegion: f.ImageRegion(s)})
		spoke.AddStackDependency(out.Hub.Stack, jsii.String("the hub's repository, key and secret must exist first"))
		out.Spokes = append(out.Spokes, spoke)
	}
	return out
}
