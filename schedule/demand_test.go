package schedule

import "testing"

// With demand each action keeps its floor and gains a ceiling: the working
// hours' maximum at the scale-up, the off-hours maximum at the scale-down
// and the restores, 0 at the refresh; a floor above a ceiling wins.
func TestDemandActions(t *testing.T) {
	w := Week{TimeZone: "UTC", ScaleUp: 7 * 60, ScaleDown: 19 * 60, RestoreAfter: 5, Weekday: 2, Night: 0, Weekend: 3,
		Demand: &Demand{WorkHoursMax: 10, OffHoursMax: 2}}
	want := map[string][2]int{
		WeekdayScaleUp: {2, 10}, NightScaleDown: {0, 2}, DailyRefresh: {0, 0}, WeekdayRestore: {0, 2}, WeekendRestore: {3, 3},
	}
	for _, a := range w.Actions() {
		if got := [2]int{a.Capacity, a.Ceiling}; got != want[a.Name] {
			t.Errorf("%s: floor, ceiling = %v, want %v", a.Name, got, want[a.Name])
		}
	}
	if w.MaxCapacity() != 10 {
		t.Errorf("max capacity %d, want the working hours' ceiling 10", w.MaxCapacity())
	}
}

// Every ceiling up to the largest the fleet file allows: at most 20 steps
// (the quota), contiguous from 0 with one open-ended last step, and every
// whole number of wanted agents gets at least what it asks (up to the
// ceiling), never more than the ceiling, exactly what it asks below 20, and
// at most 10% more above.
func TestDemandSteps(t *testing.T) {
	for ceiling := 0; ceiling <= 200; ceiling++ {
		steps := DemandSteps(ceiling)
		if len(steps) > MaxSteps || len(steps) == 0 {
			t.Fatalf("ceiling %d: %d steps", ceiling, len(steps))
		}
		if steps[0].Lower != 0 || steps[len(steps)-1].Upper != 0 {
			t.Fatalf("ceiling %d: steps %+v do not start at 0 and end open", ceiling, steps)
		}
		for i := 1; i < len(steps); i++ {
			if steps[i].Lower != steps[i-1].Upper {
				t.Fatalf("ceiling %d: gap or overlap at step %d: %+v", ceiling, i, steps)
			}
		}
		for v := 0; v <= ceiling+5; v++ {
			got, want := CapacityFor(steps, v), min(v, ceiling)
			if got < want || got > ceiling {
				t.Fatalf("ceiling %d: %d wanted gets %d agents", ceiling, v, got)
			}
			if ceiling < MaxSteps && got != want {
				t.Fatalf("ceiling %d: %d wanted gets %d, want exactly %d", ceiling, v, got, want)
			}
			if 3*got > 4*want && want > 0 {
				t.Fatalf("ceiling %d: %d wanted gets %d: more than a third over", ceiling, v, got)
			}
		}
	}
}
