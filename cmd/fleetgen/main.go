// Command fleetgen writes a synthetic fleet file, for trying the app at
// scale: go run ./cmd/fleetgen -spokes 75 > /tmp/fleet-75.yaml
package main

import (
	"flag"
	"os"

	"hubspoke/internal/fleetgen"
)

func main() {
	n := flag.Int("spokes", 75, "number of spokes")
	org := flag.String("org", "", "organization id (o-...) for organization mode")
	waves := flag.Int("waves", 3, "number of waves")
	flag.Parse()
	os.Stdout.Write(fleetgen.YAML(fleetgen.Options{Spokes: *n, OrganizationID: *org, Waves: *waves}))
}
