// Package azdostandin is a stand-in Azure DevOps organization server for the
// tests: the REST calls the fleet makes (the demand poller, the placeholder
// keeper and ghost clean-up, the smoke check, the agent's config.sh), answered
// as Azure DevOps documents or is reported to answer, unkind parts included.
// Each behaviour names its source. The Go tests serve it with httptest; the
// Python harnesses they run reach it at the URL they are given and change its
// state through /_standin/ (never part of Azure DevOps).
//
// Sources:
//   - [agents]: Agents - Add/List/Delete/Update, api-version 7.1,
//     https://learn.microsoft.com/rest/api/azure/devops/distributedtask/agents
//   - [pools]: Pools - Get Agent Pools (poolName filter),
//     https://learn.microsoft.com/rest/api/azure/devops/distributedtask/pools/get-agent-pools
//   - [agent-src]: microsoft/azure-pipelines-agent
//     src/Agent.Listener/Configuration/ConfigurationManager.cs (CreateNewAgent:
//     name, authorization.publicKey, maxParallelism 1, provisioningState,
//     version, osDescription, systemCapabilities; GetAgentAsync looks the name
//     up first; --replace updates, unattended without it fails),
//     ConfigurationProvider.cs (GetAgentPoolsAsync(poolName).FirstOrDefault(),
//     "PoolNotFound"; DeleteAgentAsync(poolId, agentId)).
//   - [keda]: KEDA azure-pipelines scaler docs (jobrequests undocumented; a
//     pool needs one registered agent to queue jobs) and kedacore/keda#6819
//     (jobrequests returns at most 200 items, even with $top).
//   - [aca]: Microsoft's Azure Container Apps self-hosted agent tutorial:
//     "pipelines that use the agent pool fail when there's no placeholder agent".
//   - [rate]: https://learn.microsoft.com/azure/devops/integrate/concepts/rate-limits
//     (200 TSTUs per identity in a sliding 5-minute window; X-RateLimit-Resource,
//     -Delay, -Limit, -Remaining, -Reset; 429 with Retry-After when blocked).
//   - [denied]: MicrosoftDocs/azure-devops-docs#13093: a token whose identity
//     lacks the pool's Manage (Administrator role) answers AccessDeniedException
//     "Access denied. <user> needs Manage permissions to perform the action."
//   - [auth]: https://learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate
//     (Basic auth, any user name, the PAT as password; a revoked or wrong PAT:
//     401) and, widely reported (e.g. microsoft/azure-devops-node-api issues),
//     a request without usable credentials answered 203 with the HTML sign-in
//     page instead of 401. Entra tokens go as "Bearer" (issue 21).
package azdostandin

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// JobListCap is how many job requests one answer holds at most [keda].
const JobListCap = 200

// Identity is who a token authenticates as.
type Identity struct {
	Name string
	// PoolAdmin: the Administrator role on the organization's agent pools
	// (Organization settings > Agent pools > Security). Without it an
	// identity may read pools, agents and requests (Reader) but not add or
	// delete agents [denied].
	PoolAdmin bool
}

// Agent is a registered agent (TaskAgent) [agents].
type Agent struct {
	ID                 int               `json:"id"`
	Name               string            `json:"name"`
	Version            string            `json:"version"`
	OSDescription      string            `json:"osDescription"`
	Enabled            bool              `json:"enabled"`
	Status             string            `json:"status"` // online | offline
	ProvisioningState  string            `json:"provisioningState"`
	MaxParallelism     int               `json:"maxParallelism"`
	CreatedOn          time.Time         `json:"createdOn"`
	StatusChangedOn    time.Time         `json:"statusChangedOn"`
	SystemCapabilities map[string]string `json:"systemCapabilities,omitempty"`
	UserCapabilities   map[string]string `json:"userCapabilities,omitempty"`
	Authorization      *struct {
		ClientID  string `json:"clientId,omitempty"`
		PublicKey *struct {
			Exponent string `json:"exponent"`
			Modulus  string `json:"modulus"`
		} `json:"publicKey"`
	} `json:"authorization,omitempty"`
	AssignedRequest *Request `json:"assignedRequest,omitempty"`
}

// AgentRef is how a request names an agent.
type AgentRef struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Status  string `json:"status,omitempty"`
	Enabled bool   `json:"enabled"`
}

