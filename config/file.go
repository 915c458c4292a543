package config

// The shape of the YAML file. Pointers mark "not set" so that defaults and
// per-spoke overrides can be told apart from an explicit zero.

type fleetFile struct {
	Hub      hubFile       `yaml:"hub"`
	Agent    agentFile     `yaml:"agent"`
	Image    *imageFile    `yaml:"image"`
	Alerts   *alertsFile   `yaml:"alerts"`
	Schedule scheduleFile  `yaml:"schedule"`
	Spokes   []spokeFile   `yaml:"spokes"`
	Pipeline *pipelineFile `yaml:"pipeline"`
}

type pipelineFile struct {
	Account              string     `yaml:"account"`
	Region               string     `yaml:"region"`
	ConnectionArn        string     `yaml:"connectionArn"`
	Repository           string     `yaml:"repository"`
	Branch               string     `yaml:"branch"`
	Waves                []waveFile `yaml:"waves"`
	MaxSpokesPerPipeline *int       `yaml:"maxSpokesPerPipeline"`
}

type waveFile struct {
	Name           string `yaml:"name"`
	ManualApproval bool   `yaml:"manualApproval"`
}

type githubFile struct {
	Repository string `yaml:"repository"`
	Branch     string `yaml:"branch"`
}

type hubFile struct {
	Account             string      `yaml:"account"`
	Region              string      `yaml:"region"`
	RepositoryName      string      `yaml:"repositoryName"`
	TagMutability       string      `yaml:"tagMutability"`
	ImagesKept          *int        `yaml:"imagesKept"`
	SecretName          string      `yaml:"secretName"`
	OrganizationID      string      `yaml:"organizationId"`
	OrganizationalUnits []string    `yaml:"organizationalUnits"`
	ReplicateImages     *bool       `yaml:"replicateImages"`
	GitHubActions       *githubFile `yaml:"githubActions"`

	// AgentToken: where the hub secret's token comes from (config/token.go).
	AgentToken *agentTokenFile `yaml:"agentToken"`
}

type alertsFile struct {
	Emails           []string `yaml:"emails"`
	ShortfallMinutes *int     `yaml:"shortfallMinutes"`
}

type spotFile struct {
	Enabled      *bool `yaml:"enabled"`
	OnDemandBase *int  `yaml:"onDemandBase"`
}

type imageFile struct {
	Rebuild        *string `yaml:"rebuild"`
	FailOnSeverity *string `yaml:"failOnSeverity"`
	AgentVersion   *string `yaml:"agentVersion"`
	AgentSHA256    *string `yaml:"agentSha256"`
}

type agentFile struct {
	// ImageTag is no longer set by hand; read only to say so.
	ImageTag           *string   `yaml:"imageTag"`
	MaxJobMinutes      *int      `yaml:"maxJobMinutes"`
	Spot               *spotFile `yaml:"spot"`
	CPU                *int      `yaml:"cpu"`
	MemoryMiB          *int      `yaml:"memory"`
	AzpURL             *string   `yaml:"azpUrl"`
	Pool               *string   `yaml:"pool"`
	LogRetentionDays   *int      `yaml:"logRetentionDays"`
	StopTimeoutSeconds *int      `yaml:"stopTimeoutSeconds"`
}

type scheduleFile struct {
	TimeZone        *string      `yaml:"timeZone"`
	ScaleUp         *capacityAt  `yaml:"scaleUp"`
	ScaleDown       *capacityAt  `yaml:"scaleDown"`
	Refresh         *refreshFile `yaml:"refresh"`
	WeekendCapacity *int         `yaml:"weekendCapacity"`
	Demand          *demandFile  `yaml:"demand"`
}

type demandFile struct {
	Enabled      *bool        `yaml:"enabled"`
	WorkHoursMax *int         `yaml:"workHoursMax"`
	OffHoursMax  *int         `yaml:"offHoursMax"`
	Standby      *standbyFile `yaml:"standby"`
}

type standbyFile struct {
	WorkHours *int      `yaml:"workHours"`
	Nights    *int      `yaml:"nights"`
	Weekends  *int      `yaml:"weekends"`
	Auto      *autoFile `yaml:"auto"`
}

type autoFile struct {
	Enabled    *bool `yaml:"enabled"`
	Weeks      *int  `yaml:"weeks"`
	Percentile *int  `yaml:"percentile"`
}

type capacityAt struct {
	At       *string `yaml:"at"`
	Capacity *int    `yaml:"capacity"`
}

type refreshFile struct {
	At                  *string `yaml:"at"`
	RestoreAfterMinutes *int    `yaml:"restoreAfterMinutes"`
}

type spokeFile struct {
	Name     string        `yaml:"name"`
	Account  string        `yaml:"account"`
	Region   string        `yaml:"region"`
	Wave     string        `yaml:"wave"`
	Network  *networkFile  `yaml:"network"`
	Agent    *agentFile    `yaml:"agent"`
	Schedule *scheduleFile `yaml:"schedule"`
	Alerts   *alertsFile   `yaml:"alerts"`
}

type networkFile struct {
	VpcID            string         `yaml:"vpcId"`
	SubnetIDs        []string       `yaml:"subnetIds"`
	SecurityGroupIDs []string       `yaml:"securityGroupIds"`
	AssignPublicIP   bool           `yaml:"assignPublicIp"`
	CreateVpc        *createVpcFile `yaml:"createVpc"`
}

type createVpcFile struct {
	Cidr              string   `yaml:"cidr"`
	AvailabilityZones []string `yaml:"availabilityZones"`
}
