package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/internal/heapmeter"
	"github.com/ecademy/leadkit/metaleads"
)

// The tests run the program at -quick sizes with no injected latency:
// request counts do not depend on latency, and timings are not asserted
// (they are the benchmark's output, and this machine is shared). Counts,
// ratios of counts and the heap bound are asserted.

func TestQuick(t *testing.T) {
	stdout, _ := clitest.Run(t, run, "-quick", "-latency", "0s", "-format", "json")
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, stdout)
	}
	if !rep.Quick || rep.Latency != "0s" || rep.Machine.CPUs < 1 || rep.Machine.GoVersion == "" {
		t.Errorf("header = quick %v, latency %q, machine %+v", rep.Quick, rep.Latency, rep.Machine)
	}
	if rep.Graph == nil || rep.Enrich == nil || rep.Decode == nil || rep.Heap == nil || rep.Webhook == nil {
		t.Fatalf("missing sections: %s", stdout)
	}

	// The table has every section.
	var table strings.Builder
	if err := writeReport(&table, rep); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{headGraph, headEnrich, headDecode, headHeap, headWebhook, headChecks} {
		if !strings.Contains(table.String(), h) {
			t.Errorf("table lacks %q:\n%s", h, table.String())
		}
	}

	// Count and memory checks hold; time checks are only reported.
	for _, c := range rep.Checks {
		if !c.OK && c.Kind != KindTime {
			t.Errorf("check failed: %+v", c)
		}
	}
	if err := failedCounts(rep.Checks); err != nil {
		t.Error(err)
	}

	t.Run("graph", func(t *testing.T) { checkGraph(t, rep.Graph) })
	t.Run("enrich", func(t *testing.T) { checkEnrich(t, rep.Enrich) })
	t.Run("decode", func(t *testing.T) { checkDecode(t, rep.Decode) })
	t.Run("heap", func(t *testing.T) { checkHeap(t, rep.Heap) })
	t.Run("webhook", func(t *testing.T) { checkWebhook(t, rep.Webhook) })
}

// quickData is the data set the quick run serves, rebuilt here so the
// expectations do not come from the program.
func quickData() *demo.Dataset {
	return demo.New(demo.Config{Ref: ref, Loc: crmLoc, Leads: quickSizes.demoLeads, Customers: quickSizes.demoCustomers})
}

func checkGraph(t *testing.T, g *GraphSection) {
	ds := quickData()
	var sizes []int
	for _, f := range ds.Forms {
		sizes = append(sizes, len(ds.LeadsOfForm(f.ID)))
	}
	minFor := func(ns []int, page int) int {
		m := 0
		for _, n := range ns {
			m += max(1, (n+page-1)/page)
		}
		return m
	}
	if len(g.Rows) != 7 {
		t.Fatalf("%d sync rows, want 7: %+v", len(g.Rows), g.Rows)
	}
	seeds, chaos := 0, 0
	for _, r := range g.Rows {
		ns := []int{quickSizes.synthetic}
		if strings.HasPrefix(r.Data, "demo") {
			ns = sizes
		}
		total := 0
		for _, n := range ns {
			total += n
		}
		if r.Leads != total || r.Forms != len(ns) || r.Minimum != minFor(ns, r.PageSize) {
			t.Errorf("%s / %s: %d leads in %d forms, minimum %d; want %d, %d, %d",
				r.Data, r.Approach, r.Leads, r.Forms, r.Minimum, total, len(ns), minFor(ns, r.PageSize))
		}
		if r.WallMS <= 0 {
			t.Errorf("%s / %s: no wall time", r.Data, r.Approach)
		}
		if strings.HasPrefix(r.Approach, "seed") {
			seeds++
			missed := 0
			for _, n := range ns {
				missed += max(0, n-100)
			}
			if r.Requests != len(ns) || r.Missed != missed || r.Fetched != total-missed || missed == 0 {
				t.Errorf("seed on %s: %d requests, %d missed, %d fetched; want %d, %d", r.Data, r.Requests, r.Missed, r.Fetched, len(ns), missed)
			}
			continue
		}
		// The claim: every lead exactly once, in the minimum number of
		// requests plus one per injected empty page and per retry.
		if r.Fetched != total || r.Missed != 0 || r.Duplicates != 0 {
			t.Errorf("%s / %s: fetched %d (missed %d, %d duplicates) of %d", r.Data, r.Approach, r.Fetched, r.Missed, r.Duplicates, total)
		}
		if r.Requests != r.Minimum+r.EmptyPages+r.Retries {
			t.Errorf("%s / %s: %d requests, want %d + %d + %d", r.Data, r.Approach, r.Requests, r.Minimum, r.EmptyPages, r.Retries)
		}
		if r.EmptyPages > 0 || r.Retries > 0 {
			chaos++
			// Every chaosEmptyEvery-th lead page is empty: one empty page
			// per chaosEmptyEvery-1 real ones, none after the last.
			if r.EmptyPages != (r.Minimum-1)/(chaosEmptyEvery-1) || r.Retries != chaosFaults {
				t.Errorf("faults row: %d empty pages, %d retries (minimum %d)", r.EmptyPages, r.Retries, r.Minimum)
			}
		} else if r.PageSize != 25 && r.PageSize != metaleads.DefaultLeadsPageSize {
			t.Errorf("%s / %s: page size %d", r.Data, r.Approach, r.PageSize)
		}
	}
	if seeds != 2 || chaos != 1 {
		t.Errorf("%d seed rows and %d rows with faults, want 2 and 1", seeds, chaos)
	}
}

