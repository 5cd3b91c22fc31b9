package alfacrm

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
)

// authenticator implements transport.Authenticator with AlfaCRM's token
// lifecycle:
//
//   - the first call logs in (POST /v2api/auth/login) and caches the token;
//   - a token older than TokenRefreshAfter (by Config.Now) is replaced
//     before use, since tokens live 15 minutes;
//   - a call refused with 401 or 403 invalidates the token it carried, if it
//     is still the current one (its generation), and the transport replays
//     the call once with a fresh token;
//   - however many goroutines need a token at the same time, one login runs
//     and all of them wait for it (single flight). A late invalidation of an
//     older generation is ignored, so a burst of refusals causes one login.
//
// The login runs detached from the context of the caller that started it
// (bounded by its own timeout), so one caller giving up does not fail the
// others; every waiter still returns when its own context ends.
type authenticator struct {
	c *Client

	mu     sync.Mutex
	token  string
	gen    uint64 // generation of token; increases with every login
	at     time.Time
	flight *loginFlight
}

type loginFlight struct {
	done chan struct{}
	err  error
}

var _ transport.Authenticator = (*authenticator)(nil)

// Authorize sets the token header, logging in first when needed.
func (a *authenticator) Authorize(ctx context.Context, req *http.Request) (uint64, error) {
	tok, gen, err := a.current(ctx)
	if err != nil {
		return 0, err
	}
	req.Header.Set(tokenHeader, tok)
	return gen, nil
}

// Rejected reports a refused token. AlfaCRM documents 401 for an expired
// token; some installations answer 403, so both trigger one re-login. The
// login call itself never reaches here (it is NoAuth).
//
// A 2xx answer whose body is a Yii2 error object with status 401 or 403
// counts too, in case an installation or a proxy reports the refusal that
// way.
func (a *authenticator) Rejected(resp *transport.Response) bool {
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return true
	}
	return resp.StatusCode/100 == 2 && refusalBody(resp.Body)
}

// refusalBody reports a small Yii2 error object {"name","message","status"}
// whose status is 401 or 403.
func refusalBody(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || len(body) > 2048 || body[0] != '{' || !bytes.Contains(body, []byte(`"status"`)) {
		return false
	}
	var eb struct {
		Name   flexString `json:"name"`
		Status flexInt    `json:"status"`
		Items  any        `json:"items"`
	}
	if json.Unmarshal(body, &eb) != nil || eb.Items != nil || eb.Name == "" {
		return false
	}
	return eb.Status == http.StatusUnauthorized || eb.Status == http.StatusForbidden
}

// Invalidate drops the token of generation gen if it is still current.
func (a *authenticator) Invalidate(gen uint64) {
	a.mu.Lock()
	if gen == a.gen && a.token != "" {
		a.token = ""
	}
	a.mu.Unlock()
}

// fresh reports whether the cached token may still be used. Called with mu
// held.
func (a *authenticator) fresh() bool {
	if a.token == "" {
		return false
	}
	age := a.c.now().Sub(a.at)
	return age < TokenRefreshAfter && age > -TokenRefreshAfter
}

// current returns a usable token and its generation, logging in (once for
// all concurrent callers) when there is none.
func (a *authenticator) current(ctx context.Context) (string, uint64, error) {
	for {
		a.mu.Lock()
		if a.fresh() {
			tok, gen := a.token, a.gen
			a.mu.Unlock()
			return tok, gen, nil
		}
		a.token = ""
		f := a.flight
		if f == nil {
			f = &loginFlight{done: make(chan struct{})}
			a.flight = f
			go a.run(context.WithoutCancel(ctx), f)
		}
		a.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil {
				return "", 0, f.err
			}
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
}

func (a *authenticator) run(ctx context.Context, f *loginFlight) {
	ctx, cancel := context.WithTimeout(ctx, a.c.loginTimeout)
	tok, err := a.c.login(ctx)
	cancel()
	a.mu.Lock()
	if err == nil {
		a.token = tok
		a.gen++
		a.at = a.c.now()
	}
	a.flight = nil
	f.err = err
	a.mu.Unlock()
	close(f.done)
}

// login performs POST /v2api/auth/login and returns the token, which it
// registers with the redaction point first.
func (c *Client) login(ctx context.Context) (string, error) {
	const op = "auth/login"
	resp, err := c.do(ctx, call{
		op:         op,
		path:       "auth/login",
		body:       map[string]string{"email": c.email, "api_key": c.apiKey},
		idempotent: true, // a repeated login is harmless
		noAuth:     true,
	})
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		e := c.responseError(op, resp)
		e.login = true
		return "", e
	}
	if err := c.checkJSON(op, resp); err != nil {
		if e, ok := err.(*Error); ok && (e.Is(ErrUnauthorized) || e.Is(ErrAccessDenied)) {
			e.login = true
		}
		return "", err
	}
	tok, err := parseToken(resp.Body)
	if err != nil {
		return "", invalid(op, resp.StatusCode, err.Error())
	}
	c.t.Redactor().Add(tok)
	return tok, nil
}

// parseToken reads {"token": "..."} or, as some installations reportedly
// send, a bare JSON string.
func parseToken(body []byte) (string, error) {
	body = bytes.TrimSpace(body)
	var tok string
	if len(body) > 0 && body[0] == '"' {
		if err := json.Unmarshal(body, &tok); err != nil {
			return "", errWire("a token")
		}
	} else {
		var v struct {
			Token flexString `json:"token"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", errWire(`{"token": "..."}`)
		}
		tok = string(v.Token)
	}
	tok = trimSpace(tok)
	if tok == "" {
		return "", errWire("a non-empty token in the login response")
	}
	return tok, nil
}

// Login makes sure the client holds a fresh token, logging in now if it
// does not. It is optional (every call logs in when needed) and useful as a
// start-up check of Config.Email and Config.APIKey: a refused login returns
// an error matching ErrUnauthorized.
func (c *Client) Login(ctx context.Context) error {
	_, _, err := c.auth.current(ctx)
	return err
}
