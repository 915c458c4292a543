// Command hubspoke is the operator's tool for a fleet file, without CDK or
// jsii (it starts in milliseconds):
//
//	hubspoke validate [-fleet fleet.yaml]
//	hubspoke preview  [-fleet fleet.yaml] [-week 2026-03-23] [-out cdk.out/preview]
//
// validate checks the fleet file and lists every problem with its line.
// preview simulates one week of every spoke's scheduled actions in its time
// zone and prints capacity, agent-hours, the longest agent life and the
// monthly cost, and draws week.svg and week.png.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"hubspoke/config"
	"hubspoke/preview"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "validate" && args[0] != "preview") {
		fmt.Fprintln(stderr, "usage: hubspoke validate|preview [-fleet fleet.yaml] [-week YYYY-MM-DD] [-out dir]")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fleetPath := fs.String("fleet", "fleet.yaml", "fleet file")
	week := fs.String("week", "", "a day of the week to simulate (YYYY-MM-DD); default: this week")
	out := fs.String("out", "cdk.out/preview", "directory for week.svg and week.png")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	fleet, err := config.Load(*fleetPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if args[0] == "validate" {
		fmt.Fprintf(stdout, "%s: valid: hub %s/%s, %d spokes in %d waves\n", *fleetPath, fleet.Hub.Account, fleet.Hub.Region, len(fleet.Spokes), len(fleet.Waves()))
		return 0
	}
	day := time.Now()
	if *week != "" {
		if day, err = time.Parse("2006-01-02", *week); err != nil {
			fmt.Fprintf(stderr, "-week %q: use YYYY-MM-DD\n", *week)
			return 2
		}
	}
	results, err := preview.SimulateFleet(fleet, day)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	preview.WriteReport(stdout, results)
	files, err := preview.WriteChart(*out, results)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	return 0
}
