package transport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/internal/transport"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

const secret = "test-page-token-XYZ"

// step answers one attempt.
type step func(*http.Request) (*http.Response, error)

type call struct {
	Method string
	URL    string
	Header http.Header
	Body   string
	At     time.Time
}

// script is an in-memory RoundTripper answering attempt i with steps[i]
// (the last step repeats) and recording every request.
type script struct {
	mu    sync.Mutex
	steps []step
	calls []call
}

func newScript(steps ...step) *script { return &script{steps: steps} }

func (s *script) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	s.mu.Lock()
	i := len(s.calls)
	s.calls = append(s.calls, call{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: string(body), At: time.Now()})
	st := s.steps[min(i, len(s.steps)-1)]
	s.mu.Unlock()
	return st(req)
}

func (s *script) Calls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]call(nil), s.calls...)
}

func (s *script) N() int { return len(s.Calls()) }

func reply(status int, body string, kv ...string) step {
	return func(req *http.Request) (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return &http.Response{
			StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		}, nil
	}
}

func fail(err error) step {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// blockUntilDone waits for the attempt's context; with wroteHeaders it first
// reports the request headers as written, like net/http does.
func blockUntilDone(wroteHeaders bool) step {
	return func(req *http.Request) (*http.Response, error) {
		if tr := httptrace.ContextClientTrace(req.Context()); wroteHeaders && tr != nil && tr.WroteHeaders != nil {
			tr.WroteHeaders()
		}
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
}

// errBody is a body that delivers some bytes and then fails.
type errBody struct {
	r   io.Reader
	err error
}

func (b *errBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}
func (b *errBody) Close() error { return nil }

func truncated(status int, partial string) step {
	return func(req *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: status, Header: http.Header{"X-Usage": {"42"}}, ContentLength: 1000,
			Body: &errBody{r: strings.NewReader(partial), err: io.ErrUnexpectedEOF}, Request: req,
		}, nil
	}
}

var fast = transport.Policy{MaxAttempts: 4, MinWait: time.Microsecond, MaxWait: time.Microsecond}

func newTransport(t testing.TB, cfg transport.Config) *transport.Transport {
	t.Helper()
	tr, err := transport.New(cfg)
	require.NoError(t, err)
	return tr
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func get(t testing.TB, u string) transport.Request {
	return transport.Request{Method: http.MethodGet, URL: mustURL(t, u), Idempotent: true}
}

func post(t testing.TB, u, body string) transport.Request {
	return transport.Request{Method: http.MethodPost, URL: mustURL(t, u), Body: []byte(body),
		Header: http.Header{"Content-Type": {"application/json"}}}
}

// --- success path ---------------------------------------------------------

type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

func TestDoSuccessBuffersBody(t *testing.T) {
	body := &closeCounter{Reader: strings.NewReader(`{"data":[{"id":"1"}]}`)}
	var got *http.Request
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		got = req
		b, _ := io.ReadAll(req.Body)
		assert.JSONEq(t, `{"name":"Jane Example"}`, string(b))
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
	})
	tr := newTransport(t, transport.Config{Base: base, UserAgent: "leadkit-test/1"})
	req := post(t, "https://api.example.com/v1/leads?fields=id", `{"name":"Jane Example"}`)
	req.Header.Set("X-Extra", "yes")

	resp, err := tr.Do(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"data":[{"id":"1"}]}`, string(resp.Body))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, 1, resp.Attempts)
	assert.EqualValues(t, 1, body.closed.Load(), "the base body is read and closed by Do")

	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "https://api.example.com/v1/leads?fields=id", got.URL.String())
	assert.Equal(t, "leadkit-test/1", got.Header.Get("User-Agent"))
	assert.Equal(t, "yes", got.Header.Get("X-Extra"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, []string{"yes"}, req.Header["X-Extra"], "the caller's header is not modified")
	assert.Empty(t, req.Header.Get("User-Agent"))
}

func TestDoWithHTTPMock(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://graph.example.com/v23.0/123/leads",
		httpmock.NewStringResponder(200, `{"data":[]}`).HeaderSet(http.Header{"X-App-Usage": {`{"call_count":5}`}}))
	var usage []string
	tr := newTransport(t, transport.Config{Base: mt, AfterAttempt: func(h http.Header, status int) {
		usage = append(usage, fmt.Sprint(status, " ", h.Get("X-App-Usage")))
	}})
	resp, err := tr.Do(context.Background(), get(t, "https://graph.example.com/v23.0/123/leads?limit=25"))
	require.NoError(t, err)
	assert.Equal(t, `{"data":[]}`, string(resp.Body))
	assert.Equal(t, []string{`200 {"call_count":5}`}, usage)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestRedirectIsNotFollowed(t *testing.T) {
	s := newScript(reply(302, "", "Location", "https://elsewhere.example.com/"))
	tr := newTransport(t, transport.Config{Base: s})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.NoError(t, err)
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, 1, s.N())
}

func TestDoRejectsNilURL(t *testing.T) {
	tr := newTransport(t, transport.Config{Base: newScript(reply(200, "{}"))})
	_, err := tr.Do(context.Background(), transport.Request{Method: http.MethodGet})
	require.Error(t, err)
	_, err = tr.Do(context.Background(), transport.Request{Method: "BAD METHOD", URL: mustURL(t, "https://example.com/")})
	require.Error(t, err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// --- retries of responses --------------------------------------------------

func TestRetriesServerErrorsAnd429ThenSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(500, "oops"), reply(502, "<html>bad gateway</html>"), reply(429, "slow down"), reply(200, `{"ok":true}`))
		tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{MaxAttempts: 4, MinWait: time.Second, MaxWait: 4 * time.Second}})
		req := post(t, "https://api.example.com/v1/search", `{"q":"x"}`)
		req.Idempotent = true

		start := time.Now()
		resp, err := tr.Do(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, `{"ok":true}`, string(resp.Body))
		assert.Equal(t, 4, resp.Attempts)
		calls := s.Calls()
		require.Len(t, calls, 4)
		for _, c := range calls {
			assert.Equal(t, `{"q":"x"}`, c.Body, "every attempt sends the same body")
		}
		// Backoff with equal jitter: attempt n waits within [min·2ⁿ/2, min·2ⁿ].
		elapsed := time.Since(start)
		assert.GreaterOrEqual(t, elapsed, (1*time.Second+2*time.Second+4*time.Second)/2)
		assert.LessOrEqual(t, elapsed, 7*time.Second)
	})
}

func TestRetriesExhaustedReturnsLastResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(500, "first"), reply(503, `{"error":"last"}`))
		tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{MaxAttempts: 3, MinWait: time.Second, MaxWait: time.Second}})
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Equal(t, `{"error":"last"}`, string(resp.Body), "the last error body is kept")
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, 3, s.N())
	})
}

func TestNoRetryOnClientError(t *testing.T) {
	s := newScript(reply(400, `{"error":"bad"}`))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.NoError(t, err)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, 1, s.N())
}

func TestMaxAttemptsOneDisablesRetries(t *testing.T) {
	s := newScript(reply(503, ""))
	tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{MaxAttempts: 1}})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, 1, s.N())
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Run("seconds", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(reply(503, "", "Retry-After", "7"), reply(200, "{}"))
			tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{MinWait: time.Millisecond, MaxWait: time.Millisecond}})
			start := time.Now()
			resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, 7*time.Second, time.Since(start))
			calls := s.Calls()
			require.Len(t, calls, 2)
			assert.Equal(t, 7*time.Second, calls[1].At.Sub(calls[0].At))
		})
	})
	t.Run("http date", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
			s := newScript(reply(429, "", "Retry-After", at), reply(200, "{}"))
			tr := newTransport(t, transport.Config{Base: s})
			start := time.Now()
			resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, 90*time.Second, time.Since(start))
		})
	})
}

func TestVerdictWaitHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(400, `{"error":{"code":4}}`), reply(400, `{"error":{"code":4}}`), reply(200, "{}"))
		classify := func(r *transport.Response) transport.Verdict {
			if strings.Contains(string(r.Body), `"code":4`) {
				return transport.Verdict{Retry: true, Wait: 42 * time.Second}
			}
			return transport.Verdict{}
		}
		tr := newTransport(t, transport.Config{Base: s, Classify: classify})
		start := time.Now()
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, 84*time.Second, time.Since(start))
	})
}

func TestMaxServerWaitExceededStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(503, "down for maintenance", "Retry-After", "3600"), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{MaxServerWait: time.Minute}})
		start := time.Now()
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Equal(t, "down for maintenance", string(resp.Body))
		assert.Equal(t, 1, resp.Attempts)
		assert.Equal(t, 1, s.N())
		assert.Zero(t, time.Since(start))
	})
}

func TestDeadlineShorterThanServerWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(429, "slow down", "Retry-After", "30"), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := tr.Do(ctx, get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, 1, resp.Attempts)
		assert.Zero(t, time.Since(start), "no waiting for a retry that cannot happen")
	})
}

func TestCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(503, "", "Retry-After", "60"), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s})
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var (
			resp *transport.Response
			err  error
		)
		done := make(chan struct{})
		go func() {
			defer close(done)
			resp, err = tr.Do(ctx, get(t, "https://api.example.com/x"))
		}()
		synctest.Wait() // Do is now blocked in its 60s backoff
		require.Equal(t, 1, s.N())
		time.Sleep(5 * time.Second) // fake clock: 5s into the backoff
		cancel()
		<-done
		assert.Nil(t, resp)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 5*time.Second, time.Since(start), "Do returns as soon as ctx ends")
		assert.Equal(t, 1, s.N())
		var ae *transport.AttemptsError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 1, ae.Attempts)
	})
}

// --- idempotency ------------------------------------------------------------

func TestNonIdempotentNotRetriedAfterResponse(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		s := newScript(reply(status, "err"), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast})
		resp, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{"name":"Jane"}`))
		require.NoError(t, err)
		assert.Equal(t, status, resp.StatusCode)
		assert.Equal(t, 1, s.N(), "a create must not be sent twice")
	}
}

