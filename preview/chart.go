package preview

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// slot is the chart's time resolution: fine enough to show the 5-minute
// refresh gap.
const slot = 5 * time.Minute

// grid is the week of every spoke as a heat map: one row per spoke, one
// column per slot after each spoke's own Monday 00:00.
type grid struct {
	results []Result
	cols    int
}

func (g grid) Dims() (c, r int) { return g.cols, len(g.results) }
func (g grid) X(c int) float64  { return (float64(c) + 0.5) * slot.Hours() }
func (g grid) Y(r int) float64  { return float64(len(g.results) - 1 - r) } // first spoke on top
func (g grid) Z(c, r int) float64 {
	return float64(capacityAt(g.results[r], g.results[r].Start.Add(time.Duration(c)*slot+slot/2)))
}

func capacityAt(r Result, t time.Time) int {
	for _, s := range r.Segments {
		if !t.Before(s.From) && t.Before(s.To) {
			return s.Capacity
		}
	}
	return 0
}

// WriteChart draws the fleet's week to dir/week.svg and dir/week.png.
func WriteChart(dir string, results []Result) ([]string, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("no spokes to draw")
	}
	maxCap := 1
	for _, r := range results {
		maxCap = max(maxCap, r.Spoke.Week.MaxCapacity())
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Agents per spoke over the week of %s (darker = more, up to %d)", results[0].Start.Format("02 Jan 2006"), maxCap)
	p.X.Label.Text = "hours after Monday 00:00, each spoke in its own time zone"
	// Sequential, light for 0 to dark for the most agents.
	kindlmann := moreland.Kindlmann()
	kindlmann.SetMin(0)
	kindlmann.SetMax(float64(maxCap + 1))
	colors := palette.Reverse(kindlmann).Palette(maxCap + 2).Colors()[:maxCap+1]
	pal := fixedPalette(colors)
	cols := 169 * 60 / 5 // up to 169 hours (a daylight-saving week)
	hm := plotter.NewHeatMap(grid{results, cols}, pal)
	hm.Min, hm.Max = 0, float64(maxCap)
	p.Add(hm)
	var dayTicks []plot.Tick
	for d, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"} {
		dayTicks = append(dayTicks, plot.Tick{Value: float64(24 * d), Label: name})
	}
	p.X.Tick.Marker = plot.ConstantTicks(dayTicks)
	p.X.Min, p.X.Max = 0, 168
	var spokeTicks []plot.Tick
	for i, r := range results {
		spokeTicks = append(spokeTicks, plot.Tick{Value: float64(len(results) - 1 - i), Label: r.Spoke.Name})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(spokeTicks)
	p.Y.Min, p.Y.Max = -0.5, float64(len(results))-0.5
	// A legend swatch per capacity level (at most 10).
	step := int(math.Ceil(float64(maxCap+1) / 10))
	for c := 0; c <= maxCap; c += step {
		box, _ := plotter.NewPolygon(plotter.XYs{{X: 0, Y: 0}})
		box.Color = colors[c]
		p.Legend.Add(fmt.Sprintf("%d", c), box)
	}
	p.Legend.Top = true
	p.Legend.Left = false

	height := vg.Length(1.5+0.22*float64(len(results))) * vg.Inch
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, ext := range []string{"svg", "png"} {
		path := filepath.Join(dir, "week."+ext)
		if err := p.Save(12*vg.Inch, height, path); err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
		files = append(files, path)
	}
	return files, nil
}

type fixedPalette []color.Color

func (p fixedPalette) Colors() []color.Color { return p }
