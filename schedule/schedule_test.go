package schedule

import (
	"testing"
)

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Clock
		ok   bool
	}{{"00:00", 0, true}, {"07:30", 450, true}, {"23:59", 1439, true}, {"24:00", 0, false}, {"7:5x", 0, false}, {"0700", 0, false}, {"", 0, false}} {
		got, err := ParseClock(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseClock(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if s := Clock(450).String(); s != "07:30" {
		t.Errorf("String = %s", s)
	}
}

// The five actions, in the AWS 6-field cron form, with the capacity each
// sets: the restore after the refresh brings back the capacity that hour
// should have (night on weekdays, weekend on Saturday and Sunday).
func TestWeekActions(t *testing.T) {
	w := Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19*60 + 30, Refresh: 0, RestoreAfter: 5, Weekday: 4, Night: 1, Weekend: 2}
	want := []Action{
		{WeekdayScaleUp, "cron(0 7 ? * MON-FRI *)", "Europe/Amsterdam", 4},
		{NightScaleDown, "cron(30 19 ? * MON-FRI *)", "Europe/Amsterdam", 1},
		{DailyRefresh, "cron(0 0 * * ? *)", "Europe/Amsterdam", 0},
		{WeekdayRestore, "cron(5 0 ? * MON-FRI *)", "Europe/Amsterdam", 1},
		{WeekendRestore, "cron(5 0 ? * SAT,SUN *)", "Europe/Amsterdam", 2},
	}
	got := w.Actions()
	if len(got) != len(want) {
		t.Fatalf("%d actions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("action %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if w.MaxCapacity() != 4 {
		t.Errorf("max capacity %d", w.MaxCapacity())
	}
	w.Refresh, w.RestoreAfter = 2*60+55, 10 // restore crosses the hour
	if a := w.Actions()[3]; a.Cron != "cron(5 3 ? * MON-FRI *)" {
		t.Errorf("restore after 02:55 + 10 min = %s", a.Cron)
	}
}
