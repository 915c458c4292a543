// Package test holds the app-level tests: snapshots of every template of the
// example fleet, assertions on the hub and the spokes, scale tests and
// benchmarks. Everything runs offline.
package test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"hubspoke/internal/testutil"
	"hubspoke/stacks"
)

var sharedOutdir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hubspoke-test-")
	if err != nil {
		panic(err)
	}
	sharedOutdir = dir
	defer os.RemoveAll(dir)
	testutil.Main(m)
}

var (
	exampleOnce  sync.Once
	exampleFleet *stacks.Fleet
)

// example is the example fleet.yaml built once into one app, shared by the
// assertion tests (they only read it).
func example(t *testing.T) *stacks.Fleet {
	t.Helper()
	exampleOnce.Do(func() {
		app := testutil.NewAppIn(t, sharedOutdir)
		f, err := stacks.AddApp(app, testutil.ExampleFleet(t), "fleet.yaml", filepath.Join(testutil.RepoRoot(), stacks.AgentImageDir), false)
		if err != nil {
			t.Fatal(err)
		}
		exampleFleet = f
	})
	return exampleFleet
}
