// Package preview simulates a fleet's week from the very scheduled actions
// the spoke stacks emit (schedule.Week.Actions), evaluating their AWS cron
// expressions in each spoke's time zone: capacity over time, agent-hours,
// the longest an agent can live, and what it costs.
package preview

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"

	"hubspoke-cdk/config"
	"hubspoke-cdk/schedule"
)

// Spoke is what the preview needs of a spoke.
type Spoke struct {
	Name      string
	Region    string
	Week      schedule.Week
	CPU       int // Fargate CPU units
	MemoryMiB int
}

// Segment is a stretch of time with one capacity.
type Segment struct {
	From, To time.Time
	Capacity int
}

// Hours is the segment's length in hours.
func (s Segment) Hours() float64 { return s.To.Sub(s.From).Hours() }

// Result is one spoke's simulated week.
type Result struct {
	Spoke      Spoke
	Start      time.Time // Monday 00:00 in the spoke's zone
	End        time.Time // the next Monday 00:00 (167, 168 or 169 hours later)
	Segments   []Segment // the week, in order, adjacent segments differ; in the spoke's zone
	AgentHours float64
	// LongestLife is the longest stretch, overlapping the week, during which
	// capacity stays above 0: the longest an agent can run before the
	// refresh stops it.
	LongestLife time.Duration
	// TooLong lists each stretch over 24 hours, by the day it starts.
	TooLong []string
	Cost    Cost
}

// WeekStart is Monday 00:00, in loc, of the week containing the calendar
// date of day (its year, month and day as written, whatever its zone).
func WeekStart(day time.Time, loc *time.Location) time.Time {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	offset := (int(d.Weekday()) + 6) % 7 // days since Monday
	return d.AddDate(0, 0, -offset)
}

type event struct {
	at       time.Time
	capacity int // the floor (min)
	ceiling  int // the max
	order    int
}

// Simulate runs the week of sp that contains day.
func Simulate(sp Spoke, day time.Time) (Result, error) {
	loc, err := time.LoadLocation(sp.Week.TimeZone)
	if err != nil {
		return Result{}, fmt.Errorf("spoke %s: time zone: %w", sp.Name, err)
	}
	start := WeekStart(day, loc)
	end := start.AddDate(0, 0, 7)
	timeline, err := simulate(sp, start, end)
	if err != nil {
		return Result{}, err
	}
	res := Result{Spoke: sp, Start: start, End: end}
	for _, s := range timeline {
		if s.To.After(start) && s.From.Before(end) {
			// In the spoke's zone: the refresh and restores fire in UTC.
			c := Segment{From: maxTime(s.From, start).In(loc), To: minTime(s.To, end).In(loc), Capacity: s.Capacity}
			res.Segments = append(res.Segments, c)
			res.AgentHours += float64(c.Capacity) * c.Hours()
		}
	}
	res.LongestLife, res.TooLong = lives(timeline, start, end)
	res.Cost = CostOf(sp, res.AgentHours)
	return res, nil
}

// simulate is the capacity timeline from the spoke's actions, each in its
// own time zone, covering start to end: it looks a week back (the capacity
// start begins with) and two days ahead (how long the last stretch goes on).
func simulate(sp Spoke, start, end time.Time) ([]Segment, error) {
	from, to := start.AddDate(0, 0, -7), end.AddDate(0, 0, 2)
	events, err := actionEvents(sp, from, to)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 || !events[0].at.Before(start) {
		return nil, fmt.Errorf("spoke %s: no scheduled action in the week before %s", sp.Name, start.Format("2006-01-02"))
	}
	return segments(events, from, to), nil
}

// actionEvents are the firings of the week's scheduled actions between from
// and to, in order (actions firing at the same instant in their order).
func actionEvents(sp Spoke, from, to time.Time) ([]event, error) {
	var events []event
	for i, a := range sp.Week.Actions() {
		loc, err := time.LoadLocation(a.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("spoke %s: action %s: time zone: %w", sp.Name, a.Name, err)
		}
		times, err := fireTimes(a.Cron, from, to, loc)
		if err != nil {
			return nil, fmt.Errorf("spoke %s: action %s: %w", sp.Name, a.Name, err)
		}
		for _, t := range times {
			events = append(events, event{t, a.Capacity, a.Ceiling, i})
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].at.Equal(events[j].at) {
			return events[i].at.Before(events[j].at)
		}
		return events[i].order < events[j].order
	})
	return events, nil
}

// Year is the longest an agent can live in a calendar year of a spoke.
type Year struct {
	Spoke       Spoke
	Year        int
	LongestLife time.Duration
	// LongestFrom is when the longest stretch begins, in the spoke's zone.
	LongestFrom time.Time
	// TooLong lists each stretch over 24 hours.
	TooLong []string
}

