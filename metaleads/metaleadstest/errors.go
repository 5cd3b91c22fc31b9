package metaleadstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// graphErr is a Graph error envelope plus the HTTP status it travels with.
type graphErr struct {
	status int
	header http.Header

	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode,omitempty"`
	UserTitle   string `json:"error_user_title,omitempty"`
	UserMsg     string `json:"error_user_msg,omitempty"`
	IsTransient bool   `json:"is_transient"`
	TraceID     string `json:"fbtrace_id"`
}

func (e *graphErr) response(traceID string) response {
	e.TraceID = traceID
	body, _ := json.Marshal(struct {
		Error *graphErr `json:"error"`
	}{e})
	h := http.Header{}
	for k, v := range e.header {
		h[k] = v
	}
	st := e.status
	if st == 0 {
		st = defaultStatus(e.Code)
	}
	return response{status: st, header: h, body: body}
}

// defaultStatus is the HTTP status Graph typically uses for a code: 500 for
// the "unknown/service" codes 1 and 2, 403 for permission errors, 400 else.
func defaultStatus(code int) int {
	switch {
	case code == 1 || code == 2:
		return http.StatusInternalServerError
	case code == 10 || code >= 200 && code <= 299:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

func errParam(format string, args ...any) *graphErr {
	return &graphErr{Message: "(#100) " + fmt.Sprintf(format, args...), Type: "OAuthException", Code: 100}
}

func errNonexistingField(field, nodeType string) *graphErr {
	return errParam("Tried accessing nonexisting field (%s) on node type (%s)", field, nodeType)
}

func errUnknownPath(path string) *graphErr {
	return &graphErr{Message: "Unknown path components: " + path, Type: "OAuthException", Code: 2500}
}

// errUnsupported is Graph's answer for an object that does not exist or that
// the token may not see (100/33).
func errUnsupported(method, id string) *graphErr {
	return &graphErr{
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
			strings.ToLower(method), id),
		Type:    "GraphMethodException",
		Code:    100,
		Subcode: 33,
	}
}

func errNoToken() *graphErr {
	return &graphErr{Message: "An active access token must be used to query information about the current user.", Type: "OAuthException", Code: 2500,
		header: http.Header{"Www-Authenticate": {`OAuth "Facebook Platform" "invalid_request" "An active access token must be used to query information about the current user."`}}}
}

func errMissingToken() *graphErr {
	return &graphErr{Message: "An access token is required to request this resource.", Type: "OAuthException", Code: 104,
		header: http.Header{"Www-Authenticate": {`OAuth "Facebook Platform" "invalid_request" "An access token is required to request this resource."`}}}
}

func errBadToken() *graphErr {
	return &graphErr{Message: "Invalid OAuth access token - Cannot parse access token", Type: "OAuthException", Code: 190,
		header: http.Header{"Www-Authenticate": {`OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"`}}}
}

func errExpiredToken(now time.Time) *graphErr {
	when := now.Add(-time.Hour).UTC().Format("Monday, 02-Jan-06 15:04:05 MST")
	msg := "Error validating access token: Session has expired on " + when + ". The current time is " + now.UTC().Format("Monday, 02-Jan-06 15:04:05 MST") + "."
	return &graphErr{Message: msg, Type: "OAuthException", Code: 190, Subcode: 463,
		UserTitle: "Session expired", UserMsg: "Your session has expired. Please log in again.",
		header: http.Header{"Www-Authenticate": {`OAuth "Facebook Platform" "invalid_token" "` + msg + `"`}}}
}

func errPageTokenRequired() *graphErr {
	return &graphErr{Message: "(#190) This method must be called with a Page Access Token", Type: "OAuthException", Code: 190}
}

func errPermission(perm string) *graphErr {
	return &graphErr{Message: "(#200) Requires " + perm + " permission to manage the object", Type: "OAuthException", Code: 200}
}

func errProofRequired() *graphErr {
	return &graphErr{Message: "API calls from the server require an appsecret_proof argument", Type: "GraphMethodException", Code: 100}
}

func errProofInvalid() *graphErr {
	return &graphErr{Message: "Invalid appsecret_proof provided in the API argument", Type: "GraphMethodException", Code: 100}
}

func errProofExpired() *graphErr {
	return &graphErr{Message: "(#100) appsecret_time is older than 5 minutes or in the future; generate a new appsecret_proof", Type: "GraphMethodException", Code: 100}
}

func errReduceData() *graphErr {
	return &graphErr{Message: "Please reduce the amount of data you're asking for, then retry your request", Type: "OAuthException", Code: 1, IsTransient: false}
}

func errUnknown() *graphErr {
	return &graphErr{Message: "An unknown error has occurred.", Type: "OAuthException", Code: 1, IsTransient: true}
}
