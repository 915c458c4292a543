package config

// The hub section: defaults and checks.

import (
	"fmt"
	"strings"
)

func resolveHub(h hubFile, c *collector) Hub {
	hub := Hub{
		Account: h.Account, Region: h.Region, RepositoryName: h.RepositoryName,
		TagMutability: h.TagMutability, ImagesKept: DefaultImagesKept,
		SecretName: h.SecretName, OrganizationID: h.OrganizationID,
	}
	if hub.RepositoryName == "" {
		hub.RepositoryName = DefaultRepositoryName
	}
	if hub.TagMutability == "" {
		hub.TagMutability = DefaultTagMutability
	}
	if hub.SecretName == "" {
		hub.SecretName = DefaultSecretName
	}
	if h.ImagesKept != nil {
		hub.ImagesKept = *h.ImagesKept
	}
	hub.ReplicateImages = h.ReplicateImages == nil || *h.ReplicateImages
	hub.AgentToken = resolveAgentToken(h.AgentToken, c)
	checkAccount(c, "hub.account", hub.Account)
	checkRegion(c, "hub.region", hub.Region)
	if n := len(hub.RepositoryName); n < 2 || n > 256 || !repoNameRe.MatchString(hub.RepositoryName) {
		c.add("hub.repositoryName", "%q is not a valid ECR repository name: 2-256 lower-case letters, digits and . _ - separated by /, e.g. hubspoke/build-agent", hub.RepositoryName)
	}
	if hub.TagMutability != "IMMUTABLE" && hub.TagMutability != "MUTABLE" {
		c.add("hub.tagMutability", "%q is not IMMUTABLE or MUTABLE", hub.TagMutability)
	}
	if hub.ImagesKept < 3 || hub.ImagesKept > 1000 {
		c.add("hub.imagesKept", "%d images kept: use 3 to 1000 (the running build, its rollback target and the one rolling out)", hub.ImagesKept)
	}
	switch {
	case !secretNameRe.MatchString(hub.SecretName):
		c.add("hub.secretName", "%q is not a valid Secrets Manager name: 1-512 letters, digits and /_+=.@-", hub.SecretName)
	case secretTailRe.MatchString(hub.SecretName):
		c.add("hub.secretName", "%q ends in a hyphen and six characters, which Secrets Manager takes for its own ARN suffix and breaks look-ups by name; rename it, e.g. %q", hub.SecretName, strings.TrimSuffix(hub.SecretName, hub.SecretName[len(hub.SecretName)-7:])+"/token")
	}
	if g := h.GitHubActions; g != nil {
		hub.GitHubActions = &GitHubActions{Repository: g.Repository, Branch: g.Branch}
		if hub.GitHubActions.Branch == "" {
			hub.GitHubActions.Branch = "main"
		}
		if !gitRepoRe.MatchString(g.Repository) {
			c.add("hub.githubActions.repository", "%q is not a GitHub owner/name", g.Repository)
		}
		if !branchRe.MatchString(hub.GitHubActions.Branch) {
			c.add("hub.githubActions.branch", "%q is not a branch name", hub.GitHubActions.Branch)
		}
	}
	for i, p := range h.OrganizationalUnits {
		path := fmt.Sprintf("hub.organizationalUnits[%d]", i)
		switch {
		case hub.OrganizationID == "":
			c.add(path, "organizational units need hub.organizationId (the o-... of the organization they belong to)")
		case !ouPathRe.MatchString(p):
			c.add(path, "%q is not an organizational-unit path such as %s/r-ab12/ou-ab12-11111111/ (the OU's path from the organization's root, as the Organizations console shows it)", p, hub.OrganizationID)
		case !strings.HasPrefix(p, hub.OrganizationID+"/"):
			c.add(path, "%q is not in the organization %s (hub.organizationId)", p, hub.OrganizationID)
		default:
			hub.OrganizationalUnits = append(hub.OrganizationalUnits, strings.TrimSuffix(p, "/")+"/")
		}
	}
	if hub.OrganizationID != "" && !orgRe.MatchString(hub.OrganizationID) {
		c.add("hub.organizationId", "%q is not an AWS Organizations id (o- then 10-32 lower-case letters or digits); leave it out for account mode", hub.OrganizationID)
	}
	return hub
}

func checkAccount(c *collector, path, v string) {
	if !accountRe.MatchString(v) {
		c.add(path, "%q is not an AWS account id: use the 12 digits, quoted, e.g. \"111111111111\"", v)
	}
}

func checkRegion(c *collector, path, v string) {
	if !KnownRegion(v) {
		c.add(path, "%q is not a known AWS region: use a code such as eu-west-1 or us-east-1", v)
	}
}