// SimulateYear runs a whole calendar year of sp, in its zone: every
// daylight-saving change, whatever day of the week it falls on.
func SimulateYear(sp Spoke, year int) (Year, error) {
	loc, err := time.LoadLocation(sp.Week.TimeZone)
	if err != nil {
		return Year{}, fmt.Errorf("spoke %s: time zone: %w", sp.Name, err)
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	timeline, err := simulate(sp, start, end)
	if err != nil {
		return Year{}, err
	}
	y := Year{Spoke: sp, Year: year}
	y.LongestLife, y.TooLong = lives(timeline, start, end)
	for _, s := range stretches(timeline, start, end) {
		if s.To.Sub(s.From) == y.LongestLife {
			y.LongestFrom = s.From.In(loc)
			break
		}
	}
	return y, nil
}

// fireTimes evaluates an AWS cron(...) expression between from and to.
func fireTimes(aws string, from, to time.Time, loc *time.Location) ([]time.Time, error) {
	if !strings.HasPrefix(aws, "cron(") || !strings.HasSuffix(aws, ")") {
		return nil, fmt.Errorf("%q is not an AWS cron(...) expression", aws)
	}
	expr, err := cronexpr.Parse(aws[5 : len(aws)-1]) // 6 fields: minutes hours dom month dow year
	if err != nil {
		return nil, fmt.Errorf("%s: %w", aws, err)
	}
	var out []time.Time
	for t := expr.Next(from.In(loc).Add(-time.Nanosecond)); !t.IsZero() && t.Before(to); t = expr.Next(t) {
		out = append(out, t)
	}
	return out, nil
}

// segments turns events into adjacent stretches of one capacity.
func segments(events []event, from, to time.Time) []Segment {
	var out []Segment
	cur := Segment{From: events[0].at, Capacity: events[0].capacity}
	for _, e := range events[1:] {
		if e.capacity == cur.Capacity {
			continue
		}
		if e.at.After(cur.From) {
			cur.To = e.at
			out = append(out, cur)
		}
		cur = Segment{From: e.at, Capacity: e.capacity}
	}
	cur.To = to
	return append(out, cur)
}

// lives finds the longest stretch with capacity above 0 that overlaps start
// to end, and lists those over 24 hours.
func lives(timeline []Segment, start, end time.Time) (time.Duration, []string) {
	var longest time.Duration
	var tooLong []string
	for _, s := range stretches(timeline, start, end) {
		d := s.To.Sub(s.From)
		longest = max(longest, d)
		if d > 24*time.Hour {
			tooLong = append(tooLong, fmt.Sprintf("%s %s: %s", s.From.Format("Mon 02 Jan 15:04"), s.From.Format("MST"), formatDuration(d)))
		}
	}
	return longest, tooLong
}

// stretches are the runs of capacity above 0 overlapping start to end: the
// longest an agent started at a run's start can live before the capacity
// reaches 0 (the refresh) and stops it.
func stretches(timeline []Segment, start, end time.Time) []Segment {
	var out []Segment
	var runStart time.Time
	running := false
	flush := func(at time.Time) {
		if running && at.After(start) && runStart.Before(end) {
			out = append(out, Segment{From: runStart, To: at})
		}
		running = false
	}
	for _, s := range timeline {
		if s.Capacity > 0 && !running {
			runStart, running = s.From, true
		} else if s.Capacity == 0 {
			flush(s.From)
		}
	}
	if running {
		flush(timeline[len(timeline)-1].To)
	}
	return out
}

func formatDuration(d time.Duration) string {
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	return fmt.Sprintf("%dh%02d", h, m)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SimulateFleetYear runs a calendar year of every spoke of a validated fleet.
func SimulateFleetYear(f *config.Fleet, year int) ([]Year, error) {
	return each(f, func(sp Spoke) (Year, error) { return SimulateYear(sp, year) })
}

// SimulateFleet simulates every spoke of a validated fleet in the week
// containing day (each spoke's own Monday to Monday).
func SimulateFleet(f *config.Fleet, day time.Time) ([]Result, error) {
	return each(f, func(sp Spoke) (Result, error) { return Simulate(sp, day) })
}

// each runs sim for every spoke of f, in file order.
func each[T any](f *config.Fleet, sim func(Spoke) (T, error)) ([]T, error) {
	var out []T
	for _, s := range f.Spokes {
		r, err := sim(spokeOf(s))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// spokeOf is what the preview needs of a validated spoke.
func spokeOf(s config.Spoke) Spoke {
	return Spoke{Name: s.Name, Region: s.Region, Week: s.Schedule.Week(), CPU: s.Agent.CPU, MemoryMiB: s.Agent.MemoryMiB}
}
