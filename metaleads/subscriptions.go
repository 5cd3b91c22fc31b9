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
	AppID            string   `json:"id"`                         // the app's id
	Name             string   `json:"name,omitzero"`              // the app's name
	SubscribedFields []string `json:"subscribed_fields,omitzero"` // webhook fields, e.g. "leadgen"
}

var subscribedFieldRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

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
	resp, err := c.send(ctx, call{op: "subscriptions.add", method: http.MethodPost, path: pageID + "/subscribed_apps", form: form, write: true})
	if err != nil {
		return err
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
		return err
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
	fetch := func(ctx context.Context, after string, _ int) (Page[Subscription], error) {
		q := url.Values{"fields": {"id,name,subscribed_fields"}}
		page, err := edgePage(ctx, c, "subscriptions.list", pageID+"/subscribed_apps", q, after, 0, decodePage[wireSubscription])
		if err != nil {
			return Page[Subscription]{}, err
		}
		out := Page[Subscription]{Items: make([]Subscription, len(page.Items)), After: page.After}
		for i, w := range page.Items {
			out.Items[i] = Subscription{AppID: string(w.ID), Name: string(w.Name)}
			if len(w.Fields) > 0 {
				out.Items[i].SubscribedFields = []string(w.Fields)
			}
		}
		return out, nil
	}
	p := newPager("subscriptions.list", fetch, "", 0, c.logDebug)
	out := []Subscription{}
	for range maxSubscriptionPages {
		page, err := p.Next(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if p.Done() {
			return out, nil
		}
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
