package preview

import (
	"math"
	"testing"
)

// The chart's grid: column c is the 5-minute slot c after each spoke's own
// Monday 00:00, drawn at its middle (x in hours), the first spoke on top,
// and its value the capacity at the slot's middle; after the week, 0.
// Worked by hand from the ordinary UTC week (TestOrdinaryWeek): 0 until
// 00:05, 1 until 07:00, 4 until 19:00; without night capacity 0 until
// 07:00.
func TestChartGrid(t *testing.T) {
	w := week("UTC", 0)
	w.Night = 0
	var results []Result
	for _, sp := range []Spoke{
		{Name: "ordinary", Region: "eu-west-1", Week: week("UTC", 0), CPU: 1024, MemoryMiB: 2048},
		{Name: "no-night", Region: "eu-west-1", Week: w, CPU: 1024, MemoryMiB: 2048},
	} {
		r, err := Simulate(sp, day("2026-06-17"))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	g := grid{results, 169 * 12}
	if c, r := g.Dims(); c != 2028 || r != 2 {
		t.Errorf("dims %d x %d, want 2028 x 2", c, r)
	}
	for c, want := range map[int]float64{0: 2.5 / 60, 1: 7.5 / 60, 12: 62.5 / 60} {
		if got := g.X(c); math.Abs(got-want) > 1e-9 {
			t.Errorf("x of column %d = %v hours, want %v", c, got, want)
		}
	}
	if g.Y(0) != 1 || g.Y(1) != 0 {
		t.Errorf("rows at y %v and %v, want the first spoke on top (1, then 0)", g.Y(0), g.Y(1))
	}
	for _, c := range []struct {
		col, row int
		want     float64
	}{
		{0, 0, 0},    // 00:02:30
		{1, 0, 1},    // 00:07:30
		{83, 0, 1},   // 06:57:30
		{84, 0, 4},   // 07:02:30
		{227, 0, 4},  // 18:57:30
		{228, 0, 1},  // 19:02:30
		{1, 1, 0},    // no night capacity
		{84, 1, 4},   //
		{2020, 0, 0}, // Monday 00:20 of the next week: after the week
	} {
		if got := g.Z(c.col, c.row); got != c.want {
			t.Errorf("row %d column %d: capacity %v, want %v", c.row, c.col, got, c.want)
		}
	}
}
