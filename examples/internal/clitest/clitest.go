// Package clitest holds what the example programs' tests share: the demo
// data's reference day, a sandboxed environment and running a program's
// run function.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
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

// RunFails runs a program's run function with args and checks that it
// fails (not with flag.ErrHelp), names want in its error or on stderr, and
// writes nothing to stdout.
func RunFails(t testing.TB, run cli.RunFunc, want string, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run %q: error %v; stdout:\n%s", args, err, stdout.String())
	}
	if !strings.Contains(err.Error()+stderr.String(), want) {
		t.Errorf("error %q (stderr %q) does not name %q", err, stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q on error", stdout.String())
	}
}

// DecodeArray decodes s as one JSON array of T, rejecting unknown keys; a
// null or malformed array fails the test.
func DecodeArray[T any](t testing.TB, s string) []T {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var out []T
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, s)
	}
	if out == nil {
		t.Fatalf("%q is not an array", s)
	}
	return out
}
