package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
)

// graphFakeLatency is the latency of the slow fake Graph API.
const graphFakeLatency = 200 * time.Millisecond

// ackReceiver is a Handler served over loopback whose workers read the leads
// from a fake Graph API.
type ackReceiver struct {
	graph  *metaleadstest.Server
	h      *webhook.Handler
	srv    *httptest.Server
	bodies [][]byte
	sigs   []string
	lat    []time.Duration
}

func newAckReceiver(b *testing.B, ds *demo.Dataset, latency time.Duration, queue int) *ackReceiver {
	b.Helper()
	r := &ackReceiver{graph: metaleadstest.NewServer(metaleadstest.WithDataset(ds),
		metaleadstest.WithLatency(latency), metaleadstest.WithRequestLog(0))}
	client, err := r.graph.Client()
	if err != nil {
		b.Fatal(err)
	}
	r.h, err = webhook.NewHandler(webhook.Config{
		AppSecret:   r.graph.AppSecret,
		VerifyToken: "bench-verify-token-not-real",
		Fetcher:     client,
		Handle:      func(context.Context, webhook.Event, metaleads.Lead) error { return nil },
		Queue:       webhook.NewMemoryQueue(queue),
		Retry:       webhook.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	r.srv = httptest.NewServer(r.h)
	for _, l := range ds.Leads { // one lead per delivery, as Meta mostly sends
		body, sig := r.graph.Delivery(metaleads.Lead{ID: l.ID, FormID: l.FormID, AdID: l.AdID, CreatedTime: l.CreatedTime})
		r.bodies, r.sigs = append(r.bodies, body), append(r.sigs, sig)
	}
	return r
}

// ack sends delivery i and records its latency.
func (r *ackReceiver) ack(b *testing.B, c *http.Client, i int) {
	j := i % len(r.bodies)
	req, err := http.NewRequest(http.MethodPost, r.srv.URL, bytes.NewReader(r.bodies[j]))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature256, r.sigs[j])
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	r.lat = append(r.lat, time.Since(start))
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func (r *ackReceiver) close() {
	r.srv.Close()
	// With the slow Graph most events are still queued: stop at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_ = r.h.Shutdown(ctx)
	r.graph.Close()
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// BenchmarkAckLatencyGraphFake sends deliveries one at a time, alternately to
// two Handlers whose workers read the leads from the fake Graph API (a
// *metaleads.Client, so batch reads too): one without latency and one with
// 200 ms per request. Both are measured in the same run, under the same
// background load; the slow/fast ratios of p50 and p99 show that the
// acknowledgement does not wait for Graph (≈1; Graph's 200 ms would show as
// a ratio in the hundreds).
func BenchmarkAckLatencyGraphFake(b *testing.B) {
	ds := demo.New(demo.Config{Ref: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), Leads: demo.MinLeads, Customers: demo.MinCustomers})
	fast := newAckReceiver(b, ds, 0, b.N+10)
	defer fast.close()
	slow := newAckReceiver(b, ds, graphFakeLatency, b.N+10)
	defer slow.close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	fast.lat = make([]time.Duration, 0, b.N)
	slow.lat = make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fast.ack(b, c, i)
		slow.ack(b, c, i)
	}
	b.StopTimer()
	slices.Sort(fast.lat)
	slices.Sort(slow.lat)
	f50, f99 := percentile(fast.lat, 50), percentile(fast.lat, 99)
	s50, s99 := percentile(slow.lat, 50), percentile(slow.lat, 99)
	b.ReportMetric(float64(f50.Microseconds()), "fast-p50-µs")
	b.ReportMetric(float64(f99.Microseconds()), "fast-p99-µs")
	b.ReportMetric(float64(s50.Microseconds()), "slow-p50-µs")
	b.ReportMetric(float64(s99.Microseconds()), "slow-p99-µs")
	b.ReportMetric(float64(s50)/float64(max(f50, 1)), "p50-slow/fast")
	b.ReportMetric(float64(s99)/float64(max(f99, 1)), "p99-slow/fast")
	if s50 >= graphFakeLatency/2 {
		b.Errorf("p50 %v with a %v Graph: the acknowledgement waits for Graph", s50, graphFakeLatency)
	}
}
