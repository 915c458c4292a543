package config

import (
	"fmt"
	"math"
	"sort"
)

// AWS limits a CDK Pipelines pipeline meets as the fleet grows, and the
// app's measured model of its own templates (test/pipeline_limits_test.go
// synthesizes pipelines and checks that each estimate is at or above what
// is synthesized, and close to it).
const (
	TemplateLimit       = 1_000_000 // CloudFormation template size, bytes (from S3)
	ResourceLimit       = 500       // resources in one template
	BucketPolicyLimit   = 20_480    // S3 bucket policy, bytes
	KeyPolicyLimit      = 32_768    // KMS key policy, bytes
	StageLimit          = 50        // stages in one pipeline
	ManagedPolicyLimit  = 10        // managed policies per IAM role (IAM's default quota)
	ActionsPerStage     = 50        // CodePipeline actions in one stage (CDK splits a wave beyond it)
	pipelineFixedStages = 6         // Source, Build, UpdatePipeline, Assets, Hub, AgentImage

	// Measured: bytes of the pipeline template without spokes or waves, per
	// wave (a verify project, stage names), per region other than the
	// pipeline's (a support stack's replication bucket and key), and per
	// spoke (its Prepare and Deploy actions, its deploy role in the
	// pipeline role's policy and, in the pipeline's own region, in the
	// artifact bucket and key policies of the same template).
	templateBase           = 42_800 // +900: the image step's organization look-up (env, secret read)
	templatePerWave        = 2_790
	templatePerOtherRegion = 570
	templatePerHomeSpoke   = 3_010
	templatePerOtherSpoke  = 2_535
	// Organization mode: the artifact stores trust the organization's
	// deploy roles by pattern, so no deploy role is listed in the pipeline
	// template's bucket and key policies.
	orgTemplateBase           = 43_900
	orgTemplatePerWave        = 2_760
	orgTemplatePerOtherRegion = 520
	orgTemplatePerHomeSpoke   = 2_460
	orgTemplatePerOtherSpoke  = 2_530
	// The hub stage deploys a HubReplica-<region> stack per replica region
	// before the hub (first pipeline only).
	templatePerReplica = 2_350
	// The first pipeline's RecordImageTag step (a CodeBuild project, its
	// role and policy, its action): measured 5,470-5,630 bytes.
	templateRecordTag     = 5_700
	resourcesRecordTag    = 3
	orgTemplatePerReplica = 2_400
	orgBucketPolicy       = 950
	orgKeyPolicy          = 1_000
	resourcesBase         = 28
	resourcesPerWave      = 2
	// Measured: CDK moves the pipeline role's statements into managed
	// policies as they grow, about one per 40 spokes (rounded up here).
	managedPoliciesPer100Spokes = 2.6
	// Measured: the artifact bucket and key policies of a region without
	// deploy roles (resolved, compact JSON), plus each account's deploy role
	// ARN listed once (quoted, with a comma).
	bucketPolicyBase = 700
	keyPolicyBase    = 600
)

// PipelineEstimate is the model's size of a fleet's pipeline.
type PipelineEstimate struct {
	TemplateBytes int
	Resources     int
	Stages        int
	// ManagedPolicies on the pipeline role.
	ManagedPolicies int
	// BucketPolicyBytes and KeyPolicyBytes per region: the pipeline's own
	// region and each other region a spoke is in (a support stack each).
	BucketPolicyBytes map[string]int
	KeyPolicyBytes    map[string]int
}

// EstimatePipeline models the pipeline of a fleet (which must have one).
func EstimatePipeline(f *Fleet) PipelineEstimate {
	return estimatePipeline(f, true, f.ReplicaRegions())
}

