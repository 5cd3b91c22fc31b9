package metaleads

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorFormat(t *testing.T) {
	e := &Error{HTTPStatus: 400, Code: 190, Subcode: 463, Type: "OAuthException",
		Message: "Error validating access token: Session has expired on Friday, 03-Apr-26 10:00:00 PDT.", TraceID: "AbCdEf"}
	assert.Equal(t, "metaleads: (#190/463) Error validating access token: Session has expired on Friday, 03-Apr-26 10:00:00 PDT. (HTTP 400, fbtrace_id AbCdEf)", e.Error())

	// Graph's own "(#100) " prefix is not repeated.
	e = &Error{HTTPStatus: 400, Code: 100, Message: "(#100) Invalid parameter"}
	assert.Equal(t, "metaleads: (#100) Invalid parameter (HTTP 400)", e.Error())

	e = &Error{HTTPStatus: 400, Code: 4, Message: "(#4) Application request limit reached", RetryAfter: 90 * time.Second, Hint: "slow down"}
	assert.Equal(t, "metaleads: (#4) Application request limit reached (HTTP 400, retry after 1m30s); hint: slow down", e.Error())

	e = &Error{HTTPStatus: 502, Message: "not a Graph error envelope", Snippet: "<html>Bad gateway</html>", kind: kindInvalid}
	assert.Equal(t, `metaleads: invalid response (HTTP 502): not a Graph error envelope: body "<html>Bad gateway</html>"`, e.Error())
}

func TestErrorIs(t *testing.T) {
	sentinels := []error{ErrRateLimited, ErrUnauthorized, ErrPermission, ErrNotFound, ErrReduceData, ErrInvalidResponse, ErrBatchItemTimeout}
	tests := []struct {
		e    *Error
		want error // nil: matches none
	}{
		{&Error{Code: 4}, ErrRateLimited},
		{&Error{Code: 17}, ErrRateLimited},
		{&Error{Code: 32}, ErrRateLimited},
		{&Error{Code: 341}, ErrRateLimited},
		{&Error{Code: 613, Subcode: 1487742}, ErrRateLimited},
		{&Error{Code: 80000}, ErrRateLimited},
		{&Error{Code: 80005}, ErrRateLimited},
		{&Error{Code: 80014}, ErrRateLimited},
		{&Error{HTTPStatus: 429, kind: kindInvalid}, nil}, // checked below: also invalid
		{&Error{Code: 190, Subcode: 463}, ErrUnauthorized},
		{&Error{Code: 102}, ErrUnauthorized},
		{&Error{Code: 10}, ErrPermission},
		{&Error{Code: 200}, ErrPermission},
		{&Error{Code: 299}, ErrPermission},
		{&Error{Code: 100, Subcode: 33, Message: "Unsupported get request."}, ErrNotFound},
		{&Error{Code: 100, Message: "Object with ID '1' does not exist"}, ErrNotFound},
		{&Error{Code: 1, Message: "Please reduce the amount of data you're asking for, then retry your request"}, ErrReduceData},
		{&Error{Code: 1, Message: "An unknown error occurred"}, nil},
		{&Error{Code: 100, Message: "Invalid parameter"}, nil},
		{&Error{Code: 80015}, nil},
		{&Error{Code: 368}, nil},
	}
	for _, tc := range tests {
		for _, s := range sentinels {
			if tc.want == nil && tc.e.kind == kindInvalid {
				continue
			}
			assert.Equal(t, s == tc.want, errors.Is(tc.e, s), "%+v Is %v", *tc.e, s)
		}
	}
	html429 := &Error{HTTPStatus: 429, kind: kindInvalid}
	assert.ErrorIs(t, html429, ErrRateLimited)
	assert.ErrorIs(t, html429, ErrInvalidResponse)
	assert.ErrorIs(t, &Error{HTTPStatus: 404, kind: kindInvalid}, ErrNotFound)
	assert.ErrorIs(t, &Error{HTTPStatus: 401, kind: kindInvalid}, ErrUnauthorized)
	assert.ErrorIs(t, &Error{HTTPStatus: 403, kind: kindInvalid}, ErrPermission)
	assert.NotErrorIs(t, &Error{HTTPStatus: 403, Code: 100}, ErrPermission, "a Graph code decides, not the status")
	assert.ErrorIs(t, &Error{kind: kindThrottled}, ErrRateLimited)
}

