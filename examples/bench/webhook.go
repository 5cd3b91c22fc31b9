package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
)

// WebhookSection is the acknowledgement path's throughput and latency.
type WebhookSection struct {
	Senders       int      `json:"senders"`
	LoadSeconds   float64  `json:"load_seconds"`
	SlowGraphMS   float64  `json:"slow_graph_ms"`
	Rows          []AckRow `json:"rows"`
	Deliveries    int      `json:"distinct_deliveries"`
	DeliveryBytes int      `json:"delivery_bytes"`
}

// AckRow is one receiver under load (Senders concurrent keep-alive
// senders for LoadSeconds) and then one delivery at a time (Idle*).
type AckRow struct {
	Receiver  string  `json:"receiver"`
	Acked     int     `json:"acked"`
	Rejected  int     `json:"rejected"` // answers other than 200
	ReqPerSec float64 `json:"req_per_sec"`
	LoadP50US float64 `json:"load_p50_us"`
	LoadP99US float64 `json:"load_p99_us"`
	IdleP50US float64 `json:"idle_p50_us"`
	IdleP99US float64 `json:"idle_p99_us"`
	// Handled is the number of leads Handle saw before the receiver shut
	// down (a slow Graph leaves most of them queued).
	Handled int64 `json:"handled"`
}

const (
	// ackSenders is the number of concurrent senders of the load run.
	ackSenders = 8
	// slowGraphLatency is the latency of the slow fake Graph API the
	// second receiver fetches its leads from.
	slowGraphLatency = 200 * time.Millisecond
	// benchAppSecret and benchVerifyToken are invented credentials.
	benchAppSecret   = "bench-app-secret-not-real"
	benchVerifyToken = "bench-verify-token-not-real"
	// targetAckRate is the acknowledgement target of the webhook package
	// on 2 cores, senders included.
	targetAckRate = 10_000
)

// Webhook JSON, as Meta sends it.
type (
	whDelivery struct {
		Object string    `json:"object"`
		Entry  []whEntry `json:"entry"`
	}
	whEntry struct {
		ID      string     `json:"id"`
		Time    int64      `json:"time"`
		Changes []whChange `json:"changes"`
	}
	whChange struct {
		Field string  `json:"field"`
		Value whValue `json:"value"`
	}
	whValue struct {
		AdID        string `json:"ad_id,omitempty"`
		AdGroupID   string `json:"adgroup_id,omitempty"`
		FormID      string `json:"form_id"`
		LeadgenID   string `json:"leadgen_id"`
		CreatedTime int64  `json:"created_time"`
		PageID      string `json:"page_id"`
	}
)

// signedDeliveries returns one signed one-lead delivery per demo lead (a
// typical delivery: Meta rarely batches).
func signedDeliveries(ds *demo.Dataset) (bodies [][]byte, sigs []string, err error) {
	for _, l := range ds.Leads {
		d := whDelivery{Object: "page", Entry: []whEntry{{ID: ds.Page.ID, Time: l.CreatedTime.Unix(), Changes: []whChange{{
			Field: webhook.FieldLeadgen,
			Value: whValue{AdID: l.AdID, AdGroupID: l.AdID, FormID: l.FormID, LeadgenID: l.ID, CreatedTime: l.CreatedTime.Unix(), PageID: ds.Page.ID},
		}}}}}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, nil, err
		}
		bodies = append(bodies, b)
		sigs = append(sigs, webhook.Sign(b, benchAppSecret))
	}
	return bodies, sigs, nil
}

