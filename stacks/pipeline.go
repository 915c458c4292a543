package stacks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/config"
	hsconstructs "hubspoke-cdk/constructs"
)

// GoToolchainURL is the Go release the pipeline's synth step installs (the
// CodeBuild image's own Go is older than go.mod needs).
const GoToolchainURL = "https://go.dev/dl/go1.26.8.linux-amd64.tar.gz"

// SynthNodeVersion is the Node.js major version the pipeline's synth step
// selects on CodeBuild (runtime-versions).
const SynthNodeVersion = "22"

// CDKCLIVersion is the CDK CLI the pipeline's self-mutation and asset steps
// install: the same as package.json pins for `make synth`.
const CDKCLIVersion = "2.1148.1"

// ImageTagParameter is the SSM parameter (String, in the pipeline's account
// and region) where the first pipeline records the agent image tag it has
// built, once the image step succeeds; the pipelines after it deploy that
// tag, not the one their own later synthesis would compute (a new rebuild
// period, or a commit that changed agent/ in between, names a tag nobody
// built). The record step creates it; no stack owns it, so no stack update
// resets it.
const ImageTagParameter = "/hubspoke/pipeline/agent-image-tag"

// CDKAssetsVersion is the cdk-assets the pipeline's asset steps install
// (CDK Pipelines installs cdk-assets@latest unless told): the version
// package.json pins next to the CLI, released from the same repository
// (aws/aws-cdk-cli), so a new release cannot change a deploy unseen.
const CDKAssetsVersion = "4.7.3"

// PipelineStackProps configures the delivery pipeline.
type PipelineStackProps struct {
	awscdk.StackProps
	Fleet *config.Fleet
	// FleetPath is the fleet file, relative to the repository root, that the
	// synth step synthesizes. Default: fleet.yaml.
	FleetPath string
	// ImageTag is the agent image tag (AgentImageTag) the image step
	// builds and the spokes deploy: the same as `cdk deploy` deploys.
	// Required.
	ImageTag string
	// DeployNonce as in SpokeStackProps. Default: "".
	DeployNonce string
	// Group is which of the fleet's pipelines this is (config's
	// PipelineGroups): the first deploys the hub and the image and owns the
	// artifact stores; each next one starts when the one before succeeds.
	// Default: 0.
	Group int
	// Nag runs cdk-nag on every Stage, and records the pipeline's and the
	// Stages' suppressions. It must be set here: CDK Pipelines synthesizes
	// the Stages while building the pipeline, after which aspects added to
	// them no longer run. Default: false.
	Nag bool
}

// PipelineStack is a self-mutating CDK pipeline: source, synth, update
// itself, the hub, the agent image, then the spokes wave by wave.
type PipelineStack struct {
	awscdk.Stack
	Pipeline pipelines.CodePipeline
	// Stages are every Stage the pipeline deploys, hub first (for aspects
	// such as cdk-nag, which do not reach into Stages from the app).
	Stages []awscdk.Stage
}

