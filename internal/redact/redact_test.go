package redact_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	pageToken = "test-page-token-XYZ"
	appSecret = "test-app-secret-123"
	// appToken has characters that URL escaping changes.
	appToken = "123456|test-app/token+XYZ="
)

func TestStringScrubsSecretParams(t *testing.T) {
	r := redact.New() // nothing registered: the parameter names alone must do
	for _, p := range []string{
		"access_token", "appsecret_proof", "appsecret_time_proof", "client_secret",
		"fb_exchange_token", "input_token", "api_key", "token", "password",
	} {
		t.Run(p, func(t *testing.T) {
			const v = "unregistered-value-42"
			cases := map[string]string{
				"url":        "https://graph.facebook.com/v23.0/me?fields=id&" + p + "=" + v + "&limit=25",
				"form":       "grant_type=fb_exchange_token&" + p + "=" + v,
				"upper":      "https://example.com/x?" + strings.ToUpper(p) + "=" + v,
				"in message": `Get "https://example.com/x?` + p + "=" + v + `": dial tcp: connection refused`,
				"json":       `{"` + p + `":"` + v + `","name":"Jane Example"}`,
				"json space": `{"` + p + `" : "` + v + `"}`,
			}
			for name, in := range cases {
				out := r.String(in)
				assert.NotContains(t, out, v, name)
				assert.Contains(t, out, redact.Mask, name)
			}
			assert.Contains(t, r.String(cases["url"]), "fields=id&")
			assert.Contains(t, r.String(cases["url"]), "&limit=25")
			assert.Contains(t, r.String(cases["json"]), `"name":"Jane Example"`)
		})
	}
}

func TestStringKeepsOrdinaryText(t *testing.T) {
	r := redact.New(pageToken)
	for _, s := range []string{
		"",
		"GET https://graph.facebook.com/v23.0/123/leads?fields=id,created_time&limit=25",
		`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`,
		"error_code=190&error_subcode=463",
		"lead 1234567890 for jane@example.com",
		"expected a Bearer token in the Authorization header",
	} {
		assert.Equal(t, s, r.String(s))
	}
}

func TestStringScrubsBearer(t *testing.T) {
	r := redact.New()
	for _, in := range []string{
		"Authorization: Bearer EAAB.unregistered-value_42~x+y/z=",
		"authorization: bearer unregistered-value-42",
		"Authorization: OAuth unregistered-value-42",
		"Bearer\tunregistered-value-42 then more",
	} {
		out := r.String(in)
		assert.NotContains(t, out, "unregistered-value", in)
		assert.Contains(t, out, redact.Mask, in)
	}
	assert.Equal(t, "Bearer [REDACTED] then more", r.String("Bearer\tunregistered-value-42 then more"))
}

func TestStringScrubsRegisteredValues(t *testing.T) {
	r := redact.New(pageToken, appSecret, appToken)
	in := "token " + pageToken + " failed; secret=" + appSecret + "; X-ALFACRM-TOKEN: " + pageToken + "; app " + appToken + "."
	out := r.String(in)
	for _, s := range []string{pageToken, appSecret, appToken} {
		assert.NotContains(t, out, s)
	}
	assert.True(t, strings.HasPrefix(out, "token [REDACTED] failed;"), out)
	assert.True(t, strings.HasSuffix(out, "; app [REDACTED]."), out)
}

func TestStringScrubsEscapedForms(t *testing.T) {
	qe, pe := url.QueryEscape(appToken), url.PathEscape(appToken)
	require.NotEqual(t, appToken, qe)
	require.NotEqual(t, qe, pe, "the test needs distinct escapings")

	in := "raw " + appToken + " query " + qe + " path https://example.com/" + pe + "/x"
	for name, r := range map[string]*redact.Redactor{
		"raw":                 redact.New(appToken),
		"raw and escaped":     redact.New(appToken, qe),
		"escaped then raw":    redact.New(qe, appToken),
		"escaped twice added": redact.New(appToken, qe, pe, appToken, qe),
	} {
		out := r.String(in)
		for _, s := range []string{appToken, qe, pe} {
			assert.NotContains(t, out, s, name)
		}
		assert.Equal(t, "raw [REDACTED] query [REDACTED] path https://example.com/[REDACTED]/x", out, name)
	}
}

func TestStringScrubsGraphNextURL(t *testing.T) {
	r := redact.New(pageToken)
	body := `{"data":[],"paging":{"cursors":{"after":"QVFIUkFfake"},` +
		`"next":"https:\/\/graph.facebook.com\/v23.0\/123\/leads?access_token=` + pageToken + `&limit=25&after=QVFIUkFfake"}}`
	out := r.String(body)
	assert.NotContains(t, out, pageToken)
	assert.Contains(t, out, `leads?access_token=[REDACTED]&limit=25&after=QVFIUkFfake"`)

	// Even an unregistered token is masked by its parameter name.
	out = redact.New().String(strings.ReplaceAll(body, pageToken, "EAAGunregistered"))
	assert.NotContains(t, out, "EAAGunregistered")
}