// estimatePipeline models a pipeline of f whose hub stage deploys the
// replicas in replicas (none in the pipelines after the first); the first
// also records the image tag.
func estimatePipeline(f *Fleet, first bool, replicas []string) PipelineEstimate {
	e := PipelineEstimate{BucketPolicyBytes: map[string]int{}, KeyPolicyBytes: map[string]int{}}
	waves := f.Waves()
	base, perWave, perRegion, perHome, perOther := templateBase, templatePerWave, templatePerOtherRegion, templatePerHomeSpoke, templatePerOtherSpoke
	if f.OrganizationMode() {
		base, perWave, perRegion, perHome, perOther = orgTemplateBase, orgTemplatePerWave, orgTemplatePerOtherRegion, orgTemplatePerHomeSpoke, orgTemplatePerOtherSpoke
	}
	e.TemplateBytes = base + perWave*len(waves)
	otherRegions := map[string]bool{}
	for _, s := range f.Spokes {
		if s.Region == f.Pipeline.Region {
			e.TemplateBytes += perHome
		} else {
			e.TemplateBytes += perOther
			otherRegions[s.Region] = true
		}
	}
	e.TemplateBytes += perRegion * len(otherRegions)
	if f.OrganizationMode() {
		e.TemplateBytes += orgTemplatePerReplica * len(replicas)
	} else {
		e.TemplateBytes += templatePerReplica * len(replicas)
	}
	e.ManagedPolicies = int(math.Ceil(managedPoliciesPer100Spokes * float64(len(f.Spokes)) / 100))
	e.Resources = resourcesBase + resourcesPerWave*len(waves) + e.ManagedPolicies
	if first {
		e.TemplateBytes += templateRecordTag
		e.Resources += resourcesRecordTag
	}
	// The hub stage: Prepare and Deploy for the hub and each replica; CDK
	// splits a stage at 50 actions.
	e.Stages = pipelineFixedStages + (2+2*len(replicas)-1)/ActionsPerStage
	approvals := map[string]bool{}
	for _, w := range f.Pipeline.Waves {
		approvals[w.Name] = w.ManualApproval
	}
	for _, w := range waves {
		actions := 2*len(f.SpokesInWave(w)) + 1 // Prepare + Deploy per spoke, Verify
		if approvals[w] {
			actions++
		}
		e.Stages += (actions + ActionsPerStage - 1) / ActionsPerStage
	}
	// Each region's artifact bucket and key list the CDK deploy role of
	// every account the pipeline deploys to in that region (hub included).
	accounts := map[string]map[string]bool{f.Hub.Region: {f.Hub.Account: true}}
	for _, s := range f.Spokes {
		if accounts[s.Region] == nil {
			accounts[s.Region] = map[string]bool{}
		}
		accounts[s.Region][s.Account] = true
	}
	for region, accts := range accounts {
		if f.OrganizationMode() {
			e.BucketPolicyBytes[region], e.KeyPolicyBytes[region] = orgBucketPolicy, orgKeyPolicy
			continue
		}
		roles := 0
		for a := range accts {
			roles += len(deployRoleArn(a, region)) + 3
		}
		e.BucketPolicyBytes[region] = bucketPolicyBase + roles
		e.KeyPolicyBytes[region] = keyPolicyBase + roles
	}
	return e
}

func deployRoleArn(account, region string) string {
	return "arn:" + PartitionOf(region) + ":iam::" + account + ":role/cdk-hnb659fds-deploy-role-" + account + "-" + region
}

// checkPipelineLimits rejects a fleet whose pipeline would break an AWS
// limit, naming the limit, the estimate and about how many spokes fit.
func checkPipelineLimits(c *collector, f *Fleet) {
	if f.Pipeline == nil || len(f.Spokes) == 0 {
		return
	}
	for i, g := range f.PipelineGroups() {
		group := GroupFleet(f, g)
		var replicas []string
		if i == 0 { // only the first pipeline deploys the hub and its replicas
			replicas = f.ReplicaRegions()
		}
		checkEstimate(c, group, estimatePipeline(group, i == 0, replicas))
	}
}

// GroupFleet is f as one pipeline of its groups sees it: those waves and
// their spokes.
func GroupFleet(f *Fleet, waves []Wave) *Fleet {
	g := *f
	p := *f.Pipeline
	p.Waves = waves
	g.Pipeline = &p
	g.Spokes = nil
	for _, w := range waves {
		g.Spokes = append(g.Spokes, f.SpokesInWave(w.Name)...)
	}
	return &g
}

