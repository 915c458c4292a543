package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
)

// The pipeline deploys the very HubStack and SpokeStack classes that
// `cdk deploy HubStack SpokeStack-*` deploys, wrapped in Stages, under the
// same CloudFormation stack names: one code path, two ways to deliver.

// NewHubStage wraps the hub stack and its replica stacks in a Stage.
func NewHubStage(scope constructs.Construct, id string, f *config.Fleet) (awscdk.Stage, *HubStack) {
	stage := awscdk.NewStage(scope, jsii.String(id), nil)
	hub, _ := AddHub(stage, f, true)
	return stage, hub
}

// NewSpokeStage wraps one spoke stack in a Stage, deploying imageTag; nonce
// as in SpokeStackProps.DeployNonce.
func NewSpokeStage(scope constructs.Construct, id string, f *config.Fleet, s config.Spoke, imageTag, nonce string) (awscdk.Stage, *SpokeStack) {
	stage := awscdk.NewStage(scope, jsii.String(id), nil)
	spoke := NewSpokeStack(stage, SpokeStackName(s), &SpokeStackProps{
		StackProps: awscdk.StackProps{StackName: jsii.String(SpokeStackName(s))},
		Hub:        f.Hub, Spoke: s, ImageTag: imageTag, DeployNonce: nonce, CheckTrust: VerifyRoleArn(f),
		ImageRegion: f.ImageRegion(s),
	})
	return stage, spoke
}
