package stacks

import (
	"encoding/json"
	"os"
	"testing"
)

// The pipeline installs the CDK CLI that package.json pins.
func TestPipelineCLIVersionMatchesPackageJSON(t *testing.T) {
	b, err := os.ReadFile("../package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if got := pkg.DevDependencies["aws-cdk"]; got != CDKCLIVersion {
		t.Errorf("package.json pins aws-cdk %s, the pipeline installs %s", got, CDKCLIVersion)
	}
}