// Request is a job request (TaskAgentJobRequest) as the undocumented
// jobrequests list returns it [keda]: timestamps absent until they happen.
type Request struct {
	RequestID     int64      `json:"requestId"`
	QueueTime     time.Time  `json:"queueTime"`
	AssignTime    *time.Time `json:"assignTime,omitempty"`
	ReceiveTime   *time.Time `json:"receiveTime,omitempty"`
	FinishTime    *time.Time `json:"finishTime,omitempty"`
	Result        string     `json:"result,omitempty"`
	ServiceOwner  string     `json:"serviceOwner"`
	HostID        string     `json:"hostId"`
	ScopeID       string     `json:"scopeId"`
	PlanType      string     `json:"planType"`
	PlanID        string     `json:"planId"`
	JobID         string     `json:"jobId"`
	JobName       string     `json:"jobName,omitempty"`
	Demands       []string   `json:"demands"`
	MatchedAgents []AgentRef `json:"matchedAgents,omitempty"`
	ReservedAgent *AgentRef  `json:"reservedAgent,omitempty"`
	PoolID        int        `json:"poolId"`
	// Duration the job runs once assigned (stand-in only; 0: until Finish).
	Duration time.Duration `json:"-"`
}

// Pool is an agent pool with its agents and requests.
type Pool struct {
	ID       int
	Name     string
	Agents   []*Agent
	Requests []*Request
}

// Fault is a canned failure for the next Count calls whose path contains
// Path (all calls when empty).
type Fault struct {
	Path       string `json:"path"`
	Status     int    `json:"status"`
	Count      int    `json:"count"`
	RetryAfter string `json:"retryAfter"`
	Delay      time.Duration
}

// Org is one organization.
type Org struct {
	Name   string
	Tokens map[string]Identity // PAT or bearer token -> identity
	Pools  []*Pool
	// Rate limit [rate]: Limit TSTUs per identity in a sliding Window;
	// each call costs CallCost. Limit 0: no headers, never throttled.
	Limit    float64
	CallCost float64
	Window   time.Duration
	usage    map[string][]use // identity -> recent calls
	Faults   []*Fault
}

type use struct {
	at   time.Time
	cost float64
}

// Call is one request the server received.
type Call struct {
	Method, Org, Path, Query string
	Status                   int
	Identity                 string
	Scheme                   string // Basic or Bearer
}

// Server is the stand-in. Zero value unusable: use New.
type Server struct {
	mu     sync.Mutex
	orgs   map[string]*Org
	now    time.Time
	nextID int
	nextRq int64
	Calls  []Call
}

// New returns a server whose clock starts at now (the stand-in's clock only
// moves through SetNow/Advance: tests decide time).
func New(now time.Time) *Server {
	return &Server{orgs: map[string]*Org{}, now: now, nextID: 1, nextRq: 1000}
}

// AddOrg adds an organization with tokens; a pool per name.
func (s *Server) AddOrg(name string, tokens map[string]Identity, pools ...string) *Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &Org{Name: name, Tokens: tokens, usage: map[string][]use{}, Window: 5 * time.Minute, CallCost: 1}
	for _, p := range pools {
		o.Pools = append(o.Pools, &Pool{ID: 10 + len(o.Pools), Name: p})
	}
	s.orgs[name] = o
	return o
}

// Now is the stand-in's clock.
func (s *Server) Now() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }

// SetNow moves the clock (and lets jobs that ran their duration finish).
func (s *Server) SetNow(t time.Time) { s.mu.Lock(); s.now = t; s.tick(); s.mu.Unlock() }

// Advance moves the clock by d.
func (s *Server) Advance(d time.Duration) { s.SetNow(s.Now().Add(d)) }

func (s *Server) pool(org, pool string) *Pool {
	if o := s.orgs[org]; o != nil {
		for _, p := range o.Pools {
			if strings.EqualFold(p.Name, pool) {
				return p
			}
		}
	}
	return nil
}

// Register adds an agent directly (someone else's machine, or an agent left
// behind), with its status and when it last changed.
func (s *Server) Register(org, pool, name, status string, changed time.Time, caps map[string]string) *Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pool(org, pool)
	a := &Agent{ID: s.nextID, Name: name, Version: "4.261.0", OSDescription: "Linux", Enabled: true, Status: status,
		ProvisioningState: "Provisioned", MaxParallelism: 1, CreatedOn: changed, StatusChangedOn: changed, SystemCapabilities: caps}
	s.nextID++
	p.Agents = append(p.Agents, a)
	s.tick()
	return a
}

// SetStatus sets an agent online (its listener holds a session) or offline
// (it does not: stopped, killed, not started yet).
func (s *Server) SetStatus(org, pool, name, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pool(org, pool)
	if p == nil {
		return fmt.Errorf("no pool %s/%s", org, pool)
	}
	for _, a := range p.Agents {
		if a.Name == name {
			if a.Status != status {
				a.Status, a.StatusChangedOn = status, s.now
			}
			s.tick()
			return nil
		}
	}
	return fmt.Errorf("no agent %s in %s/%s", name, org, pool)
}

// Agents lists a pool's agents (copies).
func (s *Server) Agents(org, pool string) []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Agent
	for _, a := range s.pool(org, pool).Agents {
		out = append(out, *a)
	}
	return out
}

// Requests lists a pool's requests (copies).
func (s *Server) Requests(org, pool string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.pool(org, pool).Requests {
		out = append(out, *r)
	}
	return out
}