func TestNonIdempotentRetriedOn429(t *testing.T) {
	s := newScript(reply(429, ""), reply(201, `{"id":7}`))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast})
	resp, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{}`))
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, 2, s.N())
}

func TestNonIdempotentNotRetriedAfterTimeoutOrReset(t *testing.T) {
	t.Run("timeout after headers written", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(blockUntilDone(true), reply(200, "{}"))
			tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{AttemptTimeout: 5 * time.Second}})
			start := time.Now()
			_, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{}`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "attempt timed out after 5s")
			assert.Equal(t, 1, s.N())
			assert.Equal(t, 5*time.Second, time.Since(start))
		})
	})
	t.Run("reset", func(t *testing.T) {
		reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		s := newScript(fail(reset), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast})
		_, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{}`))
		require.Error(t, err)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		assert.Equal(t, 1, s.N())
	})
	t.Run("truncated body", func(t *testing.T) {
		s := newScript(truncated(200, `{"id":`), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast})
		_, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{}`))
		require.Error(t, err)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, 1, s.N())
	})
}

func TestNonIdempotentRetriedWhenNeverSent(t *testing.T) {
	for name, err := range map[string]error{
		"dns":          &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true},
		"dial":         &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: network is unreachable")},
		"refused bare": syscall.ECONNREFUSED,
	} {
		t.Run(name, func(t *testing.T) {
			s := newScript(fail(err), reply(201, "{}"))
			tr := newTransport(t, transport.Config{Base: s, Policy: fast})
			resp, derr := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{"a":1}`))
			require.NoError(t, derr)
			assert.Equal(t, 201, resp.StatusCode)
			assert.Equal(t, 2, resp.Attempts)
			assert.Equal(t, `{"a":1}`, s.Calls()[1].Body)
		})
	}
}

func TestNotRetriedOnceHeadersWereWritten(t *testing.T) {
	// Even an error that looks like a dial failure is not retried for a
	// non-idempotent call once net/http reported the headers as written.
	s := newScript(func(req *http.Request) (*http.Response, error) {
		httptrace.ContextClientTrace(req.Context()).WroteHeaders()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}, reply(201, "{}"))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast})
	_, err := tr.Do(context.Background(), post(t, "https://api.example.com/v1/customer/create", `{}`))
	require.Error(t, err)
	assert.Equal(t, 1, s.N())
}

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func freshBase(t *testing.T) *http.Transport {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return base
}

func TestNonIdempotentRetriedOnConnectionRefused(t *testing.T) {
	var before atomic.Int32
	tr := newTransport(t, transport.Config{
		Base:          freshBase(t),
		Policy:        transport.Policy{MaxAttempts: 3, MinWait: time.Microsecond, MaxWait: time.Microsecond},
		BeforeAttempt: func(context.Context) error { before.Add(1); return nil },
	})
	_, err := tr.Do(context.Background(), post(t, "http://"+closedAddr(t)+"/v1/customer/create", `{}`))
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.EqualValues(t, 3, before.Load(), "a refused connection never reached the server: retried")
	var ae *transport.AttemptsError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 3, ae.Attempts)
	assert.Contains(t, err.Error(), "(after 3 attempts)")
}

// hijackServer answers with raw bytes and closes the connection for the
// first `broken` requests, then with a normal JSON body.
func hijackServer(t *testing.T, broken int32, raw string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) <= broken {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			_, _ = buf.WriteString(raw)
			_ = buf.Flush()
			if tc, ok := conn.(*net.TCPConn); ok && raw == "" {
				_ = tc.SetLinger(0) // RST instead of FIN
			}
			_ = conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

const truncatedResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":["

func TestIdempotentRetriedOnResetAndTruncation(t *testing.T) {
	for name, raw := range map[string]string{"reset": "", "truncated body": truncatedResponse} {
		t.Run(name, func(t *testing.T) {
			srv, hits := hijackServer(t, 1, raw)
			tr := newTransport(t, transport.Config{Base: freshBase(t), Policy: fast})
			resp, err := tr.Do(context.Background(), get(t, srv.URL+"/v1/leads"))
			require.NoError(t, err)
			assert.Equal(t, `{"data":[]}`, string(resp.Body))
			assert.Equal(t, 2, resp.Attempts)
			assert.EqualValues(t, 2, hits.Load())
		})
	}
}

func TestNonIdempotentNotRetriedOnRealResetOrTruncation(t *testing.T) {
	for name, raw := range map[string]string{"reset": "", "truncated body": truncatedResponse} {
		t.Run(name, func(t *testing.T) {
			srv, hits := hijackServer(t, 1, raw)
			tr := newTransport(t, transport.Config{Base: freshBase(t), Policy: fast})
			_, err := tr.Do(context.Background(), post(t, srv.URL+"/v1/customer/create", `{"name":"Jane"}`))
			require.Error(t, err)
			assert.EqualValues(t, 1, hits.Load(), "the server saw the request: no second create")
		})
	}
}

func TestIdempotentRetriedOnTruncatedBodyInMemory(t *testing.T) {
	s := newScript(truncated(200, `{"data":[`), reply(200, `{"data":[]}`))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/v1/leads"))
	require.NoError(t, err)
	assert.Equal(t, `{"data":[]}`, string(resp.Body))
	assert.Equal(t, 2, resp.Attempts)
}

func TestTruncatedBodyEveryTimeFails(t *testing.T) {
	s := newScript(truncated(200, `{"data":[`))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/v1/leads"))
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, err.Error(), "reading response body")
	assert.Contains(t, err.Error(), "(after 4 attempts)")
	assert.Equal(t, 4, s.N())
}

// --- body checks ------------------------------------------------------------

func TestValidateJSON(t *testing.T) {
	html := reply(200, "<html><body>Proxy error</body></html>", "Content-Type", "text/html")
	t.Run("idempotent retried", func(t *testing.T) {
		s := newScript(html, reply(200, `{"data":[]}`))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast, ValidateJSON: true})
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, `{"data":[]}`, string(resp.Body))
		assert.Equal(t, 2, resp.Attempts)
	})
	t.Run("idempotent exhausted returns last HTML", func(t *testing.T) {
		s := newScript(html)
		tr := newTransport(t, transport.Config{Base: s, Policy: fast, ValidateJSON: true})
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), "Proxy error")
		assert.Equal(t, 4, s.N())
	})
	t.Run("empty 200 retried, 204 not", func(t *testing.T) {
		s := newScript(reply(200, ""), reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast, ValidateJSON: true})
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 2, resp.Attempts)

		s = newScript(reply(204, ""))
		tr = newTransport(t, transport.Config{Base: s, Policy: fast, ValidateJSON: true})
		resp, err = tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 204, resp.StatusCode)
		assert.Equal(t, 1, s.N())
	})
	t.Run("non-idempotent not retried", func(t *testing.T) {
		s := newScript(html, reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast, ValidateJSON: true})
		resp, err := tr.Do(context.Background(), post(t, "https://api.example.com/x", "{}"))
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), "Proxy error")
		assert.Equal(t, 1, s.N())
	})
	t.Run("off", func(t *testing.T) {
		s := newScript(html, reply(200, "{}"))
		tr := newTransport(t, transport.Config{Base: s, Policy: fast})
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), "Proxy error")
		assert.Equal(t, 1, s.N())
	})
}

func TestBodyCap(t *testing.T) {
	s := newScript(reply(200, strings.Repeat("x", 17)))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast, MaxBodyBytes: 16})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, transport.ErrBodyTooLarge)
	assert.Contains(t, err.Error(), "over 16 bytes")
	assert.Equal(t, 1, s.N(), "an oversized body is not retried")

	s = newScript(reply(200, strings.Repeat("x", 16)))
	tr = newTransport(t, transport.Config{Base: s, MaxBodyBytes: 16})
	resp, err = tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.NoError(t, err)
	assert.Len(t, resp.Body, 16)
}

// --- timeouts ------------------------------------------------------------------

func TestAttemptTimeout(t *testing.T) {
	t.Run("retried then fails", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(blockUntilDone(false))
			tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{
				MaxAttempts: 3, AttemptTimeout: 5 * time.Second, MinWait: time.Second, MaxWait: time.Second}})
			start := time.Now()
			resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
			require.Error(t, err)
			assert.Nil(t, resp)
			assert.Equal(t, 3, s.N())
			assert.Contains(t, err.Error(), "attempt timed out after 5s")
			assert.Contains(t, err.Error(), "(after 3 attempts)")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			elapsed := time.Since(start)
			assert.GreaterOrEqual(t, elapsed, 15*time.Second+time.Second) // 3 timeouts + 2 backoffs ≥ 0.5s
			assert.LessOrEqual(t, elapsed, 17*time.Second)
		})
	})
	t.Run("retried then succeeds", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(blockUntilDone(false), reply(200, "{}"))
			tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{AttemptTimeout: 5 * time.Second}})
			resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
			require.NoError(t, err)
			assert.Equal(t, 2, resp.Attempts)
		})
	})
	t.Run("caller deadline is not an attempt timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newScript(blockUntilDone(false))
			tr := newTransport(t, transport.Config{Base: s, Policy: transport.Policy{AttemptTimeout: time.Minute}})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := tr.Do(ctx, get(t, "https://api.example.com/x"))
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.NotContains(t, err.Error(), "attempt timed out")
			assert.Equal(t, 1, s.N())
		})
	})
}

// --- authentication -----------------------------------------------------------

type fakeAuth struct {
	mu          sync.Mutex
	gen         uint64
	authorized  int
	invalidated []uint64
	fail        error
}

func (a *fakeAuth) Authorize(_ context.Context, req *http.Request) (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return 0, a.fail
	}
	a.authorized++
	if a.gen == 0 {
		a.gen = 1
	}
	req.Header.Set("Authorization", fmt.Sprintf("Bearer token-gen-%d", a.gen))
	return a.gen, nil
}

func (a *fakeAuth) Rejected(resp *transport.Response) bool { return resp.StatusCode == 401 }

func (a *fakeAuth) Invalidate(gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invalidated = append(a.invalidated, gen)
	if gen == a.gen {
		a.gen++
	}
}

func TestAuthRejectedOnceReplays(t *testing.T) {
	s := newScript(reply(401, `{"error":"expired"}`), reply(200, `{"ok":1}`))
	auth := &fakeAuth{}
	tr := newTransport(t, transport.Config{Base: s, Auth: auth, Policy: fast})
	resp, err := tr.Do(context.Background(), post(t, "https://crm.example.com/v2api/customer/create", `{"name":"Jane"}`))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 2, resp.Attempts, "attempts count the replay")
	assert.Equal(t, []uint64{1}, auth.invalidated)
	assert.Equal(t, 2, auth.authorized)
	calls := s.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "Bearer token-gen-1", calls[0].Header.Get("Authorization"))
	assert.Equal(t, "Bearer token-gen-2", calls[1].Header.Get("Authorization"))
	assert.Equal(t, `{"name":"Jane"}`, calls[1].Body, "the replay sends the same body")
}

func TestAuthRejectedTwiceReturnsSecondResponse(t *testing.T) {
	s := newScript(reply(401, `{"error":"first"}`), reply(401, `{"error":"second"}`), reply(200, "{}"))
	auth := &fakeAuth{}
	tr := newTransport(t, transport.Config{Base: s, Auth: auth, Policy: fast})
	resp, err := tr.Do(context.Background(), get(t, "https://crm.example.com/v2api/customer/index"))
	require.NoError(t, err)
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, `{"error":"second"}`, string(resp.Body))
	assert.Equal(t, []uint64{1}, auth.invalidated, "exactly one replay")
	assert.Equal(t, 2, s.N())
}

func TestAuthSkippedAndFailing(t *testing.T) {
	s := newScript(reply(401, "{}"))
	auth := &fakeAuth{}
	tr := newTransport(t, transport.Config{Base: s, Auth: auth, Policy: fast})
	req := post(t, "https://crm.example.com/v2api/auth/login", `{"email":"jane@example.com","api_key":"k-123456"}`)
	req.NoAuth = true
	resp, err := tr.Do(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 401, resp.StatusCode)
	assert.Zero(t, auth.authorized)
	assert.Empty(t, auth.invalidated, "a login call is never replayed")
	assert.Empty(t, s.Calls()[0].Header.Get("Authorization"))

	auth.fail = fmt.Errorf("login failed for api_key=%s", secret)
	_, err = tr.Do(context.Background(), get(t, "https://crm.example.com/v2api/customer/index"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.Equal(t, 1, s.N(), "no request without credentials")
}

// --- limiter and hooks -------------------------------------------------------------

func TestLimiterWaitedPerAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(500, ""), reply(500, ""), reply(200, "{}"))
		lim := rate.NewLimiter(rate.Every(2*time.Second), 1)
		tr := newTransport(t, transport.Config{Base: s, Limiter: lim,
			Policy: transport.Policy{MinWait: time.Millisecond, MaxWait: time.Millisecond}})
		start := time.Now()
		resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
		require.NoError(t, err)
		assert.Equal(t, 3, resp.Attempts)
		calls := s.Calls()
		require.Len(t, calls, 3)
		assert.Equal(t, start, calls[0].At)
		// rate.Limiter computes in float64 seconds: allow a nanosecond or so.
		assert.InDelta(t, float64(2*time.Second), float64(calls[1].At.Sub(start)), float64(time.Microsecond), "the retry waited for a token")
		assert.InDelta(t, float64(4*time.Second), float64(calls[2].At.Sub(start)), float64(time.Microsecond))
	})
}

func TestLimiterErrorEndsCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(reply(200, "{}"))
		lim := rate.NewLimiter(rate.Every(time.Minute), 1)
		require.True(t, lim.Allow()) // the only token is spent
		var before atomic.Int32
		tr := newTransport(t, transport.Config{Base: s, Limiter: lim, Policy: fast,
			BeforeAttempt: func(context.Context) error { before.Add(1); return nil }})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := tr.Do(ctx, get(t, "https://api.example.com/x"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "rate: Wait")
		assert.Zero(t, s.N())
		assert.EqualValues(t, 1, before.Load(), "a limiter refusal is not retried")
		assert.Zero(t, time.Since(start))
	})
}

func TestHooksCalledPerAttempt(t *testing.T) {
	s := newScript(reply(503, "", "X-Usage", "90"), truncated(200, "{"), reply(200, "{}", "X-Usage", "10"))
	var mu sync.Mutex
	var events []string
	tr := newTransport(t, transport.Config{Base: s, Policy: fast,
		BeforeAttempt: func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "before")
			return ctx.Err()
		},
		AfterAttempt: func(h http.Header, status int) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, fmt.Sprintf("after %d usage=%s", status, h.Get("X-Usage")))
		},
	})
	resp, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, []string{
		"before", "after 503 usage=90",
		"before", "after 200 usage=42", // the headers of a response whose body broke
		"before", "after 200 usage=10",
	}, events)
}

func TestBeforeAttemptErrorEndsCall(t *testing.T) {
	gate := errors.New("usage gate: app usage at 100%")
	var n atomic.Int32
	s := newScript(reply(200, "{}"))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast,
		BeforeAttempt: func(context.Context) error { n.Add(1); return gate }})
	_, err := tr.Do(context.Background(), get(t, "https://api.example.com/x"))
	require.Error(t, err)
	assert.ErrorIs(t, err, gate)
	assert.EqualValues(t, 1, n.Load())
	assert.Zero(t, s.N())
}

// --- logging --------------------------------------------------------------------------

type capture struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r.Clone())
	return nil
}
func (c *capture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *capture) WithGroup(string) slog.Handler      { return c }

func (c *capture) records() []map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]string
	for _, r := range c.recs {
		m := map[string]string{"msg": r.Message, "level": r.Level.String()}
		r.Attrs(func(a slog.Attr) bool {
			m[a.Key] = a.Value.String()
			return true
		})
		out = append(out, m)
	}
	return out
}

func TestLoggerOneRecordPerAttemptWithoutQuery(t *testing.T) {
	c := &capture{}
	s := newScript(fail(fmt.Errorf("dial tcp: lookup failed for https://graph.example.com/v23.0/123/leads?access_token=%s", secret)),
		reply(503, "", "Retry-After", "0"), reply(200, `{"data":[]}`))
	tr := newTransport(t, transport.Config{Base: s, Policy: fast, Logger: slog.New(c), Redactor: redact.New(secret)})
	req := get(t, "https://graph.example.com/v23.0/123/leads?access_token="+secret+"&fields=id,email")
	req.Op = "leads.page"
	resp, err := tr.Do(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)

	recs := c.records()
	require.Len(t, recs, 3)
	for i, r := range recs {
		assert.Equal(t, "GET", r["method"])
		assert.Equal(t, "graph.example.com", r["host"])
		assert.Equal(t, "/v23.0/123/leads", r["path"])
		assert.Equal(t, fmt.Sprint(i+1), r["attempt"])
		assert.Equal(t, "leads.page", r["op"])
		for k, v := range r {
			assert.NotContains(t, v, secret, k)
			assert.NotContains(t, v, "fields", k)
			assert.NotContains(t, v, "email", k)
		}
	}
	assert.Equal(t, "WARN", recs[0]["level"])
	assert.Contains(t, recs[0]["error"], "lookup failed")
	assert.NotContains(t, recs[0], "status")
	assert.Equal(t, "503", recs[1]["status"])
	assert.Equal(t, "WARN", recs[1]["level"])
	assert.Equal(t, "200", recs[2]["status"])
	assert.Equal(t, "DEBUG", recs[2]["level"])
	assert.Same(t, tr.Logger(), tr.Logger())
	assert.NotNil(t, tr.Logger())
}

// --- redaction of errors ---------------------------------------------------------------

func TestErrorsCarryNoSecret(t *testing.T) {
	red := redact.New(secret, "proof-abcdef0123")
	secretURL := "https://graph.example.com/v23.0/me?access_token=" + secret + "&appsecret_proof=proof-abcdef0123"

	t.Run("always failing transport echoing the URL", func(t *testing.T) {
		base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("cannot reach %s", req.URL)
		})
		tr := newTransport(t, transport.Config{Base: base, Policy: fast, Redactor: red})
		_, err := tr.Do(context.Background(), get(t, secretURL))
		require.Error(t, err)
		assertNoSecret(t, err, secret, "proof-abcdef0123")
		assert.Equal(t, `Get "https://graph.example.com/v23.0/me": cannot reach https://graph.example.com/v23.0/me (after 4 attempts)`,
			err.Error(), "query strings are stripped from URLs in the message")
		var ue *url.Error
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "https://graph.example.com/v23.0/me", ue.URL, "and from the url.Error in the chain")
	})

	t.Run("chain", func(t *testing.T) {
		base := roundTripFunc(func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		})
		tr := newTransport(t, transport.Config{Base: base, Policy: fast, Redactor: red})
		_, err := tr.Do(context.Background(), get(t, secretURL))
		require.Error(t, err)
		assertNoSecret(t, err, secret, "proof-abcdef0123")
		var ae *transport.AttemptsError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 4, ae.Attempts)
		assertNoSecret(t, ae, secret)
		var ue *url.Error
		require.ErrorAs(t, err, &ue)
		assertNoSecret(t, ue, secret)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
	})

	t.Run("context ended during a failing attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		base := roundTripFunc(func(*http.Request) (*http.Response, error) {
			cancel()
			return nil, io.ErrUnexpectedEOF
		})
		tr := newTransport(t, transport.Config{Base: base, Policy: fast, Redactor: red})
		_, err := tr.Do(ctx, get(t, secretURL))
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assertNoSecret(t, err, secret)
		var ae *transport.AttemptsError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 1, ae.Attempts, "no retry once the caller gave up")
		assertNoSecret(t, ae, secret)
	})

	t.Run("body too large", func(t *testing.T) {
		tr := newTransport(t, transport.Config{Base: newScript(reply(200, "0123456789")), MaxBodyBytes: 4, Redactor: red})
		_, err := tr.Do(context.Background(), get(t, secretURL))
		require.ErrorIs(t, err, transport.ErrBodyTooLarge)
		assertNoSecret(t, err, secret)
	})
}

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%v", err), fmt.Sprintf("%#v", err.Error())} {
			assert.NotContains(t, text, s)
			assert.NotContains(t, text, url.QueryEscape(s))
		}
	}
}

