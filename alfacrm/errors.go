package alfacrm

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors for errors.Is. Errors returned by the client match them
// through [Error.Is] or by wrapping.
var (
	// ErrUnauthorized: the credentials were refused: the login failed
	// (wrong e-mail or API key), or a call was refused again with HTTP 401
	// right after a fresh login.
	ErrUnauthorized = errors.New("alfacrm: unauthorized")
	// ErrAccessDenied: HTTP 403 on a call even after a fresh login; usually
	// the API user's role lacks access to the v2api module or the model.
	ErrAccessDenied = errors.New("alfacrm: access denied")
	// ErrNotFound: HTTP 404 (unknown path or model), or a looked-up record
	// that does not exist.
	ErrNotFound = errors.New("alfacrm: not found")
	// ErrValidation: the server rejected a write; see [Error.Validation].
	// AlfaCRM reports this with HTTP 200 and {"success": false, "errors": [...]}.
	ErrValidation = errors.New("alfacrm: validation failed")
	// ErrRateLimited: HTTP 429 that outlasted the retries.
	ErrRateLimited = errors.New("alfacrm: rate limited")
	// ErrInvalidResponse: a body that is not the JSON expected (an HTML
	// error page, a truncated body, an unexpected shape or type).
	ErrInvalidResponse = errors.New("alfacrm: invalid response")
	// ErrRepeatedPage: a list endpoint returned the same page again (same
	// first and last ids as the previous page); iteration stops instead of
	// looping or yielding duplicates.
	ErrRepeatedPage = errors.New("alfacrm: server repeated a page")
	// ErrIncompleteList: a list endpoint returned an empty page, twice,
	// while its total said more items exist, so the iteration cannot
	// finish. The items yielded before stay delivered. Errors matching it
	// also match [ErrInvalidResponse].
	ErrIncompleteList = errors.New("alfacrm: list ended before its total")
	// ErrUncertainCreate: a create failed in a way that leaves its outcome
	// unknown (a timeout or dropped connection after the request may have
	// reached the server) and the duplicate check could not settle it. The
	// card may or may not exist.
	ErrUncertainCreate = errors.New("alfacrm: create outcome unknown")
)

// Error is an error reported by AlfaCRM, or a response the client could not
// use. Its strings have passed the client's redaction point: they never
// contain the API key or a token.
//
// Error() never includes Validation, whose messages may echo personal data
// (names, phones); read them from the field and handle them accordingly.
type Error struct {
	// Op is the API operation, e.g. "customer/index" or "auth/login".
	Op string
	// HTTPStatus is the HTTP status of the response (200 for validation
	// failures reported in a 200 body).
	HTTPStatus int
	// Name, Message, Code and Status come from a Yii2 error body
	// {"name","message","code","status"} when present.
	Name    string
	Message string // the server's message
	Code    int    // Yii2 error code
	Status  int    // status in the body
	// Validation holds the messages of {"success": false, "errors": [...]}
	// or of a Yii2 422 body ("field: message" for per-field errors).
	Validation []string
	// Snippet is a short redacted excerpt of a body that is not JSON (e.g.
	// an HTML error page); it is empty for JSON bodies, which may carry
	// personal data.
	Snippet string

	invalid    bool // ErrInvalidResponse
	incomplete bool // ErrIncompleteList (with invalid)
	login      bool // the login itself was refused
}

// Error returns "alfacrm: <op>: <what happened> (HTTP <status>)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("alfacrm: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch {
	case e.login:
		b.WriteString("login refused; check Config.Email and Config.APIKey")
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
	case e.invalid:
		b.WriteString("invalid response")
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
		if e.Snippet != "" {
			fmt.Fprintf(&b, ": %q", e.Snippet)
		}
	case len(e.Validation) > 0:
		fmt.Fprintf(&b, "validation failed (%d message", len(e.Validation))
		if len(e.Validation) != 1 {
			b.WriteByte('s')
		}
		b.WriteString(" in Error.Validation)")
	default:
		msg := e.Message
		if msg == "" {
			msg = e.Name
		}
		if msg == "" {
			msg = http.StatusText(e.status())
		}
		if msg == "" {
			msg = "request failed"
		}
		b.WriteString(msg)
		if e.Snippet != "" {
			fmt.Fprintf(&b, ": %q", e.Snippet)
		}
	}
	fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	return b.String()
}

// status is the status that classifies the error: the HTTP status, or the
// body's status when the HTTP status is a 2xx.
func (e *Error) status() int {
	if e.HTTPStatus/100 == 2 && e.Status >= 400 {
		return e.Status
	}
	return e.HTTPStatus
}

// Is matches the sentinel errors: ErrUnauthorized (401, or a refused login),
// ErrAccessDenied (403 outside the login), ErrNotFound (404), ErrValidation
// (validation messages or 422), ErrRateLimited (429), ErrInvalidResponse and
// ErrIncompleteList.
func (e *Error) Is(target error) bool {
	s := e.status()
	switch target {
	case ErrUnauthorized:
		return e.login || s == http.StatusUnauthorized
	case ErrAccessDenied:
		return !e.login && s == http.StatusForbidden
	case ErrNotFound:
		return s == http.StatusNotFound
	case ErrValidation:
		return len(e.Validation) > 0 || s == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return s == http.StatusTooManyRequests
	case ErrInvalidResponse:
		return e.invalid
	case ErrIncompleteList:
		return e.incomplete
	}
	return false
}
