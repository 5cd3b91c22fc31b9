package alfacrmtest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/fakeio"
)

// Fault describes a broken response. The zero Fault changes nothing.
//
// Unless Perform is set, a fault with an error Status (400 and up), a Body,
// HTML or Reset replaces the request's handling: nothing is created or
// changed. A fault with none of these (only Delay, Truncate, RetryAfter or a
// success Status) wraps the real response, so the request is carried out.
type Fault struct {
	// Status is the HTTP status to answer with. 0 means the real status
	// when the request is carried out, else 200.
	Status int
	// Body replaces the response body verbatim (malformed JSON, an empty
	// page, a wrong type...). Empty means the real body for a success
	// Status, or a Yii2 error body ({name, message, code, status}) for an
	// error Status.
	Body string
	// HTML answers with an nginx-style HTML error page (and a text/html
	// content type) instead of JSON.
	HTML bool
	// Truncate sends the headers with the full Content-Length, half of the
	// body, and then closes the connection.
	Truncate bool
	// Reset drops the connection (TCP RST) without any response.
	Reset bool
	// Delay waits before answering (cut short when the client gives up or
	// the server closes). Without Perform the request is carried out after
	// the wait, if at all; with Perform it is carried out on arrival and
	// only the answer is late, so a client that times out has still
	// created the card.
	Delay time.Duration
	// RetryAfter sets a Retry-After header, in seconds.
	RetryAfter int
	// ExpireToken invalidates the token the request carries and answers 401
	// with Yii2's error body, as when a token expires mid-session. Other
	// fields except Delay are ignored.
	ExpireToken bool
	// Perform carries the request out first (a create really creates the
	// card) and then applies the fault to its response: with Reset, the
	// client never learns of the create, which tests that it does not
	// create a duplicate on retry.
	Perform bool
}

// rule is a queued fault.
type rule struct {
	match     string
	remaining int
	fault     Fault
}

// FailNext makes the next n requests, whatever their path (logins
// included), fail with f. Queued faults apply in the order they were added.
func (s *Server) FailNext(n int, f Fault) { s.FailMatching("", n, f) }

// FailMatching makes the next n requests whose URL path contains
// pathSubstring (e.g. "/customer/create" or "auth/login") fail with f.
func (s *Server) FailMatching(pathSubstring string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &rule{match: pathSubstring, remaining: n, fault: f})
}

// ClearFaults drops every queued fault and stops chaos mode.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
	s.chaos = nil
}

// PendingFaults returns how many queued faults are still to fire.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.rules {
		n += r.remaining
	}
	return n
}

// Chaos configures random fault injection.
type Chaos struct {
	// Seed makes the sequence of decisions reproducible: the same requests
	// in the same order get the same faults.
	Seed uint64
	// Rate is the probability, from 0 to 1, that a request gets a fault.
	Rate float64
	// Faults are drawn from uniformly; nil means DefaultChaosFaults().
	Faults []Fault
	// Match limits chaos to paths containing it; "" means every request.
	Match string
}

// DefaultChaosFaults returns the faults chaos mode draws from by default:
// 500, an HTML 502, 503, 429 (without Retry-After, whose presence on the
// real API is unverified, so chaos runs stay fast), a truncated real
// response, a dropped connection before and after carrying the request out,
// an expired token, a 200 with malformed JSON, and a 50 ms delay.
func DefaultChaosFaults() []Fault {
	return []Fault{
		{Status: 500},
		{Status: 502, HTML: true},
		{Status: 503},
		{Status: 429},
		{Truncate: true},
		{Reset: true},
		{Reset: true, Perform: true},
		{ExpireToken: true},
		{Body: `{"total": 3, "count": 3, "page": 0, "items": [{"id": `},
		{Delay: 50 * time.Millisecond},
	}
}

type chaosState struct {
	cfg Chaos
	rng *rand.Rand
	n   int
}

// SetChaos turns on random fault injection; queued faults (FailNext,
// FailMatching) still come first. ClearFaults turns it off.
func (s *Server) SetChaos(c Chaos) {
	if c.Faults == nil {
		c.Faults = DefaultChaosFaults()
	}
	if len(c.Faults) == 0 || c.Rate <= 0 {
		s.mu.Lock()
		s.chaos = nil
		s.mu.Unlock()
		return
	}
	st := &chaosState{cfg: c, rng: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))}
	s.mu.Lock()
	s.chaos = st
	s.mu.Unlock()
}

// ChaosFaults returns how many faults chaos mode has injected.
func (s *Server) ChaosFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chaos == nil {
		return 0
	}
	return s.chaos.n
}

// takeFault picks the fault for a request to path, if any; s.mu is held.
func (s *Server) takeFault(path string) *Fault {
	for i, r := range s.rules {
		if r.match != "" && !strings.Contains(path, r.match) {
			continue
		}
		f := r.fault
		r.remaining--
		if r.remaining <= 0 {
			s.rules = append(s.rules[:i:i], s.rules[i+1:]...)
		}
		return &f
	}
	if c := s.chaos; c != nil && (c.cfg.Match == "" || strings.Contains(path, c.cfg.Match)) {
		if c.rng.Float64() < c.cfg.Rate {
			f := c.cfg.Faults[c.rng.IntN(len(c.cfg.Faults))]
			c.n++
			return &f
		}
	}
	return nil
}

// applyFault answers r according to f and stores the status written in
// *status (0 for a dropped connection).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, body []byte, f Fault, status *int) {
	if f.ExpireToken {
		s.wait(r, f.Delay)
		s.expireToken(r)
		*status = writeResponse(w, unauthorized())
		return
	}
	needReal := f.Perform || (!f.Reset && f.Body == "" && !f.HTML && f.Status < 400)
	var real response
	if f.Perform {
		real = s.route(r, body) // carried out on arrival; only the answer waits
		s.wait(r, f.Delay)
	} else {
		s.wait(r, f.Delay)
		if needReal {
			real = s.route(r, body)
		}
	}
	if f.Reset {
		fakeio.Reset(w)
		return
	}
	resp := response{status: f.Status, header: http.Header{}}
	if needReal {
		for k, v := range real.header {
			resp.header[k] = v
		}
		if resp.status == 0 {
			resp.status = real.status
		}
	}
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	switch {
	case f.Body != "":
		resp.body = []byte(f.Body)
	case f.HTML:
		resp.body = htmlPage(resp.status)
	case needReal && resp.status < 400:
		resp.body = real.body
	default:
		resp.body = yiiError(resp.status, defaultMessage(resp.status)).body
	}
	if f.HTML {
		resp.header.Set("Content-Type", "text/html; charset=UTF-8")
	}
	if f.RetryAfter > 0 {
		resp.header.Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if !f.Truncate {
		*status = writeResponse(w, resp)
		return
	}
	writeHeader(w, resp) // promises the whole body
	*status = resp.status
	_, _ = w.Write(resp.body[:len(resp.body)/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	panic(http.ErrAbortHandler) // the server closes the connection mid-body
}
