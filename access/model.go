package access

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Hub is what the hub template grants, resolved.
type Hub struct {
	Stack         string
	Account       string
	Region        string
	RepositoryArn string
	RepoPolicy    map[string]any
	TokenKeyArn   string
	KeyAliases    []string
	KeyPolicy     map[string]any
	SecretArn     string
	SecretPolicy  map[string]any
	// Replicas of the repository, by region (stacks of the hub account
	// with a repository and no secret).
	Replicas map[string]Replica
	// Minter is the role that mints the agents' Entra token (nil with a
	// PAT; access/minter.go).
	Minter *Role
}

// Replica is the agent repository's replica in one region, resolved: the
// repository's policy, and the policy its creation template would give a
// repository replication creates.
type Replica struct {
	Stack          string
	RepositoryArn  string
	RepoPolicy     map[string]any
	TemplatePolicy map[string]any
}

// Repository is the repository a spoke in region pulls from: its region's
// replica, or the hub's.
func (h *Hub) Repository(region string) (arn string, policy map[string]any) {
	if r, ok := h.Replicas[region]; ok {
		return r.RepositoryArn, r.RepoPolicy
	}
	return h.RepositoryArn, h.RepoPolicy
}

// Role is a spoke role with its identity policies, resolved.
type Role struct {
	Arn      string
	Policies []NamedPolicy
}

// NamedPolicy is an identity policy document and its name.
type NamedPolicy struct {
	Name   string         `json:"name"`
	Policy map[string]any `json:"policy"`
}

// Spoke is what a spoke template gives its roles, resolved.
type Spoke struct {
	Stack, Account, Region  string
	Execution, Lookup, Task Role
}

// Extract finds the hub (the stack with the agent repository) and the spokes
// (stacks with an agent task definition) and resolves their policies.
func Extract(stacks []Stack) (*Hub, []Spoke, error) {
	var hub *Hub
	var spokes []Spoke
	replicas := map[string]Replica{}
	for _, s := range stacks {
		switch {
		case len(s.ofType("AWS::ECR::Repository")) > 0 && len(s.ofType("AWS::SecretsManager::Secret")) == 0:
			r, err := extractReplica(s)
			if err != nil {
				return nil, nil, err
			}
			replicas[s.Region] = r
		case len(s.ofType("AWS::ECR::Repository")) > 0:
			if hub != nil {
				return nil, nil, fmt.Errorf("two hub stacks: %s and %s", hub.Stack, s.Name)
			}
			h, err := extractHub(s)
			if err != nil {
				return nil, nil, err
			}
			if h.Minter, err = extractMinter(s); err != nil {
				return nil, nil, err
			}
			hub = h
		case len(s.ofType("AWS::ECS::TaskDefinition")) > 0:
			sp, err := extractSpoke(s)
			if err != nil {
				return nil, nil, err
			}
			spokes = append(spokes, sp)
		}
	}
	if hub == nil {
		return nil, nil, fmt.Errorf("no hub stack (with an ECR repository) in the assembly")
	}
	hub.Replicas = replicas
	return hub, spokes, nil
}

func extractReplica(s Stack) (Replica, error) {
	r := resolver{s}
	_, repo, err := one(s, "AWS::ECR::Repository")
	if err != nil {
		return Replica{}, err
	}
	name, _ := props(repo)["RepositoryName"].(string)
	out := Replica{Stack: s.Name, RepositoryArn: fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.partition(), s.Region, s.Account, name)}
	if out.RepoPolicy, err = resolvedDoc(r, props(repo)["RepositoryPolicyText"], "RepositoryPolicyText"); err != nil {
		return Replica{}, err
	}
	_, tpl, err := one(s, "AWS::ECR::RepositoryCreationTemplate")
	if err != nil {
		return Replica{}, err
	}
	text, err := r.resolve(props(tpl)["RepositoryPolicy"], "RepositoryPolicy")
	if err != nil {
		return Replica{}, err
	}
	str, ok := text.(string)
	if !ok || json.Unmarshal([]byte(str), &out.TemplatePolicy) != nil {
		return Replica{}, fmt.Errorf("%s: the creation template's RepositoryPolicy is not policy JSON: %v", s.Name, text)
	}
	return out, nil
}

func one(s Stack, typ string) (string, map[string]any, error) {
	ids := s.ofType(typ)
	if len(ids) != 1 {
		return "", nil, fmt.Errorf("%s: want one %s, found %d", s.Name, typ, len(ids))
	}
	return ids[0], s.resources()[ids[0]], nil
}

