// Package test holds the app-level tests: snapshots of every template of the
// example fleet, assertions on the hub and the spokes, scale tests and
// benchmarks. Everything runs offline.
package test

import (
	"os"
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
		exampleFleet = stacks.AddFleet(app, testutil.ExampleFleet(t))
	})
	return exampleFleet
}
