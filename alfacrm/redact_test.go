package alfacrm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretToken = "test-token-SECRET-4f2a9c"

var testTime = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// captureHandler records every log record as text.
type captureHandler struct {
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newCapture() *captureHandler {
	return &captureHandler{mu: &sync.Mutex{}, lines: new([]string)}
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	*h.lines = append(*h.lines, b.String())
	h.mu.Unlock()
	return nil
}

func (h *captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *captureHandler) WithGroup(string) slog.Handler { return h }

func (h *captureHandler) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.lines...)
}

// leakyFailRT fails every call except the login, with an error that echoes
// the secrets a careless stack might put in an error: the URL, the token
// header and the API key from the login body.
type leakyFailRT struct{ failLogin bool }

func (rt leakyFailRT) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	if strings.HasSuffix(req.URL.Path, "/auth/login") && !rt.failLogin {
		r := httpmock.NewStringResponse(200, `{"token":"`+secretToken+`"}`)
		return r, nil
	}
	var creds struct {
		APIKey string `json:"api_key"`
	}
	_ = json.Unmarshal(body, &creds)
	return nil, fmt.Errorf("connection reset while sending %s with %s key %s (token=%s)",
		req.URL, req.Header.Get(tokenHeader), creds.APIKey, req.Header.Get(tokenHeader))
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	for _, failLogin := range []bool{false, true} {
		t.Run(fmt.Sprintf("failLogin=%v", failLogin), func(t *testing.T) {
			capture := newCapture()
			c, err := NewClient(Config{
				BaseURL:    testHost,
				Email:      testEmail,
				APIKey:     testAPIKey,
				BranchID:   1,
				HTTPClient: &http.Client{Transport: leakyFailRT{failLogin: failLogin}},
				Unlimited:  true,
				Retry:      RetryPolicy{MaxAttempts: 2, MinWait: 1, MaxWait: 1},
				Logger:     slog.New(capture),
			})
			require.NoError(t, err)
			ctx := t.Context()
			var errs []error
			errs = append(errs, c.Login(ctx))
			_, err = c.CustomersPage(ctx, CustomerQuery{Phone: "+380631234567", Name: "Ivan Example"}, 0)
			errs = append(errs, err)
			for _, err := range c.Customers(ctx, CustomerQuery{}) {
				errs = append(errs, err)
			}
			_, err = c.Customer(ctx, 5)
			errs = append(errs, err)
			_, err = c.FindCustomers(ctx, ContactQuery{Phone: "+380631234567", Email: "ivan@example.com"})
			errs = append(errs, err)
			_, err = c.CreateCustomer(ctx, CustomerInput{Name: "Ivan Example", Phones: []string{"+380631234567"}})
			errs = append(errs, err)
			_, err = c.UpdateCustomer(ctx, 5, CustomerInput{Name: "Ivan Example"})
			errs = append(errs, err)
			_, err = c.PaymentSummary(ctx, 5)
			errs = append(errs, err)
			_, err = c.Attendance(ctx, 5, testTime, testTime)
			errs = append(errs, err)
			_, err = c.CustomerTariffs(ctx, 5)
			errs = append(errs, err)
			_, err = c.LeadSources(ctx)
			errs = append(errs, err)

			secrets := []string{testAPIKey, secretToken}
			if !failLogin {
				require.NoError(t, errs[0])
				errs = errs[1:]
			}
			for i, err := range errs {
				require.Error(t, err, "call %d", i)
				for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
					for _, sec := range secrets {
						assert.NotContains(t, s, sec, "call %d", i)
					}
					assert.NotContains(t, s, "380631234567", "no phone in errors (call %d)", i)
				}
			}
			lines := capture.all()
			require.NotEmpty(t, lines, "the logger was used")
			for _, l := range lines {
				for _, sec := range secrets {
					assert.NotContains(t, l, sec)
				}
				// (This transport echoes URLs into its errors; alfacrm's query
				// strings carry ids and paging only, never contacts or secrets.)
				for _, pd := range []string{"380631234567", "Ivan", "ivan@example.com", testEmail, "api_key"} {
					assert.NotContains(t, l, pd, "logs carry no bodies or personal data")
				}
			}
		})
	}
}

func TestSecretsNeverInHTTPErrorBodies(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(s seen) *http.Response {
		return jsonResp(500, `{"name":"Internal Server Error","message":"token `+s.Token+` rejected for `+testAPIKey+`","status":500}`)
	}))
	capture := newCapture()
	c := f.client(func(c *Config) { c.Logger = slog.New(capture); c.Retry.MaxAttempts = 1 })
	_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rejected for")
	assert.NotContains(t, err.Error(), "test-token-001-abcdef")
	assert.NotContains(t, err.Error(), testAPIKey)
	var ae *Error
	require.ErrorAs(t, err, &ae)
	assert.NotContains(t, ae.Message, "test-token-001-abcdef")
	for _, l := range capture.all() {
		assert.NotContains(t, l, "test-token-001-abcdef")
	}
}
