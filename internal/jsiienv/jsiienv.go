// Package jsiienv gives the node process behind jsii the environment this
// project wants. jsii-runtime-go captures the environment for node while
// packages initialize, before main or TestMain run, so os.Setenv comes too
// late; Ensure re-executes the program once with the variables set.
package jsiienv

import (
	"os"
	"syscall"

	"github.com/aws/jsii-runtime-go"
)

// Defaults are set unless the caller's environment already has them:
//   - no end-of-life banner for Node 20 on every run;
//   - no built-in CloudFormation validator in aws-cdk-lib: it costs time on
//     every template, and the test suite runs cfn-lint over every template
//     instead. Set CDK_VALIDATION=true to have it anyway.
var Defaults = map[string]string{
	"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
	"CDK_VALIDATION": "false",
}

// Ensure re-executes the running program with Defaults applied when any is
// missing, and with the direct jsii runtime (see DirectRuntime) unless the
// caller chose a runtime with JSII_RUNTIME or turned it off with
// HUBSPOKE_JSII_DIRECT=false. It returns only when the environment is
// complete (or re-executing failed, in which case the program goes on with
// what it has).
func Ensure() {
	want := Wanted(os.LookupEnv)
	changed := false
	for k, v := range want {
		if cur, ok := os.LookupEnv(k); !ok || cur != v {
			os.Setenv(k, v)
			changed = true
		}
	}
	if !changed {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	// jsii-runtime-go started its kernel while packages initialized, in a
	// temp dir of its own; Close stops it and removes the dir, which the
	// exec would otherwise leave behind (2.2 MB a run).
	// The process is about to be replaced (fd 2 itself stays open for the
	// new program).
	restore := CloseQuietly()
	_ = syscall.Exec(exe, os.Args, os.Environ())
	restore()
}

// CloseQuietly stops the jsii kernel and removes its temp dir, with the
// Go side's os.Stderr pointed away meanwhile: jsii-runtime-go's own watcher
// of the kernel may report the exit it races with ("Runtime process exited
// abnormally: waitid: no child processes", no newline), which is noise once
// the work is done. restore points os.Stderr back.
func CloseQuietly() (restore func()) {
	stderr := os.Stderr
	if devNull, err := os.Open(os.DevNull); err == nil {
		os.Stderr = devNull
	}
	jsii.Close()
	return func() { os.Stderr = stderr }
}

// Wanted is the environment Ensure establishes, given how the caller's
// environment looks up a variable.
func Wanted(lookup func(string) (string, bool)) map[string]string {
	want := map[string]string{}
	for k, v := range Defaults {
		if cur, ok := lookup(k); ok {
			v = cur
		}
		want[k] = v
	}
	if _, chosen := lookup("JSII_RUNTIME"); chosen {
		return want
	}
	if off, _ := lookup("HUBSPOKE_JSII_DIRECT"); off == "false" {
		return want
	}
	if cmd, ok := DirectRuntime(lookup); ok {
		want["JSII_RUNTIME"] = cmd
		// jsii runs JSII_RUNTIME with $SHELL -c; the command uses POSIX
		// redirections.
		want["SHELL"] = "/bin/sh"
	}
	return want
}
