package jsiienv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// MinNodeMajor is the oldest Node.js the app runs on: aws-cdk-lib 2.270
// declares node >= 20, and on Node 18 the jsii kernel fails mid-synthesis.
const MinNodeMajor = 20

// NodeBinary is the node jsii runs: JSII_NODE, else node on the PATH.
func NodeBinary(lookup func(string) (string, bool)) string {
	if n, ok := lookup("JSII_NODE"); ok && n != "" {
		return n
	}
	return "node"
}

// CheckNode runs the node jsii will run and returns an error naming its
// version and what to do when it is older than MinNodeMajor (or missing).
func CheckNode(lookup func(string) (string, bool)) error {
	node := NodeBinary(lookup)
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return fmt.Errorf("node.js %d or newer is needed to synthesize (the CDK runs in it), and %q does not run: %v; install Node.js %d or 22", MinNodeMajor, node, err, MinNodeMajor)
	}
	version := strings.TrimSpace(string(out))
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(version, "v"), ".", 2)[0])
	if err != nil {
		return fmt.Errorf("cannot read the version of %s (%q)", node, version)
	}
	if major < MinNodeMajor {
		return fmt.Errorf("node.js %s is too old: aws-cdk-lib needs Node.js %d or newer. Use Node.js %d or 22 "+
			"(on CodeBuild: runtime-versions nodejs: %d in the build spec; locally: nvm install %d), or point JSII_NODE at one",
			version, MinNodeMajor, MinNodeMajor, MinNodeMajor, MinNodeMajor)
	}
	return nil
}

// nodeChecked carries, across Ensure's re-execution, the node CheckNodeOnce
// has already found new enough.
const nodeChecked = "HUBSPOKE_NODE_CHECKED"

// CheckNodeOnce is CheckNode, skipped in the re-executed program when the
// same node passed it before (running node costs tens of milliseconds).
func CheckNodeOnce() error {
	node := NodeBinary(os.LookupEnv)
	if os.Getenv(nodeChecked) == node {
		return nil
	}
	if err := CheckNode(os.LookupEnv); err != nil {
		return err
	}
	return os.Setenv(nodeChecked, node)
}
