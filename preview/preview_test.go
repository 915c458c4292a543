package preview

import (
	"math"
	"strings"
	"testing"
	"time"

	"hubspoke-cdk/schedule"
)

func week(tz string, weekend int) schedule.Week {
	return schedule.Week{TimeZone: tz, ScaleUp: 7 * 60, ScaleDown: 19 * 60, Refresh: 0, RestoreAfter: 5, Weekday: 4, Night: 1, Weekend: weekend}
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// An ordinary week, hand-computed: weekdays 5 min at 0, 6h55 at 1, 12 h at
// 4, 5 h at 1; weekend days 5 min at 0 and 23h55 at 2.
func TestOrdinaryWeek(t *testing.T) {
	r, err := Simulate(Spoke{Name: "s", Region: "eu-west-1", Week: week("UTC", 2), CPU: 1024, MemoryMiB: 2048}, day("2026-06-17"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Start.Format(time.RFC3339); got != "2026-06-15T00:00:00Z" {
		t.Errorf("week starts %s, want Monday 15 June 00:00", got)
	}
	weekday := 1*(6+55.0/60) + 4*12 + 1*5
	weekendDay := 2 * (23 + 55.0/60)
	if want := 5*weekday + 2*weekendDay; !near(r.AgentHours, want) {
		t.Errorf("agent-hours %.4f, want %.4f", r.AgentHours, want)
	}
	wantSegs := []struct {
		from string
		cap  int
	}{{"Mon 00:00", 0}, {"Mon 00:05", 1}, {"Mon 07:00", 4}, {"Mon 19:00", 1}, {"Tue 00:00", 0}}
	for i, w := range wantSegs {
		s := r.Segments[i]
		if got := s.From.Format("Mon 15:04"); got != w.from || s.Capacity != w.cap {
			t.Errorf("segment %d = %s %d, want %s %d", i, got, s.Capacity, w.from, w.cap)
		}
	}
	profiles := DayProfiles(r)
	want := []string{
		"Mon-Fri: 00:00-00:05 0, 00:05-07:00 1, 07:00-19:00 4, 19:00-24:00 1",
		"Sat-Sun: 00:00-00:05 0, 00:05-24:00 2",
	}
	if strings.Join(profiles, "|") != strings.Join(want, "|") {
		t.Errorf("profiles\n got %q\nwant %q", profiles, want)
	}
	if r.LongestLife != 23*time.Hour+55*time.Minute || !r.LifeOK() {
		t.Errorf("longest life %v (ok %v), want 23h55", r.LongestLife, r.LifeOK())
	}
}

// No night or weekend capacity: agents live from scale-up to scale-down.
func TestNoNightCapacity(t *testing.T) {
	w := week("UTC", 0)
	w.Night = 0
	r, err := Simulate(Spoke{Name: "s", Region: "eu-west-1", Week: w, CPU: 1024, MemoryMiB: 2048}, day("2026-06-17"))
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.AgentHours, 5*4*12) || r.LongestLife != 12*time.Hour {
		t.Errorf("agent-hours %.2f, longest %v; want 240 and 12h", r.AgentHours, r.LongestLife)
	}
}

// Spring forward in Amsterdam (Sun 29 Mar 2026): a 167-hour week, a 23-hour
// Sunday, and the weekday schedule at the same local times.
func TestDaylightSavingSpring(t *testing.T) {
	r, err := Simulate(Spoke{Name: "s", Region: "eu-west-1", Week: week("Europe/Amsterdam", 2), CPU: 1024, MemoryMiB: 2048}, day("2026-03-25"))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.End.Sub(r.Start).Hours(); h != 167 {
		t.Errorf("week is %v hours, want 167", h)
	}
	weekday := 1*(6+55.0/60) + 4*12 + 1*5
	if want := 5*weekday + 2*2*(23+55.0/60) - 2; !near(r.AgentHours, want) { // Sunday loses an hour at 2 agents
		t.Errorf("agent-hours %.4f, want %.4f", r.AgentHours, want)
	}
	last := DayProfiles(r)[len(DayProfiles(r))-1]
	if !strings.Contains(last, "Sun") || !strings.Contains(last, "23-hour day") {
		t.Errorf("Sunday profile %q should note the 23-hour day", last)
	}
	if !r.LifeOK() {
		t.Errorf("spring forward shortens lives: %v", r.TooLong)
	}
}

// Fall back in New York (Sun 1 Nov 2026): Sunday has 25 hours. A refresh on
// the local clock let an agent started after Sunday's refresh live 24h55; the
// refresh at a fixed UTC time keeps every life under 24 hours.
func TestDaylightSavingFallKeepsLivesUnderADay(t *testing.T) {
	r, err := Simulate(Spoke{Name: "s", Region: "us-east-1", Week: week("America/New_York", 1), CPU: 1024, MemoryMiB: 2048}, day("2026-10-28"))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.End.Sub(r.Start).Hours(); h != 169 {
		t.Errorf("week is %v hours, want 169", h)
	}
	if !r.LifeOK() || r.LongestLife != 23*time.Hour+55*time.Minute {
		t.Errorf("longest life %v, too long %v; want 23h55 and none", r.LongestLife, r.TooLong)
	}
}

// The check itself: a 25-hour stretch is reported with its start.
func TestLivesFlagsStretchesOverADay(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC)
	timeline := []Segment{{t0.Add(-5 * time.Minute), t0, 0}, {t0, t0.Add(25 * time.Hour), 1}, {t0.Add(25 * time.Hour), t0.Add(48 * time.Hour), 0}}
	longest, tooLong := lives(timeline, t0.Add(-time.Hour), t0.Add(47*time.Hour))
	if longest != 25*time.Hour || len(tooLong) != 1 || !strings.HasPrefix(tooLong[0], "Sun 01 Nov 00:05") || !strings.HasSuffix(tooLong[0], "25h00") {
		t.Errorf("longest %v, too long %v", longest, tooLong)
	}
}

// A whole year of each zone, 2026 and 2027, whatever day of the week its
// daylight-saving changes fall on (midnight changes in Santiago and Cairo, 30
// minutes on Lord Howe, 45-minute offsets in Kathmandu and on Chatham): no
// agent lives longer than a day. With weekend and night capacity agents run
// around the clock, so the refresh is the only thing that ends a life.
func TestYearLongestLifeEveryZone(t *testing.T) {
	for _, tz := range []string{"Europe/Amsterdam", "America/New_York", "UTC", "America/Santiago", "Africa/Cairo",
		"Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "Asia/Beirut", "Europe/Dublin", "Africa/Casablanca"} {
		for _, year := range []int{2026, 2027} {
			w := week(tz, 1)
			w.ScaleUp = 8 * 60 // after the refresh's daylight-saving shift
			y, err := SimulateYear(Spoke{Name: "s", Region: "eu-west-1", Week: w}, year)
			if err != nil {
				t.Fatalf("%s %d: %v", tz, year, err)
			}
			t.Logf("%-20s %d: longest agent life %s (from %s)", tz, year, formatDuration(y.LongestLife), y.LongestFrom.Format("Mon 02 Jan 15:04 MST"))
			if y.LongestLife > 24*time.Hour || len(y.TooLong) > 0 {
				t.Errorf("%s %d: longest life %v, over a day: %v", tz, year, y.LongestLife, y.TooLong)
			}
			if y.LongestLife < 23*time.Hour {
				t.Errorf("%s %d: longest life %v: the simulation lost the around-the-clock capacity", tz, year, y.LongestLife)
			}
		}
	}
}

// Each spoke's week is in its own zone: Tokyo's Monday starts at 00:00 JST.
func TestOtherTimeZone(t *testing.T) {
	r, err := Simulate(Spoke{Name: "s", Region: "ap-northeast-1", Week: week("Asia/Tokyo", 0), CPU: 1024, MemoryMiB: 2048}, day("2026-06-17"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Start.Format(time.RFC3339); got != "2026-06-15T00:00:00+09:00" {
		t.Errorf("week starts %s", got)
	}
	if s := r.Segments[2]; s.From.Format("Mon 15:04 MST") != "Mon 07:00 JST" || s.Capacity != 4 {
		t.Errorf("scale-up segment %v %d", s.From, s.Capacity)
	}
}

func TestCost(t *testing.T) {
	sp := Spoke{Region: "eu-west-1", Week: week("UTC", 0), CPU: 2048, MemoryMiB: 4096}
	c := CostOf(sp, 100)
	hourly := 2*0.04048 + 4*0.004445
	if !near(c.HourlyTask, hourly) || !near(c.Monthly, 100*hourly*365/12/7) || !near(c.AlwaysOn, 4*168*hourly*365/12/7) {
		t.Errorf("cost %+v, want hourly %.5f", c, hourly)
	}
	sp.Region = "me-central-1"
	if c := CostOf(sp, 1); c.PriceRegion != DefaultPriceRegion {
		t.Errorf("unknown region priced as %s", c.PriceRegion)
	}
}

func TestBadCron(t *testing.T) {
	if _, err := fireTimes("rate(5 minutes)", time.Now(), time.Now().Add(time.Hour), time.UTC); err == nil {
		t.Error("rate() is not a cron expression")
	}
}

// The week of a date is that date's Monday to Monday in each spoke's own
// zone, whatever the zone's offset from UTC (make preview WEEK=2026-03-23
// showed the week of 16 March for New York).
func TestWeekStartPerZone(t *testing.T) {
	for _, tz := range []string{"UTC", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Europe/Amsterdam",
		"Asia/Tokyo", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"2026-03-23", "2026-03-25", "2026-03-29"} {
			got := WeekStart(day(d), loc)
			if got.Format("2006-01-02 15:04") != "2026-03-23 00:00" || got.Location() != loc {
				t.Errorf("%s, %s: week starts %s, want Monday 2026-03-23 00:00 local", tz, d, got)
			}
		}
	}
}

// The year's longest life does not depend on the day the user passes.
func TestYearReportIndependentOfTheDay(t *testing.T) {
	sp := Spoke{Name: "s", Region: "us-east-1", Week: week("America/New_York", 1)}
	a, _ := SimulateYear(sp, day("2026-03-23").Year())
	b, _ := SimulateYear(sp, day("2026-11-01").Year())
	if a.LongestLife != b.LongestLife || !a.LongestFrom.Equal(b.LongestFrom) {
		t.Errorf("%v from %v vs %v from %v", a.LongestLife, a.LongestFrom, b.LongestLife, b.LongestFrom)
	}
}
