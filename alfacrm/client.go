package alfacrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/internal/transport"
	"golang.org/x/time/rate"
)

// tokenHeader carries the session token on every call but the login.
const tokenHeader = "X-ALFACRM-TOKEN"

// Client is an AlfaCRM REST API v2 client. It logs in lazily, refreshes its
// token before it expires, logs in again once when a token is refused, and
// caches reference dictionaries. A Client is safe for concurrent use by
// multiple goroutines.
type Client struct {
	base         *url.URL
	email        string
	apiKey       string
	branch       int
	loc          *time.Location
	region       string
	incomeIDs    map[int]bool // Config.IncomePayTypeIDs; nil = by name
	now          func() time.Time
	t            *transport.Transport
	auth         *authenticator
	dicts        dictCache
	loginTimeout time.Duration
	header       http.Header // Config.Header
}

// NewClient validates cfg and returns a Client. It never contacts the
// server; call [Client.Login] to check the credentials at start-up.
func NewClient(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		base:   base,
		email:  strings.TrimSpace(cfg.Email),
		apiKey: strings.TrimSpace(cfg.APIKey),
		branch: cfg.BranchID,
		loc:    cfg.Location,
		region: strings.ToUpper(cfg.PhoneRegion),
		now:    cfg.Now,
		header: cfg.Header.Clone(),
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if c.region == "" {
		c.region = DefaultPhoneRegion
	}
	if c.now == nil {
		c.now = time.Now
	}
	if len(cfg.IncomePayTypeIDs) > 0 {
		c.incomeIDs = make(map[int]bool, len(cfg.IncomePayTypeIDs))
		for _, id := range cfg.IncomePayTypeIDs {
			c.incomeIDs[id] = true
		}
	}
	policy := cfg.Retry.policy()
	var rt http.RoundTripper
	if cfg.HTTPClient != nil {
		rt = cfg.HTTPClient.Transport
		if policy.AttemptTimeout == 0 && cfg.HTTPClient.Timeout > 0 {
			policy.AttemptTimeout = cfg.HTTPClient.Timeout
		}
	}
	limiter := cfg.Limiter
	if limiter == nil && !cfg.Unlimited {
		limiter = rate.NewLimiter(DefaultRate, DefaultBurst)
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	c.auth = &authenticator{c: c}
	t, err := transport.New(transport.Config{
		Base:         rt,
		Limiter:      limiter,
		Policy:       policy,
		Classify:     transport.DefaultClassify,
		Auth:         c.auth,
		Logger:       cfg.Logger,
		Redactor:     redact.New(append([]string{c.apiKey}, headerValues(c.header)...)...),
		UserAgent:    ua,
		ValidateJSON: true,
	})
	if err != nil {
		return nil, fmt.Errorf("alfacrm: %w", err)
	}
	c.t = t
	// A login may outlast its first caller (see authenticator); it is
	// bounded by the time all its attempts may take.
	p := t.Policy()
	c.loginTimeout = time.Duration(p.MaxAttempts)*(p.AttemptTimeout+p.MaxWait) + time.Minute
	return c, nil
}

// headerValues returns every value of h, for the redaction point.
func headerValues(h http.Header) []string {
	var out []string
	for _, vs := range h {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// BranchID returns the branch that branch-scoped calls address.
func (c *Client) BranchID() int { return c.branch }

// Location returns the time zone in which CRM dates are interpreted.
func (c *Client) Location() *time.Location { return c.loc }

// call is one API request.
type call struct {
	op         string     // "customer/index": errors and logs
	path       string     // path after /v2api/
	query      url.Values // never secrets: ids and paging only
	body       any
	idempotent bool
	noAuth     bool
}

// branchCall returns a call to /v2api/{branch}/{model}/{action}.
func (c *Client) branchCall(model, action string) call {
	return call{
		op:   model + "/" + action,
		path: strconv.Itoa(c.branch) + "/" + model + "/" + action,
	}
}

// do sends cl and returns the buffered response of any status. Errors are
// redacted and name the operation.
func (c *Client) do(ctx context.Context, cl call) (*transport.Response, error) {
	u := *c.base
	u.Path = c.base.Path + "/v2api/" + cl.path
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	body := []byte("{}")
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, c.t.Err(fmt.Errorf("alfacrm: %s: encoding request: %w", cl.op, err))
		}
	}
	h := c.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	resp, err := c.t.Do(ctx, transport.Request{
		Method:     http.MethodPost,
		URL:        &u,
		Header:     h,
		Body:       body,
		Idempotent: cl.idempotent,
		NoAuth:     cl.noAuth,
		Op:         cl.op,
	})
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return nil, err // a login failure: already named and redacted
		}
		return nil, c.t.Err(fmt.Errorf("alfacrm: %s: %w", cl.op, err))
	}
	return resp, nil
}

// errBody is every error shape AlfaCRM (a Yii2 application) is known or
// expected to send: {"name","message","code","status"} and
// {"success": false, "errors": [...]}.
type errBody struct {
	Name    flexString      `json:"name"`
	Message flexString      `json:"message"`
	Code    flexInt         `json:"code"`
	Status  flexInt         `json:"status"`
	Success *flexBool       `json:"success"`
	Errors  json.RawMessage `json:"errors"`
}

// maxMessage bounds server messages copied into errors.
const maxMessage = 300