func extractHub(s Stack) (*Hub, error) {
	r := resolver{s}
	h := &Hub{Stack: s.Name, Account: s.Account, Region: s.Region}
	_, repo, err := one(s, "AWS::ECR::Repository")
	if err != nil {
		return nil, err
	}
	name, _ := props(repo)["RepositoryName"].(string)
	h.RepositoryArn = fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", r.partition(), s.Region, s.Account, name)
	if h.RepoPolicy, err = resolvedDoc(r, props(repo)["RepositoryPolicyText"], "RepositoryPolicyText"); err != nil {
		return nil, err
	}
	secretID, secret, err := one(s, "AWS::SecretsManager::Secret")
	if err != nil {
		return nil, err
	}
	sname, _ := props(secret)["Name"].(string)
	h.SecretArn = fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s%s", r.partition(), s.Region, s.Account, sname, SimulatedSecretSuffix)
	for _, id := range s.ofType("AWS::SecretsManager::ResourcePolicy") {
		p := props(s.resources()[id])
		if ref, _ := p["SecretId"].(map[string]any); ref["Ref"] == secretID {
			if h.SecretPolicy, err = resolvedDoc(r, p["ResourcePolicy"], id); err != nil {
				return nil, err
			}
		}
	}
	// The token key is the key that encrypts the secret.
	keyRef, _ := props(secret)["KmsKeyId"].(map[string]any)
	att, _ := keyRef["Fn::GetAtt"].([]any)
	if len(att) != 2 {
		return nil, fmt.Errorf("%s: the secret's KmsKeyId is not a key of this stack", s.Name)
	}
	keyID := att[0].(string)
	key, ok := s.resources()[keyID]
	if !ok {
		return nil, fmt.Errorf("%s: no key %s", s.Name, keyID)
	}
	h.TokenKeyArn, _ = r.getAtt(keyID, "Arn")
	if h.KeyPolicy, err = resolvedDoc(r, props(key)["KeyPolicy"], keyID); err != nil {
		return nil, err
	}
	for _, id := range s.ofType("AWS::KMS::Alias") {
		p := props(s.resources()[id])
		if t, _ := p["TargetKeyId"].(map[string]any); t != nil {
			if a, _ := t["Fn::GetAtt"].([]any); len(a) == 2 && a[0] == keyID {
				h.KeyAliases = append(h.KeyAliases, p["AliasName"].(string))
			}
		}
	}
	return h, nil
}

func extractSpoke(s Stack) (Spoke, error) {
	r := resolver{s}
	sp := Spoke{Stack: s.Name, Account: s.Account, Region: s.Region}
	res := s.resources()
	for _, id := range s.ofType("AWS::IAM::Role") {
		name := r.roleName(id, res[id])
		var dst *Role
		switch {
		case strings.HasSuffix(name, "-exec"):
			dst = &sp.Execution
		case strings.HasSuffix(name, "-lookup"):
			dst = &sp.Lookup
		case strings.HasPrefix(id, "AgentsTaskRole"):
			dst = &sp.Task
		default:
			continue // roles of aws-cdk-lib helpers: not part of the trust
		}
		role, err := roleWithPolicies(s, r, res, id)
		if err != nil {
			return sp, err
		}
		*dst = role
	}
	for what, role := range map[string]Role{"execution": sp.Execution, "look-up": sp.Lookup, "task": sp.Task} {
		if role.Arn == "" {
			return sp, fmt.Errorf("%s: no %s role found", s.Name, what)
		}
	}
	sort.Slice(sp.Execution.Policies, func(i, j int) bool { return sp.Execution.Policies[i].Name < sp.Execution.Policies[j].Name })
	return sp, nil
}

// roleWithPolicies is the role of logical id id with its identity
// policies: its inline Policies and every AWS::IAM::Policy attached to it
// (Roles: [{Ref: id}]), resolved.
func roleWithPolicies(s Stack, r resolver, res map[string]map[string]any, id string) (Role, error) {
	role := Role{Arn: r.roleArn(id, res[id])}
	inline, _ := props(res[id])["Policies"].([]any)
	for i, p := range inline {
		pm, _ := p.(map[string]any)
		doc, err := resolvedDoc(r, pm["PolicyDocument"], fmt.Sprintf("%s.Policies[%d]", id, i))
		if err != nil {
			return role, err
		}
		name, _ := pm["PolicyName"].(string)
		role.Policies = append(role.Policies, NamedPolicy{Name: name, Policy: doc})
	}
	for _, pid := range s.ofType("AWS::IAM::Policy") {
		pp := props(res[pid])
		roles, _ := pp["Roles"].([]any)
		for _, ref := range roles {
			if m, _ := ref.(map[string]any); m["Ref"] == id {
				doc, err := resolvedDoc(r, pp["PolicyDocument"], pid)
				if err != nil {
					return role, err
				}
				role.Policies = append(role.Policies, NamedPolicy{Name: pid, Policy: doc})
			}
		}
	}
	return role, nil
}

func resolvedDoc(r resolver, v any, path string) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	out, err := r.resolve(v, path)
	if err != nil {
		return nil, err
	}
	doc, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a policy document", r.stack.Name, path)
	}
	return doc, nil
}