// Each Graph code's retry decision, observed through real calls.
func TestRetryDecisions(t *testing.T) {
	type tc struct {
		name    string
		status  int
		body    string
		retried bool
	}
	env := func(code int, msg string, transient bool) string {
		return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"is_transient":%t,"fbtrace_id":"T"}}`, msg, code, transient)
	}
	var cases []tc
	for _, code := range []int{1, 2, 4, 17, 32, 341, 613, 80000, 80001, 80004, 80005, 80008, 80014} {
		cases = append(cases, tc{fmt.Sprintf("code %d", code), 400, env(code, "temporary", false), true})
	}
	for _, code := range []int{10, 100, 102, 190, 200, 230, 299} {
		// Never retried, whatever the status and even if Graph says transient.
		cases = append(cases, tc{fmt.Sprintf("code %d on 500", code), 500, env(code, "no", true), false})
		cases = append(cases, tc{fmt.Sprintf("code %d on 429", code), 429, env(code, "no", false), false})
	}
	cases = append(cases,
		tc{"code 1 reduce data", 500, env(1, "Please reduce the amount of data you're asking for, then retry your request", false), false},
		tc{"unlisted code transient", 400, env(9999, "blip", true), true},
		tc{"unlisted code not transient on 500", 500, env(9999, "nope", false), false},
		tc{"unlisted code on 429", 429, env(9999, "slow", false), true},
		tc{"html 502", 502, "<html><body>Bad Gateway</body></html>", true},
		tc{"html 503", 503, "<html>Service Unavailable</html>", true},
		tc{"plain 429", 429, "Too Many Requests", true},
		tc{"html 400", 400, "<html>Bad Request</html>", false},
		tc{"html 404", 404, "<html>Not Found</html>", false},
		tc{"truncated json 500", 500, `{"error":{"message":"Unk`, true},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := classify(&transport.Response{StatusCode: c.status, Header: http.Header{}, Body: []byte(c.body)})
			assert.Equal(t, c.retried, v.Retry, "classifier")

			steps := []step{{status: c.status, body: c.body}}
			if c.retried {
				steps = append(steps, step{status: c.status, body: c.body}, step{status: c.status, body: c.body})
			}
			s, mt := newScript(t, steps...)
			cl := newTestClient(t, mt)
			_, err := get(t.Context(), cl, "1")
			require.Error(t, err)
			want := 1
			if c.retried {
				want = 3
			}
			assert.Len(t, s.requests(), want, "attempts")
			var ge *Error
			require.ErrorAs(t, err, &ge)
			assert.Equal(t, c.status, ge.HTTPStatus)
		})
	}
}

func TestReduceDataNotRetried(t *testing.T) {
	s, mt := newScript(t, graphErr(500, 1, 0, "Please reduce the amount of data you're asking for, then retry your request"))
	c := newTestClient(t, mt)
	_, err := get(t.Context(), c, "1")
	assert.ErrorIs(t, err, ErrReduceData)
	assert.Len(t, s.requests(), 1)
}

func TestNonJSONBodies(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("proxy says no ", 100) + "</body></html>"
	t.Run("html error page", func(t *testing.T) {
		_, mt := newScript(t, step{status: 502, body: html}, step{status: 502, body: html}, step{status: 502, body: html})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		var ge *Error
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, 502, ge.HTTPStatus)
		assert.LessOrEqual(t, len(ge.Snippet), 200)
		assert.True(t, strings.HasPrefix(ge.Snippet, "<!DOCTYPE html>"), ge.Snippet)
		assert.Contains(t, err.Error(), "HTTP 502")
	})
	t.Run("truncated 200 is retried then reported", func(t *testing.T) {
		trunc := `{"id":"1122334455667788","created_time":"2026-04-03T14:22:05+0000","field_da`
		s, mt := newScript(t, ok(trunc), ok(trunc), ok(trunc))
		c := newTestClient(t, mt)
		_, err := c.Lead(t.Context(), "1122334455667788")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Len(t, s.requests(), 3, "idempotent reads with a broken body are retried")
		var ge *Error
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, 200, ge.HTTPStatus)
		assert.NotEmpty(t, ge.Snippet)
	})
	t.Run("truncated 200 recovers", func(t *testing.T) {
		_, mt := newScript(t, ok(`{"id":"1","created_ti`), ok(leadJSON("1")))
		c := newTestClient(t, mt)
		l, err := c.Lead(t.Context(), "1")
		require.NoError(t, err)
		assert.Equal(t, "1", l.ID)
	})
	t.Run("empty 500 body", func(t *testing.T) {
		_, mt := newScript(t, step{status: 500}, step{status: 500}, step{status: 500})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Contains(t, err.Error(), "HTTP 500")
	})
	t.Run("oversized error body is not parsed", func(t *testing.T) {
		big := `{"error":{"message":"` + strings.Repeat("x", maxErrorBody) + `","code":190}}`
		_, mt := newScript(t, step{status: 400, body: big})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.NotErrorIs(t, err, ErrUnauthorized)
		assert.Less(t, len(err.Error()), 400)
	})
	t.Run("unexpected type in a lead", func(t *testing.T) {
		_, mt := newScript(t, ok(`{"id":{"nested":true}}`))
		c := newTestClient(t, mt)
		_, err := c.Lead(t.Context(), "1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Contains(t, err.Error(), "unexpected JSON type")
	})
}

