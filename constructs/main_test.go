package constructs

import (
	"testing"

	"hubspoke-cdk/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
