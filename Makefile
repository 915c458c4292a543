# hubspoke: the two commands that matter are `make synth` and `make test`.
# Both install what they need first (pinned CDK CLI from package-lock.json,
# Go modules from go.sum).

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
GO ?= go
CDK := node_modules/.bin/cdk
FLEET ?= fleet.yaml

.PHONY: synth test deps lint access-report validate preview diagram bench clean update-snapshots

## synth: synthesize the fleet in $(FLEET) into cdk.out
synth: deps
	$(CDK) synth --quiet -c config=$(FLEET)
	@echo "cdk.out: $$(ls cdk.out/*.template.json | wc -l) templates"

## test: run every test (offline); needs tini, shellcheck and cfn-lint (.ci/run installs them)
test: deps test/node18/node_modules/.package-lock.json
	$(GO) vet ./...
	@command -v shellcheck >/dev/null || { echo "shellcheck is not installed: apt-get install -y shellcheck" >&2; exit 1; }
	shellcheck agent/start.sh tools/*.sh .ci/run test/agentlife/testdata/standin/config.sh test/agentlife/testdata/standin/bin/*
	$(GO) test ./...

## lint: cdk-nag (AwsSolutions) on every stack, cfn-lint on every template, shellcheck on the scripts
lint: deps
	$(CDK) synth --quiet -c config=$(FLEET) -c nag=true
	cfn-lint -- $$(ls cdk.out/*.template.json cdk.out/assembly-*/*.template.json 2>/dev/null)

## access-report: the access matrix of $(FLEET), decided by an IAM policy simulator
access-report: deps
	$(GO) run ./cmd/access-report -fleet $(FLEET)

## validate: check $(FLEET) in milliseconds (no CDK, no jsii)
validate:
	$(GO) run ./cmd/hubspoke validate -fleet $(FLEET)

## preview: a week of every spoke's capacity and cost, and cdk.out/preview/week.{svg,png}
preview:
	$(GO) run ./cmd/hubspoke preview -fleet $(FLEET) $(if $(WEEK),-week $(WEEK))

## diagram: redraw docs/architecture.png with cdk-dia (needs graphviz: apt-get install graphviz)
diagram: deps
	$(CDK) synth --quiet -c config=$(FLEET) -c tree=true
	npx --yes cdk-dia@0.12.3 --tree cdk.out/tree.json --target cdk.out/architecture.png --include HubStack SpokeStack-test
	@echo "wrote cdk.out/architecture.png (docs/architecture.png is that picture scaled to 1100 px wide)"

## update-snapshots: rewrite the golden templates under test/ after a deliberate change
update-snapshots: deps
	$(GO) test ./test/ -run TestSnapshots -update

## bench: synth time and policy sizes at 1, 75, 300 and 1,000 spokes
bench: deps
	$(GO) test ./test/ -run '^$$' -bench . -benchtime 1x

deps: node_modules/.package-lock.json .gomod.stamp

## bin/hubspoke: the app binary cdk.json runs, rebuilt when a Go source, an
## embedded file, go.mod or go.sum is newer. go build decides what to rebuild;
## this check only spares its own up-to-date check (~0.3 s) on every synth.
APP_SOURCES = $(shell find . -path ./node_modules -prune -o -path ./cdk.out -prune -o \( -name '*.go' -o -name '*.py' \) -print) go.mod go.sum
bin/hubspoke: $(APP_SOURCES)
	$(GO) build -o $@ .
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@# node_modules holds Go template files of `cdk init`; a go.mod of its own
	@# keeps them out of ./... patterns.
	@printf 'module node_modules\n' > node_modules/go.mod

# Node 18 for the test that the app refuses it clearly; its own folder, so
# its node binary never shadows the one the CDK CLI runs on.
test/node18/node_modules/.package-lock.json: test/node18/package.json test/node18/package-lock.json
	npm ci --prefix test/node18 --no-audit --no-fund --loglevel=error

.gomod.stamp: go.mod go.sum
	$(GO) mod download
	@touch $@

clean:
	rm -rf cdk.out .gomod.stamp bin
