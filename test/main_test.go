// Package test holds the app-level tests: snapshots of every template of the
// example fleet, assertions on the hub and the spokes, scale tests and
// benchmarks. Everything runs offline.
package test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"hubspoke-cdk/agentimage"
	"hubspoke-cdk/internal/jsiienv"
	"hubspoke-cdk/internal/testutil"
	"hubspoke-cdk/stacks"
)

var sharedOutdir string

func TestMain(m *testing.M) {
	jsiienv.Ensure() // may re-execute: before anything is created
	dir, err := os.MkdirTemp("", "hubspoke-test-")
	if err != nil {
		panic(err)
	}
	sharedOutdir = dir
	testutil.Main(m, func() { os.RemoveAll(dir) })
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
		f, err := stacks.AddApp(app, testutil.ExampleFleet(t), appOptions(false))
		if err != nil {
			t.Fatal(err)
		}
		exampleFleet = f
	})
	return exampleFleet
}

// appOptions are the app's options in tests: the repository's agent/, the
// fixed testutil.BuildDate, fleet.yaml as the pipeline's fleet path.
func appOptions(nag bool) stacks.AppOptions {
	return stacks.AppOptions{FleetPath: "fleet.yaml", AgentDir: filepath.Join(testutil.RepoRoot(), agentimage.Dir), BuildDate: testutil.BuildDate, Nag: nag}
}

// exampleImageTag is the agent image tag the tests' apps deploy.
func exampleImageTag(t testing.TB) string {
	tag, err := agentimage.Tag(filepath.Join(testutil.RepoRoot(), agentimage.Dir), "weekly", testutil.BuildDate)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}
