package metaleads

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewClientValidation(t *testing.T) {
	bad := map[string][]Option{
		"nil http client":      {WithHTTPClient(nil)},
		"relative base":        {WithBaseURL("graph.facebook.com")},
		"ftp base":             {WithBaseURL("ftp://graph.facebook.com")},
		"base with path":       {WithBaseURL("https://graph.facebook.com/v26.0")},
		"base with query":      {WithBaseURL("https://graph.facebook.com?x=1")},
		"base with user":       {WithBaseURL("https://u:p@graph.facebook.com")},
		"base without host":    {WithBaseURL("https://")},
		"base bad port":        {WithBaseURL("http://127.0.0.1:99999")},
		"unparsable base":      {WithBaseURL("http://[::1")},
		"version no v":         {WithAPIVersion("26.0")},
		"version minor":        {WithAPIVersion("v26.1")},
		"version garbage":      {WithAPIVersion("latest")},
		"empty secret":         {WithAppSecret("")},
		"timed without secret": {WithTimedProof(true)},
		"high water 0":         {WithUsageHighWater(0)},
		"high water 101":       {WithUsageHighWater(101)},
		"negative retry":       {WithRetry(RetryPolicy{MaxAttempts: -1})},
		"user agent newline":   {WithUserAgent("x\r\nInjected: 1")},
	}
	for name, opts := range bad {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(testToken, opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
	for _, tok := range []string{"", "has space", "tab\there", "nl\n"} {
		_, err := NewClient(tok)
		assert.Error(t, err, "token %q", tok)
	}
	for _, u := range []string{"http://127.0.0.1:8080", "https://graph.facebook.com/", "http://localhost"} {
		_, err := NewClient(testToken, WithBaseURL(u))
		assert.NoError(t, err, u)
	}
	c, err := NewClient(testToken)
	require.NoError(t, err)
	assert.Equal(t, "v26.0", c.APIVersion())
	c, err = NewClient(testToken, WithAPIVersion("v25.0"))
	require.NoError(t, err)
	assert.Equal(t, "v25.0", c.APIVersion())
}

func TestRequestShape(t *testing.T) {
	s, mt := newScript(t, step{status: 200, body: `{"id":"1"}`, check: func(t *testing.T, r recorded) {
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "http", r.URL.Scheme)
		assert.Equal(t, "127.0.0.1:8080", r.URL.Host)
		assert.Equal(t, "/v25.0/123", r.URL.Path)
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Equal(t, "leadkit-metaleads acme-sync/1.2", r.Header.Get("User-Agent"))
		assert.NotContains(t, r.URL.String(), testToken, "token must never be in the URL")
		assert.Empty(t, r.URL.Query().Get("access_token"))
		assert.Empty(t, r.URL.Query().Get("appsecret_proof"), "no proof without an app secret")
	}})
	c := newTestClient(t, mt, WithBaseURL("http://127.0.0.1:8080"), WithAPIVersion("v25.0"), WithUserAgent("acme-sync/1.2"))
	_, err := get(t.Context(), c, "123")
	require.NoError(t, err)
	assert.Len(t, s.requests(), 1)
}

// Test vectors from the reference (§4.5), computed with openssl.
func TestAppSecretProofVectors(t *testing.T) {
	assert.Equal(t, "1f237104a9aa9865f1e34027d1a01fdb47f7887b257eb86484afc011f1316a23",
		AppSecretProof("example-app-secret", "EXAMPLE-ACCESS-TOKEN"))
	assert.Equal(t, "8b951f67e37244f5a4906de7eba9e67e9a0f985c298412f8cafcb632785df060",
		TimedAppSecretProof("example-app-secret", "EXAMPLE-ACCESS-TOKEN", 1767225600))
}

func TestProofOnEveryCall(t *testing.T) {
	t.Run("classic", func(t *testing.T) {
		check := func(t *testing.T, r recorded) {
			assert.Equal(t, "1f237104a9aa9865f1e34027d1a01fdb47f7887b257eb86484afc011f1316a23", r.URL.Query().Get("appsecret_proof"))
			assert.Empty(t, r.URL.Query().Get("appsecret_time"))
			assert.Equal(t, "Bearer EXAMPLE-ACCESS-TOKEN", r.Header.Get("Authorization"))
		}
		_, mt := newScript(t, step{status: 500, body: `{}`, check: check}, step{status: 200, body: `{}`, check: check})
		c, err := NewClient("EXAMPLE-ACCESS-TOKEN", WithHTTPClient(&http.Client{Transport: mt}), WithRetry(fastRetry), WithAppSecret("example-app-secret"))
		require.NoError(t, err)
		_, err = get(t.Context(), c, "1")
		require.NoError(t, err)
	})
	t.Run("timed, fresh per attempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var times []string
			check := func(t *testing.T, r recorded) {
				ts := r.URL.Query().Get("appsecret_time")
				n, err := strconv.ParseInt(ts, 10, 64)
				require.NoError(t, err)
				assert.Equal(t, time.Now().Unix(), n)
				assert.Equal(t, TimedAppSecretProof("example-app-secret", "EXAMPLE-ACCESS-TOKEN", n), r.URL.Query().Get("appsecret_proof"))
				times = append(times, ts)
			}
			_, mt := newScript(t,
				step{status: 503, body: `{}`, header: http.Header{"Retry-After": {"400"}}, check: check},
				step{status: 200, body: `{}`, check: check})
			c, err := NewClient("EXAMPLE-ACCESS-TOKEN", WithHTTPClient(&http.Client{Transport: mt}), WithLimiter(nil),
				WithAppSecret("example-app-secret"), WithTimedProof(true))
			require.NoError(t, err)
			_, err = get(t.Context(), c, "1")
			require.NoError(t, err)
			require.Len(t, times, 2)
			assert.NotEqual(t, times[0], times[1], "a retry after a long wait must carry a fresh proof")
		})
	})
}

