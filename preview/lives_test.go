package preview

import (
	"testing"
	"time"
)

// "More than 24 hours" is the limit: a stretch of exactly 24 hours is the
// longest life but within it (docs: no agent lives more than 24 hours);
// one minute more is flagged.
func TestLivesExactlyADayIsWithin(t *testing.T) {
	t0 := time.Date(2026, 6, 15, 0, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		life    time.Duration
		tooLong []string
	}{
		{24 * time.Hour, nil},
		{24*time.Hour + time.Minute, []string{"Mon 15 Jun 00:05 UTC: 24h01"}},
	} {
		timeline := []Segment{{t0.Add(-5 * time.Minute), t0, 0}, {t0, t0.Add(c.life), 1}, {t0.Add(c.life), t0.Add(48 * time.Hour), 0}}
		longest, tooLong := lives(timeline, t0.Add(-time.Hour), t0.Add(47*time.Hour))
		if longest != c.life || len(tooLong) != len(c.tooLong) || len(tooLong) > 0 && tooLong[0] != c.tooLong[0] {
			t.Errorf("a %v stretch: longest %v, too long %q; want %v and %q", c.life, longest, tooLong, c.life, c.tooLong)
		}
	}
}
