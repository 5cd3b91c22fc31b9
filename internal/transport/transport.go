// Package transport is leadkit's one HTTP transport, shared by every client.
//
// A call goes through these layers, outermost first:
//
//  1. auth: an optional Authenticator sets credentials once per call and, when
//     the server rejects them, is invalidated and the call replayed once;
//  2. retry: go-retryablehttp with our CheckRetry, Backoff and ErrorHandler;
//     whether a call may be retried is decided per operation (Request.Idempotent),
//     never by HTTP method;
//  3. attempt: the usage gate and the client-side rate limiter, a per-attempt
//     timeout, the whole body read into memory with a size cap, observation of
//     response headers and one log record per attempt;
//  4. base: the caller's http.RoundTripper or http.DefaultTransport.
//
// Every error that Do returns and every log record passes through the
// Transport's redact.Redactor, and neither carries a query string: URLs in
// error texts lose theirs (redact.StripQueries).
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// Defaults of a Policy's zero fields.
const (
	DefaultMaxAttempts    = 4
	DefaultMinWait        = 500 * time.Millisecond
	DefaultMaxWait        = 30 * time.Second
	DefaultAttemptTimeout = 30 * time.Second
	DefaultMaxServerWait  = time.Hour
	DefaultMaxBodyBytes   = 64 << 20
	// DefaultMaxErrorBodyBytes caps the body of an error response (HTTP
	// status 400 and above); the rest of such a body is discarded unread.
	DefaultMaxErrorBodyBytes = 1 << 20
)

// Policy bounds retries. The zero value means the defaults; MaxAttempts 1
// disables retries.
type Policy struct {
	// MaxAttempts is the number of attempts including the first one.
	MaxAttempts int
	// MinWait and MaxWait bound the exponential backoff between attempts.
	MinWait, MaxWait time.Duration
	// AttemptTimeout bounds each attempt (connect, headers and body).
	AttemptTimeout time.Duration
	// MaxServerWait caps waits requested by the server (Retry-After, usage
	// regain times); a longer requested wait ends the retries instead.
	MaxServerWait time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.MinWait <= 0 {
		p.MinWait = DefaultMinWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = DefaultMaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.MaxServerWait <= 0 {
		p.MaxServerWait = DefaultMaxServerWait
	}
	return p
}

// Validate reports an invalid policy.
func (p Policy) Validate() error {
	if p.MaxAttempts < 0 || p.MinWait < 0 || p.MaxWait < 0 || p.AttemptTimeout < 0 || p.MaxServerWait < 0 {
		return errors.New("retry policy: negative value")
	}
	return nil
}

// Request is one logical API call. Body is buffered so every attempt and a
// replay after re-authentication send identical bytes.
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
	// Idempotent marks a call that may be retried even after it may have
	// reached the server (reads, including reads sent as POST). Other calls are
	// retried only when the request provably never left this process.
	Idempotent bool
	// NoAuth skips the Authenticator (for the login call itself).
	NoAuth bool
	// Op names the operation in log records, e.g. "leads.page".
	Op string
}

// Response is a complete, buffered HTTP response.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Attempts is the number of attempts the call took, replays included.
	Attempts int
}

// Verdict is a Classifier's judgement of one response.
type Verdict struct {
	// Retry reports whether the response is worth another attempt.
	Retry bool
	// Wait is how long the server asked us to wait (0 = use backoff).
	Wait time.Duration
}

// Classifier judges a buffered response. It must be cheap and must not retain
// the response.
type Classifier func(resp *Response) Verdict

// Authenticator sets credentials on requests and learns when they are refused.
type Authenticator interface {
	// Authorize sets credentials on req and returns an opaque generation that
	// identifies them.
	Authorize(ctx context.Context, req *http.Request) (gen uint64, err error)
	// Rejected reports whether resp refuses the credentials of a non-login call.
	Rejected(resp *Response) bool
	// Invalidate drops the credentials of generation gen, if still current.
	Invalidate(gen uint64)
}

