package preview

import (
	"strings"
	"testing"
)

// A day whose profile differs from both neighbours is named alone ("Sat",
// not "Sat-Sat"). Worked by hand for Amsterdam in the week of Monday 23
// March 2026, weekend capacity 2: clocks go from 02:00 CET to 03:00 CEST on
// Sunday 29 March. The refresh runs at a fixed UTC time, 23:00 UTC (00:00
// CET), so every day of the week refreshes at 00:00 local; the refresh that
// ends Sunday is at 01:00 CEST on Monday, in the next week. Saturday and
// Sunday have the same capacities, but Sunday has 23 hours.
func TestDayProfilesSingleDays(t *testing.T) {
	r, err := Simulate(Spoke{Name: "s", Region: "eu-west-1", Week: week("Europe/Amsterdam", 2), CPU: 1024, MemoryMiB: 2048}, day("2026-03-25"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Mon-Fri: 00:00-00:05 0, 00:05-07:00 1, 07:00-19:00 4, 19:00-24:00 1",
		"Sat: 00:00-00:05 0, 00:05-24:00 2",
		"Sun: 00:00-00:05 0, 00:05-24:00 2 (23-hour day: daylight saving)",
	}
	if got := DayProfiles(r); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("profiles\n got %q\nwant %q", got, want)
	}
}
