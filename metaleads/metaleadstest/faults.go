package metaleadstest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault describes how the fake misbehaves for one request. Fields combine:
// Delay is applied first; Reset drops the connection; otherwise the response
// is a Graph error (GraphCode != 0), an HTML page (HTML), a bare status
// (Status alone, empty body) or the normal answer, then Headers are merged in
// and Truncate cuts the body.
type Fault struct {
	// Status is the HTTP status. With GraphCode 0 and HTML false it is sent
	// with an empty body (e.g. 429 or 503 with a Retry-After in Headers).
	// With GraphCode set, 0 means Graph's usual status for the code (500 for
	// codes 1 and 2, 403 for permissions, else 400); with HTML, 0 means 502.
	Status int
	// GraphCode and Subcode, when GraphCode is non-zero, make the response a
	// Graph error envelope with Message and IsTransient.
	GraphCode, Subcode int
	// Message is the envelope's message; empty gives a generic text.
	Message string
	// IsTransient is the envelope's is_transient.
	IsTransient bool
	// Type is the envelope's type; empty means "OAuthException".
	Type string
	// Headers are set on the response, replacing the fake's own (e.g. an
	// X-Business-Use-Case-Usage with estimated_time_to_regain_access, or
	// Retry-After). In values, "{page_id}" and "{ad_account_id}" are replaced
	// by the default Page ID and the digits of the default ad account ID.
	Headers map[string]string
	// HTML answers with an HTML error page (text/html), as a proxy or Meta's
	// edge does during outages.
	HTML bool
	// Truncate cuts the body in half. The Content-Length matches the cut
	// body unless OverstateLength is set, in which case the full length is
	// announced and the connection closed early (the client sees an
	// unexpected EOF).
	Truncate bool
	// OverstateLength goes with Truncate; see there.
	OverstateLength bool
	// Reset drops the connection (TCP RST) without answering.
	Reset bool
	// Delay holds the response back (a slow server); it ends early if the
	// client gives up.
	Delay time.Duration
}

// String describes f briefly, for test names.
func (f Fault) String() string {
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.Reset {
		parts = append(parts, "reset")
	}
	if f.GraphCode != 0 {
		parts = append(parts, fmt.Sprintf("graph %d/%d", f.GraphCode, f.Subcode))
	}
	if f.HTML {
		parts = append(parts, "html")
	}
	if f.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", f.Status))
	}
	if f.Truncate {
		if f.OverstateLength {
			parts = append(parts, "truncated (overstated length)")
		} else {
			parts = append(parts, "truncated")
		}
	}
	if len(f.Headers) > 0 {
		parts = append(parts, "headers")
	}
	if len(parts) == 0 {
		return "no-op"
	}
	return strings.Join(parts, ", ")
}

// transportLevel reports whether the fault cannot be expressed inside a batch
// item (the item then times out: null).
func (f Fault) transportLevel() bool { return f.Reset || f.HTML || f.Truncate }

// ThrottleFault returns a rate-limit error for a throttling code: 4 (app), 17
// (user), 32 (Page with User token), 613, or a business-use-case code such as
// 80000 (Ads Insights), 80001 (Pages), 80004 (Ads Management) or 80005
// (LeadGen). It carries is_transient and a usage header at 100 % for the
// code's use case, without a regain time; see ThrottleFaultRegain.
func ThrottleFault(code int) Fault { return ThrottleFaultRegain(code, 0) }

// ThrottleFaultRegain is ThrottleFault whose usage header announces
// estimated_time_to_regain_access in minutes, as Graph does when it blocks
// an app (a well-behaved client then waits that long).
func ThrottleFaultRegain(code, minutes int) Fault {
	f := Fault{GraphCode: code, IsTransient: true}
	regain := strconv.Itoa(minutes)
	typ, key := "leadgen", "{ad_account_id}"
	switch code {
	case 4:
		f.Message = "(#4) Application request limit reached"
		f.Status = http.StatusForbidden
		f.Headers = map[string]string{"X-App-Usage": `{"call_count":100,"total_cputime":41,"total_time":57}`}
		return f
	case 17:
		f.Message = "(#17) User request limit reached"
		typ = "ads_management"
	case 32:
		f.Message = "(#32) Page request limit reached"
		typ, key = "pages", "{page_id}"
	case 613:
		f.Message = "(#613) Calls to this api have exceeded the rate limit."
		typ = "ads_management"
	case 80000:
		typ = "ads_insights"
	case 80001:
		typ, key = "pages", "{page_id}"
		f.Message = "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
	case 80004:
		typ = "ads_management"
	}
	if f.Message == "" {
		f.Message = fmt.Sprintf("(#%d) There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", code)
	}
	f.Headers = map[string]string{"X-Business-Use-Case-Usage": `{"` + key + `":[{"type":"` + typ + `","call_count":100,"total_cputime":12,"total_time":20,"estimated_time_to_regain_access":` + regain + `}]}`}
	return f
}

// ReduceDataFault is Graph's answer to a page that is too heavy: HTTP 500,
// code 1, "Please reduce the amount of data you're asking for, then retry
// your request". Retrying the same request does not help; a smaller limit
// does.
func ReduceDataFault() Fault {
	return Fault{GraphCode: 1, Message: "Please reduce the amount of data you're asking for, then retry your request", Status: http.StatusInternalServerError}
}