// Config configures a Transport.
type Config struct {
	// Base performs single HTTP exchanges; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Limiter throttles every attempt; nil means unlimited.
	Limiter *rate.Limiter
	// Policy bounds retries.
	Policy Policy
	// Classify judges responses; nil retries 429 and 5xx only.
	Classify Classifier
	// Auth, if set, authorizes every call that is not NoAuth.
	Auth Authenticator
	// Logger receives one debug record per attempt (method, host, path,
	// status, attempt, duration). Nil logs nothing.
	Logger *slog.Logger
	// Redactor scrubs errors and log records; nil means a fresh one.
	Redactor *redact.Redactor
	// UserAgent is sent on every request.
	UserAgent string
	// MaxBodyBytes caps a response body; 0 means 64 MiB.
	MaxBodyBytes int64
	// MaxErrorBodyBytes caps the body of a response with HTTP status 400 or
	// above; a longer body is cut there (not an error: the status already
	// says what happened). 0 means 1 MiB.
	MaxErrorBodyBytes int64
	// ValidateJSON retries idempotent calls whose 2xx body (204 aside) is not
	// valid JSON (a proxy's HTML page, a truncated or empty body).
	ValidateJSON bool
	// BeforeAttempt runs before every attempt, before the limiter; it may wait
	// (a usage gate) and must honour ctx. An error from it, or from the
	// limiter, ends the call without further attempts.
	BeforeAttempt func(ctx context.Context) error
	// AfterAttempt observes every response's headers (usage tracking), also
	// of responses whose body then fails to arrive.
	AfterAttempt func(h http.Header, status int)
}

// Transport sends Requests. It is safe for concurrent use.
type Transport struct {
	cfg    Config
	policy Policy
	red    *redact.Redactor
	log    *slog.Logger
	rc     *retryablehttp.Client
}

// New validates cfg and returns a Transport.
func New(cfg Config) (*Transport, error) {
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, errors.New("transport: negative MaxBodyBytes")
	}
	if cfg.MaxErrorBodyBytes < 0 {
		return nil, errors.New("transport: negative MaxErrorBodyBytes")
	}
	if cfg.MaxErrorBodyBytes == 0 {
		cfg.MaxErrorBodyBytes = DefaultMaxErrorBodyBytes
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	if cfg.Classify == nil {
		cfg.Classify = DefaultClassify
	}
	t := &Transport{cfg: cfg, policy: cfg.Policy.withDefaults(), red: cfg.Redactor}
	if t.red == nil {
		t.red = redact.New()
	}
	if cfg.Logger != nil {
		t.log = slog.New(t.red.Handler(cfg.Logger.Handler()))
	}
	t.rc = &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: &attemptRT{t: t}, CheckRedirect: noRedirect},
		Logger:       nil, // retryablehttp's default logger writes URLs to stderr; never used
		RetryWaitMin: t.policy.MinWait,
		RetryWaitMax: t.policy.MaxWait,
		RetryMax:     t.policy.MaxAttempts - 1,
		CheckRetry:   t.checkRetry,
		Backoff:      t.backoff,
		ErrorHandler: errorHandler,
	}
	return t, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Redactor returns the Transport's redaction point, for errors built by the
// clients themselves.
func (t *Transport) Redactor() *redact.Redactor { return t.red }

// Logger returns the redacting logger, or nil when logging is off.
func (t *Transport) Logger() *slog.Logger { return t.log }

// Policy returns the effective retry policy.
func (t *Transport) Policy() Policy { return t.policy }

// Err passes err through the redaction point.
func (t *Transport) Err(err error) error { return t.red.Err(err) }

type stateKey struct{}

// callState is shared by all attempts of one call.
type callState struct {
	idempotent bool
	op         string
	attempts   atomic.Int32
	wrote      atomic.Bool // headers of the current attempt reached the wire
	// maybeSent records that some attempt may have reached the server.
	maybeSent atomic.Bool
}

// AttemptsError reports a call that failed without any response.
type AttemptsError struct {
	// Attempts is the number of attempts made, replays included.
	Attempts int
	// Err is the last attempt's error (redacted, without query strings).
	Err error
	// NeverSent reports that the call provably never reached the server:
	// every attempt failed before its request left this process (a DNS or
	// dial failure, a refused connection, the usage gate or the rate
	// limiter). A non-idempotent call that failed with NeverSent set had no
	// effect on the server, so there is nothing to reconcile. False means
	// the server may have received (and acted on) some attempt.
	NeverSent bool
}

// Error returns the last attempt's error and, after retries, their number.
func (e *AttemptsError) Error() string {
	if e.Attempts <= 1 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (after %d attempts)", e.Err, e.Attempts)
}

// Unwrap returns the last attempt's error.
func (e *AttemptsError) Unwrap() error { return e.Err }

// NeverSent reports whether err comes from a call that provably never
// reached the server: its chain holds an *AttemptsError with NeverSent set.
// Other errors (including a failure to authorize before sending) report
// false, so the answer errs on the safe side.
func NeverSent(err error) bool {
	var ae *AttemptsError
	return errors.As(err, &ae) && ae.NeverSent
}

