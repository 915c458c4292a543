package agentlife

import (
	"net"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"hubspoke-cdk/internal/azdostandin"
)

// azureDevOps serves the stand-in organization (internal/azdostandin) at
// /example-org: connectionData, pools by name, agents (register, list,
// delete) as Azure DevOps answers them; tokens maps a PAT to its identity.
type azureDevOps struct {
	*azdostandin.Server
	srv *httptest.Server
}

func newAzureDevOps(t *testing.T, token string, pools ...string) *azureDevOps {
	z := &azureDevOps{Server: azdostandin.New(time.Now().UTC())}
	z.AddOrg("example-org", map[string]azdostandin.Identity{token: {Name: "build@example.com", PoolAdmin: true}}, pools...)
	z.srv = httptest.NewServer(z.Server)
	t.Cleanup(z.srv.Close)
	return z
}

func (z *azureDevOps) url() string { return z.srv.URL + "/example-org" }

const checkToken = "pat-check-0123456789abcdef"

// checkRun runs start.sh in check-only mode with checkToken and returns its
// exit code and output.
func checkRun(t *testing.T, url string) (int, string, *agentRun) {
	t.Helper()
	a := startAgent(t, runOptions{azpURL: url, env: []string{"AZP_CHECK_ONLY=true"}, token: checkToken})
	code, _ := a.waitExit(time.Now(), 60*time.Second)
	return code, a.output.String(), a
}

func TestCheckOnlyValidToken(t *testing.T) {
	z := newAzureDevOps(t, checkToken, "hubspoke")
	z.Register("example-org", "hubspoke", "hubspoke-placeholder", "offline", time.Now().UTC(), nil)
	code, out, a := checkRun(t, z.url())
	if code != 0 || !strings.Contains(out, "check ok") {
		t.Fatalf("exit %d, want 0 with check ok:\n%s", code, out)
	}
	if strings.Contains(a.events(), "configure") || strings.Contains(a.events(), "listener") {
		t.Errorf("check-only registered an agent or started the listener:\n%s", a.events())
	}
	if strings.Contains(out, a.token) {
		t.Error("the token is in the output")
	}
	if len(z.Calls) != 3 || z.CallsTo("GET", "/_apis/connectionData") != 1 || z.CallsTo("GET", "/_apis/distributedtask/pools/10/agents") != 1 {
		t.Errorf("calls to Azure DevOps %+v, want 3 (identity, pool, placeholder)", z.Calls)
	}
}

// A pool without the placeholder refuses jobs whenever no agent runs: the
// check fails with exit 7, naming the placeholder and who registers it.
func TestCheckOnlyPoolWithoutPlaceholder(t *testing.T) {
	z := newAzureDevOps(t, checkToken, "hubspoke")
	z.Register("example-org", "hubspoke", "hubspoke-placeholderx", "offline", time.Now().UTC(), nil) // a look-alike is not it
	code, out, _ := checkRun(t, z.url())
	if code != 7 || !strings.Contains(out, "agent pool 'hubspoke' has no agent named hubspoke-placeholder") || !strings.Contains(out, "hubspoke-demand-poller") {
		t.Errorf("exit %d, want 7 naming the placeholder and the keeper:\n%s", code, out)
	}
}

func TestCheckOnlyRejectedToken(t *testing.T) {
	z := newAzureDevOps(t, "another-token", "hubspoke")
	code, out, a := checkRun(t, z.url())
	if code != 4 || !strings.Contains(out, "rejected the token (HTTP 401)") || !strings.Contains(out, "renew the PAT") {
		t.Errorf("exit %d, want 4 naming the rejection and the fix:\n%s", code, out)
	}
	if strings.Contains(out, a.token) {
		t.Error("the token is in the output")
	}
}

func TestCheckOnlyUnreachableURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	url := "http://" + l.Addr().String() + "/example-org"
	l.Close() // nothing listens there now
	code, out, _ := checkRun(t, url)
	if code != 3 || !strings.Contains(out, "cannot reach "+url) {
		t.Errorf("exit %d, want 3 naming the URL:\n%s", code, out)
	}
}

func TestCheckOnlyMissingPool(t *testing.T) {
	z := newAzureDevOps(t, checkToken, "other-pool")
	code, out, _ := checkRun(t, z.url())
	if code != 6 || !strings.Contains(out, "agent pool 'hubspoke' does not exist") {
		t.Errorf("exit %d, want 6 naming the pool:\n%s", code, out)
	}
}

// The agent registers the way config.sh does, against the stand-in
// organization: one agent named hubspoke-dev-<hostname> in the pool, with a
// public key, maxParallelism 1 and its capabilities; the pool now queues a
// job its agents could take. At SIGTERM it deregisters (DELETE): the pool is
// empty again, and a job is refused at once (why the hub keeps a
// placeholder).
func TestAgentRegistersThroughTheRESTAPI(t *testing.T) {
	z := newAzureDevOps(t, checkToken, "hubspoke")
	a := startAgent(t, runOptions{azpURL: z.url(), token: checkToken})
	a.waitFor("listener pid=", 30*time.Second)
	agents := z.Agents("example-org", "hubspoke")
	if len(agents) != 1 || !strings.HasPrefix(agents[0].Name, "hubspoke-dev-") || agents[0].MaxParallelism != 1 ||
		agents[0].Authorization == nil || agents[0].Authorization.PublicKey == nil || agents[0].SystemCapabilities["Agent.OS"] != "Linux" {
		t.Fatalf("registered agents %+v, want one hubspoke-dev-<host> with a public key, maxParallelism 1, capabilities", agents)
	}
	if z.CallsTo("POST", "/_apis/distributedtask/pools/10/agents") != 1 || z.CallsTo("GET", "/_apis/distributedtask/pools/10/agents") != 1 {
		t.Errorf("registration calls %+v, want the name looked up, then one POST", z.Calls)
	}
	if _, err := z.Queue("example-org", "hubspoke", []string{"git"}, 0); err != nil {
		t.Errorf("a job with the agent registered: %v", err)
	}
	sent := time.Now()
	must(t, a.cmd.Process.Signal(syscall.SIGTERM))
	a.waitExit(sent, 30*time.Second)
	if n := len(z.Agents("example-org", "hubspoke")); n != 0 || z.CallsTo("DELETE", "/agents/") != 1 {
		t.Errorf("%d agents left after SIGTERM, %d DELETE calls; want 0 and 1", n, z.CallsTo("DELETE", "/agents/"))
	}
	if _, err := z.Queue("example-org", "hubspoke", []string{"git"}, 0); err == nil || !strings.Contains(err.Error(), "No agent found in pool hubspoke") {
		t.Errorf("a job in the emptied pool: %v, want refused at once", err)
	}
	if strings.Contains(a.output.String(), checkToken) {
		t.Error("the token is in the output")
	}
}

// A token the organization rejects: config.sh fails at connect (401), the
// agent never reaches the listener, nothing is registered.
func TestAgentRegistrationRejectedToken(t *testing.T) {
	z := newAzureDevOps(t, "another-token", "hubspoke")
	a := startAgent(t, runOptions{azpURL: z.url(), token: checkToken})
	code, _ := a.waitExit(time.Now(), 60*time.Second)
	if code == 0 || strings.Contains(a.events(), "listener pid=") || len(z.Agents("example-org", "hubspoke")) != 0 {
		t.Errorf("exit %d, events %q, agents %v: want a failure before the listener, nothing registered", code, a.events(), z.Agents("example-org", "hubspoke"))
	}
}
