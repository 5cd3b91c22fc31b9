package enrich

import (
	"context"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// benchLatency is the latency both fakes add to every response, standing
// in for the network.
const benchLatency = 2 * time.Millisecond

// BenchmarkEnrichStrategies enriches the whole demo data set — 4,000 leads
// against 1,500 CRM cards, with their payments and lessons — with the naive
// baseline, the per-lead strategy and the bulk strategy in the same run,
// against the fakes with 2 ms latency per response and no client-side rate
// limit. It reports each strategy's AlfaCRM requests (the fake's counter,
// logins and dictionaries included) and wall time, and the naive/bulk
// ratios. Leads are read from the Graph fake once, before timing. Both
// targets are checks that fail the benchmark: bulk must send ≥ 20× fewer
// requests and take ≥ 10× less wall time than naive (measured: 25–99×, so
// the 10× bound leaves room for a noisy machine).
//
// The naive run takes about 20 s at this size; it is run at full size
// anyway, since the point is the comparison at the size the demo has.
func BenchmarkEnrichStrategies(b *testing.B) {
	w := newWorld(b, []metaleadstest.Option{metaleadstest.WithLatency(benchLatency)}, alfacrmtest.WithLatency(benchLatency))
	leads := w.leads(b)
	ctx := context.Background()
	type result struct {
		requests int
		wall     time.Duration
		matched  int
	}
	run := func(s Strategy) result {
		e := newEnricher(b, newCRMClient(b, w.crm), Config{Strategy: s})
		before := w.crm.RequestCount()
		start := time.Now()
		els, err := e.EnrichAll(ctx, leads)
		wall := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		r := result{requests: w.crm.RequestCount() - before, wall: wall}
		for _, el := range els {
			if el.Matched() {
				r.matched++
			}
		}
		return r
	}
	var naive, perLead, bulk result
	b.ResetTimer()
	for b.Loop() {
		naive = run(StrategyNaive)
		perLead = run(StrategyPerLead)
		bulk = run(StrategyBulk)
	}
	b.StopTimer()
	if perLead.matched != bulk.matched {
		b.Fatalf("per-lead matched %d leads, bulk %d", perLead.matched, bulk.matched)
	}
	b.ReportMetric(float64(len(leads)), "leads")
	b.ReportMetric(float64(naive.requests), "naive-req")
	b.ReportMetric(float64(perLead.requests), "perlead-req")
	b.ReportMetric(float64(bulk.requests), "bulk-req")
	b.ReportMetric(naive.wall.Seconds(), "naive-s")
	b.ReportMetric(perLead.wall.Seconds(), "perlead-s")
	b.ReportMetric(bulk.wall.Seconds(), "bulk-s")
	reqRatio := float64(naive.requests) / float64(bulk.requests)
	timeRatio := naive.wall.Seconds() / bulk.wall.Seconds()
	b.ReportMetric(reqRatio, "naive/bulk-req")
	b.ReportMetric(timeRatio, "naive/bulk-time")
	b.Logf("matched: naive %d, per-lead %d, bulk %d of %d leads", naive.matched, perLead.matched, bulk.matched, len(leads))
	if reqRatio < 20 {
		b.Errorf("bulk sends only %.1f× fewer requests than naive (target ≥ 20×)", reqRatio)
	}
	if timeRatio < 10 {
		b.Errorf("bulk is only %.1f× faster than naive (target ≥ 10×)", timeRatio)
	}
}
