package config

// The hub's agent token source: a personal access token a person stores
// (pat, the default), or short-lived Microsoft Entra tokens the hub mints
// itself through workload identity federation (entra).

import (
	"regexp"
	"strings"
)

// Token sources.
const (
	TokenSourcePAT   = "pat"
	TokenSourceEntra = "entra"
)

// AgentTokenSource says where the agent registration token in the hub secret
// comes from.
type AgentTokenSource struct {
	// Source is TokenSourcePAT (default) or TokenSourceEntra.
	Source string
	// TenantID and ClientID (GUIDs) name the Entra tenant and the app
	// registration (or user-assigned managed identity) whose federated
	// credential trusts the hub's minting role; entra only.
	TenantID, ClientID string
}

// Federated reports whether the hub mints Entra tokens.
func (s AgentTokenSource) Federated() bool { return s.Source == TokenSourceEntra }

type agentTokenFile struct {
	Source   string `yaml:"source"`
	TenantID string `yaml:"tenantId"`
	ClientID string `yaml:"clientId"`
	// Read only to refuse them: no credential belongs in the fleet file.
	ClientSecret *string `yaml:"clientSecret"`
	PAT          *string `yaml:"pat"`
	Token        *string `yaml:"token"`
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func resolveAgentToken(t *agentTokenFile, c *collector) AgentTokenSource {
	if t == nil {
		return AgentTokenSource{Source: TokenSourcePAT}
	}
	const p = "hub.agentToken"
	s := AgentTokenSource{Source: strings.ToLower(strings.TrimSpace(t.Source)), TenantID: t.TenantID, ClientID: t.ClientID}
	if s.Source == "" {
		s.Source = TokenSourcePAT
	}
	// The values of these keys are never shown: whatever was pasted there
	// is a credential.
	for key, v := range map[string]*string{"clientSecret": t.ClientSecret, "pat": t.PAT, "token": t.Token} {
		if v != nil {
			c.add(p+"."+key, "no credential belongs in the fleet file (it is read by CI and kept in git): remove this key and revoke the value it held; %s", credentialHome(s.Source))
		}
	}
	switch s.Source {
	case TokenSourcePAT:
		for key, v := range map[string]string{"tenantId": t.TenantID, "clientId": t.ClientID} {
			if v != "" {
				c.add(p+"."+key, "is used only with source: entra; add source: entra to mint Entra tokens, or remove %s to keep the personal access token", key)
			}
		}
	case TokenSourceEntra:
		for key, v := range map[string]string{"tenantId": t.TenantID, "clientId": t.ClientID} {
			what := map[string]string{"tenantId": "the Entra tenant (Directory) id: az account show --query tenantId", "clientId": "the app registration's Application (client) id: az ad app list --display-name <name> --query [].appId"}[key]
			switch {
			case v == "":
				c.add(p+"."+key, "is required with source: entra: %s", what)
			case !guidRe.MatchString(v):
				c.add(p+"."+key, "%q is not a GUID (8-4-4-4-12 hexadecimal digits, no braces): use %s", v, what)
			}
		}
	default:
		c.add(p+".source", "%q is not a token source: use pat (a personal access token stored in the hub secret, the default) or entra (the hub mints short-lived Entra tokens; see docs/token.md)", t.Source)
	}
	return s
}

func credentialHome(source string) string {
	if source == TokenSourceEntra {
		return "with source: entra the hub needs no secret at all (it federates its own AWS identity)"
	}
	return "a personal access token goes into the hub secret with aws secretsmanager put-secret-value"
}
