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
//   - every day at Refresh: 0 agents, so no agent lives longer than a day;
//   - RestoreAfter minutes later: Night agents on weekdays, Weekend agents on
//     Saturday and Sunday (the capacity that hour should have).
type Week struct {
	TimeZone     string
	ScaleUp      Clock
	ScaleDown    Clock
	Refresh      Clock
	RestoreAfter int // minutes
	Weekday      int
	Night        int
	Weekend      int
}

// Action is one scheduled action: at the times of Cron, in TimeZone, the
// service runs exactly Capacity agents (min = max = Capacity).
type Action struct {
	Name     string
	Cron     string // AWS 6-field form: cron(minutes hours day-of-month month day-of-week year)
	TimeZone string
	Capacity int
}

// Names of the five actions, in the order Actions returns them.
const (
	WeekdayScaleUp = "weekday-scale-up"
	NightScaleDown = "night-scale-down"
	DailyRefresh   = "daily-refresh"
	WeekdayRestore = "weekday-restore"
	WeekendRestore = "weekend-restore"
)

// Actions returns the scheduled actions that realise the week.
func (w Week) Actions() []Action {
	restore := w.Refresh + Clock(w.RestoreAfter)
	return []Action{
		{WeekdayScaleUp, cron(w.ScaleUp, "?", "MON-FRI"), w.TimeZone, w.Weekday},
		{NightScaleDown, cron(w.ScaleDown, "?", "MON-FRI"), w.TimeZone, w.Night},
		{DailyRefresh, cron(w.Refresh, "*", "?"), w.TimeZone, 0},
		{WeekdayRestore, cron(restore, "?", "MON-FRI"), w.TimeZone, w.Night},
		{WeekendRestore, cron(restore, "?", "SAT,SUN"), w.TimeZone, w.Weekend},
	}
}

// MaxCapacity is the largest capacity any action sets.
func (w Week) MaxCapacity() int { return max(w.Weekday, w.Night, w.Weekend) }

func cron(at Clock, dayOfMonth, dayOfWeek string) string {
	return fmt.Sprintf("cron(%d %d %s * %s *)", at.Minute(), at.Hour(), dayOfMonth, dayOfWeek)
}