func TestGraphErrorDetails(t *testing.T) {
	body := `{"error":{"message":"(#200) Requires leads_retrieval permission to manage the object","type":"OAuthException","code":"200","error_subcode":1,"error_user_title":"Missing permission","error_user_msg":"Ask an admin","is_transient":"false","fbtrace_id":"AbC"}}`
	_, mt := newScript(t, step{status: 403, body: body})
	c := newTestClient(t, mt)
	_, err := c.Lead(t.Context(), "1")
	var ge *Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, Error{HTTPStatus: 403, Code: 200, Subcode: 1, Type: "OAuthException",
		Message: "(#200) Requires leads_retrieval permission to manage the object", UserTitle: "Missing permission",
		UserMessage: "Ask an admin", TraceID: "AbC", Hint: ge.Hint}, *ge)
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, ge.Hint, "leads_retrieval")
	assert.Contains(t, err.Error(), "hint: ")

	// Code 200-range on a leads edge names leads_retrieval even when the
	// message does not.
	_, mt = newScript(t, graphErr(400, 230, 0, "(#230) Permission denied"))
	c = newTestClient(t, mt)
	_, err = c.LeadsPage(t.Context(), "987654321098765", LeadsOptions{})
	require.ErrorAs(t, err, &ge)
	assert.Contains(t, ge.Hint, "leads_retrieval")

	// Not found on a lead explains that permissions look the same.
	_, mt = newScript(t, graphErr(400, 100, 33, "Unsupported get request. Object with ID '1' does not exist, cannot be loaded due to missing permissions, or does not support this operation."))
	c = newTestClient(t, mt)
	_, err = c.Lead(t.Context(), "1")
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorAs(t, err, &ge)
	assert.Contains(t, ge.Hint, "permissions")

	// Legacy string error.
	_, mt = newScript(t, step{status: 400, body: `{"error":"invalid_request"}`})
	c = newTestClient(t, mt)
	_, err = get(t.Context(), c, "1")
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, "invalid_request", ge.Message)
	assert.NotErrorIs(t, err, ErrInvalidResponse)
}

// Throttling waits max(Retry-After, the usage headers' regain time).
func TestThrottleWaits(t *testing.T) {
	buc := func(minutes int) http.Header {
		return http.Header{"X-Business-Use-Case-Usage": {fmt.Sprintf(`{"123456789012345":[{"type":"leadgen","call_count":100,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":%d}]}`, minutes)}}
	}
	throttled := func(h http.Header) step {
		return step{status: 400, body: `{"error":{"message":"(#80005) There have been too many leadgen api calls","type":"OAuthException","code":80005,"fbtrace_id":"T"}}`, header: h}
	}
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"retry-after only", http.Header{"Retry-After": {"120"}}, 120 * time.Second},
		{"regain only", buc(3), 3 * time.Minute},
		{"regain longer than retry-after", merge(http.Header{"Retry-After": {"60"}}, buc(2)), 2 * time.Minute},
		{"retry-after longer than regain", merge(http.Header{"Retry-After": {"600"}}, buc(2)), 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, mt := newScript(t, throttled(tc.header), ok(`{"id":"1"}`))
				c := newTestClient(t, mt)
				start := time.Now()
				_, err := get(t.Context(), c, "1")
				require.NoError(t, err)
				assert.Equal(t, tc.want, time.Since(start))
			})
		})
	}
}

func merge(hs ...http.Header) http.Header {
	out := http.Header{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// A regain time beyond MaxServerWait is not waited for: the error carries
// RetryAfter, and the next call is refused locally without a request until
// the block ends.
func TestLongBlockFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := http.Header{"X-Business-Use-Case-Usage": {`{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":90}]}`}}
		s, mt := newScript(t,
			step{status: 400, header: h, body: `{"error":{"message":"(#80001) There have been too many calls to this Page account","code":80001,"type":"OAuthException"}}`},
			ok(`{"id":"1"}`))
		c := newTestClient(t, mt, WithRetry(RetryPolicy{MaxAttempts: 3, MaxServerWait: time.Hour}))
		_, err := get(t.Context(), c, "1")
		require.ErrorIs(t, err, ErrRateLimited)
		var ge *Error
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, 90*time.Minute, ge.RetryAfter)
		assert.Equal(t, 80001, ge.Code)
		assert.Len(t, s.requests(), 1)

		// Refused locally: no request.
		_, err = get(t.Context(), c, "1")
		require.ErrorIs(t, err, ErrRateLimited)
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, 0, ge.Code)
		assert.Len(t, s.requests(), 1)
		assert.Equal(t, 90*time.Minute, c.Usage().RegainAccessIn)

		// After the block ends the call goes out.
		time.Sleep(90 * time.Minute)
		_, err = get(t.Context(), c, "1")
		require.NoError(t, err)
		assert.Len(t, s.requests(), 2)
	})
}
