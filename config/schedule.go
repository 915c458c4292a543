package config

// The schedule section: defaults, per-spoke overrides and checks.

import (
	"fmt"
	"strconv"
	"strings"

	"hubspoke-cdk/schedule"
)

func mergeSchedule(base Schedule, s *scheduleFile, path string, origin map[string]string) Schedule {
	if s == nil {
		return base
	}
	setStr(&base.TimeZone, s.TimeZone, path+".timeZone", "timeZone", origin)
	if s.ScaleUp != nil {
		setStr(&base.ScaleUpAt, s.ScaleUp.At, path+".scaleUp.at", "scaleUp.at", origin)
		setInt(&base.WeekdayCapacity, s.ScaleUp.Capacity, path+".scaleUp.capacity", "scaleUp.capacity", origin)
	}
	if s.ScaleDown != nil {
		setStr(&base.ScaleDownAt, s.ScaleDown.At, path+".scaleDown.at", "scaleDown.at", origin)
		setInt(&base.NightCapacity, s.ScaleDown.Capacity, path+".scaleDown.capacity", "scaleDown.capacity", origin)
	}
	if s.Refresh != nil {
		setStr(&base.RefreshAt, s.Refresh.At, path+".refresh.at", "refresh.at", origin)
		setInt(&base.RestoreAfterMinutes, s.Refresh.RestoreAfterMinutes, path+".refresh.restoreAfterMinutes", "refresh.restoreAfterMinutes", origin)
	}
	setInt(&base.WeekendCapacity, s.WeekendCapacity, path+".weekendCapacity", "weekendCapacity", origin)
	if d := s.Demand; d != nil {
		// A demand section turns demand on unless it says enabled: false.
		base.Demand = d.Enabled == nil || *d.Enabled
		origin["demand.enabled"] = path + ".demand"
		if d.Enabled != nil {
			origin["demand.enabled"] = path + ".demand.enabled"
		}
		setInt(&base.WorkHoursMax, d.WorkHoursMax, path+".demand.workHoursMax", "demand.workHoursMax", origin)
		setInt(&base.OffHoursMax, d.OffHoursMax, path+".demand.offHoursMax", "demand.offHoursMax", origin)
		if sb := d.Standby; sb != nil {
			p := path + ".demand.standby"
			setInt(&base.Standby.WorkHours, sb.WorkHours, p+".workHours", "demand.standby.workHours", origin)
			setInt(&base.Standby.Nights, sb.Nights, p+".nights", "demand.standby.nights", origin)
			setInt(&base.Standby.Weekends, sb.Weekends, p+".weekends", "demand.standby.weekends", origin)
			if a := sb.Auto; a != nil {
				// An auto section turns it on unless it says enabled: false.
				base.Auto = a.Enabled == nil || *a.Enabled
				origin["demand.standby.auto"] = p + ".auto"
				setInt(&base.AutoWeeks, a.Weeks, p+".auto.weeks", "demand.standby.auto.weeks", origin)
				setInt(&base.AutoPercentile, a.Percentile, p+".auto.percentile", "demand.standby.auto.percentile", origin)
			}
		}
	}
	return base
}

// checkStandby checks a demand schedule's standby: counts of 0 or more,
// each within its window's ceiling, and an automatic history AWS keeps.
func checkStandby(c *collector, s Schedule, o map[string]string, spoke string, between func(key, other, format string, args ...any)) {
	for _, w := range []struct {
		key, window, ceilingKey string
		v, ceiling              int
	}{
		{"demand.standby.workHours", "in working hours", "demand.workHoursMax", s.Standby.WorkHours, s.WorkHoursMax},
		{"demand.standby.nights", "at night", "demand.offHoursMax", s.Standby.Nights, s.OffHoursMax},
		{"demand.standby.weekends", "at weekends", "demand.offHoursMax", s.Standby.Weekends, s.OffHoursMax},
	} {
		switch {
		case w.v < 0:
			c.add(at(o, "schedule", w.key), "%d: use 0 or more idle agents kept ready %s", w.v, w.window)
		case w.v > w.ceiling && o[w.key] != "":
			// Only a standby the file sets: the default (1 in working
			// hours) never passes a valid ceiling (at least the floor, 1),
			// and the poller keeps any standby within the ceiling anyway.
			msg := fmt.Sprintf("standby %d %s is above the ceiling %s %d", w.v, w.window, w.ceilingKey[len("demand."):], w.ceiling)
			const fix = ": an idle agent above the ceiling is never started; lower the standby or raise the ceiling"
			if _, set := o[w.ceilingKey]; set {
				between(w.key, w.ceilingKey, "%s%s", msg, fix)
				break
			}
			// The ceiling is its default: there is no other place to name.
			msg += map[string]string{
				"demand.workHoursMax": " (not set: its default is twice scaleUp.capacity)",
				"demand.offHoursMax":  " (not set: its default is the larger of 1, scaleDown.capacity and weekendCapacity)",
			}[w.ceilingKey]
			if spoke != "" {
				msg = fmt.Sprintf("spoke %q: %s", spoke, msg)
			}
			c.add(at(o, "schedule", w.key), "%s%s", msg, fix)
		}
	}
	// Auto's keys are checked whenever they are set (also with enabled:
	// false: a bad value would surface only when someone turns it on).
	_, weeksSet := o["demand.standby.auto.weeks"]
	_, percentileSet := o["demand.standby.auto.percentile"]
	if (s.Auto || weeksSet) && (s.AutoWeeks < 1 || s.AutoWeeks > schedule.MaxAutoWeeks) {
		c.add(at(o, "schedule", "demand.standby.auto.weeks"), "%d weeks: use 1 to %d; CloudWatch keeps hourly figures for 455 days (%d weeks), so a longer history cannot be read", s.AutoWeeks, schedule.MaxAutoWeeks, schedule.MaxAutoWeeks)
	}
	if (s.Auto || percentileSet) && (s.AutoPercentile < 1 || s.AutoPercentile > 100) {
		c.add(at(o, "schedule", "demand.standby.auto.percentile"), "%d: use a percentile of 1 to 100 (50: the usual hour, 90: all but the busiest weeks)", s.AutoPercentile)
	}
}

