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
)

// WorkloadRun is one spoke's week by the schedule alone and, when the spoke
// follows demand, as configured.
type WorkloadRun struct {
	Schedule WorkloadResult
	Demand   *WorkloadResult // nil: the spoke does not follow demand
}

// SimulateFleetWorkload runs the workload against every spoke of the fleet
// for the week containing day, each spoke with its own draw of jobs (seed
// p.Seed + its index).
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
		if run.Schedule, err = SimulateWorkload(alone, jobs, start, params); err != nil {
			return nil, err
		}
		if sp.Week.Demand != nil {
			d, err := SimulateWorkload(sp, jobs, start, params)
			if err != nil {
				return nil, err
			}
			run.Demand = &d
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// WriteWorkloadReport prints, per spoke and for the fleet, the waits,
// agent-hours, monthly cost and jobs cut by the schedule alone and as
// configured (following demand where a spoke does).
func WriteWorkloadReport(out io.Writer, w Workload, p WorkloadParams, runs []WorkloadRun) {
	p = p.withDefaults()
	fmt.Fprintf(out, "\nWorkload %q: a week of jobs per spoke; agent start %s, scale-in cooldown %s\n", w.Name, p.StartLatency, p.ScaleInCooldown)
	fmt.Fprintln(out, "Each spoke gets its own draw of the profile's jobs; describe your teams' with -workload FILE (make preview WORKLOAD=FILE; format in docs/demand.md).")
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "spoke\tmode\tjobs\twait p50\twait p95\twait max\tagent-hours/week\tUSD/month\tjobs cut\t")
	var alone, configured []WorkloadResult
	for _, r := range runs {
		row(tw, r.Schedule, "schedule")
		alone = append(alone, r.Schedule)
		if r.Demand != nil {
			row(tw, *r.Demand, "demand")
			configured = append(configured, *r.Demand)
		} else {
			configured = append(configured, r.Schedule)
		}
	}
	fleetRow(tw, "schedule only", alone)
	fleetRow(tw, "as configured", configured)
	tw.Flush()
}

func row(tw io.Writer, r WorkloadResult, mode string) {
	fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%.1f\t%.2f\t%d\t\n", r.Spoke, mode, r.Jobs,
		short(r.WaitP50), short(r.WaitP95), short(r.WaitMax), r.AgentHours, r.MonthlyCost, r.JobsCut)
}

func fleetRow(tw io.Writer, mode string, rs []WorkloadResult) {
	var waits []time.Duration
	total := WorkloadResult{Spoke: "fleet"}
	for _, r := range rs {
		waits = append(waits, r.Waits...)
		total.Jobs += r.Jobs
		total.AgentHours += r.AgentHours
		total.MonthlyCost += r.MonthlyCost
		total.JobsCut += r.JobsCut
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
