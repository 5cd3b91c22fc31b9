package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewHandlerFailsClosed(t *testing.T) {
	s := newSink()
	cases := map[string]func(*Config){
		"no app secret":       func(c *Config) { c.AppSecret = "" },
		"blank app secret":    func(c *Config) { c.AppSecret = "  " },
		"no verify token":     func(c *Config) { c.VerifyToken = "" },
		"no fetcher":          func(c *Config) { c.Fetcher = nil },
		"no handle":           func(c *Config) { c.Handle = nil },
		"negative body cap":   func(c *Config) { c.MaxBodyBytes = -1 },
		"negative workers":    func(c *Config) { c.Workers = -1 },
		"negative retry wait": func(c *Config) { c.Retry.MinWait = -time.Second },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := baseConfig(s)
			mutate(&cfg)
			h, err := NewHandler(cfg)
			assert.Error(t, err)
			assert.Nil(t, h)
		})
	}
}

func TestVerificationHandshake(t *testing.T) {
	h := newHandler(t, baseConfig(newSink()))
	defer shutdown(t, h)

	get := func(q url.Values) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook?"+q.Encode(), nil))
		return rec
	}
	ok := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1158201444"}})
	assert.Equal(t, http.StatusOK, ok.Code)
	assert.Equal(t, "1158201444", ok.Body.String(), "the raw challenge, nothing else")
	assert.Equal(t, "text/plain; charset=utf-8", ok.Header().Get("Content-Type"))

	for name, q := range map[string]url.Values{
		"wrong token":       {"hub.mode": {"subscribe"}, "hub.verify_token": {"test-verify-token-XYz"}, "hub.challenge": {"1"}},
		"token prefix":      {"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify[:5]}, "hub.challenge": {"1"}},
		"no token":          {"hub.mode": {"subscribe"}, "hub.challenge": {"1"}},
		"wrong mode":        {"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1"}},
		"no mode":           {"hub.verify_token": {testVerify}, "hub.challenge": {"1"}},
		"no challenge":      {"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}},
		"huge challenge":    {"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {strings.Repeat("1", 1000)}},
		"php-style _ names": {"hub_mode": {"subscribe"}, "hub_verify_token": {testVerify}, "hub_challenge": {"1"}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := get(q)
			assert.Equal(t, http.StatusForbidden, rec.Code)
			assert.NotContains(t, rec.Body.String(), "1158201444")
		})
	}
}

func TestDeliveryWithSeveralEntriesProcessedOnceEach(t *testing.T) {
	s := newSink()
	h := newHandler(t, baseConfig(s))
	body := delivery(
		change{"111", "9001", "501"}, change{"111", "9002", "501"}, change{"111", "9003", "502"},
		change{"222", "9004", "601"}, change{"222", "9005", "601"},
	)
	// A non-leadgen change in the same delivery is ignored.
	body = bytes.Replace(body, []byte(`"changes":[`), []byte(`"changes":[{"field":"feed","value":{"item":"post"}},`), 1)

	rec := post(h, body)
	require.Equal(t, http.StatusOK, rec.Code)
	shutdown(t, h)

	fetched, handled, errs := s.snapshot()
	want := map[string]int{"9001": 1, "9002": 1, "9003": 1, "9004": 1, "9005": 1}
	assert.Equal(t, want, handled)
	assert.Equal(t, want, fetched)
	assert.Empty(t, errs)
	byLead := map[string]Event{}
	for _, e := range s.events {
		byLead[e.LeadID] = e
	}
	assert.Equal(t, Event{LeadID: "9004", PageID: "222", FormID: "601", AdID: "120200000000000001",
		AdGroupID: "120200000000000002", CreatedTime: time.Unix(1767225590, 0).UTC()}, byLead["9004"])
	assert.Equal(t, "502", byLead["9003"].FormID)
}

