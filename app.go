// The CDK app (cdk.json runs it as bin/hubspoke-cdk, the module's name, so
// that it never shares a binary name with the operator command hubspoke): it
// reads the fleet file and synthesizes HubStack and one SpokeStack-<name> per
// spoke.
//
// The fleet file is fleet.yaml, or the path given with `cdk synth -c
// config=path/to/fleet.yaml`. A fleet file with problems stops the app before
// any construct is built, listing every problem with its line.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/appcontext"
	"hubspoke-cdk/internal/jsiienv"
	"hubspoke-cdk/stacks"
)

func main() {
	code := 1
	if err := jsiienv.CheckNodeOnce(); err != nil {
		fmt.Fprintln(os.Stderr, "hubspoke:", err)
	} else {
		jsiienv.Ensure()
		code = run()
	}
	// On every path (os.Exit skips deferred calls).
	jsiienv.CloseQuietly()
	os.Exit(code)
}

func run() int {
	ctx := os.Getenv("CDK_CONTEXT_JSON")
	// `-c timing=true` prints how long each phase took.
	phase := phaseTimer(stacks.ContextFlag(ctx, "timing"))
	path := stacks.FleetPathFromContext(ctx)
	fleet, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	phase("load and validate the fleet file")
	// tree.json costs time per spoke and only diagram tools read it:
	// `-c tree=true` (make diagram) writes it.
	appContext := appcontext.Defaults()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &appContext, TreeMetadata: jsii.Bool(stacks.ContextFlag(ctx, "tree"))})
	phase("start jsii and aws-cdk-lib")
	buildDate, err := stacks.BuildDateFromContext(ctx, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	imageTag, err := stacks.ImageTagFromContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := stacks.AppOptions{FleetPath: path, AgentDir: agentimage.Dir, BuildDate: buildDate, ImageTag: imageTag, Nag: stacks.ContextFlag(ctx, "nag")}
	if _, err := stacks.AddApp(app, fleet, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	phase(fmt.Sprintf("build the constructs (%d spokes)", len(fleet.Spokes)))
	if err := stacks.Synth(app); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	phase("synthesize the cloud assembly")
	return 0
}

// phaseTimer returns a function that, when on, prints to stderr the time
// since the previous call (or since the start) with the phase's name.
func phaseTimer(on bool) func(name string) {
	last := time.Now()
	return func(name string) {
		if on {
			fmt.Fprintf(os.Stderr, "%6d ms  %s\n", time.Since(last).Milliseconds(), name)
		}
		last = time.Now()
	}
}
