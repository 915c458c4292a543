// Package config loads and validates the fleet file: one hub account and the
// spoke accounts that run build agents. It knows nothing about CDK; stacks turn
// a validated Fleet into constructs.
package config

import (
	"sort"

	"hubspoke-cdk/schedule"
)

// Fleet is a validated fleet file with every default applied.
type Fleet struct {
	// Source is the path the fleet was read from, used in messages.
	Source string
	Hub    Hub
	// Agent and Schedule are the fleet-wide defaults; each Spoke carries the
	// resolved copy with its own overrides applied.
	Agent    Agent
	Schedule Schedule
	Image    Image
	Alerts   Alerts
	Spokes   []Spoke
	// Pipeline is the CDK Pipelines delivery path; nil when the fleet file
	// has no pipeline section.
	Pipeline *Pipeline
}

// Pipeline configures the self-mutating pipeline that deploys the fleet.
type Pipeline struct {
	Account, Region string // the tooling account; default: the hub's
	ConnectionArn   string // CodeStar/CodeConnections connection to the source
	Repository      string // owner/name of the repository holding this app
	Branch          string // default: main
	Waves           []Wave // deployment order of the spokes' waves
	// MaxSpokesPerPipeline splits the waves, in order, over pipelines that
	// each carry at most this many spokes and run one after the other.
	MaxSpokesPerPipeline int
}

