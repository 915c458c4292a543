package config

import (
	"errors"
	"strings"
	"testing"
)

// withToken puts an agentToken section (lines indented under hub:) into the
// base fleet, right after the hub's secretName (line 5): the section starts
// on line 6.
func withToken(t *testing.T, section string) string {
	t.Helper()
	y := base(t)
	const at = "  secretName: hubspoke/agent-token\n"
	if !strings.Contains(y, at) {
		t.Fatal("test bug: base fleet has no secretName line")
	}
	return strings.Replace(y, at, at+"  agentToken:\n"+section, 1)
}

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	client = "0f5c1a3e-8b2d-4c6e-9a7f-1e2d3c4b5a69"
)

func TestAgentTokenSource(t *testing.T) {
	f, err := Parse("f.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Hub.AgentToken != (AgentTokenSource{Source: "pat"}) || f.Hub.AgentToken.Federated() {
		t.Errorf("no agentToken section: %+v, want source pat", f.Hub.AgentToken)
	}
	f, err = Parse("f.yaml", []byte(withToken(t, "    source: entra\n    tenantId: "+tenant+"\n    clientId: "+client+"\n")))
	if err != nil {
		t.Fatal(err)
	}
	want := AgentTokenSource{Source: "entra", TenantID: tenant, ClientID: client}
	if f.Hub.AgentToken != want || !f.Hub.AgentToken.Federated() {
		t.Errorf("entra: %+v, want %+v", f.Hub.AgentToken, want)
	}
	f, err = Parse("f.yaml", []byte(withToken(t, "    source: pat\n")))
	if err != nil || f.Hub.AgentToken.Federated() {
		t.Errorf("source: pat: %+v, %v", f.Hub.AgentToken, err)
	}
}

func TestAgentTokenMistakes(t *testing.T) {
	const secret = "Zq8~Jm2vN4pXr7sT9uWy1aB3cD5eF7gH9iK" // what a client secret looks like
	const pat = "3x7kq2mzt5vbn8wlr4hdy6jc9gfp0sa1ue3xi5ow7nqk2zmt4vbp"
	for _, tc := range []struct {
		name, section string
		path, msg     string
		line          int
		hidden        string // must not appear in the error
	}{
		{"unknown source", "    source: oidc\n", "hub.agentToken.source", `"oidc" is not a token source: use pat`, 7, ""},
		{"entra without ids", "    source: entra\n", "hub.agentToken.tenantId", "is required with source: entra: the Entra tenant (Directory) id: az account show", 7, ""},
		{"entra without client id", "    source: entra\n    tenantId: " + tenant + "\n", "hub.agentToken.clientId", "is required with source: entra: the app registration's Application (client) id", 7, ""},
		{"tenant not a GUID", "    source: entra\n    tenantId: contoso.onmicrosoft.com\n    clientId: " + client + "\n", "hub.agentToken.tenantId", `"contoso.onmicrosoft.com" is not a GUID`, 8, ""},
		{"client id with braces", "    source: entra\n    tenantId: " + tenant + "\n    clientId: \"{" + client + "}\"\n", "hub.agentToken.clientId", "is not a GUID (8-4-4-4-12 hexadecimal digits, no braces)", 9, ""},
		{"ids without entra", "    tenantId: " + tenant + "\n", "hub.agentToken.tenantId", "is used only with source: entra", 7, ""},
		{"client secret", "    source: entra\n    tenantId: " + tenant + "\n    clientId: " + client + "\n    clientSecret: " + secret + "\n", "hub.agentToken.clientSecret", "no credential belongs in the fleet file", 10, secret},
		{"pat pasted", "    pat: " + pat + "\n", "hub.agentToken.pat", "goes into the hub secret with aws secretsmanager put-secret-value", 7, pat},
		{"typo", "    sorce: entra\n", "hub.agentToken.sorce", `did you mean "source"`, 7, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("fleet.yaml", []byte(withToken(t, tc.section)))
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want *Problems, got %v", err)
			}
			if tc.hidden != "" && strings.Contains(err.Error(), tc.hidden) {
				t.Errorf("the error shows the credential:\n%s", err)
			}
			for _, p := range probs.List {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					if p.Line != tc.line {
						t.Errorf("%s reported on line %d, want %d", p.Path, p.Line, tc.line)
					}
					return
				}
			}
			t.Errorf("no problem at %q containing %q; got:\n%s", tc.path, tc.msg, err)
		})
	}
}
