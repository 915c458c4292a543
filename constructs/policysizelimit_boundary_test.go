package constructs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// The AWS limits are maxima (ECR SetRepositoryPolicy: policyText "Maximum
// length of 10240"): a policy of exactly the limit deploys and
// synthesizes; one character more fails synthesis naming the policy, its
// size and the limit. The document {"a":"bcd"} is 11 characters of compact
// JSON.
func TestPolicySizeLimitIsInclusive(t *testing.T) {
	doc := func() any { return map[string]any{"a": "bcd"} }
	for _, c := range []struct {
		limit int
		err   string
	}{
		{11, ""},
		{10, "the test policy is 11 characters, over the AWS limit of 10"},
	} {
		app := testutil.NewApp(t)
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		if n := PolicySize(stack, doc()); n != 11 {
			t.Fatalf("size %d, want 11", n)
		}
		LimitPolicySize(stack, "the test policy", c.limit, doc)
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%v", r)
				}
			}()
			app.Synth(nil)
			return nil
		}()
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("limit %d: %v, want %q", c.limit, err, c.err)
		}
	}
}

// jsii's {"$jsii.map": {...}} wrapper of a map handed back to Go does not
// count towards a policy's size; a map that merely has such a key among
// others is a value like any other.
func TestUnwrapJsiiMaps(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"$jsii.map": map[string]any{"a": "b"}}, `map[a:b]`},
		{[]any{map[string]any{"$jsii.map": map[string]any{"a": "b"}}}, `[map[a:b]]`},
		{map[string]any{"$jsii.map": "x", "b": "y"}, `map[$jsii.map:x b:y]`},
	} {
		if got := fmt.Sprint(unwrapJsiiMaps(c.in)); got != c.want {
			t.Errorf("unwrapJsiiMaps(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}
