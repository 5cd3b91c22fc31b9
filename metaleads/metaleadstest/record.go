package metaleadstest

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
)

// Request is one HTTP request the fake received, with every secret masked by
// internal/redact: access_token, appsecret_proof, fb_exchange_token,
// client_secret, input_token values in Query and Form, the Authorization
// header, and any known token or secret value wherever it appears (e.g. in
// a batch's relative_url).
type Request struct {
	// Method and Path as received (Path includes the version prefix).
	Method, Path string
	// Query is the parsed query string, redacted.
	Query url.Values
	// Form is the parsed urlencoded POST body, redacted (nil for GET).
	Form url.Values
	// Header is a redacted copy of the request headers.
	Header http.Header
	// Time is when the fake received the request (by its clock).
	Time time.Time
}

// Token reports how the request carried its access token: "header", "query",
// "form", or "" when it carried none. The token itself is never recorded.
func (r Request) Token() string {
	switch {
	case r.Header.Get("Authorization") != "":
		return "header"
	case r.Query.Has("access_token"):
		return "query"
	case r.Form.Has("access_token"):
		return "form"
	}
	return ""
}

type recorder struct {
	mu   sync.Mutex
	max  int
	reqs []Request
}

func (rec *recorder) add(r Request) {
	if rec.max == 0 {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) >= rec.max {
		drop := len(rec.reqs) - rec.max + 1
		rec.reqs = slices.Delete(rec.reqs, 0, drop)
	}
	rec.reqs = append(rec.reqs, r)
}

func redactValues(red *redact.Redactor, v url.Values) url.Values {
	return redactMulti(red, v, redact.IsSecretParam)
}

func redactHeader(red *redact.Redactor, h http.Header) http.Header {
	return redactMulti(red, h, redact.IsSecretHeader)
}

// redactMulti copies m with the values of secret keys masked and every
// other value scrubbed of known secrets; nil stays nil.
func redactMulti[M ~map[string][]string](red *redact.Redactor, m M, secret func(string) bool) M {
	if m == nil {
		return nil
	}
	out := make(M, len(m))
	for k, vs := range m {
		c := make([]string, len(vs))
		for i, s := range vs {
			if secret(k) {
				c[i] = redact.Mask
			} else {
				c[i] = red.String(s)
			}
		}
		out[k] = c
	}
	return out
}

func (s *Server) record(r *http.Request, form url.Values) {
	req := Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  redactValues(s.red, r.URL.Query()),
		Header: redactHeader(s.red, r.Header),
		Time:   s.now(),
	}
	if form != nil {
		req.Form = redactValues(s.red, form)
	}
	s.rec.add(req)
}

// Requests returns a copy of the recorded requests, oldest first.
func (s *Server) Requests() []Request {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return slices.Clone(s.rec.reqs)
}

// RequestCount returns the number of HTTP requests received since the start
// or the last ResetRequests (batch items count once, as their batch).
func (s *Server) RequestCount() int { return int(s.stats.requests.Load()) }

// ResetRequests forgets the recorded requests and zeroes the counters of
// Stats (usage headers keep growing).
func (s *Server) ResetRequests() {
	s.rec.mu.Lock()
	s.rec.reqs = nil
	s.rec.mu.Unlock()
	s.stats.requests.Store(0)
	s.stats.leadPages.Store(0)
	s.stats.emptyLeadPages.Store(0)
	s.stats.faults.Store(0)
	s.stats.batchItems.Store(0)
}

// Stats counts what the fake served since the start or the last
// ResetRequests.
type Stats struct {
	// Requests is the number of HTTP requests (= RequestCount).
	Requests int
	// LeadPages is the number of lead pages served intact
	// (/{form-id}/leads and /{ad-id}/leads, batch items included), the
	// injected empty pages among them; a page replaced or truncated by a
	// fault does not count.
	LeadPages int
	// EmptyLeadPages is the number of lead pages served with no leads but a
	// next link (WithEmptyPages).
	EmptyLeadPages int
	// Faults is the number of injected faults (queued or chaos), batch items
	// included; header-only and delay-only faults count too.
	Faults int
	// BatchItems is the number of batch items executed.
	BatchItems int
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests:       int(s.stats.requests.Load()),
		LeadPages:      int(s.stats.leadPages.Load()),
		EmptyLeadPages: int(s.stats.emptyLeadPages.Load()),
		Faults:         int(s.stats.faults.Load()),
		BatchItems:     int(s.stats.batchItems.Load()),
	}
}

type counters struct {
	requests       atomic.Int64
	leadPages      atomic.Int64
	emptyLeadPages atomic.Int64
	faults         atomic.Int64
	batchItems     atomic.Int64
	trace          atomic.Int64

	usageMu sync.Mutex
	usage   map[string]float64 // use-case type -> calls
	app     float64
}
