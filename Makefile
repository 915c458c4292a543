# hubspoke: the two commands that matter are `make synth` and `make test`.
# Both install what they need first (pinned CDK CLI from package-lock.json,
# Go modules from go.sum). `make help` lists every target.

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
GO ?= go
CDK := node_modules/.bin/cdk
FLEET ?= fleet.yaml
APP := bin/hubspoke-cdk

.PHONY: help synth test deps lint access-report validate preview diagram bench mutate clean update-snapshots

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## synth: synthesize the fleet in $(FLEET) into a fresh cdk.out (IMAGE_TAG=agent-...: deploy that image tag instead of this commit's)
synth: deps $(APP)
	rm -rf cdk.out
	$(CDK) synth --quiet -c config=$(FLEET) $(if $(IMAGE_TAG),-c imageTag=$(IMAGE_TAG))
	@echo "cdk.out: $$(ls cdk.out/*.template.json | wc -l) templates"

## test: run every test (offline); needs tini, shellcheck and cfn-lint (.ci/run installs them)
test: deps test/node18/node_modules/.package-lock.json
	$(GO) vet ./...
	@command -v shellcheck >/dev/null || { echo "shellcheck is not installed: apt-get install -y shellcheck" >&2; exit 1; }
	shellcheck agent/start.sh tools/*.sh .ci/run test/agentlife/testdata/standin/config.sh test/agentlife/testdata/standin/bin/*
	$(GO) test -timeout 30m ./...

## lint: staticcheck, cdk-nag (AwsSolutions) on every stack, cfn-lint on every template, shellcheck
lint: deps $(APP)
	$(GO) tool staticcheck ./...
	rm -rf cdk.out
	$(CDK) synth --quiet -c config=$(FLEET) -c nag=true
	cfn-lint -- $$(ls cdk.out/*.template.json cdk.out/assembly-*/*.template.json 2>/dev/null)
	shellcheck agent/start.sh tools/*.sh .ci/run

## access-report: the access matrix of $(FLEET), decided by an IAM policy simulator
access-report: synth
	$(GO) run ./cmd/hubspoke access -assembly cdk.out

## validate: check $(FLEET) in milliseconds (no CDK, no jsii)
validate:
	$(GO) run ./cmd/hubspoke validate -fleet $(FLEET)

## preview: a week of every spoke's capacity and cost, the year's longest agent life, a week of jobs (WORKLOAD=file or reference); charts in cdk.out/preview
preview:
	$(GO) run ./cmd/hubspoke preview -fleet $(FLEET) $(if $(WEEK),-week $(WEEK)) $(if $(WORKLOAD),-workload $(WORKLOAD))

## diagram: redraw docs/architecture.png with cdk-dia (needs graphviz: apt-get install graphviz)
diagram: deps $(APP)
	rm -rf cdk.out
	$(CDK) synth --quiet -c config=$(FLEET) -c tree=true
	npx --yes cdk-dia@0.12.3 --tree cdk.out/tree.json --target cdk.out/architecture.png --include HubStack SpokeStack-test
	@echo "wrote cdk.out/architecture.png (docs/architecture.png is that picture scaled to 1100 px wide)"

## update-snapshots: rewrite the golden templates under test/ after a deliberate change
update-snapshots: deps
	$(GO) test ./test/ -run "TestSnapshots|TestSnapshotOUModeHub" -update

## bench: synth time and policy sizes at 1 to 1,000 spokes, pipelines at 1,000 and 2,000, the workload benchmark, the demand poller at 1,000 spokes, the job-wait targets per standby and profile
bench: deps
	$(GO) test ./test/ -run '^$$' -bench . -benchtime 1x
	$(GO) test ./preview/ -run '^$$' -bench . -benchtime 1x

## mutate: mutation testing (not part of test): gremlins over the Go packages that decide behaviour (PKGS=config schedule ...), the listed mistakes in the inline Python and agent/start.sh (tools/mutate.sh; reports in cdk.out/mutate)
mutate: .gomod.stamp
	tools/mutate.sh go $(PKGS)
	tools/mutate.sh scripts

deps: node_modules/.package-lock.json .gomod.stamp

## bin/hubspoke-cdk: the CDK app binary (app.go) cdk.json runs (rebuilt when any file next to Go code, go.mod or go.sum changes)
# Any file type counts, so a new kind of embedded file cannot leave a stale
# binary, and so does a removed file; go build then decides what to compile.
APP_FILES = $(shell find . \( -path ./node_modules -o -path ./test/node18 -o -path ./cdk.out -o -path ./.git -o -path ./bin \) -prune -o -name '*.go' -printf '%h\n' | sort -u | xargs -I{} find {} -maxdepth 1 -type f | sort)
# The list itself, rewritten only when it changes: removing a file rebuilds.
bin/.app-files: FORCE
	@mkdir -p bin
	@echo '$(APP_FILES)' | cmp -s - $@ || echo '$(APP_FILES)' > $@
.PHONY: FORCE
APP_SOURCES = $(APP_FILES) bin/.app-files go.mod go.sum
$(APP): $(APP_SOURCES)
	@if [ ! -e $@ ]; then echo "building the CDK app (the first build compiles aws-cdk-go: about a minute and a half, 1 GB of memory)" >&2; fi
	$(GO) build -o $@ .
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Node 18 for the test that the app refuses it clearly; its own folder, so
# its node binary never shadows the one the CDK CLI runs on.
test/node18/node_modules/.package-lock.json: test/node18/package.json test/node18/package-lock.json
	npm ci --prefix test/node18 --no-audit --no-fund --loglevel=error

.gomod.stamp: go.mod go.sum
	$(GO) mod download
	@touch $@

## clean: remove cdk.out, the app binary and the download stamps
clean:
	rm -rf cdk.out .gomod.stamp bin
