package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/config"
	hsconstructs "hubspoke-cdk/constructs"
)

// TokenMinterRoleName is the hub role that mints the agents' Entra token:
// the subject of its web identity tokens, which Entra's federated
// credential names, is its ARN.
const TokenMinterRoleName = rolePrefix + "token-minter"

// TokenMinterSubject is the subject (sub) the federated credential must name.
func TokenMinterSubject(h config.Hub) string {
	return RoleArn(h.Partition(), h.Account, TokenMinterRoleName)
}

// addTokenMinter adds, with hub.agentToken.source entra, the minting function
// that writes short-lived Entra tokens into the hub secret, and the outputs
// the Entra side needs. With a PAT it adds nothing.
func addTokenMinter(stack awscdk.Stack, f *config.Fleet, token hsconstructs.AgentToken) hsconstructs.AgentTokenMinter {
	t := f.Hub.AgentToken
	if !t.Federated() {
		return nil
	}
	var orgs []string
	seen := map[string]bool{}
	for _, s := range f.Spokes {
		if !seen[s.Agent.AzpURL] {
			seen[s.Agent.AzpURL] = true
			orgs = append(orgs, s.Agent.AzpURL)
		}
	}
	m := hsconstructs.NewAgentTokenMinter(stack, "TokenMinter", &hsconstructs.AgentTokenMinterProps{
		Token: token.Secret(), TenantID: t.TenantID, ClientID: t.ClientID,
		RoleName: TokenMinterRoleName, Organizations: orgs, Emails: f.Alerts.Emails,
	})
	awscdk.NewCfnOutput(stack, jsii.String("FederatedCredentialIssuer"), &awscdk.CfnOutputProps{
		Value:       m.IssuerURL(),
		Description: jsii.String("Issuer of the Entra federated credential (the hub account's outbound identity federation issuer URL)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("FederatedCredentialSubject"), &awscdk.CfnOutputProps{
		Value:       jsii.String(TokenMinterSubject(f.Hub)),
		Description: jsii.String("Subject of the Entra federated credential (the minting role's ARN)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("FederatedCredentialAudience"), &awscdk.CfnOutputProps{
		Value:       jsii.String(hsconstructs.EntraTokenExchangeAudience),
		Description: jsii.String("Audience of the Entra federated credential"),
	})
	return m
}
