// Package redact is leadkit's single redaction point. It knows every secret
// parameter and header name the SDK handles, and it scrubs registered secret
// values (tokens, app secrets, proofs, API keys) from any text, URL or error
// before that text leaves the SDK in an error or a log record.
//
// What is guaranteed, and what is not:
//
//   - String, URL and the log Handler mask secret parameters by name
//     (access_token=..., "token":"..."), credentials after Bearer/OAuth,
//     and every registered value with its URL-escaped forms.
//   - Registered values do not pile up: values given to New are kept, at
//     most MaxSecrets values registered with Add are kept (oldest forgotten
//     first), and values registered with AddFor expire (see Redactor).
//   - An error returned by Err or ErrWithoutQueries prints clean with
//     Error() and every fmt verb (%v, %+v, %#v, %q). Its chain stays
//     reachable for errors.Is and errors.As; the URLs of *url.Error and the
//     texts of *net.DNSError, *net.AddrError, *net.ParseError,
//     *strconv.NumError and *fs.PathError in it are scrubbed in place, but
//     other inner errors (such as those made by fmt.Errorf) are not
//     rewritten. Never log or show an error obtained by unwrapping.
//   - StripQueries and ErrWithoutQueries remove query strings from URLs in
//     text: leadkit's log records and transport errors never carry them.
package redact

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
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
//
// X-App-Key is an optional AlfaCRM header carrying an application key.
var secretHeaders = []string{"Authorization", "X-Alfacrm-Token", "X-App-Key", "Cookie", "Set-Cookie", "Proxy-Authorization"}

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

// MaxSecrets bounds the values registered with Add. A long-running service
// registers a new token at every refresh (AlfaCRM: every 14 minutes), so the
// list is kept in insertion order and, beyond MaxSecrets, the oldest value
// is forgotten. Re-adding a value makes it the newest again. Values given
// to New are not counted and never forgotten.
const MaxSecrets = 256

// MaxEphemeral bounds the unexpired values registered with AddFor; beyond
// it, the value closest to expiry is forgotten first.
const MaxEphemeral = 1024

// lifetime classes of a registered value.
const (
	kindPinned    = iota // New: kept for the Redactor's life
	kindKept             // Add: kept until MaxSecrets newer values push it out
	kindEphemeral        // AddFor: kept until it expires
)

// entry is one registered secret value with its escaped forms.
type entry struct {
	forms   []string  // raw, query-escaped and path-escaped, de-duplicated
	kind    int       // kindPinned, kindKept or kindEphemeral
	expires time.Time // kindEphemeral only
}

// Redactor scrubs known secret parameters and registered secret values.
// The zero value is usable; a Redactor is safe for concurrent use.
//
// Registered values have three lifetimes: values given to New are kept for
// the Redactor's life (configuration secrets: API keys, app secrets, the
// initial token); values registered with Add are kept until MaxSecrets
// newer ones push them out (rotating tokens); values registered with AddFor
// are forgotten when their time to live ends (values that change every
// second, such as time-stamped proofs). Forgetting a value only stops
// scrubbing it by value: secret parameter names, headers and Bearer
// credentials are masked regardless.
type Redactor struct {
	mu      sync.RWMutex
	entries map[string]*entry // by raw value
	kept    []string          // kindKept values, oldest first
	eph     []string          // kindEphemeral values, in registration order
	// scan is every form of every entry, longest first so overlapping
	// secrets are fully masked. It is rebuilt on every change and never
	// mutated, so String can use it without holding the lock.
	scan []string
	// nextExpiry is the earliest expiry of an ephemeral value (zero: none).
	nextExpiry time.Time
}

// New returns a Redactor that also scrubs the given secret values for its
// whole life (they do not count towards MaxSecrets).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.register(kindPinned, time.Time{}, secrets)
	return r
}

// Add registers secret values (tokens, keys, proofs), together with their
// query- and path-escaped forms. Values shorter than six characters are
// ignored: they cannot be scrubbed without mangling text. At most
// MaxSecrets values registered with Add are kept; the oldest are forgotten
// first, and adding a value again makes it the newest. Add turns a value
// registered with AddFor into a lasting one.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.register(kindKept, time.Time{}, secrets)
}

// AddFor registers secret values for ttl only, for values that rotate fast
// (a time-stamped appsecret_proof changes every second): once ttl has
// passed they are forgotten, so they never pile up. Choose a ttl longer
// than any error or log record mentioning the value can take to be
// produced (an attempt's timeout is a good bound). A value already
// registered for longer (by New or Add, or by AddFor with a later expiry)
// is left as it is. A ttl <= 0 registers nothing. At most MaxEphemeral
// unexpired values are kept.
func (r *Redactor) AddFor(ttl time.Duration, secrets ...string) {
	if r == nil || ttl <= 0 {
		return
	}
	r.register(kindEphemeral, time.Now().Add(ttl), secrets)
}

