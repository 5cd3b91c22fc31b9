package metaleads

import (
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageToken(t *testing.T) {
	pageTok := "test-page-access-token-PQR"
	s, mt := newScript(t,
		step{status: 200, body: `{"access_token":"` + pageTok + `","id":"102030405060708"}`, check: func(t *testing.T, r recorded) {
			assert.Equal(t, "/v26.0/102030405060708", r.URL.Path)
			assert.Equal(t, "access_token", r.URL.Query().Get("fields"))
		}},
		ok(`{"id":"102030405060708"}`),
	)
	c := newTestClient(t, mt)
	tok, err := c.PageToken(t.Context(), pageID)
	require.NoError(t, err)
	assert.Equal(t, pageTok, tok)
	assert.Equal(t, "x "+redact.Mask, c.tr.Redactor().String("x "+pageTok), "page token registered for redaction")
	_, err = c.PageToken(t.Context(), pageID)
	assert.ErrorIs(t, err, ErrPermission)
	_, err = c.PageToken(t.Context(), "")
	assert.Error(t, err)
	assert.Len(t, s.requests(), 2)

	pc, err := c.WithToken(tok)
	require.NoError(t, err)
	assert.Equal(t, pageTok, pc.token)
}

func TestAccounts(t *testing.T) {
	s, mt := newScript(t,
		step{status: 200, body: `{"data":[{"id":"102030405060708","name":"Example Motors","access_token":"test-page-token-AAA111","category":"Car dealership","tasks":["ANALYZE","ADVERTISE"]}],"paging":{"cursors":{"after":"A1"},"next":"https://graph.facebook.com/next"}}`,
			check: func(t *testing.T, r recorded) {
				assert.Equal(t, "/v26.0/me/accounts", r.URL.Path)
				assert.Equal(t, "id,name,access_token,category,tasks", r.URL.Query().Get("fields"))
			}},
		step{status: 200, body: `{"data":[{"id":222,"name":"Example Bikes","access_token":"test-page-token-BBB222","tasks":[]}],"paging":{"cursors":{"after":"A2"}}}`,
			check: func(t *testing.T, r recorded) { assert.Equal(t, "A1", r.URL.Query().Get("after")) }},
	)
	c := newTestClient(t, mt)
	var accs []Account
	for a, err := range c.Accounts(t.Context()) {
		require.NoError(t, err)
		accs = append(accs, a)
	}
	require.Len(t, accs, 2)
	assert.Equal(t, Account{ID: "102030405060708", Name: "Example Motors", AccessToken: "test-page-token-AAA111",
		Category: "Car dealership", Tasks: []string{"ANALYZE", "ADVERTISE"}}, accs[0])
	assert.Equal(t, "222", accs[1].ID)
	red := c.tr.Redactor()
	assert.NotContains(t, red.String("test-page-token-AAA111 test-page-token-BBB222"), "test-page-token")
	assert.Len(t, s.requests(), 2)

	_, err := c.AccountsPage(t.Context(), AccountsOptions{PageSize: -1})
	assert.Error(t, err)
}

func TestExchangeLongLived(t *testing.T) {
	const (
		appID      = "1234567890123456"
		appSecret  = "test-exchange-app-secret-777"
		shortToken = "test-short-lived-user-token-888"
		longToken  = "test-long-lived-user-token-999"
	)
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t, step{status: 200, body: `{"access_token":"` + longToken + `","token_type":"bearer","expires_in":5183944}`,
			check: func(t *testing.T, r recorded) {
				assert.Equal(t, "POST", r.Method)
				assert.Equal(t, "/v26.0/oauth/access_token", r.URL.Path)
				for _, secret := range []string{appSecret, shortToken, testToken} {
					assert.NotContains(t, r.URL.String(), secret, "secrets never in the URL")
				}
				assert.Empty(t, r.URL.RawQuery)
				assert.Empty(t, r.Header.Get("Authorization"), "the exchange does not send the client's token")
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				form, err := url.ParseQuery(r.Body)
				require.NoError(t, err)
				assert.Equal(t, url.Values{
					"grant_type": {"fb_exchange_token"}, "client_id": {appID},
					"client_secret": {appSecret}, "fb_exchange_token": {shortToken},
				}, form)
			}})
		c := newTestClient(t, mt, WithAppSecret(testAppSecret))
		tok, err := c.ExchangeLongLived(t.Context(), appID, appSecret, shortToken)
		require.NoError(t, err)
		assert.Equal(t, Token{AccessToken: longToken, TokenType: "bearer", ExpiresIn: 5183944 * time.Second,
			Expiry: time.Now().Add(5183944 * time.Second)}, tok)
		assert.Len(t, s.requests(), 1)
		red := c.tr.Redactor()
		for _, secret := range []string{appSecret, shortToken, longToken} {
			assert.NotContains(t, red.String("x "+secret), secret)
		}
	})

	// expires_in may be absent.
	_, mt := newScript(t, ok(`{"access_token":"`+longToken+`","token_type":"bearer"}`))
	c := newTestClient(t, mt)
	tok, err := c.ExchangeLongLived(t.Context(), appID, appSecret, shortToken)
	require.NoError(t, err)
	assert.Zero(t, tok.ExpiresIn)
	assert.True(t, tok.Expiry.IsZero())

	// Graph echoing the secrets in an error does not leak them.
	echo := `{"error":{"message":"Error validating client secret ` + appSecret + ` for token ` + shortToken + `","type":"OAuthException","code":1,"error_subcode":0}}`
	_, mt = newScript(t, step{status: 400, body: strings.Replace(echo, `"code":1`, `"code":101`, 1)})
	c = newTestClient(t, mt)
	_, err = c.ExchangeLongLived(t.Context(), appID, appSecret, shortToken)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), appSecret)
	assert.NotContains(t, err.Error(), shortToken)
	var ge *Error
	require.ErrorAs(t, err, &ge)
	assert.NotContains(t, ge.Message, appSecret)

	// Bad input fails before any request.
	s, mt := newScript(t)
	c = newTestClient(t, mt)
	for _, args := range [][3]string{{"", appSecret, shortToken}, {appID, "", shortToken}, {appID, appSecret, ""}, {"1/2", appSecret, shortToken}} {
		_, err := c.ExchangeLongLived(t.Context(), args[0], args[1], args[2])
		assert.Error(t, err)
	}
	assert.Empty(t, s.requests())

	// A response without a token is invalid.
	_, mt = newScript(t, ok(`{"token_type":"bearer"}`))
	c = newTestClient(t, mt)
	_, err = c.ExchangeLongLived(t.Context(), appID, appSecret, shortToken)
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

