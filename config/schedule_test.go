package config

import (
	"errors"
	"strings"
	"testing"
)

// edit applies replacements (from, to) to the base fleet, failing the test
// if a from is not in it.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	y := base(t)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(y, pairs[i]) {
			t.Fatalf("test bug: %q not in the base fleet", pairs[i])
		}
		y = strings.Replace(y, pairs[i], pairs[i+1], 1)
	}
	return y
}

// The schedule's limits, on each side: the value just past a limit is
// refused with the field, its line and what to use; the value at the limit
// loads. Limits: capacities 0 to MaxCapacity (200, docs/fleet-file.md), a
// weekday capacity of at least 1, a restore 1 to 59 minutes after the
// refresh, the refresh plus restore plus the zone's daylight shift before
// the scale-up, the scale-down after the scale-up, an IANA zone by name
// (not "Local", not empty: Go's time.LoadLocation reads "" as UTC and
// "Local" as the machine's zone, so neither fails on its own).
func TestScheduleLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		edits []string
		path  string // "" when the edit must load
		msg   string
		line  int
	}{
		{"weekday capacity over the maximum", []string{"capacity: 4}", "capacity: 201}"}, "schedule.scaleUp.capacity", "capacity 201: use 0 to 200 agents", 14},
		{"weekday capacity at the maximum", []string{"capacity: 4}", "capacity: 200}"}, "", "", 0},
		{"night capacity over the maximum", []string{"capacity: 4}", "capacity: 200}", "capacity: 1}", "capacity: 201}"}, "schedule.scaleDown.capacity", "capacity 201: use 0 to 200 agents", 15},
		{"weekend capacity over the maximum", []string{"capacity: 4}", "capacity: 200}", "weekendCapacity: 0", "weekendCapacity: 201"}, "schedule.weekendCapacity", "capacity 201: use 0 to 200 agents", 17},
		{"weekend capacity at the maximum", []string{"capacity: 4}", "capacity: 200}", "weekendCapacity: 0", "weekendCapacity: 200"}, "", "", 0},
		{"night capacity negative", []string{"capacity: 1}", "capacity: -1}"}, "schedule.scaleDown.capacity", "capacity -1: use 0 to 200 agents", 15},
		{"weekday capacity 1", []string{"capacity: 4}", "capacity: 1}"}, "", "", 0},
		{"night equal to weekday", []string{"capacity: 1}", "capacity: 4}"}, "", "", 0},
		{"weekend above weekday", []string{"weekendCapacity: 0", "weekendCapacity: 5"}, "schedule.weekendCapacity", "weekend capacity 5 is above the weekday capacity 4: the schedule is inverted", 17},
		{"weekend equal to weekday", []string{"weekendCapacity: 0", "weekendCapacity: 4"}, "", "", 0},
		{"time zone Local", []string{"timeZone: Europe/Amsterdam", "timeZone: Local"}, "schedule.timeZone", `"Local" is not an IANA time zone such as Europe/Amsterdam or UTC`, 13},
		{"time zone empty", []string{"timeZone: Europe/Amsterdam", `timeZone: ""`}, "schedule.timeZone", `"" is not an IANA time zone such as Europe/Amsterdam or UTC`, 13},
		{"time zone UTC", []string{"timeZone: Europe/Amsterdam", "timeZone: UTC"}, "", "", 0},
		{"restore 0 minutes after", []string{"restoreAfterMinutes: 5", "restoreAfterMinutes: 0"}, "schedule.refresh.restoreAfterMinutes", "0: use 1 to 59 minutes between the refresh to 0 and the restore", 16},
		{"restore 60 minutes after", []string{"restoreAfterMinutes: 5", "restoreAfterMinutes: 60"}, "schedule.refresh.restoreAfterMinutes", "60: use 1 to 59 minutes", 16},
		{"restore 1 minute after", []string{"restoreAfterMinutes: 5", "restoreAfterMinutes: 1"}, "", "", 0},
		{"restore 59 minutes after", []string{"restoreAfterMinutes: 5", "restoreAfterMinutes: 59"}, "", "", 0},
		// Amsterdam moves 60 minutes in summer: 05:55 + 5 + 60 = 07:00, the
		// scale-up itself; 05:54 is the latest refresh.
		{"restore at the scale-up in summer", []string{`refresh: {at: "00:00"`, `refresh: {at: "05:55"`}, "schedule.refresh.at",
			"refresh at 05:55 plus 5 minutes (and the 60 minutes it moves later in daylight-saving time in Europe/Amsterdam", 16},
		{"restore a minute before the scale-up in summer", []string{`refresh: {at: "00:00"`, `refresh: {at: "05:54"`}, "", "", 0},
		// UTC does not move: 06:55 + 5 = 07:00 is refused without the
		// daylight-saving remark, 06:54 loads.
		{"restore at the scale-up in UTC", []string{"timeZone: Europe/Amsterdam", "timeZone: UTC", `refresh: {at: "00:00"`, `refresh: {at: "06:55"`}, "schedule.refresh.at",
			"refresh at 06:55 plus 5 minutes must come before the scale-up at 07:00; refresh between midnight and the morning scale-up (00:00 is usual)", 16},
		{"restore a minute before the scale-up in UTC", []string{"timeZone: Europe/Amsterdam", "timeZone: UTC", `refresh: {at: "00:00"`, `refresh: {at: "06:54"`}, "", "", 0},
		{"a valid Amsterdam fleet with a refresh at 00:58", []string{`refresh: {at: "00:00"`, `refresh: {at: "00:58"`}, "", "", 0},
		{"scale-down at the scale-up", []string{`at: "19:00"`, `at: "07:00"`}, "schedule.scaleDown.at", "scale-down 07:00 is not after scale-up 07:00 on the same day", 15},
		{"scale-down a minute after the scale-up", []string{`at: "19:00"`, `at: "07:01"`}, "", "", 0},
		{"refresh at 24:00", []string{`refresh: {at: "00:00"`, `refresh: {at: "24:00"`}, "schedule.refresh.at", `"24:00" is not a time of day: use 24-hour HH:MM such as 07:00`, 16},
		{"scale-up at 23:59 after scale-down", []string{`at: "07:00"`, `at: "23:59"`}, "schedule.scaleDown.at", "scale-down 19:00 is not after scale-up 23:59", 15},
		// The scale-down in a gap is refused too, not only the scale-up:
		// Chatham skips 02:45-03:45 on 29 September 2024 (New Zealand's
		// 02:00 standard time; Chatham is 45 minutes ahead). Its end,
		// 03:45, exists.
		{"scale-down in a daylight-saving gap", []string{"timeZone: Europe/Amsterdam", "timeZone: Pacific/Chatham", `at: "07:00"`, `at: "02:00"`, `at: "19:00"`, `at: "03:00"`},
			"schedule.scaleDown.at", "03:00 does not exist in Pacific/Chatham on 2024-09-29 (clocks go from 02:45 to 03:45): choose a time outside the daylight-saving change", 15},
		{"scale-down at the end of a daylight-saving gap", []string{"timeZone: Europe/Amsterdam", "timeZone: Pacific/Chatham", `at: "07:00"`, `at: "02:00"`, `at: "19:00"`, `at: "03:45"`}, "", "", 0},
		// Demand ceilings, each side of their limits.
		{"demand ceiling at the maximum", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 200}\n"}, "", "", 0},
		{"demand ceiling over the maximum", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 201}\n"}, "schedule.demand.workHoursMax", "201: use 0 to 200 agents as the most demand may start", 18},
		{"demand off-hours ceiling negative", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {offHoursMax: -1}\n"}, "schedule.demand.offHoursMax", "-1: use 0 to 200 agents as the most demand may start", 18},
		{"demand ceiling equal to the floor", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 4}\n"}, "", "", 0},
		{"demand off-hours ceiling equal to the night floor", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {offHoursMax: 1}\n"}, "", "", 0},
		{"demand off-hours ceiling equal to the working-hours ceiling", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {workHoursMax: 5, offHoursMax: 5}\n"}, "", "", 0},
		{"demand off-hours ceiling below the weekend floor", []string{"weekendCapacity: 0\n", "weekendCapacity: 3\n  demand: {offHoursMax: 2}\n"}, "schedule.demand.offHoursMax",
			"off-hours ceiling 2 is below the off-hours floor 3: set offHoursMax to at least the floor", 18},
		// A ceiling of 0 is allowed: no agent beyond the floors at night.
		{"demand off-hours ceiling 0 over floors of 0", []string{"capacity: 1}", "capacity: 0}", "  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {offHoursMax: 0}\n"}, "", "", 0},
		// The weekend floor is the larger: the message names it, at the
		// spoke's own ceiling.
		{"spoke's off-hours ceiling below the inherited weekend floor", []string{"weekendCapacity: 0", "weekendCapacity: 3", "    wave: prod\n", "    wave: prod\n    schedule: {demand: {offHoursMax: 2}}\n"},
			"spokes[1].schedule.demand.offHoursMax", `spoke "prod": off-hours ceiling 2 is below the off-hours floor 3: set offHoursMax to at least the floor (weekendCapacity comes from schedule.weekendCapacity, line 17)`, 28},
		// A restore 1 minute after (the shortest) still counts against the
		// scale-up: 06:59 + 1 = 07:00 in UTC.
		{"restore 1 minute after, at the scale-up", []string{"timeZone: Europe/Amsterdam", "timeZone: UTC", `refresh: {at: "00:00", restoreAfterMinutes: 5}`, `refresh: {at: "06:59", restoreAfterMinutes: 1}`},
			"schedule.refresh.at", "refresh at 06:59 plus 1 minutes must come before the scale-up at 07:00", 16},
		{"demand off but its ceilings out of range", []string{"  weekendCapacity: 0\n", "  weekendCapacity: 0\n  demand: {enabled: false, workHoursMax: 500}\n"}, "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			y := edit(t, c.edits...)
			_, err := Parse("fleet.yaml", []byte(y))
			if c.path == "" {
				if err != nil {
					t.Fatalf("want the fleet to load, got:\n%v", err)
				}
				return
			}
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want *Problems, got %v", err)
			}
			for _, p := range probs.List {
				if p.Path == c.path && strings.Contains(p.Message, c.msg) {
					if p.Line != c.line {
						t.Errorf("%s reported on line %d, want %d", p.Path, p.Line, c.line)
					}
					return
				}
			}
			t.Errorf("no problem at %q containing %q; got:\n%s", c.path, c.msg, err)
		})
	}
}
