package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Result is a case with the simulator's decision.
type Result struct {
	Case
	Decision  string   // Allowed, ImplicitlyDenied, ExplicitlyDenied, Error
	DecidedBy []string // the statements that matched
	Errors    any
}

// OK reports whether the decision is the expected one.
func (r Result) OK() bool {
	if r.Expect == Allowed {
		return r.Decision == "Allowed"
	}
	return strings.HasSuffix(r.Decision, "Denied")
}

// String describes a result for a failure message.
func (r Result) String() string {
	s := fmt.Sprintf("%s: %s %s on %s: expected %s, got %s", r.Spoke, r.Who, r.Action, r.Resource, r.Expect, r.Decision)
	if len(r.DecidedBy) > 0 {
		s += "; decided by " + strings.Join(r.DecidedBy, ", ")
	} else {
		s += "; no statement matched"
	}
	if r.Errors != nil {
		b, _ := json.Marshal(r.Errors)
		s += "; simulator errors: " + string(b)
	}
	return s
}

// Run decides every case with one node process running
// tools/iam-simulate/simulate.mjs under root.
func Run(root string, cases []Case) ([]Result, error) {
	type request struct {
		ID         int            `json:"id"`
		Simulation map[string]any `json:"simulation"`
	}
	reqs := make([]request, len(cases))
	for i, c := range cases {
		reqs[i] = request{ID: i, Simulation: c.sim}
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(root, "tools", "iam-simulate", "simulate.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("iam-simulate: %v: %s (run npm ci to install it)", err, stderr.String())
	}
	var decisions []struct {
		ID        int
		Decision  string
		DecidedBy []string
		Errors    any
	}
	if err := json.Unmarshal(out, &decisions); err != nil {
		return nil, fmt.Errorf("iam-simulate output: %w", err)
	}
	if len(decisions) != len(cases) {
		return nil, fmt.Errorf("iam-simulate answered %d of %d requests", len(decisions), len(cases))
	}
	results := make([]Result, len(cases))
	for _, d := range decisions {
		results[d.ID] = Result{Case: cases[d.ID], Decision: d.Decision, DecidedBy: d.DecidedBy, Errors: d.Errors}
	}
	return results, nil
}
