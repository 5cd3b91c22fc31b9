package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/metaleads"
)

// Defaults of Config's zero fields.
const (
	// DefaultMaxBodyBytes caps a delivery's body (1 MiB).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultWorkers is the number of processing goroutines.
	DefaultWorkers = 4
	// DefaultBatchSize is how many waiting events a worker takes at once, and
	// so the most lead ids passed to one BatchFetcher call (Graph's batch
	// limit is 50).
	DefaultBatchSize = 50
	// DefaultMaxAttempts, DefaultMinWait and DefaultMaxWait are RetryPolicy's
	// defaults.
	DefaultMaxAttempts = 5
	DefaultMinWait     = time.Second
	DefaultMaxWait     = time.Minute
)

// maxChallengeLen bounds the echoed hub.challenge (Meta sends an integer).
const maxChallengeLen = 256

// LeadFetcher reads one lead from Graph (GET /{lead-id}) with its default
// fields plus the extra fields given. A *metaleads.Client satisfies it. It
// must honour ctx.
type LeadFetcher interface {
	// Lead returns the lead with id, read with its default fields plus
	// fields.
	Lead(ctx context.Context, id string, fields ...string) (metaleads.Lead, error)
}

// BatchFetcher is an optional interface of a LeadFetcher that reads several
// leads in one call (Graph batch requests); a *metaleads.Client satisfies it.
// Ids whose BatchLead carries an error, or that are missing from the result,
// are fetched one by one with Lead (and retried); so are all ids when it
// returns an error and no results.
type BatchFetcher interface {
	// LeadsByID returns one BatchLead per id, each with its lead or its own
	// error, and an error when the call as a whole failed.
	LeadsByID(ctx context.Context, ids []string, fields ...string) ([]metaleads.BatchLead, error)
}

// FetchFunc adapts a function to LeadFetcher.
type FetchFunc func(ctx context.Context, id string, fields ...string) (metaleads.Lead, error)

// Lead calls f.
func (f FetchFunc) Lead(ctx context.Context, id string, fields ...string) (metaleads.Lead, error) {
	return f(ctx, id, fields...)
}

// RetryPolicy bounds the attempts at one event (fetch, Handle and the
// DedupStore calls). The zero value means the defaults.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt; 1 disables retries. Default 5.
	MaxAttempts int
	// MinWait and MaxWait bound the exponential backoff with jitter between
	// attempts. Defaults 1s and 1m.
	MinWait, MaxWait time.Duration
}

