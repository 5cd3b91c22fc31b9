// Command bench measures leadkit against the fake Graph API and the fake
// AlfaCRM, side by side in one run, and prints the results as a table (or
// JSON).
//
//	go run ./examples/bench [-latency 2ms] [-quick] [-format table|json] [-only graph,enrich,decode,heap,webhook]
//
// Both fakes run in this process on loopback ports and add -latency to
// every response, standing in for the network; the clients wired to them
// (metaleadstest.Server.Client, alfacrmtest.Server.Client) have no
// client-side rate limiter. The sections:
//
//   - graph: a full sync of the demo Page's forms and of a synthetic form,
//     with leadkit's Leads iterator at its default page size (100), with a
//     25-per-page cursor (the default of Meta's SDKs and of Graph itself),
//     and the seed's approach (one request of limit=100 per form, which
//     misses every lead after the first 100). Requests are compared with the
//     minimum Σ max(1, ⌈N_form/page⌉); a last run injects empty pages and
//     transient errors and checks requests = minimum + empty pages + retries.
//   - enrich: the demo's leads against its CRM cards with the naive
//     sequential per-lead baseline, the per-lead strategy and the bulk
//     strategy: AlfaCRM requests, wall time, leads matched.
//   - decode: decoding and normalising one page of leads against a bare
//     encoding/json decode into a plain struct: time and allocations per lead.
//   - heap: the peak heap in use while iterating a small and a ten times
//     larger synthetic form (it must not grow with the number of leads).
//   - webhook: acknowledgements per second of signed deliveries over
//     loopback from several concurrent senders, and the acknowledgement
//     latency (p50, p99) under that load and one at a time, with an instant
//     lead fetcher and with a slow fake Graph API.
//
// The sections with targets end with checks. The program exits with
// status 1 when a check on counts (requests, ratios of requests, leads
// fetched) fails; checks on time and memory are reported, since the machine
// may be busy.
//
// -quick shrinks every size (for CI and the program's test): 400 demo leads
// and 150 CRM cards (the proportions of the full demo, 4,000 and 1,500, so
// the ratios of requests hold), a 2,000-lead synthetic form, 2,000 vs
// 10,000 leads for the heap (five times as many), and short webhook runs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/internal/demo"
)

const usage = `usage: bench [-latency 2ms] [-quick] [-format table|json] [-only graph,enrich,decode,heap,webhook]

Benchmarks leadkit against the in-process fake Graph API and fake AlfaCRM
with injected latency and prints the results to stdout.`

func main() { cli.Main("bench", run) }

// sectionNames are the sections in the order they run and print.
var sectionNames = []string{"graph", "enrich", "decode", "heap", "webhook"}

// ref is the demo data's reference day: fixed, so that every run serves the
// same leads and customers.
var ref = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

// crmLoc is the school's time zone (the CRM fake's default, MSK).
var crmLoc = time.FixedZone("MSK", 3*60*60)

// sizes are the sizes of one run.
type sizes struct {
	demoLeads, demoCustomers int           // demo data set (0 = the demo defaults)
	synthetic                int           // leads of the synthetic form synced in "graph"
	decodeTime               time.Duration // minimum time per decode measurement
	heapSmall, heapLarge     int           // synthetic forms iterated in "heap"
	ackLoad                  time.Duration // duration of each webhook load run
	ackIdle                  int           // sequential acknowledgements per fetcher
}

var (
	fullSizes  = sizes{synthetic: 25_000, decodeTime: time.Second, heapSmall: 10_000, heapLarge: 100_000, ackLoad: 3 * time.Second, ackIdle: 2000}
	quickSizes = sizes{demoLeads: 400, demoCustomers: 150, synthetic: 2000, decodeTime: 100 * time.Millisecond,
		heapSmall: 2000, heapLarge: 10_000, ackLoad: 300 * time.Millisecond, ackIdle: 200}
)

// env is what the sections share.
type env struct {
	latency time.Duration
	quick   bool
	sz      sizes
	stderr  io.Writer

	dsOnce sync.Once
	ds     *demo.Dataset
}

// dataset builds the demo data set once; both fakes serve it.
func (e *env) dataset() *demo.Dataset {
	e.dsOnce.Do(func() {
		e.ds = demo.New(demo.Config{Ref: ref, Loc: crmLoc, Leads: e.sz.demoLeads, Customers: e.sz.demoCustomers})
	})
	return e.ds
}

