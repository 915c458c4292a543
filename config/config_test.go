package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/schedule"
)

func base(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBaseFleetLoadsWithDefaults(t *testing.T) {
	f, err := Parse("base.yaml", []byte(base(t)))
	if err != nil {
		t.Fatalf("base fleet: %v", err)
	}
	if got := f.Hub.TagMutability; got != "IMMUTABLE" {
		t.Errorf("tag mutability default = %q, want IMMUTABLE", got)
	}
	if got := f.Hub.ImagesKept; got != DefaultImagesKept {
		t.Errorf("images kept default = %d, want %d", got, DefaultImagesKept)
	}
	if got := f.Spokes[0].Wave; got != DefaultWave {
		t.Errorf("wave default = %q, want %q", got, DefaultWave)
	}
	if got := f.Spokes[0].Network.AvailabilityZones; len(got) != 2 || got[0] != "eu-west-1a" || got[1] != "eu-west-1b" {
		t.Errorf("created VPC zones = %v, want eu-west-1a and eu-west-1b", got)
	}
	if got := f.Spokes[1].Agent.LogRetentionDays; got != DefaultLogRetentionDays {
		t.Errorf("log retention default = %d, want %d", got, DefaultLogRetentionDays)
	}
}

func TestSpokeOverridesOnlyWhatItSets(t *testing.T) {
	y := base(t) + `    agent: {cpu: 2048, memory: 4096}
    schedule: {weekendCapacity: 1, timeZone: America/New_York}
`
	f, err := Parse("f.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	prod, dev := f.Spokes[1], f.Spokes[0]
	if prod.Agent.CPU != 2048 || prod.Agent.MemoryMiB != 4096 || prod.Agent.Pool != "hubspoke" {
		t.Errorf("prod agent = %+v: want cpu/memory overridden and pool inherited", prod.Agent)
	}
	if prod.Schedule.WeekendCapacity != 1 || prod.Schedule.TimeZone != "America/New_York" || prod.Schedule.WeekdayCapacity != 4 {
		t.Errorf("prod schedule = %+v: want weekend/time zone overridden, weekday inherited", prod.Schedule)
	}
	if dev.Agent.CPU != 1024 || dev.Schedule.WeekendCapacity != 0 {
		t.Errorf("dev must keep the defaults, got %+v %+v", dev.Agent, dev.Schedule)
	}
}

// Each malformed fleet must fail with a message that names the field (its
// path) and says what to do, on the right line.
func TestMalformedFleets(t *testing.T) {
	cases := []struct {
		name     string
		from, to string // replace in the base file ("" from: append to)
		path     string // the field the message must name
		msg      string // part of the message
		line     int    // expected line, 0 to skip
	}{
		{"short account id", `account: "222222222222"`, `account: "22222222222"`, "spokes[0].account", "12 digits", 20},
		{"account id with letters", `account: "111111111111"`, `account: "11111111111x"`, "hub.account", "12 digits", 2},
		{"unknown region", "region: eu-west-1\n  repositoryName", "region: eu-west-9\n  repositoryName", "hub.region", "not a known AWS region", 3},
		{"unknown key", "    wave: prod", "    wav: prod", "spokes[1].wav", `did you mean "wave"`, 27},
		{"duplicate spoke name", "name: prod", "name: dev", "spokes[1].name", "duplicate spoke name", 24},
		{"duplicate account and region", `account: "333333333333"`, `account: "222222222222"`, "spokes[1]", "account 222222222222 in eu-west-1 is already spokes[0]; one spoke per account and region (raise its capacity instead)", 24},
		{"name unusable in a stack name", "name: prod", "name: Prod_1", "spokes[1].name", "lower-case letters", 24},
		{"fargate memory not offered", "memory: 2048", "memory: 1024", "agent.memory", "Fargate does not offer 1024 MiB with cpu 1024", 9},
		{"fargate cpu not offered", "cpu: 1024", "cpu: 1000", "agent.cpu", "not a Fargate CPU size", 8},
		{"negative capacity", "weekendCapacity: 0", "weekendCapacity: -1", "schedule.weekendCapacity", "use 0 to", 17},
		{"inverted capacities", `scaleDown: {at: "19:00", capacity: 1}`, `scaleDown: {at: "19:00", capacity: 9}`, "schedule.scaleDown.capacity", "inverted", 15},
		{"time not HH:MM", `at: "07:00"`, `at: "7am"`, "schedule.scaleUp.at", "HH:MM", 14},
		{"hour out of range", `at: "19:00"`, `at: "25:00"`, "schedule.scaleDown.at", "HH:MM", 15},
		{"scale-down before scale-up", `at: "19:00"`, `at: "06:00"`, "schedule.scaleDown.at", "not after scale-up", 15},
		{"refresh after scale-up", `refresh: {at: "00:00"`, `refresh: {at: "08:00"`, "schedule.refresh.at", "before the scale-up", 16},
		{"unknown time zone", "timeZone: Europe/Amsterdam", "timeZone: Europe/Amsterdan", "schedule.timeZone", "IANA time zone", 13},
		{"malformed subnet id", "subnetIds: [subnet-0a1b2c3d4e5f60718]", "subnetIds: [subnet-xyz]", "spokes[1].network.subnetIds[0]", "not a subnet id", 30},
		{"malformed security group id", "securityGroupIds: [sg-0a1b2c3d4e5f60718]", "securityGroupIds: [sg-12]", "spokes[1].network.securityGroupIds[0]", "not a security group id", 31},
		{"malformed vpc id", "vpcId: vpc-0a1b2c3d4e5f60718", "vpcId: vpc0a1b", "spokes[1].network.vpcId", "not a VPC id", 29},
		{"secret name AWS would reject", "secretName: hubspoke/agent-token", "secretName: hubspoke/agent token", "hub.secretName", "not a valid Secrets Manager name", 5},
		{"secret name with a suffix-like tail", "secretName: hubspoke/agent-token", "secretName: hubspoke/agent-abcdef", "hub.secretName", "six characters", 5},
		{"repository name AWS would reject", "repositoryName: hubspoke/build-agent", "repositoryName: Hubspoke/Build", "hub.repositoryName", "not a valid ECR repository name", 4},
		{"missing network", "    network:\n      createVpc: {cidr: 10.40.0.0/24}\n", "", "spokes[0].network", "missing: give vpcId, subnetIds and securityGroupIds of an existing network, or createVpc: {cidr: 10.0.0.0/24}", 19},
		{"both network kinds", "      createVpc: {cidr: 10.40.0.0/24}", "      createVpc: {cidr: 10.40.0.0/24}\n      vpcId: vpc-0a1b2c3d4e5f60718", "spokes[0].network.createVpc", "use either createVpc or an existing vpcId/subnetIds/securityGroupIds, not both", 23},
		{"cidr not a network address", "cidr: 10.40.0.0/24", "cidr: 10.40.0.7/24", "spokes[0].network.createVpc.cidr", "did you mean 10.40.0.0/24", 23},
		{"bad organization id", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  organizationId: org-1", "hub.organizationId", "not an AWS Organizations id", 6},
		{"cross-partition spoke", "region: eu-west-1\n    wave: prod", "region: cn-north-1\n    wave: prod", "spokes[1].region", "cross-partition", 26},
		{"cpu not a number", `cpu: 1024`, `cpu: lots`, "agent.cpu", `"lots" is not a number of CPU units such as 1024`, 8},
		// The newcomer's mistakes: messages in the fleet file's words.
		{"memory with a unit", `memory: 2048`, `memory: 2GB`, "agent.memory", `"2GB" is not a number of MiB such as 2048`, 9},
		{"vpcId one level too high", "    wave: prod\n    network:", "    wave: prod\n    vpcId: vpc-0a1b2c3d4e5f60718\n    network:", "spokes[1].vpcId", "belongs under spokes[1].network: (as spokes[1].network.vpcId)", 28},
		{"timeZone under agent", "  pool: hubspoke", "  pool: hubspoke\n  timeZone: Europe/Paris", "agent.timeZone", "belongs under schedule: (as schedule.timeZone)", 12},
		{"timeZone under a spoke's agent", "    wave: prod", "    wave: prod\n    agent: {timeZone: Europe/Paris}", "spokes[1].agent.timeZone", "belongs under spokes[1].schedule: (as spokes[1].schedule.timeZone)", 28},
		{"inherited night capacity above a spoke's weekday capacity", "    wave: prod", "    wave: prod\n    schedule: {scaleUp: {at: \"07:00\", capacity: 0}}", "spokes[1].schedule.scaleUp.capacity", `spoke "prod": night capacity 1 is above the weekday capacity 0`, 28},
		{"inherited capacity names the other place and line", "    wave: prod", "    wave: prod\n    schedule: {scaleUp: {at: \"07:00\", capacity: 0}}", "spokes[1].schedule.scaleUp.capacity", "(scaleDown.capacity comes from schedule.scaleDown.capacity, line 15)", 28},
		{"unquoted account id read as octal", `account: "222222222222"`, `account: 022222222222`, "spokes[0].account", `write the account id in quotes, "022222222222": unquoted, YAML reads 022222222222 as a number`, 20},
		{"token pasted into azpUrl is not echoed", "azpUrl: https://dev.azure.com/example-org", "azpUrl: 5hqrz4bn7xkwvdyf3pmtlg2ce6ajo5s4u7rnw3qzyxh6bvkd2lfa", "agent.azpUrl", "<52 characters that look like a credential, not shown>", 10},
		{"empty azpUrl", "azpUrl: https://dev.azure.com/example-org", `azpUrl: ""`, "agent.azpUrl", "is empty: set the Azure DevOps organization URL", 10},
		{"spoke in the hub account", `account: "222222222222"`, `account: "111111111111"`, "spokes[0].account", "is the hub account", 20},
		{"two YAML documents", "", "---\nhub: {account: \"444444444444\"}\n", "", "the file holds 2 YAML documents", 32},
		// More realistic mistakes.
		{"capacity as a word", "capacity: 4}", "capacity: four}", "schedule.scaleUp.capacity", `"four" is not a number of agents such as 4`, 14},
		{"manualApproval as yes-please", "", "pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: o/r\n  waves: [{name: default}, {name: prod, manualApproval: please}]\n", "pipeline.waves[1].manualApproval", `"please" is not true or false`, 35},
		{"subnetIds as one string", "subnetIds: [subnet-0a1b2c3d4e5f60718]", "subnetIds: subnet-0a1b2c3d4e5f60718", "spokes[1].network.subnetIds", "is a single value, but subnetIds is a list: write [subnet-0a1b2c3d4e5f60718]", 30},
		{"spokes as a single spoke", "spokes:\n  - name: dev", "spokesx:\n  - name: dev", "spokesx", `did you mean "spokes"?`, 18},
		{"schedule as a string", "schedule:\n  timeZone: Europe/Amsterdam", "schedule: Europe/Amsterdam\nschedulex:\n  timeZone: Europe/Amsterdam", "schedule", "is a single value, but schedule is a section of keys", 12},
		{"scale-up in 12-hour form", `at: "07:00"`, `at: "7:00 AM"`, "schedule.scaleUp.at", "HH:MM", 14},
		{"time zone abbreviation", "timeZone: Europe/Amsterdam", "timeZone: CET6", "schedule.timeZone", "IANA time zone", 13},
		{"region as an availability zone", "region: eu-west-1\n    network:\n      createVpc", "region: eu-west-1a\n    network:\n      createVpc", "spokes[0].region", "not a known AWS region", 21},
		{"account id with dashes", `account: "222222222222"`, `account: "2222-2222-2222"`, "spokes[0].account", "12 digits", 20},
		{"spoke without a name", "  - name: dev\n", "  - account_note: x\n", "spokes[0].account_note", "unknown key", 19},
		{"memory in GiB as a number", "memory: 2048", "memory: 2", "agent.memory", "Fargate does not offer 2 MiB with cpu 1024", 9},
		{"stop timeout in minutes", "  pool: hubspoke", "  pool: hubspoke\n  stopTimeoutSeconds: 2m", "agent.stopTimeoutSeconds", `"2m" is not a number of seconds such as 120`, 12},
		{"negative weekend capacity", "weekendCapacity: 0", "weekendCapacity: -2", "schedule.weekendCapacity", "use 0 to", 17},
		{"restore after an hour", "restoreAfterMinutes: 5", "restoreAfterMinutes: 90", "schedule.refresh.restoreAfterMinutes", "1 to 59 minutes", 16},
		{"azp url of a project, not the organization", "azpUrl: https://dev.azure.com/example-org", "azpUrl: dev.azure.com/example-org", "agent.azpUrl", "https URL", 10},
		{"pool name with a slash", "pool: hubspoke", "pool: team/hubspoke", "agent.pool", "not an agent pool name", 11},
		{"log retention of a week as 7d", "  pool: hubspoke", "  pool: hubspoke\n  logRetentionDays: 7d", "agent.logRetentionDays", `"7d" is not a number of days such as 30`, 12},
		{"images kept as a word", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  imagesKept: all", "hub.imagesKept", `"all" is not a number of images such as 30`, 6},
		{"security group given as a name", "securityGroupIds: [sg-0a1b2c3d4e5f60718]", "securityGroupIds: [build-agents]", "spokes[1].network.securityGroupIds[0]", "not a security group id", 31},
		{"cidr without a prefix length", "cidr: 10.40.0.0/24", "cidr: 10.40.0.0", "spokes[0].network.createVpc.cidr", `"10.40.0.0" is not an IPv4 CIDR such as 10.0.0.0/24`, 23},
		{"wave name with spaces", "    wave: prod", "    wave: prod wave", "spokes[1].wave", "not a wave name", 27},
		{"alerts email list written as a string", "", "alerts: {emails: ops@example.com}\n", "alerts.emails", "is a single value, but emails is a list", 32},
		{"tag mutability lower-case", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  tagMutability: immutable", "hub.tagMutability", `"immutable" is not IMMUTABLE or MUTABLE`, 6},
		{"spoke override fargate size", "    wave: prod", "    wave: prod\n    agent: {cpu: 512, memory: 8192}", "spokes[1].agent.memory", "with cpu 512", 28},
		{"stop timeout over the Fargate maximum", "  pool: hubspoke", "  pool: hubspoke\n  stopTimeoutSeconds: 300", "agent.stopTimeoutSeconds", "2 to 120 seconds", 12},
		{"log retention CloudWatch does not offer", "  pool: hubspoke", "  pool: hubspoke\n  logRetentionDays: 10", "agent.logRetentionDays", "not a CloudWatch Logs retention", 12},
		{"azp url not https", "azpUrl: https://dev.azure.com/example-org", "azpUrl: http://dev.azure.com/example-org", "agent.azpUrl", "https URL", 10},
		{"image tag set by hand (earlier fleet files)", "  maxJobMinutes: 120", "  imageTag: \"1.0.0\"", "agent.imageTag", "remove this line: the agent image tag is computed", 7},
		{"image tag set by hand on a spoke", "    wave: prod", "    wave: prod\n    agent: {imageTag: \"2\"}", "spokes[1].agent.imageTag", "remove this line", 28},
		{"job protection past the ECS maximum", "maxJobMinutes: 120", "maxJobMinutes: 3000", "agent.maxJobMinutes", "1 to 2880 minutes", 7},
		{"job protection zero", "maxJobMinutes: 120", "maxJobMinutes: 0", "agent.maxJobMinutes", "1 to 2880 minutes", 7},
		{"unknown rebuild period", "", "image: {rebuild: fortnightly}\n", "image.rebuild", "daily, weekly or monthly", 32},
		{"unknown scan severity", "", "image: {failOnSeverity: LOW}\n", "image.failOnSeverity", "CRITICAL", 32},
		{"too few images kept to roll back", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  imagesKept: 2", "hub.imagesKept", "use 3 to 1000", 6},
		{"refresh too close to scale-up once clocks go forward", `refresh: {at: "00:00"`, `refresh: {at: "06:00"`, "schedule.refresh.at", "60 minutes it moves later in daylight-saving time", 16},
		{"scale-up in a daylight-saving gap", "timeZone: Europe/Amsterdam\n  scaleUp: {at: \"07:00\"", "timeZone: Australia/Lord_Howe\n  scaleUp: {at: \"02:10\"", "schedule.scaleUp.at", "02:10 does not exist in Australia/Lord_Howe", 14},
		{"alert email not an address", "", "alerts: {emails: [ops-team]}\n", "alerts.emails[0]", "not an email address", 32},
		{"alert shortfall too short", "", "alerts: {shortfallMinutes: 1}\n", "alerts.shortfallMinutes", "3 to 60 minutes", 32},
		{"spoke alert email not an address", "    wave: prod", "    wave: prod\n    alerts: {emails: [\"a@b\"]}", "spokes[1].alerts.emails[0]", "not an email address", 28},
		{"OUs without an organization", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  organizationalUnits: [o-exampleorg1/r-ab12/ou-ab12-11111111/]", "hub.organizationalUnits[0]", "need hub.organizationId", 6},
		{"OU given by id only", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  organizationId: o-exampleorg1\n  organizationalUnits: [ou-ab12-11111111]", "hub.organizationalUnits[0]", "not an organizational-unit path such as o-exampleorg1/r-ab12/ou-ab12-11111111/", 7},
		{"OU of another organization", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  organizationId: o-exampleorg1\n  organizationalUnits: [o-otherorg0000/r-ab12/ou-ab12-11111111/]", "hub.organizationalUnits[0]", "not in the organization o-exampleorg1", 7},
		{"spot base negative", "  pool: hubspoke", "  pool: hubspoke\n  spot: {enabled: true, onDemandBase: -1}", "agent.spot.onDemandBase", "use 0 to", 12},
		{"spot enabled as a word", "  pool: hubspoke", "  pool: hubspoke\n  spot: {enabled: sometimes}", "agent.spot.enabled", `"sometimes" is not true or false`, 12},
		{"availability zone of another region", "cidr: 10.40.0.0/24}", "cidr: 10.40.0.0/24, availabilityZones: [us-east-1a]}", "spokes[0].network.createVpc.availabilityZones[0]", "not an availability zone of eu-west-1", 23},
		// A newcomer appends a spoke at the end of the file, under pipeline:.
		{"spoke appended after the pipeline section", "", "pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: o/r\n  waves:\n    - name: default\n\n  - name: qa\n    account: \"555555555555\"\n    region: eu-west-1\n", "", "check the indentation of this line and of the lines above it (a section's keys are indented under it; a new spoke goes in the list under spokes:, indented like the others)", 38},
		{"pipeline connection not an ARN", "", "pipeline:\n  connectionArn: my-connection\n  repository: o/r\n  waves: [{name: default}, {name: prod}]\n", "pipeline.connectionArn", "not a CodeConnections connection ARN", 33},
		{"spoke in a wave the pipeline does not list", "", "pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: o/r\n  waves: [{name: default}]\n", "spokes[1].wave", "not in pipeline.waves (default)", 27},
		{"pipeline wave without spokes", "", "pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: o/r\n  waves: [{name: default}, {name: prod}, {name: qa}]\n", "pipeline.waves[2].name", `wave "qa" has no spokes; remove it or set a spoke's wave to it`, 35},
		{"github repository not owner/name", "  secretName: hubspoke/agent-token", "  secretName: hubspoke/agent-token\n  githubActions: {repository: build-agent}", "hub.githubActions.repository", "not a GitHub owner/name", 6},
		{"weekday capacity zero", `scaleUp: {at: "07:00", capacity: 4}`, `scaleUp: {at: "07:00", capacity: 0}`, "schedule.scaleUp.capacity", "at least 1", 14},
		{"standby negative", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby: {workHours: -1}\n", "schedule.demand.standby.workHours", "-1: use 0 or more idle agents kept ready in working hours", 19},
		{"standby above the working-hours ceiling", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    workHoursMax: 6\n    standby: {workHours: 7}\n", "schedule.demand.standby.workHours", "standby 7 in working hours is above the ceiling workHoursMax 6: an idle agent above the ceiling is never started; lower the standby or raise the ceiling", 20},
		{"night standby above the default off-hours ceiling", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby: {nights: 2}\n", "schedule.demand.standby.nights", "standby 2 at night is above the ceiling offHoursMax 1 (not set: its default is the larger of 1, scaleDown.capacity and weekendCapacity): an idle agent", 19},
		{"spoke's weekend standby above the inherited ceiling", "    wave: prod\n", "    wave: prod\n    schedule: {demand: {standby: {weekends: 3}}}\n", "spokes[1].schedule.demand.standby.weekends", `spoke "prod": standby 3 at weekends is above the ceiling offHoursMax 1 (not set: its default is the larger of 1, scaleDown.capacity and weekendCapacity): an idle agent above the ceiling is never started; lower the standby or raise the ceiling`, 28},
		{"auto history longer than CloudWatch keeps", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby:\n      auto: {weeks: 70}\n", "schedule.demand.standby.auto.weeks", "70 weeks: use 1 to 65; CloudWatch keeps hourly figures for 455 days (65 weeks)", 20},
		{"auto history of no weeks", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby:\n      auto: {weeks: 0}\n", "schedule.demand.standby.auto.weeks", "0 weeks: use 1 to 65", 20},
		{"auto history too long while auto is off", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby:\n      auto: {enabled: false, weeks: 99}\n", "schedule.demand.standby.auto.weeks", "99 weeks: use 1 to 65", 20},
		{"auto percentile over 100", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby:\n      auto: {percentile: 101}\n", "schedule.demand.standby.auto.percentile", "101: use a percentile of 1 to 100", 20},
		{"standby where demand is turned off", "    wave: prod\n", "    wave: prod\n    schedule: {demand: {enabled: false, standby: {workHours: 2}}}\n", "spokes[1].schedule.demand.standby.workHours", "standby is for spokes following demand, and this demand section turns demand off (enabled: false): remove the standby or the enabled: false", 28},
		{"standby key misspelt", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby: {workhours: 1}\n", "schedule.demand.standby.workhours", `did you mean "workHours"`, 19},
		{"standby count as a word", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand:\n    standby: {nights: one}\n", "schedule.demand.standby.nights", `"one" is not`, 19},
		{"standby outside demand", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  standby: {workHours: 1}\n", "schedule.standby", "demand", 18},
		{"demand ceiling below the floor", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 3}\n", "schedule.demand.workHoursMax", "below the floor scaleUp.capacity 4", 18},
		{"demand off-hours ceiling below the night floor", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {offHoursMax: 0}\n", "schedule.demand.offHoursMax", "below the off-hours floor 1", 18},
		{"demand ceilings inverted", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 5, offHoursMax: 6}\n", "schedule.demand.offHoursMax", "inverted", 18},
		{"demand ceiling too large", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 500}\n", "schedule.demand.workHoursMax", "use 0 to 200", 18},
		{"demand ceiling as a word", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: many}\n", "schedule.demand.workHoursMax", `"many" is not a number of agents such as 10`, 18},
		{"demand key misspelt", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHourMax: 5}\n", "schedule.demand.workHourMax", `did you mean "workHoursMax"`, 18},
		{"spoke's demand ceiling below the inherited floor", "    wave: prod\n", "    wave: prod\n    schedule: {demand: {workHoursMax: 2}}\n", "spokes[1].schedule.demand.workHoursMax", `spoke "prod": working-hours ceiling 2 is below the floor scaleUp.capacity 4: set workHoursMax to at least the floor (scaleUp.capacity comes from schedule.scaleUp.capacity, line 14)`, 28},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := base(t)
			if tc.from == "" {
				y += tc.to // append a section
			} else if !strings.Contains(y, tc.from) {
				t.Fatalf("test bug: %q not in base fleet", tc.from)
			} else {
				y = strings.Replace(y, tc.from, tc.to, 1)
			}
			_, err := Parse("fleet.yaml", []byte(y))
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want *Problems, got %v", err)
			}
			for _, p := range probs.List {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					if tc.line != 0 && p.Line != tc.line {
						t.Errorf("%s reported on line %d, want %d", p.Path, p.Line, tc.line)
					}
					if !strings.Contains(err.Error(), "fleet.yaml:") {
						t.Errorf("message does not name the file: %s", err)
					}
					return
				}
			}
			t.Errorf("no problem at %q containing %q; got:\n%s", tc.path, tc.msg, err)
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	y := strings.NewReplacer(`account: "222222222222"`, `account: "2"`, "memory: 2048", "memory: 3",
		"timeZone: Europe/Amsterdam", "timeZone: Nowhere/Land").Replace(base(t))
	_, err := Parse("fleet.yaml", []byte(y))
	var probs *Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want problems, got %v", err)
	}
	want := map[string]bool{"spokes[0].account": false, "agent.memory": false, "schedule.timeZone": false}
	for _, p := range probs.List {
		if _, ok := want[p.Path]; ok {
			want[p.Path] = true
		}
	}
	for path, found := range want {
		if !found {
			t.Errorf("problem at %s not reported; got:\n%s", path, err)
		}
	}
	// A default that is wrong for every spoke is reported once, not per spoke.
	if n := strings.Count(err.Error(), "agent.memory"); n != 1 {
		t.Errorf("agent.memory reported %d times, want once:\n%s", n, err)
	}
}

// Every unknown key is reported, each with its full path and line.
func TestAllUnknownKeysAtOnce(t *testing.T) {
	y := strings.NewReplacer("  maxJobMinutes:", "  maxjobminutes:", "    wave: prod", "    wave: prod\n    colour: blue",
		"  weekendCapacity: 0", "  weekendCapacity: 0\n  holidays: []").Replace(base(t))
	_, err := Parse("fleet.yaml", []byte(y))
	var probs *Problems
	if !errors.As(err, &probs) {
		t.Fatalf("want problems, got %v", err)
	}
	want := map[string]string{"agent.maxjobminutes": `did you mean "maxJobMinutes"`, "spokes[1].colour": "remove it", "schedule.holidays": "unknown key"}
	for _, p := range probs.List {
		if msg, ok := want[p.Path]; ok && strings.Contains(p.Message, msg) && p.Line > 0 {
			delete(want, p.Path)
		}
	}
	if len(want) > 0 {
		t.Errorf("not reported: %v\n%s", want, err)
	}
}

func TestEmptyAndMissingFiles(t *testing.T) {
	if _, err := Parse("empty.yaml", []byte("  \n")); err == nil || !strings.Contains(err.Error(), "empty.yaml: the fleet file is empty; start from the example fleet.yaml") {
		t.Errorf("empty file: got %v", err)
	}
	if _, err := Load("testdata/does-not-exist.yaml"); err == nil || !strings.Contains(err.Error(), "reading fleet file: stat testdata/does-not-exist.yaml: no such file or directory") {
		t.Errorf("missing file: got %v", err)
	}
	if _, err := Parse("nospokes.yaml", []byte(strings.Split(base(t), "spokes:")[0])); err == nil || !strings.Contains(err.Error(), "nospokes.yaml: spokes: no spokes: list at least one spoke account under spokes:") {
		t.Errorf("no spokes: got %v", err)
	}
}

// The user's fleet.yaml is theirs to edit: the only test that reads it
// checks that it is valid, whatever they put in it.
func TestUsersFleetIsValid(t *testing.T) {
	if _, err := Load("../fleet.yaml"); err != nil {
		t.Fatalf("fleet.yaml does not validate: %v", err)
	}
}

func TestExampleFixtureIsValid(t *testing.T) {
	f, err := Load("../test/testdata/fleet.yaml")
	if err != nil {
		t.Fatalf("the example fixture must load: %v", err)
	}
	if len(f.Spokes) != 3 {
		t.Errorf("example fixture has %d spokes, want 3", len(f.Spokes))
	}
}

// FuzzParse: whatever the bytes, Parse returns a fleet or an error, never
// panics, and a returned fleet has passed validation.
func FuzzParse(f *testing.F) {
	seeds := []string{"", "hub: {}", "spokes: [1, 2]", "hub:\n  account: 1\n", "{{{", "- a\n- b", "agent: {cpu: [1]}",
		"schedule: {scaleUp: 7}", "spokes:\n  - name: x\n    network: {createVpc: {cidr: 1.2.3.4/99}}\n", "hub: &a {account: *a}"}
	if b, err := os.ReadFile("testdata/base.yaml"); err == nil {
		seeds = append(seeds, string(b))
	}
	if b, err := os.ReadFile("../test/testdata/fleet.yaml"); err == nil {
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fleet, err := Parse("fuzz.yaml", data)
		if err == nil {
			if fleet == nil || len(fleet.Spokes) == 0 {
				t.Fatalf("no error but no spokes")
			}
			for _, s := range fleet.Spokes {
				if !FargateSizeOK(s.Agent.CPU, s.Agent.MemoryMiB) {
					t.Fatalf("accepted an impossible Fargate size %d/%d", s.Agent.CPU, s.Agent.MemoryMiB)
				}
			}
		} else if fleet != nil {
			t.Fatalf("error and a fleet")
		}
	})
}

// Alerts: the fleet's section is every spoke's default; a spoke's emails
// replace it.
func TestAlertsDefaultsAndOverride(t *testing.T) {
	y := base(t) + "alerts: {emails: [ops@example.com], shortfallMinutes: 15}\n"
	y = strings.Replace(y, "    wave: prod", "    wave: prod\n    alerts: {emails: [prod-team@example.com]}", 1)
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	dev, prod := f.Spokes[0].Alerts, f.Spokes[1].Alerts
	if strings.Join(dev.Emails, ",") != "ops@example.com" || dev.ShortfallMinutes != 15 {
		t.Errorf("dev alerts %+v", dev)
	}
	if strings.Join(prod.Emails, ",") != "prod-team@example.com" || prod.ShortfallMinutes != 15 {
		t.Errorf("prod alerts %+v", prod)
	}
	g, _ := Parse("fleet.yaml", []byte(base(t)))
	if a := g.Spokes[0].Alerts; len(a.Emails) != 0 || a.ShortfallMinutes != DefaultShortfallMinutes {
		t.Errorf("default alerts %+v", a)
	}
}

// A pipeline past an AWS limit is rejected when the fleet file is validated,
// with the limit, the estimate and how many spokes fit.
func TestPipelineCeilings(t *testing.T) {
	for _, c := range []struct {
		name            string
		opts            fleetgen.Options
		path, msg, also string
	}{
		{"a wave larger than one pipeline", fleetgen.Options{Spokes: 400, Waves: 1, Pipeline: true, OrganizationID: "o-exampleorg1"},
			"pipeline.waves[0].name", `wave "wave-0" has 400 spokes, more than one pipeline carries`, "split it into smaller waves"},
		{"stages", fleetgen.Options{Spokes: 60, Waves: 60, Pipeline: true, OrganizationID: "o-exampleorg1"},
			"pipeline.waves", "66 stages, over CodePipeline's 50", "fewer, larger waves"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("fleet.yaml", fleetgen.YAML(c.opts))
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want problems, got %v", err)
			}
			for _, p := range probs.List {
				if p.Path == c.path && strings.Contains(p.Message, c.msg) && strings.Contains(p.Message, c.also) {
					return
				}
			}
			t.Errorf("no %s problem with %q and %q:\n%v", c.path, c.msg, c.also, err)
		})
	}
	// Just inside: 300 spokes over four regions in three waves.
	if _, err := Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: 300, Waves: 3, Pipeline: true, OrganizationID: "o-exampleorg1"})); err != nil {
		t.Errorf("300 spokes must fit one pipeline: %v", err)
	}
	// 1,000 and 2,000 spokes in waves of 100: pipelines of 300 each, in order.
	for _, n := range []int{1000, 2000} {
		f, err := Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: n, Waves: n / 100, Pipeline: true, OrganizationID: "o-exampleorg1"}))
		if err != nil {
			t.Fatalf("%d spokes: %v", n, err)
		}
		groups := f.PipelineGroups()
		if len(groups) != (n+299)/300 || len(groups[0]) != 3 || groups[0][0].Name != "wave-0" || groups[1][0].Name != "wave-3" {
			t.Errorf("%d spokes: groups %v", n, groups)
		}
	}
}

// Each pipeline limit has its message, also those that bind only after
// another one in practice (checked on a made-up estimate).
func TestPipelineLimitMessages(t *testing.T) {
	f, err := Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: 10, Waves: 2, Pipeline: true, OrganizationID: "o-exampleorg1"}))
	if err != nil {
		t.Fatal(err)
	}
	e := EstimatePipeline(f)
	e.Resources, e.ManagedPolicies = 501, 11
	e.KeyPolicyBytes["eu-west-1"] = 40_000
	e.BucketPolicyBytes["eu-west-1"] = 21_000
	e.TemplateBytes = 1_100_000
	c := &collector{}
	checkEstimate(c, f, e)
	got := fmt.Sprint(c.list)
	for _, want := range []string{"501 resources in the pipeline stack, over CloudFormation's 500",
		"11 managed policies on the pipeline role, over IAM's default of 10", "key policy of about 40000 bytes, over KMS's 32768",
		"a bucket policy of about 21000 bytes, over S3's 20480", "a pipeline template of about 1100000 bytes, over CloudFormation's 1000000"} {
		if !strings.Contains(got, want) {
			t.Errorf("no problem saying %q: %s", want, got)
		}
	}
}

// YAML merge keys (with an anchor under an x- key) and a UTF-8 byte-order
// mark work like any fleet file.
func TestMergeKeysAndByteOrderMark(t *testing.T) {
	y := strings.Replace(base(t), "agent:\n  maxJobMinutes: 120\n  cpu: 1024\n  memory: 2048\n",
		"x-size: &size\n  cpu: 2048\n  memory: 4096\nagent:\n  <<: *size\n  maxJobMinutes: 120\n", 1)
	f, err := Parse("fleet.yaml", append([]byte("\xef\xbb\xbf"), y...))
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Spokes[0].Agent; a.CPU != 2048 || a.MemoryMiB != 4096 {
		t.Errorf("merged agent %+v, want cpu 2048 memory 4096", a)
	}
	// A misspelt key in the merged anchor is still found.
	bad := strings.Replace(y, "  cpu: 2048\n", "  cpus: 2048\n", 1)
	if _, err := Parse("fleet.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), `"cpus"`) {
		t.Errorf("a typo inside a merged anchor: %v", err)
	}
}

// Size caps: a huge file or spoke list is refused at once with what to do.
func TestSizeCaps(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(big, append([]byte(base(t)), bytes.Repeat([]byte("# padding\n"), MaxFileBytes/10+1)...), 0o644)
	_, err := Load(big)
	if err == nil || !strings.Contains(err.Error(), "over the 1048576 this tool reads") {
		t.Errorf("big file: %v", err)
	}
	// Refused before it is read (no wall-clock margin: a sparse 1 TiB
	// file cannot be read into memory at all).
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<40); err != nil {
		t.Logf("no sparse file here, the unread check is skipped: %v", err)
	} else if _, err := Load(huge); err == nil || !strings.Contains(err.Error(), "over the 1048576 this tool reads") {
		t.Errorf("1 TiB file: %v", err)
	}
	_, err = Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: MaxSpokes + 1, OrganizationID: "o-exampleorg1"}))
	if err == nil || !strings.Contains(err.Error(), "2001 spokes, over the 2000 one fleet file carries") {
		t.Errorf("too many spokes: %v", err)
	}
}

// Account mode past the hub's policy ceiling is refused by validation, not
// first by synthesis, pointing to organization mode.
func TestAccountModeCeilingInValidation(t *testing.T) {
	if _, err := Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: 109})); err != nil {
		t.Fatalf("109 spokes fit account mode: %v", err)
	}
	_, err := Parse("fleet.yaml", fleetgen.YAML(fleetgen.Options{Spokes: 200}))
	if err == nil || !strings.Contains(err.Error(), "200 spokes in account mode make the hub's secret policy about") || !strings.Contains(err.Error(), "set hub.organizationId") {
		t.Errorf("200 spokes in account mode: %v", err)
	}
}

