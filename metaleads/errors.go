package metaleads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
)

// Sentinel categories, for errors.Is. An *Error matches the categories its
// Graph code, subcode and HTTP status belong to (see [Error.Is]); use
// errors.As with a *Error target for the details.
var (
	// ErrRateLimited: Graph throttling codes 4, 17, 32, 341, 613 and
	// 80000–80014 (business use case limits), HTTP 429, or a call refused
	// locally because the usage headers said access is blocked for longer than
	// the retry policy or the context allows. Error.RetryAfter says how long
	// to wait when known.
	ErrRateLimited = errors.New("metaleads: rate limited")
	// ErrUnauthorized: the access token is invalid, expired or revoked
	// (codes 190 and 102, or HTTP 401 without a Graph error).
	ErrUnauthorized = errors.New("metaleads: unauthorized")
	// ErrPermission: a permission is missing (codes 10 and 200–299, or HTTP
	// 403 without a Graph error). Error.Hint names leads_retrieval when it is
	// the likely cause.
	ErrPermission = errors.New("metaleads: permission denied")
	// ErrNotFound: the object does not exist or is not visible to the token
	// (code 100 with subcode 33 or a "does not exist" message, or HTTP 404).
	// Graph does not distinguish "missing" from "not allowed to see": check
	// permissions (Client.CheckPermissions) when an id should exist.
	ErrNotFound = errors.New("metaleads: not found")
	// ErrReduceData: code 1 "Please reduce the amount of data you're asking
	// for". The lead and form iterators handle it by halving the page size;
	// page methods return it so the caller can ask for a smaller PageSize.
	ErrReduceData = errors.New("metaleads: reduce the amount of data requested")
	// ErrInvalidResponse: a body that is not the expected JSON — an HTML page
	// from a proxy, a truncated body, an unexpected shape. The *Error carries
	// the HTTP status and a short redacted Snippet of the body.
	ErrInvalidResponse = errors.New("metaleads: invalid response")
	// ErrRepeatedCursor: Graph returned a paging cursor it had already
	// returned; the iterator stops instead of looping.
	ErrRepeatedCursor = errors.New("metaleads: repeated paging cursor")
	// ErrBatchItemTimeout: a batch item still came back as null (Graph's
	// marker for an item that timed out) after the bounded retries.
	ErrBatchItemTimeout = errors.New("metaleads: batch item timed out")
)

// maxErrorBody caps how much of an unsuccessful response is parsed as a Graph
// error; anything larger is not a Graph error envelope.
const maxErrorBody = 1 << 20

// maxErrorText caps each text field copied from a Graph error.
const maxErrorText = 2000

// snippetLen is the size of body excerpts kept in errors: 197 bytes plus a
// 3-byte ellipsis when cut, so a Snippet never exceeds 200 bytes.
const snippetLen = 197

// errKind tells how an *Error was produced.
type errKind uint8

const (
	kindGraph     errKind = iota // a Graph error envelope
	kindInvalid                  // a body that is not what was expected
	kindThrottled                // refused locally by the usage gate
	kindBatchNull                // a batch item that stayed null
)

// Error is a Graph API error: the error envelope Graph returned plus the HTTP
// status, or (for bodies that are not a Graph envelope) the status and a short
// redacted Snippet. Its text fields are redacted, and Error() never contains
// URLs or tokens.
//
// Use errors.As to read the details and errors.Is with the sentinels
// (ErrRateLimited, ErrUnauthorized, ErrPermission, ErrNotFound,
// ErrReduceData, ErrInvalidResponse) to classify it.
type Error struct {
	HTTPStatus  int           // HTTP status of the response (or of the batch item); 0 if none
	Code        int           // Graph "code"; 0 when the body was not a Graph error
	Subcode     int           // Graph "error_subcode"
	Type        string        // Graph "type", e.g. "OAuthException"
	Message     string        // Graph "message"
	UserTitle   string        // Graph "error_user_title" (localised)
	UserMessage string        // Graph "error_user_msg" (localised)
	IsTransient bool          // Graph "is_transient"
	TraceID     string        // Graph "fbtrace_id", for Meta support
	RetryAfter  time.Duration // wait requested by Retry-After or the usage headers; 0 if unknown
	Hint        string        // what usually fixes this error; "" if nothing specific
	Snippet     string        // redacted excerpt (≤200 bytes) of a body that was not a Graph error

	kind errKind
}

