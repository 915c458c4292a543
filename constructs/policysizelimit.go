package constructs

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AWS limits on resource policy documents, in characters.
const (
	ECRRepositoryPolicyLimit = 10240
	KMSKeyPolicyLimit        = 32768
	SecretPolicyLimit        = 20480
)

// PolicySize is the length of a policy document as deployed: compact JSON of
// the resolved document. Intrinsic functions left in it count with their JSON
// text, which is longer than the value they resolve to, so the size errs high.
func PolicySize(stack awscdk.Stack, document any) int {
	return len(ResolvedJSON(stack, document))
}

// ResolvedJSON resolves v in stack and renders it as compact JSON.
func ResolvedJSON(stack awscdk.Stack, v any) string {
	b, err := json.Marshal(unwrapJsiiMaps(stack.Resolve(v)))
	if err != nil {
		panic(fmt.Sprintf("resolved value does not marshal: %v", err))
	}
	return string(b)
}

// unwrapJsiiMaps removes the {"$jsii.map": {...}} wrappers that jsii leaves
// on nested objects handed back to Go, which would otherwise count towards
// the size.
func unwrapJsiiMaps(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if inner, ok := x["$jsii.map"]; ok && len(x) == 1 {
			return unwrapJsiiMaps(inner)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = unwrapJsiiMaps(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unwrapJsiiMaps(e)
		}
		return out
	}
	return v
}

// policySizeLimit fails synthesis when a policy document grows past an AWS
// limit, so an over-large fleet fails at `cdk synth`, never at deploy time.
type policySizeLimit struct {
	stack    awscdk.Stack
	name     string
	limit    int
	document func() any
}

func (v *policySizeLimit) Validate() *[]*string {
	size := PolicySize(v.stack, v.document())
	if size <= v.limit {
		return &[]*string{}
	}
	return &[]*string{jsii.String(fmt.Sprintf(
		"%s is %d characters, over the AWS limit of %d: trust fewer spokes from this hub, or set hub.organizationId to switch to organization mode, whose policies do not grow with the fleet",
		v.name, size, v.limit))}
}

// LimitPolicySize adds a synth-time check on scope that the document returned
// by document stays within limit characters; name says which policy it is.
func LimitPolicySize(scope constructs.Construct, name string, limit int, document func() any) {
	scope.Node().AddValidation(&policySizeLimit{stack: awscdk.Stack_Of(scope), name: name, limit: limit, document: document})
}
