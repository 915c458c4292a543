package agentlife

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var digestPinned = regexp.MustCompile(`^FROM \S+@sha256:[0-9a-f]{64}(\s+AS\s+\S+)?$`)

func TestDockerfilePinsEveryInput(t *testing.T) {
	b, err := os.ReadFile("../../agent/Dockerfile")
	must(t, err)
	df := string(b)
	froms := 0
	for _, l := range strings.Split(df, "\n") {
		if strings.HasPrefix(l, "FROM ") {
			froms++
			if !digestPinned.MatchString(l) {
				t.Errorf("not pinned by digest: %q", l)
			}
			if strings.Contains(l, "docker.io") || !strings.Contains(l, "/") {
				t.Errorf("base image from Docker Hub (anonymous pull limits on CodeBuild): %q", l)
			}
		}
	}
	if froms == 0 {
		t.Fatal("no FROM line")
	}
	for _, want := range []string{
		`ARG AGENT_VERSION=`,
		`echo "${AGENT_SHA256}  /tmp/agent.tar.gz" | sha256sum -c -`,  // the tarball is checked
		`ENTRYPOINT ["/usr/bin/tini", "--", "bash", "/azp/start.sh"]`, // no exec bit needed
		`chown -R root:root /azp`,                                     // the job user cannot change what root runs
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Contains(df, "\nUSER ") {
		t.Error("the image must start as root (start.sh drops to the agent user for the listener and jobs)")
	}
}

// The bump script pins a tarball's real SHA-256 and a digest; tested on a
// local tarball instead of the agent's CDN.
func TestBumpAgentPins(t *testing.T) {
	dir := t.TempDir()
	version := "9.9.9"
	must(t, os.MkdirAll(filepath.Join(dir, version), 0o755))
	tarball := filepath.Join(dir, version, "vsts-agent-linux-x64-"+version+".tar.gz")
	f, err := os.Create(tarball)
	must(t, err)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	must(t, tw.WriteHeader(&tar.Header{Name: "run.sh", Mode: 0o755, Size: 2}))
	_, _ = tw.Write([]byte("#\n"))
	must(t, tw.Close())
	must(t, gz.Close())
	must(t, f.Close())
	raw, _ := os.ReadFile(tarball)
	sum := sha256.Sum256(raw)

	df := filepath.Join(dir, "Dockerfile")
	orig, _ := os.ReadFile("../../agent/Dockerfile")
	must(t, os.WriteFile(df, orig, 0o644))
	digest := "sha256:" + strings.Repeat("ab", 32)
	cmd := exec.Command("bash", "../../tools/bump-agent-pins.sh", version)
	cmd.Env = append(os.Environ(), "AGENT_DOWNLOAD_BASE=file://"+dir, "BASE_DIGEST="+digest, "DOCKERFILE="+df)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, _ := os.ReadFile(df)
	for _, want := range []string{
		"ARG AGENT_VERSION=" + version + "\n",
		"ARG AGENT_SHA256=" + hex.EncodeToString(sum[:]) + "\n",
		"FROM public.ecr.aws/ubuntu/ubuntu:24.04@" + digest + "\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("bumped Dockerfile lacks %q", want)
		}
	}
}