// The caller's transport is wrapped, not replaced, and its client Timeout
// bounds each attempt.
func TestWithHTTPClientTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		var mu sync.Mutex
		hang := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		c, err := NewClient(testToken, WithHTTPClient(&http.Client{Transport: hang, Timeout: 7 * time.Second}),
			WithRetry(RetryPolicy{MaxAttempts: 1}), WithLimiter(nil))
		require.NoError(t, err)
		start := time.Now()
		_, err = get(t.Context(), c, "1")
		require.Error(t, err)
		assert.Equal(t, 7*time.Second, time.Since(start))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, calls)
	})
}

func TestWithTokenSharesUsageAndLimiter(t *testing.T) {
	other := "test-other-page-token-QRS789"
	s, mt := newScript(t,
		step{status: 200, body: `{}`, header: http.Header{"X-App-Usage": {`{"call_count":42,"total_time":1,"total_cputime":1}`}},
			check: func(t *testing.T, r recorded) { assert.Equal(t, "Bearer "+other, r.Header.Get("Authorization")) }},
		step{status: 200, body: `{}`, check: func(t *testing.T, r recorded) {
			assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		}},
	)
	lim := rate.NewLimiter(rate.Inf, 1)
	c := newTestClient(t, mt, WithLimiter(lim))
	c2, err := c.WithToken(other)
	require.NoError(t, err)
	_, err = get(t.Context(), c2, "1")
	require.NoError(t, err)
	assert.Equal(t, 42.0, c.Usage().App.CallCount, "usage observed through the sibling is shared")
	_, err = get(t.Context(), c, "1")
	require.NoError(t, err)
	assert.Len(t, s.requests(), 2)
	assert.Same(t, c.s.tcfg.Limiter, c2.s.tcfg.Limiter)

	_, err = c.WithToken("")
	assert.Error(t, err)
	// The new token is redacted too.
	assert.NotContains(t, c.tr.Redactor().String("x "+other), other)
}

func TestDefaultLimiter(t *testing.T) {
	c, err := NewClient(testToken)
	require.NoError(t, err)
	require.NotNil(t, c.s.tcfg.Limiter)
	assert.Equal(t, rate.Limit(DefaultRateLimit), c.s.tcfg.Limiter.Limit())
	assert.Equal(t, DefaultRateBurst, c.s.tcfg.Limiter.Burst())
	c, err = NewClient(testToken, WithLimiter(nil))
	require.NoError(t, err)
	assert.Nil(t, c.s.tcfg.Limiter)
}

// Many goroutines through one client and a sibling; run with -race.
func TestConcurrentUse(t *testing.T) {
	var mu sync.Mutex
	n := 0
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		n++
		mu.Unlock()
		h := http.Header{"Content-Type": {"application/json"}, "X-Business-Use-Case-Usage": {`{"102030405060708":[{"type":"pages","call_count":10,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}]}`}}
		id := strings.TrimPrefix(r.URL.Path, "/v26.0/")
		return &http.Response{StatusCode: 200, Header: h, Body: ioNopCloser(leadJSON(id)), Request: r}, nil
	})
	c := newTestClient(t, rt)
	c2, err := c.WithToken("test-second-token-LMN")
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		cl := c
		if i%2 == 1 {
			cl = c2
		}
		wg.Go(func() {
			l, err := cl.Lead(t.Context(), strconv.Itoa(1000+i))
			if err == nil && l.ID != strconv.Itoa(1000+i) {
				err = errors.New("wrong lead " + l.ID)
			}
			if err != nil {
				errs <- err
			}
			_ = cl.Usage()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 100, n)
	assert.Equal(t, 10.0, c.Usage().Percent)
}
