package access

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the matrix, one row per case, grouped by spoke, and a
// summary line. It returns the number of wrong decisions.
func WriteTable(w io.Writer, results []Result) int {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	wrong := 0
	last := ""
	for _, r := range results {
		if r.Spoke != last {
			if last != "" {
				fmt.Fprintln(tw)
			}
			fmt.Fprintf(tw, "%s\t\t\t\t\t\n", r.Spoke)
			fmt.Fprintf(tw, "  WHO\tACTION\tRESOURCE\tEXPECTED\tDECISION\t\n")
			last = r.Spoke
		}
		mark := "ok"
		if !r.OK() {
			mark = "WRONG"
			wrong++
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.Who, r.Action, shortArn(r.Resource), r.Expect, r.Decision, mark)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d requests, %d as expected, %d wrong\n", len(results), len(results)-wrong, wrong)
	return wrong
}

// shortArn keeps the service, region and resource part of an ARN (the
// region tells a replica from the hub's repository).
func shortArn(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	return parts[2] + ":" + parts[3] + ":" + parts[5]
}
