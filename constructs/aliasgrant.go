package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GrantDecryptByAlias grants grantee kms:Decrypt on the key in another
// account that carries alias, used only through viaService. It is an L2
// principal grant: the key ARN (its random key id) need not be known, only
// the alias, which the hub sets. The key's own policy must also allow it.
func GrantDecryptByAlias(grantee awsiam.IGrantable, partition, account, region, alias, viaService string) awsiam.Grant {
	keys := "arn:" + partition + ":kms:" + region + ":" + account + ":key/*"
	if c, ok := grantee.(constructs.IConstruct); ok {
		Suppress(c, "AwsSolutions-IAM5", "The hub key's id is random and unknown to the spoke; the grant is narrowed to the key carrying the hub's alias (kms:ResourceAliases), used through Secrets Manager in the hub region (kms:ViaService).", "Resource::"+keys)
	}
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("kms:Decrypt"),
		ResourceArns: jsii.Strings(keys),
		Conditions: &map[string]*map[string]any{
			"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias},
			"StringEquals":             {"kms:ViaService": viaService},
		},
	})
}
