package azdostandin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// signInPage is what Azure DevOps sends (HTTP 203) to a request without
// usable credentials [auth].
const signInPage = `<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to your account</body></html>`

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// vssError is the error body of Azure DevOps' REST API.
func vssError(w http.ResponseWriter, code int, typeKey, msg string) {
	writeJSON(w, code, map[string]any{"$id": "1", "innerException": nil, "message": msg,
		"typeName": "Microsoft.TeamFoundation.DistributedTask.WebApi." + typeKey + ", Microsoft.TeamFoundation.DistributedTask.WebApi",
		"typeKey":  typeKey, "errorCode": 0, "eventId": 3000})
}

// identity reads the Authorization header: ("", false) with no usable
// credentials (203), (token, true) otherwise [auth].
func identity(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && tok != "" {
		return tok, true
	}
	if b, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(b)
		if _, pat, found := strings.Cut(string(raw), ":"); err == nil && found && pat != "" {
			return pat, true
		}
	}
	return "", false
}

// ServeHTTP answers /{org}/_apis/... as Azure DevOps and /_standin/... as
// the tests' control panel.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_standin/") {
		s.control(w, r)
		return
	}
	org, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	call := Call{Method: r.Method, Org: org, Path: "/" + rest, Query: r.URL.RawQuery}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { call.Status = rec.code; s.Calls = append(s.Calls, call) }()
	o := s.orgs[org]
	if o == nil {
		// dev.azure.com/<unknown org>: 404 "organization not found".
		vssError(rec, http.StatusNotFound, "HostNotFoundException", "The resource cannot be found.")
		return
	}
	tok, ok := identity(r)
	if !ok {
		rec.Header().Set("Content-Type", "text/html; charset=utf-8")
		rec.WriteHeader(http.StatusNonAuthoritativeInfo)
		fmt.Fprint(rec, signInPage)
		return
	}
	id, known := o.Tokens[tok]
	if !known {
		// A wrong, revoked or expired PAT (or token) [auth].
		rec.Header().Set("WWW-Authenticate", `Basic realm="https://dev.azure.com/"`)
		vssError(rec, http.StatusUnauthorized, "UnauthorizedRequestException", "TF400813: The user '' is not authorized to access this resource.")
		return
	}
	call.Identity = id.Name
	call.Scheme, _, _ = strings.Cut(r.Header.Get("Authorization"), " ")
	if !s.throttle(rec, o, id.Name) {
		return
	}
	for i, f := range o.Faults {
		if f.Count > 0 && strings.Contains(rest, f.Path) {
			f.Count--
			if f.Count == 0 {
				o.Faults = append(o.Faults[:i], o.Faults[i+1:]...)
			}
			if f.RetryAfter != "" {
				rec.Header().Set("Retry-After", f.RetryAfter)
			}
			vssError(rec, f.Status, "ServiceUnavailableException", fmt.Sprintf("stand-in fault: HTTP %d", f.Status))
			return
		}
	}
	s.tick()
	s.api(rec, r, o, id, rest)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = 200
	}
	return s.ResponseWriter.Write(b)
}

// throttle applies the rate limit [rate]: usage is the cost of the
// identity's calls in the sliding window. At or over the limit: 429 with
// Retry-After (seconds until usage falls below it) and Remaining 0. Below:
// the call is counted and, once usage passes half the limit ("nearing" it:
// the documentation sends the headers when a limit is being approached, and
// does not say from when; an unkind reading), the X-RateLimit headers.
func (s *Server) throttle(w http.ResponseWriter, o *Org, who string) bool {
	if o.Limit <= 0 {
		return true
	}
	cut := s.now.Add(-o.Window)
	kept := o.usage[who][:0]
	used := 0.0
	for _, u := range o.usage[who] {
		if u.at.After(cut) {
			kept = append(kept, u)
			used += u.cost
		}
	}
	o.usage[who] = kept
	reset := s.now
	if len(kept) > 0 {
		reset = kept[len(kept)-1].at.Add(o.Window)
	}
	h := w.Header()
	if used >= o.Limit {
		// Usage falls below the limit when enough of the oldest calls leave.
		wait := o.Window
		for i, left := range kept {
			used -= left.cost
			if used < o.Limit {
				wait = kept[i].at.Add(o.Window).Sub(s.now)
				break
			}
		}
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(max(wait.Seconds(), 1)))))
		h.Set("X-RateLimit-Resource", "Core")
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(o.Limit)))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		vssError(w, http.StatusTooManyRequests, "RequestBlockedException", "Request was blocked due to exceeding usage of resource 'Core'.")
		return false
	}
	o.usage[who] = append(kept, use{at: s.now, cost: o.CallCost})
	used += o.CallCost
	if used >= o.Limit/2 {
		h.Set("X-RateLimit-Resource", "Core")
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(o.Limit)))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, int(o.Limit-used))))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(s.now.Add(o.Window).Unix(), 10))
	}
	return true
}

