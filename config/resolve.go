package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must resolve the same on every machine

	"hubspoke/schedule"
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
	DefaultShortfallMinutes   = 10
	DefaultRebuild            = "weekly"
	DefaultFailOnSeverity     = "CRITICAL"
	DefaultTimeZone           = "UTC"
	DefaultScaleUpAt          = "07:00"
	DefaultWeekdayCapacity    = 2
	DefaultScaleDownAt        = "19:00"
	DefaultNightCapacity      = 0
	DefaultRefreshAt          = "00:00"
	DefaultRestoreAfter       = 5
	DefaultWeekendCapacity    = 0
	DefaultWave               = "default"
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
	}
	schedOrigin := map[string]string{}
	f.Schedule = mergeSchedule(sched, &ff.Schedule, "schedule", schedOrigin)

	if len(ff.Spokes) == 0 {
		c.add("spokes", "no spokes: list at least one spoke account under spokes:")
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
		checkSchedule(c, s.Schedule, so)
		s.Alerts = resolveAlerts(c, f.Alerts, sf.Alerts, p+".alerts")
		f.Spokes = append(f.Spokes, s)
	}
	if len(ff.Spokes) == 0 {
		checkAgent(c, f.Agent, agentOrigin)
		checkSchedule(c, f.Schedule, schedOrigin)
	}
	if ff.Pipeline != nil {
		f.Pipeline = resolvePipeline(c, ff.Pipeline, f)
		checkPipelineLimits(c, f)
	}
	return f
}

// resolveAlerts applies a (fleet or spoke) alerts section over base: emails
// listed replace the base's.
func resolveAlerts(c *collector, base Alerts, a *alertsFile, path string) Alerts {
	if a == nil {
		return base
	}
	if a.Emails != nil {
		base.Emails = a.Emails
		for i, e := range a.Emails {
			if !emailRe.MatchString(e) {
				c.add(fmt.Sprintf("%s.emails[%d]", path, i), "%q is not an email address such as platform-team@example.com", e)
			}
		}
	}
	if a.ShortfallMinutes != nil {
		base.ShortfallMinutes = *a.ShortfallMinutes
		if base.ShortfallMinutes < 3 || base.ShortfallMinutes > 60 {
			c.add(path+".shortfallMinutes", "%d: use 3 to 60 minutes (tasks take a minute or two to start; an hour is the most an alarm should wait)", base.ShortfallMinutes)
		}
	}
	return base
}

// checkNoImageTag rejects the imageTag of earlier fleet files: one tag for
// both delivery paths is computed, never typed.
func checkNoImageTag(c *collector, a *agentFile, path string) {
	if a != nil && a.ImageTag != nil {
		c.add(path+".imageTag", "remove this line: the agent image tag is computed from agent/ and image.rebuild (the same for `cdk deploy` and the pipeline); `hubspoke image-tag` prints it")
	}
}

func resolveImage(c *collector, f *imageFile) Image {
	img := Image{Rebuild: DefaultRebuild, FailOnSeverity: DefaultFailOnSeverity}
	if f == nil {
		return img
	}
	if f.Rebuild != nil {
		img.Rebuild = *f.Rebuild
	}
	if f.FailOnSeverity != nil {
		img.FailOnSeverity = *f.FailOnSeverity
	}
	if !slices.Contains([]string{"daily", "weekly", "monthly"}, img.Rebuild) {
		c.add("image.rebuild", "%q: use daily, weekly or monthly (a new, patched image and tag each period)", img.Rebuild)
	}
	if img.FailOnSeverity != "CRITICAL" && img.FailOnSeverity != "HIGH" {
		c.add("image.failOnSeverity", "%q: use CRITICAL (stop the rollout on critical findings) or HIGH (on high or critical)", img.FailOnSeverity)
	}
	return img
}