// Remove forgets secret values, whichever way they were registered, so
// that they are no longer scrubbed by value.
func (r *Redactor) Remove(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if e, ok := r.entries[s]; ok {
			r.dropLocked(s, e)
			changed = true
		}
	}
	if changed {
		r.rebuildLocked()
	}
}

// Len returns the number of registered secret values that have not expired
// (each counts once, whatever its escaped forms).
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	r.expire()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.entries)
}

func (r *Redactor) register(kind int, expires time.Time, secrets []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = make(map[string]*entry)
	}
	changed := r.pruneLocked(time.Now())
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		e, ok := r.entries[s]
		switch {
		case !ok:
			e = &entry{kind: kind, expires: expires}
			for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
				if !slices.Contains(e.forms, f) {
					e.forms = append(e.forms, f)
				}
			}
			r.entries[s] = e
			r.enlistLocked(s, e)
			changed = true
		case kind == kindEphemeral:
			if e.kind == kindEphemeral && expires.After(e.expires) {
				e.expires = expires
				r.updateExpiryLocked()
			}
		case kind < e.kind || (kind == kindKept && e.kind == kindKept):
			// A longer lifetime wins; re-adding a kept value renews it.
			r.delistLocked(s, e)
			e.kind, e.expires = kind, time.Time{}
			r.enlistLocked(s, e)
		}
	}
	if r.evictLocked() {
		changed = true
	}
	if changed {
		r.rebuildLocked()
	} else {
		r.updateExpiryLocked()
	}
}

// enlistLocked appends s to the ordered list of its kind.
func (r *Redactor) enlistLocked(s string, e *entry) {
	switch e.kind {
	case kindKept:
		r.kept = append(r.kept, s)
	case kindEphemeral:
		r.eph = append(r.eph, s)
	}
}

// delistLocked removes s from the ordered list of its kind.
func (r *Redactor) delistLocked(s string, e *entry) {
	switch e.kind {
	case kindKept:
		r.kept = slices.DeleteFunc(r.kept, func(x string) bool { return x == s })
	case kindEphemeral:
		r.eph = slices.DeleteFunc(r.eph, func(x string) bool { return x == s })
	}
}

func (r *Redactor) dropLocked(s string, e *entry) {
	r.delistLocked(s, e)
	delete(r.entries, s)
}

// evictLocked enforces MaxSecrets and MaxEphemeral.
func (r *Redactor) evictLocked() bool {
	changed := false
	if n := len(r.kept) - MaxSecrets; n > 0 {
		for _, s := range r.kept[:n] {
			delete(r.entries, s)
		}
		r.kept = slices.Delete(r.kept, 0, n)
		changed = true
	}
	for len(r.eph) > MaxEphemeral {
		soonest := 0
		for i, s := range r.eph {
			if r.entries[s].expires.Before(r.entries[r.eph[soonest]].expires) {
				soonest = i
			}
		}
		delete(r.entries, r.eph[soonest])
		r.eph = slices.Delete(r.eph, soonest, soonest+1)
		changed = true
	}
	return changed
}

// pruneLocked forgets expired values.
func (r *Redactor) pruneLocked(now time.Time) bool {
	if r.nextExpiry.IsZero() || now.Before(r.nextExpiry) {
		return false
	}
	n := len(r.eph)
	r.eph = slices.DeleteFunc(r.eph, func(s string) bool {
		if now.Before(r.entries[s].expires) {
			return false
		}
		delete(r.entries, s)
		return true
	})
	return len(r.eph) != n
}

func (r *Redactor) updateExpiryLocked() {
	r.nextExpiry = time.Time{}
	for _, s := range r.eph {
		if exp := r.entries[s].expires; r.nextExpiry.IsZero() || exp.Before(r.nextExpiry) {
			r.nextExpiry = exp
		}
	}
}

// rebuildLocked recomputes the scan list and the next expiry.
func (r *Redactor) rebuildLocked() {
	seen := make(map[string]bool, len(r.entries)*2)
	scan := make([]string, 0, len(r.entries)*2)
	for _, e := range r.entries {
		for _, f := range e.forms {
			if !seen[f] {
				seen[f] = true
				scan = append(scan, f)
			}
		}
	}
	sort.Slice(scan, func(i, j int) bool {
		if len(scan[i]) != len(scan[j]) {
			return len(scan[i]) > len(scan[j])
		}
		return scan[i] < scan[j]
	})
	r.scan = scan
	r.updateExpiryLocked()
}