func TestShortSecretsIgnored(t *testing.T) {
	r := redact.New("abc12", "")
	assert.Equal(t, "abc12 stays", r.String("abc12 stays"))
}

func TestNilRedactor(t *testing.T) {
	var r *redact.Redactor
	r.Add(pageToken)
	assert.Equal(t, "x?access_token=[REDACTED]", r.String("x?access_token=abcdef"))
	u, _ := url.Parse("https://example.com/?access_token=abcdef")
	assert.Equal(t, "https://example.com/?access_token=[REDACTED]", r.URL(u))
	require.Error(t, r.Err(errors.New("access_token=abcdef")))
	assert.Equal(t, "access_token=[REDACTED]", r.Err(errors.New("access_token=abcdef")).Error())
}

func TestIsSecret(t *testing.T) {
	assert.True(t, redact.IsSecretParam("ACCESS_TOKEN"))
	assert.True(t, redact.IsSecretParam("code"))
	assert.False(t, redact.IsSecretParam("fields"))
	assert.True(t, redact.IsSecretHeader("x-alfacrm-token"))
	assert.True(t, redact.IsSecretHeader("authorization"))
	assert.False(t, redact.IsSecretHeader("Content-Type"))
}

func TestURLMasksWithoutMutating(t *testing.T) {
	r := redact.New(pageToken)
	raw := "https://user:pass@graph.facebook.com/v23.0/me/accounts?fields=id%2Cname&access_token=" + pageToken +
		"&appsecret_proof=abcdef0123&code=oauth-code-1&limit=25"
	u, err := url.Parse(raw)
	require.NoError(t, err)
	before := *u

	got := r.URL(u)
	assert.Equal(t, "https://graph.facebook.com/v23.0/me/accounts?access_token=[REDACTED]&appsecret_proof=[REDACTED]&code=[REDACTED]&fields=id%2Cname&limit=25", got)
	assert.NotContains(t, got, "pass")
	assert.Equal(t, before, *u, "URL must not mutate its argument")
	assert.Equal(t, raw, u.String())

	// A registered secret in the path is masked too.
	u2, err := url.Parse("https://example.com/hook/" + pageToken + "/x")
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/hook/[REDACTED]/x", r.URL(u2))
	assert.Empty(t, r.URL(nil))
}

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

var errSentinel = errors.New("sentinel failure")

func secretURLError() *url.Error {
	return &url.Error{Op: "Get", URL: "https://graph.facebook.com/v23.0/me?access_token=" + pageToken + "&fields=id", Err: errSentinel}
}

func TestErrScrubsAndKeepsChain(t *testing.T) {
	r := redact.New(pageToken)
	assert.NoError(t, r.Err(nil))

	orig := fmt.Errorf("listing leads: %w", fmt.Errorf("page 2: %w", secretURLError()))
	err := r.Err(orig)
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%v", err), fmt.Sprintf("%q", err)} {
		assert.NotContains(t, s, pageToken)
	}
	assert.ErrorIs(t, err, errSentinel)

	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.NotContains(t, ue.URL, pageToken)
	assert.NotContains(t, ue.Error(), pageToken)
	assert.Contains(t, ue.URL, "fields=id")

	typed := r.Err(fmt.Errorf("wrapped: %w", &codeError{code: 190}))
	var ce *codeError
	require.ErrorAs(t, typed, &ce)
	assert.Equal(t, 190, ce.code)

	assert.Same(t, err, r.Err(err), "an already redacted error is returned as is")
}

func TestErrScrubsJoinedErrors(t *testing.T) {
	r := redact.New(pageToken)
	other := &url.Error{Op: "Post", URL: "https://example.com/x?api_key=" + appSecret, Err: fs.ErrNotExist}
	err := r.Err(fmt.Errorf("two failures: %w", errors.Join(secretURLError(), other)))

	assert.NotContains(t, err.Error(), pageToken)
	assert.NotContains(t, err.Error(), appSecret)
	assert.NotContains(t, fmt.Sprintf("%+v", err), appSecret)
	assert.ErrorIs(t, err, errSentinel)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.NotContains(t, secretURLError().URL, "[REDACTED]", "fresh errors are not touched")
	assert.Equal(t, "https://example.com/x?api_key=[REDACTED]", other.URL, "url.Error inside a join is scrubbed in place")
}