// --- configuration and helpers --------------------------------------------------------

func TestNewValidates(t *testing.T) {
	for _, p := range []transport.Policy{{MaxAttempts: -1}, {MinWait: -1}, {MaxWait: -1}, {AttemptTimeout: -1}, {MaxServerWait: -1}} {
		_, err := transport.New(transport.Config{Policy: p})
		assert.Error(t, err, "%+v", p)
	}
	_, err := transport.New(transport.Config{MaxBodyBytes: -1})
	assert.Error(t, err)

	tr := newTransport(t, transport.Config{})
	assert.Equal(t, transport.Policy{
		MaxAttempts: transport.DefaultMaxAttempts, MinWait: transport.DefaultMinWait, MaxWait: transport.DefaultMaxWait,
		AttemptTimeout: transport.DefaultAttemptTimeout, MaxServerWait: transport.DefaultMaxServerWait,
	}, tr.Policy())
	assert.NotNil(t, tr.Redactor())
	assert.Nil(t, tr.Logger())

	tr = newTransport(t, transport.Config{Policy: transport.Policy{MinWait: time.Minute, MaxWait: time.Second}})
	assert.Equal(t, time.Minute, tr.Policy().MaxWait, "MaxWait is raised to MinWait")

	red := redact.New(secret)
	tr = newTransport(t, transport.Config{Redactor: red})
	assert.Same(t, red, tr.Redactor())
	assert.Equal(t, "token [REDACTED]", tr.Err(errors.New("token "+secret)).Error())
	assert.NoError(t, tr.Err(nil))
}

