package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ecademy/leadkit/metaleads"
)

// RunFunc is the body of an example program: it parses args (without the
// program name), writes data to stdout and progress to stderr, and stops
// early when ctx is cancelled.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs a program and exits: with status 0 on success (and for -h),
// 1 with "prog: error" on stderr otherwise. The context is cancelled on
// SIGINT or SIGTERM; a second signal kills the program at once.
func Main(prog string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // restore the default handling: a second Ctrl-C ends the process
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	default:
		Fatal(os.Stderr, prog, err)
	}
}

// NewFlagSet returns a flag set that reports errors (rather than exiting)
// and prints its messages and usage to stderr. usage, when not empty, is
// printed before the flag defaults.
func NewFlagSet(prog, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if usage != "" {
			fmt.Fprintln(stderr, strings.TrimRight(usage, "\n"))
		}
		fmt.Fprintf(stderr, "\nFlags of %s:\n", prog)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args with fs and rejects positional arguments.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	return nil
}

// StringList is a repeatable string flag (-form A -form B); blank values
// are rejected.
type StringList []string

// String implements flag.Value.
func (l *StringList) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value.
func (l *StringList) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty value")
	}
	*l = append(*l, s)
	return nil
}

// Normalizer returns the lead contact normaliser for LEADKIT_PHONE_REGION
// (DefaultPhoneRegion when unset).
func Normalizer() (*metaleads.Normalizer, error) {
	if err := checkPhoneRegion(); err != nil {
		return nil, err
	}
	n, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: PhoneRegion()})
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", EnvPhoneRegion, PhoneRegion(), err)
	}
	return n, nil
}

// WriteJSON writes v as indented JSON followed by a newline, without
// escaping <, > and & (the output is read by people and programs, not
// embedded in HTML).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
