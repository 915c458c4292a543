package schedule

import (
	"time"
)

// Offset is a zone's UTC offset from an instant on: Minutes east of UTC
// from From (Unix seconds) until the next Offset.
type Offset struct {
	From    int64
	Minutes int
}

// Offsets lists the UTC offsets of the zone named tz (which must load) from
// zoneFirstYear to the end of zoneLastYear, from Go's tz database: what a
// deploy-time function needs to evaluate the scheduled actions' local
// times without a tz database of its own. The first entry starts at the
// beginning of zoneFirstYear; UTC has one entry.
func Offsets(tz string) ([]Offset, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	t := time.Date(zoneFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(zoneLastYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	_, off := t.In(loc).Zone()
	out := []Offset{{From: t.Unix(), Minutes: off / 60}}
	for {
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		if !next.After(t) { // past the table's last year, rule-based bounds can end where they start
			t = t.Add(24 * time.Hour)
			continue
		}
		if _, o := next.In(loc).Zone(); o/60 != out[len(out)-1].Minutes {
			out = append(out, Offset{From: next.Unix(), Minutes: o / 60})
		}
		t = next
	}
	return out, nil
}
