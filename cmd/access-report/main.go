// Command access-report synthesizes a fleet and prints its access matrix:
// for every spoke, what its roles can and cannot do in the hub, and what
// nobody else can, as decided by an IAM policy simulator
// (@cloud-copilot/iam-simulate) from the synthesized templates.
//
//	make access-report [FLEET=fleet.yaml]
//
// It exits 1 when any decision differs from the expected one.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/access"
	"hubspoke/config"
	"hubspoke/internal/jsiienv"
	"hubspoke/stacks"
)

func main() {
	jsiienv.Ensure()
	fleetPath := flag.String("fleet", stacks.DefaultFleetPath, "fleet file")
	root := flag.String("root", ".", "repository root (holds tools/iam-simulate and node_modules)")
	flag.Parse()
	os.Exit(run(*fleetPath, *root))
}

func run(fleetPath, root string) int {
	fleet, err := config.Load(fleetPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "hubspoke-access-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	// The image tag plays no part in who may do what.
	stacks.AddFleet(app, fleet, "agent-access-report", "")
	err = stacks.Synth(app)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	all, err := access.ReadAssembly(dir)
	if err == nil {
		var hub *access.Hub
		var spokes []access.Spoke
		if hub, spokes, err = access.Extract(all); err == nil {
			var results []access.Result
			if results, err = access.Run(root, access.Cases(hub, spokes)); err == nil {
				if access.WriteTable(os.Stdout, results) > 0 {
					return 1
				}
				return 0
			}
		}
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}
