package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PipelineArtifactStoreProps configures a pipeline's artifact bucket and key
// in one region.
type PipelineArtifactStoreProps struct {
	// OrganizationID whose CDK deploy roles may read the artifacts.
	// Required.
	OrganizationID string
	// BucketName of the bucket: deterministic, so a pipeline in another
	// region can name it. Required.
	BucketName string
	// KeyAlias of the bucket's key, e.g. alias/hubspoke/pipeline-artifacts.
	// Required.
	KeyAlias string
	// Qualifier of the CDK bootstrap whose deploy roles read. Default:
	// hnb659fds.
	Qualifier string
	// ArtifactDays after which artifacts expire. Default: 30.
	ArtifactDays int
	// PipelineRolePattern matches the pipeline's own roles (same account),
	// which use the key through its policy: CDK grants them by the key's
	// alias, which KMS does not honour in identity policies. Required, e.g.
	// arn:aws:iam::111111111111:role/PipelineStack-*.
	PipelineRolePattern string
}

// PipelineArtifactStore is a CodePipeline artifact bucket with its key whose
// policies trust the organization's CDK deploy roles by name pattern
// (aws:PrincipalOrgID and aws:PrincipalArn), instead of CDK Pipelines'
// default of naming every target account's deploy role: no policy grows with
// the fleet, and no target needs to exist (be bootstrapped) before the
// pipeline. Give the pipeline ImportedBucket, so that CDK Pipelines adds no
// per-target statement of its own.
type PipelineArtifactStore interface {
	constructs.IConstruct
	Bucket() awss3.Bucket
	Key() awskms.Key
}

type pipelineArtifactStore struct {
	constructs.Construct
	bucket awss3.Bucket
	key    awskms.Key
}

func (s *pipelineArtifactStore) Bucket() awss3.Bucket { return s.bucket }
func (s *pipelineArtifactStore) Key() awskms.Key      { return s.key }

// NewPipelineArtifactStore creates the key (rotating, aliased) and the
// bucket (KMS-encrypted, TLS only, no public access, artifacts expiring).
func NewPipelineArtifactStore(scope constructs.Construct, id string, props *PipelineArtifactStoreProps) PipelineArtifactStore {
	this := constructs.NewConstruct(scope, &id)
	qualifier := props.Qualifier
	if qualifier == "" {
		qualifier = "hnb659fds"
	}
	deployRoles := "arn:" + *awscdk.Aws_PARTITION() + ":iam::*:role/cdk-" + qualifier + "-deploy-role-*"
	org := map[string]any{
		"StringEquals": map[string]any{"aws:PrincipalOrgID": props.OrganizationID},
		"ArnLike":      map[string]any{"aws:PrincipalArn": deployRoles},
	}
	key := awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the pipeline's artifacts in " + props.BucketName),
		EnableKeyRotation: jsii.Bool(true),
		Alias:             jsii.String(props.KeyAlias),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	key.AddToResourcePolicy(awsiam.PolicyStatement_FromJson(map[string]any{
		"Sid": "OrganizationDeployRolesUseArtifacts", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"},
		"Resource":  "*",
		"Condition": org,
	}), nil)
	key.AddToResourcePolicy(awsiam.PolicyStatement_FromJson(map[string]any{
		"Sid": "PipelineRolesUseArtifacts", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"},
		"Resource":  "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": *awscdk.Aws_ACCOUNT_ID()}, "ArnLike": map[string]any{"aws:PrincipalArn": props.PipelineRolePattern}},
	}), nil)
	bucket := awss3.NewBucket(this, jsii.String("Bucket"), &awss3.BucketProps{
		BucketName:        jsii.String(props.BucketName),
		Encryption:        awss3.BucketEncryption_KMS,
		EncryptionKey:     key,
		BucketKeyEnabled:  jsii.Bool(true),
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(float64(orDefault(props.ArtifactDays, 30)))),
		}},
	})
	bucket.AddToResourcePolicy(awsiam.PolicyStatement_FromJson(map[string]any{
		"Sid": "OrganizationDeployRolesUseArtifacts", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject*", "s3:Abort*", "s3:DeleteObject*"},
		"Resource":  []any{*bucket.BucketArn(), *bucket.BucketArn() + "/*"},
		"Condition": org,
	}))
	Suppress(bucket, "AwsSolutions-S1", "Transient pipeline artifacts, encrypted with the store's key, reachable only by the organization's CDK deploy roles and the pipeline; CloudTrail records access.")
	return &pipelineArtifactStore{Construct: this, bucket: bucket, key: key}
}

// ImportedArtifactBucket names an artifact store's bucket and key (from
// their deterministic names) without a handle CDK could add statements
// through: CDK Pipelines then grants nothing per target.
func ImportedArtifactBucket(scope constructs.Construct, id, partition, account, region, bucketName, keyAlias string) awss3.IBucket {
	return awss3.Bucket_FromBucketAttributes(scope, jsii.String(id), &awss3.BucketAttributes{
		BucketName: jsii.String(bucketName),
		BucketArn:  jsii.String("arn:" + partition + ":s3:::" + bucketName),
		Region:     jsii.String(region),
		Account:    jsii.String(account),
		EncryptionKey: awskms.Key_FromKeyArn(scope, jsii.String(id+"Key"),
			jsii.String("arn:"+partition+":kms:"+region+":"+account+":"+keyAlias)),
	})
}
