// Package stacks wires constructs into the hub and spoke stacks from a
// validated fleet. Names derived here are the contract between the two sides
// of the trust: the hub trusts role names the spokes will create.
package stacks

import (
	"regexp"

	"hubspoke-cdk/config"
)

// HubStackName is the stack id of the hub.
const HubStackName = "HubStack"

// rolePrefix starts every role name the hub trusts.
const rolePrefix = "hubspoke-"

// SpokeStackName is the stack id of a spoke: SpokeStack-<name>.
func SpokeStackName(s config.Spoke) string { return "SpokeStack-" + s.Name }

// ExecutionRoleName is the spoke's ECS task execution role.
func ExecutionRoleName(s config.Spoke) string { return rolePrefix + s.Name + "-exec" }

// LookupRoleName is the spoke's role that looks up the hub secret's ARN.
func LookupRoleName(s config.Spoke) string { return rolePrefix + s.Name + "-lookup" }

// RoleArn is the ARN of a role named name in the spoke's account.
func RoleArn(partition, account, name string) string {
	return "arn:" + partition + ":iam::" + account + ":role/" + name
}

var aliasUnsafe = regexp.MustCompile(`[^a-zA-Z0-9:/_-]`)

// TokenKeyAlias is the alias of the key that encrypts the agent token.
// Spokes find the key by this alias, never by its (random) key id.
func TokenKeyAlias(h config.Hub) string {
	return "alias/" + aliasUnsafe.ReplaceAllString(h.SecretName, "-")
}

// RepositoryKeyAlias is the alias of the key that encrypts the repository.
func RepositoryKeyAlias(h config.Hub) string {
	return "alias/" + aliasUnsafe.ReplaceAllString(h.RepositoryName, "-") + "/ecr"
}

// SecretPartialArn is the hub secret's ARN without Secrets Manager's random
// suffix: known before the hub deploys.
func SecretPartialArn(h config.Hub) string {
	return "arn:" + h.Partition() + ":secretsmanager:" + h.Region + ":" + h.Account + ":secret:" + h.SecretName
}

// RepositoryArn is the hub repository's ARN.
func RepositoryArn(h config.Hub) string { return RepositoryArnIn(h, h.Region) }

// RepositoryArnIn is the ARN of the hub repository, or of its replica, in
// region.
func RepositoryArnIn(h config.Hub, region string) string {
	return "arn:" + h.Partition() + ":ecr:" + region + ":" + h.Account + ":repository/" + h.RepositoryName
}

// ReplicationWaitSeconds is how long a spoke's preflight waits for its
// region's replica to receive the image: ECR replicates most images within
// minutes; a preflight that gives up says how to check.
const ReplicationWaitSeconds = 600

// ClusterName is the spoke's ECS cluster; the pipeline's verification step
// finds the service by these names.
func ClusterName(s config.Spoke) string { return rolePrefix + s.Name }

// ServiceName is the agent service in every spoke's cluster.
const ServiceName = "build-agents"

// ImageBuildRoleName is the pipeline's role that pushes the agent image.
const ImageBuildRoleName = rolePrefix + "agent-image-build"

// PipelineStackName is the stack id of the delivery pipeline.
const PipelineStackName = "PipelineStack"

// CheckRoleName is the spoke role the smoke check assumes (pipeline only).
func CheckRoleName(s config.Spoke) string { return rolePrefix + s.Name + "-smoke" }

// VerifyRoleName is the pipeline's role that runs the smoke check after each
// wave; each spoke's check role trusts it by name.
const VerifyRoleName = rolePrefix + "pipeline-verify"

// VerifyRoleArn matches the verify roles of the fleet's pipelines
// (hubspoke-pipeline-verify, hubspoke-pipeline-verify-2, ...), or "" without
// a pipeline.
func VerifyRoleArn(f *config.Fleet) string {
	if f.Pipeline == nil {
		return ""
	}
	return RoleArn(config.PartitionOf(f.Pipeline.Region), f.Pipeline.Account, VerifyRoleName+"*")
}

// AgentName is the name the spoke's agents register with (start.sh adds
// "-<hostname>"); the demand poller counts a running job as the spoke's by
// this prefix.
func AgentName(s config.Spoke) string { return rolePrefix + s.Name }

// DemandRoleName is the spoke's role the hub's demand poller publishes the
// spoke's demand metrics with.
func DemandRoleName(s config.Spoke) string { return rolePrefix + s.Name + "-demand" }

// DemandPollerRoleName is the hub's demand poller role; spoke demand roles
// trust it.
const DemandPollerRoleName = rolePrefix + "demand-poller"