// Config configures a Handler. AppSecret, VerifyToken, Fetcher and Handle are
// required; NewHandler fails without them (it never serves unverified
// deliveries).
type Config struct {
	// AppSecret is the Meta app secret that keys the HMAC of every delivery.
	AppSecret string
	// VerifyToken is the token configured for the subscription; the GET
	// handshake echoes hub.challenge only when hub.verify_token matches.
	VerifyToken string
	// MaxBodyBytes caps a delivery's body; larger ones get 413 before being
	// hashed. Default 1 MiB.
	MaxBodyBytes int64
	// AllowSHA1 accepts a delivery signed only with the legacy SHA-1
	// X-Hub-Signature header. Off by default: without it such a delivery gets
	// 403. When X-Hub-Signature-256 is present it is always the one checked.
	AllowSHA1 bool

	// Fetcher reads each lead from Graph; a *metaleads.Client will do. When
	// it also implements BatchFetcher, leads that are waiting together are
	// read in one call.
	Fetcher LeadFetcher
	// Fields are extra lead fields passed to the Fetcher (beyond its
	// defaults); nil asks for the defaults only.
	Fields []string
	// Handle is called once per new lead with its event and the fetched lead,
	// from one of the worker goroutines. A nil error marks the lead done; an
	// error is retried per Retry unless wrapped with Permanent; a panic is
	// recovered and counts as a permanent error. It must honour ctx, which is
	// cancelled when Shutdown's deadline passes.
	Handle func(ctx context.Context, e Event, lead metaleads.Lead) error
	// OnError, if set, is told about every acknowledged event the Handler gave
	// up on (err is a *ProcessError): retries exhausted, a permanent error, or
	// Shutdown's deadline. Such events are not marked done. ctx is not
	// cancelled by Shutdown, so the report can be persisted; keep it short.
	OnError func(ctx context.Context, e Event, err error)

	// Store de-duplicates redeliveries; nil means a MemoryStore.
	Store DedupStore
	// DedupTTL is how long a processed lead id is remembered; default 48h
	// (Meta redelivers for up to 36h).
	DedupTTL time.Duration
	// ClaimLease is how long a claim protects a lead being processed; default
	// 15m. It must exceed the time one event can take, retries included (with
	// a BatchFetcher: a whole batch, whose leads are claimed together).
	ClaimLease time.Duration

	// Queue buffers acknowledged events; nil means a MemoryQueue of
	// DefaultQueueCapacity events.
	Queue Queue
	// Workers is the number of processing goroutines; default 4.
	Workers int
	// BatchSize is the most events a worker takes at once; default 50.
	BatchSize int
	// Retry bounds the attempts at one event.
	Retry RetryPolicy

	// Logger receives rejections (status and reason) and processing records
	// (lead id, stage, attempt, error). Nil logs nothing. Bodies, signatures
	// and tokens are never logged.
	Logger *slog.Logger
	// Now is the clock of the default MemoryStore; nil means time.Now.
	Now func() time.Time
}

// Handler serves Meta's GET verification handshake and POST deliveries of
// leadgen webhooks, and processes the acknowledged events on its own worker
// goroutines. It implements http.Handler and is safe for concurrent use. Call
// Shutdown to stop it.
type Handler struct {
	verifyHash [sha256.Size]byte
	maxBody    int64
	allowSHA1  bool
	mac256     sync.Pool // hash.Hash keyed with the app secret
	mac1       sync.Pool
	bufs       sync.Pool // *bytes.Buffer

	fetcher    LeadFetcher
	fields     []string
	batcher    BatchFetcher
	handle     func(ctx context.Context, e Event, lead metaleads.Lead) error
	onError    func(ctx context.Context, e Event, err error)
	store      DedupStore
	ttl, lease time.Duration
	queue      Queue
	batchSize  int
	retry      RetryPolicy
	log        *slog.Logger
	red        *redact.Redactor

	ctx       context.Context // workers' context; cancelled at Shutdown's deadline
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closed    atomic.Bool
	closeOnce sync.Once
	abandoned atomic.Int64
}