// unsetMax is a demand ceiling before its default is filled in: the
// default follows the floors, once they are merged.
const unsetMax = -1

// checkDemand fills the default ceilings and checks them against the
// floors. A ceiling is unset when the fleet file does not name it (its
// origin), not when it holds unsetMax: a -1 in the file is refused.
func checkDemand(c *collector, s Schedule, o map[string]string, spoke string, between func(key, other, format string, args ...any)) Schedule {
	if _, set := o["demand.workHoursMax"]; !set {
		s.WorkHoursMax = 2 * s.WeekdayCapacity
	}
	if _, set := o["demand.offHoursMax"]; !set {
		s.OffHoursMax = max(1, s.NightCapacity, s.WeekendCapacity)
	}
	if !s.Demand {
		for _, k := range []string{"demand.standby.workHours", "demand.standby.nights", "demand.standby.weekends", "demand.standby.auto"} {
			// Only a standby written in the very demand section that
			// says enabled: false; an inherited one is just not used.
			off := o["demand.enabled"]
			if p, set := o[k]; set && strings.HasSuffix(off, ".enabled") && strings.HasPrefix(p, strings.TrimSuffix(off, "enabled")) {
				c.add(p, "standby is for spokes following demand, and this demand section turns demand off (enabled: false): remove the standby or the enabled: false")
				break
			}
		}
		return s
	}
	defer checkStandby(c, s, o, spoke, between)
	for _, m := range []struct {
		key string
		v   int
	}{{"demand.workHoursMax", s.WorkHoursMax}, {"demand.offHoursMax", s.OffHoursMax}} {
		if m.v < 0 || m.v > MaxCapacity {
			c.add(at(o, "schedule", m.key), "%d: use 0 to %d agents as the most demand may start", m.v, MaxCapacity)
		}
	}
	if s.WorkHoursMax < s.WeekdayCapacity {
		between("demand.workHoursMax", "scaleUp.capacity", "working-hours ceiling %d is below the floor scaleUp.capacity %d: set workHoursMax to at least the floor", s.WorkHoursMax, s.WeekdayCapacity)
	}
	if floor := max(s.NightCapacity, s.WeekendCapacity); s.OffHoursMax < floor {
		other := "scaleDown.capacity"
		if s.WeekendCapacity > s.NightCapacity {
			other = "weekendCapacity"
		}
		between("demand.offHoursMax", other, "off-hours ceiling %d is below the off-hours floor %d: set offHoursMax to at least the floor", s.OffHoursMax, floor)
	}
	if s.OffHoursMax > s.WorkHoursMax {
		between("demand.offHoursMax", "demand.workHoursMax", "off-hours ceiling %d is above the working-hours ceiling %d: the ceilings are inverted", s.OffHoursMax, s.WorkHoursMax)
	}
	return s
}