// Error formats the error on one line, e.g.
//
//	metaleads: (#190/463) Error validating access token: Session has expired (HTTP 400, fbtrace_id AbC)
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("metaleads: ")
	switch e.kind {
	case kindInvalid:
		b.WriteString("invalid response")
		if e.HTTPStatus != 0 {
			fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
		}
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
		if e.Snippet != "" {
			fmt.Fprintf(&b, ": body %q", e.Snippet)
		} else if e.Message == "" {
			b.WriteString(": empty body")
		}
	default:
		if e.Code != 0 {
			b.WriteString("(#")
			b.WriteString(strconv.Itoa(e.Code))
			if e.Subcode != 0 {
				b.WriteByte('/')
				b.WriteString(strconv.Itoa(e.Subcode))
			}
			b.WriteString(") ")
		}
		msg := strings.TrimPrefix(e.Message, "(#"+strconv.Itoa(e.Code)+") ")
		if msg == "" {
			msg = "Graph API error"
		}
		b.WriteString(msg)
		var meta []string
		if e.HTTPStatus != 0 {
			meta = append(meta, "HTTP "+strconv.Itoa(e.HTTPStatus))
		}
		if e.TraceID != "" {
			meta = append(meta, "fbtrace_id "+e.TraceID)
		}
		if e.RetryAfter > 0 {
			meta = append(meta, "retry after "+e.RetryAfter.Round(time.Second).String())
		}
		if len(meta) > 0 {
			b.WriteString(" (")
			b.WriteString(strings.Join(meta, ", "))
			b.WriteByte(')')
		}
	}
	if e.Hint != "" {
		b.WriteString("; hint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Is reports whether e belongs to the sentinel category target:
//
//   - ErrRateLimited: codes 4, 17, 32, 341, 613, 80000–80014, HTTP 429, or a
//     local refusal by the usage gate
//   - ErrUnauthorized: codes 190, 102; HTTP 401 without a Graph code
//   - ErrPermission: codes 10, 200–299; HTTP 403 without a Graph code
//   - ErrNotFound: code 100 with subcode 33 or "does not exist"; HTTP 404
//   - ErrReduceData: code 1 with "reduce the amount of data"
//   - ErrInvalidResponse: a body that was not the expected JSON
//   - ErrBatchItemTimeout: a batch item that stayed null
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.kind == kindThrottled || isThrottleCode(e.Code) || e.HTTPStatus == http.StatusTooManyRequests
	case ErrUnauthorized:
		return e.Code == 190 || e.Code == 102 || (e.Code == 0 && e.HTTPStatus == http.StatusUnauthorized)
	case ErrPermission:
		return isPermissionCode(e.Code) || (e.Code == 0 && e.HTTPStatus == http.StatusForbidden)
	case ErrNotFound:
		return (e.Code == 100 && (e.Subcode == 33 || strings.Contains(strings.ToLower(e.Message), "does not exist"))) ||
			e.HTTPStatus == http.StatusNotFound
	case ErrReduceData:
		return isReduceData(e.Code, e.Message)
	case ErrInvalidResponse:
		return e.kind == kindInvalid
	case ErrBatchItemTimeout:
		return e.kind == kindBatchNull
	}
	return false
}

// isThrottleCode reports Graph's throttling codes.
func isThrottleCode(code int) bool {
	switch code {
	case 4, 17, 32, 341, 613:
		return true
	}
	return code >= 80000 && code <= 80014
}

func isPermissionCode(code int) bool { return code == 10 || (code >= 200 && code <= 299) }

func isReduceData(code int, msg string) bool {
	return code == 1 && strings.Contains(strings.ToLower(msg), "reduce the amount of data")
}

// graphError is a decoded Graph error envelope.
type graphError struct {
	Message     wireString `json:"message"`
	Type        wireString `json:"type"`
	Code        wireInt    `json:"code"`
	Subcode     wireInt    `json:"error_subcode"`
	UserTitle   wireString `json:"error_user_title"`
	UserMessage wireString `json:"error_user_msg"`
	IsTransient wireBool   `json:"is_transient"`
	TraceID     wireString `json:"fbtrace_id"`
}

