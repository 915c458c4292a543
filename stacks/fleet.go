package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/config"
)

// Fleet is the hub stack and the spoke stacks of one fleet file, and the
// pipeline when the fleet file has one.
type Fleet struct {
	Hub      *HubStack
	Spokes   []*SpokeStack
	Pipeline *PipelineStack
}

// AddApp adds everything the fleet file describes: HubStack and the
// SpokeStack-* for `cdk deploy`, and PipelineStack when the fleet file has a
// pipeline section. fleetPath is what the pipeline's synth step
// synthesizes; agentDir is hashed into the agent image tag. With nag, cdk-nag
// checks every stack, those inside the pipeline's Stages included.
func AddApp(app awscdk.App, f *config.Fleet, fleetPath, agentDir string, nag bool) (*Fleet, error) {
	if nag {
		recordNagSuppressions(app)
	}
	var tag string
	if f.Pipeline != nil {
		// Before any construct: a missing agent/ is an error up front.
		var err error
		if tag, err = AgentImageTag(agentDir); err != nil {
			return nil, err
		}
	}
	out := AddFleet(app, f)
	if f.Pipeline != nil {
		out.Pipeline = NewPipelineStack(app, PipelineStackName, &PipelineStackProps{Fleet: f, FleetPath: fleetPath, ImageTag: tag, Nag: nag})
	}
	if nag {
		AddNagChecks(app)
	}
	return out, nil
}

// AddFleet adds HubStack and one SpokeStack-<name> per spoke to scope. Each
// spoke depends on the hub, so `cdk deploy HubStack SpokeStack-*` deploys the
// hub first.
func AddFleet(scope awsconstructs.Construct, f *config.Fleet) *Fleet {
	out := &Fleet{Hub: NewHubStack(scope, HubStackName, &HubStackProps{Fleet: f})}
	for _, s := range f.Spokes {
		spoke := NewSpokeStack(scope, SpokeStackName(s), &SpokeStackProps{Hub: f.Hub, Spoke: s})
		spoke.AddStackDependency(out.Hub.Stack, jsii.String("the hub's repository, key and secret must exist first"))
		out.Spokes = append(out.Spokes, spoke)
	}
	return out
}
