package preview

import (
	"math"
	"strings"
	"testing"
	"time"
)

// reportLine is the table's line of name (the last line of out whose first
// field is name: each spoke's week comes before the table), its fields
// joined by one space (tabwriter pads with a varying number of spaces).
func reportLine(t *testing.T, out, name string) string {
	t.Helper()
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			line = strings.Join(f, " ")
		}
	}
	if line == "" {
		t.Fatalf("no line for %s in:\n%s", name, out)
	}
	return line
}

// The table's total line sums the priced spokes and its SAVED column is
// 1 - cost/24x7 of the sums, each row's of its own figures. Worked by hand
// from TestCost's examples (prices of aws.amazon.com/fargate/pricing as of
// 2025-01):
//   - alpha, eu-west-1, 2 vCPU 4 GB, 100 agent-hours: 42.90 a month, 288.32
//     around the clock: saved 1 - 42.90/288.32 = 85.1%;
//   - beta, eu-central-1, 1 vCPU 2 GB, 60 agent-hours: 14.80 and 165.80:
//     saved 91.1%;
//   - total: 160.0 agent-hours, 42.9048 + 14.8033 = 57.71 and 288.3205 +
//     165.7976 = 454.12: saved 1 - 57.71/454.12 = 87.3%.
//
// With every region priced there is no "No price" line.
func TestReportTotalsAndSaved(t *testing.T) {
	life := 23*time.Hour + 55*time.Minute
	results := []Result{
		{Spoke: Spoke{Name: "alpha", Region: "eu-west-1", Week: week("UTC", 0)}, AgentHours: 100, LongestLife: life,
			Cost: Cost{Priced: true, Monthly: 42.9048, AlwaysOn: 288.3205}},
		{Spoke: Spoke{Name: "beta", Region: "eu-central-1", Week: week("UTC", 0)}, AgentHours: 60, LongestLife: life,
			Cost: Cost{Priced: true, Monthly: 14.8033, AlwaysOn: 165.7976}},
	}
	var b strings.Builder
	WriteReport(&b, results)
	out := b.String()
	for name, want := range map[string]string{
		"alpha": "alpha eu-west-1 100.0 23h55 42.90 288.32 85%",
		"beta":  "beta eu-central-1 60.0 23h55 14.80 165.80 91%",
		"TOTAL": "TOTAL (2 spokes) 160.0 57.71 454.12 87%",
	} {
		if got := reportLine(t, out, name); got != want {
			t.Errorf("%s line\n got %q\nwant %q", name, got, want)
		}
	}
	if strings.Contains(out, "No price") {
		t.Errorf("every region has a price, yet:\n%s", out)
	}
}

// Nothing to save when nothing would run around the clock (a 24x7 cost of
// 0), or when the region has no price: "-", never a division by 0 or NaN%.
// A fifth of the around-the-clock cost saves 80%.
func TestSaved(t *testing.T) {
	for _, c := range []struct {
		cost, always float64
		want         string
	}{
		{0, 0, "-"},
		{math.NaN(), math.NaN(), "-"},
		{20, 100, "80%"},
		{100, 100, "0%"},
		{1, 3, "67%"},
	} {
		if got := saved(c.cost, c.always); got != c.want {
			t.Errorf("saved(%v, %v) = %q, want %q", c.cost, c.always, got, c.want)
		}
	}
}

// The year report names each spoke, its zone, its longest life and when it
// starts, and says whether that is within 24 hours; a spoke over 24 hours
// lists its stretches. No spokes: nothing is printed.
func TestYearReport(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	years := []Year{
		{Spoke: Spoke{Name: "alpha", Week: week("Europe/Amsterdam", 1)}, Year: 2026, LongestLife: 23*time.Hour + 55*time.Minute,
			LongestFrom: time.Date(2026, 1, 1, 0, 5, 0, 0, ams)},
		{Spoke: Spoke{Name: "beta", Week: week("America/New_York", 1)}, Year: 2026, LongestLife: 25 * time.Hour,
			LongestFrom: time.Date(2026, 11, 1, 0, 5, 0, 0, ny), TooLong: []string{"Sun 01 Nov 00:05 EDT: 25h00", "Mon 02 Nov 00:05 EST: 24h30"}},
	}
	var b strings.Builder
	WriteYearReport(&b, years)
	want := "\nLongest agent life over 2026 (every day, daylight-saving changes included):\n" +
		"  alpha (Europe/Amsterdam): 23h55, from Thu 01 Jan 00:05 CET: within 24 hours\n" +
		"  beta (America/New_York): 25h00, from Sun 01 Nov 00:05 EDT: NOT OK: over 24 hours: Sun 01 Nov 00:05 EDT: 25h00; Mon 02 Nov 00:05 EST: 24h30\n"
	if b.String() != want {
		t.Errorf("year report\n got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	WriteYearReport(&b, nil)
	if b.Len() != 0 {
		t.Errorf("no spokes printed %q", b.String())
	}
}
