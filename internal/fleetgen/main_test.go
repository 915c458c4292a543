package fleetgen

import (
	"testing"

	"hubspoke-cdk/config"
)

func TestGeneratedFleetsAreValid(t *testing.T) {
	for _, n := range []int{1, 75, 1000} {
		for _, org := range []string{"", "o-exampleorg1"} {
			if n > 109 && org == "" {
				continue // past account mode's ceiling (config tests it)
			}
			f, err := config.Parse("gen.yaml", YAML(Options{Spokes: n, OrganizationID: org, Waves: 3}))
			if err != nil {
				t.Fatalf("n=%d org=%q: %v", n, org, err)
			}
			if len(f.Spokes) != n || f.OrganizationMode() != (org != "") {
				t.Fatalf("n=%d: got %d spokes, org mode %v", n, len(f.Spokes), f.OrganizationMode())
			}
			if n >= 3 && len(f.Waves()) != 3 {
				t.Errorf("n=%d: %d waves, want 3", n, len(f.Waves()))
			}
		}
	}
}