func TestDefaultClassify(t *testing.T) {
	for status, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 429: true, 500: true, 503: true} {
		v := transport.DefaultClassify(&transport.Response{StatusCode: status, Header: http.Header{}})
		assert.Equal(t, want, v.Retry, status)
		assert.Zero(t, v.Wait)
	}
	v := transport.DefaultClassify(&transport.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"12"}}})
	assert.Equal(t, transport.Verdict{Retry: true, Wait: 12 * time.Second}, v)
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		" 120 ":                         2 * time.Minute,
		"-3":                            0,
		"soon":                          0,
		"Sun, 01 Mar 2026 12:01:30 GMT": 90 * time.Second,
		"Sun, 01 Mar 2026 11:59:00 GMT": 0,
	} {
		h := http.Header{}
		if in != "" {
			h.Set("Retry-After", in)
		}
		assert.Equal(t, want, transport.RetryAfter(h, now), "%q", in)
	}
}

func TestExponential(t *testing.T) {
	for attempt, full := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		for range 50 {
			d := transport.Exponential(time.Second, 10*time.Second, attempt)
			assert.GreaterOrEqual(t, d, full/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, full, "attempt %d", attempt)
		}
	}
	assert.Zero(t, transport.Exponential(0, 0, 3))
	assert.Equal(t, time.Duration(1), transport.Exponential(1, 1, 5))
}

