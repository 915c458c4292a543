package agentlife

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shimmed are the programs start.sh runs by name from its PATH. Each gets a
// recording shim first on the container's PATH: the shim saves its own argv
// and environment (/proc/self/cmdline and environ: exactly what start.sh
// passed it, so also start.sh's own exported environment at that moment)
// into a root-only folder and execs the real program.
var shimmed = []string{
	"curl", "sleep", "setpriv", "env", "hostname", "id", "getent", "cut", "mktemp",
	"chown", "chmod", "mkdir", "rm", "base64", "jq", "dirname",
}

// writeHelperShims writes the shims into dir (world-executable) and returns
// dir; records go to logDir, mode 0700 root: a job cannot read them.
func writeHelperShims(t *testing.T, dir, logDir string) string {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.MkdirAll(logDir, 0o700))
	must(t, os.Chmod(logDir, 0o700))
	shim := fmt.Sprintf(`#!/bin/bash
n="${0##*/}"
f="%s/$n.$$.$RANDOM"
/bin/cat /proc/$$/environ > "$f.env" 2>/dev/null
/bin/cat /proc/$$/cmdline > "$f.cmd" 2>/dev/null
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [[ -x "$d/$n" ]] && exec -a "$n" "$d/$n" "$@"
done
echo "shim: no $n" >&2
exit 127
`, logDir)
	for _, n := range shimmed {
		must(t, os.WriteFile(filepath.Join(dir, n), []byte(shim), 0o755))
	}
	return dir
}

// helperRun is one recorded run of a helper program.
type helperRun struct {
	Name      string
	Argv, Env []string
}

func (a *agentRun) helperRuns() []helperRun {
	a.t.Helper()
	cmds, _ := filepath.Glob(filepath.Join(a.helpers, "*.cmd"))
	var out []helperRun
	for _, c := range cmds {
		argv, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		env, _ := os.ReadFile(strings.TrimSuffix(c, ".cmd") + ".env")
		name := filepath.Base(c)
		name = name[:strings.IndexByte(name, '.')]
		out = append(out, helperRun{Name: name, Argv: split0(argv), Env: split0(env)})
	}
	return out
}

func split0(b []byte) []string {
	var out []string
	for _, p := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
		out = append(out, string(p))
	}
	return out
}

// secrets are what no helper's environment or command line, and nothing a
// job can read, may contain: the token, the ECS agent's address (its
// task-protection endpoint), the task credentials' path, and the names that
// carry them.
func (a *agentRun) secrets() []string {
	return []string{
		a.token, "AZP_TOKEN=", "VSTS_AGENT_INPUT_TOKEN=",
		a.ecs.srv.URL, "/api/task-1234", "ECS_AGENT_URI=",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "/v2/credentials/secret-guid",
	}
}

// checkHelpers fails when a helper start.sh ran carried a secret in its
// argv or environment, and when none of the helpers in want ran (an empty
// record proves nothing).
func (a *agentRun) checkHelpers(t *testing.T, want ...string) {
	t.Helper()
	runs := a.helperRuns()
	seen := map[string]int{}
	for _, r := range runs {
		seen[r.Name]++
		for _, s := range a.secrets() {
			for _, v := range r.Env {
				if strings.Contains(v, s) {
					t.Errorf("helper %s (%q) had %q in its environment (%s...): start.sh exports it to every child", r.Name, strings.Join(r.Argv, " "), s, v[:min(len(v), len(s)+8)])
				}
			}
			for _, v := range r.Argv {
				if strings.Contains(v, s) {
					t.Errorf("helper %s had %q on its command line: %q", r.Name, s, strings.Join(r.Argv, " "))
				}
			}
		}
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Errorf("start.sh ran no %s through the recording shims (recorded: %v): the check saw nothing", w, seen)
		}
	}
	t.Logf("helpers recorded: %v", seen)
}

// start.sh's environment, as its helpers inherit it: from the first helper
// (hostname, before registration) to the last (the protection calls, the
// poll's sleep, the listener's setpriv), none carries the token, the ECS
// agent's address or the credentials path.
func TestHelpersInheritNoSecrets(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("sleep 1\n")
	if code, _ := a.waitExit(time.Now(), 60*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if len(a.ecs.Calls()) != 2 {
		t.Errorf("want the two protection calls of one job, got %+v", a.ecs.Calls())
	}
	a.checkHelpers(t, "hostname", "id", "curl", "sleep", "env")
}
