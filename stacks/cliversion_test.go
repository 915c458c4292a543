package stacks

import (
	"encoding/json"
	"os"
	"testing"
)

// The pipeline installs the CDK CLI and cdk-assets that package.json pins.
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
	// The asset steps install cdk-assets at the version package.json pins
	// (and package-lock.json locks), not @latest.
	if got := pkg.DevDependencies["cdk-assets"]; got != CDKAssetsVersion {
		t.Errorf("package.json pins cdk-assets %q, the pipeline installs %s", got, CDKAssetsVersion)
	}
}
