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

// Fargate Linux/x86 on-demand list prices (aws.amazon.com/fargate/pricing,
// as of 2025-01): us-east-1 and eu-west-1 0.04048 USD per vCPU-hour and
// 0.004445 per GB-hour; eu-central-1 0.04656 and 0.00511. Worked by hand:
//   - 2 vCPU, 4 GB in eu-west-1: 2 x 0.04048 + 4 x 0.004445 = 0.09874 an
//     hour; 100 agent-hours a week x 4.3452 weeks = 42.90 USD a month; the
//     weekday capacity 4 around the clock, 4 x 168 x 4.3452 x 0.09874 =
//     288.33;
//   - 1 vCPU, 4 GB in us-east-1 around the clock (168 hours a week): 0.05826
//     an hour, 42.53 a month (third-party worked example: "A 1 vCPU / 4GB
//     task running 24/7 costs ~$42/month", wring.co's Fargate pricing guide);
//   - 1 vCPU, 2 GB in eu-central-1, 60 hours a week: 0.05678 an hour, 14.80;
//     4 around the clock: 4 x 168 x 4.3452 x 0.05678 = 165.80.
func TestCost(t *testing.T) {
	for _, c := range []struct {
		region          string
		cpu, mem        int
		hours           float64
		hourly, monthly float64
		alwaysOn        float64
	}{
		{"eu-west-1", 2048, 4096, 100, 0.09874, 42.9048, 288.3205},
		{"us-east-1", 1024, 4096, 168, 0.05826, 42.5298, 42.5298},
		{"eu-central-1", 1024, 2048, 60, 0.05678, 14.8033, 165.7976},
	} {
		w := week("UTC", 0)
		if c.region == "us-east-1" {
			w.Weekday = 1
		}
		got := CostOf(Spoke{Region: c.region, Week: w, CPU: c.cpu, MemoryMiB: c.mem}, c.hours)
		if !got.Priced || math.Abs(got.HourlyTask-c.hourly) > 1e-9 || math.Abs(got.Monthly-c.monthly) > 0.001 || math.Abs(got.AlwaysOn-c.alwaysOn) > 0.001 {
			t.Errorf("%s: %+v; want hourly %.5f, monthly %.4f, 24x7 %.4f", c.region, got, c.hourly, c.monthly, c.alwaysOn)
		}
	}
}

// A region missing from the price table has no price: NaN amounts (a sum
// with them is NaN, never a silent $0 or another region's price), and the
// report says "no price", leaves it out of the total and names the spoke,
// its region and the fix.
func TestCostUnknownRegion(t *testing.T) {
	sp := Spoke{Name: "far", Region: "me-central-1", Week: week("UTC", 0), CPU: 1024, MemoryMiB: 2048}
	c := CostOf(sp, 10)
	if c.Priced || !math.IsNaN(c.Monthly) || !math.IsNaN(c.AlwaysOn) || !math.IsNaN(c.HourlyTask) || c.Region != "me-central-1" {
		t.Errorf("unknown region costed: %+v", c)
	}
	known, err := Simulate(Spoke{Name: "near", Region: "eu-west-1", Week: week("UTC", 0), CPU: 1024, MemoryMiB: 2048}, day("2026-06-17"))
	if err != nil {
		t.Fatal(err)
	}
	far, err := Simulate(sp, day("2026-06-17"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	WriteReport(&out, []Result{known, far})
	// near: 4 agents 07-19 on weekdays, 1 at night: 5 x (6h55 + 48 + 5) =
	// 299.58 agent-hours a week at 0.04937 an hour: 64.27 USD a month.
	for _, want := range []string{"no price", "No price for the region of far (me-central-1): not in the total; add the region's Fargate price to preview/cost.go",
		"64.27"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "NaN") {
		t.Errorf("report prints NaN:\n%s", out.String())
	}
}

func TestBadCron(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"rate(5 minutes)", `"rate(5 minutes)" is not an AWS cron(...) expression`},
		{"cron(0 7 ? *)", "cron(0 7 ? *): "},
	} {
		_, err := fireTimes(c.expr, time.Now(), time.Now().Add(time.Hour), time.UTC)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.expr, err, c.want)
		}
	}
}

// A time zone that does not load is named with its spoke.
func TestBadTimeZone(t *testing.T) {
	_, err := Simulate(Spoke{Name: "s", Week: week("Mars/Olympus_Mons", 0)}, day("2026-06-17"))
	if err == nil || !strings.Contains(err.Error(), "spoke s: time zone: unknown time zone Mars/Olympus_Mons") {
		t.Errorf("error %v, want the spoke and the zone named", err)
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

// The year asked for is the year simulated, worked by hand for New York
// (standard offset -5: the refresh at 05:00 UTC, 00:00 EST, 01:00 EDT;
// restores 5 minutes later; 1 agent at night and at weekends, so the
// refresh alone ends a life, and each life is 23h55 from one restore to
// the next refresh). The longest life is 23h55 and the first such stretch
// of the year starts at its first restore: Thursday 1 January 00:05 EST in
// 2026, Friday 1 January 00:05 EST in 2027.
func TestYearIsTheYearAsked(t *testing.T) {
	sp := Spoke{Name: "s", Region: "us-east-1", Week: week("America/New_York", 1)}
	for year, want := range map[int]string{2026: "Thu 01 Jan 2026 00:05 EST", 2027: "Fri 01 Jan 2027 00:05 EST"} {
		y, err := SimulateYear(sp, year)
		if err != nil {
			t.Fatal(err)
		}
		if y.Year != year || y.LongestLife != 23*time.Hour+55*time.Minute || y.LongestFrom.Format("Mon 02 Jan 2006 15:04 MST") != want {
			t.Errorf("%d: year %d, longest %v from %s; want 23h55 from %s", year, y.Year, y.LongestLife, y.LongestFrom.Format("Mon 02 Jan 2006 15:04 MST"), want)
		}
	}
}

// The day profiles are on the spoke's clock although the refresh and the
// restores fire in UTC: Amsterdam in winter (UTC+1) refreshes at 23:00 UTC,
// 00:00 local; New York in winter (UTC-5) at 05:00 UTC, 00:00 local.
func TestDayProfilesOnTheSpokesClock(t *testing.T) {
	for _, c := range []struct {
		tz   string
		want []string
	}{
		{"Europe/Amsterdam", []string{"Mon-Fri: 00:00-00:05 0, 00:05-07:00 1, 07:00-19:00 4, 19:00-24:00 1", "Sat-Sun: 00:00-00:05 0, 00:05-24:00 1"}},
		{"America/New_York", []string{"Mon-Fri: 00:00-00:05 0, 00:05-07:00 1, 07:00-19:00 4, 19:00-24:00 1", "Sat-Sun: 00:00-00:05 0, 00:05-24:00 1"}},
	} {
		r, err := Simulate(Spoke{Name: "s", Region: "eu-west-1", Week: week(c.tz, 1), CPU: 1024, MemoryMiB: 2048}, day("2026-11-25"))
		if err != nil {
			t.Fatal(err)
		}
		if got := DayProfiles(r); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", c.tz, got, c.want)
		}
	}
}
