package stacks

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// -c imageDate=YYYY-MM-DD reproduces another period's image tag; without
// it the build date is now; anything else is refused, naming the value and
// the format.
func TestBuildDateFromContext(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct{ ctx, want, err string }{
		{`{}`, "2026-12-02T03:04:05Z", ""},
		{`{"imageDate":""}`, "2026-12-02T03:04:05Z", ""},
		{`{"imageDate":"2026-02-03"}`, "2026-02-03T00:00:00Z", ""},
		{`{"imageDate":"03/02/2026"}`, "", "-c imageDate=03/02/2026: not a date YYYY-MM-DD"},
		{`{"imageDate":"2026-02-30"}`, "", "-c imageDate=2026-02-30: not a date YYYY-MM-DD"},
	} {
		got, err := BuildDateFromContext(c.ctx, now)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: %v, error %v; want error %q", c.ctx, got, err, c.err)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339) != c.want {
			t.Errorf("%s: %v, error %v; want %s", c.ctx, got, err, c.want)
		}
	}
}

// -c nag=true (the CLI passes it as a string) or a JSON true turns a flag
// on; any other value, or none, leaves it off.
func TestContextFlag(t *testing.T) {
	for ctx, want := range map[string]bool{
		`{"nag":true}`:   true,
		`{"nag":"true"}`: true,
		`{"nag":false}`:  false,
		`{"nag":"yes"}`:  false,
		`{"nag":1}`:      false,
		`{"tree":true}`:  false,
		`{}`:             false,
		`not json`:       false,
	} {
		if got := ContextFlag(ctx, "nag"); got != want {
			t.Errorf("ContextFlag(%s, nag) = %v, want %v", ctx, got, want)
		}
	}
}

// failingCheck is a synth-time validation that always fails, as
// constructs.LimitPolicySize does for a policy over an AWS limit.
type failingCheck struct{ msg string }

func (c *failingCheck) Validate() *[]*string { return &[]*string{jsii.String(c.msg)} }

// A failed synth-time validation is an error carrying the validation's
// message, without jsii's JavaScript stack trace; a good app synthesizes
// with no error.
func TestSynthTurnsAValidationFailureIntoAnError(t *testing.T) {
	good := awscdk.NewApp(nil)
	awscdk.NewStack(good, jsii.String("Good"), nil)
	if err := Synth(good); err != nil {
		t.Errorf("a valid app: %v", err)
	}
	bad := awscdk.NewApp(nil)
	stack := awscdk.NewStack(bad, jsii.String("Bad"), nil)
	stack.Node().AddValidation(&failingCheck{"the policy is 10241 characters, over the AWS limit of 10240"})
	err := Synth(bad)
	if err == nil {
		t.Fatal("a failed validation synthesized")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "synthesis failed: ") || !strings.Contains(msg, "the policy is 10241 characters, over the AWS limit of 10240") {
		t.Errorf("error %q, want the validation's message", msg)
	}
	if strings.Contains(msg, "\n    at ") {
		t.Errorf("error keeps the JavaScript stack trace:\n%s", msg)
	}
}
