package preview

import (
	"testing"
	"time"
)

// A workload's jobs last what its jobMinutes say: 60 jobs an hour from
// 10:00 on weekdays, all of 7 minutes.
func TestWorkloadJobDurations(t *testing.T) {
	rates := make([]float64, 24)
	rates[10] = 60
	w := Workload{Name: "seven", Weekday: rates, Weekend: make([]float64, 24), JobMinutes: []float64{7}}
	jobs := w.Jobs(monday, 1)
	if len(jobs) < 100 {
		t.Fatalf("%d jobs, want about 300", len(jobs))
	}
	for _, j := range jobs {
		if j.Duration != 7*time.Minute || j.Queued.Hour() != 10 {
			t.Fatalf("job %+v, want 7 minutes queued in the 10:00 hour", j)
		}
	}
}

// An uneven start distribution (1m, 2m, 6m): the lower half of the draws
// lies between min and median, the upper between median and max: u = 0.25
// is 1m30s, u = 0.75 is 4m.
func TestStartDistributionUneven(t *testing.T) {
	d := StartDist{Min: time.Minute, Median: 2 * time.Minute, Max: 6 * time.Minute}
	for u, want := range map[float64]time.Duration{0.25: 90 * time.Second, 0.75: 4 * time.Minute} {
		if got := d.draw(u); got != want {
			t.Errorf("draw(%g) = %s, want %s", u, got, want)
		}
	}
}

// Samples are every 5 minutes of the week: 2,016 of them, from Monday
// 00:00.
func TestSamplesEveryFiveMinutes(t *testing.T) {
	r, err := SimulateWorkload(demandSpoke(true), nil, monday, WorkloadParams{Placeholder: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Samples) != 7*24*12 {
		t.Errorf("%d samples, want 2016", len(r.Samples))
	}
	for i, s := range r.Samples {
		if !s.At.Equal(monday.Add(time.Duration(i) * 5 * time.Minute)) {
			t.Fatalf("sample %d at %s, want every 5 minutes from Monday 00:00", i, s.At)
		}
	}
}
