package agentlife

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestDockerfileBuildsOnlyWhatThePublishStepVerified(t *testing.T) {
	b, err := os.ReadFile("../../agent/Dockerfile")
	must(t, err)
	df := string(b)
	var froms []string
	for _, l := range strings.Split(df, "\n") {
		if strings.HasPrefix(l, "FROM ") {
			froms = append(froms, l)
		}
	}
	// One base, a build argument the publish step sets to the tag's digest;
	// its default is the ECR Public tag (no Docker Hub pull limits).
	if len(froms) != 1 || froms[0] != "FROM ${BASE_IMAGE}" {
		t.Errorf("FROM lines %q, want exactly FROM ${BASE_IMAGE}", froms)
	}
	for _, want := range []string{
		"ARG BASE_IMAGE=public.ecr.aws/ubuntu/ubuntu:24.04\n",
		"ARG AGENT_VERSION\n", "ARG AGENT_SHA256\n",
		`echo "${AGENT_SHA256}  /tmp/build/agent.tar.gz" | sha256sum -c -`, // checked again in the build
		"build this image with tools/publish-agent-image.sh",               // what a plain docker build says
		`ENTRYPOINT ["/usr/bin/tini", "--", "bash", "/azp/start.sh"]`,      // no exec bit needed
		`chown -R root:root /azp`,                                          // the job user cannot change what root runs
		"RUN --mount=type=bind,source=.,target=/tmp/build \\\n",            // the context is mounted for the install step
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// No layer holds the build context: a COPY of it would keep the
	// compressed agent tarball in the image (pulled at every task start)
	// next to the agent extracted from it.
	if strings.Contains(df, "\nCOPY ") || strings.Contains(df, "\nADD ") {
		t.Error("the Dockerfile copies its context into a layer; mount it in the RUN that installs the agent")
	}
	// The agent is never fetched inside the build: only the verified tarball.
	if strings.Contains(df, "download.agent.dev.azure.com") || strings.Contains(df, "curl -") {
		t.Error("the Dockerfile downloads something itself")
	}
	if strings.Contains(df, "\nUSER ") {
		t.Error("the image must start as root (start.sh drops to the agent user for the listener and jobs)")
	}
}

// The bump script prints the fleet-file pin for the organization's current
// agent, after checking the download against the organization's hash.
func TestBumpAgentPins(t *testing.T) {
	org := newOrgStandIn(t, publishToken, "4.266.0", "4.264.1")
	run := func() (string, string, error) {
		cmd := exec.Command("bash", "../../tools/bump-agent-pins.sh")
		cmd.Env = append(os.Environ(), "CURL_CA_BUNDLE="+org.caFile, "AZP_URL="+org.srv.URL+"/example-org")
		cmd.Stdin = strings.NewReader(publishToken + "\n")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	out, errOut, err := run()
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := "image:\n  agentVersion: 4.266.0\n  agentSha256: " + sha256Hex([]byte("agent tarball 4.266.0\n")) + "\n"
	if out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	org.tamper = true
	if out, errOut, err = run(); err == nil || !strings.Contains(errOut, "does not match the SHA-256 the organization publishes") || out != "" {
		t.Errorf("a tampered download was pinned: %v %q %q", err, out, errOut)
	}
}
