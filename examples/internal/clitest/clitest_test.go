package clitest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
)

func TestClearEnvRestoresTheClock(t *testing.T) {
	real := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return real }
	t.Setenv(cli.EnvPageToken, "test-page-token-XYZ")
	t.Run("sandboxed", func(t *testing.T) {
		d := Sandbox(t, &now)
		if !now().Equal(Ref) {
			t.Errorf("now() = %v, want %v", now(), Ref)
		}
		if v, ok := os.LookupEnv(cli.EnvPageToken); !ok || v != "" {
			t.Errorf("%s = %q, %v; want it set empty", cli.EnvPageToken, v, ok)
		}
		if d != Demo() || len(d.Leads) == 0 {
			t.Errorf("Sandbox returned %p with %d leads, Demo() is %p", d, len(d.Leads), Demo())
		}
	})
	if !now().Equal(real) {
		t.Errorf("after the test now() = %v, want %v", now(), real)
	}
	if v := os.Getenv(cli.EnvPageToken); v != "test-page-token-XYZ" {
		t.Errorf("after the test %s = %q", cli.EnvPageToken, v)
	}
}

func TestRun(t *testing.T) {
	var gotArgs []string
	run := func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		gotArgs = args
		fmt.Fprint(stdout, "out")
		fmt.Fprint(stderr, "err")
		return nil
	}
	stdout, stderr := Run(t, run, "-a", "b")
	if stdout != "out" || stderr != "err" || len(gotArgs) != 2 || gotArgs[1] != "b" {
		t.Errorf("Run = %q, %q with args %q", stdout, stderr, gotArgs)
	}

	failing := func(context.Context, []string, io.Writer, io.Writer) error { return errors.New("boom") }
	ft := &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		Run(ft, failing)
	}()
	if !ft.failed {
		t.Error("a failing run did not fail the test")
	}
}

// fakeTB records Fatalf instead of ending the test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

func TestRunFails(t *testing.T) {
	fails := func(_ context.Context, _ []string, _, stderr io.Writer) error {
		fmt.Fprint(stderr, "check LEADKIT_PHONE_REGION")
		return errors.New("bad input")
	}
	RunFails(t, fails, "LEADKIT_PHONE_REGION")
	RunFails(t, fails, "bad input")

	for name, run := range map[string]cli.RunFunc{
		"succeeds":      func(context.Context, []string, io.Writer, io.Writer) error { return nil },
		"help":          func(context.Context, []string, io.Writer, io.Writer) error { return flag.ErrHelp },
		"wrong message": func(context.Context, []string, io.Writer, io.Writer) error { return errors.New("other") },
		"writes stdout": func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			fmt.Fprint(stdout, "partial")
			return errors.New("bad input")
		},
	} {
		ft := &fakeTB{TB: t}
		func() {
			defer func() { _ = recover() }()
			RunFails(ft, run, "bad input")
		}()
		if !ft.failed {
			t.Errorf("%s: RunFails passed", name)
		}
	}
}

func TestDecodeArray(t *testing.T) {
	type item struct {
		N int `json:"n"`
	}
	if got := DecodeArray[item](t, `[{"n":1},{"n":2}]`); len(got) != 2 || got[1].N != 2 {
		t.Errorf("DecodeArray = %+v", got)
	}
	if got := DecodeArray[item](t, `[]`); got == nil || len(got) != 0 {
		t.Errorf("DecodeArray([]) = %#v, want an empty slice", got)
	}
	for _, bad := range []string{`null`, `[{"n":1,"x":2}]`, `{"n":1}`, `[{"n":`} {
		ft := &fakeTB{TB: t}
		func() {
			defer func() { _ = recover() }()
			DecodeArray[item](ft, bad)
		}()
		if !ft.failed {
			t.Errorf("DecodeArray accepted %s", bad)
		}
	}
}

func (f *fakeTB) Errorf(string, ...any) { f.failed = true }
