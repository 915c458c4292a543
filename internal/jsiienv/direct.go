package jsiienv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// jsiiRuntimeModule is the Go module that embeds the jsii kernel program, and
// jsiiRuntimeVersion the version go.mod requires (a test keeps them equal;
// test binaries carry no dependency versions to read it from).
const (
	jsiiRuntimeModule  = "github.com/aws/jsii-runtime-go"
	jsiiRuntimeVersion = "v1.140.0"
)

// programInModule is where that module keeps the kernel program.
const programInModule = "internal/embedded/resources/lib/program.js"

// programProtocol is how the kernel program talks: synchronous reads and
// writes on file descriptor 3. The direct runtime depends on it and is only
// used when the program still says so.
var programProtocol = []byte("readFD:3,writeFD:3")

// directLauncher runs the kernel program in the node process that jsii-
// runtime-go starts. The command's redirections make fd 3 the request pipe
// (jsii's stdin), fd 4 the response pipe (jsii's stdout) and fd 1 the
// stderr that jsii-runtime-go relays, as the stock launcher does with the
// program's own output. The kernel reads and writes fd 3; its writes go to
// fd 4.
const directLauncher = `const fs=require("fs"),w=fs.writeSync;` +
	`fs.writeSync=function(fd,...a){return w.call(fs,fd===3?4:fd,...a)};` +
	`require(process.argv[1])`

// DirectRuntime is a JSII_RUNTIME command that starts the jsii kernel
// program directly, and whether one could be made.
//
// jsii-runtime-go's stock launcher starts node, which starts a second node
// running the kernel program and copies every request and response between
// them. With dozens of jsii calls per spoke, that extra hop is a large share
// of the build time (docs/performance.md). The
// program comes from the module cache, from the jsii-runtime-go version in
// go.mod; when it is not there, or no longer speaks the protocol the
// launcher expects, there is no direct runtime and jsii uses its own. Like
// jsii, it runs JSII_NODE when set, else node from PATH.
func DirectRuntime(lookup func(string) (string, bool)) (string, bool) {
	program, ok := kernelProgram(lookup)
	if !ok {
		return "", false
	}
	node, _ := lookup("JSII_NODE") // jsii's own choice of node binary
	if node == "" {
		node = "node"
	}
	return "exec " + shellQuote(node) + " --preserve-symlinks -e " + shellQuote(directLauncher) +
		" " + shellQuote(program) + " 3<&0 4>&1 1>&2", true
}

// kernelProgram finds the jsii kernel program of jsiiRuntimeVersion in the
// module cache.
func kernelProgram(lookup func(string) (string, bool)) (string, bool) {
	cache := moduleCache(lookup)
	if cache == "" {
		return "", false
	}
	program := filepath.Join(cache, jsiiRuntimeModule+"@"+jsiiRuntimeVersion, programInModule)
	src, err := os.ReadFile(program)
	if err != nil || !bytes.Contains(src, programProtocol) {
		return "", false
	}
	return program, true
}

// moduleCache is the Go module cache as the go command finds it: GOMODCACHE,
// else the first GOPATH entry's pkg/mod, else $HOME/go/pkg/mod.
func moduleCache(lookup func(string) (string, bool)) string {
	if c, _ := lookup("GOMODCACHE"); c != "" {
		return c
	}
	if p, _ := lookup("GOPATH"); p != "" {
		return filepath.Join(filepath.SplitList(p)[0], "pkg", "mod")
	}
	if h, _ := lookup("HOME"); h != "" {
		return filepath.Join(h, "go", "pkg", "mod")
	}
	return ""
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
