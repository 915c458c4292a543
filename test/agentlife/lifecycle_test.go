// Package agentlife runs the real agent/start.sh the way the image starts it
// (tini as PID 1's stand-in, root), against stand-ins of the Azure Pipelines
// agent programs (testdata/standin) and of the ECS agent's task-protection
// endpoint, and checks the agent's lifecycle: registration, job-safe
// scale-in protection, SIGTERM when idle and during a job, deregistration,
// and that a job (untrusted code as the agent's uid: it reads every
// /proc/*/cmdline and its own uid's environ, and signals its own uid's
// processes) can neither read the token, the ECS agent's address or the
// credentials path, nor keep the task alive or stop deregistration.
//
// Timing: every bound is either the real contract (the task's stop timeout,
// after which Fargate sends SIGKILL) or a generous ceiling for a loaded
// 2-core machine; ordering is checked on the stand-ins' event log, not on
// the clock.
package agentlife

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jobUser is the unprivileged user jobs run as in these tests (the image
// has its own "agent" user). A user of its own, created on first use:
// start.sh stops and kills every process of this uid when an agent ends,
// which must not reach anything else on the machine (nobody's processes).
const jobUser = "hubspoke-job"

// ensureJobUser creates jobUser (a system user without a home) if missing.
func ensureJobUser(t *testing.T) {
	t.Helper()
	if exec.Command("id", "-u", jobUser).Run() == nil {
		return
	}
	if out, err := exec.Command("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", jobUser).CombinedOutput(); err != nil {
		// Another test binary may have created it meanwhile.
		if exec.Command("id", "-u", jobUser).Run() != nil {
			t.Fatalf("cannot create the job user %s: %v\n%s", jobUser, err, out)
		}
	}
}

// need fails (never skips) the test when a tool it needs is missing.
func need(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests run start.sh as the image does, as root (it switches to the job user): run them as root, as CI does")
	}
	for tool, install := range map[string]string{
		"tini": "apt-get install -y tini", "setpriv": "apt-get install -y util-linux",
		"curl": "apt-get install -y curl", "bash": "apt-get install -y bash",
	} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: %s (.ci/run installs it)", tool, install)
		}
	}
	ensureJobUser(t)
}

// protectionCall is one request the ECS agent endpoint stand-in received.
type protectionCall struct {
	Method, Path string
	Body         map[string]any
}

// ecsAgent stands in for the ECS agent's task-protection endpoint
// (PUT $ECS_AGENT_URI/task-protection/v1/state), answering as documented.
type ecsAgent struct {
	mu    sync.Mutex
	calls []protectionCall
	srv   *httptest.Server
}

func newECSAgent(t *testing.T) *ecsAgent {
	e := &ecsAgent{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		e.mu.Lock()
		e.calls = append(e.calls, protectionCall{r.Method, r.URL.Path, body})
		e.mu.Unlock()
		if r.Method != http.MethodPut || r.URL.Path != "/api/task-1234/task-protection/v1/state" {
			http.Error(w, `{"error":{"Code":"InvalidRequest"}}`, http.StatusBadRequest)
			return
		}
		// ExpiresInMinutes is 1-2880 (ECS developer guide, task scale-in
		// protection endpoint); the agent answers 400 otherwise.
		if m, ok := body["ExpiresInMinutes"].(float64); ok && (m < 1 || m > 2880) {
			http.Error(w, `{"error":{"Code":"InvalidParameterException","Message":"expiration must be 1-2880 minutes"}}`, http.StatusBadRequest)
			return
		}
		if _, ok := body["ProtectionEnabled"].(bool); !ok {
			http.Error(w, `{"error":{"Code":"InvalidParameterException","Message":"ProtectionEnabled is required"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"protection":{"ProtectionEnabled":%v,"TaskArn":"arn:aws:ecs:eu-west-1:222222222222:task/hubspoke-dev/1234"},"failure":null}`, body["ProtectionEnabled"])
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *ecsAgent) Calls() []protectionCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]protectionCall(nil), e.calls...)
}