func checkEnrich(t *testing.T, e *EnrichSection) {
	if e.Leads != quickSizes.demoLeads || e.Customers != quickSizes.demoCustomers || len(e.Rows) != 3 {
		t.Fatalf("enrich section: %+v", e)
	}
	by := map[string]EnrichRow{}
	for _, r := range e.Rows {
		by[r.Strategy] = r
	}
	naive, perLead, bulk := by["naive"], by["per-lead"], by["bulk"]
	if bulk.Requests == 0 || naive.Requests < e.Leads {
		t.Fatalf("requests: naive %d, bulk %d", naive.Requests, bulk.Requests)
	}
	// The quick size keeps the ≥ 20× claim: the bulk cost follows the
	// directory, the naive cost the leads (at least one search each).
	if r := float64(naive.Requests) / float64(bulk.Requests); r < targetEnrichRequests || r != e.NaiveBulkRequests {
		t.Errorf("naive/bulk requests = %.1f (reported %.1f), want ≥ %.0f", r, e.NaiveBulkRequests, targetEnrichRequests)
	}
	if perLead.Matched != bulk.Matched || bulk.Matched == 0 || naive.Matched >= bulk.Matched {
		t.Errorf("matched: naive %d, per-lead %d, bulk %d", naive.Matched, perLead.Matched, bulk.Matched)
	}
}

func checkDecode(t *testing.T, d *DecodeSection) {
	if len(d.Rows) != 3 || d.LeadsPerPage != metaleads.DefaultLeadsPageSize || d.BytesPerLead < 100 {
		t.Fatalf("decode section: %+v", d)
	}
	if d.Rows[0].VsPlain != 1 {
		t.Errorf("the plain decode is the reference: %+v", d.Rows[0])
	}
	for _, r := range d.Rows {
		if r.NsPerLead <= 0 || r.AllocsPerLead <= 0 || r.BytesPerLead <= 0 || r.VsPlain <= 0 {
			t.Errorf("row %+v", r)
		}
	}
	// Normalising allocates on top of decoding: the counts come from the
	// runtime, not the clock.
	if d.Rows[2].AllocsPerLead <= d.Rows[1].AllocsPerLead {
		t.Errorf("allocs per lead: decode %.1f, decode+normalise %.1f", d.Rows[1].AllocsPerLead, d.Rows[2].AllocsPerLead)
	}
}

func checkHeap(t *testing.T, h *HeapSection) {
	if len(h.Rows) != 2 || h.Rows[0].Leads != quickSizes.heapSmall || h.Rows[1].Leads != quickSizes.heapLarge {
		t.Fatalf("heap rows: %+v", h.Rows)
	}
	small, large := h.Rows[0], h.Rows[1]
	if large.Requests != quickSizes.heapLarge/metaleads.DefaultLeadsPageSize || large.Samples < 2 || small.PeakBytes < small.BaselineBytes {
		t.Errorf("heap rows: %+v", h.Rows)
	}
	if limit := heapmeter.Limit(small.PeakBytes); large.PeakBytes > limit {
		t.Errorf("peak heap %d bytes for %d leads > %d (small run: %d bytes for %d leads)",
			large.PeakBytes, large.Leads, limit, small.PeakBytes, small.Leads)
	}
}

func checkWebhook(t *testing.T, w *WebhookSection) {
	if len(w.Rows) != 3 || w.Senders != ackSenders {
		t.Fatalf("webhook section: %+v", w)
	}
	for _, r := range w.Rows {
		if r.Rejected != 0 || r.Acked < quickSizes.ackIdle || r.ReqPerSec <= 0 || r.IdleP50US <= 0 || r.LoadP99US < r.LoadP50US {
			t.Errorf("row %+v", r)
		}
	}
	if w.Rows[1].Handled == 0 {
		t.Errorf("the instant fetcher's handler handled nothing: %+v", w.Rows[1])
	}
}

func TestTableOnly(t *testing.T) {
	stdout, stderr := clitest.Run(t, run, "-quick", "-latency", "0s", "-only", " Decode ")
	for _, h := range []string{"leadkit bench — ", "-quick sizes", headDecode, "metaleads.Lead + Normalizer.ContactFromLead"} {
		if !strings.Contains(stdout, h) {
			t.Errorf("table lacks %q:\n%s", h, stdout)
		}
	}
	// The decode section has no targets, hence no checks.
	for _, h := range []string{headGraph, headEnrich, headHeap, headWebhook, headChecks} {
		if strings.Contains(stdout, h) {
			t.Errorf("table has %q:\n%s", h, stdout)
		}
	}
	if !strings.Contains(stderr, "bench: decode done") || strings.Contains(stderr, "bench: graph") {
		t.Errorf("progress:\n%s", stderr)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-format", "xml"},
		{"-only", "graph,nope"},
		{"-latency", "-1ms"},
		{"positional"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, &out, &errb)
		if err == nil || out.Len() > 0 {
			t.Errorf("run %q: err %v, stdout %q", args, err, out.String())
		}
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "-only") {
		t.Errorf("-h: %v\n%s", err, errb.String())
	}
}

func TestFailedCounts(t *testing.T) {
	checks := []Check{
		{Section: "graph", Name: "a", Kind: KindCount, OK: true},
		{Section: "webhook", Name: "slow", Kind: KindTime, OK: false},
		{Section: "heap", Name: "peak", Kind: KindMemory, OK: false},
	}
	if err := failedCounts(checks); err != nil {
		t.Errorf("only time and memory checks missed, got %v", err)
	}
	checks = append(checks, Check{Section: "enrich", Name: "ratio", Kind: KindCount, OK: false})
	if err := failedCounts(checks); err == nil || !strings.Contains(err.Error(), "enrich: ratio") {
		t.Errorf("got %v", err)
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"-quick", "-latency", "0s"}, &out, &errb); !errors.Is(err, context.Canceled) || out.Len() > 0 {
		t.Errorf("err %v, stdout %q", err, out.String())
	}
}
