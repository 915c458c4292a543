package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// DefaultFleetPath is the fleet file used when no -c config=... is given.
const DefaultFleetPath = "fleet.yaml"

// FleetPathFromContext reads the "config" context value from the JSON the CDK
// CLI passes in CDK_CONTEXT_JSON, falling back to DefaultFleetPath.
func FleetPathFromContext(contextJSON string) string {
	if p, ok := contextValue(contextJSON, "config").(string); ok && p != "" {
		return p
	}
	return DefaultFleetPath
}

// BuildDateFromContext is the date `-c imageDate=YYYY-MM-DD` gives (to
// reproduce another period's image tag), else now.
func BuildDateFromContext(contextJSON string, now time.Time) (time.Time, error) {
	s, _ := contextValue(contextJSON, "imageDate").(string)
	if s == "" {
		return now, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-c imageDate=%s: not a date YYYY-MM-DD", s)
	}
	return d, nil
}

// ImageTagContextKey is the context key that names the agent image tag to
// deploy instead of this commit's (`cdk deploy SpokeStack-x -c
// imageTag=agent-...`: an image that exists; the pipelines after the first
// are given the tag the first one built).
const ImageTagContextKey = "imageTag"

var imageTagRe = regexp.MustCompile(`^agent-[0-9a-f]{12}-[0-9]{8}$`)

// ImageTagFromContext is the tag `-c imageTag=...` gives, "" if none.
func ImageTagFromContext(contextJSON string) (string, error) {
	s, _ := contextValue(contextJSON, ImageTagContextKey).(string)
	if s != "" && !imageTagRe.MatchString(s) {
		return "", fmt.Errorf("-c %s=%s: not an agent image tag such as agent-0123456789ab-20261123 (`hubspoke image-tag` prints this commit's)", ImageTagContextKey, s)
	}
	return s, nil
}

// ContextFlag reports whether `-c key=true` was given, e.g. nag (run the
// cdk-nag checks) or tree (write tree.json).
func ContextFlag(contextJSON, key string) bool {
	switch v := contextValue(contextJSON, key).(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// contextValue reads the context JSON before jsii starts, so a fleet file
// can be validated without it.
func contextValue(contextJSON, key string) any {
	var ctx map[string]any
	if json.Unmarshal([]byte(contextJSON), &ctx) != nil {
		return nil
	}
	return ctx[key]
}

// Synth synthesizes app and turns a failed synth-time validation (such as a
// policy over an AWS size limit) into an error instead of a panic.
func Synth(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if i := strings.Index(msg, "\n    at "); i > 0 {
				msg = msg[:i] // drop the JavaScript stack trace
			}
			err = fmt.Errorf("synthesis failed: %s", msg)
		}
	}()
	app.Synth(nil)
	return nil
}