// parseGraphError decodes {"error":{...}} (or the legacy {"error":"text"}).
// It reports false for anything else, including oversized bodies.
func parseGraphError(body []byte) (graphError, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || len(body) > maxErrorBody || body[0] != '{' {
		return graphError{}, false
	}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Error) == 0 {
		return graphError{}, false
	}
	var ge graphError
	switch env.Error[0] {
	case '{':
		// Decode field by field so one odd field does not lose the others.
		var raw map[string]json.RawMessage
		if json.Unmarshal(env.Error, &raw) != nil {
			return graphError{}, false
		}
		set := func(key string, v json.Unmarshaler) {
			if r, ok := raw[key]; ok {
				_ = v.UnmarshalJSON(r)
			}
		}
		set("message", &ge.Message)
		set("type", &ge.Type)
		set("code", &ge.Code)
		set("subcode", &ge.Subcode) // debug_token's data.error spelling
		set("error_subcode", &ge.Subcode)
		set("error_user_title", &ge.UserTitle)
		set("error_user_msg", &ge.UserMessage)
		set("is_transient", &ge.IsTransient)
		set("fbtrace_id", &ge.TraceID)
		if ge.Code == 0 && ge.Message == "" && ge.Type == "" {
			return graphError{}, false
		}
	case '"':
		_ = ge.Message.UnmarshalJSON(env.Error)
		if ge.Message == "" {
			return graphError{}, false
		}
	default:
		return graphError{}, false
	}
	return ge, true
}

// retryDecision is the Graph Classifier's verdict on an error code.
type retryDecision uint8

const (
	decideUnknown  retryDecision = iota // not a listed code: look at is_transient
	decideNever                         // never retried, whatever the HTTP status
	decideRetry                         // transient server trouble
	decideThrottle                      // throttling: wait for the usage headers
)

// decideCode is the one table of Graph codes the retry logic uses.
func decideCode(code int, msg string) retryDecision {
	switch {
	case code == 1:
		if isReduceData(code, msg) {
			return decideNever // the iterator shrinks the page instead
		}
		return decideRetry
	case code == 2:
		return decideRetry
	case isThrottleCode(code):
		return decideThrottle
	case code == 3, code == 10, code == 100, code == 102, code == 104, code == 190, code == 368,
		code >= 200 && code <= 299:
		return decideNever
	}
	return decideUnknown
}

// classify is the transport Classifier for Graph. Graph code and subcode
// decide first, then is_transient; the HTTP status only decides for bodies
// that are not a Graph error (429 and 5xx are retried). Throttling waits for
// max(Retry-After, the longest estimated_time_to_regain_access in the usage
// headers).
func classify(resp *transport.Response) transport.Verdict {
	if resp.StatusCode/100 == 2 {
		return transport.Verdict{}
	}
	retryAfter := transport.RetryAfter(resp.Header, time.Now())
	throttleWait := func() time.Duration {
		return max(retryAfter, parseUsageHeaders(resp.Header).regain())
	}
	if ge, ok := parseGraphError(resp.Body); ok {
		switch decideCode(int(ge.Code), string(ge.Message)) {
		case decideThrottle:
			return transport.Verdict{Retry: true, Wait: throttleWait()}
		case decideRetry:
			return transport.Verdict{Retry: true, Wait: retryAfter}
		case decideNever:
			return transport.Verdict{}
		}
		if ge.IsTransient {
			return transport.Verdict{Retry: true, Wait: retryAfter}
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return transport.Verdict{Retry: true, Wait: throttleWait()}
		}
		return transport.Verdict{}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return transport.Verdict{Retry: true, Wait: throttleWait()}
	case resp.StatusCode >= 500:
		return transport.Verdict{Retry: true, Wait: retryAfter}
	}
	return transport.Verdict{}
}