// agentRun is one container: start.sh under tini with the stand-ins.
type agentRun struct {
	t       *testing.T
	home    string // the agent folder (start.sh, config.sh, bin/)
	state   string // the stand-ins' events, queue and probe output
	helpers string // root-only: each helper start.sh ran, its argv and environ
	token   string
	cmd     *exec.Cmd
	output  bytes.Buffer
	done    chan struct{}
	exitErr error
	ecs     *ecsAgent
}

type runOptions struct {
	stopTimeout  int  // AZP_STOP_TIMEOUT_SECONDS; default 120
	ignoreTerm   bool // the listener stand-in ignores SIGTERM
	hangAfterJob bool // the listener stand-in stays after its one job
	noECS        bool // no ECS_AGENT_URI (outside ECS)
	wrongToken   bool // the stand-in expects another token
	azpURL       string
	env          []string // more container environment
	token        string   // the token; default: a random one
}

func startAgent(t *testing.T, o runOptions) *agentRun {
	t.Helper()
	need(t)
	root := t.TempDir()
	// The job user must reach the agent folder, like /azp in the image.
	for d := root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a := &agentRun{t: t, home: filepath.Join(root, "azp"), state: filepath.Join(root, "state"), helpers: filepath.Join(root, "helpers"), done: make(chan struct{})}
	shims := writeHelperShims(t, filepath.Join(root, "shim"), a.helpers)
	if err := os.CopyFS(a.home, os.DirFS("testdata/standin")); err != nil {
		t.Fatal(err)
	}
	start, err := os.ReadFile("../../agent/start.sh")
	if err != nil {
		t.Fatal(err)
	}
	// Mode 0644 like a checkout without exec bits: the image runs `bash start.sh`.
	must(t, os.WriteFile(filepath.Join(a.home, "start.sh"), start, 0o644))
	for _, f := range []string{"config.sh", "bin/Agent.Listener", "bin/Agent.Worker"} {
		must(t, os.Chmod(filepath.Join(a.home, f), 0o755))
	}
	for _, d := range []string{a.state, filepath.Join(a.state, "queue"), filepath.Join(a.state, "probe")} {
		must(t, os.MkdirAll(d, 0o777))
		must(t, os.Chmod(d, 0o777))
	}
	must(t, os.WriteFile(filepath.Join(a.state, "events"), nil, 0o666))
	must(t, os.Chmod(filepath.Join(a.state, "events"), 0o666))
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	a.token = firstNonEmpty(o.token, "pat-"+hex.EncodeToString(b))
	sum := sha256.Sum256([]byte(a.token))
	if o.wrongToken {
		sum = sha256.Sum256([]byte("another token"))
	}
	conf := fmt.Sprintf("STATE_DIR=%s\nEXPECTED_TOKEN_SHA256=%s\n", a.state, hex.EncodeToString(sum[:]))
	if o.ignoreTerm {
		conf += "IGNORE_TERM=1\n"
	}
	if o.hangAfterJob {
		conf += "HANG_AFTER_JOB=1\n"
	}
	must(t, os.WriteFile(filepath.Join(a.home, "standin.conf"), []byte(conf), 0o644))
	// A file the job user can read: the probe must find it (the probe works).
	must(t, os.WriteFile(filepath.Join(a.home, "canary.txt"), []byte("canary-visible-to-jobs"), 0o644))

	a.ecs = newECSAgent(t)
	stop := o.stopTimeout
	if stop == 0 {
		stop = 120
	}
	a.cmd = exec.Command("tini", "-s", "--", "bash", filepath.Join(a.home, "start.sh"))
	a.cmd.Env = []string{
		"PATH=" + shims + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"AZP_URL=" + firstNonEmpty(o.azpURL, "https://dev.azure.com/example-org"), "AZP_POOL=hubspoke", "AZP_AGENT_NAME=hubspoke-dev",
		"AZP_TOKEN=" + a.token, "AZP_MAX_JOB_MINUTES=90", fmt.Sprintf("AZP_STOP_TIMEOUT_SECONDS=%d", stop),
		"AZP_AGENT_USER=" + jobUser, "AZP_POLL_SECONDS=0.2",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/secret-guid",
	}
	a.cmd.Env = append(a.cmd.Env, o.env...)
	if !o.noECS {
		a.cmd.Env = append(a.cmd.Env, "ECS_AGENT_URI="+a.ecs.srv.URL+"/api/task-1234")
	}
	a.cmd.Stdout, a.cmd.Stderr = &a.output, &a.output
	// Its own process group: cleanup can stop whatever a failed test leaves.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// An orphaned listener or job keeps the output pipe open: Wait then
	// returns after this delay instead of never.
	a.cmd.WaitDelay = 3 * time.Second
	must(t, a.cmd.Start())
	go func() { a.exitErr = a.cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		select {
		case <-a.done:
		default:
			// tini runs start.sh in a process group of its own: stop
			// every descendant, then tini.
			for _, pid := range descendants(a.cmd.Process.Pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		}
		// Anything of the job user's left behind (an orphaned listener
		// would hold the output pipe open).
		_ = exec.Command("setpriv", "--reuid", jobUser, "--regid", jobUser, "--clear-groups", "bash", "-c", "kill -KILL -1").Run()
		<-a.done
		if t.Failed() {
			t.Logf("start.sh output:\n%s\nevents:\n%s", a.output.String(), a.events())
		}
	})
	return a
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// descendants lists the processes below pid (from /proc).
func descendants(pid int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:]) // "state ppid ..."
		var state string
		var p, ppid int
		fmt.Sscanf(filepath.Base(filepath.Dir(st)), "%d", &p)
		if _, err := fmt.Sscanf(rest, "%s %d", &state, &ppid); err == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (a *agentRun) events() string {
	b, _ := os.ReadFile(filepath.Join(a.state, "events"))
	return string(b)
}

