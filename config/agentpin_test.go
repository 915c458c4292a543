package config

import (
	"errors"
	"strings"
	"testing"
)

const pinSHA = "3f2a9c0e1b7d4c5a6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"

func TestAgentPin(t *testing.T) {
	f, err := Parse("fleet.yaml", []byte(base(t)+"image:\n  agentVersion: 4.264.1\n  agentSha256: "+pinSHA+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Image.AgentVersion != "4.264.1" || f.Image.AgentSHA256 != pinSHA {
		t.Errorf("pin read as %q %q", f.Image.AgentVersion, f.Image.AgentSHA256)
	}
	f, err = Parse("fleet.yaml", []byte(base(t)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Image.AgentVersion != "" || f.Image.AgentSHA256 != "" {
		t.Errorf("no pin in the file, yet %q %q", f.Image.AgentVersion, f.Image.AgentSHA256)
	}
}

func TestAgentPinProblems(t *testing.T) {
	// The base fleet has 31 lines: image: is line 32, its keys 33 and 34.
	cases := []struct {
		name, image, path, msg string
		line                   int
	}{
		{"version without hash", "  agentVersion: 4.264.1\n", "image.agentVersion",
			"is set without image.agentSha256: add the SHA-256 of vsts-agent-linux-x64-4.264.1.tar.gz, or remove this line to take the organization's current agent; tools/bump-agent-pins.sh prints both lines for the organization's current agent", 33},
		{"hash without version", "  agentSha256: " + pinSHA + "\n", "image.agentSha256",
			"is set without image.agentVersion: add the release it belongs to, or remove this line", 33},
		{"version not a release", "  agentVersion: latest\n  agentSha256: " + pinSHA + "\n", "image.agentVersion",
			`"latest" is not an agent release such as 4.264.1 (MAJOR.MINOR.PATCH)`, 33},
		{"hash in upper case", "  agentVersion: 4.264.1\n  agentSha256: " + strings.ToUpper(pinSHA) + "\n", "image.agentSha256",
			"is not a SHA-256 (64 lowercase hex digits, 64 characters given)", 34},
		{"hash cut short", "  agentVersion: 4.264.1\n  agentSha256: " + pinSHA[:40] + "\n", "image.agentSha256",
			"is not a SHA-256 (64 lowercase hex digits, 40 characters given)", 34},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("fleet.yaml", []byte(base(t)+"image:\n"+tc.image))
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("want *Problems, got %v", err)
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