// NewPipelineStack creates the pipeline in the tooling account and region.
func NewPipelineStack(scope constructs.Construct, id string, props *PipelineStackProps) *PipelineStack {
	f, p := props.Fleet, props.Fleet.Pipeline
	fleetPath := firstNonEmpty(props.FleetPath, DefaultFleetPath)
	sp := props.StackProps
	sp.Env = &awscdk.Environment{Account: jsii.String(p.Account), Region: jsii.String(p.Region)}
	if sp.Description == nil {
		sp.Description = jsii.String("hubspoke delivery pipeline: hub, agent image, then spokes in waves")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	if props.Nag {
		recordNagSuppressions(stack)
	}
	out := &PipelineStack{Stack: stack}

	groups := f.PipelineGroups()
	// The synth step's bootstrap check assumes every target's lookup role.
	lookupRoles := RoleArn(config.PartitionOf(p.Region), "*", "cdk-hnb659fds-lookup-role-*")
	group, first := props.Group, props.Group == 0
	// The next pipelines start when the one before succeeds, not on a push.
	source := pipelines.CodePipelineSource_Connection(jsii.String(p.Repository), jsii.String(p.Branch),
		&pipelines.ConnectionSourceOptions{ConnectionArn: jsii.String(p.ConnectionArn), TriggerOnPush: jsii.Bool(first)})
	synthPolicy := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(lookupRoles),
	})}
	if !first { // reads the tag the first pipeline built
		synthPolicy = append(synthPolicy, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ssm:GetParameter"),
			Resources: jsii.Strings(imageTagParameterArn(p)),
		}))
	}
	synth := pipelines.NewCodeBuildStep(jsii.String("Synth"), &pipelines.CodeBuildStepProps{
		Input: source,
		InstallCommands: jsii.Strings(
			"curl -fsSL " + GoToolchainURL + " | tar -C /usr/local -xz",
		),
		// The README's synth, on the same fleet file; then every target of
		// the assembly must be bootstrapped before the pipeline updates
		// itself (its policies name each target's deploy role).
		Commands:               jsii.Strings(synthCommand(first, fleetPath, group), "bash tools/check-bootstrap.sh"),
		Env:                    &map[string]*string{"TOOLING_ACCOUNT": jsii.String(p.Account)},
		RolePolicyStatements:   &synthPolicy,
		PrimaryOutputDirectory: jsii.String("cdk.out"),
		BuildEnvironment: &awscodebuild.BuildEnvironment{
			BuildImage:  awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			ComputeType: awscodebuild.ComputeType_MEDIUM, // the first Go build of aws-cdk-go needs ~1 GB
		},
		// The image's default Node is 18, on which the jsii kernel fails
		// (the app refuses it); aws-cdk-lib needs 20 or newer.
		PartialBuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]any{
			"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{"nodejs": SynthNodeVersion}}},
		}),
	})
	artifacts, replication := artifactStores(scope, stack, f, first)
	pipe := pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		ArtifactBucket:                artifacts,
		CrossRegionReplicationBuckets: replication,
		PipelineName:                  jsii.String(PipelineName(group)),
		Synth:                         synth,
		SelfMutation:                  jsii.Bool(true),
		CrossAccountKeys:              jsii.Bool(true),
		EnableKeyRotation:             jsii.Bool(true),
		PipelineType:                  awscodepipeline.PipelineType_V2,
		CliVersion:                    jsii.String(CDKCLIVersion),
		CdkAssetsCliVersion:           jsii.String(CDKAssetsVersion),
	})
	out.Pipeline = pipe

	if first {
		hubStage, _ := NewHubStage(stack, "Hub", f)
		if props.Nag {
			AddNagChecks(hubStage)
		}
		pipe.AddStage(hubStage, nil)
		out.Stages = append(out.Stages, hubStage)

		image := agentImageStep(stack, f, source, props.ImageTag)
		record := recordImageTagStep(p, source, props.ImageTag)
		record.AddStepDependency(image)
		pipe.AddWave(jsii.String("AgentImage"), &pipelines.WaveOptions{
			Post: &[]pipelines.Step{image, record},
		})
	}

	verifyRole := newVerifyRole(stack, f, group)
	for _, w := range groups[group] {
		spokes := f.SpokesInWave(w.Name)
		wp := &pipelines.WaveOptions{Post: &[]pipelines.Step{verifyStep(w.Name, spokes, source, verifyRole)}}
		if w.ManualApproval {
			wp.Pre = &[]pipelines.Step{pipelines.NewManualApprovalStep(jsii.String("Approve-"+w.Name), &pipelines.ManualApprovalStepProps{
				Comment: jsii.String("Deploy wave " + w.Name + " (" + spokeNames(spokes) + ")?"),
			})}
		}
		wave := pipe.AddWave(jsii.String("Wave-"+w.Name), wp)
		for _, s := range spokes {
			stage, _ := NewSpokeStage(stack, "Spoke-"+s.Name, f, s, props.ImageTag, props.DeployNonce)
			if props.Nag {
				AddNagChecks(stage)
			}
			wave.AddStage(stage, nil)
			out.Stages = append(out.Stages, stage)
		}
	}
	pipe.BuildPipeline()
	suppressPipelineFindings(pipe)
	hsconstructs.Suppress(verifyRole, "AwsSolutions-IAM5", pipelineGrantsReason, pipelineGrantFindings...)
	hsconstructs.Suppress(pipe, "AwsSolutions-IAM5", "The synth step's bootstrap check assumes each target's read-only CDK lookup role, by its name pattern.",
		"Resource::"+lookupRoles)
	if !first {
		// The waves go on where the pipeline before left off.
		after := awsevents.NewRule(stack, jsii.String("AfterPreviousPipeline"), &awsevents.RuleProps{
			Description: jsii.String("Starts " + PipelineName(group) + " when " + PipelineName(group-1) + " succeeds"),
			EventPattern: &awsevents.EventPattern{
				Source:     jsii.Strings("aws.codepipeline"),
				DetailType: jsii.Strings("CodePipeline Pipeline Execution State Change"),
				Detail:     &map[string]any{"pipeline": []any{PipelineName(group - 1)}, "state": []any{"SUCCEEDED"}},
			},
		})
		after.AddTarget(awseventstargets.NewCodePipeline(pipe.Pipeline(), nil))
		return out
	}
	// A new rebuild period means a new image tag: starting the pipeline
	// then builds the image from the patched base image and rolls it out
	// through the waves, approvals and verification.
	rebuild := awsevents.NewRule(stack, jsii.String("RebuildAgentImage"), &awsevents.RuleProps{
		Description: jsii.String("Starts the pipeline at the start of each agent image rebuild period (" + f.Image.Rebuild + ", UTC)"),
		Schedule:    awsevents.Schedule_Expression(jsii.String(agentimage.RebuildSchedule(f.Image.Rebuild))),
	})
	rebuild.AddTarget(awseventstargets.NewCodePipeline(pipe.Pipeline(), nil))
	return out
}

