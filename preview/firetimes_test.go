package preview

import (
	"testing"
	"time"
)

// fireTimes covers [from, to): a firing exactly at from is in, one exactly
// at to is not. Weekdays at 07:00 UTC from Monday 15 June 2026 07:00 to
// Wednesday 17 June 07:00: Monday's and Tuesday's.
func TestFireTimesFromInclusiveToExclusive(t *testing.T) {
	from := time.Date(2026, 6, 15, 7, 0, 0, 0, time.UTC)
	got, err := fireTimes("cron(0 7 ? * MON-FRI *)", from, from.AddDate(0, 0, 2), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Mon 15 Jun 07:00", "Tue 16 Jun 07:00"}
	if len(got) != len(want) {
		t.Fatalf("fire times %v, want %v", got, want)
	}
	for i, g := range got {
		if g.Format("Mon 02 Jan 15:04") != want[i] {
			t.Errorf("fire time %d = %s, want %s", i, g.Format("Mon 02 Jan 15:04"), want[i])
		}
	}
}