func TestErrScrubsUnparsableURL(t *testing.T) {
	r := redact.New(pageToken)
	ue := &url.Error{Op: "parse", URL: "ht tp://bad\x7f/?access_token=" + pageToken, Err: errSentinel}
	err := r.Err(ue)
	assert.NotContains(t, err.Error(), pageToken)
	assert.NotContains(t, ue.URL, pageToken)
}

// recorder is a capturing slog.Handler that keeps every record with its
// handler-level attributes and groups.
type recorder struct {
	mu      *sync.Mutex
	records *[]string
	prefix  string
	attrs   []slog.Attr
}

func newRecorder() *recorder { return &recorder{mu: new(sync.Mutex), records: new([]string)} }

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *recorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s", a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s%s", h.prefix, a)
		return true
	})
	h.mu.Lock()
	*h.records = append(*h.records, b.String())
	h.mu.Unlock()
	return nil
}

func (h *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *recorder) WithGroup(name string) slog.Handler {
	c := *h
	c.prefix += name + "."
	return &c
}

func (h *recorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.records...)
}

type secretValuer struct{}

func (secretValuer) LogValue() slog.Value { return slog.StringValue("valuer " + pageToken) }

func TestHandlerScrubs(t *testing.T) {
	r := redact.New(pageToken)
	rec := newRecorder()
	log := slog.New(r.Handler(rec))

	log.Info("calling https://example.com/x?access_token="+pageToken,
		"url", "https://example.com/x?access_token=abcdef-unregistered",
		"token", "any-value-at-all",
		"Authorization", "Bearer whatever-value",
		"count", 3,
		"err", secretURLError(),
		"valuer", secretValuer{},
		slog.Group("req", "header", "Bearer "+pageToken, slog.Group("inner", "q", "api_key=zzzzzz-9")),
	)
	log.With("ctx_token", pageToken).WithGroup("grp").Warn("with", "v", pageToken)
	log.WithGroup("g").With("w", pageToken).Info("group then with")

	got := rec.all()
	require.Len(t, got, 3)
	all := strings.Join(got, "\n")
	for _, s := range []string{pageToken, "abcdef-unregistered", "any-value-at-all", "whatever-value", "zzzzzz-9"} {
		assert.NotContains(t, all, s)
	}
	assert.Contains(t, got[0], "count=3")
	assert.Contains(t, got[0], "token=[REDACTED]")
	assert.Contains(t, got[0], "url=https://example.com/x?access_token=[REDACTED]")
	assert.Contains(t, got[0], "err=Get \"https://graph.facebook.com/v23.0/me?access_token=[REDACTED]&fields=id\": sentinel failure")
	assert.Contains(t, got[1], "grp.v=[REDACTED]")
	assert.Contains(t, got[1], "ctx_token=[REDACTED]")
}

func TestHandlerPlumbing(t *testing.T) {
	r := redact.New()
	assert.Nil(t, r.Handler(nil))
	h := r.Handler(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	assert.Same(t, h, r.Handler(h), "no double wrapping")
	assert.False(t, h.Enabled(context.Background(), slog.LevelInfo))
	assert.True(t, h.Enabled(context.Background(), slog.LevelError))
}

func TestConcurrentUse(t *testing.T) {
	r := redact.New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := fmt.Sprintf("concurrent-secret-%d", i)
			r.Add(s)
			assert.Equal(t, "x [REDACTED] y", r.String("x "+s+" y"))
		})
	}
	wg.Wait()
}

// maskSafe reports whether a secret can be guaranteed absent from String's
// output: it must be long enough to be registered and must not contain the
// characters of the text String inserts ("[REDACTED]", the single space of
// "Bearer [REDACTED]"), or it could reappear across that text. Real tokens
// never contain brackets or whitespace.
func maskSafe(s string) bool {
	return len(s) >= 6 && !strings.ContainsAny(s, "[] \t\n\r\f\v")
}

func FuzzString(f *testing.F) {
	f.Add("prefix ", pageToken, " suffix")
	f.Add("?access_token=", appToken, "&x=1")
	f.Add("Bearer ", "EAABsecret", "")
	f.Add(`{"token":"`, "abcdefgh", `"}`)
	f.Add("abc", "abcabc", "abcab")
	f.Add("", "D]abcd", "abcd")
	f.Add("\xff\xfe", "\xffsecret", "\x00")
	f.Fuzz(func(t *testing.T, prefix, secret, suffix string) {
		r := redact.New(secret)
		in := prefix + secret + suffix + " " + url.QueryEscape(secret) + " " + url.PathEscape(secret) + prefix
		out := r.String(in)
		_ = redact.New().String(in)
		if !maskSafe(secret) {
			return
		}
		for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(out, s) {
				t.Fatalf("secret %q survives in %q (input %q)", s, out, in)
			}
		}
	})
}
