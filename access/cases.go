package access

import (
	"fmt"
	"strings"
)

// Decisions a case can expect.
const (
	Allowed = "Allowed"
	Denied  = "Denied"
)

// Case is one request and the decision it must get.
type Case struct {
	Spoke     string
	Who       string // which principal, in words
	Principal string
	Action    string
	Resource  string
	Expect    string
	sim       map[string]any
}

// outsiderAccount is an account that is no spoke of any fleet.
const outsiderAccount = "999999999999"

// otherOrganization is an organization that is not the hub's.
const otherOrganization = "o-otherorg0000"

var adminPolicy = []NamedPolicy{{Name: "AdministratorAccess", Policy: map[string]any{
	"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}},
}}}

// Cases lists, for every spoke, what its roles must be able to do in the hub
// and what they and others must not.
func Cases(hub *Hub, spokes []Spoke) []Case {
	org := organizationID(hub)
	ous := orgPaths(hub)
	// A principal in a trusted OU (the first), and one in another OU of the
	// same organization.
	var inOU, otherOU []any
	if len(ous) > 0 {
		inOU = []any{strings.TrimSuffix(ous[0], "*")}
		root := strings.Join(strings.SplitN(ous[0], "/", 3)[:2], "/")
		otherOU = []any{root + "/ou-zzzz-99999999/"}
	}
	viaSM := "secretsmanager." + hub.Region + ".amazonaws.com"
	var out []Case
	for i, sp := range spokes {
		c := caseBuilder{hub: hub, spoke: sp, org: org, orgPaths: inOU}
		exec, lookup, task := sp.Execution, sp.Lookup, sp.Task
		// What the agents need.
		for _, a := range []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"} {
			out = append(out, c.repo("execution role", exec, a, Allowed))
		}
		out = append(out,
			c.authToken("execution role", exec, Allowed),
			c.key("execution role", exec, "kms:Decrypt", viaSM, Allowed),
			c.secret("execution role", exec, "secretsmanager:GetSecretValue", Allowed),
			c.secret("look-up role", lookup, "secretsmanager:DescribeSecret", Allowed),
			// The preflight (same role) checks the image tag, and pulls nothing.
			c.repo("look-up role", lookup, "ecr:DescribeImages", Allowed),
			c.repo("look-up role", lookup, "ecr:BatchGetImage", Denied),
		)
		if _, ok := hub.Replicas[sp.Region]; ok {
			// A spoke with a replica pulls there only; the replica a
			// creation template would make lets in the same roles.
			out = append(out,
				c.hubRepo("execution role, from the hub's region", exec, "ecr:BatchGetImage", Denied),
				c.templateRepo("execution role, replica made by the creation template", exec, "ecr:BatchGetImage", Allowed),
				c.templateRepo("look-up role, replica made by the creation template", lookup, "ecr:DescribeImages", Allowed),
				c.templateRepo("other admin role in the spoke account, replica made by the creation template",
					Role{Arn: fmt.Sprintf("arn:%s:iam::%s:role/intruder", partitionOf(sp.Region), sp.Account), Policies: adminPolicy}, "ecr:BatchGetImage", Denied))
		}
		// Nothing more for the execution role.
		for _, a := range []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy"} {
			out = append(out, c.repo("execution role", exec, a, Denied))
		}
		out = append(out,
			c.key("execution role", exec, "kms:Encrypt", viaSM, Denied),
			c.key("execution role", exec, "kms:GenerateDataKey", viaSM, Denied),
			c.key("execution role, not through Secrets Manager", exec, "kms:Decrypt", "", Denied),
			c.key("execution role", exec, "kms:CreateGrant", viaSM, Denied),
			c.secret("execution role", exec, "secretsmanager:PutSecretValue", Denied),
			c.secret("execution role", exec, "secretsmanager:DeleteSecret", Denied),
			c.secret("look-up role", lookup, "secretsmanager:GetSecretValue", Denied),
			c.key("look-up role", lookup, "kms:Decrypt", viaSM, Denied),
		)
		// Nobody else, however much their own account allows them.
		intruder := Role{Arn: fmt.Sprintf("arn:%s:iam::%s:role/intruder", partitionOf(sp.Region), sp.Account), Policies: adminPolicy}
		outsider := Role{Arn: fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(sp.Region), outsiderAccount, roleName(exec.Arn)), Policies: adminPolicy}
		others := []struct {
			what string
			role Role
		}{{"task role", task}, {"other admin role in the spoke account", intruder}}
		if org == "" {
			others = append(others, struct {
				what string
				role Role
			}{"execution role's name in a non-spoke account", outsider})
		} else {
			// Organization mode trusts the role name in every account of the
			// organization: the documented trade-off, shown in the matrix.
			by := "execution role's name in another account of the organization (trusted by design)"
			if len(ous) > 0 {
				by = "execution role's name in another account of a trusted OU (trusted by design)"
				elsewhere := caseBuilder{hub: hub, spoke: sp, org: org, orgPaths: otherOU}
				what := "execution role's name in an account of another OU of the organization"
				out = append(out,
					elsewhere.repo(what, outsider, "ecr:BatchGetImage", Denied),
					elsewhere.secret(what, outsider, "secretsmanager:GetSecretValue", Denied),
					elsewhere.key(what, outsider, "kms:Decrypt", viaSM, Denied))
			}
			out = append(out,
				c.repo(by, outsider, "ecr:BatchGetImage", Allowed),
				c.secret(by, outsider, "secretsmanager:GetSecretValue", Allowed),
				c.key(by, outsider, "kms:Decrypt", viaSM, Allowed))
		}
		for _, who := range others {
			out = append(out,
				c.repo(who.what, who.role, "ecr:BatchGetImage", Denied),
				c.secret(who.what, who.role, "secretsmanager:GetSecretValue", Denied),
				c.key(who.what, who.role, "kms:Decrypt", viaSM, Denied))
		}
		if org == "" && len(spokes) > 1 {
			// Another spoke's role name, created in this spoke's account.
			other := spokes[(i+1)%len(spokes)]
			swapped := Role{Arn: fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(sp.Region), sp.Account, roleName(other.Execution.Arn)), Policies: adminPolicy}
			out = append(out,
				c.repo("another spoke's role name in this account", swapped, "ecr:BatchGetImage", Denied),
				c.secret("another spoke's role name in this account", swapped, "secretsmanager:GetSecretValue", Denied))
		}
		if org != "" {
			foreign := caseBuilder{hub: hub, spoke: sp, org: otherOrganization}
			stranger := Role{Arn: fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(sp.Region), outsiderAccount, roleName(exec.Arn)), Policies: adminPolicy}
			out = append(out,
				foreign.repo("execution role's name in another organization", stranger, "ecr:BatchGetImage", Denied),
				foreign.secret("execution role's name in another organization", stranger, "secretsmanager:GetSecretValue", Denied),
				foreign.key("execution role's name in another organization", stranger, "kms:Decrypt", viaSM, Denied))
		}
	}
	return append(out, minterCases(hub, spokes)...)
}