func resolvePipeline(c *collector, pf *pipelineFile, f *Fleet) *Pipeline {
	p := &Pipeline{Account: pf.Account, Region: pf.Region, ConnectionArn: pf.ConnectionArn, Repository: pf.Repository, Branch: pf.Branch}
	if p.Account == "" {
		p.Account = f.Hub.Account
	} else {
		checkAccount(c, "pipeline.account", p.Account)
	}
	if p.Region == "" {
		p.Region = f.Hub.Region
	} else {
		checkRegion(c, "pipeline.region", p.Region)
	}
	if p.Branch == "" {
		p.Branch = "main"
	}
	if !connectionRe.MatchString(p.ConnectionArn) {
		c.add("pipeline.connectionArn", "%q is not a CodeConnections connection ARN such as arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef", p.ConnectionArn)
	}
	if !gitRepoRe.MatchString(p.Repository) {
		c.add("pipeline.repository", "%q is not owner/name of the repository holding this app", p.Repository)
	}
	if !branchRe.MatchString(p.Branch) {
		c.add("pipeline.branch", "%q is not a branch name", p.Branch)
	}
	if len(pf.Waves) == 0 {
		c.add("pipeline.waves", "missing: list the waves in deployment order, e.g. [{name: dev}, {name: prod, manualApproval: true}]")
	}
	listed := map[string]bool{}
	for i, w := range pf.Waves {
		path := fmt.Sprintf("pipeline.waves[%d].name", i)
		switch {
		case !waveNameRe.MatchString(w.Name):
			c.add(path, "%q is not a wave name: use lower-case letters, digits and '-', starting with a letter", w.Name)
		case listed[w.Name]:
			c.add(path, "wave %q is listed twice", w.Name)
		case len(f.SpokesInWave(w.Name)) == 0:
			c.add(path, "wave %q has no spokes; remove it or set a spoke's wave to it", w.Name)
		}
		listed[w.Name] = true
		p.Waves = append(p.Waves, Wave(w))
	}
	for i, s := range f.Spokes {
		if !listed[s.Wave] {
			c.add(fmt.Sprintf("spokes[%d].wave", i), "wave %q is not in pipeline.waves (%s); add it there or use one of those", s.Wave, strings.Join(waveNames(p.Waves), ", "))
		}
	}
	return p
}

func waveNames(ws []Wave) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func resolveHub(h hubFile, c *collector) Hub {
	hub := Hub{
		Account: h.Account, Region: h.Region, RepositoryName: h.RepositoryName,
		TagMutability: h.TagMutability, ImagesKept: DefaultImagesKept,
		SecretName: h.SecretName, OrganizationID: h.OrganizationID,
	}
	if hub.RepositoryName == "" {
		hub.RepositoryName = DefaultRepositoryName
	}
	if hub.TagMutability == "" {
		hub.TagMutability = DefaultTagMutability
	}
	if hub.SecretName == "" {
		hub.SecretName = DefaultSecretName
	}
	if h.ImagesKept != nil {
		hub.ImagesKept = *h.ImagesKept
	}
	checkAccount(c, "hub.account", hub.Account)
	checkRegion(c, "hub.region", hub.Region)
	if n := len(hub.RepositoryName); n < 2 || n > 256 || !repoNameRe.MatchString(hub.RepositoryName) {
		c.add("hub.repositoryName", "%q is not a valid ECR repository name: 2-256 lower-case letters, digits and . _ - separated by /, e.g. hubspoke/build-agent", hub.RepositoryName)
	}
	if hub.TagMutability != "IMMUTABLE" && hub.TagMutability != "MUTABLE" {
		c.add("hub.tagMutability", "%q is not IMMUTABLE or MUTABLE", hub.TagMutability)
	}
	if hub.ImagesKept < 3 || hub.ImagesKept > 1000 {
		c.add("hub.imagesKept", "%d images kept: use 3 to 1000 (the running build, its rollback target and the one rolling out)", hub.ImagesKept)
	}
	switch {
	case !secretNameRe.MatchString(hub.SecretName):
		c.add("hub.secretName", "%q is not a valid Secrets Manager name: 1-512 letters, digits and /_+=.@-", hub.SecretName)
	case secretTailRe.MatchString(hub.SecretName):
		c.add("hub.secretName", "%q ends in a hyphen and six characters, which Secrets Manager takes for its own ARN suffix and breaks look-ups by name; rename it, e.g. %q", hub.SecretName, strings.TrimSuffix(hub.SecretName, hub.SecretName[len(hub.SecretName)-7:])+"/token")
	}
	if g := h.GitHubActions; g != nil {
		hub.GitHubActions = &GitHubActions{Repository: g.Repository, Branch: g.Branch}
		if hub.GitHubActions.Branch == "" {
			hub.GitHubActions.Branch = "main"
		}
		if !gitRepoRe.MatchString(g.Repository) {
			c.add("hub.githubActions.repository", "%q is not a GitHub owner/name", g.Repository)
		}
		if !branchRe.MatchString(hub.GitHubActions.Branch) {
			c.add("hub.githubActions.branch", "%q is not a branch name", hub.GitHubActions.Branch)
		}
	}
	if hub.OrganizationID != "" && !orgRe.MatchString(hub.OrganizationID) {
		c.add("hub.organizationId", "%q is not an AWS Organizations id (o- then 10-32 lower-case letters or digits); leave it out for account mode", hub.OrganizationID)
	}
	return hub
}