func (s *Server) api(w http.ResponseWriter, r *http.Request, o *Org, id Identity, rest string) {
	q := r.URL.Query()
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	// _apis/connectionData: the authenticated identity.
	if rest == "_apis/connectionData" {
		writeJSON(w, 200, map[string]any{"authenticatedUser": map[string]any{"id": "6d2b1e0c-1111-2222-3333-444455556666",
			"descriptor": "Microsoft.IdentityModel.Claims.ClaimsIdentity;" + id.Name, "providerDisplayName": id.Name, "isActive": true},
			"instanceId": "e1f2a3b4-0000-1111-2222-333344445555", "locationServiceData": map[string]any{"serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7"}})
		return
	}
	if len(parts) < 3 || parts[0] != "_apis" || parts[1] != "distributedtask" || parts[2] != "pools" {
		vssError(w, 404, "ResourceNotFoundException", "API resource location not found: "+rest)
		return
	}
	// GET pools?poolName=: exact name, a list (empty when none) [pools]
	// [agent-src: FirstOrDefault of the list].
	if len(parts) == 3 {
		var out []map[string]any
		for _, p := range o.Pools {
			if n := q.Get("poolName"); n == "" || strings.EqualFold(n, p.Name) {
				out = append(out, poolJSON(p))
			}
		}
		writeJSON(w, 200, map[string]any{"count": len(out), "value": orEmpty(out)})
		return
	}
	pid, _ := strconv.Atoi(parts[3])
	var p *Pool
	for _, c := range o.Pools {
		if c.ID == pid {
			p = c
		}
	}
	if p == nil {
		vssError(w, 404, "TaskAgentPoolNotFoundException", fmt.Sprintf("Agent pool %s could not be found.", parts[3]))
		return
	}
	switch {
	case len(parts) == 4 && r.Method == "GET":
		writeJSON(w, 200, poolJSON(p))
	case len(parts) == 5 && parts[4] == "agents" && r.Method == "GET":
		s.listAgents(w, q, p)
	case len(parts) == 5 && parts[4] == "agents" && r.Method == "POST":
		s.addAgent(w, r, o, id, p)
	case len(parts) == 6 && parts[4] == "agents" && (r.Method == "DELETE" || r.Method == "PUT" || r.Method == "PATCH"):
		s.changeAgent(w, r, id, p, parts[5])
	case len(parts) == 5 && parts[4] == "jobrequests" && r.Method == "GET":
		s.listRequests(w, q, p)
	default:
		vssError(w, 405, "MethodNotAllowed", r.Method+" "+rest)
	}
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func poolJSON(p *Pool) map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "isHosted": false, "poolType": "automation", "size": len(p.Agents), "isLegacy": false}
}

// listAgents [agents]: agentName filters by exact name; capabilities only
// with includeCapabilities=true; the running request only with
// includeAssignedRequest=true.
func (s *Server) listAgents(w http.ResponseWriter, q map[string][]string, p *Pool) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var out []Agent
	for _, a := range p.Agents {
		if n := get("agentName"); n != "" && !strings.EqualFold(n, a.Name) {
			continue
		}
		c := *a
		c.Authorization = nil
		if get("includeCapabilities") != "true" {
			c.SystemCapabilities, c.UserCapabilities = nil, nil
		}
		if get("includeAssignedRequest") == "true" {
			for _, r := range p.Requests {
				if r.FinishTime == nil && r.ReservedAgent != nil && r.ReservedAgent.ID == a.ID {
					rc := *r
					rc.MatchedAgents = nil
					c.AssignedRequest = &rc
				}
			}
		}
		out = append(out, c)
	}
	writeJSON(w, 200, map[string]any{"count": len(out), "value": orEmpty(out)})
}

