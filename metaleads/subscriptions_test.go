package metaleads

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPageID = "102030405060708"

func TestSubscribePageAcceptsBooleanOrStringSuccess(t *testing.T) {
	for _, body := range []string{`{"success":true}`, `{"success":"true"}`} {
		t.Run(body, func(t *testing.T) {
			s, mt := newScript(t, step{status: 200, body: body, check: func(t *testing.T, r recorded) {
				assert.Equal(t, "POST", r.Method)
				assert.Equal(t, "/v26.0/"+testPageID+"/subscribed_apps", r.URL.Path)
				assert.Empty(t, r.URL.RawQuery, "parameters go in the body")
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
				form, err := url.ParseQuery(r.Body)
				require.NoError(t, err)
				assert.Equal(t, url.Values{"subscribed_fields": {"leadgen"}}, form, "default field, no token in the body")
			}})
			c := newTestClient(t, mt)
			require.NoError(t, c.SubscribePage(t.Context(), testPageID))
			assert.Equal(t, 0, s.remaining())
		})
	}
}

func TestSubscribePageFields(t *testing.T) {
	_, mt := newScript(t, step{status: 200, body: `{"success":true}`, check: func(t *testing.T, r recorded) {
		form, _ := url.ParseQuery(r.Body)
		assert.Equal(t, "leadgen,leadgen_update", form.Get("subscribed_fields"))
	}})
	c := newTestClient(t, mt)
	require.NoError(t, c.SubscribePage(t.Context(), testPageID, "leadgen", " leadgen_update", "leadgen"))

	s, mt := newScript(t)
	c = newTestClient(t, mt)
	for _, bad := range [][]string{{""}, {"leadgen,feed"}, {"lead gen"}, {"leadgen&x=1"}} {
		assert.Error(t, c.SubscribePage(t.Context(), testPageID, bad...), bad)
	}
	assert.Error(t, c.SubscribePage(t.Context(), "../me"))
	assert.Empty(t, s.requests(), "invalid input sends nothing")
}

func TestSubscribePageUnconfirmed(t *testing.T) {
	cases := map[string]struct {
		body    string
		invalid bool
	}{
		"false":        {`{"success":false}`, false},
		"string false": {`{"success":"false"}`, false},
		"missing":      {`{}`, true},
		"object":       {`{"success":{}}`, true},
		"not json":     {`<html>ok</html>`, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, mt := newScript(t, ok(tc.body))
			c := newTestClient(t, mt)
			err := c.SubscribePage(t.Context(), testPageID)
			require.Error(t, err)
			assert.Equal(t, tc.invalid, isInvalid(err), err.Error())
		})
	}
}

func isInvalid(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Is(ErrInvalidResponse)
}

// Subscribing has side effects: a 5xx is not retried, while the idempotent
// DELETE is.
func TestSubscriptionRetries(t *testing.T) {
	s, mt := newScript(t, graphErr(500, 2, 0, "Service temporarily unavailable"), ok(`{"success":true}`))
	c := newTestClient(t, mt)
	require.Error(t, c.SubscribePage(t.Context(), testPageID))
	assert.Len(t, s.requests(), 1)

	s, mt = newScript(t, graphErr(500, 2, 0, "Service temporarily unavailable"), step{status: 200, body: `{"success":"true"}`, check: func(t *testing.T, r recorded) {
		assert.Equal(t, "DELETE", r.Method)
		assert.Equal(t, "/v26.0/"+testPageID+"/subscribed_apps", r.URL.Path)
	}})
	c = newTestClient(t, mt)
	require.NoError(t, c.UnsubscribePage(t.Context(), testPageID))
	assert.Len(t, s.requests(), 2)

	// 429 is retried even for the write: Graph did not act on it.
	s, mt = newScript(t, step{status: 429, body: `{}`}, ok(`{"success":true}`))
	c = newTestClient(t, mt)
	require.NoError(t, c.SubscribePage(t.Context(), testPageID))
	assert.Len(t, s.requests(), 2)
}

func TestUnsubscribePageUnconfirmed(t *testing.T) {
	_, mt := newScript(t, ok(`{"success":false}`))
	c := newTestClient(t, mt)
	assert.Error(t, c.UnsubscribePage(t.Context(), testPageID))
}

func TestPageTokenHint(t *testing.T) {
	_, mt := newScript(t, graphErr(400, 210, 0, "(#210) A page access token is required to request this resource."))
	c := newTestClient(t, mt)
	err := c.SubscribePage(t.Context(), testPageID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 210, e.Code)
	assert.Contains(t, e.Hint, "Page access token")
	assert.Contains(t, err.Error(), "WithToken")

	// The hint is the same for any call, a leads read included (where other
	// 2xx codes get the leads_retrieval hint).
	_, mt = newScript(t, graphErr(400, 210, 0, "(#210) A page access token is required to request this resource."))
	c = newTestClient(t, mt)
	_, err = c.LeadsPage(t.Context(), formID, LeadsOptions{})
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, e.Hint, "Page access token")
	assert.NotContains(t, e.Hint, "leads_retrieval")
}

func TestPageSubscriptions(t *testing.T) {
	s, mt := newScript(t,
		step{status: 200, body: `{"data":[{"id":1098765432101234,"name":"Lead Sync","subscribed_fields":["leadgen","feed"]}],
			"paging":{"cursors":{"after":"P1"},"next":"https://graph.facebook.com/v26.0/x?after=P1"}}`, check: func(t *testing.T, r recorded) {
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/v26.0/"+testPageID+"/subscribed_apps", r.URL.Path)
			assert.Equal(t, "id,name,subscribed_fields", r.URL.Query().Get("fields"))
		}},
		step{status: 200, body: `{"data":[{"id":"2000000000000001","name":"Other","subscribed_fields":"leadgen"},{"id":"3","name":"Bare"}],
			"paging":{"cursors":{"after":"P2"}}}`, check: func(t *testing.T, r recorded) {
			assert.Equal(t, "P1", r.URL.Query().Get("after"))
		}},
	)
	c := newTestClient(t, mt)
	subs, err := c.PageSubscriptions(t.Context(), testPageID)
	require.NoError(t, err)
	assert.Equal(t, []Subscription{
		{AppID: "1098765432101234", Name: "Lead Sync", SubscribedFields: []string{"leadgen", "feed"}},
		{AppID: "2000000000000001", Name: "Other", SubscribedFields: []string{"leadgen"}},
		{AppID: "3", Name: "Bare"},
	}, subs)
	assert.Equal(t, 0, s.remaining())

	_, mt = newScript(t, ok(`{"data":[]}`))
	c = newTestClient(t, mt)
	subs, err = c.PageSubscriptions(t.Context(), testPageID)
	require.NoError(t, err)
	assert.NotNil(t, subs)
	assert.Empty(t, subs)

	_, mt = newScript(t, ok(`{"data":{}}`), ok(`{"data":{}}`), ok(`{"data":{}}`))
	c = newTestClient(t, mt)
	_, err = c.PageSubscriptions(t.Context(), testPageID)
	assert.ErrorIs(t, err, ErrInvalidResponse)

	next := `{"data":[],"paging":{"cursors":{"after":"SAME"},"next":"https://graph.facebook.com/x?after=SAME"}}`
	_, mt = newScript(t, ok(next), ok(next))
	c = newTestClient(t, mt)
	_, err = c.PageSubscriptions(t.Context(), testPageID)
	assert.ErrorIs(t, err, ErrRepeatedCursor)
}
