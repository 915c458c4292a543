package constructs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

// Account mode names accounts as principals and pins exact role ARNs;
// organization mode trusts the organization and a role-name pattern.
func TestTrustedPrincipalsStatement(t *testing.T) {
	app := testutil.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	cases := []struct {
		name  string
		trust TrustedPrincipals
		want  string
	}{
		{"account mode", TrustedPrincipals{
			Accounts: []string{"333333333333", "222222222222", "222222222222"},
			RoleArns: []string{"arn:aws:iam::333333333333:role/b", "arn:aws:iam::222222222222:role/a"},
		}, `{"Action":"ecr:BatchGetImage","Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::222222222222:role/a","arn:aws:iam::333333333333:role/b"]}},"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::333333333333:root"]},"Sid":"X"}`},
		{"one account renders as a string", TrustedPrincipals{
			Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws-cn:iam::222222222222:role/a"},
		}, `{"Action":"ecr:BatchGetImage","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws-cn:iam::222222222222:role/a"}},"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::222222222222:root"},"Sid":"X"}`},
		{"organization mode", TrustedPrincipals{
			OrganizationID: "o-abcdefghij", Accounts: []string{"222222222222"}, RoleArns: []string{"arn:aws:iam::*:role/p-*"},
		}, `{"Action":"ecr:BatchGetImage","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/p-*"},"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}},"Effect":"Allow","Principal":{"AWS":"*"},"Sid":"X"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.trust.Statement("X", []string{"ecr:BatchGetImage"}, nil, nil)
			doc := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{st}})
			got := ResolvedJSON(stack, doc)
			if want := `{"Statement":[` + tc.want + `],"Version":"2012-10-17"}`; got != want {
				t.Errorf("statement\n got %s\nwant %s", got, want)
			}
		})
	}
	if !(TrustedPrincipals{}).Empty() {
		t.Error("a zero TrustedPrincipals must be empty")
	}
}

// Extra conditions merge into the operator they belong to (checked as the
// statement renders in a template).
func TestTrustedPrincipalsExtraConditions(t *testing.T) {
	app := testutil.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	trust := TrustedPrincipals{OrganizationID: "o-abcdefghij", RoleArns: []string{"arn:aws:iam::*:role/p-*"}}
	st := trust.Statement("K", []string{"kms:Decrypt"}, []string{"*"}, map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}})
	doc := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{st}})
	got := ResolvedJSON(stack, doc)
	want := `{"Statement":[{"Action":"kms:Decrypt","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/p-*"},"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij","kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}},"Effect":"Allow","Principal":{"AWS":"*"},"Resource":"*","Sid":"K"}],"Version":"2012-10-17"}`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
