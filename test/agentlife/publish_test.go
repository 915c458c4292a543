package agentlife

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// orgStandIn stands in for an Azure DevOps organization's agent package
// list and for the agent's download site, over TLS:
//   - GET /example-org/_apis/distributedtask/packages/agent?platform=P[&$top=N]
//     answers {"count":N,"value":[PackageMetadata...]}, newest first, with
//     version {major,minor,patch}, downloadUrl, hashValue (the SHA-256
//     Microsoft registers with each release: src/Misc/Publish.template.ps1,
//     checked by the agent's SelfUpdater.HashValidation), filename, infoUrl
//     (field names: azure-devops-python-api task_agent PackageMetadata);
//     without $top it lists every release; another platform: count 0;
//   - a request without credentials gets 203 and the sign-in page (what
//     Azure DevOps answers an anonymous API call), a wrong token 401;
//   - GET /agent/V/vsts-agent-linux-x64-V.tar.gz: the tarball; with
//     tamper set, other bytes than the hash says.
type orgStandIn struct {
	srv      *httptest.Server
	token    string
	caFile   string
	mu       sync.Mutex
	releases []string // newest first
	tamper   bool
	asked    int // package list requests
	auths    []string
}

func tarballOf(version string) []byte { return []byte("agent tarball " + version + "\n") }

func newOrgStandIn(t *testing.T, token string, releases ...string) *orgStandIn {
	o := &orgStandIn{token: token, releases: releases}
	o.srv = httptest.NewTLSServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.srv.Close)
	o.caFile = filepath.Join(t.TempDir(), "ca.pem")
	must(t, os.WriteFile(o.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: o.srv.Certificate().Raw}), 0o644))
	return o
}