// Do sends r and returns the final buffered response: a success, or the last
// unsuccessful response once retries are exhausted or not allowed. A non-nil
// error means no usable response (context ended, connection failures,
// oversized body); it is already redacted.
func (t *Transport) Do(ctx context.Context, r Request) (*Response, error) {
	if r.URL == nil {
		return nil, errors.New("transport: nil URL")
	}
	st := &callState{idempotent: r.Idempotent, op: r.Op}
	ctx = context.WithValue(ctx, stateKey{}, st)
	for replay := 0; ; replay++ {
		var body any
		if r.Body != nil {
			body = r.Body
		}
		hreq, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL.String(), body)
		if err != nil {
			return nil, t.red.ErrWithoutQueries(err)
		}
		for k, vs := range r.Header {
			hreq.Header[k] = append([]string(nil), vs...)
		}
		if t.cfg.UserAgent != "" {
			hreq.Header.Set("User-Agent", t.cfg.UserAgent)
		}
		var gen uint64
		auth := t.cfg.Auth != nil && !r.NoAuth
		if auth {
			if gen, err = t.cfg.Auth.Authorize(ctx, hreq.Request); err != nil {
				return nil, t.red.ErrWithoutQueries(err)
			}
		}
		hresp, err := t.rc.Do(hreq)
		if err != nil {
			// Redact before wrapping: fmt.Errorf formats its message now, and
			// an unwrapped *AttemptsError must not expose the URL either.
			err = t.red.ErrWithoutQueries(err)
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
				err = fmt.Errorf("%w: %w", ctxErr, err)
			}
			n := int(st.attempts.Load())
			ae := &AttemptsError{Attempts: n, Err: err, NeverSent: !st.maybeSent.Load()}
			return nil, t.red.ErrWithoutQueries(ae)
		}
		resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: bodyBytes(hresp), Attempts: int(st.attempts.Load())}
		hresp.Body.Close()
		if auth && replay == 0 && t.cfg.Auth.Rejected(resp) {
			t.cfg.Auth.Invalidate(gen)
			continue
		}
		return resp, nil
	}
}

// bufBody is a response body already read into memory.
type bufBody struct {
	*bytes.Reader
	b []byte
}

func (bufBody) Close() error { return nil }

func bodyBytes(resp *http.Response) []byte {
	if bb, ok := resp.Body.(bufBody); ok {
		return bb.b
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

func toResponse(resp *http.Response) *Response {
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: bodyBytes(resp)}
}

// attemptRT performs one attempt.
type attemptRT struct{ t *Transport }

// ErrBodyTooLarge reports a response body over the configured cap.
var ErrBodyTooLarge = errors.New("response body too large")

func (a *attemptRT) RoundTrip(req *http.Request) (*http.Response, error) {
	t := a.t
	ctx := req.Context()
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		st = &callState{}
	}
	n := int(st.attempts.Add(1))
	st.wrote.Store(false)
	if t.cfg.BeforeAttempt != nil {
		if err := t.cfg.BeforeAttempt(ctx); err != nil {
			closeBody(req)
			return nil, &gateError{err} // never sent: maybeSent stays as is
		}
	}
	if t.cfg.Limiter != nil {
		if err := t.cfg.Limiter.Wait(ctx); err != nil {
			closeBody(req)
			return nil, &gateError{err}
		}
	}
	actx, cancel := context.WithTimeout(ctx, t.policy.AttemptTimeout)
	defer cancel()
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { st.wrote.Store(true) },
	})
	start := time.Now()
	resp, err := t.cfg.Base.RoundTrip(req.WithContext(actx))
	if err == nil {
		if t.cfg.AfterAttempt != nil {
			// Usage headers count even when the body then fails to arrive.
			t.cfg.AfterAttempt(resp.Header, resp.StatusCode)
		}
		var b []byte
		if resp.StatusCode >= 400 {
			b, err = readPrefix(resp.Body, t.cfg.MaxErrorBodyBytes, resp.ContentLength)
		} else {
			b, err = readCapped(resp.Body, t.cfg.MaxBodyBytes, resp.ContentLength)
		}
		resp.Body.Close()
		if err == nil {
			resp.Body = bufBody{bytes.NewReader(b), b}
			resp.ContentLength = int64(len(b))
		} else {
			st.wrote.Store(true) // a response arrived: the request certainly left
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				err = fmt.Errorf("attempt timed out after %v while reading the body: %w", t.policy.AttemptTimeout, err)
			}
			resp = nil
		}
	} else if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("attempt timed out after %v: %w", t.policy.AttemptTimeout, err)
	}
	if err == nil || !neverSent(err, st) {
		st.maybeSent.Store(true)
	}
	t.logAttempt(ctx, req, st, n, resp, err, time.Since(start))
	return resp, err
}

// gateError is a failure of the usage gate or the rate limiter: the request
// never left, and another attempt would meet the same gate, so it ends the call.
type gateError struct{ err error }

func (e *gateError) Error() string { return e.err.Error() }
func (e *gateError) Unwrap() error { return e.err }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// maxPrealloc bounds the buffer allocated up front from a Content-Length
// header, which a broken server may overstate.
const maxPrealloc = 1 << 20