// Spot is off by default; a spoke turns it on with its own base.
// Demand is off unless a demand section turns it on; its ceilings default
// from the floors (twice the weekday floor; the larger of 1 and the
// off-hours floors); a spoke can turn the fleet's demand off.
func TestDemandDefaultsAndOverride(t *testing.T) {
	f, err := Parse("fleet.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Spokes[0].Schedule.Week().Demand != nil {
		t.Fatalf("demand on without a demand section")
	}
	y := strings.Replace(base(t), "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {}\n", 1)
	y = strings.Replace(y, "    wave: prod\n", "    wave: prod\n    schedule: {demand: {enabled: false}}\n", 1)
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if d := f.Spokes[0].Schedule.Week().Demand; d == nil || d.WorkHoursMax != 8 || d.OffHoursMax != 1 {
		t.Errorf("dev demand %+v, want ceilings 8 (twice the floor 4) and 1", d)
	}
	if d := f.Spokes[1].Schedule.Week().Demand; d != nil {
		t.Errorf("prod turned demand off, got %+v", d)
	}
	y = strings.Replace(base(t), "    wave: prod\n", "    wave: prod\n    schedule: {weekendCapacity: 2, demand: {workHoursMax: 12}}\n", 1)
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if d := f.Spokes[1].Schedule.Week().Demand; d == nil || d.WorkHoursMax != 12 || d.OffHoursMax != 2 {
		t.Errorf("prod demand %+v, want 12 and the weekend floor 2", d)
	}
}

