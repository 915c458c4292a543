// Package testutil builds CDK apps for tests the way `cdk synth` does (same
// cdk.json context) and turns failed CDK assertions into test failures.
package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
	"hubspoke-cdk/internal/appcontext"
	"hubspoke-cdk/internal/jsiienv"
)

// RepoRoot is the repository root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Context is the context `cdk synth` gives the app: the cdk.json context,
// the app's own (appcontext.Defaults) and the CLI's switches, so tests see
// the very templates the CLI writes. It adds a switch for byte-stable
// output.
func Context(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	ctx := doc.Context
	for k, v := range appcontext.Defaults() {
		ctx[k] = v
	}
	ctx["aws:cdk:enable-path-metadata"] = true
	ctx["aws:cdk:enable-asset-metadata"] = true
	ctx["aws:cdk:disable-version-reporting"] = true
	ctx["aws:cdk:disable-stack-trace"] = true
	return ctx
}

// NewApp is an App with the cdk.json context writing to a temporary outdir
// that lives as long as the test.
func NewApp(t testing.TB) awscdk.App {
	t.Helper()
	return NewAppIn(t, t.TempDir())
}

// NewAppIn is NewApp writing to dir.
func NewAppIn(t testing.TB, dir string) awscdk.App {
	t.Helper()
	ctx := Context(t)
	return awscdk.NewApp(&awscdk.AppProps{PostCliContext: &ctx, Outdir: jsii.String(dir)})
}

// BuildDate is the date the tests synthesize at: golden templates hold the
// agent image tag of its rebuild period.
var BuildDate = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// ImageTag stands for an agent image tag where its value does not matter.
const ImageTag = "agent-0123456789ab-20261123"

// ExampleFleetPath is the fixture the golden templates come from (a copy of
// the example fleet.yaml, which is the user's to edit).
func ExampleFleetPath() string { return filepath.Join(RepoRoot(), "test", "testdata", "fleet.yaml") }

// ExampleFleet loads the example fleet fixture.
func ExampleFleet(t testing.TB) *config.Fleet {
	t.Helper()
	f, err := config.Load(ExampleFleetPath())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Check runs fn, which calls CDK assertions; a failed assertion panics in
// Go, and Check turns that into a test error naming what was checked.
func Check(t testing.TB, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	fn()
}

// Template is the synthesized template of stack as CDK assertions see it.
func Template(stack awscdk.Stack) assertions.Template {
	return assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
}

// JSON is the synthesized template of stack as Go values, read from the
// cloud assembly on disk (values handed back from jsii carry map wrappers),
// for checks that are clearer in Go. It synthesizes the app if needed.
func JSON(t testing.TB, stack awscdk.Stack) map[string]any {
	t.Helper()
	Template(stack) // synthesizes the stage
	return ReadTemplate(t, filepath.Join(*awscdk.Stage_Of(stack).Outdir(), *stack.TemplateFile()))
}

// ReadTemplate reads a template file of a cloud assembly.
func ReadTemplate(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// ResourcesOfType returns the resources of a type, by logical id (none
// when the template has no Resources section).
func ResourcesOfType(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	resources, _ := tpl["Resources"].(map[string]any)
	for id, r := range resources {
		if res, ok := r.(map[string]any); ok && res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// Object is v as a JSON object; when v is not one it reports a test error
// naming what and returns an empty object, so the checks that follow fail
// on their own values instead of panicking the test binary.
func Object(t testing.TB, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s is %T (%v), want a JSON object", what, v, v)
		return map[string]any{}
	}
	return m
}

// List is v as a JSON array, or reports a test error naming what and
// returns an empty array (see Object).
func List(t testing.TB, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Errorf("%s is %T (%v), want a JSON array", what, v, v)
		return nil
	}
	return l
}

// Field is v[key] of a JSON object v, reporting a test error when v is not
// an object (see Object); a missing key is nil.
func Field(t testing.TB, v any, key, what string) any {
	t.Helper()
	return Object(t, v, what)[key]
}

// One returns the only resource of a type, failing the test otherwise.
func One(t testing.TB, tpl map[string]any, typ string) map[string]any {
	t.Helper()
	rs := ResourcesOfType(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d", typ, len(rs))
	}
	for _, r := range rs {
		return r
	}
	return nil
}

// Props returns a resource's Properties.
func Props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// Main is the TestMain of packages that start jsii: it closes the runtime so
// no temporary runtime directory is left behind, and runs cleanups (os.Exit
// skips deferred calls). Create temp dirs after jsiienv.Ensure, which may
// re-execute the test binary.
func Main(m interface{ Run() int }, cleanups ...func()) {
	jsiienv.Ensure()
	code := m.Run()
	jsiienv.CloseQuietly()
	for _, c := range cleanups {
		c()
	}
	os.Exit(code)
}

// Strings turns a JSON value that is a string or a list of strings into a
// list.
func Strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
