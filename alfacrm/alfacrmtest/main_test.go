package alfacrmtest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves goroutines behind: a server that
// was not closed, a handler stuck in a delay, a client connection left open.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
