package metaleadstest

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/fakeio"
)

// maxBodyBytes caps request bodies.
const maxBodyBytes = 8 << 20

// response is a complete answer of the fake, before the common headers.
type response struct {
	status int
	header http.Header
	body   []byte
}

// useCase is the rate-limit bucket a call counts against.
type useCase string

const (
	ucPages   useCase = "pages"
	ucLeadgen useCase = "leadgen"
	ucInsight useCase = "ads_insights"
	ucAdsMgmt useCase = "ads_management"
)

// call is one Graph call: an HTTP request or a batch item.
type call struct {
	method  string
	version string   // version served (requested or default)
	path    string   // path without the version prefix, starting with "/"
	segs    []string // path segments
	params  url.Values
	header  http.Header
	token   string
	tok     tokenInfo
	inBatch bool
	uc      useCase

	leadPage, emptyPage bool // set when a lead page was served
}

// countPage counts a lead page that reached the client intact.
func (s *Server) countPage(c *call) {
	if c.leadPage {
		s.stats.leadPages.Add(1)
		if c.emptyPage {
			s.stats.emptyLeadPages.Add(1)
		}
	}
}

func (s *Server) traceID() string {
	n := s.stats.trace.Add(1)
	return fmt.Sprintf("FakeTrace%011d", n)
}

// ServeHTTP implements http.Handler, so the fake can also be mounted in
// another server (for example under a path prefix with http.StripPrefix).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.stats.requests.Add(1)
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	form, perr := parseParams(r)
	s.record(r, form)
	trace := s.traceID()
	ctx := r.Context()
	if s.cfg.latency > 0 && !sleepCtx(ctx, s.cfg.latency) {
		return
	}
	f := s.faults.pick(r.URL.Path, true)
	if f != nil {
		s.stats.faults.Add(1)
		if f.Delay > 0 && !sleepCtx(ctx, f.Delay) {
			return
		}
		if f.Reset {
			fakeio.Reset(w)
			return
		}
	}
	version, path, segs := splitPath(r.URL.Path, s.APIVersion)
	uc := guessUseCase(segs)
	var resp response
	handled := false
	if f != nil {
		resp, handled = s.faultResponse(f, trace)
	}
	if !handled {
		if perr != nil {
			resp = errParam("Could not parse the request: %s", s.red.String(perr.Error())).response(trace)
		} else {
			c := &call{method: r.Method, version: version, path: path, segs: segs, params: r.Form, header: r.Header}
			resp = s.serve(c, trace)
			uc = c.uc
			if f == nil || !f.Truncate {
				s.countPage(c)
			}
		}
	}
	s.addUsage(uc)
	h := w.Header()
	s.setCommonHeaders(h, version, trace, uc)
	for k, v := range resp.header {
		h[k] = v
	}
	if f != nil {
		for k, v := range f.Headers {
			h.Set(k, s.expand(v))
		}
	}
	body := resp.body
	if f != nil && f.Truncate {
		cut := body[:len(body)/2]
		if f.OverstateLength {
			writeOverstated(w, resp.status, h, cut, len(body))
			return
		}
		body = cut
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}

// parseParams fills r.Form with the query and body parameters and returns
// the body's own parameters (nil for none). Bodies may be urlencoded,
// multipart (PHP SDK uploads) or a JSON object (Node SDK), whose non-string
// values are kept as JSON text, as Graph reads complex parameters.
func parseParams(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json" && r.Method != http.MethodGet:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		var obj map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("JSON body: %w", err)
		}
		body := url.Values{}
		for k, v := range obj {
			switch x := v.(type) {
			case string:
				body.Set(k, x)
			case json.Number:
				body.Set(k, x.String())
			default:
				b, _ := json.Marshal(x)
				body.Set(k, string(b))
			}
			r.Form[k] = append(r.Form[k], body[k]...)
		}
		return body, nil
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
			return nil, err
		}
		body := url.Values{}
		for k, v := range r.MultipartForm.Value {
			body[k] = v
		}
		return body, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	if r.Method != http.MethodGet && len(r.PostForm) > 0 {
		return r.PostForm, nil
	}
	return nil, nil
}

func (s *Server) expand(v string) string {
	v = strings.ReplaceAll(v, "{page_id}", s.PageID)
	return strings.ReplaceAll(v, "{ad_account_id}", strings.TrimPrefix(s.AdAccountID, "act_"))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeOverstated sends a response whose Content-Length promises full bytes
// but delivers only body, then closes the connection.
func writeOverstated(w http.ResponseWriter, status int, h http.Header, body []byte, full int) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	hh := h.Clone()
	hh.Set("Content-Length", strconv.Itoa(full))
	hh.Set("Connection", "close")
	writeRaw(buf, status, hh, body)
}

