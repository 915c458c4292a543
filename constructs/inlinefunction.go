package constructs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// inlinePythonFunction is what the preflight and the demand poller share: a
// Python function whose code is inline (no asset to publish), with its own
// log group and a named role whose inline policy grants Statements and
// writing to that log group, nothing else.
type inlinePythonFunction struct {
	RoleName, RoleDescription string
	// PolicyName of the role's inline policy; Statements are its
	// statements before the one that writes the function's logs.
	PolicyName string
	Statements []any
	// Description and Code of the function.
	Description, Code string
	TimeoutSeconds    int
	MemoryMiB         int
	// LogRetentionDays of the function's logs. Default: 7.
	LogRetentionDays int
}

// add creates the log group "Logs", the role "Role" and the function
// "Function" in scope.
func (p inlinePythonFunction) add(scope constructs.Construct) (awsiam.Role, awslambda.CfnFunction) {
	logs := awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retentionDays[orDefault(p.LogRetentionDays, 7)],
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	statements := append(append([]any{}, p.Statements...),
		map[string]any{"Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": logs.LogGroupArn()})
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(p.RoleName),
		Description: jsii.String(p.RoleDescription),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{p.PolicyName: awsiam.PolicyDocument_FromJson(map[string]any{
			"Version": "2012-10-17", "Statement": statements,
		})},
	})
	fn := awslambda.NewCfnFunction(scope, jsii.String("Function"), &awslambda.CfnFunctionProps{
		Description:   jsii.String(p.Description),
		Runtime:       jsii.String("python3.14"),
		Handler:       jsii.String("index.handler"),
		Code:          &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String(p.Code)},
		Role:          role.RoleArn(),
		Timeout:       jsii.Number(float64(p.TimeoutSeconds)),
		MemorySize:    jsii.Number(float64(p.MemoryMiB)),
		LoggingConfig: &awslambda.CfnFunction_LoggingConfigProperty{LogGroup: logs.LogGroupName()},
	})
	return role, fn
}
