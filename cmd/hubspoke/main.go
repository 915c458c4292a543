// Command hubspoke is the operator's tool for a fleet file, without CDK or
// jsii (it starts in milliseconds):
//
//	hubspoke validate [-fleet fleet.yaml]
//	hubspoke preview  [-fleet fleet.yaml] [-week 2026-03-23] [-out cdk.out/preview]
//	hubspoke image-tag [-fleet fleet.yaml] [-date 2026-11-23]
//
// validate checks the fleet file and lists every problem with its line.
// preview simulates one week of every spoke's scheduled actions in its time
// zone and prints capacity, agent-hours, the longest agent life and the
// monthly cost, draws week.svg and week.png, and checks the longest agent
// life over the whole year. image-tag prints the agent image tag that
// `cdk deploy` and the pipeline deploy (push an image you build yourself
// under it).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"hubspoke/agentimage"
	"hubspoke/config"
	"hubspoke/preview"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "validate" && args[0] != "preview" && args[0] != "image-tag") {
		fmt.Fprintln(stderr, "usage: hubspoke validate|preview|image-tag [-fleet fleet.yaml] [-week YYYY-MM-DD] [-out dir] [-date YYYY-MM-DD]")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fleetPath := fs.String("fleet", "fleet.yaml", "fleet file")
	week := fs.String("week", "", "a day of the week to simulate (YYYY-MM-DD); default: this week")
	out := fs.String("out", "cdk.out/preview", "directory for week.svg and week.png")
	date := fs.String("date", "", "image-tag: the date whose rebuild period to name (YYYY-MM-DD); default: today")
	agentDir := fs.String("agent", agentimage.Dir, "image-tag: the agent image folder")
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
	if args[0] == "image-tag" {
		when := time.Now()
		if *date != "" {
			if when, err = time.Parse("2006-01-02", *date); err != nil {
				fmt.Fprintf(stderr, "-date %q: use YYYY-MM-DD\n", *date)
				return 2
			}
		}
		tag, err := agentimage.Tag(*agentDir, fleet.Image.Rebuild, when)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintln(stdout, tag)
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
	years, err := preview.SimulateFleetYear(fleet, day.Year())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	preview.WriteYearReport(stdout, years)
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
