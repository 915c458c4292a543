package constructs

import (
	"strings"
	"testing"
)

// The dashboard's text says how many spokes the Spokes selector shows at a
// time: the poller's group size, DefaultGroupSize (100) when none is given
// (0), else the one given.
func TestFleetDashboardGroupSizeDefault(t *testing.T) {
	pools := fleetPools(30)
	for _, c := range []struct {
		size int
		want string
	}{{0, "(100 at a time, fleet-file order)"}, {10, "(10 at a time, fleet-file order)"}} {
		body, err := FleetDashboardBody(&FleetDashboardProps{Groups: Groups(pools, c.size), GroupSize: c.size, Region: "eu-west-1", AlarmArns: hubAlarms})
		if err != nil {
			t.Fatalf("group size %d: %v", c.size, err)
		}
		if !strings.Contains(body, c.want) {
			t.Errorf("group size %d: the text lacks %q", c.size, c.want)
		}
	}
}
