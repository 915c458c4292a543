package fleetconstructs

import (
	"testing"

	"hubspoke/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
