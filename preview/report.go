package preview

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// DayProfiles describes each day of the week as capacity ranges in local
// time, consecutive days with the same profile grouped: "Mon-Fri: 00:00-00:05 0, ...".
func DayProfiles(r Result) []string {
	type day struct{ name, profile string }
	var days []day
	for d := r.Start; d.Before(r.End); d = d.AddDate(0, 0, 1) {
		next := d.AddDate(0, 0, 1)
		var parts []string
		for _, s := range r.Segments {
			if !s.To.After(d) || !s.From.Before(next) {
				continue
			}
			from, to := maxTime(s.From, d), minTime(s.To, next)
			end := to.Format("15:04")
			if to.Equal(next) {
				end = "24:00"
			}
			parts = append(parts, fmt.Sprintf("%s-%s %d", from.Format("15:04"), end, s.Capacity))
		}
		profile := strings.Join(parts, ", ")
		if h := next.Sub(d).Hours(); h != 24 {
			profile += fmt.Sprintf(" (%g-hour day: daylight saving)", h)
		}
		days = append(days, day{d.Format("Mon"), profile})
	}
	var out []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1].profile == days[i].profile {
			j++
		}
		name := days[i].name
		if j > i {
			name += "-" + days[j].name
		}
		out = append(out, fmt.Sprintf("%s: %s", name, days[i].profile))
		i = j + 1
	}
	return out
}

// LifeOK reports whether no agent can live more than 24 hours.
func (r Result) LifeOK() bool { return len(r.TooLong) == 0 }

// WriteReport prints every spoke's week and a table with a total line.
func WriteReport(w io.Writer, results []Result) {
	for _, r := range results {
		fmt.Fprintf(w, "%s (%s, %s), week of %s\n", r.Spoke.Name, r.Spoke.Region, r.Spoke.Week.TimeZone, r.Start.Format("Mon 02 Jan 2006"))
		for _, p := range DayProfiles(r) {
			fmt.Fprintf(w, "  %s\n", p)
		}
		if r.LifeOK() {
			fmt.Fprintf(w, "  longest agent life %s: within 24 hours every day\n", formatDuration(r.LongestLife))
		} else {
			fmt.Fprintf(w, "  NOT OK: an agent can live more than 24 hours: %s\n", strings.Join(r.TooLong, "; "))
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SPOKE\tREGION\tAGENT-H/WEEK\tLONGEST LIFE\tUSD/MONTH\tUSD/MONTH 24x7\tSAVED\t")
	var hours, cost, always float64
	var unpriced []string
	for _, r := range results {
		mark := ""
		if !r.LifeOK() {
			mark = " (>24h)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s%s\t%s\t%s\t%s\t\n", r.Spoke.Name, r.Spoke.Region, r.AgentHours,
			formatDuration(r.LongestLife), mark, usd(r.Cost.Monthly), usd(r.Cost.AlwaysOn), saved(r.Cost.Monthly, r.Cost.AlwaysOn))
		hours += r.AgentHours
		if r.Cost.Priced {
			cost, always = cost+r.Cost.Monthly, always+r.Cost.AlwaysOn
		} else {
			unpriced = append(unpriced, r.Spoke.Name+" ("+r.Spoke.Region+")")
		}
	}
	fmt.Fprintf(tw, "TOTAL (%d spokes)\t\t%.1f\t\t%.2f\t%.2f\t%s\t\n", len(results), hours, cost, always, saved(cost, always))
	tw.Flush()
	fmt.Fprintf(w, "\nFargate on-demand Linux/x86 list prices as of %s (preview/cost.go).\n"+
		"USD/MONTH 24x7 is the weekday capacity running around the clock. A month is %.2f weeks.\n", PricesAsOf, WeeksPerMonth)
	if len(unpriced) > 0 {
		fmt.Fprintf(w, "No price for the region of %s: not in the total; add the region's Fargate price to preview/cost.go.\n", strings.Join(unpriced, ", "))
	}
}

// WriteYearReport prints, per spoke, the longest an agent can live over the
// whole year: every daylight-saving change of its zone included.
func WriteYearReport(w io.Writer, years []Year) {
	if len(years) == 0 {
		return
	}
	fmt.Fprintf(w, "\nLongest agent life over %d (every day, daylight-saving changes included):\n", years[0].Year)
	for _, y := range years {
		verdict := "within 24 hours"
		if len(y.TooLong) > 0 {
			verdict = "NOT OK: over 24 hours: " + strings.Join(y.TooLong, "; ")
		}
		fmt.Fprintf(w, "  %s (%s): %s, from %s: %s\n", y.Spoke.Name, y.Spoke.Week.TimeZone, formatDuration(y.LongestLife),
			y.LongestFrom.Format("Mon 02 Jan 15:04 MST"), verdict)
	}
}

func saved(cost, always float64) string {
	if always == 0 || math.IsNaN(always) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*(1-cost/always))
}
