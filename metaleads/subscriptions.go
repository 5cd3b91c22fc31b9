package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/ecademy/leadkit/internal/transport"
)

// DefaultSubscribedFields are the webhook fields SubscribePage subscribes
// when none are given.
var DefaultSubscribedFields = []string{"leadgen"}

// maxSubscriptionPages bounds the pages PageSubscriptions reads (a Page has
// a handful of installed apps).
const maxSubscriptionPages = 100

// Subscription is an app installed on a Page for webhooks, an item of
// GET /{page-id}/subscribed_apps.
type Subscription struct {
	AppID            string   `json:"id"`
	Name             string   `json:"name,omitzero"`
	SubscribedFields []string `json:"subscribed_fields,omitzero"`
}

var subscribedFieldRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// pageTokenHint explains Graph's "(#210) A page access token is required".
const pageTokenHint = "Page subscriptions need a Page access token: get one with Client.PageToken and use Client.WithToken"

// SubscribePage installs the client's app on a Page for webhooks (POST
// /{page-id}/subscribed_apps with subscribed_fields), subscribing the given
// fields, "leadgen" when none are given. The client must use a Page access
// token of that Page (see PageToken and WithToken), from a person with the
// ADVERTISE task; the app's webhook callback for the Page object must be
// configured separately.
//
// Graph's answer {"success": true} is accepted with success as a boolean
// or as the string "true"; anything else is an error. The call has side
// effects, so the transport retries it only when the request provably never
// left or Graph answered 429.
func (c *Client) SubscribePage(ctx context.Context, pageID string, fields ...string) error {
	return c.err(c.subscribePage(ctx, pageID, fields))
}

func (c *Client) subscribePage(ctx context.Context, pageID string, fields []string) error {
	if err := checkID("page", pageID); err != nil {
		return err
	}
	if len(fields) == 0 {
		fields = DefaultSubscribedFields
	}
	var list []string
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if !subscribedFieldRE.MatchString(f) {
			return fmt.Errorf("metaleads: invalid subscribed field %q", truncate(f, 70))
		}
		if !slices.Contains(list, f) {
			list = append(list, f)
		}
	}
	form := url.Values{"subscribed_fields": {strings.Join(list, ",")}}
	resp, err := c.sendWrite(ctx, call{op: "subscriptions.add", method: http.MethodPost, path: pageID + "/subscribed_apps", form: form})
	if err != nil {
		return withPageTokenHint(err)
	}
	return c.checkSuccess(resp, "subscribing page "+pageID)
}

// UnsubscribePage uninstalls the client's app from a Page (DELETE
// /{page-id}/subscribed_apps), ending its webhooks. It needs a Page access
// token, like SubscribePage. Removing is idempotent, so it is retried like a
// read.
func (c *Client) UnsubscribePage(ctx context.Context, pageID string) error {
	return c.err(c.unsubscribePage(ctx, pageID))
}

func (c *Client) unsubscribePage(ctx context.Context, pageID string) error {
	if err := checkID("page", pageID); err != nil {
		return err
	}
	resp, err := c.send(ctx, call{op: "subscriptions.remove", method: http.MethodDelete, path: pageID + "/subscribed_apps"})
	if err != nil {
		return withPageTokenHint(err)
	}
	return c.checkSuccess(resp, "unsubscribing page "+pageID)
}

// PageSubscriptions lists the apps installed on a Page and the webhook
// fields each one is subscribed to (GET /{page-id}/subscribed_apps), every
// page of the listing. It needs a Page access token.
func (c *Client) PageSubscriptions(ctx context.Context, pageID string) ([]Subscription, error) {
	s, err := c.pageSubscriptions(ctx, pageID)
	return s, c.err(err)
}

// wireSubscription is a subscribed_apps item as Graph sends it.
type wireSubscription struct {
	ID     wireString  `json:"id"`
	Name   wireString  `json:"name"`
	Fields wireStrings `json:"subscribed_fields"`
}

func (c *Client) pageSubscriptions(ctx context.Context, pageID string) ([]Subscription, error) {
	if err := checkID("page", pageID); err != nil {
		return nil, err
	}
	var out []Subscription
	seen := map[string]bool{}
	after := ""
	for range maxSubscriptionPages {
		q := url.Values{"fields": {"id,name,subscribed_fields"}}
		if after != "" {
			q.Set("after", after)
		}
		resp, err := c.send(ctx, call{op: "subscriptions.list", method: http.MethodGet, path: pageID + "/subscribed_apps", query: q})
		if err != nil {
			return nil, withPageTokenHint(err)
		}
		page, err := decodePage[wireSubscription](resp.Body)
		if err != nil {
			return nil, c.invalidResponse(resp, err)
		}
		for _, w := range page.Items {
			s := Subscription{AppID: string(w.ID), Name: string(w.Name)}
			if len(w.Fields) > 0 {
				s.SubscribedFields = []string(w.Fields)
			}
			out = append(out, s)
		}
		if page.After == "" {
			if out == nil {
				out = []Subscription{}
			}
			return out, nil
		}
		if seen[page.After] {
			return nil, ErrRepeatedCursor
		}
		seen[page.After] = true
		after = page.After
	}
	return nil, fmt.Errorf("metaleads: more than %d pages of subscribed apps", maxSubscriptionPages)
}

// checkSuccess accepts {"success": true} or {"success": "true"}.
func (c *Client) checkSuccess(resp *transport.Response, what string) error {
	var out struct {
		Success *json.RawMessage `json:"success"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return c.invalidResponse(resp, err)
	}
	if out.Success == nil {
		return c.invalidResponse(resp, errors.New(`no "success" in the response`))
	}
	var ok wireBool
	if err := ok.UnmarshalJSON(*out.Success); err != nil {
		return c.invalidResponse(resp, err)
	}
	if !ok {
		return fmt.Errorf("metaleads: Graph did not confirm %s (success: false)", what)
	}
	return nil
}

// withPageTokenHint gives Graph's "(#210) A page access token is required"
// error a more precise hint than the generic permission one.
func withPageTokenHint(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Code == 210 {
		e.Hint = pageTokenHint
	}
	return err
}

// sendWrite is send for calls with side effects: the transport retries
// them only when the request provably never left this process or Graph
// answered 429, never after it may have reached Graph.
func (c *Client) sendWrite(ctx context.Context, k call) (*transport.Response, error) {
	if err := c.precheck(ctx); err != nil {
		return nil, err
	}
	u := c.s.base.JoinPath(c.s.version, k.path)
	if len(k.query) > 0 {
		u.RawQuery = k.query.Encode()
	}
	req := transport.Request{Method: k.method, URL: u, Op: k.op}
	if k.form != nil {
		req.Body = []byte(k.form.Encode())
		req.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	resp, err := c.tr.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.responseError(k.op, resp)
	}
	return resp, nil
}
