package config

import (
	"fmt"
	_ "time/tzdata" // time zones must resolve the same on every machine

	"hubspoke-cdk/schedule"
)

// Defaults applied when the fleet file leaves a value out.
const (
	DefaultTagMutability      = "IMMUTABLE"
	DefaultImagesKept         = 30
	DefaultRepositoryName     = "hubspoke/build-agent"
	DefaultSecretName         = "hubspoke/agent-token"
	DefaultCPU                = 1024
	DefaultMemoryMiB          = 2048
	DefaultPool               = "Default"
	DefaultLogRetentionDays   = 30
	DefaultStopTimeoutSeconds = 120
	DefaultMaxJobMinutes      = 120
	// DefaultMaxSpokesPerPipeline keeps each pipeline well inside its AWS
	// limits (about 380 spokes); larger fleets get more pipelines.
	DefaultMaxSpokesPerPipeline = 300
	DefaultShortfallMinutes     = 10
	DefaultRebuild              = "weekly"
	DefaultFailOnSeverity       = "CRITICAL"
	DefaultTimeZone             = "UTC"
	DefaultScaleUpAt            = "07:00"
	DefaultWeekdayCapacity      = 2
	DefaultScaleDownAt          = "19:00"
	DefaultNightCapacity        = 0
	DefaultRefreshAt            = "00:00"
	DefaultRestoreAfter         = 5
	DefaultWeekendCapacity      = 0
	// DefaultAutoWeeks, DefaultAutoPercentile: an automatic standby reads
	// three weeks, as Azure Managed DevOps Pools' does, and keeps ready
	// what all but the busiest of those weeks needed in the hour.
	DefaultAutoWeeks      = 3
	DefaultAutoPercentile = 90
	DefaultWave           = "default"
	// MaxSpokes is the most spokes one fleet file carries.
	MaxSpokes = 2000
)

