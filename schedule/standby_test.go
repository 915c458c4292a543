package schedule

import (
	"testing"
	"time"
)

// Hand-computed: three weeks' peaks of Monday 09:00 (hour 9) are 2, 6, 4;
// nearest rank of 3 values: p50 is the 2nd smallest (4), p90 the 3rd (6),
// p34 the 2nd (ceil(1.02) = 2), p33 the 1st (ceil(0.99) = 1). Tuesday
// 02:00 (hour 26) has data in one week only (12; the others NoData): every
// percentile is 12. Sunday 23:00 (167) has none: 0.
func TestAutoReady(t *testing.T) {
	var weeks [3][HoursOfWeek]int
	for i := range weeks {
		for h := range weeks[i] {
			weeks[i][h] = 0
		}
		weeks[i][26], weeks[i][167] = NoData, NoData
	}
	weeks[0][9], weeks[1][9], weeks[2][9] = 2, 6, 4
	weeks[1][26] = 12
	for _, c := range []struct{ p, hour, want int }{
		{50, 9, 4}, {90, 9, 6}, {100, 9, 6}, {34, 9, 4}, {33, 9, 2}, {1, 9, 2},
		{50, 26, 12}, {1, 26, 12}, {90, 167, 0}, {90, 10, 0},
	} {
		if got := AutoReady(weeks[:], c.p)[c.hour]; got != c.want {
			t.Errorf("p%d of hour %d = %d, want %d", c.p, c.hour, got, c.want)
		}
	}
}

// Monday 00:00 local is hour 0; Sunday 23:30 is 167; in Amsterdam,
// 2026-11-23 08:30 UTC (a Monday, UTC+1) is 09:30 local: hour 9; on the
// summer-time day 2026-03-29 (a Sunday) 01:30 UTC is 03:30 local: hour
// 6*24+3 = 147.
func TestHourOfWeek(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t    time.Time
		loc  *time.Location
		want int
	}{
		{time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.UTC, 0},
		{time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC), time.UTC, 167},
		{time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC), ams, 9},
		{time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), ams, 147},
	} {
		if got := HourOfWeek(c.t, c.loc); got != c.want {
			t.Errorf("HourOfWeek(%s in %s) = %d, want %d", c.t, c.loc, got, c.want)
		}
	}
}

// Nearest rank in whole numbers: p14 of 50 weeks (1..50) is rank
// ceil(14 * 50 / 100) = 7, the 7th value; floating point gives 8 (0.14 * 50
// is 7.000000000000001).
func TestAutoReadyRankInIntegers(t *testing.T) {
	weeks := make([][HoursOfWeek]int, 50)
	for i := range weeks {
		weeks[i][0] = i + 1
	}
	for _, c := range []struct{ p, want int }{{14, 7}, {28, 14}, {56, 28}, {100, 50}, {1, 1}} {
		if got := AutoReady(weeks, c.p)[0]; got != c.want {
			t.Errorf("p%d of 1..50 = %d, want %d", c.p, got, c.want)
		}
	}
}
