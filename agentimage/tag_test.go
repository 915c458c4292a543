package agentimage

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The tag follows the content of agent/ and the rebuild period, nothing else.
func TestTag(t *testing.T) {
	monday := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM scratch\n", 0o644)
	write("start.sh", "#!/bin/sh\n", 0o755)
	tag := func() string {
		t.Helper()
		got, err := Tag(dir, RebuildWeekly, monday)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	base := tag()
	if len(base) != len("agent-")+12+len("-20261123") || base[:6] != "agent-" || base[18:] != "-20261123" {
		t.Fatalf("tag %q is not agent-<12 hex>-20261123", base)
	}
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "Dockerfile"), future, future)
	if got := tag(); got != base {
		t.Errorf("touching a file changed the tag: %s -> %s", base, got)
	}
	write("Dockerfile", "FROM scratch\nUSER 1000\n", 0o644)
	changed := tag()
	if changed == base {
		t.Error("changing the Dockerfile kept the tag")
	}
	write("Dockerfile", "FROM scratch\n", 0o644)
	if got := tag(); got != base {
		t.Errorf("restoring the content did not restore the tag: %s", got)
	}
	os.Chmod(filepath.Join(dir, "start.sh"), 0o644)
	if got := tag(); got != base {
		t.Error("dropping the executable bit changed the tag (a source zip may drop it)")
	}
	if _, err := Tag(filepath.Join(dir, "missing"), RebuildWeekly, monday); err == nil {
		t.Error("a missing folder must be an error")
	}
	sunday, _ := Tag(dir, RebuildWeekly, monday.AddDate(0, 0, 6).Add(13*time.Hour+59*time.Minute))
	nextMonday, _ := Tag(dir, RebuildWeekly, monday.AddDate(0, 0, 7).Add(-10*time.Hour))
	if sunday != base || nextMonday == base || nextMonday[18:] != "-20261130" {
		t.Errorf("week boundary: Sunday 23:59 UTC %s, next Monday 00:00 UTC %s (base %s)", sunday, nextMonday, base)
	}
}

func TestRebuildPeriodStart(t *testing.T) {
	for _, c := range []struct {
		rebuild, date, want string
	}{
		{RebuildDaily, "2026-11-23T23:59:00Z", "2026-11-23"},
		{RebuildWeekly, "2026-11-23T00:00:00Z", "2026-11-23"},      // a Monday
		{RebuildWeekly, "2026-11-29T23:59:00Z", "2026-11-23"},      // its Sunday
		{RebuildWeekly, "2027-01-01T12:00:00Z", "2026-12-28"},      // across the year
		{RebuildWeekly, "2026-11-23T00:30:00+01:00", "2026-11-16"}, // UTC decides
		{RebuildMonthly, "2026-02-28T12:00:00Z", "2026-02-01"},
	} {
		d, _ := time.Parse(time.RFC3339, c.date)
		got, err := RebuildPeriodStart(c.rebuild, d)
		if err != nil || got.Format("2006-01-02") != c.want {
			t.Errorf("%s %s: got %s, %v; want %s", c.rebuild, c.date, got.Format("2006-01-02"), err, c.want)
		}
	}
	if _, err := RebuildPeriodStart("fortnightly", time.Now()); err == nil {
		t.Error("an unknown period must be an error")
	}
}
