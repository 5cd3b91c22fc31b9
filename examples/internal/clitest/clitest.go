// Package clitest holds what the example programs' tests share: the demo
// data's reference day, a sandboxed environment and running a program's
// run function.
package clitest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/internal/demo"
)

// Ref is "now" in every example test: the demo data's reference day.
var Ref = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// EnvVars are every variable the examples read.
var EnvVars = []string{
	cli.EnvUserToken, cli.EnvPageToken, cli.EnvPageID, cli.EnvAdAccountID, cli.EnvAppID, cli.EnvAppSecret,
	cli.EnvGraphURL, cli.EnvAPIVersion, cli.EnvVerifyToken, cli.EnvPhoneRegion, cli.EnvLog,
	cli.EnvCRMBaseURL, cli.EnvCRMEmail, cli.EnvCRMAPIKey, cli.EnvCRMBranchID, cli.EnvCRMCompanyID,
	cli.EnvCRMTimezone, cli.EnvCRMRPS, cli.EnvCRMIncomeTypes, cli.EnvCRMCurrency,
}

// Demo returns the data set both sandbox fakes serve at Ref (CRM dates in
// UTC). It is built once per test binary (that takes a while under the
// race detector); callers must not modify it.
var Demo = sync.OnceValue(func() *demo.Dataset { return demo.New(demo.Config{Ref: Ref, Loc: time.UTC}) })

// ClearEnv clears every variable the examples read, so that both sides run
// on their embedded fakes, and makes *now return Ref, until the test ends.
func ClearEnv(t testing.TB, now *func() time.Time) {
	t.Helper()
	for _, k := range EnvVars {
		t.Setenv(k, "")
	}
	old := *now
	*now = func() time.Time { return Ref }
	t.Cleanup(func() { *now = old })
}

// Sandbox is ClearEnv, returning Demo().
func Sandbox(t testing.TB, now *func() time.Time) *demo.Dataset {
	t.Helper()
	ClearEnv(t, now)
	return Demo()
}

// Run runs a program's run function with args and returns what it wrote to
// stdout and stderr; a failed run fails the test, with its stderr.
func Run(t testing.TB, run cli.RunFunc, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("run %q: %v\nstderr: %s", args, err, errb.String())
	}
	return out.String(), errb.String()
}