func TestRedeliveryProcessedOnce(t *testing.T) {
	s := newSink()
	h := newHandler(t, baseConfig(s))
	body := leads("7001", "7002")
	for range 3 {
		require.Equal(t, http.StatusOK, post(h, body).Code)
	}
	// The same lead twice inside one delivery, too.
	require.Equal(t, http.StatusOK, post(h, leads("7003", "7003")).Code)
	shutdown(t, h)
	fetched, handled, errs := s.snapshot()
	assert.Equal(t, map[string]int{"7001": 1, "7002": 1, "7003": 1}, handled)
	assert.Equal(t, map[string]int{"7001": 1, "7002": 1, "7003": 1}, fetched)
	assert.Empty(t, errs)
}

func TestRedeliveryAfterProcessingStillDeduplicated(t *testing.T) {
	s := newSink()
	s.handledC = make(chan string, 1)
	h := newHandler(t, baseConfig(s))
	body := leads("7101")
	require.Equal(t, http.StatusOK, post(h, body).Code)
	assert.Equal(t, "7101", <-s.handledC)
	// Meta redelivers an hour later (e.g. our 200 was lost on the way).
	require.Equal(t, http.StatusOK, post(h, body).Code)
	shutdown(t, h)
	_, handled, _ := s.snapshot()
	assert.Equal(t, map[string]int{"7101": 1}, handled)
}

func TestTwoReplicasWithASharedStoreProcessOnce(t *testing.T) {
	s := newSink()
	store := NewMemoryStore(nil)
	cfg := baseConfig(s)
	cfg.Store = store
	a, b := newHandler(t, cfg), newHandler(t, cfg)
	var ids []string
	for i := range 50 {
		ids = append(ids, fmt.Sprint(8000+i))
	}
	body := leads(ids...)
	var wg sync.WaitGroup
	for _, h := range []*Handler{a, b, a, b} {
		wg.Go(func() { assert.Equal(t, http.StatusOK, post(h, body).Code) })
	}
	wg.Wait()
	shutdown(t, a)
	shutdown(t, b)
	_, handled, errs := s.snapshot()
	require.Len(t, handled, 50)
	for id, n := range handled {
		assert.Equal(t, 1, n, "lead %s", id)
	}
	assert.Empty(t, errs)
}

func TestRejectedRequestsNeverReachTheUser(t *testing.T) {
	body := leads("6001")
	big := leads(strings.Split(strings.Repeat("6002,", 2000), ",")[:2000]...)
	require.Greater(t, len(big), 1024)
	malformed := []byte(`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"6003"`)
	forged := Sign(body, "test-other-secret-XYZ")
	cases := []struct {
		name   string
		method string
		body   []byte
		header map[string]string
		allow  bool
		want   int
	}{
		{"forged signature", http.MethodPost, body, map[string]string{HeaderSignature256: forged}, false, http.StatusForbidden},
		{"signature of another body", http.MethodPost, body, map[string]string{HeaderSignature256: Sign(leads("6009"), testSecret)}, false, http.StatusForbidden},
		{"missing signature", http.MethodPost, body, nil, false, http.StatusForbidden},
		{"SHA-1 only", http.MethodPost, body, map[string]string{HeaderSignatureSHA1: signSHA1(body, testSecret)}, false, http.StatusForbidden},
		{"bad SHA-256 with a valid SHA-1", http.MethodPost, body, map[string]string{HeaderSignature256: forged, HeaderSignatureSHA1: signSHA1(body, testSecret)}, true, http.StatusForbidden},
		{"forged SHA-1 even when allowed", http.MethodPost, body, map[string]string{HeaderSignatureSHA1: signSHA1(body, "test-other-secret-XYZ")}, true, http.StatusForbidden},
		{"oversized body", http.MethodPost, big, map[string]string{HeaderSignature256: Sign(big, testSecret)}, false, http.StatusRequestEntityTooLarge},
		{"malformed JSON with a valid signature", http.MethodPost, malformed, map[string]string{HeaderSignature256: Sign(malformed, testSecret)}, false, http.StatusBadRequest},
		{"PUT", http.MethodPut, body, map[string]string{HeaderSignature256: Sign(body, testSecret)}, false, http.StatusMethodNotAllowed},
		{"DELETE", http.MethodDelete, nil, nil, false, http.StatusMethodNotAllowed},
		{"HEAD", http.MethodHead, nil, nil, false, http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSink()
			cfg := baseConfig(s)
			cfg.MaxBodyBytes = 1024
			cfg.AllowSHA1 = c.allow
			h := newHandler(t, cfg)
			req := httptest.NewRequest(c.method, "/webhook", bytes.NewReader(c.body))
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, c.want, rec.Code)
			if c.want == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, POST", rec.Header().Get("Allow"))
			}
			shutdown(t, h)
			fetched, handled, errs := s.snapshot()
			assert.Empty(t, fetched)
			assert.Empty(t, handled)
			assert.Empty(t, errs)
		})
	}
}