func (o *orgStandIn) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/agent/") {
		parts := strings.Split(r.URL.Path, "/") // "", agent, V, file
		if len(parts) != 4 || parts[3] != "vsts-agent-linux-x64-"+parts[2]+".tar.gz" {
			http.NotFound(w, r)
			return
		}
		body := tarballOf(parts[2])
		if o.tamper {
			body = append(body, "and something else\n"...)
		}
		w.Write(body)
		return
	}
	if r.URL.Path != "/example-org/_apis/distributedtask/packages/agent" {
		http.NotFound(w, r)
		return
	}
	o.asked++
	o.auths = append(o.auths, r.Header.Get("Authorization"))
	auth := r.Header.Get("Authorization")
	if auth == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNonAuthoritativeInfo)
		fmt.Fprint(w, "<html><head><title>Azure DevOps Services | Sign In</title></head><body></body></html>")
		return
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
	if _, pat, _ := strings.Cut(string(raw), ":"); !strings.HasPrefix(auth, "Basic ") || pat != o.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var items []string
	if r.URL.Query().Get("platform") == "linux-x64" {
		for _, v := range o.releases {
			var major, minor, patch int
			fmt.Sscanf(v, "%d.%d.%d", &major, &minor, &patch)
			sum := sha256.Sum256(tarballOf(v))
			items = append(items, fmt.Sprintf(`{"type":"agent","platform":"linux-x64","createdOn":"2026-11-20T10:00:00Z","version":{"major":%d,"minor":%d,"patch":%d},"downloadUrl":"%s/agent/%s/vsts-agent-linux-x64-%s.tar.gz","infoUrl":"https://go.microsoft.com/fwlink/?LinkId=798199","filename":"vsts-agent-linux-x64-%s.tar.gz","hashValue":"%s"}`,
				major, minor, patch, o.srv.URL, v, v, v, hex.EncodeToString(sum[:])))
		}
	}
	if r.URL.Query().Get("$top") == "1" && len(items) > 1 {
		items = items[:1]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"count":%d,"value":[%s]}`, len(items), strings.Join(items, ","))
}

const publishToken = "pat-publish-7f3e9a1c5b2d4e6f8a0b"

type publishRun struct {
	out, errOut, calls, context string
	err                         error
	took                        time.Duration
	helpers                     []helperRun
}

// publish runs tools/publish-agent-image.sh as the pipeline step does,
// against the fake AWS CLI and docker and the organization stand-in; curl,
// base64 and sha256sum run through recording shims.
func publish(t *testing.T, org *orgStandIn, tag string, env ...string) publishRun {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	helpers := filepath.Join(dir, "helpers")
	shims := filepath.Join(dir, "shim")
	writeHelperShims(t, shims, helpers)
	cmd := exec.Command("bash", "../../tools/publish-agent-image.sh")
	cmd.Env = append(os.Environ(),
		"PATH="+shims+":"+mustAbs(t, "testdata/fakeaws")+":"+mustAbs(t, "testdata/fakedocker")+":"+os.Getenv("PATH"),
		"CURL_CA_BUNDLE="+org.caFile,
		"FAKE_AWS_LOG="+log, "FAKE_AWS_SECRET_ID=arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token",
		"FAKE_AWS_SECRET="+publishToken,
		"HUB_ACCOUNT=111111111111", "HUB_REGION=eu-west-1", "REPO_NAME=hubspoke/build-agent",
		"TAG="+tag, "REPLICA_REGIONS=us-east-1 eu-central-1",
		"AZP_URL="+org.srv.URL+"/example-org",
		"TOKEN_SECRET_ID=arn:aws:secretsmanager:eu-west-1:111111111111:secret:hubspoke/agent-token",
		"AGENT_DOWNLOAD_BASE="+org.srv.URL+"/agent")
	cmd.Env = append(cmd.Env, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := publishRun{out: out.String(), errOut: errb.String(), err: err, took: time.Since(start)}
	calls, _ := os.ReadFile(log)
	ctx, _ := os.ReadFile(log + ".context")
	r.calls, r.context = string(calls), string(ctx)
	a := &agentRun{t: t, helpers: helpers}
	r.helpers = a.helperRuns()
	// The token appears in no command line, no output, no log.
	for _, h := range r.helpers {
		if strings.Contains(strings.Join(h.Argv, " "), publishToken) || strings.Contains(strings.Join(h.Argv, " "), base64.StdEncoding.EncodeToString([]byte(":"+publishToken))) {
			t.Errorf("%s had the token on its command line: %q", h.Name, h.Argv)
		}
	}
	for what, s := range map[string]string{"output": r.out + r.errOut, "AWS/docker calls": r.calls} {
		if strings.Contains(s, publishToken) || strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(":"+publishToken))) {
			t.Errorf("the token is in the %s", what)
		}
	}
	return r
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

const baseDigestRef = "public.ecr.aws/ubuntu/ubuntu@sha256:5f1cd5f3a6a6c0b8e4e2f0d9a1c7b3e5d8f2a4c6e9b1d3f5a7c9e2b4d6f8a0c1"

// The pipeline's image step and the direct path, against stand-ins.
func TestPublishAgentImage(t *testing.T) {
	if err := exec.Command("python3", "-c", "import jmespath").Run(); err != nil {
		t.Fatal("python3 jmespath is needed (pip install jmespath; boto3 brings it)")
	}
	for _, tool := range []string{"jq", "curl", "sha256sum", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed", tool)
		}
	}

	t.Run("existing tag: nothing built, the token not even read, a replica that lacks it gets a copy", func(t *testing.T) {
		org := newOrgStandIn(t, publishToken, "4.264.1")
		r := publish(t, org, "agent-old")
		if r.err != nil {
			t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
		}
		for _, want := range []string{"exists: nothing to build", "is in the eu-central-1 replica", "copied hubspoke/build-agent:agent-old to the us-east-1 replica"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("output lacks %q:\n%s", want, r.out)
			}
		}
		for _, want := range []string{
			"docker pull 111111111111.dkr.ecr.eu-west-1.amazonaws.com/hubspoke/build-agent:agent-old",
			"docker push 111111111111.dkr.ecr.us-east-1.amazonaws.com/hubspoke/build-agent:agent-old",
		} {
			if !strings.Contains(r.calls, want) {
				t.Errorf("no %q in:\n%s", want, r.calls)
			}
		}
		if strings.Contains(r.calls, "docker build") || strings.Contains(r.calls, "eu-central-1.amazonaws.com/hubspoke/build-agent:agent-old") ||
			strings.Contains(r.calls, "secretsmanager") || org.asked != 0 {
			t.Errorf("built, copied where it was, or asked for the token (%d org calls):\n%s", org.asked, r.calls)
		}
	})

	t.Run("new tag: the organization's current agent, verified by its published hash, on the base tag's digest", func(t *testing.T) {
		org := newOrgStandIn(t, publishToken, "4.264.1", "4.261.0")
		r := publish(t, org, "agent-new")
		t.Logf("build path against stand-ins: %s", r.took.Round(time.Millisecond))
		if r.err != nil {
			t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
		}
		sha := sha256Hex([]byte("agent tarball 4.264.1\n"))
		wantBuild := "docker build --no-cache --build-arg BASE_IMAGE=" + baseDigestRef +
			" --build-arg AGENT_VERSION=4.264.1 --build-arg AGENT_SHA256=" + sha +
			" --label org.opencontainers.image.base.name=public.ecr.aws/ubuntu/ubuntu:24.04" +
			" --label org.opencontainers.image.base.digest=sha256:5f1cd5f3a6a6c0b8e4e2f0d9a1c7b3e5d8f2a4c6e9b1d3f5a7c9e2b4d6f8a0c1" +
			" --label hubspoke.agent.version=4.264.1 --label hubspoke.agent.sha256=" + sha +
			" -t 111111111111.dkr.ecr.eu-west-1.amazonaws.com/hubspoke/build-agent:agent-new "
		if !strings.Contains(r.calls, wantBuild) {
			t.Errorf("no %q in:\n%s", wantBuild, r.calls)
		}
		if !strings.Contains(r.calls, "docker pull public.ecr.aws/ubuntu/ubuntu:24.04\n") {
			t.Errorf("the base tag was not pulled to resolve its digest:\n%s", r.calls)
		}
		// The context the build saw: agent/ and the verified tarball.
		for _, want := range []string{"./Dockerfile\n", "./start.sh\n", "./agent.tar.gz\n", sha + "\n"} {
			if !strings.Contains(r.context, want) {
				t.Errorf("build context lacks %q:\n%s", want, r.context)
			}
		}
		if !strings.Contains(r.calls, "describe-image-scan-findings --image-id imageTag=agent-new") {
			t.Errorf("not scanned:\n%s", r.calls)
		}
		if strings.Contains(r.calls, "us-east-1.amazonaws.com/hubspoke/build-agent:agent-new") || !strings.Contains(r.out, "registry replication copies it to: us-east-1 eu-central-1") {
			t.Errorf("copied by hand instead of left to replication:\n%s\n%s", r.out, r.calls)
		}
		if !strings.Contains(r.out, "agent 4.264.1: "+org.srv.URL+"/agent/4.264.1/vsts-agent-linux-x64-4.264.1.tar.gz, SHA-256 "+sha+" (published by "+org.srv.URL+"/example-org for this release)") {
			t.Errorf("the output does not say which agent and hash:\n%s", r.out)
		}
		if org.asked != 1 || org.auths[0] != "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+publishToken)) {
			t.Errorf("want one package request with the hub token as Basic auth, got %d: %q", org.asked, org.auths)
		}
	})

	t.Run("the next period's build takes the agent the organization offers then", func(t *testing.T) {
		org := newOrgStandIn(t, publishToken, "4.266.0", "4.264.1")
		r := publish(t, org, "agent-next")
		if r.err != nil {
			t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
		}
		if !strings.Contains(r.calls, "--build-arg AGENT_VERSION=4.266.0 --build-arg AGENT_SHA256="+sha256Hex([]byte("agent tarball 4.266.0\n"))) {
			t.Errorf("not built with 4.266.0:\n%s", r.calls)
		}
	})

	t.Run("a pin in the fleet file wins: the organization is not asked", func(t *testing.T) {
		org := newOrgStandIn(t, publishToken, "4.266.0")
		sha := sha256Hex([]byte("agent tarball 4.261.0\n"))
		r := publish(t, org, "agent-pinned", "AGENT_VERSION=4.261.0", "AGENT_SHA256="+sha)
		if r.err != nil {
			t.Fatalf("%v\n%s%s", r.err, r.out, r.errOut)
		}
		if !strings.Contains(r.calls, "--build-arg AGENT_VERSION=4.261.0 --build-arg AGENT_SHA256="+sha) || org.asked != 0 || strings.Contains(r.calls, "secretsmanager") {
			t.Errorf("pin not used, or the organization asked (%d):\n%s", org.asked, r.calls)
		}
		if !strings.Contains(r.out, "(pinned in the fleet file (image.agentSha256))") {
			t.Errorf("the output does not say the hash is the pin:\n%s", r.out)
		}
	})

	failures := []struct {
		name, tag string
		env       []string
		setup     func(*orgStandIn)
		want      string
	}{
		{"a download that does not match the published hash", "agent-tampered", nil, func(o *orgStandIn) { o.tamper = true },
			"the download of agent 4.264.1 from "},
		{"a pin whose hash the download does not match", "agent-badpin", []string{"AGENT_VERSION=4.264.1", "AGENT_SHA256=" + strings.Repeat("ab", 32)}, nil,
			"does not match the SHA-256 pinned in the fleet file (image.agentSha256) (" + strings.Repeat("ab", 32) + ", got " + sha256Hex([]byte("agent tarball 4.264.1\n")) + "): not building"},
		{"half a pin", "agent-half", []string{"AGENT_VERSION=4.264.1"}, nil,
			"set both image.agentVersion and image.agentSha256 in the fleet file, or neither"},
		{"a token the organization rejects", "agent-401", []string{"FAKE_AWS_SECRET=pat-expired"}, nil,
			"rejected the token (HTTP 401): renew the PAT (scope Agent Pools: read & manage) and put it with aws secretsmanager put-secret-value"},
		{"an empty hub secret", "agent-empty", []string{"FAKE_AWS_SECRET="}, nil,
			"no token on stdin (the hub secret's value)"},
		{"no package for the platform", "agent-none", []string{"AGENT_PLATFORM=linux-s390x"}, nil,
			"offers no linux-s390x agent package"},
		{"a base image without a registry digest", "agent-nodigest", []string{"FAKE_DOCKER_NO_DIGEST=1"}, nil,
			"cannot resolve public.ecr.aws/ubuntu/ubuntu:24.04 to a registry digest"},
	}
	for _, f := range failures {
		t.Run("fails: "+f.name, func(t *testing.T) {
			org := newOrgStandIn(t, publishToken, "4.264.1")
			if f.setup != nil {
				f.setup(org)
			}
			r := publish(t, org, f.tag, f.env...)
			if r.err == nil {
				t.Fatalf("succeeded:\n%s", r.out)
			}
			if !strings.Contains(r.errOut, f.want) {
				t.Errorf("stderr lacks %q:\n%s", f.want, r.errOut)
			}
			if strings.Contains(r.calls, "docker build") || strings.Contains(r.calls, "docker push") {
				t.Errorf("built or pushed anyway:\n%s", r.calls)
			}
		})
	}
}

// The organization's sign-in page (203) is not taken for a package list.
func TestResolveAgentPackageAnonymous(t *testing.T) {
	org := newOrgStandIn(t, publishToken, "4.264.1")
	// A token the stand-in never sees: curl sends no Authorization when the
	// header line is empty, so call the endpoint the way an anonymous client
	// does and check the resolver's reading of it through a wrapper that
	// strips the header.
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "curl"), []byte("#!/bin/bash\ncat >/dev/null\nexec /usr/bin/curl \"$@\" -K /dev/null\n"), 0o755))
	cmd := exec.Command("bash", "../../tools/resolve-agent-package.sh")
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "CURL_CA_BUNDLE="+org.caFile, "AZP_URL="+org.srv.URL+"/example-org")
	cmd.Stdin = strings.NewReader(publishToken + "\n")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("took the sign-in page for a package list: %s", out)
	}
	if want := "answered with its sign-in page (HTTP 203): the token was not accepted"; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q: %s", want, out)
	}
	if org.asked != 1 || org.auths[0] != "" {
		t.Errorf("want one anonymous request, got %d %q", org.asked, org.auths)
	}
}
