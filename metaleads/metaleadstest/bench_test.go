package metaleadstest_test

// Benchmarks of the metaleads client against the fake: the requests a full
// sync makes, and the heap an iterator over a large form needs.

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// syncCount is what one full sync did and what it should have cost.
type syncCount struct {
	leads        int // leads delivered
	leadRequests int // requests to /{form-id}/leads that the fake received
	minimum      int // Σ over forms of max(1, ⌈N_form/page⌉)
	emptyPages   int // empty pages with a next link the fake served
	retries      int // lead requests answered with an injected fault
}

// expected is the formula: Σ⌈N_form/page⌉ + empty pages + retries.
func (s syncCount) expected() int { return s.minimum + s.emptyPages + s.retries }

// fullSync reads every lead of every form of the Page with the client's
// iterators, after queueing `faults` transient Graph errors for lead
// requests, and counts the lead requests the fake saw. A form without leads
// still costs its one (empty) page, hence max(1, ⌈N/page⌉).
func fullSync(tb testing.TB, srv *metaleadstest.Server, c *metaleads.Client, faults int) syncCount {
	tb.Helper()
	ctx := context.Background()
	srv.ResetRequests()
	if faults > 0 {
		srv.FailMatching("/leads", faults, metaleadstest.TransientFault())
	}
	var n syncCount
	page := metaleads.DefaultLeadsPageSize
	for f, err := range c.Forms(ctx, srv.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			tb.Fatal(err)
		}
		got := 0
		for _, err := range c.Leads(ctx, f.ID, metaleads.LeadsOptions{}) {
			if err != nil {
				tb.Fatal(err)
			}
			got++
		}
		if want := f.LeadsCount - f.ExpiredLeadsCount; got != want {
			tb.Fatalf("form %s: %d leads, the form says %d", f.ID, got, want)
		}
		n.leads += got
		n.minimum += max(1, (got+page-1)/page)
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/leads") {
			n.leadRequests++
		}
	}
	st := srv.Stats()
	n.emptyPages = st.EmptyLeadPages
	n.retries = st.Faults
	return n
}

// newSyncServer serves the demo Page with demoLeads leads over its forms,
// plus a synthetic form, with an empty page every 7th lead page.
func newSyncServer(tb testing.TB, demoLeads, synthetic int) (*metaleadstest.Server, *metaleads.Client) {
	tb.Helper()
	srv := newEmpty(tb, metaleadstest.WithDemoConfig(demo.Config{Ref: ref, Leads: demoLeads}),
		metaleadstest.WithSyntheticForm("", synthetic), metaleadstest.WithEmptyPages(7))
	c, err := srv.Client()
	if err != nil {
		tb.Fatal(err)
	}
	return srv, c
}

// A full sync makes exactly Σ⌈N_form/page⌉ + empty pages + retries lead
// requests: no page is read twice and none is skipped.
func TestFullSyncRequestCount(t *testing.T) {
	srv, c := newSyncServer(t, 800, 1234)
	n := fullSync(t, srv, c, 3)
	if n.retries != 3 || n.emptyPages == 0 {
		t.Fatalf("the fake injected %d faults and %d empty pages; want 3 and some", n.retries, n.emptyPages)
	}
	if n.leadRequests != n.expected() {
		t.Fatalf("%d lead requests, want %d = %d pages + %d empty + %d retries",
			n.leadRequests, n.expected(), n.minimum, n.emptyPages, n.retries)
	}
}

// BenchmarkFullSync syncs the demo Page plus a 20,000-lead synthetic form
// with empty pages and three transient errors injected, and reports the lead
// requests made next to the formula Σ⌈N_form/page⌉ + empty pages + retries
// (it fails if they differ).
func BenchmarkFullSync(b *testing.B) {
	srv, c := newSyncServer(b, demo.DefaultLeads, 20_000)
	var n syncCount
	for b.Loop() {
		n = fullSync(b, srv, c, 3)
		if n.leadRequests != n.expected() {
			b.Fatalf("%d lead requests, want %d = %d pages + %d empty + %d retries",
				n.leadRequests, n.expected(), n.minimum, n.emptyPages, n.retries)
		}
	}
	b.ReportMetric(float64(n.leadRequests), "lead-requests/op")
	b.ReportMetric(float64(n.expected()), "formula/op")
	b.ReportMetric(float64(n.minimum), "min-pages/op")
	b.ReportMetric(float64(n.emptyPages), "empty-pages/op")
	b.ReportMetric(float64(n.retries), "retries/op")
	b.ReportMetric(float64(n.leads)*float64(b.N)/b.Elapsed().Seconds(), "leads/s")
}

// BenchmarkLeadsIteratorHeap ranges over the client's Leads iterator on
// synthetic forms of 10,000 and 100,000 leads (default page size) and
// reports the peak live heap of the process (client and fake) above the
// baseline taken before the run: it stays flat as N grows, because the
// iterator holds one page at a time and the fake generates pages on demand.
func BenchmarkLeadsIteratorHeap(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run("leads="+strconv.Itoa(n), func(b *testing.B) {
			srv := newEmpty(b, metaleadstest.WithSyntheticForm("", n), metaleadstest.WithRequestLog(0))
			formID := srv.SyntheticFormIDs()[0]
			c, err := srv.Client()
			if err != nil {
				b.Fatal(err)
			}
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				base := heapAfterGC()
				top := base
				count := 0
				for _, err := range c.Leads(context.Background(), formID, metaleads.LeadsOptions{}) {
					if err != nil {
						b.Fatal(err)
					}
					count++
					if count%1000 == 0 {
						runtime.ReadMemStats(&ms)
						top = max(top, ms.HeapAlloc)
					}
				}
				if count != n {
					b.Fatalf("got %d leads, want %d", count, n)
				}
				peak = max(peak, top-base)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "leads/s")
		})
	}
}
