package schedule

// Automatic standby: the agents a spoke keeps ready in each hour of the
// week, sized from its own history (the poller reads it from the hub's
// CloudWatch; the preview from its simulated weeks). Azure Managed DevOps
// Pools sizes its standby agents the same way: a percentile of what the
// pool needed in that hour over the last weeks.

import (
	"slices"
	"time"
)

// HoursOfWeek: hour 0 is Monday 00:00-01:00 on the spoke's clock, 167 is
// Sunday 23:00-24:00.
const HoursOfWeek = 7 * 24

// MaxAutoWeeks is the longest history AutoStandby may read: CloudWatch
// keeps data points of a one-hour period for 455 days, 65 weeks
// (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html,
// "Metric retention"); one-minute data only 15 days, five-minute 63.
const MaxAutoWeeks = 65

// AutoLead: the poller sizes the agents ready for the hour that begins
// this far ahead, so that agents asked for at hh:55 are running (one
// metric minute and a start of one to three minutes) when the hour comes.
const AutoLead = 5 * time.Minute

// NoData marks an hour of a week without figures (the spoke not deployed
// yet, the pool not counted): it is left out, not counted as 0.
const NoData = -1

// HourOfWeek is t's hour of the week on loc's clock.
func HourOfWeek(t time.Time, loc *time.Location) int {
	l := t.In(loc)
	return (int(l.Weekday())+6)%7*24 + l.Hour()
}

// AutoReady is, for each hour of the week, the percentile-th percentile
// (nearest rank: the smallest value at least percentile % of the weeks
// reach) of the weeks' peaks in that hour, NoData hours left out; 0 for an
// hour with no data in any week. peaks[w][h] is the most agents needed
// (busy plus waiting) in hour h of week w.
func AutoReady(peaks [][HoursOfWeek]int, percentile int) [HoursOfWeek]int {
	var out [HoursOfWeek]int
	for h := range out {
		var v []int
		for _, w := range peaks {
			if w[h] != NoData {
				v = append(v, w[h])
			}
		}
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		rank := (percentile*len(v) + 99) / 100 // ceil(percentile% of len(v)), in integers as the poller has it
		out[h] = v[max(rank, 1)-1]
	}
	return out
}