func (e *env) progress(format string, args ...any) {
	fmt.Fprintf(e.stderr, "bench: "+format+"\n", args...)
}

// Report is the whole result; -format json prints it.
type Report struct {
	Machine Machine         `json:"machine"`
	Latency string          `json:"latency"`
	Quick   bool            `json:"quick"`
	Graph   *GraphSection   `json:"graph,omitempty"`
	Enrich  *EnrichSection  `json:"enrich,omitempty"`
	Decode  *DecodeSection  `json:"decode,omitempty"`
	Heap    *HeapSection    `json:"heap,omitempty"`
	Webhook *WebhookSection `json:"webhook,omitempty"`
	Checks  []Check         `json:"checks"`
}

// Machine describes where the run happened.
type Machine struct {
	Date       string `json:"date"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
}

// Check kinds: failed count checks make the program fail; time and memory
// checks are reported only.
const (
	KindCount  = "count"
	KindTime   = "time"
	KindMemory = "memory"
)

// Check is one target and what the run got.
type Check struct {
	Section string `json:"section"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	Got     string `json:"got"`
	OK      bool   `json:"ok"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("bench", usage, stderr)
	latency := fs.Duration("latency", 2*time.Millisecond, "`delay` the fakes add to every response")
	quick := fs.Bool("quick", false, "small sizes (for CI and tests)")
	format := fs.String("format", "table", "output `format`: table or json")
	only := fs.String("only", "", "comma-separated `sections` to run: "+strings.Join(sectionNames, ",")+" (default all)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	*format = strings.ToLower(strings.TrimSpace(*format))
	if *format != "table" && *format != "json" {
		return fmt.Errorf("-format %q: want table or json", *format)
	}
	if *latency < 0 {
		return fmt.Errorf("-latency %v: negative", *latency)
	}
	selected, err := parseOnly(*only)
	if err != nil {
		return err
	}
	e := &env{latency: *latency, quick: *quick, sz: fullSizes, stderr: stderr}
	if *quick {
		e.sz = quickSizes
	}
	rep := Report{Machine: machine(), Latency: latency.String(), Quick: *quick, Checks: []Check{}}
	for _, name := range sectionNames {
		if !selected[name] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		e.progress("%s…", name)
		var checks []Check
		switch name {
		case "graph":
			rep.Graph, checks, err = benchGraph(ctx, e)
		case "enrich":
			rep.Enrich, checks, err = benchEnrich(ctx, e)
		case "decode":
			rep.Decode, checks, err = benchDecode(ctx, e)
		case "heap":
			rep.Heap, checks, err = benchHeap(ctx, e)
		case "webhook":
			rep.Webhook, checks, err = benchWebhook(ctx, e)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Checks = append(rep.Checks, checks...)
		e.progress("%s done in %v", name, time.Since(start).Round(time.Millisecond))
	}
	if *format == "json" {
		err = cli.WriteJSON(stdout, rep)
	} else {
		err = writeReport(stdout, rep)
	}
	if err != nil {
		return err
	}
	return failedCounts(rep.Checks)
}

// failedCounts returns an error naming the failed count checks, if any.
func failedCounts(checks []Check) error {
	var failed []string
	for _, c := range checks {
		if !c.OK && c.Kind == KindCount {
			failed = append(failed, c.Section+": "+c.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d count check(s) failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// parseOnly reads -only; empty means every section.
func parseOnly(s string) (map[string]bool, error) {
	sel := map[string]bool{}
	if strings.TrimSpace(s) == "" {
		for _, n := range sectionNames {
			sel[n] = true
		}
		return sel, nil
	}
	for _, part := range strings.Split(s, ",") {
		n := strings.ToLower(strings.TrimSpace(part))
		if !slices.Contains(sectionNames, n) {
			return nil, fmt.Errorf("-only: unknown section %q (want some of %s)", part, strings.Join(sectionNames, ","))
		}
		sel[n] = true
	}
	return sel, nil
}

func machine() Machine {
	return Machine{
		Date:       time.Now().UTC().Format(time.RFC3339),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPUModel:   cpuModel(),
	}
}

// cpuModel reads the first "model name" of /proc/cpuinfo, if there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// check builds a Check.
func check(section, name, kind string, ok bool, target, got string, args ...any) Check {
	return Check{Section: section, Name: name, Kind: kind, Target: target, Got: fmt.Sprintf(got, args...), OK: ok}
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// us converts a duration to float microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// errNoData is returned when a fake served nothing to measure.
var errNoData = errors.New("the fake served no data")
