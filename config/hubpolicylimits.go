package config

import "fmt"

// Hub policy limits in account mode, where every spoke account and role is
// listed. Organization mode's policies do not grow with the fleet.
const (
	ECRPolicyLimit    = 10_240 // ECR repository policy, characters
	HubKeyPolicyLimit = 32_768 // KMS key policy, bytes
	SecretPolicyLimit = 20_480 // Secrets Manager resource policy, characters

	// Measured (test/hub_policy_model_test.go): each policy without spokes.
	ecrPolicyBase    = 275
	tokenKeyBase     = 675
	secretPolicyBase = 395
)

// HubPolicyEstimate is the model's size of each hub policy (account mode).
type HubPolicyEstimate struct {
	ECR, TokenKey, Secret int
}

// EstimateHubPolicies models the hub's resource policies of a fleet in
// account mode: each lists every spoke account as a principal and pins its
// roles by ARN (each ARN quoted, with a comma).
func EstimateHubPolicies(f *Fleet) HubPolicyEstimate {
	e := HubPolicyEstimate{ECR: ecrPolicyBase, TokenKey: tokenKeyBase, Secret: secretPolicyBase}
	arn := func(account, role string) int {
		return len("arn:"+f.Hub.Partition()+":iam::"+account+":role/"+role) + 3
	}
	seen := map[string]bool{}
	for _, s := range f.Spokes {
		if !seen[s.Account] {
			seen[s.Account] = true
			root := len("arn:"+f.Hub.Partition()+":iam::"+s.Account+":root") + 3
			e.ECR += root
			e.TokenKey += root
			e.Secret += 2 * root // the read and the describe statements
		}
		e.ECR += arn(s.Account, "hubspoke-"+s.Name+"-*")
		e.TokenKey += arn(s.Account, "hubspoke-"+s.Name+"-exec")
		e.Secret += arn(s.Account, "hubspoke-"+s.Name+"-exec") + arn(s.Account, "hubspoke-"+s.Name+"-lookup")
	}
	return e
}

// checkHubPolicyLimits rejects an account-mode fleet whose hub policies
// would pass an AWS limit, pointing to organization mode.
func checkHubPolicyLimits(c *collector, f *Fleet) {
	if f.OrganizationMode() || len(f.Spokes) == 0 {
		return
	}
	e := EstimateHubPolicies(f)
	for _, p := range []struct {
		name        string
		size, limit int
	}{{"ECR repository policy", e.ECR, ECRPolicyLimit}, {"token key policy", e.TokenKey, HubKeyPolicyLimit}, {"secret policy", e.Secret, SecretPolicyLimit}} {
		if p.size > p.limit {
			c.add("spokes", "%s", fmt.Sprintf("%d spokes in account mode make the hub's %s about %d characters, over AWS's %d (account mode carries about 109 spokes with names like spoke-0001): set hub.organizationId to trust your organization instead (its policies do not grow), or split the fleet over hubs",
				len(f.Spokes), p.name, p.size, p.limit))
		}
	}
}