func writeRaw(buf *bufio.ReadWriter, status int, h http.Header, body []byte) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body)
	_ = buf.Flush()
}

// splitPath strips an optional "vN.M" prefix.
func splitPath(p, def string) (version, path string, segs []string) {
	p = strings.Trim(p, "/")
	var parts []string
	if p != "" {
		parts = strings.Split(p, "/")
	}
	version = def
	if len(parts) > 0 && versionRE.MatchString(parts[0]) {
		version = parts[0]
		parts = parts[1:]
	}
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return version, "/" + strings.Join(parts, "/"), parts
}

func guessUseCase(segs []string) useCase {
	if len(segs) >= 2 {
		switch segs[1] {
		case "leads":
			return ucLeadgen
		case "insights":
			return ucInsight
		}
	}
	return ucPages
}

func (s *Server) addUsage(uc useCase) {
	s.stats.usageMu.Lock()
	defer s.stats.usageMu.Unlock()
	if s.stats.usage == nil {
		s.stats.usage = map[string]float64{}
	}
	s.stats.app++
	s.stats.usage[string(uc)]++
}

func (s *Server) pct(calls float64) int {
	return int(math.Min(100, math.Floor(calls*s.cfg.usageRate)))
}

// usageEntry is one X-Business-Use-Case-Usage item.
type usageEntry struct {
	Type            string `json:"type"`
	CallCount       int    `json:"call_count"`
	TotalCPUTime    int    `json:"total_cputime"`
	TotalTime       int    `json:"total_time"`
	EstimatedRegain int    `json:"estimated_time_to_regain_access"`
	AccessTier      string `json:"ads_api_access_tier,omitempty"`
}

func (s *Server) setCommonHeaders(h http.Header, version, trace string, uc useCase) {
	s.stats.usageMu.Lock()
	app := s.pct(s.stats.app)
	per := map[useCase]int{}
	for _, u := range []useCase{ucPages, ucLeadgen, ucInsight, ucAdsMgmt} {
		per[u] = s.pct(s.stats.usage[string(u)])
	}
	s.stats.usageMu.Unlock()
	entry := func(u useCase) usageEntry {
		e := usageEntry{Type: string(u), CallCount: per[u], TotalCPUTime: per[u] / 2, TotalTime: per[u] * 2 / 3}
		if u == ucInsight || u == ucAdsMgmt {
			e.AccessTier = "standard_access"
		}
		return e
	}
	acct := strings.TrimPrefix(s.AdAccountID, "act_")
	buc := map[string][]usageEntry{
		s.PageID: {entry(ucPages)},
		acct:     {entry(ucLeadgen), entry(ucInsight), entry(ucAdsMgmt)},
	}
	bucJSON, _ := json.Marshal(buc)
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Facebook-Api-Version", version)
	h.Set("X-Fb-Trace-Id", trace)
	h.Set("X-Fb-Rev", "1000000001")
	h.Set("X-Fb-Debug", "fake-debug-"+trace)
	h.Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-App-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, app, app/2, app*2/3))
	h.Set("X-Business-Use-Case-Usage", string(bucJSON))
	if uc == ucInsight {
		ins := per[ucInsight]
		h.Set("X-Ad-Account-Usage", fmt.Sprintf(`{"acc_id_util_pct":%d,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}`, ins))
		h.Set("X-Fb-Ads-Insights-Throttle", fmt.Sprintf(`{"app_id_util_pct":%d,"acc_id_util_pct":%d,"ads_api_access_tier":"standard_access"}`, app, ins))
	}
}

// serve answers one call (HTTP request or batch item).
func (s *Server) serve(c *call, trace string) response {
	c.uc = guessUseCase(c.segs)
	v, gerr := s.dispatch(c)
	if gerr != nil {
		return gerr.response(trace)
	}
	if r, ok := v.(response); ok {
		return r
	}
	body, err := json.Marshal(v)
	if err != nil {
		return errUnknown().response(trace)
	}
	return response{status: http.StatusOK, header: http.Header{}, body: body}
}

// extractToken finds the access token: access_token in the query or form
// body, else an Authorization "Bearer" or "OAuth" header.
func extractToken(params url.Values, h http.Header) (string, *graphErr) {
	if vs := params["access_token"]; len(vs) > 0 {
		for _, v := range vs[1:] {
			if v != vs[0] {
				return "", errBadToken()
			}
		}
		if vs[0] != "" {
			return vs[0], nil
		}
	}
	auth := strings.TrimSpace(h.Get("Authorization"))
	if auth == "" {
		return "", nil
	}
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !(strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
		return "", errBadToken()
	}
	return strings.TrimSpace(tok), nil
}