func TestSnippet(t *testing.T) {
	assert.Equal(t, "a b c", transport.Snippet([]byte("  a\n\tb   c  "), 100))
	assert.Equal(t, "abc…", transport.Snippet([]byte("abcdef"), 3))
	assert.Equal(t, "при…", transport.Snippet([]byte("привет"), 7), "a rune cut in half is dropped")
	assert.Equal(t, "\xffab…", transport.Snippet([]byte("\xffabcdef"), 3), "an invalid byte does not erase the excerpt")
	assert.Equal(t, "…", transport.Snippet([]byte("abc"), -1))
	assert.Empty(t, transport.Snippet(nil, 10))

	tr := newTransport(t, transport.Config{Redactor: redact.New(secret)})
	assert.Equal(t, `{"access_token":"[REDACTED]", "x":"[REDACTED]"}`,
		tr.Snippet([]byte(`{"access_token":"abc123456",`+"\n  "+`"x":"`+secret+`"}`), 200))
}

func TestConcurrentDo(t *testing.T) {
	mt := httpmock.NewMockTransport()
	var seen sync.Map
	mt.RegisterResponder(http.MethodGet, "https://api.example.com/x", func(req *http.Request) (*http.Response, error) {
		if _, again := seen.LoadOrStore(req.URL.Query().Get("call"), true); !again {
			return httpmock.NewStringResponse(503, ""), nil // first attempt of every call
		}
		return httpmock.NewStringResponse(200, `{"ok":true}`), nil
	})
	var after atomic.Int32
	tr := newTransport(t, transport.Config{Base: mt, Policy: fast, Limiter: rate.NewLimiter(rate.Inf, 1),
		AfterAttempt: func(http.Header, int) { after.Add(1) }, Logger: slog.New(&capture{})})
	var wg sync.WaitGroup
	var attempts atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			resp, err := tr.Do(context.Background(), get(t, fmt.Sprintf("https://api.example.com/x?call=%d", i)))
			if assert.NoError(t, err) {
				assert.Equal(t, 200, resp.StatusCode)
				assert.Equal(t, 2, resp.Attempts, "each call counts its own attempts")
				attempts.Add(int32(resp.Attempts))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 100, mt.GetTotalCallCount())
	assert.EqualValues(t, 100, attempts.Load())
	assert.Equal(t, attempts.Load(), after.Load())
}

// --- benchmark ---------------------------------------------------------------------------

func BenchmarkDo(b *testing.B) {
	body := []byte(`{"data":[` + strings.Repeat(`{"id":"1234567890","created_time":"2026-03-01T12:00:00+0000"},`, 20) + `{}]}`)
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}, nil
	})
	for name, cfg := range map[string]transport.Config{
		"plain":    {Base: base},
		"json":     {Base: base, ValidateJSON: true},
		"httpmock": {Base: httpmockBase(body)},
	} {
		b.Run(name, func(b *testing.B) {
			tr := newTransport(b, cfg)
			req := get(b, "https://graph.example.com/v23.0/123/leads?limit=25")
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				resp, err := tr.Do(ctx, req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatal(resp, err)
				}
			}
		})
	}
}

func httpmockBase(body []byte) http.RoundTripper {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://graph.example.com/v23.0/123/leads", httpmock.NewBytesResponder(200, body))
	return mt
}