// Groups are the waves of each pipeline, in order: a new pipeline starts
// when the next wave would take the current one over MaxSpokesPerPipeline.
func (f *Fleet) PipelineGroups() [][]Wave {
	if f.Pipeline == nil {
		return nil
	}
	var out [][]Wave
	var cur []Wave
	n := 0
	for _, w := range f.Pipeline.Waves {
		k := len(f.SpokesInWave(w.Name))
		if len(cur) > 0 && n+k > f.Pipeline.MaxSpokesPerPipeline {
			out, cur, n = append(out, cur), nil, 0
		}
		cur, n = append(cur, w), n+k
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Wave is a group of spokes deployed in parallel.
type Wave struct {
	Name           string
	ManualApproval bool // a person approves before the wave starts
}

// Hub is the account that owns the agent image repository and the agent token.
type Hub struct {
	Account        string
	Region         string
	RepositoryName string
	// TagMutability is IMMUTABLE (default) or MUTABLE.
	TagMutability string
	// ImagesKept is how many images the lifecycle rule keeps (default 30).
	ImagesKept int
	SecretName string
	// OrganizationID switches the hub policies to organization mode (o-...).
	// Empty means account mode: every spoke account and role is listed.
	OrganizationID string
	// OrganizationalUnits (OU mode) limit organization mode to principals
	// in these OUs or below them: paths such as
	// o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/.
	OrganizationalUnits []string
	// ReplicateImages replicates the agent image into every other region
	// that has spokes (registry replication into the hub account), so each
	// spoke pulls in its own region. Default: true.
	ReplicateImages bool
	// GitHubActions, when set, lets GitHub Actions of that repository and
	// branch push agent images to the repository (OIDC, no stored keys).
	GitHubActions *GitHubActions
	// AgentToken is where the token in the hub secret comes from.
	AgentToken AgentTokenSource
}

// GitHubActions names the GitHub repository and branch trusted to push.
type GitHubActions struct {
	Repository string // owner/name
	Branch     string // default: main
}

// Partition is the AWS partition of the hub region (aws, aws-cn, aws-us-gov).
func (h Hub) Partition() string { return PartitionOf(h.Region) }

// ReplicaRegions are the regions, other than the hub's, that have spokes and
// get a replica of the agent repository (none when ReplicateImages is off),
// sorted.
func (f *Fleet) ReplicaRegions() []string {
	if !f.Hub.ReplicateImages {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range f.Spokes {
		if s.Region != f.Hub.Region && !seen[s.Region] {
			seen[s.Region] = true
			out = append(out, s.Region)
		}
	}
	sort.Strings(out)
	return out
}

// ImageRegion is the region a spoke pulls the agent image from: its own when
// it has a replica, else the hub's.
func (f *Fleet) ImageRegion(s Spoke) string {
	if f.Hub.ReplicateImages {
		return s.Region
	}
	return f.Hub.Region
}

// Alerts says who hears about a spoke whose agents cannot start or run.
type Alerts struct {
	// Emails subscribe to the spoke's alarm topic.
	Emails []string
	// ShortfallMinutes: fewer agents than scheduled for this long alarms.
	ShortfallMinutes int
}

// Image says how the agent image is kept patched. Its tag is not in the
// fleet file: it is computed from agent/ and the rebuild period, the same for
// `cdk deploy` and the pipeline (stacks.AgentImageTag).
type Image struct {
	// Rebuild is daily, weekly (default) or monthly: a new image and tag
	// each period; the pipeline starts itself at the period's start.
	Rebuild string
	// FailOnSeverity is CRITICAL (default) or HIGH: scan findings of that
	// severity or worse stop the rollout.
	FailOnSeverity string
	// AgentVersion and AgentSHA256 pin the Azure Pipelines agent release
	// the image build installs and the SHA-256 of its linux-x64 tarball.
	// Default: both empty: each build takes the release the organization
	// offers then, checked against the SHA-256 it publishes.
	AgentVersion, AgentSHA256 string
}

// Agent describes the build-agent task.
type Agent struct {
	// MaxJobMinutes is how long a running job protects its task from
	// scale-in (ECS task protection expiry, 1-2880).
	MaxJobMinutes int
	// Spot runs agents above SpotOnDemandBase on Fargate Spot.
	Spot               bool
	SpotOnDemandBase   int
	CPU                int // Fargate CPU units, e.g. 1024
	MemoryMiB          int // Fargate memory in MiB, e.g. 2048
	AzpURL             string
	Pool               string
	LogRetentionDays   int
	StopTimeoutSeconds int
}

// Schedule is a weekly capacity plan in one IANA time zone.
type Schedule struct {
	TimeZone            string
	ScaleUpAt           string // HH:MM on weekdays
	WeekdayCapacity     int
	ScaleDownAt         string // HH:MM on weekdays
	NightCapacity       int
	RefreshAt           string // HH:MM every day: capacity goes to 0
	RestoreAfterMinutes int    // minutes after RefreshAt the capacity comes back
	WeekendCapacity     int
	// Demand makes the capacities above floors; between a floor and its
	// ceiling (WorkHoursMax from scale-up to scale-down on weekdays,
	// OffHoursMax otherwise) the agents follow the pool's jobs.
	Demand       bool
	WorkHoursMax int // default: twice WeekdayCapacity
	OffHoursMax  int // default: the larger of 1, NightCapacity and WeekendCapacity
	// Standby idle agents above the busy ones per window (demand only).
	// Default: DefaultStandby.
	Standby schedule.Standby
	// Auto sizes the agents ready per hour of the week from the spoke's
	// history (demand.standby.auto). Default: off; with an auto section,
	// DefaultAutoWeeks and DefaultAutoPercentile.
	Auto                      bool
	AutoWeeks, AutoPercentile int

	// The times, parsed once by validation.
	scaleUp, scaleDown, refresh schedule.Clock
}

// Week is the schedule model of a validated schedule (a spoke's): the one
// source of the scheduled actions the stacks emit and the preview simulates.
func (s Schedule) Week() schedule.Week {
	w := schedule.Week{
		TimeZone: s.TimeZone, ScaleUp: s.scaleUp, ScaleDown: s.scaleDown, Refresh: s.refresh,
		RestoreAfter: s.RestoreAfterMinutes,
		Weekday:      s.WeekdayCapacity, Night: s.NightCapacity, Weekend: s.WeekendCapacity,
	}
	if s.Demand {
		w.Demand = &schedule.Demand{WorkHoursMax: s.WorkHoursMax, OffHoursMax: s.OffHoursMax, Standby: s.Standby}
		if s.Auto {
			w.Demand.Auto = &schedule.AutoStandby{Weeks: s.AutoWeeks, Percentile: s.AutoPercentile}
		}
	}
	return w
}

// Spoke is one account/region that runs agents.
type Spoke struct {
	Name     string
	Account  string
	Region   string
	Wave     string
	Network  Network
	Agent    Agent
	Schedule Schedule
	Alerts   Alerts
}

// Network says where agent tasks run: existing subnets, or a new small VPC.
type Network struct {
	// Existing network, all given by id (no lookups at synth time).
	VpcID            string
	SubnetIDs        []string
	SecurityGroupIDs []string
	AssignPublicIP   bool
	// CreateVpcCidr, when set, creates a VPC with one public subnet in each
	// of AvailabilityZones (default: the region's "a" and "b" zones).
	CreateVpcCidr     string
	AvailabilityZones []string
}

// Creates reports whether the spoke creates its own VPC.
func (n Network) Creates() bool { return n.CreateVpcCidr != "" }

// Waves lists the wave names in deployment order: the pipeline's order when
// there is a pipeline, else the order they first appear in the file.
func (f *Fleet) Waves() []string {
	var out []string
	if f.Pipeline != nil {
		for _, w := range f.Pipeline.Waves {
			out = append(out, w.Name)
		}
		return out
	}
	seen := map[string]bool{}
	for _, s := range f.Spokes {
		if !seen[s.Wave] {
			seen[s.Wave] = true
			out = append(out, s.Wave)
		}
	}
	return out
}

// SpokesInWave lists the spokes of a wave in file order.
func (f *Fleet) SpokesInWave(wave string) []Spoke {
	var out []Spoke
	for _, s := range f.Spokes {
		if s.Wave == wave {
			out = append(out, s)
		}
	}
	return out
}

// OrganizationMode reports whether hub policies trust the whole organization.
func (f *Fleet) OrganizationMode() bool { return f.Hub.OrganizationID != "" }