func TestOversizedBodyWithoutContentLength(t *testing.T) {
	s := newSink()
	cfg := baseConfig(s)
	cfg.MaxBodyBytes = 100
	h := newHandler(t, cfg)
	body := leads("6101", "6102")
	req := httptest.NewRequest(http.MethodPost, "/webhook", io.MultiReader(bytes.NewReader(body))) // unknown length
	req.ContentLength = -1
	req.Header.Set(HeaderSignature256, Sign(body, testSecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	shutdown(t, h)
	_, handled, _ := s.snapshot()
	assert.Empty(t, handled)
}

func TestSHA1OnlyAcceptedWhenAllowed(t *testing.T) {
	s := newSink()
	cfg := baseConfig(s)
	cfg.AllowSHA1 = true
	h := newHandler(t, cfg)
	body := leads("6201")
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set(HeaderSignatureSHA1, signSHA1(body, testSecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	shutdown(t, h)
	_, handled, _ := s.snapshot()
	assert.Equal(t, map[string]int{"6201": 1}, handled)
}

func TestEmptyDeliveryAcknowledged(t *testing.T) {
	s := newSink()
	h := newHandler(t, baseConfig(s))
	assert.Equal(t, http.StatusOK, post(h, []byte(`{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{}}]}]}`)).Code)
	shutdown(t, h)
	_, handled, _ := s.snapshot()
	assert.Empty(t, handled)
}

// blockingFetcher blocks every fetch until gate is closed and reports each
// call on started.
type blockingFetcher struct {
	gate    chan struct{}
	started chan string
	sink    *sink
}

func (f *blockingFetcher) Lead(ctx context.Context, id string, _ ...string) (metaleads.Lead, error) {
	select {
	case f.started <- id:
	default:
	}
	select {
	case <-f.gate:
	case <-ctx.Done():
		return metaleads.Lead{}, ctx.Err()
	}
	return f.sink.fetch(ctx, id)
}

func TestFullQueueAnswers503AndLosesNothing(t *testing.T) {
	s := newSink()
	s.handledC = make(chan string, 10)
	f := &blockingFetcher{gate: make(chan struct{}), started: make(chan string, 1), sink: s}
	q := NewMemoryQueue(3)
	cfg := baseConfig(s)
	cfg.Fetcher = f
	cfg.Queue = q
	cfg.Workers = 1
	h := newHandler(t, cfg)

	require.Equal(t, http.StatusOK, post(h, leads("5001")).Code)
	assert.Equal(t, "5001", <-f.started) // the worker holds 5001; the queue is empty
	require.Equal(t, 0, q.Len())

	require.Equal(t, http.StatusOK, post(h, leads("5002", "5003")).Code)
	rejected := leads("5004", "5005")
	assert.Equal(t, http.StatusServiceUnavailable, post(h, rejected).Code, "2 events, 1 free slot")
	assert.Equal(t, 2, q.Len(), "no event of the rejected delivery was enqueued")
	require.Equal(t, http.StatusOK, post(h, leads("5006")).Code, "a delivery that fits is still taken")
	assert.Equal(t, 3, q.Len())

	close(f.gate)
	for range 4 {
		<-s.handledC
	}
	// Meta redelivers the rejected delivery; now it fits.
	require.Equal(t, http.StatusOK, post(h, rejected).Code)
	shutdown(t, h)

	_, handled, errs := s.snapshot()
	assert.Equal(t, map[string]int{"5001": 1, "5002": 1, "5003": 1, "5004": 1, "5005": 1, "5006": 1}, handled)
	assert.Empty(t, errs)
}

func TestShutdownDrainsThenRefuses(t *testing.T) {
	s := newSink()
	f := &blockingFetcher{gate: make(chan struct{}), started: make(chan string, 1), sink: s}
	cfg := baseConfig(s)
	cfg.Fetcher = f
	cfg.Workers = 2
	h := newHandler(t, cfg)
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprint(4000+i))
		require.Equal(t, http.StatusOK, post(h, leads(ids[i])).Code)
	}
	<-f.started

	res := make(chan error, 1)
	go func() { res <- h.Shutdown(context.Background()) }()
	// Shutdown first stops intake: probe until deliveries are refused. Probes
	// acknowledged before that must be processed like the others.
	accepted := map[string]int{}
	for i := 0; ; i++ {
		id := fmt.Sprint(49000 + i)
		code := post(h, leads(id)).Code
		if code == http.StatusServiceUnavailable {
			break
		}
		require.Equal(t, http.StatusOK, code)
		accepted[id] = 1
		runtimeGosched()
	}
	close(f.gate)
	require.NoError(t, <-res)

	_, handled, errs := s.snapshot()
	want := map[string]int{}
	for _, id := range ids {
		want[id] = 1
	}
	for id := range accepted {
		want[id] = 1
	}
	assert.Equal(t, want, handled, "every acknowledged event was processed, the refused one was not")
	assert.Empty(t, errs)
	assert.NoError(t, h.Shutdown(context.Background()), "a second Shutdown is harmless")
}

func TestPermanentErrorNotRetriedAndNotMarkedDone(t *testing.T) {
	s := newSink()
	var mu sync.Mutex
	calls := 0
	fail := true
	cfg := baseConfig(s)
	cfg.Handle = func(ctx context.Context, e Event, lead metaleads.Lead) error {
		mu.Lock()
		calls++
		f := fail
		mu.Unlock()
		if f {
			return Permanent(errors.New("CRM refused the record"))
		}
		return s.handle(ctx, e, lead)
	}
	store := NewMemoryStore(nil)
	cfg.Store = store
	h := newHandler(t, cfg)
	require.Equal(t, http.StatusOK, post(h, leads("3001")).Code)
	shutdown(t, h)

	_, _, errs := s.snapshot()
	require.Len(t, errs, 1)
	var pe *ProcessError
	require.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, StageHandle, pe.Stage)
	assert.Equal(t, 1, pe.Attempts)
	assert.Equal(t, 1, calls)

	// Not marked done: reconciliation (or a redelivery) can still claim it.
	mu.Lock()
	fail = false
	mu.Unlock()
	h2 := newHandler(t, cfg)
	require.Equal(t, http.StatusOK, post(h2, leads("3001")).Code)
	shutdown(t, h2)
	_, handled, _ := s.snapshot()
	assert.Equal(t, map[string]int{"3001": 1}, handled)
}

func TestShutdownRejectsDeliveries(t *testing.T) {
	s := newSink()
	h := newHandler(t, baseConfig(s))
	shutdown(t, h)
	assert.Equal(t, http.StatusServiceUnavailable, post(h, leads("2001")).Code)
	_, handled, _ := s.snapshot()
	assert.Empty(t, handled)
}

type batchSink struct {
	*sink
	mu      sync.Mutex
	batches [][]string
	fields  [][]string
	single  [][]string
	failID  string // an id whose batch item fails, to be fetched singly
	err     error  // a whole-call error, returned with the results so far
}

func (b *batchSink) Lead(ctx context.Context, id string, fields ...string) (metaleads.Lead, error) {
	b.mu.Lock()
	b.single = append(b.single, fields)
	b.mu.Unlock()
	return b.fetch(ctx, id)
}

func (b *batchSink) LeadsByID(_ context.Context, ids []string, fields ...string) ([]metaleads.BatchLead, error) {
	b.mu.Lock()
	b.batches = append(b.batches, append([]string(nil), ids...))
	b.fields = append(b.fields, fields)
	b.mu.Unlock()
	var out []metaleads.BatchLead
	for i, id := range ids {
		if b.err != nil && i >= 2 { // the call failed after two items
			out = append(out, metaleads.BatchLead{ID: id, Err: b.err})
			continue
		}
		if id == b.failID {
			out = append(out, metaleads.BatchLead{ID: id, Err: errors.New("(#100) item failed")})
			continue
		}
		out = append(out, metaleads.BatchLead{ID: id, Lead: testLead(id)})
	}
	return out, b.err
}

// The real client satisfies both interfaces.
var (
	_ LeadFetcher  = (*metaleads.Client)(nil)
	_ BatchFetcher = (*metaleads.Client)(nil)
)

func TestBatchFetcherUsedForWaitingEvents(t *testing.T) {
	for _, batchErr := range []error{nil, errors.New("batch request failed")} {
		t.Run(fmt.Sprint("call error ", batchErr != nil), func(t *testing.T) {
			s := newSink()
			bs := &batchSink{sink: s, failID: "1002", err: batchErr}
			q := NewMemoryQueue(100)
			// Fill the queue before the workers run: enqueue directly, then
			// start a Handler on that queue.
			require.NoError(t, q.Enqueue(context.Background(), mustParse(t, leads("1001", "1002", "1003", "1004", "1001"))))
			cfg := baseConfig(s)
			cfg.Fetcher = bs
			cfg.Fields = []string{"is_organic", "platform"}
			cfg.Queue = q
			cfg.Workers = 1
			h := newHandler(t, cfg)
			shutdown(t, h)

			fetched, handled, errs := s.snapshot()
			assert.Empty(t, errs)
			assert.Equal(t, map[string]int{"1001": 1, "1002": 1, "1003": 1, "1004": 1}, handled)
			require.Len(t, bs.batches, 1)
			assert.Equal(t, []string{"1001", "1002", "1003", "1004"}, bs.batches[0], "claimed ids only, once each")
			assert.Equal(t, [][]string{{"is_organic", "platform"}}, bs.fields)
			if batchErr == nil {
				assert.Equal(t, map[string]int{"1002": 1}, fetched, "only the failed item is fetched singly")
			} else {
				assert.Equal(t, map[string]int{"1002": 1, "1003": 1, "1004": 1}, fetched, "failed items and those after the call error")
			}
			for _, f := range bs.single {
				assert.Equal(t, []string{"is_organic", "platform"}, f)
			}
		})
	}
}

func mustParse(t *testing.T, body []byte) []Event {
	t.Helper()
	evs, err := Parse(body)
	require.NoError(t, err)
	return evs
}

func TestLogsCarryLeadIDsButNoSecretsOrContent(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSink()
	cfg := baseConfig(s)
	cfg.Logger = logger
	cfg.Retry = RetryPolicy{MaxAttempts: 1}
	cfg.Fetcher = FetchFunc(func(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
		if id == "1202" {
			// An error that (wrongly) embeds the secrets must still be scrubbed.
			return metaleads.Lead{}, fmt.Errorf("graph said no: access_token=test-page-token-XYZ secret=%s verify=%s", testSecret, testVerify)
		}
		return testLead(id), nil
	})
	h := newHandler(t, cfg)
	body := leads("1201", "1202")
	sig := Sign(body, testSecret)
	require.Equal(t, http.StatusOK, post(h, body).Code)
	bad := []byte(`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"Ada Testperson"}}]}]}`)
	require.Equal(t, http.StatusBadRequest, post(h, bad).Code)
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set(HeaderSignature256, Sign(body, "test-other-secret-XYZ"))
	h.ServeHTTP(httptest.NewRecorder(), req)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook?hub.mode=subscribe&hub.challenge=77&hub.verify_token="+testVerify, nil))
	require.Equal(t, http.StatusOK, rec.Code)
	shutdown(t, h)

	out := buf.String()
	assert.Contains(t, out, `"lead_id":"1201"`)
	assert.Contains(t, out, `"lead_id":"1202"`)
	assert.Contains(t, out, "entry[0].changes[0].value: leadgen_id: not a string of digits")
	assert.Contains(t, out, "signature mismatch")
	for _, secret := range []string{testSecret, testVerify, "test-page-token-XYZ", sig[7:], "Ada", "example.com", "987654321098765"} {
		assert.NotContains(t, out, secret)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDefaultBodyCapIsOneMiB(t *testing.T) {
	require.Equal(t, 1<<20, DefaultMaxBodyBytes)
	s := newSink()
	h := newHandler(t, baseConfig(s)) // MaxBodyBytes left at its default
	// A signed delivery padded with JSON whitespace to exactly the cap is
	// taken; one byte more is refused, whether or not the length is known.
	pad := func(id string, size int) []byte {
		b := leads(id)
		return append(b, bytes.Repeat([]byte(" "), size-len(b))...)
	}
	send := func(body []byte, knownLength bool) int {
		req := httptest.NewRequest(http.MethodPost, "/webhook", io.MultiReader(bytes.NewReader(body)))
		if knownLength {
			req.ContentLength = int64(len(body))
		} else {
			req.ContentLength = -1
		}
		req.Header.Set(HeaderSignature256, Sign(body, testSecret))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, http.StatusOK, send(pad("6301", DefaultMaxBodyBytes), true))
	assert.Equal(t, http.StatusOK, send(pad("6302", DefaultMaxBodyBytes), false))
	assert.Equal(t, http.StatusRequestEntityTooLarge, send(pad("6303", DefaultMaxBodyBytes+1), true))
	assert.Equal(t, http.StatusRequestEntityTooLarge, send(pad("6304", DefaultMaxBodyBytes+1), false))
	shutdown(t, h)
	_, handled, errs := s.snapshot()
	assert.Equal(t, map[string]int{"6301": 1, "6302": 1}, handled)
	assert.Empty(t, errs)
}

func TestZeroHandlerFailsClosed(t *testing.T) {
	var h Handler // not built by NewHandler: no secret
	body := leads("6401")
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body)),
		httptest.NewRequest(http.MethodGet, "/webhook?hub.mode=subscribe&hub.challenge=5&hub.verify_token=", nil),
	} {
		req.Header.Set(HeaderSignature256, Sign(body, ""))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusInternalServerError, rec.Code, req.Method)
		assert.NotContains(t, rec.Body.String(), "5\n")
	}
	assert.NoError(t, h.Shutdown(context.Background()))
}

func TestDeliveryForAnotherObjectAcknowledgedAndIgnored(t *testing.T) {
	s := newSink()
	h := newHandler(t, baseConfig(s))
	user := bytes.Replace(leads("6501"), []byte(`"object":"page"`), []byte(`"object":"user"`), 1)
	assert.Equal(t, http.StatusOK, post(h, user).Code, "another subscription's delivery: 200 so Meta does not retry it")
	noObject := bytes.Replace(leads("6502"), []byte(`"object":"page",`), nil, 1)
	assert.Equal(t, http.StatusBadRequest, post(h, noObject).Code)
	shutdown(t, h)
	fetched, handled, _ := s.snapshot()
	assert.Empty(t, fetched)
	assert.Empty(t, handled)
}
