package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
)

// DefaultFleetPath is the fleet file used when no -c config=... is given.
const DefaultFleetPath = "fleet.yaml"

// FleetPathFromContext reads the "config" context value from the JSON the CDK
// CLI passes in CDK_CONTEXT_JSON, falling back to DefaultFleetPath.
func FleetPathFromContext(contextJSON string) string {
	var ctx map[string]any
	if json.Unmarshal([]byte(contextJSON), &ctx) == nil {
		if p, ok := ctx["config"].(string); ok && p != "" {
			return p
		}
	}
	return DefaultFleetPath
}

// CDKJSONContext reads the context section of a cdk.json file, so that code
// synthesizing without the CLI (tests, benchmarks) uses the same feature
// flags as `cdk synth`.
func CDKJSONContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return doc.Context, nil
}

// Synth synthesizes app and turns a failed synth-time validation (such as a
// policy over an AWS size limit) into an error instead of a panic.
func Synth(app awscdk.App) (err error) {
	_, err = SynthAssembly(app)
	return err
}

// SynthAssembly is Synth returning the cloud assembly.
func SynthAssembly(app awscdk.App) (asm cxapi.CloudAssembly, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if i := strings.Index(msg, "\n    at "); i > 0 {
				msg = msg[:i] // drop the JavaScript stack trace
			}
			err = fmt.Errorf("synthesis failed: %s", msg)
		}
	}()
	return app.Synth(nil), nil
}