// readCapped reads at most limit bytes; size is the announced length (-1 if
// unknown), used only to size the buffer.
func readCapped(r io.Reader, limit, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size >= 0 {
		// bytes.Buffer.ReadFrom wants bytes.MinRead of room before each read.
		buf.Grow(int(min(size, limit, maxPrealloc)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	b := buf.Bytes()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, limit)
	}
	return b, nil
}

// readPrefix reads at most limit bytes of an error body and drops the rest.
func readPrefix(r io.Reader, limit, size int64) ([]byte, error) {
	b, err := readCapped(io.LimitReader(r, limit), limit, size)
	return b, err
}

func (t *Transport) logAttempt(ctx context.Context, req *http.Request, st *callState, n int, resp *http.Response, err error, d time.Duration) {
	if t.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("host", req.URL.Host),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", n),
		slog.Duration("duration", d),
	}
	if st.op != "" {
		attrs = append(attrs, slog.String("op", st.op))
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
		// Never a query string in a log record, whatever the base
		// RoundTripper put in its error.
		attrs = append(attrs, slog.String("error", t.red.String(redact.StripQueries(err.Error()))))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	}
	t.log.LogAttrs(ctx, level, "leadkit: http attempt", attrs...)
}

// checkRetry is retryablehttp's CheckRetry: per-operation idempotency first,
// then the API's classifier.
func (t *Transport) checkRetry(ctx context.Context, hresp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		st = &callState{}
	}
	if err != nil {
		var ge *gateError
		if errors.Is(err, ErrBodyTooLarge) || errors.As(err, &ge) {
			return false, err
		}
		if st.idempotent || neverSent(err, st) {
			return true, nil
		}
		return false, err
	}
	resp := toResponse(hresp)
	v := t.cfg.Classify(resp)
	if !st.idempotent && resp.StatusCode != http.StatusTooManyRequests {
		return false, nil
	}
	if !v.Retry && st.idempotent && t.cfg.ValidateJSON && resp.StatusCode/100 == 2 &&
		resp.StatusCode != http.StatusNoContent && !json.Valid(resp.Body) {
		v.Retry = true
	}
	if !v.Retry {
		return false, nil
	}
	if v.Wait > t.policy.MaxServerWait {
		return false, nil
	}
	if dl, ok := ctx.Deadline(); ok && v.Wait > 0 && time.Until(dl) < v.Wait {
		return false, nil // the caller cannot wait that long; surface the response
	}
	return true, nil
}

// neverSent reports whether a failed attempt provably never reached the
// server: its headers were never written and the failure is a dial or DNS
// failure.
func neverSent(err error, st *callState) bool {
	if st.wrote.Load() {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// backoff is retryablehttp's Backoff: the server's requested wait when there
// is one, else exponential backoff with jitter.
func (t *Transport) backoff(minWait, maxWait time.Duration, attemptNum int, hresp *http.Response) time.Duration {
	if hresp != nil {
		if v := t.cfg.Classify(toResponse(hresp)); v.Wait > 0 {
			return v.Wait
		}
	}
	return Exponential(minWait, maxWait, attemptNum)
}

// Exponential returns min·2^attempt capped at max, with equal jitter (the
// result lies in [d/2, d]).
func Exponential(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	if d > maxWait {
		d = maxWait
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(half+1)
}

func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, err
}

// DefaultClassify retries HTTP 429 and 5xx, honouring Retry-After.
func DefaultClassify(resp *Response) Verdict {
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return Verdict{Retry: true, Wait: RetryAfter(resp.Header, time.Now())}
	}
	return Verdict{}
}

// RetryAfter parses a Retry-After header (seconds or HTTP date) relative to
// now; 0 when absent or unparsable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Snippet returns a short, single-line, redacted excerpt of a body for error
// messages: at most n bytes, cut on a rune boundary, whitespace collapsed.
func (t *Transport) Snippet(body []byte, n int) string {
	return t.red.String(Snippet(body, n))
}

// Snippet returns a short, single-line excerpt of a body (not redacted).
func Snippet(body []byte, n int) string {
	n = max(n, 0)
	cut := false
	if len(body) > n {
		body = body[:n]
		// Drop a rune cut in half at the end (only there: invalid bytes
		// earlier in the body must not erase the whole excerpt).
		for k := 1; k <= utf8.UTFMax && k <= len(body); k++ {
			if utf8.RuneStart(body[len(body)-k]) {
				if !utf8.FullRune(body[len(body)-k:]) {
					body = body[:len(body)-k]
				}
				break
			}
		}
		cut = true
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if cut {
		s += "…"
	}
	return s
}