// checkEstimate reports each limit e passes.
func checkEstimate(c *collector, f *Fleet, e PipelineEstimate) {
	perSpoke := func(budget, base, each int) int { return (budget - base) / each }
	if e.TemplateBytes > TemplateLimit {
		fit := len(f.Spokes) * (TemplateLimit - templateBase) / (e.TemplateBytes - templateBase)
		c.add("spokes", "%d spokes make a pipeline template of about %d bytes, over CloudFormation's %d (one pipeline carries about %d spokes spread like these; in organization mode about 388 in its own region, 380 over four regions); deploy the rest with `cdk deploy`, or split the fleet into fleet files with a pipeline each",
			len(f.Spokes), e.TemplateBytes, TemplateLimit, fit)
	}
	if e.Resources > ResourceLimit {
		c.add("pipeline.waves", "%d waves make %d resources in the pipeline stack, over CloudFormation's %d", len(f.Waves()), e.Resources, ResourceLimit)
	}
	if e.ManagedPolicies > ManagedPolicyLimit {
		c.add("spokes", "%d spokes need about %d managed policies on the pipeline role, over IAM's default of %d per role (about 380 spokes fit); split the fleet into fleet files with a pipeline each", len(f.Spokes), e.ManagedPolicies, ManagedPolicyLimit)
	}
	if e.Stages > StageLimit {
		c.add("pipeline.waves", "the pipeline would have %d stages, over CodePipeline's %d (each wave takes one stage per 25 spokes); use fewer, larger waves", e.Stages, StageLimit)
	}
	regions := make([]string, 0, len(e.BucketPolicyBytes))
	for r := range e.BucketPolicyBytes {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		each := len(deployRoleArn("111111111111", r)) + 3
		if b := e.BucketPolicyBytes[r]; b > BucketPolicyLimit {
			c.add("spokes", "%s", fmt.Sprintf("the pipeline's artifact bucket in %s would list the deploy roles of %d accounts: a bucket policy of about %d bytes, over S3's %d (about %d accounts per region fit); move spokes to other regions or deploy some with `cdk deploy`",
				r, (b-bucketPolicyBase)/each, b, BucketPolicyLimit, perSpoke(BucketPolicyLimit, bucketPolicyBase, each)))
		}
		if k := e.KeyPolicyBytes[r]; k > KeyPolicyLimit {
			c.add("spokes", "the pipeline's artifact key in %s would have a key policy of about %d bytes, over KMS's %d", r, k, KeyPolicyLimit)
		}
	}
}

// The verify step after each wave (tools/verify-spokes.sh, then
// tools/smoke-check.sh) checks its spokes VerifyParallel at a time. Its
// model of a healthy spoke at worst: a check of VerifyCheckMinutes (assume
// the spoke's role, RunTask, Fargate start and image pull, the agent's
// check, stop: 2-4 minutes), then one retry after a secret retrieval
// failure right after the hub's first deploy (smoke-check.sh waits
// RETRY_AFTER_SECONDS, 120, and checks again).
const (
	VerifyCheckMinutes     = 4
	VerifyRetryWaitMinutes = 2
	VerifySpokeMinutes     = VerifyCheckMinutes + VerifyRetryWaitMinutes + VerifyCheckMinutes // 10
	// VerifyStartMinutes: CodeBuild's queue and provisioning, the source
	// download, and margin.
	VerifyStartMinutes = 10
	// VerifyMaxParallel spokes at a time: each in flight holds an AWS CLI
	// waiter (a Python process of about 100 MB) on CodeBuild's default
	// small machine (3 GB, 2 vCPUs).
	VerifyMaxParallel = 25
	// VerifyMinTimeoutMinutes is the least a verify step gets (CodeBuild's
	// default).
	VerifyMinTimeoutMinutes = 60
	// VerifyTimeoutLimitMinutes: CodePipeline runs a build action for at
	// most 8 hours (CodeBuild itself allows 5-2160 minutes).
	VerifyTimeoutLimitMinutes = 480
)

// VerifySizing is the parallelism and the timeout (minutes) of the verify
// step of a wave of n spokes: min(n, VerifyMaxParallel) at a time, and
// enough time for ceil(n / parallel) spokes one after another each at the
// healthy worst, after the start, rounded up to 5 minutes; at least
// VerifyMinTimeoutMinutes. 380 spokes (the largest wave): 25 at a time,
// 16 × 10 + 10 = 170 minutes.
func VerifySizing(n int) (parallel, timeoutMinutes int) {
	parallel = max(1, min(n, VerifyMaxParallel))
	rounds := (n + parallel - 1) / parallel
	timeoutMinutes = VerifyStartMinutes + rounds*VerifySpokeMinutes
	timeoutMinutes = (timeoutMinutes + 4) / 5 * 5
	return parallel, max(timeoutMinutes, VerifyMinTimeoutMinutes)
}

// checkVerifySizing rejects a wave whose verification would need longer
// than a pipeline action may run.
func checkVerifySizing(c *collector, path, wave string, n int) {
	parallel, timeout := VerifySizing(n)
	if timeout > VerifyTimeoutLimitMinutes {
		c.add(path, "wave %q has %d spokes: its verification (%d at a time, up to %d minutes each) needs about %d minutes, over CodePipeline's %d for an action; split it into waves of at most %d spokes",
			wave, n, parallel, VerifySpokeMinutes, timeout, VerifyTimeoutLimitMinutes, (VerifyTimeoutLimitMinutes-VerifyStartMinutes)/VerifySpokeMinutes*VerifyMaxParallel)
	}
}
