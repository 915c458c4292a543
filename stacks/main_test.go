package stacks

import (
	"testing"

	"hubspoke-cdk/internal/testutil"
)

// TestMain closes jsii (which aws-cdk-go starts when this package loads) so
// no runtime directory is left in the temp dir.
func TestMain(m *testing.M) { testutil.Main(m) }
