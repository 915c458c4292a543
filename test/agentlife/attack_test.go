package agentlife

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// attackJob is a job that does what untrusted code as the agent's uid can:
//   - reads every /proc/*/cmdline and every environ it may (its own uid's),
//     again and again, and keeps what it saw in $STATE_DIR/attack/seen;
//   - tries to SIGSTOP every process outside its own process group, over
//     and over (start.sh's helpers, start.sh, tini), and records each stop
//     that worked with the target's uid in .../stopped;
//   - when it finds the ECS agent's address, PUTs ExpiresInMinutes 2880;
//   - in mode "listener": stops its listener (SIGSTOP) and kills its worker,
//     then keeps attacking; in mode "helpers": leaves its listener and
//     worker alone and attacks everything else.
//
// The job never ends by itself: start.sh must end it.
const attackJob = `mode=MODE
out="$STATE_DIR/attack"
mkdir -p "$out"
read -r st < /proc/$$/stat; st="${st##*) }"; set -- $st; mypg=$3
worker=$PPID
read -r st < /proc/$worker/stat; st="${st##*) }"; set -- $st; listener=$2
declare -A seen
uid_of() { local k v _; while read -r k v _; do [[ $k == Uid: ]] && { echo "$v"; return; }; done < "/proc/$1/status"; }
scan() {
  local p f c
  for p in /proc/[0-9]*; do
    for f in cmdline environ; do
      c="$(tr '\0' ' ' 2>/dev/null < "$p/$f")" || continue
      [[ -n "$c" && -z "${seen[$c]:-}" ]] || continue
      seen[$c]=1
      printf '%s %s: %s\n' "${p#/proc/}" "$f" "$c" >> "$out/seen"
    done
  done
}
stop_all() {
  local p pid st
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [[ $pid == $$ || $pid == $BASHPID ]] && continue
    read -r st < "$p/stat" 2>/dev/null || continue
    st="${st##*) }"; set -- $st
    [[ $3 == "$mypg" ]] && continue
    # Its ancestors: in mode listener they are attacked on purpose below.
    if [[ $pid == "$worker" || $pid == "$listener" ]]; then continue; fi
    if kill -STOP "$pid" 2>/dev/null; then echo "stopped $pid uid=$(uid_of "$pid")" >> "$out/stopped"; fi
  done
}
grab() {
  local uri
  uri="$(grep -oE 'http://[0-9.:]+/api/[A-Za-z0-9-]+' "$out/seen" | head -n1)"
  if [[ -n "$uri" ]]; then
    curl -s -X PUT -H 'Content-Type: application/json' -d '{"ProtectionEnabled":true,"ExpiresInMinutes":2880}' "$uri/task-protection/v1/state" >/dev/null
    echo "put 2880 to $uri" >> "$out/grabbed"
  fi
}
scan; stop_all
echo "attacking mode=$mode" >> "$STATE_DIR/events"
if [[ $mode == listener ]]; then
  sleep 1 # start.sh has seen the worker and protected the task
  scan
  kill -STOP "$listener" && echo "stopped listener $listener" >> "$out/stopped"
  kill -KILL "$worker" && echo "killed worker $worker" >> "$out/stopped"
  echo "listener stopped, worker killed" >> "$STATE_DIR/events"
fi
for (( i = 0; i < 100000; i++ )); do scan; stop_all; grab; done
`

// checkAttack is what must hold after an attack job: it saw none of the
// secrets (though it read the command lines of root's processes and its
// own environment: the scan works), stopped no process of root's, never
// reached the ECS agent, and nothing of the job user is left.
func (a *agentRun) checkAttack(t *testing.T) {
	t.Helper()
	out := filepath.Join(a.state, "attack")
	seen, err := os.ReadFile(filepath.Join(out, "seen"))
	if err != nil {
		t.Fatalf("the attack job recorded nothing: %v", err)
	}
	if !strings.Contains(string(seen), "STANDIN_JOB=1") || !strings.Contains(string(seen), "start.sh") {
		t.Fatalf("the attack's scan does not work (no own environ, no start.sh command line):\n%.2000s", seen)
	}
	for _, s := range a.secrets() {
		for _, l := range strings.Split(string(seen), "\n") {
			if strings.Contains(l, s) {
				t.Errorf("the job read %q: %.300s", s, l)
			}
		}
	}
	stopped, _ := os.ReadFile(filepath.Join(out, "stopped"))
	for _, l := range strings.Split(string(stopped), "\n") {
		if strings.HasSuffix(l, " uid=0") {
			t.Errorf("the job stopped a process of root's: %s", l)
		}
	}
	if g, err := os.ReadFile(filepath.Join(out, "grabbed")); err == nil {
		t.Errorf("the job found the ECS agent's address: %s", g)
	}
	for _, c := range a.ecs.Calls() {
		if c.Body["ExpiresInMinutes"] == float64(2880) {
			t.Errorf("protection for 2880 minutes was asked: %+v", c)
		}
	}
	if calls := a.ecs.Calls(); len(calls) == 0 || calls[len(calls)-1].Body["ProtectionEnabled"] != false {
		t.Errorf("the task was left protected: %+v", calls)
	}
	if left := uidProcesses(t, jobUser); len(left) > 0 {
		t.Errorf("processes of %s outlived the agent: %v", jobUser, left)
	}
}

