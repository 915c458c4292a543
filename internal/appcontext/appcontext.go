// Package appcontext is the CDK context the app gives itself, under
// cdk.json's and the CLI's (the CLI warns about aws:* keys in cdk.json).
package appcontext

// Defaults has no creation stack trace for every resource in the
// assembly's metadata, which aws-cdk-lib captures by default (at a cost,
// docs/performance.md) and nothing here reads. `cdk synth -c
// aws:cdk:disable-creation-stack-traces=false` brings them back.
func Defaults() map[string]any {
	return map[string]any{"aws:cdk:disable-creation-stack-traces": true}
}
