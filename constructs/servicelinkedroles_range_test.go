package constructs

import (
	"fmt"
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// PropagationSeconds may be 0-40 (the function's timeout leaves room for
// the wait): 40 is accepted and reaches the custom resource; 41 is refused
// with the range.
func TestServiceLinkedRolesPropagationRange(t *testing.T) {
	stack := spokeStack(t)
	NewServiceLinkedRoles(stack, "Roles", &ServiceLinkedRolesProps{PropagationSeconds: 40})
	if got := testutil.Props(testutil.One(t, testutil.JSON(t, stack), "Custom::ServiceLinkedRoles"))["PropagationSeconds"]; got != 40.0 {
		t.Errorf("PropagationSeconds %v, want 40", got)
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		NewServiceLinkedRoles(spokeStack(t), "Roles", &ServiceLinkedRolesProps{PropagationSeconds: 41})
		return nil
	}()
	if err == nil || err.Error() != "ServiceLinkedRoles: PropagationSeconds 41 is not within 0-40" {
		t.Errorf("41: %v, want it refused with the range", err)
	}
}