// waitFor polls until the events log contains s.
func (a *agentRun) waitFor(s string, within time.Duration) {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(a.events(), s) {
			return
		}
		select {
		case <-a.done:
			if strings.Contains(a.events(), s) {
				return
			}
			a.t.Fatalf("start.sh exited (%v) before %q", a.exitErr, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
	a.t.Fatalf("no %q within %s", s, within)
}

// waitExit waits for the container to exit and returns its exit code and
// how long that took from since.
func (a *agentRun) waitExit(since time.Time, within time.Duration) (int, time.Duration) {
	a.t.Helper()
	select {
	case <-a.done:
	case <-time.After(within):
		a.t.Fatalf("still running %s after the signal", within)
	}
	took := time.Since(since)
	if a.exitErr == nil {
		return 0, took
	}
	if ee, ok := a.exitErr.(*exec.ExitError); ok {
		return ee.ExitCode(), took
	}
	a.t.Fatal(a.exitErr)
	return -1, took
}

func (a *agentRun) queueJob(script string) {
	a.t.Helper()
	p := filepath.Join(a.state, "job.tmp")
	must(a.t, os.WriteFile(p, []byte(script), 0o644))
	must(a.t, os.Rename(p, filepath.Join(a.state, "queue", "job-1")))
}

// listenerPid reads the listener's pid from the events log.
func (a *agentRun) listenerPid() int {
	var pid, uid int
	for _, l := range strings.Split(a.events(), "\n") {
		if strings.HasPrefix(l, "listener pid=") {
			fmt.Sscanf(l, "listener pid=%d uid=%d", &pid, &uid)
		}
	}
	return pid
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

// order checks that the events log has these lines in this order.
func (a *agentRun) order(t *testing.T, want ...string) {
	t.Helper()
	ev := a.events()
	at := 0
	for _, w := range want {
		i := strings.Index(ev[at:], w)
		if i < 0 {
			t.Fatalf("events lack %q after position %d:\n%s", w, at, ev)
		}
		at += i + len(w)
	}
}

func TestIdleAgentStopsWithinSeconds(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	pid := a.listenerPid()
	sent := time.Now()
	must(t, a.cmd.Process.Signal(syscall.SIGTERM))
	// The stop timeout is 120 s and the listener's budget 95 s: an idle
	// agent that waited for the budget would take 95 s. 60 s is a ceiling
	// for a loaded machine; the events prove it did not wait.
	code, took := a.waitExit(sent, 60*time.Second)
	t.Logf("idle agent: SIGTERM to exit %s", took.Round(time.Millisecond))
	if strings.Contains(a.output.String(), "did not stop within") {
		t.Errorf("an idle listener had to be killed:\n%s", a.output.String())
	}
	if code != 143 {
		t.Errorf("exit code %d, want 143 (stopped by SIGTERM)", code)
	}
	a.order(t, "configure agent=hubspoke-dev-", "listener got SIGTERM", "listener exit", "remove uid=0")
	if alive(pid) {
		t.Errorf("the listener (pid %d) outlived the container's main process", pid)
	}
	if calls := a.ecs.Calls(); len(calls) != 0 {
		t.Errorf("an idle agent asked for protection: %+v", calls)
	}
}

func TestJobIsProtectedThenAgentDeregisters(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("sleep 1.5\n")
	a.waitFor("job start", 30*time.Second)
	code, _ := a.waitExit(time.Now(), 60*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after one job, want 0", code)
	}
	a.order(t, "configure", "listener pid=", "job start", "job done rc=0", "listener exit", "remove uid=0")
	calls := a.ecs.Calls()
	t.Logf("protection calls in a job: %+v", calls)
	if len(calls) != 2 {
		t.Fatalf("want 2 protection calls (on, off), got %+v", calls)
	}
	on, off := calls[0], calls[1]
	if on.Method != http.MethodPut || on.Body["ProtectionEnabled"] != true || on.Body["ExpiresInMinutes"] != float64(90) {
		t.Errorf("first call %+v, want PUT ProtectionEnabled=true ExpiresInMinutes=90", on)
	}
	if off.Body["ProtectionEnabled"] != false {
		t.Errorf("second call %+v, want ProtectionEnabled=false", off)
	}
}

func TestSigtermDuringJobCancelsItAndDeregisters(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("sleep 300 & wait\n")
	a.waitFor("job start", 30*time.Second)
	deadline := time.Now().Add(30 * time.Second) // generous: CI runs packages side by side
	for len(a.ecs.Calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(a.ecs.Calls()) == 0 {
		t.Fatal("a running job was not protected from scale-in")
	}
	pid := a.listenerPid()
	sent := time.Now()
	must(t, a.cmd.Process.Signal(syscall.SIGTERM))
	code, took := a.waitExit(sent, 60*time.Second)
	t.Logf("busy agent stopped by force: SIGTERM to exit %s", took.Round(time.Millisecond))
	if strings.Contains(a.output.String(), "did not stop within") {
		t.Errorf("a listener that honours SIGTERM had to be killed:\n%s", a.output.String())
	}
	if code != 143 {
		t.Errorf("exit code %d, want 143", code)
	}
	a.order(t, "job start", "listener got SIGTERM", "job cancelled", "listener exit", "remove uid=0")
	if alive(pid) {
		t.Errorf("the listener (pid %d) outlived the container's main process", pid)
	}
	calls := a.ecs.Calls()
	if last := calls[len(calls)-1]; last.Body["ProtectionEnabled"] != false {
		t.Errorf("protection not lifted after the job was cancelled: %+v", calls)
	}
}

// A listener that ignores SIGTERM: TestSigtermDeregistersWhileAJobAttacks
// (attack_test.go), with a job attacking at the same time.

func TestOutsideECSNoProtectionCalls(t *testing.T) {
	a := startAgent(t, runOptions{noECS: true})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("true\n")
	if code, _ := a.waitExit(time.Now(), 60*time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if calls := a.ecs.Calls(); len(calls) != 0 {
		t.Errorf("calls without ECS_AGENT_URI: %+v", calls)
	}
}

func TestRejectedTokenStopsBeforeTheListener(t *testing.T) {
	a := startAgent(t, runOptions{wrongToken: true})
	code, _ := a.waitExit(time.Now(), 60*time.Second)
	if code == 0 {
		t.Error("start.sh exited 0 although registration failed")
	}
	if strings.Contains(a.events(), "listener pid=") {
		t.Error("the listener started without a registration")
	}
	if !strings.Contains(a.output.String(), "not authorized") {
		t.Errorf("the agent's message is missing from the output:\n%s", a.output.String())
	}
	if strings.Contains(a.output.String(), a.token) {
		t.Error("the token was echoed to the container's output")
	}
}

// The probe a job runs as the job user: what it can read of its own
// environment, every process's environ and cmdline, and the files it can
// read where a token could have been left.
const probeJob = `out="$STATE_DIR/probe"
env > "$out/env"
for p in /proc/[0-9]*; do
  n="${p#/proc/}"
  cat "$p/environ" > "$out/environ.$n" 2>/dev/null || rm -f "$out/environ.$n"
  cat "$p/cmdline" > "$out/cmdline.$n" 2>/dev/null || rm -f "$out/cmdline.$n"
done
find "$AGENT_HOME_UNDER_TEST" /tmp /var/tmp /dev/shm /run /root -xdev -type f -readable 2>/dev/null > "$out/files" || true
echo probed > "$out/done"
`

func TestJobCannotReadTheToken(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("AGENT_HOME_UNDER_TEST=" + a.home + "\n" + probeJob)
	if code, _ := a.waitExit(time.Now(), 60*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	probe := filepath.Join(a.state, "probe")
	if _, err := os.Stat(filepath.Join(probe, "done")); err != nil {
		t.Fatal("the probe job did not finish")
	}
	if strings.Contains(a.events(), "token-on-command-line") {
		t.Error("config.sh got the token as a command-line argument")
	}
	env, _ := os.ReadFile(filepath.Join(probe, "env"))
	for _, v := range []string{"AZP_TOKEN", "VSTS_AGENT_INPUT_TOKEN", "ECS_AGENT_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if strings.Contains(string(env), v+"=") {
			t.Errorf("the job's environment has %s", v)
		}
	}
	if !strings.Contains(string(env), "STANDIN_JOB=1") {
		t.Fatalf("the probe did not record the job's own environment: %q", env)
	}
	dumps, _ := filepath.Glob(filepath.Join(probe, "*"))
	environs := 0
	for _, d := range dumps {
		b, _ := os.ReadFile(d)
		if strings.Contains(filepath.Base(d), "environ.") {
			environs++
		}
		if bytes.Contains(b, []byte(a.token)) {
			t.Errorf("the job read the token from %s", strings.Replace(filepath.Base(d), ".", " of pid ", 1))
		}
	}
	if environs == 0 {
		t.Fatal("the probe read no process environment at all (not even its own)")
	}
	files, _ := os.ReadFile(filepath.Join(probe, "files"))
	sawCanary := false
	for _, f := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		if f == "" || strings.HasPrefix(f, probe) {
			continue
		}
		st, err := os.Stat(f)
		if err != nil || st.Size() > 16<<20 {
			continue
		}
		b, _ := os.ReadFile(f)
		sawCanary = sawCanary || bytes.Contains(b, []byte("canary-visible-to-jobs"))
		if bytes.Contains(b, []byte(a.token)) {
			t.Errorf("the job can read the token in %s", f)
		}
	}
	if !sawCanary {
		t.Error("the probe did not find the canary file: the file scan does not work")
	}
}

// The listener runs without privileges it could gain (no_new_privs, empty
// capability bounding set) and with self-update off: the update message
// the organization sends when it offers a newer agent is skipped, as the
// real listener does when agent.disableupdate is in its environment
// (src/Agent.Listener/Agent.cs); the scheduled image rebuild brings the
// new agent instead.
func TestListenerHasNoPrivilegesAndNoSelfUpdate(t *testing.T) {
	a := startAgent(t, runOptions{})
	a.waitFor("listener pid=", 30*time.Second)
	p := filepath.Join(a.state, "refresh.tmp")
	must(t, os.WriteFile(p, []byte("{\"targetVersion\":\"4.270.0\"}"), 0o644))
	must(t, os.Rename(p, filepath.Join(a.state, "queue", "refresh-1")))
	a.waitFor("refresh ", 30*time.Second)
	a.queueJob("true\n")
	if code, _ := a.waitExit(time.Now(), 60*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{
		"listener NoNewPrivs: 1\n",
		"listener CapBnd: 0000000000000000\n",
		"listener CapEff: 0000000000000000\n",
		"listener disableupdate=true\n",
		"refresh skipped: agent.disableupdate is set\n",
	} {
		if !strings.Contains(a.events(), want) {
			t.Errorf("events lack %q:\n%s", want, a.events())
		}
	}
}

// A job that runs past AZP_MAX_JOB_MINUTES has outlived its scale-in
// protection (ECS lets it expire): start.sh ends it, lifts nothing left
// protected, deregisters and exits 1, so a hung job or listener cannot keep
// the task alive. One minute, the smallest expiry ECS accepts.
func TestJobPastItsProtectionIsEnded(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a minute (-short)")
	}
	a := startAgent(t, runOptions{env: []string{"AZP_MAX_JOB_MINUTES=1"}})
	a.waitFor("listener pid=", 30*time.Second)
	a.queueJob("sleep 600 & wait\n")
	a.waitFor("job start", 30*time.Second)
	started := time.Now()
	code, took := a.waitExit(started, 3*time.Minute)
	t.Logf("job past its 1 min protection: ended after %s", took.Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if took < 55*time.Second {
		t.Errorf("ended after %s, before its 1 min protection expired", took)
	}
	a.order(t, "job start", "listener got SIGTERM", "job cancelled", "remove uid=0")
	if !strings.Contains(a.output.String(), "the job has run 1 min, its scale-in protection has expired: ending it") {
		t.Errorf("start.sh did not say why:\n%s", a.output.String())
	}
	calls := a.ecs.Calls()
	if len(calls) != 2 || calls[0].Body["ExpiresInMinutes"] != float64(1) || calls[1].Body["ProtectionEnabled"] != false {
		t.Errorf("want protection on for 1 min, then off: %+v", calls)
	}
}

// A listener that stays after its one job (--once: the real one exits
// seconds after the job) would keep an unprotected task up until the next
// scale-in: start.sh ends the agent AZP_LISTENER_EXIT_SECONDS after the job.
func TestListenerThatStaysAfterItsJobEndsTheAgent(t *testing.T) {
	a := startAgent(t, runOptions{hangAfterJob: true, env: []string{"AZP_LISTENER_EXIT_SECONDS=3"}})
	a.waitFor("listener pid=", 30*time.Second)
	// Long enough for the poll (0.2 s) to see its worker: the rule holds for
	// the jobs start.sh sees, as the protection does.
	a.queueJob("sleep 2\n")
	a.waitFor("listener hangs", 30*time.Second)
	code, took := a.waitExit(time.Now(), 60*time.Second)
	t.Logf("listener hung after its job: agent ended %s later", took.Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	a.order(t, "job done rc=0", "listener hangs", "listener got SIGTERM", "listener exit", "remove uid=0")
	if !strings.Contains(a.output.String(), "the listener is still running 3s after its job ended: ending this agent") {
		t.Errorf("start.sh did not say why:\n%s", a.output.String())
	}
	// The job ended while the listener stayed: its protection is lifted
	// then, not left on for the task's last seconds.
	calls := a.ecs.Calls()
	if len(calls) != 2 || calls[0].Body["ProtectionEnabled"] != true || calls[1].Body["ProtectionEnabled"] != false {
		t.Errorf("protection calls %+v, want on at the job's start and off at its end", calls)
	}
}
