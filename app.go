// Command hubspoke is the CDK app: it reads the fleet file and synthesizes
// HubStack and one SpokeStack-<name> per spoke.
//
// The fleet file is fleet.yaml, or the path given with `cdk synth -c
// config=path/to/fleet.yaml`. A fleet file with problems stops the app before
// any construct is built, listing every problem with its line.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke/config"
	"hubspoke/internal/jsiienv"
	"hubspoke/stacks"
)

func main() {
	jsiienv.Ensure()
	os.Exit(run())
}

func run() int {
	ctx := os.Getenv("CDK_CONTEXT_JSON")
	path := stacks.FleetPathFromContext(ctx)
	fleet, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer jsii.Close()
	// tree.json costs ~5 ms a spoke and only diagram tools read it:
	// `-c tree=true` (make diagram) writes it.
	app := awscdk.NewApp(&awscdk.AppProps{TreeMetadata: jsii.Bool(stacks.ContextFlag(ctx, "tree"))})
	if _, err := stacks.AddApp(app, fleet, path, stacks.AgentImageDir, stacks.ContextFlag(ctx, "nag")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := stacks.Synth(app); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
