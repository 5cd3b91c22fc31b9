package transport

import (
	"bytes"
	"context"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type countingHandler struct{ n atomic.Int32 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestNilLoggerWritesNothing checks that without a Logger nothing is logged
// anywhere: retryablehttp's default stderr logger is off, and neither the
// standard log package, slog's default logger nor os.Stderr is written, even
// through failures and retries of a URL carrying a secret.
func TestNilLoggerWritesNothing(t *testing.T) {
	tr, err := New(Config{
		Base: rtFunc(func(r *http.Request) (*http.Response, error) {
			return nil, errors.New("boom")
		}),
		Policy: Policy{MaxAttempts: 2, MinWait: time.Microsecond, MaxWait: time.Microsecond},
	})
	require.NoError(t, err)
	assert.Nil(t, tr.rc.Logger, "retryablehttp's default logger writes to stderr")
	assert.Nil(t, tr.rc.RequestLogHook)
	assert.Nil(t, tr.rc.ResponseLogHook)
	assert.Nil(t, tr.Logger())

	stderr := os.Stderr
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	os.Stderr = f
	var stdlog bytes.Buffer
	log.SetOutput(&stdlog)
	def := slog.Default()
	h := &countingHandler{}
	slog.SetDefault(slog.New(h))
	defer func() {
		os.Stderr = stderr
		log.SetOutput(os.Stderr)
		slog.SetDefault(def)
	}()

	u, _ := url.Parse("https://example.com/x?access_token=test-page-token-XYZ")
	_, err = tr.Do(context.Background(), Request{Method: http.MethodGet, URL: u, Idempotent: true})
	require.Error(t, err)

	fail503 := rtFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody}, nil
	})
	tr2, err := New(Config{Base: fail503, Policy: Policy{MaxAttempts: 2, MinWait: time.Microsecond, MaxWait: time.Microsecond}})
	require.NoError(t, err)
	resp, err := tr2.Do(context.Background(), Request{Method: http.MethodGet, URL: u, Idempotent: true})
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)

	require.NoError(t, f.Close())
	written, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Empty(t, string(written))
	assert.Empty(t, stdlog.String())
	assert.Zero(t, h.n.Load())
}

func TestRetryableHTTPWiring(t *testing.T) {
	tr, err := New(Config{Policy: Policy{MaxAttempts: 5, MinWait: time.Second, MaxWait: 2 * time.Second}})
	require.NoError(t, err)
	assert.Equal(t, 4, tr.rc.RetryMax)
	assert.Equal(t, time.Second, tr.rc.RetryWaitMin)
	assert.Equal(t, 2*time.Second, tr.rc.RetryWaitMax)
	assert.Same(t, http.DefaultTransport, tr.cfg.Base)
	assert.NotNil(t, tr.rc.ErrorHandler)
	assert.Nil(t, tr.rc.PrepareRetry)
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
