package agentlife

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// azureDevOps stands in for the two Azure DevOps REST endpoints the check
// calls, answering as documented: GET {org}/_apis/connectionData (the
// authenticated identity; 401 for a token it rejects) and GET
// {org}/_apis/distributedtask/pools?poolName= (a list with count and value).
type azureDevOps struct {
	token string
	pools []string
	mu    sync.Mutex
	auths []string // Authorization headers seen
	srv   *httptest.Server
}

func newAzureDevOps(t *testing.T, token string, pools ...string) *azureDevOps {
	z := &azureDevOps{token: token, pools: pools}
	z.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		z.mu.Lock()
		z.auths = append(z.auths, r.Header.Get("Authorization"))
		z.mu.Unlock()
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+z.token))
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", "Basic realm=\"https://dev.azure.com/\"")
			http.Error(w, "", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/example-org/_apis/connectionData":
			fmt.Fprint(w, `{"authenticatedUser":{"id":"6d2b1e0c-1111-2222-3333-444455556666","descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;build@example.com","providerDisplayName":"Build Bot","isActive":true},"instanceId":"e1f2a3b4-0000-1111-2222-333344445555","locationServiceData":{"serviceOwner":"00025394-6065-48ca-87d9-7f5672854ef7"}}`)
		case "/example-org/_apis/distributedtask/pools":
			name := r.URL.Query().Get("poolName")
			for i, p := range z.pools {
				if p == name {
					fmt.Fprintf(w, `{"count":1,"value":[{"id":%d,"name":%q,"isHosted":false,"poolType":"automation","size":0}]}`, i+10, p)
					return
				}
			}
			fmt.Fprint(w, `{"count":0,"value":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
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
	if len(z.auths) != 2 {
		t.Errorf("%d calls to Azure DevOps, want 2 (identity, pool)", len(z.auths))
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