// uidProcesses lists the pids whose real uid is user's.
func uidProcesses(t *testing.T, user string) []int {
	t.Helper()
	out, err := exec0("id", "-u", user)
	must(t, err)
	uid := strings.TrimSpace(out)
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] == uid {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(st)))
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// A job stops its listener and kills its worker (issue: with the listener
// stopped start.sh waited forever, protected, the address in view): the
// agent ends at once, unprotected and deregistered, exit 1.
func TestJobThatStopsItsListenerEndsTheAgent(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob(strings.Replace(attackJob, "MODE", "listener", 1))
	a.waitFor("listener stopped, worker killed", 60*time.Second)
	attacked := time.Now()
	code, took := a.waitExit(attacked, 90*time.Second)
	t.Logf("listener stopped by the job: agent ended %s later", took.Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code %d, want 1 (the agent was ended, not asked to stop)", code)
	}
	a.order(t, "configure", "attacking mode=listener", "listener stopped, worker killed", "remove uid=0")
	if !strings.Contains(a.output.String(), "the listener was stopped (SIGSTOP, by a job): ending this agent") {
		t.Errorf("start.sh did not say why it ended the agent:\n%s", a.output.String())
	}
	if calls := a.ecs.Calls(); len(calls) < 2 || calls[0].Body["ProtectionEnabled"] != true {
		t.Errorf("the job was not protected while it ran: %+v", calls)
	}
	a.checkAttack(t)
	a.checkHelpers(t, "curl", "sleep")
}

// SIGTERM while a job keeps trying to stop every process it can and its
// listener ignores SIGTERM (issue: the kill helper ran as the agent user and
// a job could stop it): deregistration happens within the stop timeout,
// after which Fargate would SIGKILL the task.
func TestSigtermDeregistersWhileAJobAttacks(t *testing.T) {
	const stopTimeout = 20 // listener budget 10 s, then 10 s to kill and deregister
	a := startAgent(t, runOptions{stopTimeout: stopTimeout, ignoreTerm: true})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob(strings.Replace(attackJob, "MODE", "helpers", 1))
	a.waitFor("attacking mode=helpers", 60*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for len(a.ecs.Calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	pid := a.listenerPid()
	sent := time.Now()
	must(t, a.cmd.Process.Signal(syscall.SIGTERM))
	// Fargate's SIGKILL at the stop timeout: anything after it never happens.
	select {
	case <-a.done:
	case <-time.After(stopTimeout * time.Second):
		t.Fatalf("still running at the %d s stop timeout: Fargate would SIGKILL it before deregistration", stopTimeout)
	}
	took := time.Since(sent)
	t.Logf("busy agent, listener ignoring SIGTERM, job attacking: SIGTERM to exit %s (stop timeout %d s)", took.Round(time.Millisecond), stopTimeout)
	code, _ := a.waitExit(sent, time.Second)
	if code != 143 {
		t.Errorf("exit code %d, want 143", code)
	}
	a.order(t, "attacking mode=helpers", "listener got SIGTERM", "remove uid=0")
	if alive(pid) {
		t.Errorf("the listener (pid %d) survived", pid)
	}
	stopped, _ := os.ReadFile(filepath.Join(a.state, "attack", "stopped"))
	t.Logf("what the job managed to stop:\n%s", stopped)
	a.checkAttack(t)
	a.checkHelpers(t, "curl", "sleep")
}

func exec0(name string, args ...string) (string, error) {
	b, err := execCommand(name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %v: %w", name, args, err)
	}
	return string(b), nil
}

var execCommand = exec.Command