// PipelineName is the CodePipeline name of the fleet's pipeline group.
func PipelineName(group int) string {
	if group == 0 {
		return "hubspoke"
	}
	return fmt.Sprintf("hubspoke-%d", group+1)
}

// PipelineStackID is the stack of the fleet's pipeline group.
func PipelineStackID(group int) string {
	if group == 0 {
		return PipelineStackName
	}
	return fmt.Sprintf("%s-%d", PipelineStackName, group+1)
}

// ArtifactKeyAlias names the key of each region's pipeline artifact store
// (organization mode).
const ArtifactKeyAlias = "alias/hubspoke/pipeline-artifacts"

// ArtifactBucketName is the pipeline's artifact bucket in region
// (organization mode).
func ArtifactBucketName(account, region string) string {
	return "hubspoke-artifacts-" + account + "-" + region
}

// artifactStores gives the pipeline, in organization mode, artifact buckets
// and keys whose policies trust the organization's CDK deploy roles by
// pattern: one in the pipeline's region (in its stack) and one per other
// region a stage deploys to (a PipelineArtifacts-<region> stack each, which
// the pipeline stack depends on). CDK Pipelines' default names every
// target's deploy role in these policies: a policy growing with the fleet
// (S3's 20 KB bucket policy limit: about 241 accounts per region) and
// targets that must be bootstrapped before the pipeline deploys. In account
// mode (109 spokes at most) the default stays.
func artifactStores(scope constructs.Construct, stack awscdk.Stack, f *config.Fleet, first bool) (awss3.IBucket, *map[string]awss3.IBucket) {
	if !f.OrganizationMode() {
		return nil, nil
	}
	p := f.Pipeline
	part := config.PartitionOf(p.Region)
	// Every pipeline group's roles (stacks PipelineStack, PipelineStack-2, ...).
	rolePattern := RoleArn(part, p.Account, PipelineStackName+"-*")
	props := func(region string) *hsconstructs.PipelineArtifactStoreProps {
		return &hsconstructs.PipelineArtifactStoreProps{OrganizationID: f.Hub.OrganizationID, BucketName: ArtifactBucketName(p.Account, region),
			KeyAlias: ArtifactKeyAlias, PipelineRolePattern: rolePattern}
	}
	var bucket awss3.IBucket
	if first {
		home := hsconstructs.NewPipelineArtifactStore(stack, "Artifacts", props(p.Region))
		bucket = awss3.Bucket_FromBucketAttributes(stack, jsii.String("ArtifactBucket"), &awss3.BucketAttributes{
			BucketArn: home.Bucket().BucketArn(), BucketName: home.Bucket().BucketName(),
			EncryptionKey: awskms.Key_FromKeyArn(stack, jsii.String("ArtifactKey"), home.Key().KeyArn()),
		})
	} else {
		// The first pipeline's stores, by name (this stack depends on it).
		bucket = hsconstructs.ImportedArtifactBucket(stack, "ArtifactBucket", part, p.Account, p.Region, ArtifactBucketName(p.Account, p.Region), ArtifactKeyAlias)
	}
	regions := map[string]bool{f.Hub.Region: true}
	for _, s := range f.Spokes {
		regions[s.Region] = true
	}
	delete(regions, p.Region)
	sorted := make([]string, 0, len(regions))
	for r := range regions {
		sorted = append(sorted, r)
	}
	sort.Strings(sorted)
	// CodePipeline takes the pipeline region's bucket in the same map.
	replication := map[string]awss3.IBucket{p.Region: bucket}
	for _, r := range sorted {
		if first {
			rs := awscdk.NewStack(scope, jsii.String(PipelineStackName+"Artifacts-"+r), &awscdk.StackProps{
				Env:         &awscdk.Environment{Account: jsii.String(p.Account), Region: jsii.String(r)},
				Description: jsii.String("hubspoke pipeline artifacts in " + r + " (trusting the organization's CDK deploy roles)"),
			})
			hsconstructs.NewPipelineArtifactStore(rs, "Artifacts", props(r))
			stack.AddStackDependency(rs, jsii.String("the pipeline's artifact store in "+r))
		}
		replication[r] = hsconstructs.ImportedArtifactBucket(stack, "Replication-"+r, part, p.Account, r, ArtifactBucketName(p.Account, r), ArtifactKeyAlias)
	}
	return nil, &replication
}

