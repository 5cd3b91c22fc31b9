package alfacrm

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestNewClientValidates(t *testing.T) {
	good := Config{BaseURL: testHost, Email: testEmail, APIKey: testAPIKey, BranchID: 1}
	tests := map[string]func(*Config){
		"no base URL":         func(c *Config) { c.BaseURL = "" },
		"relative base URL":   func(c *Config) { c.BaseURL = "school.example.com" },
		"ftp scheme":          func(c *Config) { c.BaseURL = "ftp://school.example.com" },
		"user info":           func(c *Config) { c.BaseURL = "https://user:pw@school.example.com" },
		"query":               func(c *Config) { c.BaseURL = "https://school.example.com/?token=abc" },
		"no e-mail":           func(c *Config) { c.Email = " " },
		"no API key":          func(c *Config) { c.APIKey = "" },
		"no branch":           func(c *Config) { c.BranchID = 0 },
		"negative branch":     func(c *Config) { c.BranchID = -1 },
		"limiter + unlimited": func(c *Config) { c.Limiter = rate.NewLimiter(1, 1); c.Unlimited = true },
		"negative retry":      func(c *Config) { c.Retry.MaxAttempts = -1 },
		"bad region":          func(c *Config) { c.PhoneRegion = "UKR" },
		"bad income id":       func(c *Config) { c.IncomePayTypeIDs = []int{1, 0} },
		"token header":        func(c *Config) { c.Header = http.Header{"X-Alfacrm-Token": {"x"}} },
		"content type header": func(c *Config) { c.Header = http.Header{"content-type": {"text/plain"}} },
		"bad header name":     func(c *Config) { c.Header = http.Header{"X App Key": {"x"}} },
		"header line break":   func(c *Config) { c.Header = http.Header{"X-App-Key": {"a\r\nX-Evil: 1"}} },
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mod(&cfg)
			c, err := NewClient(cfg)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.NotContains(t, err.Error(), testAPIKey)
		})
	}
	c, err := NewClient(good)
	require.NoError(t, err)
	assert.Equal(t, 1, c.BranchID())
	assert.Equal(t, time.UTC, c.Location())
	assert.Equal(t, "UA", c.region)
}

func TestNewClientNormalisesBaseURLAndNeverCallsOut(t *testing.T) {
	for _, base := range []string{
		"https://school.example.com",
		"https://school.example.com/",
		"https://school.example.com/v2api",
		"https://school.example.com/v2api/",
		" https://school.example.com/V2API/ ",
	} {
		mt := httpmock.NewMockTransport()
		c, err := NewClient(Config{BaseURL: base, Email: testEmail, APIKey: testAPIKey, BranchID: 7, HTTPClient: &http.Client{Transport: mt}})
		require.NoError(t, err, base)
		assert.Equal(t, "https://school.example.com", c.base.String(), base)
		assert.Zero(t, mt.GetTotalCallCount(), "NewClient must not contact the server")
	}
	c, err := NewClient(Config{BaseURL: "http://127.0.0.1:8080/crm/v2api/", Email: testEmail, APIKey: testAPIKey, BranchID: 7})
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/crm", c.base.String(), "a path prefix and a port are kept")
}

func TestLoginSendsCredentialsAndTokenHeader(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"name": "Ivan Example"})
	c := f.client(func(c *Config) { c.UserAgent = "leadkit-test/1" })
	_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)

	logins := f.reqs("/v2api/auth/login")
	require.Len(t, logins, 1)
	assert.Equal(t, testEmail, logins[0].Body["email"])
	assert.Equal(t, testAPIKey, logins[0].Body["api_key"])
	assert.Empty(t, logins[0].Token, "the login carries no token")
	assert.Empty(t, logins[0].Query, "credentials never travel in the URL")

	calls := f.reqs("/v2api/1/customer/index")
	require.Len(t, calls, 1)
	assert.Equal(t, "test-token-001-abcdef", calls[0].Token)
	assert.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
	assert.Equal(t, "leadkit-test/1", calls[0].Header.Get("User-Agent"))
	assert.NotContains(t, calls[0].Query.Encode(), "token")
}

func TestLoginRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFake(t)
			f.apiKey = "the-right-key-123456"
			f.loginCode = status
			c := f.client()
			err := c.Login(t.Context())
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.NotErrorIs(t, err, ErrAccessDenied)
			var ae *Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, status, ae.HTTPStatus)
			assert.Equal(t, "auth/login", ae.Op)
			assert.Contains(t, err.Error(), "check Config.Email and Config.APIKey")
			assert.NotContains(t, err.Error(), testAPIKey)

			// A call fails the same way, once per call, without a replay loop.
			_, err = c.CustomersPage(t.Context(), CustomerQuery{}, 0)
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.Equal(t, int32(2), f.logins.Load())
			assert.Empty(t, f.reqs("/v2api/1/customer/index"), "no call is sent without a token")
		})
	}
}