// authenticate resolves the call's token and checks appsecret_proof.
func (s *Server) authenticate(c *call) *graphErr {
	tok, gerr := extractToken(c.params, c.header)
	if gerr != nil {
		return gerr
	}
	if tok == "" {
		return errMissingToken()
	}
	s.mu.RLock()
	ti, ok := s.st.tokens[tok]
	s.mu.RUnlock()
	if !ok {
		return errBadToken()
	}
	if ti.expired {
		return errExpiredToken(s.now())
	}
	c.token, c.tok = tok, ti
	if c.inBatch {
		return nil // the batch's own proof was checked at the top level
	}
	return s.checkProof(c)
}

func (s *Server) checkProof(c *call) *graphErr {
	proof := c.params.Get("appsecret_proof")
	if proof == "" {
		if s.cfg.requireProof {
			return errProofRequired()
		}
		return nil
	}
	msg := c.token
	if ts := c.params.Get("appsecret_time"); ts != "" {
		t, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return errProofInvalid()
		}
		if d := s.now().Sub(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
			return errProofExpired()
		}
		msg += "|" + ts
	}
	if !hmac.Equal([]byte(strings.ToLower(proof)), []byte(Proof(s.AppSecret, msg))) {
		return errProofInvalid()
	}
	return nil
}

// Proof computes hex(HMAC-SHA256(secret, message)): the classic
// appsecret_proof when message is the token, the timed one when it is
// token + "|" + appsecret_time.
func Proof(secret, message string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(message))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) hasScope(scope ...string) bool {
	for _, sc := range scope {
		if slices.Contains(s.cfg.scopes, sc) {
			return true
		}
	}
	return false
}

// dispatch routes a call. The returned value is JSON-encoded, unless it is
// a response.
func (s *Server) dispatch(c *call) (any, *graphErr) {
	segs := c.segs
	if len(segs) == 2 && segs[0] == "oauth" && segs[1] == "access_token" {
		return s.oauthAccessToken(c)
	}
	if len(segs) == 0 && c.method == http.MethodPost && c.params.Has("batch") && !c.inBatch {
		if gerr := s.authenticate(c); gerr != nil {
			return nil, gerr
		}
		return s.batch(c)
	}
	if gerr := s.authenticate(c); gerr != nil {
		return nil, gerr
	}
	if len(segs) == 0 {
		if c.params.Has("ids") {
			return nil, errParam("Multi-ID requests (?ids=) are not supported by metaleadstest; Graph is retiring them")
		}
		return nil, errUnsupported(c.method, "")
	}
	if len(segs) > 2 {
		return nil, errUnknownPath("/" + strings.Join(segs[2:], "/"))
	}
	if segs[0] == "debug_token" && len(segs) == 1 {
		return s.debugToken(c)
	}
	if c.tok.kind == appToken {
		if segs[0] == "me" {
			return nil, errNoToken()
		}
		return nil, errUnsupported(c.method, segs[0])
	}
	id := segs[0]
	if id == "me" {
		if c.tok.kind == pageToken {
			id = c.tok.pageID
		} else {
			return s.me(c)
		}
	}
	edge := ""
	if len(segs) == 2 {
		edge = segs[1]
	}
	return s.object(c, id, edge)
}

func (s *Server) me(c *call) (any, *graphErr) {
	if len(c.segs) == 2 {
		if c.segs[1] != "accounts" {
			return nil, errNonexistingField(c.segs[1], userType.name)
		}
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, "me")
		}
		return s.accounts(c)
	}
	if c.method != http.MethodGet {
		return nil, errUnsupported(c.method, "me")
	}
	sel, gerr := selection(c)
	if gerr != nil {
		return nil, gerr
	}
	n := node{"id": fakeUserID, "name": fakeUserName}
	return userType.project(n, sel)
}

// fakeUserID and fakeUserName identify the person behind UserToken.
const (
	fakeUserID   = "10009999999999999"
	fakeUserName = "Alex Example"
)

func selection(c *call) ([]fieldSel, *graphErr) {
	if !c.params.Has("fields") {
		return nil, nil
	}
	sel, err := parseFields(c.params.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: %s", err.Error())
	}
	if sel == nil {
		sel = []fieldSel{}
	}
	return sel, nil
}

