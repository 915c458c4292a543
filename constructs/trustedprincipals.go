// Package constructs holds the hubspoke building blocks. Each construct takes
// a Props struct with documented defaults and knows nothing of the fleet file.
package constructs

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
)

// TrustedPrincipals says who, outside the hub, a hub resource policy lets in.
//
// Hub policies never name spoke roles as principals: ECR, KMS and Secrets
// Manager reject a policy whose principal does not exist yet, and the hub
// deploys before any spoke. Instead a statement names accounts (or, in
// organization mode, everyone in the organization) as principals and pins the
// calling role with an aws:PrincipalArn condition, which is not checked for
// existence and survives a role being recreated.
type TrustedPrincipals struct {
	// Accounts are the spoke account ids (account mode). Ignored when
	// OrganizationID is set.
	Accounts []string
	// RoleArns are the exact role ARNs allowed (account mode), or ARN
	// patterns with wildcards (organization mode).
	RoleArns []string
	// OrganizationID, when set, trusts principals of this AWS Organization
	// whose ARN matches RoleArns. Default: "" (account mode).
	OrganizationID string
	// OrgPaths, with OrganizationID, limit the trust to principals in
	// these organizational units or below them (aws:PrincipalOrgPaths),
	// e.g. "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/". Default: the whole
	// organization.
	OrgPaths []string
	// Like: RoleArns are patterns (ArnLike) in account mode too, e.g. all
	// of one spoke's roles in its own account. Default: false (ArnEquals).
	Like bool
}

// Union trusts both t's and o's principals (one organization, or both in
// account mode).
func (t TrustedPrincipals) Union(o TrustedPrincipals) TrustedPrincipals {
	org := t.OrganizationID
	if org == "" {
		org = o.OrganizationID
	}
	return TrustedPrincipals{
		Accounts:       dedupe(append(append([]string{}, t.Accounts...), o.Accounts...)),
		RoleArns:       dedupe(append(append([]string{}, t.RoleArns...), o.RoleArns...)),
		OrganizationID: org,
		OrgPaths:       dedupe(append(append([]string{}, t.OrgPaths...), o.OrgPaths...)),
		Like:           t.Like || o.Like,
	}
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Empty reports whether nobody is trusted.
func (t TrustedPrincipals) Empty() bool { return len(t.RoleArns) == 0 }

// Statement builds one compact statement granting actions on resources to
// the trusted principals, with extra conditions (e.g. kms:ViaService) added.
// Resources may be nil for policies without a Resource element (ECR).
func (t TrustedPrincipals) Statement(sid string, actions, resources []string, extra map[string]map[string]any) awsiam.PolicyStatement {
	conditions := map[string]any{}
	var principal any
	if t.OrganizationID != "" {
		principal = map[string]any{"AWS": "*"}
		conditions["StringEquals"] = map[string]any{"aws:PrincipalOrgID": t.OrganizationID}
		conditions["ArnLike"] = map[string]any{"aws:PrincipalArn": oneOrMany(sorted(t.RoleArns))}
		if len(t.OrgPaths) > 0 {
			var paths []string
			for _, p := range t.OrgPaths {
				paths = append(paths, strings.TrimSuffix(p, "/")+"/*")
			}
			conditions["ForAnyValue:StringLike"] = map[string]any{"aws:PrincipalOrgPaths": oneOrMany(sorted(paths))}
		}
	} else {
		principal = map[string]any{"AWS": oneOrMany(sorted(accountRoots(t.Accounts, t.RoleArns)))}
		op := "ArnEquals"
		if t.Like {
			op = "ArnLike"
		}
		conditions[op] = map[string]any{"aws:PrincipalArn": oneOrMany(sorted(t.RoleArns))}
	}
	for op, kv := range extra {
		m, ok := conditions[op].(map[string]any)
		if !ok {
			m = map[string]any{}
			conditions[op] = m
		}
		for k, v := range kv {
			m[k] = v
		}
	}
	doc := map[string]any{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": principal,
		"Action":    oneOrMany(actions),
		"Condition": conditions,
	}
	if resources != nil {
		doc["Resource"] = oneOrMany(resources)
	}
	return awsiam.PolicyStatement_FromJson(doc)
}

// accountRoots returns arn:PARTITION:iam::ACCOUNT:root for each account, with
// the partition taken from the role ARNs (all in one partition).
func accountRoots(accounts, roleArns []string) []string {
	partition := "aws"
	if len(roleArns) > 0 {
		partition = arnPartition(roleArns[0])
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range accounts {
		if !seen[a] {
			seen[a] = true
			out = append(out, "arn:"+partition+":iam::"+a+":root")
		}
	}
	return out
}

func arnPartition(arn string) string {
	// arn:PARTITION:...
	if len(arn) > 4 {
		rest := arn[4:]
		for i := 0; i < len(rest); i++ {
			if rest[i] == ':' {
				return rest[:i]
			}
		}
	}
	return "aws"
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

// oneOrMany renders a single value as a string, as AWS stores it.
func oneOrMany(xs []string) any {
	if len(xs) == 1 {
		return xs[0]
	}
	return xs
}
