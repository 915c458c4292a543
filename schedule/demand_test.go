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
// at most a third more above.
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

// The worked example of docs/demand.md: a ceiling of 50. Up to 10 wanted
// each value gets its own step; above, the steps widen by 22% (the smallest
// growth, in hundredths, whose 19 bounded steps reach 50: 0, 1, ... 10, 12,
// 14, 17, 20, 24, 29, 35, 42, then 50), and a value gets the top of its
// step. The worst case is 29 wanted getting 34 agents: 17% more, as the
// documentation says.
func TestDemandStepsAtFifty(t *testing.T) {
	want := []Step{
		{0, 1, 0}, {1, 2, 1}, {2, 3, 2}, {3, 4, 3}, {4, 5, 4}, {5, 6, 5}, {6, 7, 6}, {7, 8, 7}, {8, 9, 8}, {9, 10, 9},
		{10, 12, 11}, {12, 14, 13}, {14, 17, 16}, {17, 20, 19}, {20, 24, 23}, {24, 29, 28}, {29, 35, 34}, {35, 42, 41}, {42, 50, 49},
		{50, 0, 50},
	}
	got := DemandSteps(50)
	if len(got) != len(want) {
		t.Fatalf("%d steps, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, c := range []struct{ wanted, agents int }{{0, 0}, {1, 1}, {10, 11}, {29, 34}, {34, 34}, {49, 49}, {50, 50}, {80, 50}} {
		if got := CapacityFor(want, c.wanted); got != c.agents {
			t.Errorf("%d wanted at ceiling 50: %d agents, want %d", c.wanted, got, c.agents)
		}
	}
}

// At a ceiling of 200 (the largest the fleet file allows) the worst case is
// 119 wanted getting 158 agents: 33% more (docs/demand.md). Below 20 the
// steps are one per value: a ceiling of 3 is 0, 1, 2 and then 3 and above;
// 21 is the first ceiling above that.
func TestDemandStepsAtTheEnds(t *testing.T) {
	worst, at := 0.0, 0
	steps := DemandSteps(200)
	for v := 1; v <= 200; v++ {
		if r := float64(CapacityFor(steps, v)) / float64(v); r > worst {
			worst, at = r, v
		}
	}
	if at != 119 || CapacityFor(steps, 119) != 158 {
		t.Errorf("worst overshoot at ceiling 200: %d wanted get %d (%.0f%%), want 119 getting 158 (33%%)", at, CapacityFor(steps, at), 100*(worst-1))
	}
	want := []Step{{0, 1, 0}, {1, 2, 1}, {2, 3, 2}, {3, 0, 3}}
	if got := DemandSteps(3); len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("steps at ceiling 3 = %+v, want %+v", got, want)
	}
	// A ceiling of 21 is the first that needs wider steps, and its
	// smallest growth lands exactly on it: at 11% every step is still one
	// value (0, 1, ... 19: short of 21); at 12% the step from 17 is 2
	// wide (17 * 0.12 = 2.04), so the bounds are 0, 1, ... 17, 19, 21.
	at21 := DemandSteps(21)
	if len(at21) != 20 || at21[16] != (Step{16, 17, 16}) || at21[17] != (Step{17, 19, 18}) || at21[18] != (Step{19, 21, 20}) || at21[19] != (Step{21, 0, 21}) {
		t.Errorf("steps at ceiling 21 = %+v, want one per value to 17, then 17-19, 19-21 and 21 and above", at21)
	}
	if got := DemandSteps(0); len(got) != 1 || got[0] != (Step{0, 0, 0}) {
		t.Errorf("steps at ceiling 0 = %+v, want one open step of 0 agents", got)
	}
	if got := DemandSteps(19); len(got) != 20 || got[19] != (Step{19, 0, 19}) {
		t.Errorf("ceiling 19 needs 20 steps of one value each, the last open: %+v", got)
	}
}

// Application Auto Scaling rejects a step whose upper bound is not above its
// lower bound (API_StepAdjustment: the lower bound must be less than the
// upper bound): every bounded step spans at least one value.
func TestDemandStepsAreNotEmpty(t *testing.T) {
	for ceiling := 0; ceiling <= 200; ceiling++ {
		steps := DemandSteps(ceiling)
		for i, s := range steps[:len(steps)-1] {
			if s.Upper <= s.Lower {
				t.Fatalf("ceiling %d: step %d %+v is empty", ceiling, i, s)
			}
		}
	}
}