func benchWebhook(ctx context.Context, e *env) (*WebhookSection, []Check, error) {
	ds := e.dataset()
	bodies, sigs, err := signedDeliveries(ds)
	if err != nil {
		return nil, nil, err
	}
	if len(bodies) == 0 {
		return nil, nil, errNoData
	}
	sec := &WebhookSection{Senders: ackSenders, LoadSeconds: e.sz.ackLoad.Seconds(), SlowGraphMS: ms(slowGraphLatency),
		Deliveries: len(bodies), DeliveryBytes: len(bodies[0])}

	// The ceiling: the same exchange with a handler that only reads the body.
	e.progress("webhook: loopback baseline")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	row, err := ackRun(ctx, e, bare, bodies, sigs)
	if err != nil {
		return nil, nil, err
	}
	row.Receiver = "bare handler (reads the body, answers 200): the loopback ceiling"
	sec.Rows = append(sec.Rows, row)

	instant := webhook.FetchFunc(func(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
		return metaleads.Lead{ID: id}, nil
	})
	graph := metaleadstest.NewServer(metaleadstest.WithDataset(ds), metaleadstest.WithLatency(slowGraphLatency), metaleadstest.WithRequestLog(0))
	defer graph.Close()
	slow, err := graph.Client()
	if err != nil {
		return nil, nil, err
	}
	for _, f := range []struct {
		name    string
		fetcher webhook.LeadFetcher
	}{
		{"webhook.Handler, instant fetcher", instant},
		{fmt.Sprintf("webhook.Handler, fake Graph API with %v latency", slowGraphLatency), slow},
	} {
		e.progress("webhook: %s", f.name)
		var handled atomic.Int64
		h, err := webhook.NewHandler(webhook.Config{
			AppSecret:   benchAppSecret,
			VerifyToken: benchVerifyToken,
			Fetcher:     f.fetcher,
			Handle:      func(context.Context, webhook.Event, metaleads.Lead) error { handled.Add(1); return nil },
			OnError:     func(context.Context, webhook.Event, error) {},
			Queue:       webhook.NewMemoryQueue(1 << 17),
			Retry:       webhook.RetryPolicy{MaxAttempts: 1},
		})
		if err != nil {
			return nil, nil, err
		}
		row, err := ackRun(ctx, e, h, bodies, sigs)
		// A slow Graph leaves most events queued: stop without waiting.
		sctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_ = h.Shutdown(sctx)
		cancel()
		if err != nil {
			return nil, nil, err
		}
		row.Receiver = f.name
		row.Handled = handled.Load()
		sec.Rows = append(sec.Rows, row)
	}
	fast, slowRow := sec.Rows[1], sec.Rows[2]
	same := func(slow, fast float64) bool { return slow <= 1.5*fast+200 } // µs
	checks := []Check{
		check("webhook", "every signed delivery acknowledged", KindCount, fast.Rejected == 0 && slowRow.Rejected == 0 && fast.Acked > 0 && slowRow.Acked > 0,
			"no answer but 200", "%d + %d rejected", fast.Rejected, slowRow.Rejected),
		check("webhook", "ack throughput, instant fetcher", KindTime, fast.ReqPerSec >= targetAckRate,
			fmt.Sprintf("≥ %d req/s on 2 cores, senders included", targetAckRate), "%.0f req/s on %d CPUs (loopback ceiling %.0f)",
			fast.ReqPerSec, e.cpus(), sec.Rows[0].ReqPerSec),
		check("webhook", "ack latency independent of Graph (one at a time)", KindTime,
			same(slowRow.IdleP50US, fast.IdleP50US) && same(slowRow.IdleP99US, fast.IdleP99US),
			"slow-Graph p50/p99 ≤ 1.5× instant + 200 µs", "p50 %.0f vs %.0f µs, p99 %.0f vs %.0f µs",
			slowRow.IdleP50US, fast.IdleP50US, slowRow.IdleP99US, fast.IdleP99US),
		check("webhook", "ack latency independent of Graph (under load)", KindTime,
			same(slowRow.LoadP50US, fast.LoadP50US) && same(slowRow.LoadP99US, fast.LoadP99US),
			"slow-Graph p50/p99 ≤ 1.5× instant + 200 µs", "p50 %.0f vs %.0f µs, p99 %.0f vs %.0f µs",
			slowRow.LoadP50US, fast.LoadP50US, slowRow.LoadP99US, fast.LoadP99US),
	}
	return sec, checks, nil
}

// ackRun serves h on loopback and posts the deliveries to it: first from
// ackSenders concurrent senders for e.sz.ackLoad, then e.sz.ackIdle
// deliveries one at a time.
func ackRun(ctx context.Context, e *env, h http.Handler, bodies [][]byte, sigs []string) (AckRow, error) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()

	var next atomic.Int64
	var rejected atomic.Int64
	lats := make([][]time.Duration, ackSenders)
	errs := make([]error, ackSenders)
	deadline := time.Now().Add(e.sz.ackLoad)
	var wg sync.WaitGroup
	start := time.Now()
	for s := range ackSenders {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(next.Add(1)-1) % len(bodies)
				t0 := time.Now()
				code, err := post(ctx, client, srv.URL, bodies[i], sigs[i])
				lats[s] = append(lats[s], time.Since(t0))
				if err != nil {
					errs[s] = err
					return
				}
				if code != http.StatusOK {
					rejected.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return AckRow{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return AckRow{}, err
	}
	load := slices.Concat(lats...)
	slices.Sort(load)
	row := AckRow{Acked: len(load) - int(rejected.Load()), Rejected: int(rejected.Load()),
		ReqPerSec: float64(len(load)) / elapsed.Seconds(), LoadP50US: us(pct(load, 50)), LoadP99US: us(pct(load, 99))}

	idle := make([]time.Duration, 0, e.sz.ackIdle)
	for range e.sz.ackIdle {
		i := int(next.Add(1)-1) % len(bodies)
		t0 := time.Now()
		code, err := post(ctx, client, srv.URL, bodies[i], sigs[i])
		idle = append(idle, time.Since(t0))
		if err != nil {
			return AckRow{}, err
		}
		if code != http.StatusOK {
			row.Rejected++
		} else {
			row.Acked++
		}
	}
	slices.Sort(idle)
	row.IdleP50US, row.IdleP99US = us(pct(idle, 50)), us(pct(idle, 99))
	return row, nil
}

func post(ctx context.Context, c *http.Client, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature256, sig)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// pct is the p-th percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// cpus is the number of CPUs the run could use.
func (e *env) cpus() int { return min(runtime.NumCPU(), runtime.GOMAXPROCS(0)) }
