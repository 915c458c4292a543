// Package access proves the cross-account trust from the synthesized cloud
// assembly: it reads the hub resource policies and the spoke identity
// policies out of the templates, builds the requests every spoke should and
// should not be able to make, and has an IAM policy simulator decide them.
package access

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stack is one synthesized stack with its environment.
type Stack struct {
	Name, Account, Region string
	Template              map[string]any
}

// ReadAssembly reads every CloudFormation stack of the cloud assembly in dir.
func ReadAssembly(dir string) ([]Stack, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("reading cloud assembly: %w", err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type        string
			Environment string
			Properties  struct{ TemplateFile string }
		}
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return nil, fmt.Errorf("parsing %s/manifest.json: %w", dir, err)
	}
	var out []Stack
	for name, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		// aws://ACCOUNT/REGION
		env := strings.Split(strings.TrimPrefix(a.Environment, "aws://"), "/")
		if len(env) != 2 {
			return nil, fmt.Errorf("stack %s has no concrete environment (%q)", name, a.Environment)
		}
		tb, err := os.ReadFile(filepath.Join(dir, a.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		var tpl map[string]any
		if err := json.Unmarshal(tb, &tpl); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", a.Properties.TemplateFile, err)
		}
		out = append(out, Stack{Name: name, Account: env[0], Region: env[1], Template: tpl})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// resources returns the template's resources by logical id.
func (s Stack) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	rs, _ := s.Template["Resources"].(map[string]any)
	for id, r := range rs {
		if m, ok := r.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

// ofType returns the logical ids of resources of a type, sorted.
func (s Stack) ofType(typ string) []string {
	var ids []string
	for id, r := range s.resources() {
		if r["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}