// expire forgets expired values, if any are due.
func (r *Redactor) expire() {
	r.mu.RLock()
	next := r.nextExpiry
	r.mu.RUnlock()
	if next.IsZero() {
		return
	}
	now := time.Now()
	if now.Before(next) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pruneLocked(now) {
		r.rebuildLocked()
	}
}

// String returns s with secret parameters, credentials after Bearer/OAuth and
// every registered secret value replaced by Mask.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.expire()
		r.mu.RLock()
		scan := r.scan
		r.mu.RUnlock()
		for _, sec := range scan {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Mask)
			}
		}
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

// urlRE matches an absolute URL (also with JSON-escaped slashes) or a path
// at the start of a word, up to and including its query string and
// fragment: group 1 is the part kept, group 2 the part dropped.
var urlRE = regexp.MustCompile(`(?i)((?:\b[a-z][a-z0-9+.-]*:(?://|\\/\\/)|(?:^|[\s"'(<=])/)[^\s"'<>?#]*)([?#][^\s"'<>` + "`" + `]*)`)

// StripQueries returns s with the query string and fragment of every URL in
// it removed: "https://host/path?a=b" becomes "https://host/path". Absolute
// URLs (also JSON-escaped, "https:\/\/host\/path?a=b") and paths starting
// a word ("/path?a=b") are recognised; a question mark in prose is not
// touched. Punctuation closing a sentence after a URL (".", ",", ";", ":",
// ")", "]") is kept. StripQueries is for log records and transport errors:
// leadkit never logs query strings.
func StripQueries(s string) string {
	if !strings.ContainsAny(s, "?#") {
		return s
	}
	return urlRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlRE.FindStringSubmatch(m)
		q := sub[2]
		tail := strings.TrimRight(q, ".,;:)]")
		return sub[1] + q[len(tail):]
	})
}

// Err returns an error whose message is scrubbed. The original chain stays
// reachable through errors.Is and errors.As. Before wrapping, the texts of
// the standard error types that carry URLs, names and values are scrubbed
// in place throughout the chain: *url.Error (its URL), *net.DNSError,
// *net.AddrError, *net.ParseError, *strconv.NumError and *fs.PathError.
// Other inner errors are not rewritten: the message of an error built with
// fmt.Errorf, for one, was fixed when it was made. So Error() and every fmt
// verb of the returned error (%v, %+v, %#v, %q, %s) are clean, but an
// error reached by unwrapping must not be logged or shown.
// Err(nil) is nil, and an already redacted error is returned as is.
func (r *Redactor) Err(err error) error {
	return r.err(err, false)
}

// ErrWithoutQueries is Err that also removes query strings and fragments:
// from the message (see StripQueries) and from the URL of every *url.Error
// in the chain. The transport uses it for the errors it returns, whose
// URLs carry parent ids and cursors but nothing a caller needs.
func (r *Redactor) ErrWithoutQueries(err error) error {
	return r.err(err, true)
}

func (r *Redactor) err(err error, strip bool) error {
	if err == nil {
		return nil
	}
	var re *redactedError
	if errors.As(err, &re) && re == err {
		if !strip || re.stripped {
			return err
		}
		scrubChain(r, re.cause, true)
		return &redactedError{msg: StripQueries(re.msg), cause: re.cause, stripped: true}
	}
	scrubChain(r, err, strip)
	msg := err.Error()
	if strip {
		msg = StripQueries(msg)
	}
	return &redactedError{msg: r.String(msg), cause: err, stripped: strip}
}

// scrubChain scrubs, in place, the texts of known error types in err's
// chain.
func scrubChain(r *Redactor, err error, strip bool) {
	for err != nil {
		switch e := err.(type) {
		case *url.Error:
			if u, perr := url.Parse(e.URL); perr == nil {
				if strip {
					u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
				}
				e.URL = r.URL(u)
			} else {
				if strip {
					e.URL = StripQueries(e.URL)
				}
				e.URL = r.String(e.URL)
			}
		case *net.DNSError:
			e.Err, e.Name, e.Server = r.String(e.Err), r.String(e.Name), r.String(e.Server)
		case *net.AddrError:
			e.Err, e.Addr = r.String(e.Err), r.String(e.Addr)
		case *net.ParseError:
			e.Text = r.String(e.Text)
		case *strconv.NumError:
			e.Num = r.String(e.Num)
		case *fs.PathError:
			e.Path = r.String(e.Path)
		}
		switch x := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				scrubChain(r, e, strip)
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
	msg      string
	cause    error
	stripped bool // query strings removed too
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// Format prints the scrubbed message for every verb, so that neither %+v
// nor %#v reaches the cause.
func (e *redactedError) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), e.msg)
}

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
