package preview

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"hubspoke-cdk/config"
	"hubspoke-cdk/schedule"
)

// WorkloadRun is one spoke's week by the schedule alone and, when the spoke
// follows demand, as configured; each without and with a placeholder agent
// in the pool (without one, jobs queued while no agent is registered are
// rejected).
type WorkloadRun struct {
	Schedule WorkloadResult
	Demand   *WorkloadResult // nil: the spoke does not follow demand
	// The same jobs with a placeholder agent always registered in the pool.
	PlaceholderSchedule WorkloadResult
	PlaceholderDemand   *WorkloadResult
}

// SimulateFleetWorkload runs the workload against every spoke of the fleet
// for the week containing day, each spoke with its own draw of jobs (seed
// p.Seed + its index), without and with a placeholder agent (p.Placeholder
// is ignored).
func SimulateFleetWorkload(f *config.Fleet, w Workload, day time.Time, p WorkloadParams) ([]WorkloadRun, error) {
	p = p.withDefaults()
	var runs []WorkloadRun
	for i, s := range f.Spokes {
		sp := spokeOf(s)
		loc, err := time.LoadLocation(sp.Week.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("spoke %s: time zone: %w", s.Name, err)
		}
		start := WeekStart(day, loc)
		jobs := w.Jobs(start, p.Seed+uint64(i))
		params := p
		params.MaxJobMinutes = s.Agent.MaxJobMinutes
		alone := sp
		alone.Week.Demand = nil
		var run WorkloadRun
		for _, placeholder := range []bool{false, true} {
			params.Placeholder = placeholder
			sched, err := SimulateWorkload(alone, jobs, start, params)
			if err != nil {
				return nil, err
			}
			var demand *WorkloadResult
			if sp.Week.Demand != nil {
				dp := params
				if a := sp.Week.Demand.Auto; a != nil && dp.Ready == nil {
					// Automatic standby: the weeks before this one are its
					// history (their own draws of the workload).
					hist, err := SimulateWeeks(sp, w.Jobs, start.AddDate(0, 0, -7*a.Weeks), a.Weeks, withSeed(params, p.Seed+uint64(i)+historySeed))
					if err != nil {
						return nil, err
					}
					ready := schedule.AutoReady(peaksOf(hist), a.Percentile)
					dp.Ready = &ready
				}
				d, err := SimulateWorkload(sp, jobs, start, dp)
				if err != nil {
					return nil, err
				}
				demand = &d
			}
			if placeholder {
				run.PlaceholderSchedule, run.PlaceholderDemand = sched, demand
			} else {
				run.Schedule, run.Demand = sched, demand
			}
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// historySeed separates the draws of an automatic standby's history
// weeks from the week shown.
const historySeed = 1000

func withSeed(p WorkloadParams, seed uint64) WorkloadParams {
	p.Seed = seed
	return p
}

// peaksOf is the weeks' HourPeaks.
func peaksOf(weeks []WorkloadResult) [][schedule.HoursOfWeek]int {
	out := make([][schedule.HoursOfWeek]int, len(weeks))
	for i, r := range weeks {
		out[i] = r.HourPeaks
	}
	return out
}

// WriteWorkloadReport prints, per spoke and for the fleet, the jobs
// rejected, the waits, agent-hours, monthly cost, jobs cut and tasks
// started by the schedule alone and as configured (following demand where
// a spoke does), each without and with a placeholder agent in the pool.
func WriteWorkloadReport(out io.Writer, w Workload, p WorkloadParams, runs []WorkloadRun) {
	p = p.withDefaults()
	start := p.StartLatency.String()
	if p.Start.set() {
		start = fmt.Sprintf("%s-%s (median %s)", p.Start.Min, p.Start.Max, p.Start.Median)
	}
	standby := "each spoke's own (the fleet file's demand.standby)"
	if s := p.Standby; s != nil {
		standby = fmt.Sprintf("%d/%d/%d (work hours/nights/weekends) for every spoke", s.WorkHours, s.Nights, s.Weekends)
	}
	fmt.Fprintf(out, "\nWorkload %q: a week of jobs per spoke; agent start %s, scale-in cooldown %s, standby %s\n",
		w.Name, start, p.ScaleInCooldown, standby)
	fmt.Fprintln(out, "Each spoke gets its own draw of the profile's jobs; describe your teams' with -workload FILE (make preview WORKLOAD=FILE; format in docs/demand.md).")
	fmt.Fprintln(out, "rejected: queued while no agent was registered in the pool, failed at once by Azure DevOps; +placeholder: the pool keeps an offline placeholder agent, so those jobs wait instead.")
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "spoke\tmode\tjobs\trejected\twait p50\twait p95\twait max\tagent-hours/week\tUSD/month\tjobs cut\ttasks started\t")
	var alone, configured, aloneP, configuredP []WorkloadResult
	for _, r := range runs {
		row(tw, r.Schedule, "schedule")
		row(tw, r.PlaceholderSchedule, "schedule+placeholder")
		alone = append(alone, r.Schedule)
		aloneP = append(aloneP, r.PlaceholderSchedule)
		if r.Demand != nil {
			row(tw, *r.Demand, "demand")
			row(tw, *r.PlaceholderDemand, "demand+placeholder")
			configured = append(configured, *r.Demand)
			configuredP = append(configuredP, *r.PlaceholderDemand)
		} else {
			configured = append(configured, r.Schedule)
			configuredP = append(configuredP, r.PlaceholderSchedule)
		}
	}
	fleetRow(tw, "schedule only", alone)
	fleetRow(tw, "schedule only+placeholder", aloneP)
	fleetRow(tw, "as configured", configured)
	fleetRow(tw, "as configured+placeholder", configuredP)
	tw.Flush()
}

func row(tw io.Writer, r WorkloadResult, mode string) {
	fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%.1f\t%s\t%d\t%d\t\n", r.Spoke, mode, r.Jobs, r.Rejected,
		short(r.WaitP50), short(r.WaitP95), short(r.WaitMax), r.AgentHours, usd(r.MonthlyCost), r.JobsCut, r.TasksStarted)
}

// fleetRow sums the spokes; a spoke without a price leaves the fleet's
// cost unknown (no price), not lower.
func fleetRow(tw io.Writer, mode string, rs []WorkloadResult) {
	var waits []time.Duration
	total := WorkloadResult{Spoke: "fleet"}
	for _, r := range rs {
		waits = append(waits, r.Waits...)
		total.Jobs += r.Jobs
		total.Rejected += r.Rejected
		total.AgentHours += r.AgentHours
		total.MonthlyCost += r.MonthlyCost
		total.JobsCut += r.JobsCut
		total.TasksStarted += r.TasksStarted
	}
	slices.Sort(waits)
	total.WaitP50, total.WaitP95 = percentile(waits, 0.5), percentile(waits, 0.95)
	if len(waits) > 0 {
		total.WaitMax = waits[len(waits)-1]
	}
	row(tw, total, mode)
}

// short is a duration to the second.
func short(d time.Duration) string { return d.Round(time.Second).String() }

// WriteWorkloadCharts draws, for each spoke that follows demand, its week:
// waiting jobs, agents, and the schedule's floor and ceiling
// (workload-<spoke>.svg and .png in dir).
func WriteWorkloadCharts(dir string, runs []WorkloadRun) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, r := range runs {
		if r.Demand == nil {
			continue
		}
		d := *r.Demand
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: a week of jobs following demand (p95 wait %s; by the schedule alone %s)", d.Spoke, short(d.WaitP95), short(r.Schedule.WaitP95))
		p.X.Label.Text = "hours after Monday 00:00 (the spoke's time zone)"
		p.Y.Label.Text = "agents / jobs"
		start := d.Samples[0].At
		series := []struct {
			name string
			v    func(Sample) int
		}{
			{"ceiling", func(s Sample) int { return s.Ceiling }},
			{"floor", func(s Sample) int { return s.Floor }},
			{"agents", func(s Sample) int { return s.Agents }},
			{"waiting jobs", func(s Sample) int { return s.Queued }},
		}
		for i, s := range series {
			xy := make(plotter.XYs, len(d.Samples))
			for j, sm := range d.Samples {
				xy[j] = plotter.XY{X: sm.At.Sub(start).Hours(), Y: float64(s.v(sm))}
			}
			line, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			line.Color = plotColors[i]
			line.Width = vg.Points(1)
			p.Add(line)
			p.Legend.Add(s.name, line)
		}
		p.Legend.Top = true
		var dayTicks []plot.Tick
		for i, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"} {
			dayTicks = append(dayTicks, plot.Tick{Value: float64(24 * i), Label: name})
		}
		p.X.Tick.Marker = plot.ConstantTicks(dayTicks)
		p.X.Min, p.X.Max = 0, 168
		for _, ext := range []string{"svg", "png"} {
			path := filepath.Join(dir, "workload-"+d.Spoke+"."+ext)
			if err := p.Save(14*vg.Inch, 4*vg.Inch, path); err != nil {
				return nil, fmt.Errorf("writing %s: %w", path, err)
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// plotColors: ceiling, floor, agents, waiting jobs.
var plotColors = []color.Color{
	color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff},
	color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff},
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}