// object serves /{id} and /{id}/{edge}.
func (s *Server) object(c *call, id, edge string) (any, *graphErr) {
	s.mu.RLock()
	kind := s.st.kindOf(id)
	s.mu.RUnlock()
	switch kind {
	case "page":
		return s.pageCall(c, id, edge)
	case "form":
		return s.formCall(c, id, edge)
	case "lead":
		return s.leadCall(c, id, edge)
	case "account", "campaign", "adset", "ad":
		return s.adsCall(c, kind, id, edge)
	case "job":
		return s.jobCall(c, id, edge)
	}
	return nil, errUnsupported(c.method, id)
}

func (st *store) kindOf(id string) string {
	switch {
	case st.pages[id] != nil:
		return "page"
	case st.forms[id] != nil:
		return "form"
	case st.accounts[id] != nil:
		return "account"
	case st.campaigns[id] != nil:
		return "campaign"
	case st.adsets[id] != nil:
		return "adset"
	case st.ads[id] != nil:
		return "ad"
	}
	if _, ok := st.leadForm[id]; ok {
		return "lead"
	}
	if _, ok := st.syntheticLead(id); ok {
		return "lead"
	}
	st.jobsMu.Lock()
	_, ok := st.jobs[id]
	st.jobsMu.Unlock()
	if ok {
		return "job"
	}
	return ""
}

// seesPage reports whether the call's token may read the Page's objects.
func (c *call) seesPage(pageID string) bool {
	switch c.tok.kind {
	case userToken:
		return true
	case pageToken:
		return c.tok.pageID == pageID
	}
	return false
}

func (s *Server) pageCall(c *call, id, edge string) (any, *graphErr) {
	if !c.seesPage(id) {
		return nil, errUnsupported(c.method, id)
	}
	switch edge {
	case "":
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, id)
		}
		sel, gerr := selection(c)
		if gerr != nil {
			return nil, gerr
		}
		s.mu.RLock()
		n := s.st.pageNode(id)
		s.mu.RUnlock()
		return pageType.project(n, sel)
	case "leadgen_forms":
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, id)
		}
		if s.cfg.requirePageTok && c.tok.kind != pageToken {
			return nil, errPageTokenRequired()
		}
		return s.forms(c, id)
	case "subscribed_apps":
		return s.subscribedApps(c, id)
	}
	return nil, errNonexistingField(edge, pageType.name)
}

func (st *store) pageNode(id string) node {
	p := st.pages[id]
	return node{
		"id":                   p.ID,
		"name":                 p.Name,
		"category":             p.Category,
		"category_list":        []node{{"id": "2250", "name": p.Category}},
		"access_token":         p.AccessToken,
		"tasks":                []string{"ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"},
		"link":                 "https://www.facebook.com/" + p.ID,
		"is_published":         true,
		"leadgen_tos_accepted": true,
	}
}

func (s *Server) accounts(c *call) (any, *graphErr) {
	if !s.hasScope("pages_show_list") {
		return nil, errPermission("pages_show_list")
	}
	sel, gerr := selection(c)
	if gerr != nil {
		return nil, gerr
	}
	s.mu.RLock()
	nodes := make([]node, 0, len(s.st.pageOrder))
	for _, id := range s.st.pageOrder {
		nodes = append(nodes, s.st.pageNode(id))
	}
	s.mu.RUnlock()
	t := pageType
	t.defaults = accountsEntryDefaults
	return s.listPage(c, nodes, func(n node) (node, *graphErr) { return t.project(n, sel) })
}

func (s *Server) subscribedApps(c *call, pageID string) (any, *graphErr) {
	if c.tok.kind != pageToken {
		return nil, &graphErr{Message: "(#210) A page access token is required to request this resource.", Type: "OAuthException", Code: 210}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.pages[pageID]
	switch c.method {
	case http.MethodGet:
		if p.subscribed == nil {
			return node{"data": []node{}}, nil
		}
		return node{"data": []node{{"id": s.AppID, "name": "Fake Lead Sync App", "subscribed_fields": slices.Clone(p.subscribed)}}}, nil
	case http.MethodPost:
		fields := strings.Split(c.params.Get("subscribed_fields"), ",")
		fields = slices.DeleteFunc(fields, func(s string) bool { return strings.TrimSpace(s) == "" })
		if len(fields) == 0 {
			return nil, errParam("The parameter subscribed_fields is required")
		}
		for _, f := range fields {
			f = strings.TrimSpace(f)
			if !slices.Contains(p.subscribed, f) {
				p.subscribed = append(p.subscribed, f)
			}
		}
		return node{"success": true}, nil
	case http.MethodDelete:
		p.subscribed = nil
		return node{"success": true}, nil
	}
	return nil, errUnsupported(c.method, pageID)
}