func mergeAgent(base Agent, a *agentFile, path string, origin map[string]string) Agent {
	if a == nil {
		return base
	}
	setInt(&base.MaxJobMinutes, a.MaxJobMinutes, path+".maxJobMinutes", "maxJobMinutes", origin)
	setInt(&base.CPU, a.CPU, path+".cpu", "cpu", origin)
	setInt(&base.MemoryMiB, a.MemoryMiB, path+".memory", "memory", origin)
	setStr(&base.AzpURL, a.AzpURL, path+".azpUrl", "azpUrl", origin)
	setStr(&base.Pool, a.Pool, path+".pool", "pool", origin)
	setInt(&base.LogRetentionDays, a.LogRetentionDays, path+".logRetentionDays", "logRetentionDays", origin)
	setInt(&base.StopTimeoutSeconds, a.StopTimeoutSeconds, path+".stopTimeoutSeconds", "stopTimeoutSeconds", origin)
	return base
}

func mergeSchedule(base Schedule, s *scheduleFile, path string, origin map[string]string) Schedule {
	if s == nil {
		return base
	}
	setStr(&base.TimeZone, s.TimeZone, path+".timeZone", "timeZone", origin)
	if s.ScaleUp != nil {
		setStr(&base.ScaleUpAt, s.ScaleUp.At, path+".scaleUp.at", "scaleUp.at", origin)
		setInt(&base.WeekdayCapacity, s.ScaleUp.Capacity, path+".scaleUp.capacity", "scaleUp.capacity", origin)
	}
	if s.ScaleDown != nil {
		setStr(&base.ScaleDownAt, s.ScaleDown.At, path+".scaleDown.at", "scaleDown.at", origin)
		setInt(&base.NightCapacity, s.ScaleDown.Capacity, path+".scaleDown.capacity", "scaleDown.capacity", origin)
	}
	if s.Refresh != nil {
		setStr(&base.RefreshAt, s.Refresh.At, path+".refresh.at", "refresh.at", origin)
		setInt(&base.RestoreAfterMinutes, s.Refresh.RestoreAfterMinutes, path+".refresh.restoreAfterMinutes", "refresh.restoreAfterMinutes", origin)
	}
	setInt(&base.WeekendCapacity, s.WeekendCapacity, path+".weekendCapacity", "weekendCapacity", origin)
	return base
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

func checkAgent(c *collector, a Agent, o map[string]string) {
	if a.MaxJobMinutes < 1 || a.MaxJobMinutes > 2880 {
		c.add(at(o, "agent", "maxJobMinutes"), "%d: ECS task protection lasts 1 to 2880 minutes (48 hours); set the longest a job may hold its agent from scale-in", a.MaxJobMinutes)
	}
	if _, ok := fargateMemory[a.CPU]; !ok {
		c.add(at(o, "agent", "cpu"), "%d is not a Fargate CPU size: use one of 256, 512, 1024, 2048, 4096, 8192, 16384", a.CPU)
	} else if !FargateSizeOK(a.CPU, a.MemoryMiB) {
		ms := fargateMemory[a.CPU]
		c.add(at(o, "agent", "memory"), "Fargate does not offer %d MiB with cpu %d: use %d to %d MiB (%s)", a.MemoryMiB, a.CPU, ms[0], ms[len(ms)-1], joinInts(ms))
	}
	if a.AzpURL != "" && !azpURLRe.MatchString(a.AzpURL) {
		c.add(at(o, "agent", "azpUrl"), "%q is not an https URL such as https://dev.azure.com/your-org", a.AzpURL)
	}
	if !poolNameRe.MatchString(a.Pool) {
		c.add(at(o, "agent", "pool"), "%q is not an agent pool name: 1-100 letters, digits, spaces and . _ -", a.Pool)
	}
	if !slices.Contains(logRetentionDays, a.LogRetentionDays) {
		c.add(at(o, "agent", "logRetentionDays"), "%d is not a CloudWatch Logs retention: use one of %s", a.LogRetentionDays, joinInts(logRetentionDays))
	}
	if a.StopTimeoutSeconds < 2 || a.StopTimeoutSeconds > 120 {
		c.add(at(o, "agent", "stopTimeoutSeconds"), "%d: Fargate allows a stop timeout of 2 to 120 seconds", a.StopTimeoutSeconds)
	}
}

func checkSchedule(c *collector, s Schedule, o map[string]string) {
	if s.TimeZone == "" || s.TimeZone == "Local" {
		c.add(at(o, "schedule", "timeZone"), "%q is not an IANA time zone such as Europe/Amsterdam or UTC", s.TimeZone)
	} else if _, err := time.LoadLocation(s.TimeZone); err != nil {
		c.add(at(o, "schedule", "timeZone"), "%q is not an IANA time zone such as Europe/Amsterdam or UTC", s.TimeZone)
	}
	up, upOK := checkTime(c, at(o, "schedule", "scaleUp.at"), s.ScaleUpAt)
	down, downOK := checkTime(c, at(o, "schedule", "scaleDown.at"), s.ScaleDownAt)
	ref, refOK := checkTime(c, at(o, "schedule", "refresh.at"), s.RefreshAt)
	for _, cap := range []struct {
		key string
		v   int
	}{{"scaleUp.capacity", s.WeekdayCapacity}, {"scaleDown.capacity", s.NightCapacity}, {"weekendCapacity", s.WeekendCapacity}} {
		if cap.v < 0 || cap.v > MaxCapacity {
			c.add(at(o, "schedule", cap.key), "capacity %d: use 0 to %d agents", cap.v, MaxCapacity)
		}
	}
	if s.WeekdayCapacity < 1 && s.WeekdayCapacity >= 0 {
		c.add(at(o, "schedule", "scaleUp.capacity"), "weekday capacity 0 leaves no agent in working hours: use at least 1")
	}
	if s.NightCapacity > s.WeekdayCapacity {
		c.add(at(o, "schedule", "scaleDown.capacity"), "night capacity %d is above the weekday capacity %d: the schedule is inverted; scale down to fewer agents than you scale up to", s.NightCapacity, s.WeekdayCapacity)
	}
	if s.WeekendCapacity > s.WeekdayCapacity {
		c.add(at(o, "schedule", "weekendCapacity"), "weekend capacity %d is above the weekday capacity %d: the schedule is inverted", s.WeekendCapacity, s.WeekdayCapacity)
	}
	if s.RestoreAfterMinutes < 1 || s.RestoreAfterMinutes > 59 {
		c.add(at(o, "schedule", "refresh.restoreAfterMinutes"), "%d: use 1 to 59 minutes between the refresh to 0 and the restore", s.RestoreAfterMinutes)
	}
	if upOK && downOK && down <= up {
		c.add(at(o, "schedule", "scaleDown.at"), "scale-down %s is not after scale-up %s on the same day; both are weekday times in the schedule's time zone", s.ScaleDownAt, s.ScaleUpAt)
	}
	zone, zoneErr := schedule.ZoneOf(s.TimeZone)
	if zoneErr != nil {
		return
	}
	// The refresh runs at a fixed UTC time (schedule.Week): in daylight-
	// saving time it comes later on the local clock by the zone's shift.
	shift := zone.MaxOffset - zone.MinOffset
	if refOK && upOK && s.RestoreAfterMinutes >= 1 && ref+s.RestoreAfterMinutes+shift >= up {
		extra := ""
		if shift > 0 {
			extra = fmt.Sprintf(" (and the %d minutes it moves later in daylight-saving time in %s: it runs at a fixed UTC time so that no agent lives over 24 hours)", shift, s.TimeZone)
		}
		c.add(at(o, "schedule", "refresh.at"), "refresh at %s plus %d minutes%s must come before the scale-up at %s; refresh between midnight and the morning scale-up (00:00 is usual)", s.RefreshAt, s.RestoreAfterMinutes, extra, s.ScaleUpAt)
	}
	for _, t := range []struct {
		key string
		at  int
		ok  bool
	}{{"scaleUp.at", up, upOK}, {"scaleDown.at", down, downOK}} {
		if g, skipped := zone.FirstGapAt(schedule.Clock(t.at)); t.ok && skipped {
			c.add(at(o, "schedule", t.key), "%s does not exist in %s on %s (clocks go from %s to %s): choose a time outside the daylight-saving change", schedule.Clock(t.at), s.TimeZone, g.Day.Format("2006-01-02"), g.From, g.To)
		}
	}
}

// checkTime parses HH:MM into minutes after midnight.
func checkTime(c *collector, path, v string) (int, bool) {
	if !timeRe.MatchString(v) {
		c.add(path, "%q is not a time of day: use 24-hour HH:MM such as 07:00", v)
		return 0, false
	}
	h, _ := strconv.Atoi(v[:2])
	m, _ := strconv.Atoi(v[3:])
	return h*60 + m, true
}

func checkAccount(c *collector, path, v string) {
	if !accountRe.MatchString(v) {
		c.add(path, "%q is not an AWS account id: use the 12 digits, quoted, e.g. \"111111111111\"", v)
	}
}

func checkRegion(c *collector, path, v string) {
	if !KnownRegion(v) {
		c.add(path, "%q is not a known AWS region: use a code such as eu-west-1 or us-east-1", v)
	}
}

func checkSpokeName(c *collector, path, v string) {
	if !spokeNameRe.MatchString(v) {
		c.add(path, "%q cannot name a stack and roles: use 2-32 lower-case letters, digits and '-', starting with a letter and not ending with '-'", v)
	}
}

func resolveNetwork(c *collector, path string, n *networkFile, region string) Network {
	if n == nil {
		c.add(path, "missing: give vpcId, subnetIds and securityGroupIds of an existing network, or createVpc: {cidr: 10.0.0.0/24}")
		return Network{}
	}
	out := Network{VpcID: n.VpcID, SubnetIDs: n.SubnetIDs, SecurityGroupIDs: n.SecurityGroupIDs, AssignPublicIP: n.AssignPublicIP}
	existing := n.VpcID != "" || len(n.SubnetIDs) > 0 || len(n.SecurityGroupIDs) > 0
	if n.CreateVpc != nil {
		if existing {
			c.add(path+".createVpc", "use either createVpc or an existing vpcId/subnetIds/securityGroupIds, not both")
		}
		out.CreateVpcCidr = n.CreateVpc.Cidr
		checkCidr(c, path+".createVpc.cidr", n.CreateVpc.Cidr)
		out.AvailabilityZones = n.CreateVpc.AvailabilityZones
		if len(out.AvailabilityZones) == 0 {
			out.AvailabilityZones = []string{region + "a", region + "b"}
		}
		for i, az := range out.AvailabilityZones {
			if !strings.HasPrefix(az, region) || len(az) != len(region)+1 || az[len(az)-1] < 'a' || az[len(az)-1] > 'z' {
				c.add(fmt.Sprintf("%s.createVpc.availabilityZones[%d]", path, i), "%q is not an availability zone of %s, such as %sa", az, region, region)
			}
		}
		return out
	}
	if !vpcRe.MatchString(n.VpcID) {
		c.add(path+".vpcId", "%q is not a VPC id such as vpc-0123456789abcdef0", n.VpcID)
	}
	if len(n.SubnetIDs) == 0 {
		c.add(path+".subnetIds", "missing: list at least one subnet id, e.g. [subnet-0123456789abcdef0]")
	}
	for i, s := range n.SubnetIDs {
		if !subnetRe.MatchString(s) {
			c.add(fmt.Sprintf("%s.subnetIds[%d]", path, i), "%q is not a subnet id such as subnet-0123456789abcdef0", s)
		}
	}
	if len(n.SecurityGroupIDs) == 0 {
		c.add(path+".securityGroupIds", "missing: list at least one security group id, e.g. [sg-0123456789abcdef0]")
	}
	for i, s := range n.SecurityGroupIDs {
		if !sgRe.MatchString(s) {
			c.add(fmt.Sprintf("%s.securityGroupIds[%d]", path, i), "%q is not a security group id such as sg-0123456789abcdef0", s)
		}
	}
	return out
}

func checkCidr(c *collector, path, v string) {
	if !cidrRe.MatchString(v) {
		c.add(path, "%q is not an IPv4 CIDR such as 10.0.0.0/24", v)
		return
	}
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Masked() != p {
		c.add(path, "%q is not a network address; did you mean %s?", v, maskedOr(p, err))
		return
	}
	if p.Bits() < 16 || p.Bits() > 26 {
		c.add(path, "/%d: use a prefix from /16 to /26 so two subnets fit", p.Bits())
	}
}

func maskedOr(p netip.Prefix, err error) string {
	if err != nil {
		return "a prefix such as 10.0.0.0/24"
	}
	return p.Masked().String()
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
