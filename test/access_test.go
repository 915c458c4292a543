package test

import (
	"bytes"
	"strings"
	"testing"

	"hubspoke-cdk/access"
	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/fleetgen"
	"hubspoke-cdk/internal/testutil"
)

// The access matrix, decided by an IAM policy simulator from the synthesized
// templates: every spoke's execution role can pull, decrypt through Secrets
// Manager and read the token, and nothing more; nobody else can.
func TestAccessMatrix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fleet    func(t *testing.T) *config.Fleet
		spokes   int
		allowed  int // allowed requests per spoke (and 2 more for a spoke with a replica)
		replicas int // regions with a replica of the repository
	}{
		// prod-us (us-east-1) pulls from the replica in its region: the
		// hub region's repository is denied to it, the replica and the
		// replica its creation template would make are allowed.
		{"example fleet", func(t *testing.T) *config.Fleet { return testutil.ExampleFleet(t) }, 3, 8, 1},
		{"replication off", func(t *testing.T) *config.Fleet {
			f := testutil.ExampleFleet(t)
			f.Hub.ReplicateImages = false
			return f
		}, 3, 8, 0},
		{"75 spokes", func(t *testing.T) *config.Fleet { return parseFleet(t, fleetgen.Options{Spokes: 75}) }, 75, 8, 3},
		// Organization mode also lets the role name in from any account of
		// the organization (3 more per spoke), and no other organization.
		{"organization mode", func(t *testing.T) *config.Fleet {
			return parseFleet(t, fleetgen.Options{Spokes: 4, OrganizationID: "o-exampleorg1"})
		}, 4, 11, 3},
		// OU mode: the role name in an account of a trusted OU gets in (3
		// more per spoke); in another OU of the same organization it does
		// not (3 denied requests per spoke, checked below).
		{"OU mode", func(t *testing.T) *config.Fleet {
			return parseFleet(t, fleetgen.Options{Spokes: 4, OrganizationID: "o-exampleorg1",
				OrganizationalUnits: []string{"o-exampleorg1/r-ab12/ou-ab12-11111111/", "o-exampleorg1/r-ab12/ou-ab12-22222222"}})
		}, 4, 11, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stacks, err := access.ReadAssembly(synthFleet(t, tc.fleet(t)))
			if err != nil {
				t.Fatal(err)
			}
			hub, spokes, err := access.Extract(stacks)
			if err != nil {
				t.Fatal(err)
			}
			if len(spokes) != tc.spokes {
				t.Fatalf("%d spokes in the assembly, want %d", len(spokes), tc.spokes)
			}
			cases := access.Cases(hub, spokes)
			results, err := access.Run(testutil.RepoRoot(), cases)
			if err != nil {
				t.Fatal(err)
			}
			allowed := 0
			for _, r := range results {
				if !r.OK() {
					t.Error(r)
				}
				if r.Decision == "Allowed" {
					allowed++
				}
			}
			if tc.name == "OU mode" {
				otherOU := 0
				for _, r := range results {
					if strings.Contains(r.Who, "another OU") && r.Decision != "Allowed" && r.OK() {
						otherOU++
					}
				}
				if otherOU != 3*tc.spokes {
					t.Errorf("%d denied requests from another OU, want 3 per spoke", otherOU)
				}
			}
			if len(hub.Replicas) != tc.replicas {
				t.Errorf("%d replica regions, want %d", len(hub.Replicas), tc.replicas)
			}
			want := tc.allowed * tc.spokes
			for _, sp := range spokes {
				if _, ok := hub.Replicas[sp.Region]; ok {
					want += 2
				}
			}
			if allowed != want {
				t.Errorf("%d requests allowed, want %d (%d per spoke, 2 more with a replica)", allowed, want, tc.allowed)
			}
			var buf bytes.Buffer
			if wrong := access.WriteTable(&buf, results); wrong != 0 || !strings.Contains(buf.String(), "0 wrong") {
				t.Errorf("report counts %d wrong", wrong)
			}
			t.Logf("%d requests decided for %d spokes", len(results), len(spokes))
		})
	}
}
