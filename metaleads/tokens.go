package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"time"
)

// SeedPermissions are the permissions leadkit needs from the token that
// reads leads: leads themselves, the Page's forms and ads, and insights for
// ROI. CheckPermissions checks these.
var SeedPermissions = []string{"leads_retrieval", "pages_manage_ads", "pages_show_list", "ads_read", "read_insights"}

// LeadPermissions are the further permissions Meta's lead retrieval guide
// lists for reading all lead and ad-level data (ads_management,
// pages_read_engagement) and for leadgen webhooks (pages_manage_metadata).
// Check them with TokenInfo.Missing(LeadPermissions...).
var LeadPermissions = []string{"pages_read_engagement", "ads_management", "pages_manage_metadata"}

// Account is a Page the token's user can act on, an item of /me/accounts.
type Account struct {
	ID          string   // the Page id
	Name        string   // the Page name
	AccessToken string   // the Page token; registered with the SDK's redaction
	Category    string   // the Page category, e.g. "Education"
	Tasks       []string // the user's tasks on the Page, e.g. "ADVERTISE", "MANAGE"
}

// UnmarshalJSON implements [json.Unmarshaler] for Account, accepting ids as
// strings or numbers.
func (a *Account) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          wireString  `json:"id"`
		Name        wireString  `json:"name"`
		AccessToken wireString  `json:"access_token"`
		Category    wireString  `json:"category"`
		Tasks       wireStrings `json:"tasks"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Account{ID: string(w.ID), Name: string(w.Name), AccessToken: string(w.AccessToken),
		Category: string(w.Category), Tasks: []string(w.Tasks)}
	return nil
}

// AccountsOptions shapes a listing of /me/accounts.
type AccountsOptions struct {
	// PageSize is Graph's limit per page; 0 means Graph's default.
	PageSize int
	// After resumes from a cursor returned in Page.After.
	After string
}

const accountFields = "id,name,access_token,category,tasks"

// AccountsPage fetches one page of the Pages the token's user can act on
// (GET /me/accounts, needs pages_show_list), with their Page tokens.
func (c *Client) AccountsPage(ctx context.Context, opts AccountsOptions) (Page[Account], error) {
	p, err := c.accountsPage(ctx, opts.After, opts.PageSize)
	return p, c.err(err)
}

func (c *Client) accountsPage(ctx context.Context, after string, limit int) (Page[Account], error) {
	if limit < 0 {
		return Page[Account]{}, fmt.Errorf("metaleads: negative PageSize %d", limit)
	}
	page, err := edgePage(ctx, c, "accounts.page", "me/accounts", url.Values{"fields": {accountFields}}, after, limit, decodePage[Account])
	if err != nil {
		return Page[Account]{}, err
	}
	for _, a := range page.Items {
		c.s.red.Add(a.AccessToken)
	}
	return page, nil
}

// AccountsPager returns a Pager over /me/accounts.
func (c *Client) AccountsPager(opts AccountsOptions) *Pager[Account] {
	var err error
	if opts.PageSize < 0 {
		err = fmt.Errorf("metaleads: negative PageSize %d", opts.PageSize)
	}
	return clientPager(c, "accounts.page", err, opts.After, opts.PageSize, c.accountsPage)
}

// Accounts iterates over the Pages the token's user can act on; see
// Pager.All for the iteration contract.
func (c *Client) Accounts(ctx context.Context) iter.Seq2[Account, error] {
	return lazySeq(ctx, func() *Pager[Account] { return c.AccountsPager(AccountsOptions{}) })
}

// PageToken returns the Page access token of pageID (GET
// /{page-id}?fields=access_token), for a client whose token is a User token
// of someone with a task on the Page. A Page token obtained with a long-lived
// User token does not expire on a timer. Use WithToken to get a client that
// uses it. The token is registered with the SDK's redaction.
func (c *Client) PageToken(ctx context.Context, pageID string) (string, error) {
	tok, err := c.pageToken(ctx, pageID)
	return tok, c.err(err)
}

func (c *Client) pageToken(ctx context.Context, pageID string) (string, error) {
	if err := checkID("page", pageID); err != nil {
		return "", err
	}
	var out struct {
		AccessToken wireString `json:"access_token"`
	}
	if err := c.getJSON(ctx, call{op: "page.token", method: "GET", path: pageID, query: url.Values{"fields": {"access_token"}}}, &out); err != nil {
		return "", err
	}
	if out.AccessToken == "" {
		return "", fmt.Errorf("%w: Graph returned no access_token for page %s: the token's user needs a task on the Page (and pages_show_list), and the token must be a User token", ErrPermission, pageID)
	}
	c.s.red.Add(string(out.AccessToken))
	return string(out.AccessToken), nil
}

// Token is an access token returned by a token exchange.
type Token struct {
	AccessToken string        // the new token; registered with the SDK's redaction
	TokenType   string        // "bearer"
	ExpiresIn   time.Duration // 0 when Graph did not say
	Expiry      time.Time     // when it expires; zero when unknown
}

// ExchangeLongLived exchanges a short-lived User token for a long-lived one
// (about 60 days) at GET|POST /oauth/access_token with
// grant_type=fb_exchange_token. The request is a POST with a form body so
// that client_secret and fb_exchange_token never appear in a URL; it carries
// neither this client's token nor an appsecret_proof. All three secrets are
// registered with the SDK's redaction.
func (c *Client) ExchangeLongLived(ctx context.Context, appID, appSecret, shortToken string) (Token, error) {
	t, err := c.exchangeLongLived(ctx, appID, appSecret, shortToken)
	return t, c.err(err)
}

func (c *Client) exchangeLongLived(ctx context.Context, appID, appSecret, shortToken string) (Token, error) {
	if err := checkID("app", appID); err != nil {
		return Token{}, err
	}
	if appSecret == "" {
		return Token{}, errors.New("metaleads: empty app secret")
	}
	if err := checkToken(shortToken); err != nil {
		return Token{}, err
	}
	c.s.red.Add(appSecret, shortToken)
	form := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {appID},
		"client_secret":     {appSecret},
		"fb_exchange_token": {shortToken},
	}
	var out struct {
		AccessToken wireString `json:"access_token"`
		TokenType   wireString `json:"token_type"`
		ExpiresIn   wireInt    `json:"expires_in"`
	}
	// The exchange has no side effect beyond issuing a token, so it is
	// retried like a read.
	resp, err := c.send(ctx, call{op: "token.exchange", method: "POST", path: "oauth/access_token", form: form, auth: authNone})
	if err != nil {
		return Token{}, err
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return Token{}, c.invalidResponse(resp, err)
	}
	if out.AccessToken == "" {
		return Token{}, c.invalidResponse(resp, errors.New("no access_token in the response"))
	}
	c.s.red.Add(string(out.AccessToken))
	t := Token{AccessToken: string(out.AccessToken), TokenType: string(out.TokenType)}
	if out.ExpiresIn > 0 && out.ExpiresIn < 10*365*24*3600 {
		t.ExpiresIn = time.Duration(out.ExpiresIn) * time.Second
		t.Expiry = time.Now().Add(t.ExpiresIn)
	}
	return t, nil
}

// GranularScope is a permission limited to some objects (Page ids for the
// pages_* permissions); empty TargetIDs means all.
type GranularScope struct {
	Scope     string   // the permission, e.g. "leads_retrieval"
	TargetIDs []string // the objects it is limited to; empty means all
}

// TokenInfo is what /debug_token says about a token.
type TokenInfo struct {
	AppID               string          // the app the token belongs to
	Type                string          // "USER", "PAGE", "APP", "SYSTEM_USER"
	Application         string          // app name
	ExpiresAt           time.Time       // when the token expires; zero when it never does or Graph did not say
	NeverExpires        bool            // expires_at was 0
	DataAccessExpiresAt time.Time       // when the data access granted by the user expires; zero if unknown
	IsValid             bool            // whether Graph accepts the token now
	IssuedAt            time.Time       // when the token was issued; zero if unknown
	Scopes              []string        // the permissions granted
	GranularScopes      []GranularScope // permissions limited to some objects
	UserID              string          // the user the token acts for
	ProfileID           string          // the Page id, for Page tokens
	Error               *Error          // why the token is invalid, when Graph says
}

// Missing returns the permissions among perms (SeedPermissions when none are
// given) that are not in Scopes, in the order given.
func (t TokenInfo) Missing(perms ...string) []string {
	if len(perms) == 0 {
		perms = SeedPermissions
	}
	var out []string
	for _, p := range perms {
		if !slices.Contains(t.Scopes, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// DebugToken inspects inputToken with GET /debug_token, authorised by this
// client's token (an app token "app-id|app-secret", a token of the same app,
// or inputToken itself). Graph takes input_token only as a query parameter;
// it is registered with the SDK's redaction, so it never appears in errors
// or logs.
func (c *Client) DebugToken(ctx context.Context, inputToken string) (TokenInfo, error) {
	info, err := c.debugToken(ctx, inputToken)
	return info, c.err(err)
}

func (c *Client) debugToken(ctx context.Context, inputToken string) (TokenInfo, error) {
	if err := checkToken(inputToken); err != nil {
		return TokenInfo{}, err
	}
	c.s.red.Add(inputToken)
	var out struct {
		Data *struct {
			AppID               wireString  `json:"app_id"`
			Type                wireString  `json:"type"`
			Application         wireString  `json:"application"`
			ExpiresAt           *wireInt    `json:"expires_at"`
			DataAccessExpiresAt wireInt     `json:"data_access_expires_at"`
			IsValid             wireBool    `json:"is_valid"`
			IssuedAt            wireInt     `json:"issued_at"`
			Scopes              wireStrings `json:"scopes"`
			GranularScopes      []struct {
				Scope     wireString  `json:"scope"`
				TargetIDs wireStrings `json:"target_ids"`
			} `json:"granular_scopes"`
			UserID    wireString      `json:"user_id"`
			ProfileID wireString      `json:"profile_id"`
			Error     json.RawMessage `json:"error"`
		} `json:"data"`
	}
	resp, err := c.send(ctx, call{op: "token.debug", method: "GET", path: "debug_token", query: url.Values{"input_token": {inputToken}}})
	if err != nil {
		return TokenInfo{}, err
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return TokenInfo{}, c.invalidResponse(resp, err)
	}
	d := out.Data
	if d == nil {
		return TokenInfo{}, c.invalidResponse(resp, errors.New(`no "data" object in the response`))
	}
	unix := func(n wireInt) time.Time {
		if n <= 0 || n > maxUnix {
			return time.Time{}
		}
		return time.Unix(int64(n), 0).UTC()
	}
	info := TokenInfo{
		AppID:               string(d.AppID),
		Type:                string(d.Type),
		Application:         string(d.Application),
		DataAccessExpiresAt: unix(d.DataAccessExpiresAt),
		IsValid:             bool(d.IsValid),
		IssuedAt:            unix(d.IssuedAt),
		Scopes:              []string(d.Scopes),
		UserID:              string(d.UserID),
		ProfileID:           string(d.ProfileID),
	}
	if d.ExpiresAt != nil {
		info.ExpiresAt = unix(*d.ExpiresAt)
		info.NeverExpires = *d.ExpiresAt == 0
	}
	for _, g := range d.GranularScopes {
		info.GranularScopes = append(info.GranularScopes, GranularScope{Scope: string(g.Scope), TargetIDs: []string(g.TargetIDs)})
	}
	if len(d.Error) > 0 && string(d.Error) != "null" {
		if ge, ok := parseGraphError([]byte(`{"error":` + string(d.Error) + `}`)); ok {
			red := c.s.red
			info.Error = graphToError(ge, 0, func(s string) string { return red.String(truncate(s, maxErrorText)) })
			info.Error.Hint = hint("token.debug", info.Error)
		}
	}
	return info, nil
}

// CheckPermissions inspects the client's own token with DebugToken and
// returns the SeedPermissions it lacks. An invalid token is an error that
// matches ErrUnauthorized (and, when Graph said why, wraps its *Error).
func (c *Client) CheckPermissions(ctx context.Context) (missing []string, err error) {
	info, err := c.debugToken(ctx, c.token)
	if err != nil {
		return nil, c.err(err)
	}
	if !info.IsValid {
		if info.Error != nil {
			if info.Error.Is(ErrUnauthorized) {
				return nil, c.err(info.Error)
			}
			return nil, c.err(fmt.Errorf("%w: %w", ErrUnauthorized, info.Error))
		}
		return nil, c.err(fmt.Errorf("%w: debug_token reports the access token as invalid", ErrUnauthorized))
	}
	return info.Missing(SeedPermissions...), nil
}
