package metaleads

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// Invented credentials; never real.
const (
	testToken     = "test-page-token-XYZ123"
	testAppSecret = "test-app-secret-ABC456"
	testBase      = "https://graph.facebook.com/v26.0/"
)

// step is one scripted response.
type step struct {
	status int
	body   string
	header http.Header
	check  func(t *testing.T, r recorded) // optional assertions on the request
	err    error                          // transport error instead of a response
}

// recorded is a request as the server saw it.
type recorded struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   string
}

// script is a scripted Graph: each request consumes the next step.
type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	reqs  []recorded
}

func (s *script) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r := recorded{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: string(body)}
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	if len(s.steps) == 0 {
		s.mu.Unlock()
		s.t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
		return httpmock.NewStringResponse(599, "unexpected request"), nil
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	s.mu.Unlock()
	if st.check != nil {
		st.check(s.t, r)
	}
	if st.err != nil {
		return nil, st.err
	}
	resp := httpmock.NewStringResponse(st.status, st.body)
	for k, v := range st.header {
		resp.Header[k] = v
	}
	if resp.Header.Get("Content-Type") == "" {
		resp.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	return resp, nil
}

func (s *script) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *script) remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.steps)
}

// newScript returns a mock transport that plays steps in order.
func newScript(t *testing.T, steps ...step) (*script, *httpmock.MockTransport) {
	t.Helper()
	s := &script{t: t, steps: steps}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(s.respond)
	return s, mt
}

// fastRetry keeps retry waits tiny outside synctest bubbles.
var fastRetry = RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

// newTestClient returns a client over rt with tiny retry waits and no
// client-side rate limit; opts come last and win.
func newTestClient(t *testing.T, rt http.RoundTripper, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithHTTPClient(&http.Client{Transport: rt}), WithRetry(fastRetry), WithLimiter(nil)}
	c, err := NewClient(testToken, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// ok returns a 200 step with body.
func ok(body string) step { return step{status: 200, body: body} }

// graphErr returns a step with a Graph error envelope.
func graphErr(status, code, subcode int, msg string) step {
	return step{status: status, body: fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"fbtrace_id":"TRACE123"}}`, msg, code, subcode)}
}

// leadJSON is a lead object with the given id.
func leadJSON(id string) string {
	return fmt.Sprintf(`{"id":"%s","created_time":"2026-04-03T14:22:05+0000","form_id":"987654321098765","field_data":[{"name":"email","values":["lead%s@example.com"]}]}`, id, id)
}

// leadsPage builds a leads page; next empty means the last page.
func leadsPage(after string, next bool, ids ...string) string {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = leadJSON(id)
	}
	paging := fmt.Sprintf(`"paging":{"cursors":{"before":"BEFORE","after":%q}}`, after)
	if next {
		// The next URL points elsewhere on purpose: it must never be followed.
		paging = fmt.Sprintf(`"paging":{"cursors":{"before":"BEFORE","after":%q},"next":"https://evil.example.com/v26.0/x/leads?access_token=LEAKED&after=%s"}`, after, after)
	}
	return fmt.Sprintf(`{"data":[%s],%s}`, strings.Join(items, ","), paging)
}

// collect ranges over a Seq2 of leads, returning ids and errors.
func collectIDs(seq func(func(Lead, error) bool)) (ids []string, errs []error) {
	for l, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, l.ID)
	}
	return ids, errs
}

// captureHandler records every slog record as text.
type captureHandler struct {
	mu    sync.Mutex
	lines []string
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, b.String())
	h.mu.Unlock()
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }
func (h *captureHandler) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.lines, "\n")
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// get performs a plain authenticated GET of path through the client.
func get(ctx context.Context, c *Client, path string) (map[string]any, error) {
	var out map[string]any
	err := c.getJSON(ctx, call{op: "test", method: "GET", path: path}, &out)
	return out, c.err(err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