// NoAgentError is Azure DevOps failing a job at queue time [keda] [aca].
type NoAgentError struct{ Pool, Demands string }

func (e *NoAgentError) Error() string {
	return fmt.Sprintf("No agent found in pool %s which satisfies the specified demands: %s", e.Pool, e.Demands)
}

// Queue queues a job with demands ("name" or "name -equals value"). Azure
// DevOps fails it at once when no registered agent of the pool, online or
// offline, satisfies the demands; otherwise it waits until an enabled,
// online, idle agent that satisfies them takes it [keda] [aca].
func (s *Server) Queue(org, pool string, demands []string, runFor time.Duration) (*Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pool(org, pool)
	if p == nil {
		return nil, fmt.Errorf("no pool %s/%s", org, pool)
	}
	var matched []AgentRef
	for _, a := range p.Agents {
		if satisfies(a, demands) {
			matched = append(matched, AgentRef{ID: a.ID, Name: a.Name, Version: a.Version, Status: a.Status, Enabled: a.Enabled})
		}
	}
	if len(matched) == 0 {
		return nil, &NoAgentError{Pool: p.Name, Demands: strings.Join(demands, ", ")}
	}
	r := &Request{RequestID: s.nextRq, QueueTime: s.now, ServiceOwner: "00025394-6065-48ca-87d9-7f5672854ef7",
		HostID: "e1f2a3b4-0000-1111-2222-333344445555", ScopeID: "0d3c4a1b-0000-0000-0000-000000000001", PlanType: "Build",
		PlanID: fmt.Sprintf("plan-%d", s.nextRq), JobID: fmt.Sprintf("job-%d", s.nextRq), JobName: "Job",
		Demands: demands, MatchedAgents: matched, PoolID: p.ID, Duration: runFor}
	s.nextRq++
	p.Requests = append(p.Requests, r)
	s.tick()
	return r, nil
}

// Finish ends a request with result.
func (s *Server) Finish(org, pool string, id int64, result string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.pool(org, pool).Requests {
		if r.RequestID == id && r.FinishTime == nil {
			t := s.now
			r.FinishTime, r.Result = &t, result
		}
	}
	s.tick()
}

// Fail queues a fault for org.
func (s *Server) Fail(org string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs[org].Faults = append(s.orgs[org].Faults, &f)
}

// RateLimit sets org's limit (TSTUs per 5 minutes) and each call's cost.
func (s *Server) RateLimit(org string, limit, cost float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orgs[org].Limit, s.orgs[org].CallCost = limit, cost
}

// ResetCalls forgets the calls seen.
func (s *Server) ResetCalls() { s.mu.Lock(); s.Calls = nil; s.mu.Unlock() }

// CallsTo counts calls whose path contains part, by method.
func (s *Server) CallsTo(method, part string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.Calls {
		if (method == "" || c.Method == method) && strings.Contains(c.Path, part) {
			n++
		}
	}
	return n
}

// satisfies: every demand is a capability the agent has (system or user),
// "-equals" demands with that value (case-insensitive), as Azure Pipelines
// matches demands (learn.microsoft.com/azure/devops/pipelines/process/demands).
func satisfies(a *Agent, demands []string) bool {
	for _, d := range demands {
		name, want, eq := strings.Cut(d, " -equals ")
		v, ok := a.SystemCapabilities[strings.TrimSpace(name)]
		if !ok {
			v, ok = a.UserCapabilities[strings.TrimSpace(name)]
		}
		if !ok || (eq && !strings.EqualFold(v, strings.TrimSpace(want))) {
			return false
		}
	}
	return true
}

// tick finishes requests that ran their duration and assigns waiting ones,
// oldest first, to enabled, online, idle agents that satisfy their demands.
// Lock held.
func (s *Server) tick() {
	for _, o := range s.orgs {
		for _, p := range o.Pools {
			busy := map[int]bool{}
			for _, r := range p.Requests {
				if r.FinishTime == nil && r.AssignTime != nil && r.Duration > 0 && !r.AssignTime.Add(r.Duration).After(s.now) {
					t := r.AssignTime.Add(r.Duration)
					r.FinishTime, r.Result = &t, "succeeded"
				}
				if r.FinishTime == nil && r.ReservedAgent != nil {
					busy[r.ReservedAgent.ID] = true
				}
			}
			for _, r := range p.Requests {
				if r.FinishTime != nil || r.ReservedAgent != nil {
					continue
				}
				for _, a := range p.Agents {
					if a.Enabled && a.Status == "online" && !busy[a.ID] && satisfies(a, r.Demands) {
						t := s.now
						r.AssignTime, r.ReceiveTime = &t, &t
						r.ReservedAgent = &AgentRef{ID: a.ID, Name: a.Name, Version: a.Version, Status: a.Status, Enabled: a.Enabled}
						busy[a.ID] = true
						break
					}
				}
			}
		}
	}
}