// pipelineGrantsReason and pipelineGrantFindings answer cdk-nag's IAM5 for
// what CDK Pipelines grants its roles, and the roles it is given (the image
// build and verify roles).
const pipelineGrantsReason = "CDK Pipelines grants its roles these wildcard actions on the pipeline's own artifact buckets and keys (its region's and each other region's replication bucket), on its CodeBuild projects' log and report groups, lets the self-mutation role assume the CDK bootstrap roles of its own account, and needs Resource * for actions without resource-level permissions (ecr:GetAuthorizationToken, cloudformation:DescribeStacks)."

var pipelineGrantFindings = []string{
	"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
	"Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*", "Resource::*",
	`/^Resource::<PipelineArtifactsBucket[0-9A-F]+\.Arn>\/\*$/`,
	`/^Resource::<ArtifactsBucket[0-9A-F]+\.Arn>\/\*$/`,
	`/^Resource::arn:[a-z-]+:s3:::hubspoke-artifacts-[0-9]{12}-[a-z0-9-]+\/\*$/`,
	`/^Resource::arn:[a-z-]+:s3:::pipelinestack-support-[a-z0-9-]+\/\*$/`,
	`/^Resource::arn:[a-z-]+:logs:[a-z0-9-]+:[0-9]{12}:log-group:\/aws\/codebuild\/(<[A-Za-z0-9]+>:\*|\*)$/`,
	`/^Resource::arn:[a-z-]+:codebuild:[a-z0-9-]+:[0-9]{12}:report-group\/(<[A-Za-z0-9]+>-)?\*$/`,
	`/^Resource::arn:\*:iam::[0-9]{12}:role\/\*$/`,
}

// suppressPipelineFindings records why cdk-nag findings on what CDK
// Pipelines generates do not apply, each scoped to the findings it answers.
func suppressPipelineFindings(pipe pipelines.CodePipeline) {
	hsconstructs.Suppress(pipe, "AwsSolutions-IAM5", pipelineGrantsReason, pipelineGrantFindings...)
	hsconstructs.Suppress(pipe, "AwsSolutions-S1", "The artifact bucket holds transient pipeline artifacts, encrypted with the pipeline key and reachable only by the pipeline's roles; CloudTrail records access.")
	// cfn-lint E3703 ("prefer Fn::Sub over Fn::Join with an empty
	// delimiter") flags the deploy actions' RoleArn that CDK Pipelines
	// writes; the Join is correct CloudFormation. Ignored on this resource
	// only.
	cfnPipeline := pipe.Pipeline().Node().DefaultChild().(awscdk.CfnResource)
	cfnPipeline.AddMetadata(jsii.String("cfn-lint"), map[string]any{"config": map[string]any{"ignore_checks": []string{"E3703"}}})
	for _, support := range *pipe.Pipeline().CrossRegionSupport() {
		hsconstructs.Suppress(support.ReplicationBucket, "AwsSolutions-S1", "The cross-region replication bucket of CodePipeline holds transient artifacts, encrypted, reachable only by the pipeline's roles.")
	}
}

