package constructs

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"hubspoke-cdk/internal/testutil"
)

const (
	ecsRole     = "AWSServiceRoleForECS"
	scalingRole = "AWSServiceRoleForApplicationAutoScaling_ECSService"
)

// The function against a stand-in of IAM (a role just created is invisible
// to GetRole for a while; creating an existing one is InvalidInput "has been
// taken"): a fresh account gets both roles and waits 20 s once after
// creating them; an account that has them makes two GetRole calls and no
// wait; a role created meanwhile by someone else is fine; a missing
// permission names the command that creates the role; a role that never
// becomes visible fails after 30 s; delete touches nothing.
func TestServiceLinkedRolesFunction(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Fatal("python3 with boto3 is needed (pip install boto3):", err)
	}
	stack := spokeStack(t)
	NewServiceLinkedRoles(stack, "Roles", &ServiceLinkedRolesProps{})
	props := testutil.Props(testutil.One(t, testutil.JSON(t, stack), "Custom::ServiceLinkedRoles"))
	delete(props, "ServiceToken")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "servicelinkedroles.py"), []byte(serviceLinkedRolesCode), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(props)
	cmd := exec.Command("python3", "testdata/servicelinkedroles_harness.py", dir)
	cmd.Stdin = bytes.NewReader(spec)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	var res map[string]struct {
		Status string
		Data   map[string]string
		Reason string
		Calls  []string
		Slept  int
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	get := func(n string) string { return "GetRole " + n }
	for _, c := range []struct {
		name    string
		status  string
		created string
		calls   []string
		slept   int
		reason  []string
	}{
		{"fresh account", "SUCCESS", ecsRole + "," + scalingRole, []string{
			get(ecsRole), "CreateServiceLinkedRole ecs.amazonaws.com", get(ecsRole), get(ecsRole), get(ecsRole),
			get(scalingRole), "CreateServiceLinkedRole ecs.application-autoscaling.amazonaws.com", get(scalingRole), get(scalingRole), get(scalingRole),
		}, 2 + 2 + 2 + 2 + 20, nil},
		{"both exist", "SUCCESS", "", []string{get(ecsRole), get(scalingRole)}, 0, nil},
		{"scaling role missing", "SUCCESS", scalingRole, []string{get(ecsRole), get(scalingRole), "CreateServiceLinkedRole ecs.application-autoscaling.amazonaws.com", get(scalingRole)}, 20, nil},
		{"created meanwhile", "SUCCESS", ecsRole, []string{get(ecsRole), "CreateServiceLinkedRole ecs.amazonaws.com", get(ecsRole), get(scalingRole)}, 20, nil},
		{"access denied", "FAILED", "", []string{get(ecsRole), "CreateServiceLinkedRole ecs.amazonaws.com"}, 0,
			[]string{ecsRole, "not authorized", "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"}},
		{"never visible", "FAILED", "", nil, 30, []string{ecsRole, "not visible 30 s after it was created", "deploy again"}},
		{"delete", "SUCCESS", "", []string{}, 0, nil},
	} {
		r := res[c.name]
		if r.Status != c.status || r.Data["Created"] != c.created || r.Slept != c.slept {
			t.Errorf("%s: %s created %q slept %d s (%q), want %s created %q slept %d s", c.name, r.Status, r.Data["Created"], r.Slept, r.Reason, c.status, c.created, c.slept)
		}
		if c.calls != nil && !reflect.DeepEqual(r.Calls, c.calls) && !(len(c.calls) == 0 && len(r.Calls) == 0) {
			t.Errorf("%s: calls\n%v\nwant\n%v", c.name, r.Calls, c.calls)
		}
		for _, w := range c.reason {
			if !strings.Contains(r.Reason, w) {
				t.Errorf("%s: reason %q lacks %q", c.name, r.Reason, w)
			}
		}
	}
}

// The construct: the function may create only these two service-linked
// roles (by ARN and iam:AWSServiceName) and read them.
func TestServiceLinkedRolesConstruct(t *testing.T) {
	stack := spokeStack(t)
	NewServiceLinkedRoles(stack, "Roles", &ServiceLinkedRolesProps{})
	arns := []any{
		"arn:aws:iam::222222222222:role/aws-service-role/ecs.amazonaws.com/" + ecsRole,
		"arn:aws:iam::222222222222:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/" + scalingRole,
	}
	testutil.Check(t, "role", func() {
		tpl := testutil.Template(stack)
		tpl.HasResourceProperties(jsii.String("Custom::ServiceLinkedRoles"), map[string]any{
			"Roles":              `[["ecs.amazonaws.com","` + ecsRole + `"],["ecs.application-autoscaling.amazonaws.com","` + scalingRole + `"]]`,
			"PropagationSeconds": 20,
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"Policies": []any{map[string]any{
			"PolicyName": "ServiceLinkedRoles",
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Effect": "Allow", "Action": "iam:GetRole", "Resource": arns},
				map[string]any{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": arns,
					"Condition": map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": []any{"ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"}}}},
			})},
		}}})
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{"Code": map[string]any{"ZipFile": serviceLinkedRolesCode}, "Timeout": 80})
	})
}
