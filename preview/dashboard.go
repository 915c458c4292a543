package preview

// The fleet dashboard's panels (constructs.FleetDashboardBody), drawn from
// a simulated week: what the dashboard will show for a spoke before it is
// deployed.

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DashboardPeriod is the period of the dashboard's job-wait percentiles.
const DashboardPeriod = 5 * time.Minute

// WaitPercentiles is, per DashboardPeriod from start, the p50 and p95 of
// the waits of the jobs picked up in it (as CloudWatch computes them from
// the poller's JobWaitSeconds values); periods without a pickup are left
// out, as the dashboard draws no point for them.
func WaitPercentiles(pickups []Pickup, start time.Time) (at []time.Time, p50, p95 []time.Duration) {
	var cur []time.Duration
	var slot time.Time
	flush := func() {
		if len(cur) > 0 {
			slices.Sort(cur)
			at, p50, p95 = append(at, slot), append(p50, percentile(cur, 0.50)), append(p95, percentile(cur, 0.95))
		}
		cur = nil
	}
	for _, p := range pickups {
		s := start.Add(p.At.Sub(start) / DashboardPeriod * DashboardPeriod)
		if !s.Equal(slot) {
			flush()
			slot = s
		}
		cur = append(cur, p.Wait)
	}
	flush()
	return at, p50, p95
}

// WriteDashboardCharts draws, for each spoke that follows demand, the
// dashboard's panels of its simulated week (dashboard-<spoke>.svg and .png
// in dir): agents busy, idle and starting against floor and ceiling;
// waiting jobs; job wait p50 and p95 per 5 minutes; tasks started an hour.
func WriteDashboardCharts(dir string, runs []WorkloadRun) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, r := range runs {
		if r.PlaceholderDemand == nil {
			continue
		}
		d := *r.PlaceholderDemand
		if len(d.Samples) == 0 {
			continue
		}
		start := d.Samples[0].At
		hours := func(t time.Time) float64 { return t.Sub(start).Hours() }
		panel := func(title, ylabel string) *plot.Plot {
			p := plot.New()
			p.Title.Text = title
			p.Y.Label.Text = ylabel
			var ticks []plot.Tick
			for i, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"} {
				ticks = append(ticks, plot.Tick{Value: float64(24 * i), Label: name})
			}
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
			p.X.Min, p.X.Max = 0, 168
			p.Legend.Top = true
			return p
		}
		addLine := func(p *plot.Plot, name string, xy plotter.XYs, i int) error {
			line, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			line.Color = dashboardColors[i%len(dashboardColors)]
			line.Width = vg.Points(1)
			p.Add(line)
			p.Legend.Add(name, line)
			return nil
		}
		sampled := func(v func(Sample) int) plotter.XYs {
			xy := make(plotter.XYs, len(d.Samples))
			for j, s := range d.Samples {
				xy[j] = plotter.XY{X: hours(s.At), Y: float64(v(s))}
			}
			return xy
		}
		agents := panel(fmt.Sprintf("%s (simulated, with standby and placeholder): agents busy, idle, starting against floor and ceiling", d.Spoke), "agents")
		for i, s := range []struct {
			name string
			v    func(Sample) int
		}{
			{"busy", func(s Sample) int { return s.Busy }}, {"idle", func(s Sample) int { return s.Idle }},
			{"starting", func(s Sample) int { return s.Starting }}, {"floor", func(s Sample) int { return s.Floor }},
			{"ceiling", func(s Sample) int { return s.Ceiling }},
		} {
			if err := addLine(agents, s.name, sampled(s.v), i); err != nil {
				return nil, err
			}
		}
		waiting := panel("Waiting jobs", "jobs")
		if err := addLine(waiting, "waiting", sampled(func(s Sample) int { return s.Queued }), 5); err != nil {
			return nil, err
		}
		wait := panel(fmt.Sprintf("Job wait (s) p50 and p95 per 5 minutes (week: p50 %s, p95 %s)", short(d.WaitP50), short(d.WaitP95)), "seconds")
		at, p50, p95 := WaitPercentiles(d.Pickups, start)
		for i, q := range [][]time.Duration{p50, p95} {
			xy := make(plotter.XYs, len(at))
			for j := range at {
				xy[j] = plotter.XY{X: hours(at[j]), Y: q[j].Seconds()}
			}
			if len(xy) == 0 {
				continue
			}
			// Points, not a line: a period without pickups has no value.
			pts, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			pts.Color = dashboardColors[6+i]
			pts.Radius = vg.Points(1.2)
			wait.Add(pts)
			wait.Legend.Add([]string{"p50", "p95"}[i], pts)
		}
		starts := panel(fmt.Sprintf("Tasks started an hour (week: %d for %d jobs)", d.TasksStarted, d.Jobs), "tasks")
		starts.X.Label.Text = "the spoke's time zone"
		perHour := make(plotter.XYs, 168)
		for h := range perHour {
			perHour[h].X = float64(h) + 0.5
		}
		for _, t := range d.Starts {
			if h := int(hours(t)); h >= 0 && h < len(perHour) {
				perHour[h].Y++
			}
		}
		if err := addLine(starts, "tasks started", perHour, 0); err != nil {
			return nil, err
		}
		plots := [][]*plot.Plot{{agents}, {waiting}, {wait}, {starts}}
		for _, ext := range []string{"svg", "png"} {
			path := filepath.Join(dir, "dashboard-"+d.Spoke+"."+ext)
			if err := saveStacked(plots, path, ext); err != nil {
				return nil, fmt.Errorf("writing %s: %w", path, err)
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// saveStacked draws plots one above the other into one SVG or PNG file.
func saveStacked(plots [][]*plot.Plot, path, ext string) error {
	w, h := 14*vg.Inch, vg.Length(3*len(plots))*vg.Inch
	var c vg.CanvasWriterTo
	if ext == "svg" {
		c = vgsvg.New(w, h)
	} else {
		c = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(10)}
	canvases := plot.Align(plots, tiles, draw.New(c))
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// dashboardColors: busy, idle, starting, floor, ceiling, waiting, p50, p95
// (CloudWatch's default palette order).
var dashboardColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff},
	color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}
