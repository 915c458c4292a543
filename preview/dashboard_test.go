package preview

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Per 5 minutes from Monday 00:00: pickups at 00:01 (10 s), 00:04 (30 s),
// 00:04:59 (20 s) share the first period: sorted 10, 20, 30, nearest rank
// p50 the 2nd (20 s), p95 the 3rd (30 s); none in 00:05-00:10 (no point);
// one at 00:12 (2 m) alone in its period.
func TestWaitPercentiles(t *testing.T) {
	m := monday
	pickups := []Pickup{{m.Add(time.Minute), 10 * time.Second}, {m.Add(4 * time.Minute), 30 * time.Second},
		{m.Add(4*time.Minute + 59*time.Second), 20 * time.Second}, {m.Add(12 * time.Minute), 2 * time.Minute}}
	at, p50, p95 := WaitPercentiles(pickups, m)
	if !slices.Equal(at, []time.Time{m, m.Add(10 * time.Minute)}) || !slices.Equal(p50, []time.Duration{20 * time.Second, 2 * time.Minute}) ||
		!slices.Equal(p95, []time.Duration{30 * time.Second, 2 * time.Minute}) {
		t.Errorf("periods %v p50 %v p95 %v; want [00:00 00:10] [20s 2m] [30s 2m]", at, p50, p95)
	}
}

// Agents by state in the samples: floor 1 in working hours (UTC), one
// 10-minute job at Tuesday 10:00 on the one agent (ready since Monday
// 07:02): at 10:00 busy 1; its agent exits at 10:10 and ECS starts a
// replacement (the count is still 1): at 10:10 starting 1, at 10:15 idle 1.
// The panels are drawn for demand spokes only.
func TestSamplesByStateAndDashboardCharts(t *testing.T) {
	sp := demandSpoke(true)
	r, err := SimulateWorkload(sp, []Job{{Queued: at(1, 10, 0), Duration: 10 * time.Minute}}, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	state := func(t0 time.Time) [3]int {
		for _, s := range r.Samples {
			if s.At.Equal(t0) {
				return [3]int{s.Busy, s.Idle, s.Starting}
			}
		}
		return [3]int{-1, -1, -1}
	}
	for _, c := range []struct {
		at   time.Time
		want [3]int
	}{{at(1, 10, 0), [3]int{1, 0, 0}}, {at(1, 10, 10), [3]int{0, 0, 1}}, {at(1, 10, 15), [3]int{0, 1, 0}}} {
		if got := state(c.at); got != c.want {
			t.Errorf("%s: busy/idle/starting %v, want %v", c.at.Format("Mon 15:04"), got, c.want)
		}
	}
	// Starts: one per task started in the week, in order; the replacement
	// at Tuesday 10:10 among them.
	if len(r.Starts) != r.TasksStarted || !slices.IsSortedFunc(r.Starts, func(a, b time.Time) int { return a.Compare(b) }) || !slices.ContainsFunc(r.Starts, func(t0 time.Time) bool { return t0.Equal(at(1, 10, 10)) }) {
		t.Errorf("starts %v (%d tasks started), want them in order with Tuesday 10:10", r.Starts, r.TasksStarted)
	}
	dir := t.TempDir()
	files, err := WriteDashboardCharts(dir, []WorkloadRun{{PlaceholderDemand: &r}, {Schedule: r}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "dashboard-dev.svg"), filepath.Join(dir, "dashboard-dev.png")}
	if !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		magic := map[string]string{".svg": "<?xml", ".png": "\x89PNG"}[filepath.Ext(f)]
		if err != nil || len(b) < 1000 || !strings.HasPrefix(string(b), magic) {
			t.Errorf("%s: %v, %d bytes, want an %s file", f, err, len(b), filepath.Ext(f))
		}
	}
}