// snippetLen bounds body excerpts in errors.
const snippetLen = 160

// responseError turns an unusable response into an *Error. It is called
// for non-2xx statuses, and for 2xx bodies that report a failure.
func (c *Client) responseError(op string, resp *transport.Response) *Error {
	e := &Error{Op: op, HTTPStatus: resp.StatusCode}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		if resp.StatusCode/100 == 2 {
			e.invalid = true
			e.Message = "empty body"
		}
		return e
	}
	switch body[0] {
	case '{':
		var eb errBody
		if err := json.Unmarshal(body, &eb); err != nil {
			c.markInvalid(e, resp)
			return e
		}
		c.fillError(e, &eb)
	case '[': // Yii2 422: [{"field": "...", "message": "..."}]
		var raw json.RawMessage = body
		e.Validation = c.validation(raw)
		if len(e.Validation) == 0 && resp.StatusCode/100 == 2 {
			e.invalid = true
		}
	default:
		c.markInvalid(e, resp)
	}
	return e
}

func (c *Client) fillError(e *Error, eb *errBody) {
	red := c.t.Redactor()
	e.Name = red.String(bound(string(eb.Name), 80))
	e.Message = red.String(bound(string(eb.Message), maxMessage))
	e.Code = int(eb.Code)
	e.Status = int(eb.Status)
	e.Validation = c.validation(eb.Errors)
	if len(e.Validation) == 0 && eb.Success != nil && !bool(*eb.Success) && e.Message == "" {
		e.Validation = []string{"the server reported success=false without messages"}
	}
}

// markInvalid describes a body that is not valid JSON. A snippet is kept
// only when the body does not look like JSON (an HTML page from a proxy):
// a truncated JSON body would otherwise leak personal data into the error.
func (c *Client) markInvalid(e *Error, resp *transport.Response) {
	e.invalid = true
	body := bytes.TrimSpace(resp.Body)
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	if len(body) > 0 && (body[0] == '{' || body[0] == '[') {
		e.Message = fmt.Sprintf("malformed or truncated JSON (%s, %d bytes)", ct, len(resp.Body))
		return
	}
	e.Message = fmt.Sprintf("not JSON (%s, %d bytes)", ct, len(resp.Body))
	e.Snippet = c.t.Snippet(body, snippetLen)
}

// validation flattens an "errors" value: a list of strings, a list of
// {"field","message"} objects, an object of field → message(s), or a string.
func (c *Client) validation(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, null) {
		return nil
	}
	red := c.t.Redactor()
	var out []string
	add := func(field, msg string) {
		msg = trimSpace(msg)
		if msg == "" {
			return
		}
		if field != "" {
			msg = field + ": " + msg
		}
		out = append(out, red.String(bound(msg, maxMessage)))
	}
	var addAny func(field string, v json.RawMessage, depth int)
	addAny = func(field string, v json.RawMessage, depth int) {
		if depth > 3 || len(out) >= 50 {
			return
		}
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			return
		}
		switch v[0] {
		case '[':
			var list []json.RawMessage
			if json.Unmarshal(v, &list) == nil {
				for _, it := range list {
					addAny(field, it, depth+1)
				}
			}
		case '{':
			var fm struct {
				Field   flexString `json:"field"`
				Message flexString `json:"message"`
			}
			if json.Unmarshal(v, &fm) == nil && fm.Message != "" {
				add(string(fm.Field), string(fm.Message))
				return
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(v, &m) == nil {
				for k, mv := range m {
					addAny(k, mv, depth+1)
				}
			}
		default:
			var s flexString
			if s.UnmarshalJSON(v) == nil {
				add(field, string(s))
			}
		}
	}
	addAny("", raw, 0)
	return out
}

// bound cuts s to at most n bytes on a rune boundary.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// invalid returns an ErrInvalidResponse *Error for a 2xx body of an
// unexpected shape; msg must not contain response data.
func invalid(op string, status int, msg string) *Error {
	return &Error{Op: op, HTTPStatus: status, Message: msg, invalid: true}
}

// checkJSON classifies a response that should carry a JSON object or array:
// it returns an *Error for non-2xx statuses, for bodies that are not JSON and
// for 2xx bodies that report a failure ({"success": false} or a Yii2 error
// object with an error status).
func (c *Client) checkJSON(op string, resp *transport.Response) error {
	if resp.StatusCode/100 != 2 {
		return c.responseError(op, resp)
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 || (body[0] != '{' && body[0] != '[' && body[0] != '"') || !json.Valid(body) {
		e := &Error{Op: op, HTTPStatus: resp.StatusCode}
		if len(body) == 0 {
			e.invalid, e.Message = true, "empty body"
		} else {
			c.markInvalid(e, resp)
		}
		return e
	}
	if body[0] != '{' {
		return nil
	}
	var eb errBody
	if err := json.Unmarshal(body, &eb); err != nil {
		return nil // fields of unexpected types: not an error envelope
	}
	failed := eb.Success != nil && !bool(*eb.Success)
	yiiErr := int(eb.Status) >= 400 && eb.Name != "" && eb.Message != ""
	if !failed && !yiiErr {
		return nil
	}
	e := &Error{Op: op, HTTPStatus: resp.StatusCode}
	c.fillError(e, &eb)
	return e
}
