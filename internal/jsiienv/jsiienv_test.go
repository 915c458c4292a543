package jsiienv

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lookupIn looks variables up in env only.
func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// jsiiVersion is the jsii-runtime-go version go.mod requires.
func jsiiVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == jsiiRuntimeModule {
			return f[1]
		}
	}
	t.Fatal("go.mod does not require " + jsiiRuntimeModule)
	return ""
}

// The direct runtime starts the kernel program of the jsii-runtime-go that
// go.mod requires; after an upgrade, jsiiRuntimeVersion must follow.
func TestJsiiRuntimeVersionIsGoMods(t *testing.T) {
	if v := jsiiVersion(t); v != jsiiRuntimeVersion {
		t.Errorf("go.mod requires jsii-runtime-go %s, jsiiRuntimeVersion is %s: update it", v, jsiiRuntimeVersion)
	}
}

// fakeCache is a module cache holding a kernel program with src.
func fakeCache(t *testing.T, src string) string {
	t.Helper()
	return writeProgram(t, t.TempDir(), src)
}

// writeProgram puts a kernel program with src into the module cache at cache,
// as jsiiRuntimeVersion's (TestJsiiRuntimeVersionIsGoMods ties it to go.mod).
func writeProgram(t *testing.T, cache, src string) string {
	t.Helper()
	p := filepath.Join(cache, jsiiRuntimeModule+"@"+jsiiRuntimeVersion, programInModule)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return cache
}

func TestWanted(t *testing.T) {
	const protocol = "new SyncStdio({errorFD:2,readFD:3,writeFD:3})"
	speaks := fakeCache(t, protocol)
	gopath := t.TempDir()
	writeProgram(t, filepath.Join(gopath, "pkg", "mod"), protocol)
	home := t.TempDir()
	writeProgram(t, filepath.Join(home, "go", "pkg", "mod"), protocol)
	changed := fakeCache(t, "new SocketStdio({path:p})")
	for _, tc := range []struct {
		name       string
		env        map[string]string
		direct     bool
		validation string
	}{
		{"direct runtime from the module cache", map[string]string{"GOMODCACHE": speaks}, true, "false"},
		{"module cache under the first GOPATH entry", map[string]string{"GOPATH": gopath + string(filepath.ListSeparator) + t.TempDir()}, true, "false"},
		{"module cache under $HOME/go", map[string]string{"HOME": home}, true, "false"},
		{"no module cache at all", map[string]string{}, false, "false"},
		{"caller's runtime is kept", map[string]string{"GOMODCACHE": speaks, "JSII_RUNTIME": "node my.js"}, false, "false"},
		{"turned off", map[string]string{"GOMODCACHE": speaks, "HUBSPOKE_JSII_DIRECT": "false"}, false, "false"},
		{"kernel no longer speaks fd 3", map[string]string{"GOMODCACHE": changed}, false, "false"},
		{"no kernel in the cache", map[string]string{"GOMODCACHE": t.TempDir()}, false, "false"},
		{"caller's validator setting is kept", map[string]string{"GOMODCACHE": speaks, "CDK_VALIDATION": "true"}, true, "true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := Wanted(lookupIn(tc.env))
			_, direct := want["JSII_RUNTIME"]
			if direct != tc.direct {
				t.Errorf("direct runtime = %v, want %v (%v)", direct, tc.direct, want)
			}
			if direct && want["SHELL"] != "/bin/sh" {
				t.Errorf("SHELL = %q, want /bin/sh for the POSIX redirections", want["SHELL"])
			}
			if want["CDK_VALIDATION"] != tc.validation {
				t.Errorf("CDK_VALIDATION = %q, want %q", want["CDK_VALIDATION"], tc.validation)
			}
			if want["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] != "20" {
				t.Errorf("end-of-life banner not silenced: %v", want)
			}
		})
	}
}

// JSII_NODE, jsii's setting for the node binary, is honoured.
func TestDirectRuntimeUsesJSIINode(t *testing.T) {
	speaks := fakeCache(t, "readFD:3,writeFD:3")
	cmd, ok := DirectRuntime(lookupIn(map[string]string{"GOMODCACHE": speaks, "JSII_NODE": "/opt/node 22/bin/node"}))
	if !ok || !strings.HasPrefix(cmd, `exec '/opt/node 22/bin/node' --preserve-symlinks`) {
		t.Errorf("command = %q, want it to start JSII_NODE", cmd)
	}
	cmd, _ = DirectRuntime(lookupIn(map[string]string{"GOMODCACHE": speaks}))
	if !strings.HasPrefix(cmd, `exec 'node' --preserve-symlinks`) {
		t.Errorf("command = %q, want node from PATH", cmd)
	}
}

// The command starts the real kernel program of this build from the module
// cache, and jsii's handshake comes back on stdout: requests and responses
// flow through the redirected descriptors.
func TestDirectRuntimeHandshake(t *testing.T) {
	cmd, ok := DirectRuntime(os.LookupEnv)
	if !ok {
		t.Fatal("no direct runtime: the module cache has no jsii kernel program for jsii-runtime-go " + jsiiVersion(t))
	}
	if !strings.Contains(cmd, jsiiRuntimeModule+"@"+jsiiVersion(t)) {
		t.Errorf("command %q does not run this build's jsii-runtime-go %s", cmd, jsiiVersion(t))
	}
	sh := exec.Command("/bin/sh", "-c", cmd)
	sh.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	stdin, _ := sh.StdinPipe()
	stdout, _ := sh.StdoutPipe()
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	hello, err := bufio.NewReader(stdout).ReadString('\n')
	stdin.Close() // end of requests: the kernel exits
	if werr := sh.Wait(); werr != nil {
		t.Errorf("kernel exit: %v", werr)
	}
	if err != nil || !strings.HasPrefix(hello, `{"hello":"@jsii/runtime@`) {
		t.Fatalf("handshake = %q (%v), want jsii's hello", hello, err)
	}
}

// CheckNodeOnce refuses an old node, and skips the check for the node an
// earlier run of the program (before Ensure's re-execution) passed.
func TestCheckNodeOnce(t *testing.T) {
	old := filepath.Join(t.TempDir(), "node")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho v18.20.8\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JSII_NODE", old)
	t.Setenv(nodeChecked, "")
	if err := CheckNodeOnce(); err == nil || !strings.Contains(err.Error(), "v18.20.8 is too old") {
		t.Errorf("node 18: %v", err)
	}
	t.Setenv(nodeChecked, old)
	if err := CheckNodeOnce(); err != nil {
		t.Errorf("a node checked before is checked again: %v", err)
	}
}
