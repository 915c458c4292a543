package schedule

import (
	"sync"
	"time"
	_ "time/tzdata" // zones resolve the same on every machine
)

// Years over which a zone's offsets and daylight-saving gaps are examined:
// the tz database's rules for the years a fleet will run.
const (
	zoneFirstYear = 2024
	zoneLastYear  = 2040
)

// Zone is what the schedule needs to know of an IANA time zone.
type Zone struct {
	// MinOffset and MaxOffset are its smallest and largest UTC offsets, in
	// minutes (standard and daylight-saving time, 30 minutes apart on Lord
	// Howe, none on a zone without daylight saving).
	MinOffset, MaxOffset int
	// Gaps are the local times skipped when clocks go forward.
	Gaps []Gap
}

// Gap is a stretch of local time that does not exist on Day: clocks jump
// from From to To (To may be 24:00, which is 00:00 the next day).
type Gap struct {
	Day      time.Time
	From, To Clock
}

// Contains reports whether the local clock c does not exist on g.Day.
func (g Gap) Contains(c Clock) bool { return c >= g.From && c < g.To }

var zones sync.Map // name -> Zone

// ZoneOf describes the zone named tz (which must load).
func ZoneOf(tz string) (Zone, error) {
	if z, ok := zones.Load(tz); ok {
		return z.(Zone), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return Zone{}, err
	}
	t := time.Date(zoneFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(zoneLastYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	_, off := t.In(loc).Zone()
	z := Zone{MinOffset: off / 60, MaxOffset: off / 60}
	for t.Before(end) {
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		if !next.After(t) { // past the table's last year, rule-based bounds can end where they start
			t = t.Add(24 * time.Hour)
			continue
		}
		_, before := next.Add(-time.Second).In(loc).Zone()
		_, after := next.In(loc).Zone()
		z.MinOffset, z.MaxOffset = min(z.MinOffset, after/60), max(z.MaxOffset, after/60)
		if after > before { // clocks go forward: local times in between are skipped
			old := next.In(time.FixedZone("", before))
			from := Clock(old.Hour()*60 + old.Minute())
			day := time.Date(old.Year(), old.Month(), old.Day(), 0, 0, 0, 0, loc)
			z.Gaps = append(z.Gaps, Gap{Day: day, From: from, To: from + Clock((after-before)/60)})
		}
		t = next
	}
	zones.Store(tz, z)
	return z, nil
}

// FirstGapAt returns the first day on which local clock c does not exist.
func (z Zone) FirstGapAt(c Clock) (Gap, bool) {
	for _, g := range z.Gaps {
		if g.Contains(c) {
			return g, true
		}
	}
	return Gap{}, false
}
