package access

import (
	"fmt"
	"strings"
)

// minterRoleSuffix ends the name of the hub role that mints the agents'
// Entra token (stacks.TokenMinterRoleName), present with
// hub.agentToken.source entra.
const minterRoleSuffix = "-token-minter"

// entraAudience is the only audience the minting role may ask STS for.
const entraAudience = "api://AzureADTokenExchange"

// extractMinter finds the minting role of the hub stack and its identity
// policies; nil when the hub has none (a PAT fleet).
func extractMinter(s Stack) (*Role, error) {
	r := resolver{s}
	res := s.resources()
	for _, id := range s.ofType("AWS::IAM::Role") {
		if !strings.HasSuffix(r.roleName(id, res[id]), minterRoleSuffix) {
			continue
		}
		role, err := roleWithPolicies(s, r, res, id)
		if err != nil {
			return nil, err
		}
		return &role, nil
	}
	return nil, nil
}

// minterCases: the minting role may get a web identity token for Entra
// only, for at most 300 s, and write (not read) the secret; no spoke role
// may get a web identity token or write the secret.
func minterCases(hub *Hub, spokes []Spoke) []Case {
	if hub.Minter == nil {
		return nil
	}
	m := *hub.Minter
	c := caseBuilder{hub: hub, spoke: Spoke{Stack: hub.Stack}, org: organizationID(hub)}
	viaSM := "secretsmanager." + hub.Region + ".amazonaws.com"
	sts := func(who string, role Role, audience []any, seconds int, expect string) Case {
		ctx := map[string]any{"sts:IdentityTokenAudience": audience, "sts:DurationSeconds": fmt.Sprint(seconds), "sts:SigningAlgorithm": "RS256"}
		return c.build(who, role, "sts:GetWebIdentityToken", "*", accountOf(role.Arn), nil, ctx, expect)
	}
	out := []Case{
		sts("token minter, Entra audience, 300 s", m, []any{entraAudience}, 300, Allowed),
		sts("token minter, Entra audience, 60 s", m, []any{entraAudience}, 60, Allowed),
		sts("token minter, Entra audience, 3600 s", m, []any{entraAudience}, 3600, Denied),
		sts("token minter, another audience", m, []any{"https://api.example.com"}, 300, Denied),
		sts("token minter, Entra and another audience", m, []any{entraAudience, "https://api.example.com"}, 300, Denied),
		c.secret("token minter", m, "secretsmanager:PutSecretValue", Allowed),
		c.secret("token minter", m, "secretsmanager:GetSecretValue", Denied),
		c.secret("token minter", m, "secretsmanager:DeleteSecret", Denied),
		c.key("token minter", m, "kms:GenerateDataKey", viaSM, Allowed),
		c.key("token minter, not through Secrets Manager", m, "kms:GenerateDataKey", "", Denied),
		c.key("token minter", m, "kms:Decrypt", viaSM, Denied),
	}
	for _, sp := range spokes {
		sc := caseBuilder{hub: hub, spoke: sp, org: c.org}
		for what, role := range map[string]Role{"execution role": sp.Execution, "task role": sp.Task, "look-up role": sp.Lookup} {
			ctx := map[string]any{"sts:IdentityTokenAudience": []any{entraAudience}, "sts:DurationSeconds": "300"}
			out = append(out,
				sc.build(what, role, "sts:GetWebIdentityToken", "*", accountOf(role.Arn), nil, ctx, Denied),
				sc.secret(what, role, "secretsmanager:PutSecretValue", Denied))
		}
	}
	return out
}
