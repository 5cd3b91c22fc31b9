package metaleadstest

import (
	"crypto/subtle"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Token lifetimes the fake reports.
const (
	longLivedUserTTL = 60 * 24 * time.Hour
	dataAccessTTL    = 90 * 24 * time.Hour
	exchangeExpires  = 5183944 // seconds, as in Meta's sample
)

// oauthAccessToken serves GET|POST /oauth/access_token for the long-lived
// exchange (grant_type=fb_exchange_token) and app tokens
// (grant_type=client_credentials).
func (s *Server) oauthAccessToken(c *call) (any, *graphErr) {
	if c.params.Get("client_id") != s.AppID {
		return nil, &graphErr{Message: "Error validating application. Invalid application ID.", Type: "OAuthException", Code: 101}
	}
	if subtle.ConstantTimeCompare([]byte(c.params.Get("client_secret")), []byte(s.AppSecret)) != 1 {
		return nil, &graphErr{Message: "Error validating client secret.", Type: "OAuthException", Code: 1}
	}
	switch c.params.Get("grant_type") {
	case "fb_exchange_token":
		old := c.params.Get("fb_exchange_token")
		s.mu.Lock()
		defer s.mu.Unlock()
		ti, ok := s.st.tokens[old]
		if !ok || ti.kind != userToken {
			return nil, errBadToken()
		}
		if ti.expired {
			return nil, errExpiredToken(s.now())
		}
		s.exchanges++
		tok := "fake-long-lived-user-token-" + strconv.Itoa(s.exchanges) + "-" + randomSuffix()
		s.st.addToken(tok, tokenInfo{kind: userToken, issued: s.now()})
		return node{"access_token": tok, "token_type": "bearer", "expires_in": exchangeExpires}, nil
	case "client_credentials":
		s.mu.Lock()
		s.st.addToken(s.AppToken, tokenInfo{kind: appToken, issued: s.now()})
		s.mu.Unlock()
		return node{"access_token": s.AppToken, "token_type": "bearer"}, nil
	case "":
		return nil, errParam("Missing grant_type parameter")
	default:
		return nil, errParam("Unsupported grant_type %q (the fake knows fb_exchange_token and client_credentials)", c.params.Get("grant_type"))
	}
}

// debugToken serves GET /debug_token?input_token=… (data wrapped in "data").
func (s *Server) debugToken(c *call) (any, *graphErr) {
	input := c.params.Get("input_token")
	if input == "" {
		return nil, errParam("The parameter input_token is required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ti, ok := s.st.tokens[input]
	if !ok {
		return node{"data": node{
			"error":    node{"code": 190, "message": "Invalid OAuth access token."},
			"is_valid": false,
			"scopes":   []string{},
		}}, nil
	}
	now := s.now()
	d := node{
		"app_id":                 s.AppID,
		"application":            "Fake Lead Sync App",
		"is_valid":               !ti.expired,
		"issued_at":              ti.issued.Unix(),
		"data_access_expires_at": ti.issued.Add(dataAccessTTL).Unix(),
		"scopes":                 slices.Clone(s.cfg.scopes),
	}
	switch ti.kind {
	case userToken:
		d["type"] = "USER"
		d["user_id"] = fakeUserID
		d["expires_at"] = ti.issued.Add(longLivedUserTTL).Unix()
	case pageToken:
		d["type"] = "PAGE"
		d["user_id"] = fakeUserID
		d["profile_id"] = ti.pageID
		d["expires_at"] = 0
	case appToken:
		d["type"] = "APP"
		d["expires_at"] = 0
		delete(d, "data_access_expires_at")
		d["scopes"] = []string{}
	}
	if ti.kind != appToken {
		d["granular_scopes"] = s.granularScopes(ti)
	}
	if ti.expired {
		d["expires_at"] = now.Add(-time.Hour).Unix()
		d["error"] = node{"code": 190, "subcode": 463, "message": "Error validating access token: Session has expired."}
	}
	return node{"data": d}, nil
}

// granularScopes lists the Page- and account-scoped grants. The caller holds
// s.mu.RLock.
func (s *Server) granularScopes(ti tokenInfo) []node {
	pages := slices.Clone(s.st.pageOrder)
	if ti.kind == pageToken {
		pages = []string{ti.pageID}
	}
	accts := make([]string, len(s.st.acctOrder))
	for i, a := range s.st.acctOrder {
		accts[i] = strings.TrimPrefix(a, "act_")
	}
	var out []node
	for _, sc := range s.cfg.scopes {
		switch {
		case strings.HasPrefix(sc, "pages_") || sc == "leads_retrieval":
			out = append(out, node{"scope": sc, "target_ids": pages})
		case strings.HasPrefix(sc, "ads_"):
			out = append(out, node{"scope": sc, "target_ids": accts})
		}
	}
	return out
}

// IssueUserToken registers and returns a new valid User token (e.g. a second
// person); it sees every Page like UserToken.
func (s *Server) IssueUserToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges++
	tok := "fake-user-token-" + strconv.Itoa(s.exchanges) + "-" + randomSuffix()
	s.st.addToken(tok, tokenInfo{kind: userToken, issued: s.now()})
	return tok
}