// Standby: one idle agent in working hours by default (none at night and
// at weekends), automatic sizing off; a spoke overrides one window and
// turns auto on with its defaults (3 weeks, p90) or its own values; a
// spoke without demand has no standby at all.
func TestStandbyDefaultsAndOverride(t *testing.T) {
	y := strings.Replace(base(t), "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {offHoursMax: 2}\n", 1)
	y = strings.Replace(y, "    wave: prod\n", "    wave: prod\n    schedule: {demand: {standby: {nights: 2, auto: {}}}}\n", 1)
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	dev, prod := f.Spokes[0].Schedule.Week().Demand, f.Spokes[1].Schedule.Week().Demand
	if dev.Standby != (schedule.Standby{WorkHours: 1}) || dev.Auto != nil {
		t.Errorf("dev standby %+v auto %+v, want 1/0/0 and no auto", dev.Standby, dev.Auto)
	}
	if prod.Standby != (schedule.Standby{WorkHours: 1, Nights: 2}) || prod.Auto == nil || *prod.Auto != (schedule.AutoStandby{Weeks: 3, Percentile: 90}) {
		t.Errorf("prod standby %+v auto %+v, want 1/2/0 and auto 3 weeks p90", prod.Standby, prod.Auto)
	}
	// Each window's standby is on its actions: scale-up (working hours),
	// scale-down and weekday restore (nights), weekend restore; the refresh
	// has none.
	var got []int
	for _, a := range f.Spokes[1].Schedule.Week().Actions() {
		got = append(got, a.Standby)
	}
	if !slices.Equal(got, []int{1, 2, 0, 2, 0}) {
		t.Errorf("prod actions' standby %v, want [1 2 0 2 0]", got)
	}
	y = strings.Replace(y, "auto: {}", "auto: {weeks: 8, percentile: 50}", 1)
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if a := f.Spokes[1].Schedule.Week().Demand.Auto; a == nil || *a != (schedule.AutoStandby{Weeks: 8, Percentile: 50}) {
		t.Errorf("prod auto %+v, want 8 weeks p50", a)
	}
	y = strings.Replace(y, "auto: {weeks: 8, percentile: 50}", "auto: {enabled: false, weeks: 8}", 1)
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if a := f.Spokes[1].Schedule.Week().Demand.Auto; a != nil {
		t.Errorf("auto turned off, got %+v", a)
	}
	if f, err = Parse("fleet.yaml", []byte(base(t))); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.Spokes[0].Schedule.Week().Actions() {
		if a.Standby != 0 {
			t.Errorf("a spoke without demand has standby %d on %s", a.Standby, a.Name)
		}
	}
}