// addAgent is what config.sh does after looking the name up [agent-src]:
// POST a TaskAgent with its public key. Needs the pool's Administrator role
// (Manage) [denied]; a name taken is refused ("Pool {0} already contains
// an agent with name {1}.", the agent's own string for it).
func (s *Server) addAgent(w http.ResponseWriter, r *http.Request, o *Org, id Identity, p *Pool) {
	if !id.PoolAdmin {
		vssError(w, 403, "AccessDeniedException", fmt.Sprintf("Access denied. %s needs Manage permissions to perform the action. For more information, contact the Azure DevOps Server administrator.", id.Name))
		return
	}
	var a Agent
	if err := json.NewDecoder(r.Body).Decode(&a); err != nil || a.Name == "" {
		vssError(w, 400, "ArgumentException", "the request body must be a TaskAgent with a name")
		return
	}
	if a.Authorization == nil || a.Authorization.PublicKey == nil || a.Authorization.PublicKey.Modulus == "" {
		// The listener's OAuth credential is made from this key [agent-src].
		vssError(w, 400, "ArgumentNullException", "Value cannot be null. Parameter name: agent.Authorization.PublicKey")
		return
	}
	for _, x := range p.Agents {
		if strings.EqualFold(x.Name, a.Name) {
			vssError(w, 409, "TaskAgentExistsException", fmt.Sprintf("Pool %d already contains an agent with name %s.", p.ID, a.Name))
			return
		}
	}
	a.ID = s.nextID
	s.nextID++
	a.Status, a.Enabled, a.CreatedOn, a.StatusChangedOn = "offline", true, s.now, s.now
	if a.MaxParallelism == 0 {
		a.MaxParallelism = 1
	}
	if a.ProvisioningState == "" {
		a.ProvisioningState = "Provisioned"
	}
	a.Authorization.ClientID = fmt.Sprintf("client-%d", a.ID)
	a.AssignedRequest = nil
	p.Agents = append(p.Agents, &a)
	writeJSON(w, 200, a)
}

// changeAgent: DELETE removes the agent (config.sh remove) [agent-src]; PUT
// or PATCH replaces its version, capabilities and key (config.sh --replace).
// Both need the Administrator role [denied]; an unknown id is 404.
func (s *Server) changeAgent(w http.ResponseWriter, r *http.Request, id Identity, p *Pool, sid string) {
	aid, _ := strconv.Atoi(sid)
	i := -1
	for j, a := range p.Agents {
		if a.ID == aid {
			i = j
		}
	}
	if !id.PoolAdmin {
		vssError(w, 403, "AccessDeniedException", fmt.Sprintf("Access denied. %s needs Manage permissions to perform the action. For more information, contact the Azure DevOps Server administrator.", id.Name))
		return
	}
	if i < 0 {
		vssError(w, 404, "TaskAgentNotFoundException", fmt.Sprintf("No agent found in pool %d with id %d.", p.ID, aid))
		return
	}
	if r.Method == "DELETE" {
		p.Agents = append(p.Agents[:i], p.Agents[i+1:]...)
		w.WriteHeader(204)
		return
	}
	var a Agent
	if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
		vssError(w, 400, "ArgumentException", "the request body must be a TaskAgent")
		return
	}
	cur := p.Agents[i]
	if a.Version != "" {
		cur.Version = a.Version
	}
	if a.SystemCapabilities != nil {
		cur.SystemCapabilities = a.SystemCapabilities
	}
	writeJSON(w, 200, cur)
}

