package transport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const createURL = "https://api.example.com/v1/customer/create"

func TestAttemptsErrorNeverSent(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	dns := &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	gateErr := errors.New("usage gate closed")

	for _, tc := range []struct {
		name       string
		steps      []step
		idempotent bool
		gate       func(n int) error // BeforeAttempt, by attempt number
		want       bool
	}{
		{name: "dial failures throughout", steps: []step{fail(dial)}, want: true},
		{name: "dns then dial", steps: []step{fail(dns), fail(dial)}, want: true},
		{name: "idempotent dial failures", steps: []step{fail(dial)}, idempotent: true, want: true},
		{name: "usage gate before any attempt", steps: []step{reply(200, "{}")},
			gate: func(int) error { return gateErr }, want: true},
		{name: "reset", steps: []step{fail(reset)}, want: false},
		{name: "unknown error", steps: []step{fail(errors.New("boom"))}, want: false},
		{name: "truncated body", steps: []step{truncated(200, `{"id":`)}, want: false},
		{name: "idempotent: a reset, then dial failures", steps: []step{fail(reset), fail(dial)}, idempotent: true, want: false},
		{name: "idempotent: a response, then the gate", steps: []step{reply(503, "")},
			gate: func(n int) error {
				if n > 1 {
					return gateErr
				}
				return nil
			}, idempotent: true, want: false},
		{name: "headers written, then a dial-looking error", steps: []step{wroteThenFail(dial)}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(tc.steps...)
			cfg := transport.Config{Base: s, Policy: fast}
			n := 0
			if tc.gate != nil {
				cfg.BeforeAttempt = func(context.Context) error { n++; return tc.gate(n) }
			}
			tr := newTransport(t, cfg)
			req := post(t, createURL, `{}`)
			req.Idempotent = tc.idempotent
			_, err := tr.Do(context.Background(), req)
			require.Error(t, err)
			var ae *transport.AttemptsError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.want, ae.NeverSent)
			assert.Equal(t, tc.want, transport.NeverSent(err))
			// Wrapping by a client keeps the answer.
			assert.Equal(t, tc.want, transport.NeverSent(fmt.Errorf("alfacrm: customer/create: %w", err)))
		})
	}
}

// wroteThenFail reports the request headers as written, like net/http
// does, then fails with err.
func wroteThenFail(err error) step {
	return func(req *http.Request) (*http.Response, error) {
		httptrace.ContextClientTrace(req.Context()).WroteHeaders()
		return nil, err
	}
}

func TestNeverSentFalseForOtherErrors(t *testing.T) {
	assert.False(t, transport.NeverSent(nil))
	assert.False(t, transport.NeverSent(errors.New("login failed")))
	assert.False(t, transport.NeverSent(&transport.AttemptsError{Attempts: 1, Err: io.EOF}))
	assert.True(t, transport.NeverSent(&transport.AttemptsError{Attempts: 1, Err: io.EOF, NeverSent: true}))
}

func TestNeverSentOnRealConnectionRefused(t *testing.T) {
	tr := newTransport(t, transport.Config{
		Base:   freshBase(t),
		Policy: transport.Policy{MaxAttempts: 2, MinWait: time.Microsecond, MaxWait: time.Microsecond},
	})
	_, err := tr.Do(context.Background(), post(t, "http://"+closedAddr(t)+"/v1/customer/create", `{}`))
	require.Error(t, err)
	assert.True(t, transport.NeverSent(err))
}

func TestQueryStringsNeverReachLogsOrErrors(t *testing.T) {
	// A base RoundTripper that puts the full URL in its error text, like
	// many do; the query here carries ids and cursors, not secrets, so only
	// stripping (not redaction) can keep it out.
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy refused %s (see https://proxy.example.com/help?ref=abc123)", req.URL)
	})
	c := &capture{}
	tr := newTransport(t, transport.Config{Base: base, Policy: fast, Logger: slog.New(c), Redactor: redact.New()})
	req := get(t, "https://demo.s20.online/v2api/1/cgi/index?customer_id=4242&per-page=50")
	req.Op = "cgi/index"
	_, err := tr.Do(context.Background(), req)
	require.Error(t, err)

	recs := c.records()
	require.Len(t, recs, fast.MaxAttempts)
	for _, r := range recs {
		assert.Equal(t, "proxy refused https://demo.s20.online/v2api/1/cgi/index (see https://proxy.example.com/help)", r["error"])
		for k, v := range r {
			assert.NotContains(t, v, "customer_id", k)
			assert.NotContains(t, v, "4242", k)
			assert.NotContains(t, v, "ref=", k)
		}
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		assert.NotContains(t, text, "customer_id")
		assert.NotContains(t, text, "4242")
		assert.NotContains(t, text, "?")
	}
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "https://demo.s20.online/v2api/1/cgi/index", ue.URL)
	var ae *transport.AttemptsError
	require.ErrorAs(t, err, &ae)
	assert.NotContains(t, ae.Error(), "4242")
}