// responseError builds the *Error for an unsuccessful response of operation
// op; red scrubs every text field.
func (c *Client) responseError(op string, resp *transport.Response) *Error {
	red := c.tr.Redactor()
	ge, ok := parseGraphError(resp.Body)
	if !ok {
		e := &Error{
			HTTPStatus: resp.StatusCode,
			Message:    "not a Graph error envelope",
			Snippet:    c.snippet(resp.Body),
			kind:       kindInvalid,
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			e.RetryAfter = max(transport.RetryAfter(resp.Header, time.Now()), parseUsageHeaders(resp.Header).regain())
		} else {
			e.RetryAfter = transport.RetryAfter(resp.Header, time.Now())
		}
		return e
	}
	e := graphToError(ge, resp.StatusCode, func(s string) string { return red.String(truncate(s, maxErrorText)) })
	if e.Is(ErrRateLimited) {
		e.RetryAfter = max(transport.RetryAfter(resp.Header, time.Now()), parseUsageHeaders(resp.Header).regain())
	} else {
		e.RetryAfter = transport.RetryAfter(resp.Header, time.Now())
	}
	e.Hint = hint(op, e)
	return e
}

// graphToError converts a decoded envelope; clean scrubs text fields.
func graphToError(ge graphError, status int, clean func(string) string) *Error {
	return &Error{
		HTTPStatus:  status,
		Code:        int(ge.Code),
		Subcode:     int(ge.Subcode),
		Type:        clean(string(ge.Type)),
		Message:     clean(string(ge.Message)),
		UserTitle:   clean(string(ge.UserTitle)),
		UserMessage: clean(string(ge.UserMessage)),
		IsTransient: bool(ge.IsTransient),
		TraceID:     clean(string(ge.TraceID)),
	}
}

// isLeadsOp reports operations that read leads.
func isLeadsOp(op string) bool {
	return strings.HasPrefix(op, "lead") || strings.HasPrefix(op, "adleads")
}

// hint returns advice for well-known failures.
func hint(op string, e *Error) string {
	msg := strings.ToLower(e.Message)
	switch {
	case e.Code == 210: // "(#210) A page access token is required to request this resource."
		return "this call needs a Page access token: get one with Client.PageToken and use Client.WithToken"
	case e.Is(ErrPermission) && (strings.Contains(msg, "leads_retrieval") || (isLeadsOp(op) && e.Code >= 200 && e.Code <= 299)):
		return "reading leads needs the leads_retrieval permission (plus pages_manage_ads, pages_show_list, pages_read_engagement and ads_management for ad-level data), a token of a person with a task on the Page, and access in the Page's Leads Access Manager"
	case e.Is(ErrPermission):
		return "the token lacks a permission; Client.CheckPermissions lists the missing ones"
	case e.Code == 190 && e.Subcode == 492:
		return "the user behind this Page token has no role on the Page any more; get a new Page token"
	case e.Code == 190 && e.Subcode == 463:
		return "the token expired; exchange a new long-lived user token and fetch a new Page token"
	case e.Is(ErrUnauthorized):
		return "the access token is invalid, expired or revoked; check it with Client.DebugToken"
	case e.Is(ErrNotFound) && isLeadsOp(op):
		return "the id is wrong, or the token cannot see it: Graph reports missing permissions (leads_retrieval, Leads Access Manager, app in development mode) as \"does not exist\""
	case e.Code == 100 && strings.Contains(msg, "appsecret_proof"):
		return "the app requires appsecret_proof: use WithAppSecret with the app's secret"
	case e.Is(ErrReduceData):
		return "ask for fewer items per page (PageSize) or fewer fields"
	}
	return ""
}

// invalidResponse builds the error for a 2xx body that does not decode.
func (c *Client) invalidResponse(resp *transport.Response, cause error) *Error {
	return &Error{
		HTTPStatus: resp.StatusCode,
		Message:    c.tr.Redactor().String(truncate(cause.Error(), maxErrorText)),
		Snippet:    c.snippet(resp.Body),
		kind:       kindInvalid,
	}
}

// snippet returns a redacted excerpt of body of at most 200 bytes.
func (c *Client) snippet(body []byte) string {
	s := c.tr.Snippet(body, snippetLen)
	if len(s) > snippetLen+3 {
		s = truncate(s, snippetLen) // redaction masks can lengthen the text
	}
	return s
}