type caseBuilder struct {
	hub      *Hub
	spoke    Spoke
	org      string
	orgPaths []any // aws:PrincipalOrgPaths of the caller, in OU mode
}

// repo: the repository the spoke pulls from (its region's replica, or the
// hub's).
func (c caseBuilder) repo(who string, role Role, action, expect string) Case {
	arn, policy := c.hub.Repository(c.spoke.Region)
	return c.build(who, role, action, arn, c.hub.Account, policy, nil, expect)
}

// hubRepo: the hub region's repository, whatever the spoke's region.
func (c caseBuilder) hubRepo(who string, role Role, action, expect string) Case {
	return c.build(who, role, action, c.hub.RepositoryArn, c.hub.Account, c.hub.RepoPolicy, nil, expect)
}

// templateRepo: a replica repository as its creation template would make
// it (replication re-creating a deleted replica).
func (c caseBuilder) templateRepo(who string, role Role, action, expect string) Case {
	r := c.hub.Replicas[c.spoke.Region]
	return c.build(who, role, action, r.RepositoryArn, c.hub.Account, r.TemplatePolicy, nil, expect)
}

func (c caseBuilder) secret(who string, role Role, action, expect string) Case {
	return c.build(who, role, action, c.hub.SecretArn, c.hub.Account, c.hub.SecretPolicy, nil, expect)
}

