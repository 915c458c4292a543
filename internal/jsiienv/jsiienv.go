// Package jsiienv gives the node process behind jsii the environment this
// project wants. jsii-runtime-go captures the environment for node while
// packages initialize, before main or TestMain run, so os.Setenv comes too
// late; Ensure re-executes the program once with the variables set.
package jsiienv

import (
	"os"
	"syscall"
)

// Defaults are set unless the caller's environment already has them:
//   - no end-of-life banner for Node 20 on every run;
//   - no built-in CloudFormation validator in aws-cdk-lib: it costs ~80 ms
//     per template, and the test suite runs cfn-lint over every template
//     instead. Set CDK_VALIDATION=true to have it anyway.
var Defaults = map[string]string{
	"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
	"CDK_VALIDATION": "false",
}

// Ensure re-executes the running program with Defaults applied when any is
// missing. It returns only when the environment is complete (or re-executing
// failed, in which case the program goes on with what it has).
func Ensure() {
	missing := false
	for k, v := range Defaults {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
			missing = true
		}
	}
	if !missing {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, os.Environ())
}
