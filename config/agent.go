package config

// The agent, image and alerts sections: defaults, per-spoke overrides and checks.

import (
	"fmt"
	"regexp"
	"slices"
)

func mergeAgent(base Agent, a *agentFile, path string, origin map[string]string) Agent {
	if a == nil {
		return base
	}
	setInt(&base.MaxJobMinutes, a.MaxJobMinutes, path+".maxJobMinutes", "maxJobMinutes", origin)
	if a.Spot != nil {
		if a.Spot.Enabled != nil {
			base.Spot = *a.Spot.Enabled
			origin["spot.enabled"] = path + ".spot.enabled"
		}
		setInt(&base.SpotOnDemandBase, a.Spot.OnDemandBase, path+".spot.onDemandBase", "spot.onDemandBase", origin)
	}
	setInt(&base.CPU, a.CPU, path+".cpu", "cpu", origin)
	setInt(&base.MemoryMiB, a.MemoryMiB, path+".memory", "memory", origin)
	setStr(&base.AzpURL, a.AzpURL, path+".azpUrl", "azpUrl", origin)
	setStr(&base.Pool, a.Pool, path+".pool", "pool", origin)
	setInt(&base.LogRetentionDays, a.LogRetentionDays, path+".logRetentionDays", "logRetentionDays", origin)
	setInt(&base.StopTimeoutSeconds, a.StopTimeoutSeconds, path+".stopTimeoutSeconds", "stopTimeoutSeconds", origin)
	return base
}

func checkAgent(c *collector, a Agent, o map[string]string) {
	if a.SpotOnDemandBase < 0 || a.SpotOnDemandBase > MaxCapacity {
		c.add(at(o, "agent", "spot.onDemandBase"), "%d: use 0 to %d agents that always run on demand", a.SpotOnDemandBase, MaxCapacity)
	}
	if a.MaxJobMinutes < 1 || a.MaxJobMinutes > 2880 {
		c.add(at(o, "agent", "maxJobMinutes"), "%d: ECS task protection lasts 1 to 2880 minutes (48 hours); set the longest a job may hold its agent from scale-in", a.MaxJobMinutes)
	}
	if _, ok := fargateMemory[a.CPU]; !ok {
		c.add(at(o, "agent", "cpu"), "%d is not a Fargate CPU size: use one of 256, 512, 1024, 2048, 4096, 8192, 16384", a.CPU)
	} else if !FargateSizeOK(a.CPU, a.MemoryMiB) {
		ms := fargateMemory[a.CPU]
		c.add(at(o, "agent", "memory"), "Fargate does not offer %d MiB with cpu %d: use %d to %d MiB (%s)", a.MemoryMiB, a.CPU, ms[0], ms[len(ms)-1], joinInts(ms))
	}
	if _, set := o["azpUrl"]; set && a.AzpURL == "" {
		c.add(at(o, "agent", "azpUrl"), "is empty: set the Azure DevOps organization URL, e.g. https://dev.azure.com/your-org")
	} else if !azpURLRe.MatchString(a.AzpURL) {
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
	if f.AgentVersion != nil {
		img.AgentVersion = *f.AgentVersion
	}
	if f.AgentSHA256 != nil {
		img.AgentSHA256 = *f.AgentSHA256
	}
	checkAgentPin(c, img, f)
	return img
}

var (
	agentVersionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	sha256Re       = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// checkAgentPin: a pin is a version and its tarball's SHA-256, both or
// neither (tools/bump-agent-pins.sh prints both).
func checkAgentPin(c *collector, img Image, f *imageFile) {
	const how = "tools/bump-agent-pins.sh prints both lines for the organization's current agent"
	switch {
	case f.AgentVersion != nil && !agentVersionRe.MatchString(img.AgentVersion):
		c.add("image.agentVersion", "%q is not an agent release such as 4.264.1 (MAJOR.MINOR.PATCH); %s", img.AgentVersion, how)
	case f.AgentSHA256 == nil && f.AgentVersion != nil:
		c.add("image.agentVersion", "is set without image.agentSha256: add the SHA-256 of vsts-agent-linux-x64-%s.tar.gz, or remove this line to take the organization's current agent; %s", img.AgentVersion, how)
	}
	switch {
	case f.AgentSHA256 != nil && !sha256Re.MatchString(img.AgentSHA256):
		c.add("image.agentSha256", "is not a SHA-256 (64 lowercase hex digits, %d characters given); %s", len(img.AgentSHA256), how)
	case f.AgentVersion == nil && f.AgentSHA256 != nil:
		c.add("image.agentSha256", "is set without image.agentVersion: add the release it belongs to, or remove this line to take the organization's current agent; %s", how)
	}
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
