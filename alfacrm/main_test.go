package alfacrm

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves goroutines behind (a login or a
// dictionary load that never ends, a leaked connection).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