func resolve(source string, ff *fleetFile, c *collector) *Fleet {
	f := &Fleet{Source: source}
	f.Hub = resolveHub(ff.Hub, c)

	base := Agent{
		CPU: DefaultCPU, MemoryMiB: DefaultMemoryMiB, Pool: DefaultPool,
		LogRetentionDays: DefaultLogRetentionDays, StopTimeoutSeconds: DefaultStopTimeoutSeconds,
		MaxJobMinutes: DefaultMaxJobMinutes,
	}
	agentOrigin := map[string]string{}
	f.Agent = mergeAgent(base, &ff.Agent, "agent", agentOrigin)
	f.Image = resolveImage(c, ff.Image)
	f.Alerts = resolveAlerts(c, Alerts{ShortfallMinutes: DefaultShortfallMinutes}, ff.Alerts, "alerts")
	checkNoImageTag(c, &ff.Agent, "agent")
	if ff.Agent.AzpURL == nil {
		c.add("agent.azpUrl", "missing: set the Azure DevOps organization URL, e.g. azpUrl: https://dev.azure.com/your-org")
	}

	sched := Schedule{
		TimeZone: DefaultTimeZone, ScaleUpAt: DefaultScaleUpAt, WeekdayCapacity: DefaultWeekdayCapacity,
		ScaleDownAt: DefaultScaleDownAt, NightCapacity: DefaultNightCapacity, RefreshAt: DefaultRefreshAt,
		RestoreAfterMinutes: DefaultRestoreAfter, WeekendCapacity: DefaultWeekendCapacity,
		WorkHoursMax: unsetMax, OffHoursMax: unsetMax,
		Standby: DefaultStandby, AutoWeeks: DefaultAutoWeeks, AutoPercentile: DefaultAutoPercentile,
	}
	schedOrigin := map[string]string{}
	f.Schedule = mergeSchedule(sched, &ff.Schedule, "schedule", schedOrigin)

	if len(ff.Spokes) == 0 {
		c.add("spokes", "no spokes: list at least one spoke account under spokes:")
	}
	if len(ff.Spokes) > MaxSpokes {
		c.add("spokes", "%d spokes, over the %d one fleet file carries: split the fleet into fleet files with a hub each", len(ff.Spokes), MaxSpokes)
		return f
	}
	names := map[string]int{}
	places := map[string]int{}
	for i, sf := range ff.Spokes {
		p := fmt.Sprintf("spokes[%d]", i)
		s := Spoke{Name: sf.Name, Account: sf.Account, Region: sf.Region, Wave: sf.Wave}
		if s.Wave == "" {
			s.Wave = DefaultWave
		}
		checkSpokeName(c, p+".name", s.Name)
		if j, dup := names[s.Name]; dup && s.Name != "" {
			c.add(p+".name", "duplicate spoke name %q (also spokes[%d]); names become stack and role names and must be unique", s.Name, j)
		} else {
			names[s.Name] = i
		}
		checkAccount(c, p+".account", s.Account)
		checkRegion(c, p+".region", s.Region)
		if s.Account != "" && s.Account == f.Hub.Account {
			c.add(p+".account", "%s is the hub account: the hub holds the fleet's token, and a spoke there would let the hub account's own principals act as agents (the trust design and its access checks assume separate accounts); run agents in an account of their own", s.Account)
		}
		if s.Region != "" && f.Hub.Region != "" && PartitionOf(s.Region) != PartitionOf(f.Hub.Region) {
			c.add(p+".region", "%q is in partition %s but the hub is in %s; cross-partition trust is impossible, use a hub in the same partition", s.Region, PartitionOf(s.Region), PartitionOf(f.Hub.Region))
		}
		key := s.Account + "/" + s.Region
		if j, dup := places[key]; dup && s.Account != "" && s.Region != "" {
			c.add(p, "account %s in %s is already spokes[%d]; one spoke per account and region (raise its capacity instead)", s.Account, s.Region, j)
		} else {
			places[key] = i
		}
		if !waveNameRe.MatchString(s.Wave) {
			c.add(p+".wave", "%q is not a wave name: use lower-case letters, digits and '-', starting with a letter", s.Wave)
		}
		s.Network = resolveNetwork(c, p+".network", sf.Network, s.Region)

		checkNoImageTag(c, sf.Agent, p+".agent")
		ao := copyMap(agentOrigin)
		s.Agent = mergeAgent(f.Agent, sf.Agent, p+".agent", ao)
		checkAgent(c, s.Agent, ao)
		so := copyMap(schedOrigin)
		s.Schedule = mergeSchedule(f.Schedule, sf.Schedule, p+".schedule", so)
		s.Schedule = checkSchedule(c, s.Schedule, so, s.Name)
		s.Alerts = resolveAlerts(c, f.Alerts, sf.Alerts, p+".alerts")
		f.Spokes = append(f.Spokes, s)
	}
	if len(ff.Spokes) == 0 {
		checkAgent(c, f.Agent, agentOrigin)
		f.Schedule = checkSchedule(c, f.Schedule, schedOrigin, "")
	}
	checkHubPolicyLimits(c, f)
	if n := len(f.ReplicaRegions()); n > MaxReplicaRegions {
		c.add("hub", "spokes in %d regions besides the hub's: ECR replicates to at most %d; set replicateImages: false (spokes pull across regions) or use fewer regions", n, MaxReplicaRegions)
	}
	if ff.Pipeline != nil {
		f.Pipeline = resolvePipeline(c, ff.Pipeline, f)
		checkPipelineLimits(c, f)
	}
	return f
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setStr(dst *string, v *string, path, key string, origin map[string]string) {
	if v != nil {
		*dst = *v
		origin[key] = path
	}
}

func setInt(dst *int, v *int, path, key string, origin map[string]string) {
	if v != nil {
		*dst = *v
		origin[key] = path
	}
}

// at returns where a field was set: the override, else the defaults section.
func at(origin map[string]string, section, key string) string {
	if p, ok := origin[key]; ok {
		return p
	}
	return section + "." + key
}

// DefaultStandby of a spoke following demand: one idle agent ready in
// working hours, none at night and at weekends (docs/demand.md has the
// measured waits and costs).
var DefaultStandby = schedule.Standby{WorkHours: 1}