// Spokes outside the hub's region pull from a replica in their own region,
// unless the hub turns replication off.
func TestReplicaRegions(t *testing.T) {
	y := strings.Replace(base(t), "    wave: prod\n    network:", "    wave: prod\n    network:", 1)
	y = strings.Replace(y, "    account: \"333333333333\"\n    region: eu-west-1", "    account: \"333333333333\"\n    region: us-east-1", 1)
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.ReplicaRegions(); len(got) != 1 || got[0] != "us-east-1" {
		t.Errorf("replica regions %v, want [us-east-1]", got)
	}
	if r := f.ImageRegion(f.Spokes[1]); r != "us-east-1" {
		t.Errorf("prod pulls in %s, want its own region", r)
	}
	y = strings.Replace(y, "  secretName: hubspoke/agent-token\n", "  secretName: hubspoke/agent-token\n  replicateImages: false\n", 1)
	if f, err = Parse("fleet.yaml", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if got := f.ReplicaRegions(); len(got) != 0 || f.ImageRegion(f.Spokes[1]) != "eu-west-1" {
		t.Errorf("replication off: replicas %v, prod pulls in %s; want none and the hub's region", got, f.ImageRegion(f.Spokes[1]))
	}
}

func TestSpotPerSpoke(t *testing.T) {
	y := strings.Replace(base(t), "    wave: prod", "    wave: prod\n    agent: {spot: {enabled: true, onDemandBase: 1}}", 1)
	f, err := Parse("fleet.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Spokes[0].Agent; a.Spot {
		t.Errorf("dev runs on Spot without asking: %+v", a)
	}
	if a := f.Spokes[1].Agent; !a.Spot || a.SpotOnDemandBase != 1 {
		t.Errorf("prod spot %v base %d, want on with 1", a.Spot, a.SpotOnDemandBase)
	}
}

// A credential in a URL (its user info, a query value), short or long, is
// never shown by any message: the value checks, a spoke's override, the
// wrong-kind checks, unknown keys (the key and the section it is under) and
// YAML syntax errors on the credential's own line. Each message still says
// what is wrong; the expected text is written out by hand.
func TestNoMessageShowsAURLCredential(t *testing.T) {
	const azp = "  azpUrl: https://dev.azure.com/example-org\n"
	cases := []struct {
		name     string
		from, to string // replace in the base file ("" from: append to)
		secrets  []string
		path     string // the problem's path
		want     string // the whole message
	}{
		{"query token", azp, "  azpUrl: https://dev.azure.com/org?token=s3cr3t\n", []string{"s3cr3t"},
			"agent.azpUrl", `"https://dev.azure.com/org?token=<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"query of one character", azp, "  azpUrl: https://dev.azure.com/org?pat=Q\n", []string{"=Q"},
			"agent.azpUrl", `"https://dev.azure.com/org?pat=<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"long query token, two parameters", azp, "  azpUrl: https://dev.azure.com/org?a=1&token=" + strings.Repeat("k", 60) + "\n", []string{"kkkkkkkkkk", "a=1"},
			"agent.azpUrl", `"https://dev.azure.com/org?a=<not shown>&token=<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"query without a key", azp, "  azpUrl: https://dev.azure.com/org?hunter2\n", []string{"hunter2"},
			"agent.azpUrl", `"https://dev.azure.com/org?<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"user and password", azp, "  azpUrl: https://user:secret@dev.azure.com/org\n", []string{"secret", "user:"},
			"agent.azpUrl", `"https://<user info not shown>@dev.azure.com/org" is not an https URL such as https://dev.azure.com/your-org`},
		{"a token as the user", azp, "  azpUrl: https://x7@dev.azure.com/org\n", []string{"x7"},
			"agent.azpUrl", `"https://<user info not shown>@dev.azure.com/org" is not an https URL such as https://dev.azure.com/your-org`},
		{"password with / and @", azp, "  azpUrl: https://u:p/w@rd@dev.azure.com/org\n", []string{"p/w", "rd@"},
			"agent.azpUrl", `"https://<user info not shown>@dev.azure.com/org" is not an https URL such as https://dev.azure.com/your-org`},
		{"no scheme", azp, "  azpUrl: dev.azure.com/org?token=abc\n", []string{"abc"},
			"agent.azpUrl", `"dev.azure.com/org?token=<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"a spoke's override", "    wave: prod\n", "    wave: prod\n    agent: {azpUrl: \"https://u:pw1@dev.azure.com/o?sig=zz\"}\n", []string{"pw1", "zz"},
			"spokes[1].agent.azpUrl", `"https://<user info not shown>@dev.azure.com/o?sig=<not shown>" is not an https URL such as https://dev.azure.com/your-org`},
		{"a list where one value goes", azp, "  azpUrl: [https://u:pw2@dev.azure.com/o]\n", []string{"pw2"},
			"agent.azpUrl", "is a list, but azpUrl is a single value"},
		{"a section of keys expected", "  scaleUp: {at: \"07:00\", capacity: 4}\n", "  scaleUp: https://dev.azure.com/o?token=t0k\n", []string{"t0k"},
			"schedule.scaleUp", `"https://dev.azure.com/o?token=<not shown>" is a single value, but scaleUp is a section of keys (see docs/fleet-file.md)`},
		{"a misspelt key", azp, "  azpURL: https://u:pw3@dev.azure.com/o\n", []string{"pw3"},
			"agent.azpURL", `unknown key "azpURL"; did you mean "azpUrl"?`},
		{"a URL as a key", "  pool: hubspoke\n", "  pool: hubspoke\n  https://u:pw4@dev.azure.com/o?token=t4: x\n", []string{"pw4", "t4"},
			"agent.https://<user info not shown>@dev.azure.com/o?token=<not shown>", `unknown key "https://<user info not shown>@dev.azure.com/o?token=<not shown>"; remove it (docs/fleet-file.md lists the keys)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := base(t)
			if !strings.Contains(y, tc.from) {
				t.Fatalf("base lacks %q", tc.from)
			}
			y = strings.Replace(y, tc.from, tc.to, 1)
			_, err := Parse("fleet.yaml", []byte(y))
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want problems, got %v", err)
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the messages show %q:\n%s", s, err)
				}
			}
			for _, p := range probs.List {
				if p.Path == tc.path && strings.Contains(p.Message, tc.want) {
					return
				}
			}
			t.Errorf("no problem at %q with %q; got:\n%s", tc.path, tc.want, err)
		})
	}
	// YAML syntax errors on the credential's own line: the library's
	// message quotes what it read there.
	for _, tc := range []struct{ name, from, to, secret string }{
		{"unterminated quote", azp, "  azpUrl: \"https://u:pw5@dev.azure.com/o?token=t5\n", "pw5"},
		{"a second colon", azp, "  azpUrl: https://dev.azure.com/o?token=t6: x: y\n", "t6"},
		{"bad indentation", azp, "  azpUrl: https://dev.azure.com/o\n    ?token=t7 https://u:pw7@x\n", "pw7"},
		{"tab", azp, "\tazpUrl: https://u:pw8@dev.azure.com/o?token=t8\n", "pw8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("fleet.yaml", []byte(strings.Replace(base(t), tc.from, tc.to, 1)))
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []string{tc.secret, strings.Replace(tc.secret, "pw", "t", 1)} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the message shows %q:\n%s", s, err)
				}
			}
		})
	}
}

// The redaction alone, on the texts a message is made of.
func TestRedactURLs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"https://a:b@h/p?x=1&y=2"`, `"https://<user info not shown>@h/p?x=<not shown>&y=<not shown>"`},
		{`unknown key "wav"; did you mean "wave"?`, `unknown key "wav"; did you mean "wave"?`},
		{"e.g. https://dev.azure.com/your-org", "e.g. https://dev.azure.com/your-org"},
		{"platform-team@example.com", "platform-team@example.com"},
		{"a ? b", "a ? b"},
		{"h/p?&x=", "h/p?&x=<not shown>"},
	} {
		if got := redactURLs(c.in); got != c.want {
			t.Errorf("redactURLs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The verify step's size per wave, worked by hand: min(n, 25) at a time;
// ceil(n / parallel) spokes one after another at 10 minutes each (a 4-minute
// check, a 2-minute wait, a 4-minute retry) after 10 minutes of start,
// rounded up to 5 minutes, at least 60.
func TestVerifySizing(t *testing.T) {
	for _, c := range []struct{ n, parallel, timeout int }{
		{1, 1, 60},
		{10, 10, 60},
		{25, 25, 60},
		{100, 25, 60},  // 10 + 4 × 10 = 50
		{130, 25, 70},  // 10 + 6 × 10
		{300, 25, 130}, // 10 + 12 × 10
		{380, 25, 170}, // the largest wave (pipeline.maxSpokesPerPipeline 380): 10 + 16 × 10
		{1175, 25, 480},
		{1176, 25, 490},
	} {
		p, to := VerifySizing(c.n)
		if p != c.parallel || to != c.timeout {
			t.Errorf("VerifySizing(%d) = %d at a time, %d min; want %d, %d", c.n, p, to, c.parallel, c.timeout)
		}
	}
	// The largest wave passes validation; a wave the model cannot verify
	// within CodePipeline's 8 hours is refused, naming the fix.
	var c collector
	checkVerifySizing(&c, "pipeline.waves[0].name", "prod", 380)
	if len(c.list) != 0 {
		t.Errorf("380 spokes: %v", c.list)
	}
	checkVerifySizing(&c, "pipeline.waves[0].name", "prod", 1176)
	want := `wave "prod" has 1176 spokes: its verification (25 at a time, up to 10 minutes each) needs about 490 minutes, over CodePipeline's 480 for an action; split it into waves of at most 1175 spokes`
	if len(c.list) != 1 || c.list[0].Message != want {
		t.Errorf("1176 spokes: %v, want %q", c.list, want)
	}
}

// A spoke's standby above a ceiling the fleet's defaults set: reported at
// the spoke's standby, naming the spoke and where the ceiling comes from.
func TestStandbyAboveAnInheritedCeiling(t *testing.T) {
	y := strings.Replace(base(t), "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 6}\n", 1)
	y = strings.Replace(y, "    wave: prod\n", "    wave: prod\n    schedule: {demand: {standby: {workHours: 7}}}\n", 1)
	_, err := Parse("fleet.yaml", []byte(y))
	want := `fleet.yaml:29: spokes[1].schedule.demand.standby.workHours: spoke "prod": standby 7 in working hours is above the ceiling workHoursMax 6: an idle agent above the ceiling is never started; lower the standby or raise the ceiling (demand.workHoursMax comes from schedule.demand.workHoursMax, line 18)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant a line %s", err, want)
	}
}

// The bounds of an automatic standby are accepted: 1 and 65 weeks (455
// days of hourly CloudWatch data), percentiles 1 and 100; a standby equal
// to its window's ceiling is too.
func TestStandbyBoundsAccepted(t *testing.T) {
	for _, auto := range []string{"{weeks: 1, percentile: 1}", "{weeks: 65, percentile: 100}"} {
		y := strings.Replace(base(t), "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 8, standby: {workHours: 8, auto: "+auto+"}}\n", 1)
		f, err := Parse("fleet.yaml", []byte(y))
		if err != nil {
			t.Errorf("auto %s: %v", auto, err)
			continue
		}
		if d := f.Spokes[0].Schedule.Week().Demand; d.Auto == nil || d.Standby.WorkHours != 8 {
			t.Errorf("auto %s: demand %+v", auto, d)
		}
	}
}
