package redact_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rotating(i int) string { return fmt.Sprintf("test-rotating-token-%04d", i) }

func TestAddIsBounded(t *testing.T) {
	r := redact.New(appSecret) // pinned: never forgotten
	for i := range redact.MaxSecrets + 10 {
		r.Add(rotating(i))
	}
	assert.Equal(t, redact.MaxSecrets+1, r.Len(), "MaxSecrets added values plus the pinned one")

	for i := range 10 {
		assert.Equal(t, "x "+rotating(i), r.String("x "+rotating(i)), "the oldest values are forgotten")
	}
	for _, i := range []int{10, 100, redact.MaxSecrets + 9} {
		assert.Equal(t, "x [REDACTED]", r.String("x "+rotating(i)), "newer values are kept")
	}
	assert.Equal(t, "x [REDACTED]", r.String("x "+appSecret), "values given to New stay")
}

func TestAddAgainRenews(t *testing.T) {
	r := redact.New()
	r.Add(pageToken)
	for i := range redact.MaxSecrets - 1 {
		r.Add(rotating(i))
	}
	r.Add(pageToken) // now the newest
	r.Add(rotating(9999))
	assert.Equal(t, redact.MaxSecrets, r.Len())
	assert.Equal(t, "x [REDACTED]", r.String("x "+pageToken), "a renewed value is not the oldest any more")
	assert.Equal(t, "x "+rotating(0), r.String("x "+rotating(0)), "the oldest other value went instead")
}

func TestAddPromotesNewToPinnedOnlyViaNew(t *testing.T) {
	// Add on a value given to New keeps it pinned: it must not become
	// evictable.
	r := redact.New(pageToken)
	r.Add(pageToken)
	for i := range redact.MaxSecrets + 1 {
		r.Add(rotating(i))
	}
	assert.Equal(t, "x [REDACTED]", r.String("x "+pageToken))
}

func TestAddForExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := redact.New()
		const proof = "0123456789abcdef-timed-proof"
		r.AddFor(time.Minute, proof)
		assert.Equal(t, 1, r.Len())
		assert.Equal(t, "p [REDACTED]", r.String("p "+proof))

		time.Sleep(59 * time.Second) // fake clock
		assert.Equal(t, "p [REDACTED]", r.String("p "+proof), "still within its ttl")

		time.Sleep(time.Second)
		assert.Equal(t, "p "+proof, r.String("p "+proof), "forgotten once the ttl has passed")
		assert.Equal(t, 0, r.Len())
	})
}

func TestAddForRotatingProofsDoNotPileUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := redact.New(appSecret)
		r.Add(pageToken)
		// A new proof every second for an hour, each kept for a minute.
		for i := range 3600 {
			r.AddFor(time.Minute, fmt.Sprintf("timed-proof-%08x", i))
			time.Sleep(time.Second)
		}
		assert.LessOrEqual(t, r.Len(), 2+60, "only the last minute's proofs are kept")
		assert.Equal(t, "[REDACTED] [REDACTED]", r.String(appSecret+" "+pageToken), "lasting values survive the churn")
		assert.Equal(t, "[REDACTED]", r.String(fmt.Sprintf("timed-proof-%08x", 3599)))
	})
}

func TestAddForKeepsLongerRegistrations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := redact.New(appSecret)
		r.Add(pageToken)
		r.AddFor(time.Second, appSecret, pageToken)
		r.AddFor(time.Second, "short-lived-value")
		r.AddFor(time.Hour, "short-lived-value") // extends
		r.AddFor(0, "never-registered-value")
		time.Sleep(2 * time.Second)
		assert.Equal(t, "[REDACTED] [REDACTED] [REDACTED] never-registered-value",
			r.String(appSecret+" "+pageToken+" short-lived-value never-registered-value"))

		r.AddFor(time.Second, "promoted-value")
		r.Add("promoted-value") // Add makes it lasting
		time.Sleep(2 * time.Second)
		assert.Equal(t, "[REDACTED]", r.String("promoted-value"))
	})
}

func TestAddForIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := redact.New()
		for i := range redact.MaxEphemeral + 5 {
			r.AddFor(time.Hour+time.Duration(i)*time.Second, fmt.Sprintf("ephemeral-%06d", i))
		}
		assert.Equal(t, redact.MaxEphemeral, r.Len())
		assert.Equal(t, "ephemeral-000000", r.String("ephemeral-000000"), "the value closest to expiry goes first")
		assert.Equal(t, "[REDACTED]", r.String(fmt.Sprintf("ephemeral-%06d", redact.MaxEphemeral+4)))
	})
}

func TestRemove(t *testing.T) {
	r := redact.New(appSecret, appToken)
	r.Add(pageToken)
	r.AddFor(time.Hour, "ephemeral-value")
	r.Remove(appToken, pageToken, "ephemeral-value", "never-registered")
	assert.Equal(t, 1, r.Len())
	assert.Equal(t, "[REDACTED] "+pageToken+" ephemeral-value", r.String(appSecret+" "+pageToken+" ephemeral-value"))
	// The escaped forms went with the value.
	assert.Contains(t, r.String(url.QueryEscape(appToken)), url.QueryEscape(appToken))
	// Parameter names are still masked.
	assert.Equal(t, "access_token=[REDACTED]", r.String("access_token="+pageToken))

	var nilR *redact.Redactor
	nilR.Remove(pageToken)
	nilR.AddFor(time.Hour, pageToken)
	assert.Zero(t, nilR.Len())
}

func TestConcurrentLifetimes(t *testing.T) {
	r := redact.New(appSecret)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				s := fmt.Sprintf("concurrent-%d-%d", i, j)
				if j%2 == 0 {
					r.Add(s)
				} else {
					r.AddFor(time.Hour, s)
				}
				assert.Equal(t, "x [REDACTED] [REDACTED]", r.String("x "+s+" "+appSecret))
				if j%10 == 0 {
					r.Remove(s)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, r.Len(), 1+redact.MaxSecrets+redact.MaxEphemeral)
}

func TestXAppKeyIsSecretHeader(t *testing.T) {
	assert.True(t, redact.IsSecretHeader("X-App-Key"))
	assert.True(t, redact.IsSecretHeader("x-app-key"))
}

func TestStripQueries(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"no url here. Really?":   "no url here. Really?",
		"why? because #1 reason": "why? because #1 reason",
		`Post "https://demo.s20.online/v2api/1/customer/index?per-page=50&customer_id=7": dial tcp: connection refused`: `Post "https://demo.s20.online/v2api/1/customer/index": dial tcp: connection refused`,
		"GET https://graph.facebook.com/v23.0/1/leads?after=QVFIUkFfake&limit=25 giving up after 4 attempt(s)":          "GET https://graph.facebook.com/v23.0/1/leads giving up after 4 attempt(s)",
		"see (https://example.com/x?a=b).":                                                  "see (https://example.com/x).",
		"two: http://a.example/p?x=1, https://b.example/?y=2;":                              "two: http://a.example/p, https://b.example/;",
		"fragment https://example.com/a#section-2 end":                                      "fragment https://example.com/a end",
		`{"next":"https:\/\/graph.facebook.com\/v23.0\/1\/leads?access_token=abc&after=Q"}`: `{"next":"https:\/\/graph.facebook.com\/v23.0\/1\/leads"}`,
		"no responder for POST /v2api/1/cgi/index?customer_id=7":                            "no responder for POST /v2api/1/cgi/index",
		`url="/x/y?z=1"`:                 `url="/x/y"`,
		"https://example.com/path stays": "https://example.com/path stays",
		"and/or? stays, so does a/b?c=d": "and/or? stays, so does a/b?c=d",
	} {
		assert.Equal(t, want, redact.StripQueries(in), in)
	}
}

