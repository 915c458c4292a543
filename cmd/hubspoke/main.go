// Command hubspoke is the operator's tool for a fleet file, without CDK or
// jsii (it starts in milliseconds):
//
//	hubspoke validate [-fleet fleet.yaml]
//	hubspoke preview  [-fleet fleet.yaml] [-week 2026-03-23] [-out cdk.out/preview]
//	                  [-workload reference|FILE] [-start-latency 2m | -start 1m,2m,3m] [-standby 0,0,0] [-seed 1]
//	hubspoke image-tag [-fleet fleet.yaml] [-date 2026-11-23]
//	hubspoke access   [-assembly cdk.out] [-root .]
//	hubspoke fleetgen [-spokes 75] [-waves 3] [-org o-...] [-pipeline]
//
// validate checks the fleet file and lists every problem with its line.
// preview simulates one week of every spoke's scheduled actions in its time
// zone and prints capacity, agent-hours, the longest agent life and the
// monthly cost, draws week.svg and week.png, and checks the longest agent
// life over the whole year, then a week of jobs per spoke (waits, jobs
// rejected for an empty pool, with and without a placeholder agent, cost,
// tasks started). image-tag prints the agent image tag that
// `cdk deploy` and the pipeline deploy (push an image you build yourself
// under it). access prints the access matrix of a synthesized cloud assembly
// (run make synth first), decided by an IAM policy simulator; it exits 1 when
// a decision differs from the expected one. fleetgen writes a synthetic fleet
// file, for trying the app at scale.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"hubspoke-cdk/access"
	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/preview"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "validate", "preview", "image-tag":
	case "access":
		return runAccess(args[1:], stdout, stderr)
	case "fleetgen":
		return runFleetgen(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "hubspoke: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fleetPath := fs.String("fleet", "fleet.yaml", "fleet file")
	week := fs.String("week", "", "a day of the week to simulate (YYYY-MM-DD); default: this week")
	out := fs.String("out", "cdk.out/preview", "directory for week.svg and week.png")
	date := fs.String("date", "", "image-tag: the date whose rebuild period to name (YYYY-MM-DD); default: today")
	agentDir := fs.String("agent", agentimage.Dir, "image-tag: the agent image folder")
	workload := fs.String("workload", "reference", "preview: the job-arrival profile (a YAML file, or reference)")
	startLatency := fs.Duration("start-latency", preview.DefaultStartLatency, "preview: from a task asked for to its agent taking jobs")
	startDist := fs.String("start", "", "preview: agent start as a distribution MIN,MEDIAN,MAX (e.g. 1m,2m,3m); replaces -start-latency")
	standby := fs.String("standby", "", "preview: idle agents kept above busy ones following demand, WORK,NIGHT,WEEKEND, for every spoke; default: each spoke's demand.standby")
	seed := fs.Uint64("seed", 1, "preview: seed of the job arrivals and agent starts")
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
	params := preview.WorkloadParams{StartLatency: *startLatency, Seed: *seed}
	if *startDist != "" {
		if params.Start, err = parseStart(*startDist); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	if *standby != "" {
		s, err := parseStandby(*standby)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		params.Standby = &s
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
	w := preview.ReferenceWorkload()
	if *workload != "reference" {
		if w, err = preview.LoadWorkload(*workload); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	runs, err := preview.SimulateFleetWorkload(fleet, w, day, params)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	preview.WriteWorkloadReport(stdout, w, params, runs)
	charts, err := preview.WriteWorkloadCharts(*out, runs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	files = append(files, charts...)
	panels, err := preview.WriteDashboardCharts(*out, runs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	files = append(files, panels...)
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	return 0
}

const usage = `usage: hubspoke COMMAND [flags]
  validate   [-fleet fleet.yaml]                  check the fleet file
  preview    [-fleet fleet.yaml] [-week DATE] [-out cdk.out/preview] [-workload reference|FILE] [-start-latency 2m]
  image-tag  [-fleet fleet.yaml] [-date DATE]     the agent image tag both delivery paths deploy
  access     [-assembly cdk.out] [-root .]        access matrix of a synthesized assembly
  fleetgen   [-spokes 75] [-waves 3] [-org o-...] [-pipeline]   a synthetic fleet file`

// parseStart reads -start MIN,MEDIAN,MAX.
func parseStart(v string) (preview.StartDist, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return preview.StartDist{}, fmt.Errorf("-start %q: give three durations MIN,MEDIAN,MAX, e.g. 1m,2m,3m", v)
	}
	var d [3]time.Duration
	for i, p := range parts {
		var err error
		if d[i], err = time.ParseDuration(strings.TrimSpace(p)); err != nil {
			return preview.StartDist{}, fmt.Errorf("-start %q: %q is not a duration such as 90s or 2m", v, p)
		}
	}
	if d[0] <= 0 || d[1] < d[0] || d[2] < d[1] {
		return preview.StartDist{}, fmt.Errorf("-start %q: want 0 < MIN <= MEDIAN <= MAX", v)
	}
	return preview.StartDist{Min: d[0], Median: d[1], Max: d[2]}, nil
}

// parseStandby reads -standby WORK,NIGHT,WEEKEND.
func parseStandby(v string) (preview.Standby, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return preview.Standby{}, fmt.Errorf("-standby %q: give three counts WORK,NIGHT,WEEKEND, e.g. 1,0,0", v)
	}
	var n [3]int
	for i, p := range parts {
		var err error
		if n[i], err = strconv.Atoi(strings.TrimSpace(p)); err != nil || n[i] < 0 {
			return preview.Standby{}, fmt.Errorf("-standby %q: %q is not a count of 0 or more idle agents", v, p)
		}
	}
	return preview.Standby{WorkHours: n[0], Nights: n[1], Weekends: n[2]}, nil
}

// runAccess decides the access matrix of an existing cloud assembly.
func runAccess(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("access", flag.ContinueOnError)
	fs.SetOutput(stderr)
	assembly := fs.String("assembly", "cdk.out", "cloud assembly directory (make synth writes it)")
	root := fs.String("root", ".", "repository root (holds tools/iam-simulate and node_modules)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	all, err := access.ReadAssembly(*assembly)
	if err != nil {
		fmt.Fprintf(stderr, "%v (run make synth first)\n", err)
		return 1
	}
	hub, spokes, err := access.Extract(all)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	results, err := access.Run(*root, access.Cases(hub, spokes))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if access.WriteTable(stdout, results) > 0 {
		return 1
	}
	return 0
}

// runFleetgen writes a synthetic fleet file to stdout.
func runFleetgen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleetgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("spokes", 75, "number of spokes")
	org := fs.String("org", "", "organization id (o-...) for organization mode")
	waves := fs.Int("waves", 3, "number of waves")
	pipeline := fs.Bool("pipeline", false, "add a pipeline section")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	stdout.Write(fleetgen.YAML(fleetgen.Options{Spokes: *n, OrganizationID: *org, Waves: *waves, Pipeline: *pipeline}))
	return 0
}
