package alfacrmtest

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ecademy/leadkit/internal/redact"
)

// Request is one request as the server received it, with secrets masked:
// the X-ALFACRM-TOKEN header (and any other credential header, X-APP-KEY
// included), the api_key of login bodies, and every token or key the server
// issued or accepts, wherever it appears.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, e.g. "/v2api/1/customer/index".
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Body is the request body.
	Body []byte
	// Status is the status the server answered with, 0 when it dropped the
	// connection without one or is still answering.
	Status int
}

// record builds the redacted record of r; s.mu is held.
func (s *Server) record(r *http.Request, body []byte) *Request {
	h := make(http.Header, len(r.Header))
	for k, v := range r.Header {
		if redact.IsSecretHeader(k) || strings.EqualFold(k, "X-App-Key") {
			h[k] = []string{redact.Mask}
			continue
		}
		vv := make([]string, len(v))
		for i, x := range v {
			vv[i] = s.red.String(x)
		}
		h[k] = vv
	}
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if redact.IsSecretParam(k) {
			q[k] = []string{redact.Mask}
			continue
		}
		vv := make([]string, len(v))
		for i, x := range v {
			vv[i] = s.red.String(x)
		}
		q[k] = vv
	}
	var b []byte
	if len(body) > 0 {
		b = []byte(s.red.String(string(body)))
	}
	return &Request{Method: r.Method, Path: r.URL.Path, Query: q, Header: h, Body: b}
}

// Requests returns a copy of the requests received so far, oldest first
// (the last 10,000 at most).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.records))
	for i, p := range s.records {
		r := *p
		r.Query = cloneValues(r.Query)
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ClearRequests forgets the recorded requests; the counters keep counting.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vv := range v {
		out[k] = slices.Clone(vv)
	}
	return out
}
