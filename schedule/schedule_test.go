package schedule

import (
	"testing"
	"time"
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
// should have (night on weekdays, weekend on Saturday and Sunday). The
// refresh and restores run in UTC at the local time in standard time
// (Amsterdam: UTC+1), on the UTC days that are those local days.
func TestWeekActions(t *testing.T) {
	w := Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19*60 + 30, Refresh: 0, RestoreAfter: 5, Weekday: 4, Night: 1, Weekend: 2}
	want := []Action{
		{WeekdayScaleUp, "cron(0 7 ? * MON-FRI *)", "Europe/Amsterdam", 4, 4},
		{NightScaleDown, "cron(30 19 ? * MON-FRI *)", "Europe/Amsterdam", 1, 1},
		{DailyRefresh, "cron(0 23 * * ? *)", UTC, 0, 0},
		{WeekdayRestore, "cron(5 23 ? * SUN,MON,TUE,WED,THU *)", UTC, 1, 1},
		{WeekendRestore, "cron(5 23 ? * FRI,SAT *)", UTC, 2, 2},
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
	if a := w.Actions()[3]; a.Cron != "cron(5 2 ? * MON-FRI *)" {
		t.Errorf("restore after 02:55 + 10 min = %s", a.Cron)
	}
}

func TestActionsInOtherZones(t *testing.T) {
	for _, c := range []struct {
		tz                        string
		refresh                   Clock
		wantRefresh, wantWeekdays string
		wantShift                 int
	}{
		{"UTC", 0, "cron(0 0 * * ? *)", "cron(5 0 ? * MON-FRI *)", 0},
		{"America/New_York", 0, "cron(0 5 * * ? *)", "cron(5 5 ? * MON-FRI *)", 60}, // EST, UTC-5
		{"America/New_York", 22 * 60, "cron(0 3 * * ? *)", "cron(5 3 ? * TUE,WED,THU,FRI,SAT *)", 60},
		{"Asia/Kathmandu", 0, "cron(15 18 * * ? *)", "cron(20 18 ? * SUN,MON,TUE,WED,THU *)", 0}, // UTC+5:45
		{"Australia/Lord_Howe", 0, "cron(30 13 * * ? *)", "cron(35 13 ? * SUN,MON,TUE,WED,THU *)", 30},
		{"Pacific/Chatham", 0, "cron(15 11 * * ? *)", "cron(20 11 ? * SUN,MON,TUE,WED,THU *)", 60}, // UTC+12:45
		{"America/Santiago", 0, "cron(0 4 * * ? *)", "cron(5 4 ? * MON-FRI *)", 60},                // UTC-4
	} {
		w := Week{TimeZone: c.tz, ScaleUp: 7 * 60, ScaleDown: 19 * 60, Refresh: c.refresh, RestoreAfter: 5, Weekday: 2}
		a := w.Actions()
		if a[2].Cron != c.wantRefresh || a[3].Cron != c.wantWeekdays || a[2].TimeZone != UTC {
			t.Errorf("%s %s: refresh %s %s, weekday restore %s; want %s, %s", c.tz, c.refresh, a[2].Cron, a[2].TimeZone, a[3].Cron, c.wantRefresh, c.wantWeekdays)
		}
		if a[0].TimeZone != c.tz {
			t.Errorf("%s: scale-up in %s, want the spoke's zone", c.tz, a[0].TimeZone)
		}
		if got := w.DaylightShift(); got != c.wantShift {
			t.Errorf("%s: daylight shift %d min, want %d", c.tz, got, c.wantShift)
		}
	}
}

func TestZoneGaps(t *testing.T) {
	z, err := ZoneOf("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	g, ok := z.FirstGapAt(0) // Santiago skips 00:00-01:00 in September
	if !ok || g.From != 0 || g.To != 60 || g.Day.Month() != 9 {
		t.Errorf("Santiago midnight gap: %+v %v", g, ok)
	}
	if _, ok := z.FirstGapAt(7 * 60); ok {
		t.Error("07:00 always exists in Santiago")
	}
	lh, _ := ZoneOf("Australia/Lord_Howe")
	if g, ok := lh.FirstGapAt(2*60 + 10); !ok || g.To-g.From != 30 {
		t.Errorf("Lord Howe skips 30 minutes from 02:00: %+v %v", g, ok)
	}
	if u, _ := ZoneOf("UTC"); len(u.Gaps) != 0 || u.MinOffset != 0 || u.MaxOffset != 0 {
		t.Errorf("UTC: %+v", u)
	}
}

// Offsets: Berlin's 2027 changes at 01:00 UTC on the last Sundays of March
// and October (EU rule), +60 and +120 minutes; UTC has one offset.
func TestOffsets(t *testing.T) {
	offs, err := Offsets("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(u time.Time) int {
		m := 0
		for _, o := range offs {
			if o.From <= u.Unix() {
				m = o.Minutes
			}
		}
		return m
	}
	for _, c := range []struct {
		utc  time.Time
		want int
	}{
		{time.Date(2027, 3, 28, 0, 59, 0, 0, time.UTC), 60},
		{time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC), 120},
		{time.Date(2027, 10, 31, 0, 59, 0, 0, time.UTC), 120},
		{time.Date(2027, 10, 31, 1, 0, 0, 0, time.UTC), 60},
		{time.Date(2040, 7, 1, 0, 0, 0, 0, time.UTC), 120},
	} {
		if got := at(c.utc); got != c.want {
			t.Errorf("%s: offset %d, want %d", c.utc, got, c.want)
		}
	}
	if offs[0].From != time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix() || len(offs) != 1+2*17 {
		t.Errorf("%d offsets from %d, want 35 from 2024-01-01", len(offs), offs[0].From)
	}
	if u, _ := Offsets("UTC"); len(u) != 1 || u[0].Minutes != 0 {
		t.Errorf("UTC: %v", u)
	}
}