// agentImageStep builds agent/ and pushes it to the hub repository as tag,
// skipping a tag that exists, and copies an existing tag into replica
// regions that lack it, with a role whose name the hub and replica
// repository policies trust.
func agentImageStep(stack awscdk.Stack, f *config.Fleet, source pipelines.IFileSetProducer, tag string) pipelines.Step {
	role := awsiam.NewRole(stack, jsii.String("AgentImageBuildRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(ImageBuildRoleName),
		Description: jsii.String("Builds the agent image and pushes it to the hub repository"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil),
	})
	repos := []string{RepositoryArn(f.Hub)}
	for _, r := range f.ReplicaRegions() {
		repos = append(repos, RepositoryArnIn(f.Hub, r))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(hsconstructs.PushActions...),
		Resources: jsii.Strings(repos...),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecr:GetAuthorizationToken"),
		Resources: jsii.Strings("*"),
	}))
	// The hub token, to ask the organization which agent to install and the
	// SHA-256 it publishes for it (tools/resolve-agent-package.sh); its key
	// only through Secrets Manager and by the token key's alias (the key id
	// is random). The hub's secret and key policies trust this role by name.
	secret := SecretPartialArn(f.Hub) + "-??????"
	tokenKeys := "arn:" + f.Hub.Partition() + ":kms:" + f.Hub.Region + ":" + f.Hub.Account + ":key/*"
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(secret),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:Decrypt"),
		Resources: jsii.Strings(tokenKeys),
		Conditions: &map[string]any{
			"StringEquals":             map[string]any{"kms:ViaService": "secretsmanager." + f.Hub.Region + ".amazonaws.com"},
			"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": TokenKeyAlias(f.Hub)},
		},
	}))
	hsconstructs.Suppress(role, "AwsSolutions-IAM5", pipelineGrantsReason, pipelineGrantFindings...)
	hsconstructs.Suppress(role, "AwsSolutions-IAM5", "The hub token secret by its name (Secrets Manager appends a random suffix), and its key by alias through Secrets Manager (the key id is random).",
		"Resource::"+secret, "Resource::"+tokenKeys)
	env := map[string]*string{
		"HUB_ACCOUNT": jsii.String(f.Hub.Account),
		"HUB_REGION":  jsii.String(f.Hub.Region),
		"REPO_NAME":   jsii.String(f.Hub.RepositoryName),
		"TAG":         jsii.String(tag),
		"FAIL_ON":     jsii.String(f.Image.FailOnSeverity),
		// A tag pushed before a replica region existed is copied there.
		"REPLICA_REGIONS": jsii.String(strings.Join(f.ReplicaRegions(), " ")),
		// The organization publishes its current agent and its SHA-256.
		"AZP_URL":         jsii.String(f.Agent.AzpURL),
		"TOKEN_SECRET_ID": jsii.String(SecretPartialArn(f.Hub)),
	}
	if f.Image.AgentVersion != "" {
		// A pin in the fleet file wins over what the organization offers.
		env["AGENT_VERSION"] = jsii.String(f.Image.AgentVersion)
		env["AGENT_SHA256"] = jsii.String(f.Image.AgentSHA256)
	}
	return pipelines.NewCodeBuildStep(jsii.String("BuildAgentImage"), &pipelines.CodeBuildStepProps{
		Input:    source,
		Commands: jsii.Strings("bash tools/publish-agent-image.sh"),
		Env:      &env,
		Role:     role,
		BuildEnvironment: &awscodebuild.BuildEnvironment{
			BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			Privileged: jsii.Bool(true), // docker build
		},
	})
}

// imageTagParameterArn is ImageTagParameter's ARN.
func imageTagParameterArn(p *config.Pipeline) string {
	return "arn:" + config.PartitionOf(p.Region) + ":ssm:" + p.Region + ":" + p.Account + ":parameter" + ImageTagParameter
}

