package stacks

import (
	awsconstructs "github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/config"
)

// Fleet is the hub stack and the spoke stacks of one fleet file.
type Fleet struct {
	Hub    *HubStack
	Spokes []*SpokeStack
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
