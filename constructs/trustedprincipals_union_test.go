package constructs

import "testing"

// The union of an organization's trust with account-mode trust is the
// organization's (spokeRolePatterns in organization mode joins the
// execution and look-up roles' trust), whichever side holds it; the role
// patterns of both are kept once each.
func TestTrustedPrincipalsUnionKeepsTheOrganization(t *testing.T) {
	org := TrustedPrincipals{OrganizationID: "o-exampleorg1", RoleArns: []string{"arn:aws:iam::*:role/hubspoke-*-exec"}}
	other := TrustedPrincipals{RoleArns: []string{"arn:aws:iam::*:role/hubspoke-*-lookup", "arn:aws:iam::*:role/hubspoke-*-exec"}}
	for name, u := range map[string]TrustedPrincipals{"org first": org.Union(other), "org second": other.Union(org)} {
		if u.OrganizationID != "o-exampleorg1" || len(u.RoleArns) != 2 {
			t.Errorf("%s: %+v, want organization o-exampleorg1 and the two role patterns", name, u)
		}
	}
	if u := other.Union(other); u.OrganizationID != "" {
		t.Errorf("two account-mode trusts made organization %q", u.OrganizationID)
	}
}