// checkSchedule checks a merged schedule (of the spoke named spoke, "" for
// the defaults) and returns it with its times parsed. A problem between two
// values set in different places (one inherited from the defaults, one the
// spoke's own) is reported at the spoke's value, naming the spoke and the
// other value's place.
func checkSchedule(c *collector, s Schedule, o map[string]string, spoke string) Schedule {
	zone, zoneErr := schedule.ZoneOf(s.TimeZone)
	if s.TimeZone == "" || s.TimeZone == "Local" || zoneErr != nil {
		c.add(at(o, "schedule", "timeZone"), "%q is not an IANA time zone such as Europe/Amsterdam or UTC", s.TimeZone)
	}
	up, upOK := checkTime(c, at(o, "schedule", "scaleUp.at"), s.ScaleUpAt)
	down, downOK := checkTime(c, at(o, "schedule", "scaleDown.at"), s.ScaleDownAt)
	ref, refOK := checkTime(c, at(o, "schedule", "refresh.at"), s.RefreshAt)
	s.scaleUp, s.scaleDown, s.refresh = schedule.Clock(up), schedule.Clock(down), schedule.Clock(ref)
	for _, cap := range []struct {
		key string
		v   int
	}{{"scaleUp.capacity", s.WeekdayCapacity}, {"scaleDown.capacity", s.NightCapacity}, {"weekendCapacity", s.WeekendCapacity}} {
		if cap.v < 0 || cap.v > MaxCapacity {
			c.add(at(o, "schedule", cap.key), "capacity %d: use 0 to %d agents", cap.v, MaxCapacity)
		}
	}
	if s.WeekdayCapacity < 1 && s.WeekdayCapacity >= 0 {
		c.add(at(o, "schedule", "scaleUp.capacity"), "weekday capacity 0 leaves no agent in working hours: use at least 1")
	}
	// between reports a problem of key against other: at key's place, or,
	// when exactly one of them is the spoke's own, at that one, naming the
	// spoke and where the other was set.
	between := func(key, other, format string, args ...any) {
		pk, po := at(o, "schedule", key), at(o, "schedule", other)
		where, msg := pk, fmt.Sprintf(format, args...)
		if own := strings.HasPrefix(pk, "spokes["); own != strings.HasPrefix(po, "spokes[") {
			inherited, name := po, other
			if !own {
				where, inherited, name = po, pk, key
			}
			msg = fmt.Sprintf("spoke %q: %s (%s comes from %s, line %d)", spoke, msg, name, inherited, c.line(inherited))
		}
		c.add(where, "%s", msg)
	}
	if s.NightCapacity > s.WeekdayCapacity {
		between("scaleDown.capacity", "scaleUp.capacity", "night capacity %d is above the weekday capacity %d: the schedule is inverted; scale down to fewer agents than you scale up to", s.NightCapacity, s.WeekdayCapacity)
	}
	if s.WeekendCapacity > s.WeekdayCapacity {
		between("weekendCapacity", "scaleUp.capacity", "weekend capacity %d is above the weekday capacity %d: the schedule is inverted", s.WeekendCapacity, s.WeekdayCapacity)
	}
	s = checkDemand(c, s, o, spoke, between)
	if s.RestoreAfterMinutes < 1 || s.RestoreAfterMinutes > 59 {
		c.add(at(o, "schedule", "refresh.restoreAfterMinutes"), "%d: use 1 to 59 minutes between the refresh to 0 and the restore", s.RestoreAfterMinutes)
	}
	if upOK && downOK && down <= up {
		between("scaleDown.at", "scaleUp.at", "scale-down %s is not after scale-up %s on the same day; both are weekday times in the schedule's time zone", s.ScaleDownAt, s.ScaleUpAt)
	}
	if zoneErr != nil {
		return s
	}
	// The refresh runs at a fixed UTC time (schedule.Week): in daylight-
	// saving time it comes later on the local clock by the zone's shift.
	shift := zone.MaxOffset - zone.MinOffset
	if refOK && upOK && s.RestoreAfterMinutes >= 1 && ref+s.RestoreAfterMinutes+shift >= up {
		extra := ""
		if shift > 0 {
			extra = fmt.Sprintf(" (and the %d minutes it moves later in daylight-saving time in %s: it runs at a fixed UTC time so that no agent lives over 24 hours)", shift, s.TimeZone)
		}
		between("refresh.at", "scaleUp.at", "refresh at %s plus %d minutes%s must come before the scale-up at %s; refresh between midnight and the morning scale-up (00:00 is usual)", s.RefreshAt, s.RestoreAfterMinutes, extra, s.ScaleUpAt)
	}
	for _, t := range []struct {
		key string
		at  int
		ok  bool
	}{{"scaleUp.at", up, upOK}, {"scaleDown.at", down, downOK}} {
		if g, skipped := zone.FirstGapAt(schedule.Clock(t.at)); t.ok && skipped {
			between(t.key, "timeZone", "%s does not exist in %s on %s (clocks go from %s to %s): choose a time outside the daylight-saving change", schedule.Clock(t.at), s.TimeZone, g.Day.Format("2006-01-02"), g.From, g.To)
		}
	}
	return s
}

// checkTime parses HH:MM into minutes after midnight.
func checkTime(c *collector, path, v string) (int, bool) {
	if !timeRe.MatchString(v) {
		c.add(path, "%q is not a time of day: use 24-hour HH:MM such as 07:00", v)
		return 0, false
	}
	h, _ := strconv.Atoi(v[:2])
	m, _ := strconv.Atoi(v[3:])
	return h*60 + m, true
}