// ExpiredTokenFault is Graph's expired-session error, 190/463.
func ExpiredTokenFault() Fault {
	return Fault{GraphCode: 190, Subcode: 463, Status: http.StatusBadRequest,
		Message: "Error validating access token: Session has expired on Friday, 03-Apr-26 10:00:00 PDT. The current time is Friday, 03-Apr-26 11:00:00 PDT."}
}

// TransientFault is Graph's code 2 "service temporarily unavailable" (HTTP
// 500, is_transient), the plain retryable server error.
func TransientFault() Fault {
	return Fault{GraphCode: 2, IsTransient: true, Message: "An unexpected error has occurred. Please retry your request later."}
}

type faultRule struct {
	substr string // "" matches every request
	left   int
}

type queued struct {
	rule  faultRule
	fault Fault
}

type chaosSpec struct {
	rate   float64
	seed   int64
	faults []Fault
}

type faultState struct {
	mu    sync.Mutex
	rules []*queued
	chaos *chaosSpec
	rng   *rand.Rand
}

func (fs *faultState) init(c config) {
	if c.chaos != nil {
		fs.chaos = c.chaos
		fs.rng = rand.New(rand.NewPCG(uint64(c.chaos.seed), 0x6d6574616c656164))
	}
}

// WithChaos makes a random share of requests (probability rate, 0..1) fail
// with a fault drawn from faults, using a generator seeded with seed. The
// sequence of draws is deterministic; which request gets which fault depends
// on arrival order. Queued faults (FailNext, FailMatching) take precedence.
func WithChaos(rate float64, seed int64, faults []Fault) Option {
	return func(c *config) {
		if rate < 0 || rate > 1 {
			c.fail("WithChaos: rate %v outside 0..1", rate)
			return
		}
		if len(faults) == 0 {
			c.fail("WithChaos: no faults")
			return
		}
		c.chaos = &chaosSpec{rate: rate, seed: seed, faults: append([]Fault(nil), faults...)}
	}
}

// FailNext makes the next n requests, whatever their path, fail with f.
// Queued faults are consumed in the order they were added.
func (s *Server) FailNext(n int, f Fault) { s.FailMatching("", n, f) }

// FailMatching makes the next n requests whose path (version prefix
// included, query excluded) contains pathSubstring fail with f. Inside a
// batch, matching items fail individually: Graph errors and bare statuses
// become the item's answer, transport-level faults (Reset, HTML, Truncate)
// make the item null, as a timed-out batch item is.
func (s *Server) FailMatching(pathSubstring string, n int, f Fault) {
	if n <= 0 {
		return
	}
	if f.Headers != nil {
		h := make(map[string]string, len(f.Headers))
		for k, v := range f.Headers {
			h[k] = v
		}
		f.Headers = h
	}
	s.faults.mu.Lock()
	s.faults.rules = append(s.faults.rules, &queued{rule: faultRule{substr: pathSubstring, left: n}, fault: f})
	s.faults.mu.Unlock()
}

// ClearFaults drops every queued fault (chaos mode stays on).
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.rules = nil
	s.faults.mu.Unlock()
}

// PendingFaults returns how many queued fault applications are left.
func (s *Server) PendingFaults() int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	n := 0
	for _, q := range s.faults.rules {
		n += q.rule.left
	}
	return n
}

// pick returns the fault for a request path, consuming it, or nil.
func (fs *faultState) pick(path string, chaos bool) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, q := range fs.rules {
		if q.rule.substr == "" || strings.Contains(path, q.rule.substr) {
			q.rule.left--
			if q.rule.left <= 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
			f := q.fault
			return &f
		}
	}
	if chaos && fs.chaos != nil && fs.rng.Float64() < fs.chaos.rate {
		f := fs.chaos.faults[fs.rng.IntN(len(fs.chaos.faults))]
		return &f
	}
	return nil
}

const htmlErrorPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error</title></head>
<body><h1>Sorry, something went wrong.</h1><p>We're working on getting this fixed as soon as we can.</p></body></html>
`

// faultResponse builds the response of a fault that replaces the normal
// answer, or reports false when the normal answer is to be served.
func (s *Server) faultResponse(f *Fault, trace string) (response, bool) {
	switch {
	case f.GraphCode != 0:
		msg := f.Message
		if msg == "" {
			msg = fmt.Sprintf("(#%d) Injected fault", f.GraphCode)
		}
		typ := f.Type
		if typ == "" {
			typ = "OAuthException"
		}
		e := &graphErr{status: f.Status, Message: msg, Type: typ, Code: f.GraphCode, Subcode: f.Subcode, IsTransient: f.IsTransient}
		return e.response(trace), true
	case f.HTML:
		st := f.Status
		if st == 0 {
			st = http.StatusBadGateway
		}
		return response{status: st, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: []byte(htmlErrorPage)}, true
	case f.Status != 0:
		return response{status: f.Status, header: http.Header{}, body: nil}, true
	}
	return response{}, false
}
