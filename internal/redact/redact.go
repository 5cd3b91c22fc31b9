// Package redact is leadkit's single redaction point. It knows every secret
// parameter and header name the SDK handles, and it scrubs registered secret
// values (tokens, app secrets, proofs, API keys) from any text, URL or error
// before that text leaves the SDK in an error or a log record.
package redact

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask replaces every redacted value.
const Mask = "[REDACTED]"

// minSecretLen is the shortest value scrubbed by value; shorter strings would
// erase ordinary words from messages.
const minSecretLen = 6

// secretParams are the query, form and JSON keys whose values are always secret.
var secretParams = []string{
	"access_token", "appsecret_proof", "appsecret_time_proof", "client_secret",
	"fb_exchange_token", "input_token", "api_key", "code", "token", "password",
}

// secretHeaders are the header names whose values are always secret.
var secretHeaders = []string{"Authorization", "X-Alfacrm-Token", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// IsSecretParam reports whether a query, form or JSON key carries a secret.
func IsSecretParam(name string) bool {
	name = strings.ToLower(name)
	for _, p := range secretParams {
		if p == name {
			return true
		}
	}
	return false
}

// IsSecretHeader reports whether a header carries a secret.
func IsSecretHeader(name string) bool {
	for _, h := range secretHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// textParams are the secret keys scrubbed in free text. "code" is left out:
// "error_code=190" and "code":100 are everywhere in API errors; a "code"
// parameter is still masked in URLs (URL) and log attributes (Handler).
// "token" also covers every "*_token" name.
const textParams = `access_token|appsecret_proof|appsecret_time_proof|client_secret|fb_exchange_token|input_token|api_key|token|password`

// paramRE matches key=value pairs of secret parameters in free text: query
// strings, form bodies and URLs embedded in messages.
var paramRE = regexp.MustCompile(`(?i)((?:` + textParams + `)=)[^&\s"'<>]*`)

// jsonRE matches "key":"value" pairs of secret JSON keys.
var jsonRE = regexp.MustCompile(`(?i)("(?:` + textParams + `)"\s*:\s*")[^"]*`)

// bearerRE matches credentials after an auth scheme.
var bearerRE = regexp.MustCompile(`(?i)\b(Bearer|OAuth)\s+([A-Za-z0-9._~+/=|-]+)`)

// plainWordRE matches a short plain word, which after "OAuth" or "Bearer" is
// prose ("Invalid OAuth access token."), not a credential.
var plainWordRE = regexp.MustCompile(`^[A-Za-z]{1,19}$`)

func scrubBearer(s string) string {
	return bearerRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := bearerRE.FindStringSubmatch(m)
		if plainWordRE.MatchString(sub[2]) {
			return m
		}
		return sub[1] + " " + Mask
	})
}

// Redactor scrubs known secret parameters and registered secret values.
// The zero value is usable; a Redactor is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so overlapping secrets are fully masked
}

// New returns a Redactor that also scrubs the given secret values.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers secret values (tokens, keys, proofs), together with their
// query- and path-escaped forms. Values shorter than six characters are
// ignored: they cannot be scrubbed without mangling text.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		r.addLocked(s)
		r.addLocked(url.QueryEscape(s))
		r.addLocked(url.PathEscape(s))
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func (r *Redactor) addLocked(s string) {
	for _, have := range r.secrets {
		if have == s {
			return
		}
	}
	r.secrets = append(r.secrets, s)
}

// String returns s with secret parameters, credentials after Bearer/OAuth and
// every registered secret value replaced by Mask.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.mu.RLock()
		for _, sec := range r.secrets {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Mask)
			}
		}
		r.mu.RUnlock()
	}
	s = paramRE.ReplaceAllString(s, "${1}"+Mask)
	s = jsonRE.ReplaceAllString(s, "${1}"+Mask)
	s = scrubBearer(s)
	return s
}

// URL returns u as a string with every secret parameter masked. It never
// mutates u.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if IsSecretParam(k) {
				q[k] = []string{Mask}
			}
		}
		// Keep the mask readable instead of "%5BREDACTED%5D".
		c.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(Mask), Mask)
	}
	return r.String(c.String())
}

// Err returns an error whose message is scrubbed. The original chain stays
// reachable through errors.Is and errors.As, but every *url.Error in it has its
// URL scrubbed in place first, so no unwrapped error exposes a secret either.
// Err(nil) is nil, and an already redacted error is returned as is.
func (r *Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	var re *redactedError
	if errors.As(err, &re) && re == err {
		return err
	}
	scrubURLErrors(r, err)
	return &redactedError{msg: r.String(err.Error()), cause: err}
}

func scrubURLErrors(r *Redactor, err error) {
	for err != nil {
		if ue, ok := err.(*url.Error); ok {
			if u, perr := url.Parse(ue.URL); perr == nil {
				ue.URL = r.URL(u)
			} else {
				ue.URL = r.String(ue.URL)
			}
		}
		switch x := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				scrubURLErrors(r, e)
			}
			return
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		default:
			return
		}
	}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// Handler wraps an slog.Handler so that every string attribute value and the
// message of every record pass through the Redactor. A nil inner handler
// yields nil.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	if h == nil {
		return nil
	}
	if rh, ok := h.(*handler); ok && rh.r == r {
		return h
	}
	return &handler{r: r, inner: h}
}

type handler struct {
	r     *Redactor
	inner slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.r.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.r.attr(a)
	}
	return &handler{r: h.r, inner: h.inner.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{r: h.r, inner: h.inner.WithGroup(name)}
}

func (r *Redactor) attr(a slog.Attr) slog.Attr {
	if IsSecretParam(a.Key) || IsSecretHeader(a.Key) {
		return slog.String(a.Key, Mask)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, r.String(err.Error()))
		}
		return slog.String(a.Key, r.String(v.String()))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