func (c caseBuilder) key(who string, role Role, action, via, expect string) Case {
	ctx := map[string]any{"kms:CallerAccount": accountOf(role.Arn), "kms:ResourceAliases": toAny(c.hub.KeyAliases)}
	if via != "" {
		ctx["kms:ViaService"] = via
	}
	return c.build(who, role, action, c.hub.TokenKeyArn, c.hub.Account, c.hub.KeyPolicy, ctx, expect)
}

// authToken: GetAuthorizationToken is an account-level call in the caller's
// own account; only the identity policy decides it.
func (c caseBuilder) authToken(who string, role Role, expect string) Case {
	return c.build(who, role, "ecr:GetAuthorizationToken", "*", accountOf(role.Arn), nil, nil, expect)
}

func (c caseBuilder) build(who string, role Role, action, resource, resourceAccount string, resourcePolicy map[string]any, extra map[string]any, expect string) Case {
	ctx := map[string]any{
		"aws:PrincipalArn":     role.Arn,
		"aws:PrincipalAccount": accountOf(role.Arn),
		"aws:ResourceAccount":  resourceAccount,
	}
	if c.org != "" {
		ctx["aws:PrincipalOrgID"] = c.org
	}
	if len(c.orgPaths) > 0 {
		ctx["aws:PrincipalOrgPaths"] = c.orgPaths
	}
	for k, v := range extra {
		ctx[k] = v
	}
	identity := role.Policies
	if identity == nil {
		identity = []NamedPolicy{}
	}
	sim := map[string]any{
		"request": map[string]any{
			"principal":        role.Arn,
			"action":           action,
			"resource":         map[string]any{"resource": resource, "accountId": resourceAccount},
			"contextVariables": ctx,
		},
		"identityPolicies":        identity,
		"serviceControlPolicies":  []any{},
		"resourceControlPolicies": []any{},
	}
	if resourcePolicy != nil {
		sim["resourcePolicy"] = resourcePolicy
	}
	return Case{Spoke: c.spoke.Stack, Who: who, Principal: role.Arn, Action: action, Resource: resource, Expect: expect, sim: sim}
}

// orgPaths are the organizational-unit patterns the hub policies trust (OU
// mode), if any.
func orgPaths(h *Hub) []string {
	for _, doc := range []map[string]any{h.RepoPolicy, h.KeyPolicy, h.SecretPolicy} {
		sts, _ := doc["Statement"].([]any)
		for _, s := range sts {
			cond, _ := s.(map[string]any)["Condition"].(map[string]any)
			if m, ok := cond["ForAnyValue:StringLike"].(map[string]any); ok {
				switch v := m["aws:PrincipalOrgPaths"].(type) {
				case string:
					return []string{v}
				case []any:
					var out []string
					for _, x := range v {
						out = append(out, fmt.Sprint(x))
					}
					return out
				}
			}
		}
	}
	return nil
}

// organizationID is the organization the hub policies trust, if any.
func organizationID(h *Hub) string {
	for _, doc := range []map[string]any{h.RepoPolicy, h.KeyPolicy, h.SecretPolicy} {
		sts, _ := doc["Statement"].([]any)
		for _, s := range sts {
			cond, _ := s.(map[string]any)["Condition"].(map[string]any)
			for _, kv := range cond {
				if m, ok := kv.(map[string]any); ok {
					if id, ok := m["aws:PrincipalOrgID"].(string); ok {
						return id
					}
				}
			}
		}
	}
	return ""
}

func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 4 {
		return parts[4]
	}
	return ""
}

func roleName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
