// Package fleetgen writes synthetic fleet files of any size for scale tests
// and benchmarks.
package fleetgen

import (
	"fmt"
	"strings"
)

// Options shape a generated fleet.
type Options struct {
	Spokes int
	// OrganizationID switches the hub to organization mode.
	OrganizationID string
	// Waves spreads spokes over this many waves (default 1).
	Waves int
	// Pipeline adds a pipeline section listing the waves in order.
	Pipeline bool
	// OrganizationalUnits (with OrganizationID) limit the trust to these
	// OU paths.
	OrganizationalUnits []string
	// MaxSpokesPerPipeline, when set, is written into the pipeline section.
	MaxSpokesPerPipeline int
	// Regions spreads spokes over this many of eu-west-1, eu-central-1,
	// us-east-1 and us-west-2 (default 4).
	Regions int
	// Demand turns on demand scaling for every spoke (ceilings 8 and 2).
	Demand bool
	// AutoStandby (with Demand) sizes every spoke's standby from its
	// history (standby.auto, 3 weeks, p90): the largest poller table.
	AutoStandby bool
}

var regions = []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2"}

// YAML returns a valid fleet file with opts.Spokes spokes, each in its own
// account, spread over four regions; every fourth spoke creates its VPC.
func YAML(opts Options) []byte {
	var b strings.Builder
	b.WriteString("hub:\n  account: \"111111111111\"\n  region: eu-west-1\n")
	if opts.OrganizationID != "" {
		fmt.Fprintf(&b, "  organizationId: %s\n", opts.OrganizationID)
	}
	if len(opts.OrganizationalUnits) > 0 {
		fmt.Fprintf(&b, "  organizationalUnits: [%s]\n", strings.Join(opts.OrganizationalUnits, ", "))
	}
	b.WriteString(`agent:
  maxJobMinutes: 120
  azpUrl: https://dev.azure.com/example-org
  pool: hubspoke
schedule:
  timeZone: Europe/Amsterdam
  scaleUp: {at: "07:00", capacity: 4}
  scaleDown: {at: "19:00", capacity: 1}
`)
	if opts.Demand {
		b.WriteString("  demand: {workHoursMax: 8, offHoursMax: 2")
		if opts.AutoStandby {
			b.WriteString(", standby: {auto: {weeks: 3, percentile: 90}}")
		}
		b.WriteString("}\n")
	}
	b.WriteString(`spokes:
`)
	waves := max(opts.Waves, 1)
	for i := 0; i < opts.Spokes; i++ {
		nr := len(regions)
		if opts.Regions > 0 && opts.Regions < nr {
			nr = opts.Regions
		}
		region := regions[i%nr]
		fmt.Fprintf(&b, "  - name: spoke-%04d\n    account: \"%012d\"\n    region: %s\n    wave: wave-%d\n",
			i, 200000000000+i, region, i*waves/max(opts.Spokes, 1))
		if i%4 == 0 {
			fmt.Fprintf(&b, "    network:\n      createVpc: {cidr: 10.%d.%d.0/24}\n", 64+i/256, i%256)
		} else {
			fmt.Fprintf(&b, "    network:\n      vpcId: vpc-%017x\n      subnetIds: [subnet-%017x]\n      securityGroupIds: [sg-%017x]\n", i, i, i)
		}
	}
	if opts.Pipeline {
		b.WriteString("pipeline:\n  connectionArn: arn:aws:codeconnections:eu-west-1:111111111111:connection/01234567-89ab-cdef-0123-456789abcdef\n  repository: example-org/hubspoke\n  waves:\n")
		for w := 0; w < waves; w++ {
			fmt.Fprintf(&b, "    - name: wave-%d\n", w)
		}
		if opts.MaxSpokesPerPipeline > 0 {
			fmt.Fprintf(&b, "  maxSpokesPerPipeline: %d\n", opts.MaxSpokesPerPipeline)
		}
	}
	return []byte(b.String())
}
