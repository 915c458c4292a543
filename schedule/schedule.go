// Package schedule is the one model of an agent fleet's week: it produces the
// Application Auto Scaling scheduled actions the spoke stacks emit, and the
// preview evaluates those very actions.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
)

// Clock is a time of day, minutes after midnight.
type Clock int

// ParseClock reads HH:MM.
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return Clock(hh*60 + mm), nil
}

func (c Clock) Hour() int   { return int(c) / 60 }
func (c Clock) Minute() int { return int(c) % 60 }

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute()) }

// Week is a weekly capacity plan in one IANA time zone:
//   - weekdays (Mon-Fri) at ScaleUp: Weekday agents; at ScaleDown: Night agents;
//   - every day at Refresh: 0 agents, so no idle agent lives longer than a day;
//   - RestoreAfter minutes later: Night agents on weekdays, Weekend agents on
//     Saturday and Sunday (the capacity that hour should have).
//
// The scale-up and scale-down follow the zone's clock. The refresh and the
// restores run at a fixed UTC time: Refresh in the zone's standard time (its
// smallest UTC offset). A zone's daylight-saving days are 23 or 25 hours
// long, and some skip midnight; a UTC day is always 24 hours, so an agent
// never lives longer than a day, on any day. In daylight-saving time the
// refresh happens later on the local clock by the difference (1 hour in most
// zones, 30 minutes on Lord Howe).
type Week struct {
	TimeZone     string
	ScaleUp      Clock
	ScaleDown    Clock
	Refresh      Clock
	RestoreAfter int // minutes
	Weekday      int
	Night        int
	Weekend      int
	// Demand, when set, makes Weekday, Night and Weekend floors: between
	// each floor and its ceiling the agents follow the pool's jobs
	// (DemandSteps). Default: nil (capacity is exactly the floor).
	Demand *Demand
}

// Demand is the ceiling above the schedule's floors.
type Demand struct {
	// WorkHoursMax is the most agents from scale-up to scale-down on
	// weekdays.
	WorkHoursMax int
	// OffHoursMax is the most agents at night and on weekends (0: none
	// beyond the floor).
	OffHoursMax int
	// Standby idle agents kept above the busy ones in each window, within
	// the ceiling. Default: none.
	Standby Standby
	// Auto, when set, also keeps the hour's usual peak ready (AutoReady).
	// Default: nil.
	Auto *AutoStandby
}

// Standby is how many idle agents a spoke following demand keeps ready
// above its busy ones and its waiting jobs, per window of the week: working
// hours (weekdays from scale-up to scale-down), nights (weekdays from
// scale-down, through the refresh, to the next scale-up) and weekends
// (from the weekend's restore). An agent that takes a job is replaced in
// the background. The floor and the ceiling still bound the count.
type Standby struct {
	WorkHours, Nights, Weekends int
}

// AutoStandby sizes the agents kept ready per hour of the week from the
// spoke's own history (AutoReady): the Percentile-th percentile, over the
// last Weeks weeks, of the most agents the spoke needed (busy plus
// waiting) in that hour.
type AutoStandby struct {
	Weeks      int
	Percentile int
}

// Action is one scheduled action: at the times of Cron, in TimeZone, the
// service runs at least Capacity and at most Ceiling agents (Application
// Auto Scaling's min and max). Without demand Ceiling = Capacity: exactly
// Capacity agents.
type Action struct {
	Name     string
	Cron     string // AWS 6-field form: cron(minutes hours day-of-month month day-of-week year)
	TimeZone string
	Capacity int
	Ceiling  int
	// Standby is the window's standby (Demand.Standby) from this action
	// until the next: read by the poller, not by Application Auto Scaling.
	Standby int
}

// Names of the five actions, in the order Actions returns them.
const (
	WeekdayScaleUp = "weekday-scale-up"
	NightScaleDown = "night-scale-down"
	DailyRefresh   = "daily-refresh"
	WeekdayRestore = "weekday-restore"
	WeekendRestore = "weekend-restore"
)

// UTC is the time zone of the refresh and restore actions.
const UTC = "UTC"

// Actions returns the scheduled actions that realise the week. The week's
// time zone must load (config validates it).
func (w Week) Actions() []Action {
	z, _ := ZoneOf(w.TimeZone)
	refresh, _ := toUTC(w.Refresh, z.MinOffset)
	restore, shift := toUTC(w.Refresh+Clock(w.RestoreAfter), z.MinOffset)
	work, off := w.Weekday, 0
	var sb Standby
	if w.Demand != nil {
		work, off, sb = w.Demand.WorkHoursMax, w.Demand.OffHoursMax, w.Demand.Standby
	}
	// ceiling is the floor itself without demand, else the larger of the
	// two (config keeps ceilings at or above floors).
	ceiling := func(floor, demandMax int) int {
		if w.Demand == nil {
			return floor
		}
		return max(floor, demandMax)
	}
	return []Action{
		{WeekdayScaleUp, cron(w.ScaleUp, "?", "MON-FRI"), w.TimeZone, w.Weekday, ceiling(w.Weekday, work), sb.WorkHours},
		{NightScaleDown, cron(w.ScaleDown, "?", "MON-FRI"), w.TimeZone, w.Night, ceiling(w.Night, off), sb.Nights},
		{DailyRefresh, cron(refresh, "*", "?"), UTC, 0, 0, 0},
		{WeekdayRestore, cron(restore, "?", days(weekdays, shift)), UTC, w.Night, ceiling(w.Night, off), sb.Nights},
		{WeekendRestore, cron(restore, "?", days(weekend, shift)), UTC, w.Weekend, ceiling(w.Weekend, off), sb.Weekends},
	}
}

// MaxCapacity is the largest ceiling any action sets.
func (w Week) MaxCapacity() int {
	m := 0
	for _, a := range w.Actions() {
		m = max(m, a.Ceiling)
	}
	return m
}

// DaylightShift is how many minutes later than Refresh, on the zone's
// clock, the refresh and restore happen in daylight-saving time.
func (w Week) DaylightShift() int {
	z, _ := ZoneOf(w.TimeZone)
	return z.MaxOffset - z.MinOffset
}

// toUTC converts a local clock at offset minutes east of UTC into a UTC
// clock and the day shift (-1, 0, +1) from the local day to the UTC day.
func toUTC(local Clock, offset int) (Clock, int) {
	m := int(local) - offset
	shift := 0
	for m < 0 {
		m += 24 * 60
		shift--
	}
	for m >= 24*60 {
		m -= 24 * 60
		shift++
	}
	return Clock(m), shift
}

var dayNames = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var (
	weekdays = []int{1, 2, 3, 4, 5}
	weekend  = []int{6, 0}
)

// days is the AWS cron day-of-week field for local days moved by shift, in
// the local days' order.
func days(local []int, shift int) string {
	if shift == 0 && len(local) == 5 {
		return "MON-FRI"
	}
	out := make([]string, len(local))
	for i, d := range local {
		out[i] = dayNames[((d+shift)%7+7)%7]
	}
	return strings.Join(out, ",")
}

func cron(at Clock, dayOfMonth, dayOfWeek string) string {
	return fmt.Sprintf("cron(%d %d %s * %s *)", at.Minute(), at.Hour(), dayOfMonth, dayOfWeek)
}
