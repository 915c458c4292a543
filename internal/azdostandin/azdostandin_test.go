package azdostandin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func basic(pat string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pat)) }

// do sends one request and returns its status, body and headers.
func do(t *testing.T, url, method, auth, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

const key = `"authorization":{"publicKey":{"exponent":"AQAB","modulus":"bW9k"}}`

// The contract the fleet's code relies on, each case with the behaviour's
// source in the server's comments: authentication (203, 401, Basic and
// Bearer), pools by name, registration (public key required, a name taken,
// the Administrator role), listing with and without capabilities and
// assigned requests, delete, the queue-time refusal, assignment to an
// idle online agent, the 200-item cap, rate-limit headers and 429.
func TestContract(t *testing.T) {
	s := New(t0)
	s.AddOrg("org", map[string]Identity{"pat": {Name: "admin", PoolAdmin: true}, "eyJhbGciOi.eyJzdWIi.sig": {Name: "sp", PoolAdmin: true}, "reader": {Name: "reader@example.com"}}, "hubspoke")
	web := httptest.NewServer(s)
	defer web.Close()
	api := web.URL + "/org/_apis/distributedtask/pools"
	cases := []struct {
		name, method, url, auth, body string
		code                          int
		has                           string
	}{
		{"no credentials: the sign-in page", "GET", api + "?poolName=hubspoke", "", "", 203, "Sign in"},
		{"a wrong PAT", "GET", api + "?poolName=hubspoke", basic("wrong"), "", 401, "TF400813"},
		{"a PAT", "GET", api + "?poolName=hubspoke", basic("pat"), "", 200, `"count":1`},
		{"an Entra token as Bearer", "GET", api + "?poolName=HUBSPOKE", "Bearer eyJhbGciOi.eyJzdWIi.sig", "", 200, `"name":"hubspoke"`},
		{"a pool that does not exist: an empty list", "GET", api + "?poolName=nope", basic("pat"), "", 200, `{"count":0,"value":[]}`},
		{"an unknown organization", "GET", web.URL + "/other/_apis/connectionData", basic("pat"), "", 404, ""},
		{"register without a public key", "POST", api + "/10/agents", basic("pat"), `{"name":"a1"}`, 400, "PublicKey"},
		{"register as a reader", "POST", api + "/10/agents", basic("reader"), `{"name":"a1",` + key + `}`, 403, "Access denied. reader@example.com needs Manage permissions"},
		{"register", "POST", api + "/10/agents", basic("pat"), `{"name":"a1","maxParallelism":1,` + key + `,"systemCapabilities":{"git":"/usr/bin/git"}}`, 200, `"status":"offline"`},
		{"the name is taken", "POST", api + "/10/agents", basic("pat"), `{"name":"A1",` + key + `}`, 409, "Pool 10 already contains an agent with name A1."},
		{"list without capabilities", "GET", api + "/10/agents", basic("pat"), "", 200, `"name":"a1"`},
		{"delete as a reader", "DELETE", api + "/10/agents/1", basic("reader"), "", 403, "needs Manage permissions"},
		{"delete an unknown agent", "DELETE", api + "/10/agents/99", basic("pat"), "", 404, ""},
	}
	for _, c := range cases {
		code, body, _ := do(t, c.url, c.method, c.auth, c.body)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, body, c.code, c.has)
		}
	}
	if _, body, _ := do(t, api+"/10/agents", "GET", basic("pat"), ""); strings.Contains(body, "systemCapabilities") || strings.Contains(body, "publicKey") {
		t.Errorf("capabilities or key listed without includeCapabilities: %s", body)
	}
	if _, body, _ := do(t, api+"/10/agents?includeCapabilities=true", "GET", basic("pat"), ""); !strings.Contains(body, `"git":"/usr/bin/git"`) {
		t.Errorf("no capabilities with includeCapabilities: %s", body)
	}

	// Queue-time refusal and assignment: the offline agent lets a job
	// queue; it waits until the agent is online, then it is assigned.
	if _, err := s.Queue("org", "hubspoke", []string{"docker"}, 0); err == nil || err.Error() != "No agent found in pool hubspoke which satisfies the specified demands: docker" {
		t.Errorf("a job no agent can take: %v", err)
	}
	r, err := s.Queue("org", "hubspoke", []string{"git"}, 10*time.Minute)
	if err != nil || r.ReservedAgent != nil {
		t.Fatalf("a job for the offline agent: %v %+v, want queued, waiting", err, r)
	}
	if err := s.SetStatus("org", "hubspoke", "a1", "online"); err != nil {
		t.Fatal(err)
	}
	_, body, _ := do(t, api+"/10/agents?includeAssignedRequest=true", "GET", basic("pat"), "")
	if !strings.Contains(body, `"assignedRequest":{"requestId":1000`) {
		t.Errorf("the online agent did not take the job: %s", body)
	}
	_, body, _ = do(t, api+"/10/jobrequests?completedRequestCount=0", "GET", basic("pat"), "")
	var jobs struct {
		Value []map[string]any
	}
	_ = json.Unmarshal([]byte(body), &jobs)
	if len(jobs.Value) != 1 || jobs.Value[0]["queueTime"] != "2026-11-23T09:00:00Z" || jobs.Value[0]["assignTime"] != "2026-11-23T09:00:00Z" || jobs.Value[0]["finishTime"] != nil {
		t.Errorf("job requests %s", body)
	}
	s.Advance(10 * time.Minute) // it ran its 10 minutes
	if _, body, _ = do(t, api+"/10/jobrequests?completedRequestCount=0", "GET", basic("pat"), ""); body != "{\"count\":0,\"value\":[]}\n" {
		t.Errorf("finished job still unfinished: %s", body)
	}
	if _, body, _ = do(t, api+"/10/jobrequests?completedRequestCount=5", "GET", basic("pat"), ""); !strings.Contains(body, `"result":"succeeded"`) || !strings.Contains(body, `"finishTime":"2026-11-23T09:10:00Z"`) {
		t.Errorf("completedRequestCount=5: %s", body)
	}

	// The cap: 250 unfinished, 200 answered, $top or not.
	for i := 0; i < 250; i++ {
		if _, err := s.Queue("org", "hubspoke", nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"", "&$top=1000"} {
		_, body, _ = do(t, api+"/10/jobrequests?completedRequestCount=0"+q, "GET", basic("pat"), "")
		if !strings.HasPrefix(body, `{"count":200,`) {
			t.Errorf("%q: %.40s, want 200 items", q, body)
		}
	}

	// Deleting works for the administrator.
	if code, _, _ := do(t, api+"/10/agents/1", "DELETE", basic("pat"), ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
}

// The rate limit: 4 TSTUs in 5 minutes, 1 a call. Headers from half the
// limit on, Remaining falling; at the limit a 429 with Retry-After until the
// oldest call leaves the window.
func TestRateLimit(t *testing.T) {
	s := New(t0)
	s.AddOrg("org", map[string]Identity{"pat": {Name: "admin", PoolAdmin: true}}, "p")
	s.RateLimit("org", 4, 1)
	web := httptest.NewServer(s)
	defer web.Close()
	url := web.URL + "/org/_apis/connectionData"
	var got []string
	for i := 0; i < 5; i++ {
		code, _, h := do(t, url, "GET", basic("pat"), "")
		got = append(got, fmt.Sprintf("%d %s %s", code, h.Get("X-RateLimit-Remaining"), h.Get("Retry-After")))
		s.Advance(time.Minute)
	}
	want := []string{"200  ", "200 2 ", "200 1 ", "200 0 ", "429 0 60"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("answers %q, want %q", got, want)
	}
}
