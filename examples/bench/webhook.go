package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
// senders, LoadSeconds in all) and one delivery at a time (Idle*). The
// receivers take turns: ackRounds rounds of both phases each.
type AckRow struct {
	Receiver  string  `json:"receiver"`
	Acked     int     `json:"acked"`
	Rejected  int     `json:"rejected"` // answers other than 200
	ReqPerSec float64 `json:"req_per_sec"`
	LoadP50US float64 `json:"load_p50_us"`
	LoadP99US float64 `json:"load_p99_us"`
	IdleP50US float64 `json:"idle_p50_us"`
	IdleP99US float64 `json:"idle_p99_us"`
	// Handled is the number of leads Handle had seen when the measurements
	// ended (a slow Graph leaves most of them queued; repeated lead ids are
	// handled once).
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
	// ackRounds is the number of turns each receiver gets.
	ackRounds = 3
	// ackQueueCapacity is the Handler's queue: with a slow Graph nearly
	// every delivery of the run stays queued until the end.
	ackQueueCapacity = 1 << 18
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

	// Three receivers: the ceiling (a handler that only reads the body) and
	// the webhook Handler with an instant fetcher and with a slow Graph.
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	instant := webhook.FetchFunc(func(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
		return metaleads.Lead{ID: id}, nil
	})
	graph := metaleadstest.NewServer(metaleadstest.WithDataset(ds), metaleadstest.WithLatency(slowGraphLatency), metaleadstest.WithRequestLog(0))
	defer graph.Close()
	slow, err := graph.Client()
	if err != nil {
		return nil, nil, err
	}
	receivers := []*receiver{{name: "bare handler (reads the body, answers 200): the loopback ceiling", h: bare}}
	for _, f := range []struct {
		name    string
		fetcher webhook.LeadFetcher
	}{
		{"webhook.Handler, instant fetcher", instant},
		{fmt.Sprintf("webhook.Handler, fake Graph API with %v latency", slowGraphLatency), slow},
	} {
		r := &receiver{name: f.name}
		h, err := webhook.NewHandler(webhook.Config{
			AppSecret:   benchAppSecret,
			VerifyToken: benchVerifyToken,
			Fetcher:     f.fetcher,
			Handle:      func(context.Context, webhook.Event, metaleads.Lead) error { r.handled.Add(1); return nil },
			OnError:     func(context.Context, webhook.Event, error) {},
			Queue:       webhook.NewMemoryQueue(ackQueueCapacity),
			Retry:       webhook.RetryPolicy{MaxAttempts: 1},
		})
		if err != nil {
			return nil, nil, err
		}
		// A slow Graph leaves most events queued: stop without waiting.
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			_ = h.Shutdown(sctx)
			cancel()
		}()
		r.h = h
		receivers = append(receivers, r)
	}
	for _, r := range receivers {
		r.start()
		defer r.close()
	}
	// The receivers take turns, ackRounds times, so that background load
	// on a shared machine falls on all of them alike.
	var next atomic.Int64
	for round := range ackRounds {
		for _, r := range receivers {
			if round == 0 {
				e.progress("webhook: %s", r.name)
			}
			if err := r.load(ctx, e.sz.ackLoad/ackRounds, &next, bodies, sigs); err != nil {
				return nil, nil, err
			}
			if err := r.idle(ctx, e.sz.ackIdle/ackRounds, &next, bodies, sigs); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, r := range receivers {
		sec.Rows = append(sec.Rows, r.row())
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

// receiver is one handler served on loopback, with what it measured.
type receiver struct {
	name    string
	h       http.Handler
	srv     *httptest.Server
	client  *http.Client
	handled atomic.Int64

	loadTime           time.Duration
	loadLats, idleLats []time.Duration
	rejected           int
}

func (r *receiver) start() {
	r.srv = httptest.NewServer(r.h)
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
}

func (r *receiver) close() {
	r.client.CloseIdleConnections()
	r.srv.Close()
}

// load posts deliveries from ackSenders concurrent senders for d.
func (r *receiver) load(ctx context.Context, d time.Duration, next *atomic.Int64, bodies [][]byte, sigs []string) error {
	var rejected atomic.Int64
	lats := make([][]time.Duration, ackSenders)
	errs := make([]error, ackSenders)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for s := range ackSenders {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(next.Add(1)-1) % len(bodies)
				t0 := time.Now()
				code, err := post(ctx, r.client, r.srv.URL, bodies[i], sigs[i])
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
	r.loadTime += time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.loadLats = append(r.loadLats, slices.Concat(lats...)...)
	r.rejected += int(rejected.Load())
	return nil
}

// idle posts n deliveries one at a time.
func (r *receiver) idle(ctx context.Context, n int, next *atomic.Int64, bodies [][]byte, sigs []string) error {
	for range n {
		i := int(next.Add(1)-1) % len(bodies)
		t0 := time.Now()
		code, err := post(ctx, r.client, r.srv.URL, bodies[i], sigs[i])
		r.idleLats = append(r.idleLats, time.Since(t0))
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			r.rejected++
		}
	}
	return nil
}

func (r *receiver) row() AckRow {
	slices.Sort(r.loadLats)
	slices.Sort(r.idleLats)
	return AckRow{
		Receiver:  r.name,
		Acked:     len(r.loadLats) + len(r.idleLats) - r.rejected,
		Rejected:  r.rejected,
		ReqPerSec: float64(len(r.loadLats)) / r.loadTime.Seconds(),
		LoadP50US: us(pct(r.loadLats, 50)), LoadP99US: us(pct(r.loadLats, 99)),
		IdleP50US: us(pct(r.idleLats, 50)), IdleP99US: us(pct(r.idleLats, 99)),
		Handled: r.handled.Load(),
	}
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