// NewHandler validates cfg, applies defaults and starts the workers.
func NewHandler(cfg Config) (*Handler, error) {
	switch {
	case strings.TrimSpace(cfg.AppSecret) == "":
		return nil, errors.New("webhook: Config.AppSecret is required")
	case strings.TrimSpace(cfg.VerifyToken) == "":
		return nil, errors.New("webhook: Config.VerifyToken is required")
	case cfg.Fetcher == nil:
		return nil, errors.New("webhook: Config.Fetcher is required")
	case cfg.Handle == nil:
		return nil, errors.New("webhook: Config.Handle is required")
	case cfg.MaxBodyBytes < 0, cfg.DedupTTL < 0, cfg.ClaimLease < 0, cfg.Workers < 0, cfg.BatchSize < 0,
		cfg.Retry.MaxAttempts < 0, cfg.Retry.MinWait < 0, cfg.Retry.MaxWait < 0:
		return nil, errors.New("webhook: negative value in Config")
	}
	h := &Handler{
		verifyHash: sha256.Sum256([]byte(cfg.VerifyToken)),
		maxBody:    cmpOr(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		allowSHA1:  cfg.AllowSHA1,
		fetcher:    cfg.Fetcher,
		fields:     append([]string(nil), cfg.Fields...),
		handle:     cfg.Handle,
		onError:    cfg.OnError,
		store:      cfg.Store,
		ttl:        cmpOr(cfg.DedupTTL, DefaultDedupTTL),
		lease:      cmpOr(cfg.ClaimLease, DefaultClaimLease),
		queue:      cfg.Queue,
		batchSize:  cmpOr(cfg.BatchSize, DefaultBatchSize),
		retry: RetryPolicy{
			MaxAttempts: cmpOr(cfg.Retry.MaxAttempts, DefaultMaxAttempts),
			MinWait:     cmpOr(cfg.Retry.MinWait, DefaultMinWait),
			MaxWait:     cmpOr(cfg.Retry.MaxWait, DefaultMaxWait),
		},
		red: redact.New(cfg.AppSecret, cfg.VerifyToken),
	}
	h.retry.MaxWait = max(h.retry.MaxWait, h.retry.MinWait)
	secret := []byte(cfg.AppSecret)
	h.mac256.New = func() any { return hmac.New(sha256.New, secret) }
	h.mac1.New = func() any { return hmac.New(sha1.New, secret) }
	h.bufs.New = func() any { return new(bytes.Buffer) }
	if b, ok := cfg.Fetcher.(BatchFetcher); ok {
		h.batcher = b
	}
	if h.store == nil {
		h.store = NewMemoryStore(cfg.Now)
	}
	if h.queue == nil {
		h.queue = NewMemoryQueue(DefaultQueueCapacity)
	}
	if cfg.Logger != nil {
		h.log = slog.New(h.red.Handler(cfg.Logger.Handler()))
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	workers := cmpOr(cfg.Workers, DefaultWorkers)
	h.wg.Add(workers)
	for range workers {
		go h.worker()
	}
	return h, nil
}

func cmpOr[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// ServeHTTP answers GET with the verification handshake and POST with a
// delivery's acknowledgement:
//
//   - GET: 200 and hub.challenge as text/plain when hub.mode is "subscribe"
//     and hub.verify_token matches (compared in constant time); else 403.
//   - POST: 413 over MaxBodyBytes; 403 without a valid signature; 400 when
//     the signed body is malformed; 503 when the queue cannot take every
//     event of the delivery or the Handler is shutting down (Meta redelivers);
//     otherwise 200 once all events are enqueued, without waiting for Graph
//     or Handle.
//   - Other methods: 405.
//
// A Handler that was not built by NewHandler (a zero Handler) has no secret
// and answers every request with 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.queue == nil { // fail closed: no secret, no handler
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.serveDelivery(w, r)
	case http.MethodGet:
		h.serveVerify(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.reject(r.Context(), w, http.StatusMethodNotAllowed, "method "+strconv.Quote(r.Method)+" not allowed")
	}
}

func (h *Handler) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := sha256.Sum256([]byte(q.Get("hub.verify_token")))
	challenge := q.Get("hub.challenge")
	switch {
	case q.Get("hub.mode") != "subscribe":
		h.reject(r.Context(), w, http.StatusForbidden, "verification: hub.mode is not subscribe")
		return
	case subtle.ConstantTimeCompare(token[:], h.verifyHash[:]) != 1:
		h.reject(r.Context(), w, http.StatusForbidden, "verification: wrong verify token")
		return
	case challenge == "" || len(challenge) > maxChallengeLen:
		h.reject(r.Context(), w, http.StatusForbidden, "verification: missing or oversized hub.challenge")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, challenge)
	h.logf(r.Context(), slog.LevelInfo, "webhook verification accepted")
}

func (h *Handler) serveDelivery(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if h.closed.Load() {
		h.reject(ctx, w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	sig, mac, pool := r.Header.Get(HeaderSignature256), "sha256", &h.mac256
	if strings.TrimSpace(sig) == "" {
		legacy := r.Header.Get(HeaderSignatureSHA1)
		if legacy == "" || !h.allowSHA1 {
			reason := "missing " + HeaderSignature256
			if legacy != "" {
				reason += " (SHA-1 " + HeaderSignatureSHA1 + " alone is not accepted without AllowSHA1)"
			}
			h.reject(ctx, w, http.StatusForbidden, reason)
			return
		}
		sig, mac, pool = legacy, "sha1", &h.mac1
	}
	if r.ContentLength > h.maxBody {
		h.reject(ctx, w, http.StatusRequestEntityTooLarge, ErrTooLarge.Error())
		return
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	defer h.putBuf(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, h.maxBody+1)); err != nil {
		h.reject(ctx, w, http.StatusBadRequest, "reading body failed")
		return
	}
	if int64(buf.Len()) > h.maxBody {
		h.reject(ctx, w, http.StatusRequestEntityTooLarge, ErrTooLarge.Error())
		return
	}
	body := buf.Bytes()
	m := pool.Get().(hash.Hash)
	err := verifyMAC(m, mac, body, sig)
	pool.Put(m)
	if err != nil {
		h.reject(ctx, w, http.StatusForbidden, err.Error())
		return
	}
	events, err := Parse(body)
	if err != nil {
		h.reject(ctx, w, http.StatusBadRequest, err.Error())
		return
	}
	if len(events) > 0 {
		if err := h.queue.Enqueue(ctx, events); err != nil {
			h.reject(ctx, w, http.StatusServiceUnavailable, "enqueue "+strconv.Itoa(len(events))+" event(s): "+err.Error())
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	if h.log != nil && h.log.Enabled(ctx, slog.LevelDebug) {
		ids := make([]string, len(events))
		for i, e := range events {
			ids[i] = e.LeadID
		}
		h.log.DebugContext(ctx, "webhook delivery accepted", "events", len(events), "lead_ids", ids)
	}
}

// maxPooledBuf keeps one large delivery from pinning its buffer forever.
const maxPooledBuf = 64 << 10

func (h *Handler) putBuf(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuf {
		h.bufs.Put(b)
	}
}

func (h *Handler) reject(ctx context.Context, w http.ResponseWriter, status int, reason string) {
	http.Error(w, http.StatusText(status), status)
	if h.log != nil {
		h.log.WarnContext(ctx, "webhook request rejected", "status", status, "reason", reason)
	}
}

func (h *Handler) logf(ctx context.Context, level slog.Level, msg string, args ...any) {
	if h.log != nil {
		h.log.Log(ctx, level, msg, args...)
	}
}

// Shutdown stops accepting deliveries (POSTs get 503 so Meta redelivers them
// later), then waits until the workers have processed every queued event or
// ctx ends. At ctx's end it cancels the workers' context, waits for them to
// return (Handle and the Fetcher must honour ctx), reports every event left
// unprocessed to OnError and returns a *ShutdownError with their count. It
// returns nil when everything was drained. Calling it again reports the same
// outcome. On a Handler not built by NewHandler it returns nil.
func (h *Handler) Shutdown(ctx context.Context) error {
	if h.queue == nil {
		return nil
	}
	h.closeOnce.Do(func() {
		h.closed.Store(true)
		_ = h.queue.Close()
	})
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	var ctxErr error
	select {
	case <-done:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		h.cancel()
		<-done
	}
	h.cancel()
	h.drainClosed()
	if n := h.abandoned.Load(); n > 0 {
		if ctxErr == nil {
			ctxErr = context.Canceled
		}
		return &ShutdownError{Left: int(n), Err: ctxErr}
	}
	return nil
}

// drainClosed reports the events a closed queue still holds once the workers
// have stopped.
func (h *Handler) drainClosed() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for {
		evs, err := h.queue.Dequeue(ctx, h.batchSize)
		if err != nil || len(evs) == 0 {
			return
		}
		for _, e := range evs {
			h.abandon(e, 0, ErrShutdown)
		}
	}
}