// synthCommand is the synth step's synthesis: the first pipeline's computes
// the image tag (agent/ and the rebuild period at this moment) and builds
// it; each next pipeline's deploys the tag the first one recorded after
// building it, so every pipeline of one run deploys one image that exists.
func synthCommand(first bool, fleetPath string, group int) string {
	synth := "export PATH=/usr/local/go/bin:$PATH && make synth FLEET=" + fleetPath
	if first {
		return synth
	}
	return `{ IMAGE_TAG=$(aws ssm get-parameter --name ` + ImageTagParameter + ` --query Parameter.Value --output text) || ` +
		`{ echo "` + PipelineName(group) + ` deploys the agent image tag that ` + PipelineName(0) + ` built, recorded in the SSM parameter ` + ImageTagParameter +
		` when its AgentImage step succeeds: none is recorded; run ` + PipelineName(0) + ` first (aws codepipeline start-pipeline-execution --name ` + PipelineName(0) + `)" >&2; false; }; } && ` +
		`echo "deploying agent image $IMAGE_TAG (built by ` + PipelineName(0) + `)" && ` + synth + ` IMAGE_TAG="$IMAGE_TAG"`
}

// recordImageTagStep records tag in ImageTagParameter once the image step
// has pushed it (or found it pushed).
func recordImageTagStep(p *config.Pipeline, source pipelines.IFileSetProducer, tag string) pipelines.CodeBuildStep {
	return pipelines.NewCodeBuildStep(jsii.String("RecordImageTag"), &pipelines.CodeBuildStepProps{
		Input: source,
		Commands: jsii.Strings(`aws ssm put-parameter --name ` + ImageTagParameter + ` --type String --overwrite --value "$AGENT_IMAGE_TAG" ` +
			`--description "The agent image tag the pipeline built last: the next pipelines deploy it"`),
		Env: &map[string]*string{"AGENT_IMAGE_TAG": jsii.String(tag)},
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ssm:PutParameter"),
			Resources: jsii.Strings(imageTagParameterArn(p)),
		})},
	})
}

// verifyStep runs the smoke check (tools/verify-spokes.sh, then
// tools/smoke-check.sh) after a wave: each spoke's service is ACTIVE with its
// scheduled actions, and a check-only agent task pulls the image, gets the
// token and reaches Azure DevOps. It assumes each spoke's smoke-check role
// with the pipeline's verify role. One step per wave, not per spoke: a
// CodeBuild project per spoke would put hundreds of resources in the
// pipeline stack. The parallelism and the timeout follow the wave's size
// (config.VerifySizing), so a healthy wave of the largest size passes.
func verifyStep(wave string, spokes []config.Spoke, source pipelines.IFileSetProducer, role awsiam.IRole) pipelines.Step {
	var targets []string
	for _, s := range spokes {
		targets = append(targets, strings.Join([]string{s.Account, s.Region, ClusterName(s), ServiceName}, ":"))
	}
	parallel, timeout := config.VerifySizing(len(spokes))
	return pipelines.NewCodeBuildStep(jsii.String("Verify-"+wave), &pipelines.CodeBuildStepProps{
		Input:    source,
		Commands: jsii.Strings("bash tools/verify-spokes.sh"),
		Env:      &map[string]*string{"SPOKES": jsii.String(strings.Join(targets, " ")), "PARALLEL": jsii.String(fmt.Sprint(parallel))},
		Role:     role,
		Timeout:  awscdk.Duration_Minutes(jsii.Number(float64(timeout))),
	})
}

// newVerifyRole is the role every wave's verification runs as: it may assume
// the spokes' smoke-check roles (by name pattern; each spoke trusts this
// role by name).
func newVerifyRole(stack awscdk.Stack, f *config.Fleet, group int) awsiam.Role {
	checkRoles := RoleArn(config.PartitionOf(f.Pipeline.Region), "*", rolePrefix+"*-smoke")
	name := VerifyRoleName
	if group > 0 {
		name = fmt.Sprintf("%s-%d", VerifyRoleName, group+1)
	}
	role := awsiam.NewRole(stack, jsii.String("VerifyRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(name),
		Description: jsii.String("Runs the smoke check of each wave's spokes"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(checkRoles),
	}))
	hsconstructs.Suppress(role, "AwsSolutions-IAM5", "The spokes' smoke-check roles, one per spoke account, by their name pattern: each trusts this role by name.",
		"Resource::"+checkRoles)
	return role
}

func spokeNames(spokes []config.Spoke) string {
	var names []string
	for _, s := range spokes {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