func TestErrScrubsNetErrors(t *testing.T) {
	r := redact.New(pageToken)
	dns := &net.DNSError{Err: "no such host " + pageToken, Name: pageToken + ".example.com", Server: "10.0.0.1:53"}
	op := &net.OpError{Op: "dial", Net: "tcp", Err: dns}
	addr := &net.AddrError{Err: "bad address", Addr: pageToken}
	num := &strconv.NumError{Func: "Atoi", Num: pageToken, Err: strconv.ErrSyntax}
	path := &fs.PathError{Op: "open", Path: "/tmp/" + pageToken, Err: fs.ErrNotExist}
	parse := &net.ParseError{Type: "IP address", Text: pageToken}
	err := r.Err(fmt.Errorf("calling: %w", errors.Join(op, addr, num, path, parse)))

	assert.NotContains(t, err.Error(), pageToken)
	var gotDNS *net.DNSError
	require.ErrorAs(t, err, &gotDNS)
	assert.NotContains(t, gotDNS.Error(), pageToken)
	var gotOp *net.OpError
	require.ErrorAs(t, err, &gotOp)
	assert.NotContains(t, gotOp.Error(), pageToken, "the OpError prints its scrubbed DNSError")
	for _, e := range []error{addr, num, path, parse} {
		assert.NotContains(t, e.Error(), pageToken)
	}
	assert.ErrorIs(t, err, strconv.ErrSyntax)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestErrEveryVerbIsClean(t *testing.T) {
	r := redact.New(pageToken)
	// A value-type cause: %#v of an unformatted wrapper would print it.
	type valueErr struct{ error }
	err := r.Err(valueErr{errors.New("failed with " + pageToken)})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%10v"} {
		out := fmt.Sprintf(verb, err)
		assert.NotContains(t, out, pageToken, verb)
		assert.NotContains(t, out, fmt.Sprintf("%x", pageToken), verb)
	}
	assert.Equal(t, "failed with [REDACTED]", fmt.Sprintf("%+v", err))
	assert.Equal(t, `"failed with [REDACTED]"`, fmt.Sprintf("%q", err))
}

func TestErrDoesNotRewriteOtherInnerErrors(t *testing.T) {
	// Documented limit: a fmt.Errorf message is fixed when made.
	r := redact.New(pageToken)
	inner := fmt.Errorf("inner %s: %w", pageToken, errSentinel)
	err := r.Err(inner)
	assert.NotContains(t, err.Error(), pageToken)
	assert.Contains(t, errors.Unwrap(err).Error(), pageToken)
}

func TestErrWithoutQueries(t *testing.T) {
	r := redact.New(pageToken)
	ue := &url.Error{Op: "Post", URL: "https://demo.s20.online/v2api/1/cgi/index?customer_id=7&token=" + pageToken, Err: errSentinel}
	err := r.ErrWithoutQueries(fmt.Errorf("alfacrm: cgi/index: %w", ue))
	assert.Equal(t, `alfacrm: cgi/index: Post "https://demo.s20.online/v2api/1/cgi/index": sentinel failure`, err.Error())
	assert.Equal(t, "https://demo.s20.online/v2api/1/cgi/index", ue.URL, "the url.Error in the chain loses its query")
	assert.ErrorIs(t, err, errSentinel)
	assert.Same(t, err, r.ErrWithoutQueries(err))

	// An error already redacted with Err loses its queries without a
	// second wrapper.
	ue2 := &url.Error{Op: "Get", URL: "https://example.com/x?customer_id=9", Err: errSentinel}
	once := r.Err(ue2)
	assert.Contains(t, once.Error(), "customer_id=9")
	twice := r.ErrWithoutQueries(once)
	assert.Equal(t, `Get "https://example.com/x": sentinel failure`, twice.Error())
	assert.Same(t, ue2, errors.Unwrap(twice))
	assert.Equal(t, "https://example.com/x", ue2.URL)
	assert.Same(t, twice, r.Err(twice))

	assert.NoError(t, r.ErrWithoutQueries(nil))
	unparsable := &url.Error{Op: "parse", URL: "ht tp://bad\x7f/?a=" + pageToken, Err: errSentinel}
	_ = r.ErrWithoutQueries(unparsable)
	assert.False(t, strings.Contains(unparsable.URL, "?"), unparsable.URL)
}
