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
		{WeekdayScaleUp, "cron(0 7 ? * MON-FRI *)", "Europe/Amsterdam", 4, 4, 0},
		{NightScaleDown, "cron(30 19 ? * MON-FRI *)", "Europe/Amsterdam", 1, 1, 0},
		{DailyRefresh, "cron(0 23 * * ? *)", UTC, 0, 0, 0},
		{WeekdayRestore, "cron(5 23 ? * SUN,MON,TUE,WED,THU *)", UTC, 1, 1, 0},
		{WeekendRestore, "cron(5 23 ? * FRI,SAT *)", UTC, 2, 2, 0},
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
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 60}, // the first entry: winter time, UTC+1
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

// A refresh and its restore on different UTC days: Amsterdam's 00:58 in
// standard time (UTC+1) is 23:58 UTC the evening before, and the restore
// at 01:03 is 00:03 UTC of the same local day. The restores must run on the
// UTC days that are the local days (Monday's restore at 00:03 UTC Monday),
// not on the refresh's UTC days (which would give Sunday-Thursday). Worked
// by hand: 00:58 - 1 h = 23:58 (previous day); 01:03 - 1 h = 00:03.
func TestRefreshAndRestoreOnDifferentUTCDays(t *testing.T) {
	w := Week{TimeZone: "Europe/Amsterdam", ScaleUp: 7 * 60, ScaleDown: 19 * 60, Refresh: 58, RestoreAfter: 5, Weekday: 4, Night: 1, Weekend: 2}
	want := map[string]string{
		DailyRefresh:   "cron(58 23 * * ? *)",
		WeekdayRestore: "cron(3 0 ? * MON-FRI *)",
		WeekendRestore: "cron(3 0 ? * SAT,SUN *)",
	}
	for _, a := range w.Actions() {
		if c, ok := want[a.Name]; ok && a.Cron != c {
			t.Errorf("%s = %s, want %s", a.Name, a.Cron, c)
		}
	}
	// The other way round, west of UTC: New York's 18:58 EST + 5 is 23:58
	// and 00:03 UTC; the restore's UTC day is the next day.
	w = Week{TimeZone: "America/New_York", ScaleUp: 20 * 60, ScaleDown: 22 * 60, Refresh: 18*60 + 58, RestoreAfter: 5, Weekday: 4, Night: 1, Weekend: 2}
	want = map[string]string{
		DailyRefresh:   "cron(58 23 * * ? *)",
		WeekdayRestore: "cron(3 0 ? * TUE,WED,THU,FRI,SAT *)",
		WeekendRestore: "cron(3 0 ? * SUN,MON *)",
	}
	for _, a := range w.Actions() {
		if c, ok := want[a.Name]; ok && a.Cron != c {
			t.Errorf("New York: %s = %s, want %s", a.Name, a.Cron, c)
		}
	}
}

// toUTC at the edges of the day: exactly midnight UTC is 00:00 of the next
// (or the same) day, never 24:00.
func TestToUTCAtMidnight(t *testing.T) {
	for _, c := range []struct {
		local     Clock
		offset    int
		want      Clock
		wantShift int
		what      string
	}{
		{19 * 60, -300, 0, 1, "19:00 in UTC-5 is 00:00 UTC the next day"},
		{60, 60, 0, 0, "01:00 in UTC+1 is 00:00 UTC the same day"},
		{0, 0, 0, 0, "00:00 UTC is itself"},
		{0, 60, 23 * 60, -1, "00:00 in UTC+1 is 23:00 UTC the day before"},
		{23*60 + 59, -1, 0, 1, "23:59 in UTC-00:01 is 00:00 UTC the next day"},
		{30, 45, 23*60 + 45, -1, "00:30 in UTC+00:45 is 23:45 the day before"},
	} {
		got, shift := toUTC(c.local, c.offset)
		if got != c.want || shift != c.wantShift {
			t.Errorf("%s: got %s shift %d, want %s shift %d", c.what, got, shift, c.want, c.wantShift)
		}
	}
}

// A gap's end is a time that exists: clocks jump from From to To.
func TestGapEndExists(t *testing.T) {
	z, err := ZoneOf("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := z.FirstGapAt(60); ok {
		t.Errorf("01:00 exists in Santiago (clocks jump from 00:00 to 01:00), got gap %+v", g)
	}
	if _, ok := z.FirstGapAt(59); !ok {
		t.Error("00:59 does not exist in Santiago on its change day")
	}
}

// Amsterdam (EU rules: clocks go forward on the last Sunday of March at
// 01:00 UTC, 02:00 local, to 03:00) skips 02:00-03:00 once a year in each of
// the years examined, 2024 to 2040: 31 March 2024 ... 25 March 2040
// (calendar: the last Sunday of March 2040 is the 25th).
func TestAmsterdamGaps(t *testing.T) {
	z, err := ZoneOf("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	if z.MinOffset != 60 || z.MaxOffset != 120 {
		t.Errorf("Amsterdam offsets %d..%d min, want 60..120", z.MinOffset, z.MaxOffset)
	}
	if len(z.Gaps) != 17 {
		t.Fatalf("Amsterdam has %d gaps, want 17 (one a year, 2024-2040): %+v", len(z.Gaps), z.Gaps)
	}
	for _, g := range z.Gaps {
		if g.From != 2*60 || g.To != 3*60 || g.Day.Month() != 3 || g.Day.Weekday() != 0 || g.Day.Day() < 25 {
			t.Errorf("gap %s %s-%s, want 02:00-03:00 on the last Sunday of March", g.Day.Format("2006-01-02"), g.From, g.To)
		}
	}
	if first, last := z.Gaps[0].Day.Format("2006-01-02"), z.Gaps[16].Day.Format("2006-01-02"); first != "2024-03-31" || last != "2040-03-25" {
		t.Errorf("gaps from %s to %s, want 2024-03-31 to 2040-03-25", first, last)
	}
}

// Chatham's daylight-saving change is at 02:45 local (New Zealand's 02:00
// NZST, Chatham being 45 minutes ahead): 02:45-03:45 is skipped on the last
// Sunday of September (29 September 2024).
func TestChathamGapOffTheHour(t *testing.T) {
	z, err := ZoneOf("Pacific/Chatham")
	if err != nil {
		t.Fatal(err)
	}
	g, ok := z.FirstGapAt(2*60 + 45)
	if !ok || g.From != 2*60+45 || g.To != 3*60+45 || g.Day.Format("2006-01-02") != "2024-09-29" {
		t.Errorf("Chatham gap %+v %v, want 02:45-03:45 on 2024-09-29", g, ok)
	}
	if _, ok := z.FirstGapAt(2*60 + 44); ok {
		t.Error("02:44 always exists in Chatham")
	}
}

// The clock's parts and its form.
func TestClockParts(t *testing.T) {
	c := Clock(23*60 + 7)
	if c.Hour() != 23 || c.Minute() != 7 || c.String() != "23:07" {
		t.Errorf("23:07 is hour %d minute %d %q", c.Hour(), c.Minute(), c.String())
	}
}