// listRequests: the undocumented jobrequests [keda]. completedRequestCount=N
// adds the N most recently finished requests to the unfinished ones; the
// answer holds at most JobListCap items whatever is asked ($top included),
// oldest first (the order is undocumented: the newest, the waiting ones,
// are the ones cut).
func (s *Server) listRequests(w http.ResponseWriter, q map[string][]string, p *Pool) {
	done := 0
	if v := q["completedRequestCount"]; len(v) > 0 {
		done, _ = strconv.Atoi(v[0])
	}
	var open, finished []Request
	for _, r := range p.Requests {
		if r.FinishTime == nil {
			open = append(open, *r)
		} else {
			finished = append(finished, *r)
		}
	}
	sort.Slice(finished, func(i, j int) bool { return finished[i].FinishTime.After(*finished[j].FinishTime) })
	out := append(open, finished[:min(done, len(finished))]...)
	sort.Slice(out, func(i, j int) bool { return out[i].RequestID < out[j].RequestID })
	out = out[:min(len(out), JobListCap)]
	writeJSON(w, 200, map[string]any{"count": len(out), "value": orEmpty(out)})
}

// control is the tests' panel (JSON in, JSON out), for Python harnesses
// that cannot call the Go methods.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Org, Pool, Name, Status, Result, Path, RetryAfter string
		Demands                                           []string
		RunSeconds, ChangedSecondsAgo, Now, Advance       float64
		Capabilities                                      map[string]string
		RequestID                                         int64
		Code, Count                                       int
		Limit, Cost                                       float64
	}
	if r.Method == "POST" {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, 400, map[string]string{"message": err.Error()})
			return
		}
	} else {
		in.Org, in.Pool = r.URL.Query().Get("org"), r.URL.Query().Get("pool")
	}
	ok := func(v any) { writeJSON(w, 200, v) }
	switch strings.TrimPrefix(r.URL.Path, "/_standin/") {
	case "queue":
		req, err := s.Queue(in.Org, in.Pool, in.Demands, time.Duration(in.RunSeconds*float64(time.Second)))
		if err != nil {
			writeJSON(w, 400, map[string]string{"message": err.Error()})
			return
		}
		ok(req)
	case "register":
		ok(s.Register(in.Org, in.Pool, in.Name, in.Status, s.Now().Add(-time.Duration(in.ChangedSecondsAgo*float64(time.Second))), in.Capabilities))
	case "status":
		if err := s.SetStatus(in.Org, in.Pool, in.Name, in.Status); err != nil {
			writeJSON(w, 404, map[string]string{"message": err.Error()})
			return
		}
		ok(map[string]string{})
	case "delete":
		s.mu.Lock()
		p := s.pool(in.Org, in.Pool)
		for i, a := range p.Agents {
			if a.Name == in.Name {
				p.Agents = append(p.Agents[:i], p.Agents[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		ok(map[string]string{})
	case "recreatePool":
		// A person deletes the pool and creates one of the same name: Azure
		// DevOps gives it a new id (pool ids are never reused), and calls
		// with the old id answer 404.
		s.mu.Lock()
		o := s.orgs[in.Org]
		next := 10
		for _, q := range o.Pools {
			next = max(next, q.ID+1)
		}
		for i, q := range o.Pools {
			if q.Name == in.Pool {
				o.Pools[i] = &Pool{ID: next, Name: in.Pool}
			}
		}
		s.mu.Unlock()
		ok(map[string]int{"id": next})
	case "finish":
		s.Finish(in.Org, in.Pool, in.RequestID, in.Result)
		ok(map[string]string{})
	case "fault":
		s.Fail(in.Org, Fault{Path: in.Path, Status: in.Code, Count: in.Count, RetryAfter: in.RetryAfter})
		ok(map[string]string{})
	case "ratelimit":
		s.RateLimit(in.Org, in.Limit, in.Cost)
		ok(map[string]string{})
	case "clock":
		if in.Now > 0 {
			s.SetNow(time.Unix(0, int64(in.Now*1e9)).UTC())
		} else {
			s.Advance(time.Duration(in.Advance * float64(time.Second)))
		}
		ok(map[string]any{"now": float64(s.Now().UnixNano()) / 1e9})
	case "agents":
		ok(orEmpty(s.Agents(in.Org, in.Pool)))
	case "requests":
		ok(orEmpty(s.Requests(in.Org, in.Pool)))
	case "calls":
		s.mu.Lock()
		calls := append([]Call{}, s.Calls...)
		s.mu.Unlock()
		ok(orEmpty(calls))
	case "calls/reset":
		s.ResetCalls()
		ok(map[string]string{})
	default:
		writeJSON(w, 404, map[string]string{"message": "no control " + r.URL.Path})
	}
}