// The reference's debug_token example (§4.4).
const debugTokenBody = `{
  "data": {
    "app_id": "1234567890123456",
    "type": "PAGE",
    "application": "Example Lead Sync",
    "data_access_expires_at": 1775000000,
    "expires_at": 0,
    "is_valid": true,
    "profile_id": "102030405060708",
    "scopes": ["ads_management", "leads_retrieval", "pages_show_list", "pages_read_engagement", "pages_manage_ads", "pages_manage_metadata"],
    "granular_scopes": [
      { "scope": "pages_show_list", "target_ids": ["102030405060708"] },
      { "scope": "leads_retrieval", "target_ids": ["102030405060708"] }
    ],
    "user_id": "10009999999999999"
  }
}`

func TestDebugToken(t *testing.T) {
	inspected := "test-inspected-token-INS"
	s, mt := newScript(t, step{status: 200, body: debugTokenBody, check: func(t *testing.T, r recorded) {
		assert.Equal(t, "/v26.0/debug_token", r.URL.Path)
		assert.Equal(t, inspected, r.URL.Query().Get("input_token"), "Graph takes input_token only in the query")
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	}})
	c := newTestClient(t, mt)
	info, err := c.DebugToken(t.Context(), inspected)
	require.NoError(t, err)
	assert.Equal(t, TokenInfo{
		AppID: "1234567890123456", Type: "PAGE", Application: "Example Lead Sync",
		NeverExpires: true, DataAccessExpiresAt: time.Unix(1775000000, 0).UTC(), IsValid: true,
		Scopes: []string{"ads_management", "leads_retrieval", "pages_show_list", "pages_read_engagement", "pages_manage_ads", "pages_manage_metadata"},
		GranularScopes: []GranularScope{
			{"pages_show_list", []string{"102030405060708"}},
			{"leads_retrieval", []string{"102030405060708"}},
		},
		UserID: "10009999999999999", ProfileID: "102030405060708",
	}, info)
	assert.Equal(t, []string{"ads_read", "read_insights"}, info.Missing())
	assert.Equal(t, []string{"ads_read", "read_insights"}, info.Missing(SeedPermissions...))
	assert.Empty(t, info.Missing(LeadPermissions...))
	assert.Equal(t, []string{"x"}, info.Missing("leads_retrieval", "x", "x"))
	assert.Len(t, s.requests(), 1)
	assert.NotContains(t, c.tr.Redactor().String(inspected), inspected, "input token registered")
}

func TestCheckPermissions(t *testing.T) {
	_, mt := newScript(t,
		step{status: 200, body: debugTokenBody, check: func(t *testing.T, r recorded) {
			assert.Equal(t, testToken, r.URL.Query().Get("input_token"), "inspects its own token")
		}},
		ok(`{"data":{"is_valid":false,"expires_at":1767225600,"error":{"code":190,"subcode":463,"message":"Session has expired"},"scopes":[]}}`),
		ok(`{"data":{"is_valid":false}}`),
		ok(`{"nodata":true}`),
	)
	c := newTestClient(t, mt)
	missing, err := c.CheckPermissions(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"ads_read", "read_insights"}, missing)

	_, err = c.CheckPermissions(t.Context())
	require.ErrorIs(t, err, ErrUnauthorized)
	var ge *Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 190, ge.Code)
	assert.Equal(t, 463, ge.Subcode)
	assert.Contains(t, ge.Hint, "expired")
	assert.Contains(t, err.Error(), "Session has expired")

	_, err = c.CheckPermissions(t.Context())
	require.ErrorIs(t, err, ErrUnauthorized)

	_, err = c.CheckPermissions(t.Context())
	require.ErrorIs(t, err, ErrInvalidResponse)
}