func TestLoginResponseShapes(t *testing.T) {
	tests := map[string]struct {
		body    string
		want    string
		invalid bool
	}{
		"object":      {`{"token":"test-token-shape-1"}`, "test-token-shape-1", false},
		"bare string": {`"test-token-shape-2"`, "test-token-shape-2", false},
		"empty token": {`{"token":""}`, "", true},
		"no token":    {`{"access":"x"}`, "", true},
		"html":        {`<html><body>Bad gateway</body></html>`, "", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.addHook(pathHook("/v2api/auth/login", func(seen) *http.Response { return jsonResp(200, tt.body) }))
			c := f.client(func(c *Config) { c.Retry.MaxAttempts = 1 })
			err := c.Login(t.Context())
			if tt.invalid {
				assert.ErrorIs(t, err, ErrInvalidResponse)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.auth.token)
		})
	}
}

func TestExpiredTokenConcurrentSingleLogin(t *testing.T) {
	// AlfaCRM documents 401 for an expired token; some installations answer
	// 403. Both are handled alike.
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) { testExpiredTokenConcurrent(t, status) })
	}
}

func testExpiredTokenConcurrent(t *testing.T, status int) {
	f := newFake(t)
	f.rejectAs = status
	for range 5 {
		f.add(map[string]any{"name": "Student Example"})
	}
	c := f.client()
	require.NoError(t, c.Login(t.Context()))
	require.Equal(t, int32(1), f.logins.Load())
	f.expireTokens()

	const n = 50
	// Hold every refusal until all n calls have been refused, so that all of
	// them carry the expired token and all of them ask for a new one.
	var refused sync.WaitGroup
	refused.Add(n)
	f.onReject = func() { refused.Done(); refused.Wait() }
	var wg sync.WaitGroup
	var failed atomic.Int32
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
			if err != nil || len(p.Items) != 3 {
				failed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, int32(2), f.logins.Load(), "50 goroutines with an expired token cause exactly one login")
	assert.Equal(t, int32(n), f.rejected.Load(), "each call was refused once and replayed once")
	assert.Equal(t, 2*n, len(f.reqs("/v2api/1/customer/index")))
}

func TestSecondRefusalAfterReloginIsTyped(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   error
	}{{401, ErrUnauthorized}, {403, ErrAccessDenied}} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			f := newFake(t)
			f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
				return jsonResp(tt.status, map[string]any{"name": http.StatusText(tt.status), "message": "You are not allowed to perform this action.", "code": 0, "status": tt.status})
			}))
			c := f.client()
			_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var ae *Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.HTTPStatus)
			assert.Equal(t, "customer/index", ae.Op)
			assert.Equal(t, int32(2), f.logins.Load(), "one re-login, then the refusal is final")
			assert.Len(t, f.reqs("/v2api/1/customer/index"), 2, "the call is replayed once")
		})
	}
}

func TestTokenRefreshedByClock(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"name": "Student Example"})
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := f.client(func(c *Config) { c.Now = clock })

	get := func() {
		_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
		require.NoError(t, err)
	}
	get()
	advance(13*time.Minute + 59*time.Second)
	get()
	assert.Equal(t, int32(1), f.logins.Load(), "a 13m59s old token is still used")
	advance(time.Second)
	get()
	assert.Equal(t, int32(2), f.logins.Load(), "a 14 minute old token is replaced before use")
	assert.Zero(t, f.rejected.Load(), "the refresh is proactive: no call was refused")
	calls := f.reqs("/v2api/1/customer/index")
	assert.Equal(t, "test-token-002-abcdef", calls[len(calls)-1].Token)
}

func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		f.add(map[string]any{"name": "Student Example"})
		var n atomic.Int32
		f.addHook(func(s seen) (*http.Response, error, bool) {
			if s.Path != "/v2api/1/customer/index" || n.Add(1) > 1 {
				return nil, nil, false
			}
			r := jsonResp(429, map[string]any{"name": "Too Many Requests", "message": "Please try in 1 second!", "status": 429})
			r.Header.Set("Retry-After", "7")
			return r, nil, true
		})
		c := f.client()
		start := time.Now()
		p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
		require.NoError(t, err)
		assert.Len(t, p.Items, 1)
		assert.Equal(t, 7*time.Second, time.Since(start), "the wait is the server's Retry-After")
		assert.Len(t, f.reqs("/v2api/1/customer/index"), 2)
	})
}

func TestRateLimitedAfterRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
			r := jsonResp(429, `{"name":"Too Many Requests","message":"Please try in 1 second!","code":0,"status":429}`)
			r.Header.Set("Retry-After", "1")
			return r
		}))
		c := f.client(func(c *Config) { c.Retry.MaxAttempts = 3 })
		_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Len(t, f.reqs("/v2api/1/customer/index"), 3)
	})
}

func TestDefaultLimiterSpacesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		c := f.client(func(c *Config) { c.Unlimited = false })
		start := time.Now()
		for range 4 { // login + 4 calls = 5 attempts at 3/s, burst 1
			_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
			require.NoError(t, err)
		}
		assert.GreaterOrEqual(t, time.Since(start), 4*time.Second/3)
	})
}

func TestServerErrorsRetriedForReadsOnly(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"name": "Student Example"})
	var n atomic.Int32
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/index" && n.Add(1) <= 2 {
			return jsonResp(502, "<html><body>502 Bad Gateway</body></html>"), nil, true
		}
		return nil, nil, false
	})
	c := f.client()
	p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	assert.Len(t, p.Items, 1)
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 3)

	// A refused update (not ambiguous, not retried): one attempt.
	f.addHook(pathHook("/v2api/1/customer/update", func(seen) *http.Response {
		return jsonResp(503, `{"name":"Service Unavailable","message":"maintenance","status":503}`)
	}))
	_, err = c.UpdateCustomer(t.Context(), 5, CustomerInput{Name: "X"})
	require.Error(t, err)
	assert.Len(t, f.reqs("/v2api/1/customer/update"), 1, "updates are never retried once they may have arrived")
}

func TestInvalidBodies(t *testing.T) {
	tests := map[string]struct {
		status      int
		body        string
		snippet     bool
		wantInvalid bool
		want        error
	}{
		"html 200":          {200, "<!DOCTYPE html><html><body>Site under maintenance</body></html>", true, true, nil},
		"truncated json":    {200, `{"total": 2, "items": [{"id": 1, "name": "Ivan Exa`, false, true, nil},
		"empty 200":         {200, "", false, true, nil},
		"plain text 500":    {500, "Internal Server Error", true, true, nil},
		"yii2 404":          {404, `{"name":"Not Found","message":"Page not found.","code":0,"status":404}`, false, false, ErrNotFound},
		"object no items":   {200, `{"result":"ok"}`, false, true, nil},
		"items wrong types": {200, `{"total":1,"items":[{"id":{"a":1}}]}`, false, true, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response { return jsonResp(tt.status, tt.body) }))
			c := f.client(func(c *Config) { c.Retry.MaxAttempts = 2 })
			_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
			require.Error(t, err)
			var ae *Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.HTTPStatus)
			assert.Contains(t, err.Error(), "HTTP "+strconv.Itoa(tt.status))
			assert.Equal(t, tt.wantInvalid, errors.Is(err, ErrInvalidResponse))
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			if tt.snippet {
				assert.NotEmpty(t, ae.Snippet)
				assert.LessOrEqual(t, len(ae.Snippet), snippetLen+len("…"))
				assert.Contains(t, err.Error(), ae.Snippet)
			} else {
				assert.Empty(t, ae.Snippet)
				assert.NotContains(t, err.Error(), "Ivan", "a JSON body may hold personal data: no snippet")
			}
		})
	}
}

func TestInvalidSnippetIsBoundedAndRedacted(t *testing.T) {
	f := newFake(t)
	page := "<html><body>proxy error for token test-token-001-abcdef " + strings.Repeat("x", 1000) + "</body></html>"
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response { return jsonResp(200, page) }))
	c := f.client(func(c *Config) { c.Retry.MaxAttempts = 1 })
	_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.NotContains(t, err.Error(), "test-token-001-abcdef")
	assert.Less(t, len(err.Error()), 400)
}

func TestValidationErrorWithHTTP200(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/create", func(seen) *http.Response {
		return jsonResp(200, `{"success":false,"errors":["Phone +380631234567 is already used by Olena Example", {"field":"email","message":"Email is not a valid email address."}],"model":null}`)
	}))
	capture := newCapture()
	c := f.client(func(c *Config) { c.Logger = slog.New(capture) })
	_, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Olena Example", Phones: []string{"+380631234567"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrValidation)
	lines := capture.all()
	require.NotEmpty(t, lines, "the attempts were logged")
	for _, l := range lines {
		assert.NotContains(t, l, "Olena", "validation messages never reach the log")
		assert.NotContains(t, l, "380631234567")
		assert.NotContains(t, l, "already used")
	}
	var ae *Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 200, ae.HTTPStatus)
	assert.Equal(t, []string{"Phone +380631234567 is already used by Olena Example", "email: Email is not a valid email address."}, ae.Validation)
	assert.NotContains(t, err.Error(), "Olena", "validation messages stay out of Error()")
	assert.NotContains(t, err.Error(), "380631234567")
	assert.Contains(t, err.Error(), "validation failed (2 messages")
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 1)
}

