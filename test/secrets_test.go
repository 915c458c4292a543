package test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// tokenLike matches what a leaked credential looks like: an Azure DevOps PAT
// (52 base32 characters), GitHub tokens, AWS access keys, private keys, and a
// literal secret value in a template.
var tokenLike = map[string]*regexp.Regexp{
	"Azure DevOps PAT":  regexp.MustCompile(`\b[a-z2-7]{52}\b`),
	"GitHub token":      regexp.MustCompile(`\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}`),
	"AWS access key":    regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),
	"private key":       regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
	"secret value":      regexp.MustCompile(`"SecretString"\s*:`),
	"plain AZP_TOKEN":   regexp.MustCompile(`"Name"\s*:\s*"AZP_TOKEN"\s*,\s*"Value"`),
	"dynamic reference": regexp.MustCompile(`\{\{resolve:secretsmanager:`),
}

// Each pattern recognizes what it is meant to.
func TestTokenPatterns(t *testing.T) {
	samples := map[string]string{
		"Azure DevOps PAT":  "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst",
		"GitHub token":      "ghp_0123456789abcdefghijABCDEFGHIJ",
		"AWS access key":    "AKIAABCDEFGHIJKLMNOP",
		"private key":       "-----BEGIN RSA PRIVATE KEY-----",
		"secret value":      `"SecretString": "x"`,
		"plain AZP_TOKEN":   `{"Name": "AZP_TOKEN", "Value": "x"}`,
		"dynamic reference": "{{resolve:secretsmanager:x}}",
	}
	for what, re := range tokenLike {
		if !re.MatchString(samples[what]) {
			t.Errorf("%s pattern misses %q", what, samples[what])
		}
	}
}

// No file of the synthesized assembly holds a secret value or anything that
// looks like a token.
func TestNoTokenInCloudAssembly(t *testing.T) {
	dir := synthFleet(t, testutil.ExampleFleet(t))
	files := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for what, re := range tokenLike {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: %s at byte %d: %.60q", filepath.Base(path), what, loc[0], b[loc[0]:])
			}
		}
		return nil
	})
	if files < 5 {
		t.Fatalf("scanned only %d files", files)
	}
}