func TestYii2ValidationStatus422(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/update", func(seen) *http.Response {
		return jsonResp(422, `[{"field":"name","message":"Name cannot be blank."}]`)
	}))
	c := f.client()
	_, err := c.UpdateCustomer(t.Context(), 3, CustomerInput{Note: "x"})
	assert.ErrorIs(t, err, ErrValidation)
	var ae *Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, []string{"name: Name cannot be blank."}, ae.Validation)
}

func TestErrorIsMatrix(t *testing.T) {
	all := []error{ErrUnauthorized, ErrAccessDenied, ErrNotFound, ErrValidation, ErrRateLimited, ErrInvalidResponse}
	tests := []struct {
		e    *Error
		want error
	}{
		{&Error{HTTPStatus: 401}, ErrUnauthorized},
		{&Error{HTTPStatus: 403}, ErrAccessDenied},
		{&Error{HTTPStatus: 403, login: true}, ErrUnauthorized},
		{&Error{HTTPStatus: 404}, ErrNotFound},
		{&Error{HTTPStatus: 422}, ErrValidation},
		{&Error{HTTPStatus: 200, Validation: []string{"x"}}, ErrValidation},
		{&Error{HTTPStatus: 429}, ErrRateLimited},
		{&Error{HTTPStatus: 200, Status: 404, Name: "Not Found"}, ErrNotFound},
		{&Error{HTTPStatus: 200, invalid: true}, ErrInvalidResponse},
		{&Error{HTTPStatus: 500}, nil},
	}
	for _, tt := range tests {
		for _, s := range all {
			assert.Equal(t, s == tt.want, errors.Is(tt.e, s), "%+v is %v", tt.e, s)
		}
	}
}

func TestContextCancelledWhileWaitingForLogin(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/auth/login" {
			<-release
		}
		return nil, nil, false
	})
	c := f.client()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- c.Login(ctx) }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	close(release)
	// The detached login still completes and serves the next caller.
	require.NoError(t, c.Login(t.Context()))
	assert.Equal(t, int32(1), f.logins.Load())
}

// A refusal reported in a 200 body is treated like a 401: one re-login and
// a replay.
func TestRefusalInHTTP200Body(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"name": "Student Example"})
	var n atomic.Int32
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/index" && n.Add(1) == 1 {
			return jsonResp(200, `{"name":"Unauthorized","message":"Your request was made with invalid credentials.","code":0,"status":401}`), nil, true
		}
		return nil, nil, false
	})
	c := f.client()
	p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	assert.Len(t, p.Items, 1)
	assert.Equal(t, int32(2), f.logins.Load())

	// And when it persists, it is an error matching ErrUnauthorized.
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
		return jsonResp(200, `{"name":"Unauthorized","message":"Your request was made with invalid credentials.","code":0,"status":401}`)
	}))
	_, err = c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	assert.ErrorIs(t, err, ErrUnauthorized)
}

// Config.Header adds headers (such as the X-APP-KEY some accounts need) to
// every request, the login included, and keeps their values out of errors
// and logs.
func TestExtraHeaderSentAndRedacted(t *testing.T) {
	const appKey = "test-app-key-XYZ-987654"
	f := newFake(t)
	f.add(map[string]any{"name": "Student Example"})
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/lead-source/index" {
			return jsonResp(500, `{"name":"Internal Server Error","message":"bad app key `+s.Header.Get("X-App-Key")+`","status":500}`), nil, true
		}
		return nil, nil, false
	})
	capture := newCapture()
	hdr := http.Header{"X-App-Key": {appKey}}
	c := f.client(func(c *Config) {
		c.Header = hdr
		c.Logger = slog.New(capture)
		c.Retry.MaxAttempts = 1
	})
	hdr.Set("X-App-Key", "changed-after-NewClient") // the client keeps its own copy
	_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	for _, r := range f.reqs("") {
		assert.Equal(t, appKey, r.Header.Get("X-App-Key"), r.Path)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
	_, err = c.LeadSources(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad app key")
	assert.NotContains(t, err.Error(), appKey)
	for _, l := range capture.all() {
		assert.NotContains(t, l, appKey)
	}
}
