package alfacrm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/contact"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// Test credentials: obviously fake.
const (
	testEmail  = "api-user@example.com"
	testAPIKey = "test-api-key-XYZ-0123456789"
	testHost   = "https://school.example.com"
)

// seen is one request the fake received.
type seen struct {
	Path   string
	Query  url.Values
	Body   map[string]any
	Token  string
	Header http.Header
}

// hook may answer a request instead of the fake (ok=true).
type hook func(r seen) (resp *http.Response, err error, ok bool)

// fakeCRM is a small in-memory AlfaCRM behind an httpmock transport, for
// unit tests. It implements the traps the client must handle: students-only
// default, archive flag, 0-based pages of a fixed size that ignores the
// requested one, expiring tokens.
type fakeCRM struct {
	t  testing.TB
	mt *httpmock.MockTransport

	mu        sync.Mutex
	customers []map[string]any
	nextID    int
	tokens    map[string]bool
	tokenSeq  int
	requests  []seen
	hooks     []hook
	pageSize  int    // server page size; ignores the client's
	rejectAs  int    // status for an invalid token (401 default)
	loginCode int    // status for a refused login
	apiKey    string // expected key

	onReject func() // runs before a refusal is answered (set before use)

	logins   atomic.Int32
	rejected atomic.Int32
	creates  atomic.Int32
}

func newFake(t testing.TB) *fakeCRM {
	f := &fakeCRM{
		t:        t,
		mt:       httpmock.NewMockTransport(),
		nextID:   1000,
		tokens:   map[string]bool{},
		pageSize: 3,
		rejectAs: http.StatusUnauthorized,
		apiKey:   testAPIKey,
	}
	f.mt.RegisterNoResponder(f.serve)
	return f
}

// client returns a Client wired to the fake, unlimited and with fast
// retries; mod may adjust the config.
func (f *fakeCRM) client(mod ...func(*Config)) *Client {
	f.t.Helper()
	cfg := Config{
		BaseURL:    testHost + "/v2api/",
		Email:      testEmail,
		APIKey:     testAPIKey,
		BranchID:   1,
		HTTPClient: &http.Client{Transport: f.mt},
		Unlimited:  true,
		Retry:      RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond},
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(f.t, err)
	return c
}

func (f *fakeCRM) addHook(h hook) {
	f.mu.Lock()
	f.hooks = append(f.hooks, h)
	f.mu.Unlock()
}

func (f *fakeCRM) add(c map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addLocked(c)
}

func (f *fakeCRM) addLocked(c map[string]any) int {
	f.nextID++
	id := f.nextID
	if v, ok := c["id"]; ok {
		id = toInt(v)
	}
	c["id"] = id
	if _, ok := c["is_study"]; !ok {
		c["is_study"] = 1
	}
	if _, ok := c["removed"]; !ok {
		c["removed"] = 0
	}
	f.customers = append(f.customers, c)
	return id
}

func (f *fakeCRM) expireTokens() {
	f.mu.Lock()
	clear(f.tokens)
	f.mu.Unlock()
}

func (f *fakeCRM) reqs(path string) []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []seen
	for _, r := range f.requests {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func jsonResp(status int, v any) *http.Response {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		b, _ = json.Marshal(v)
	}
	r := httpmock.NewBytesResponse(status, b)
	r.Header.Set("Content-Type", "application/json; charset=UTF-8")
	return r
}

func (f *fakeCRM) serve(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost {
		return jsonResp(405, map[string]any{"name": "Method Not Allowed", "status": 405}), nil
	}
	var body map[string]any
	raw, _ := io.ReadAll(req.Body)
	if len(raw) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&body); err != nil {
			return jsonResp(400, map[string]any{"name": "Bad Request", "message": "bad json", "status": 400}), nil
		}
	}
	s := seen{Path: req.URL.Path, Query: req.URL.Query(), Body: body, Token: req.Header.Get(tokenHeader), Header: req.Header.Clone()}
	f.mu.Lock()
	f.requests = append(f.requests, s)
	hooks := slices.Clone(f.hooks)
	f.mu.Unlock()
	if s.Path != "/v2api/auth/login" {
		f.mu.Lock()
		valid := f.tokens[s.Token]
		f.mu.Unlock()
		if !valid {
			f.rejected.Add(1)
			if f.onReject != nil {
				f.onReject()
			}
			return jsonResp(f.rejectAs, map[string]any{"name": http.StatusText(f.rejectAs), "message": "Your request was made with invalid credentials.", "code": 0, "status": f.rejectAs}), nil
		}
	}
	for _, h := range hooks {
		if resp, err, ok := h(s); ok {
			return resp, err
		}
	}
	if s.Path == "/v2api/auth/login" {
		return f.login(s), nil
	}
	switch s.Path {
	case "/v2api/1/customer/index":
		return f.customerIndex(s), nil
	case "/v2api/1/customer/create":
		return f.customerCreate(s), nil
	case "/v2api/1/customer/update":
		return f.customerUpdate(s), nil
	}
	return jsonResp(404, map[string]any{"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}), nil
}

func (f *fakeCRM) login(s seen) *http.Response {
	f.logins.Add(1)
	if s.Token != "" {
		f.t.Errorf("login sent a token header")
	}
	if s.Body["email"] != testEmail || s.Body["api_key"] != f.apiKey {
		code := f.loginCode
		if code == 0 {
			code = http.StatusUnauthorized
		}
		return jsonResp(code, map[string]any{"name": http.StatusText(code), "message": "Incorrect email or api_key", "code": 0, "status": code})
	}
	f.mu.Lock()
	f.tokenSeq++
	tok := fmt.Sprintf("test-token-%03d-abcdef", f.tokenSeq)
	f.tokens[tok] = true
	f.mu.Unlock()
	return jsonResp(200, map[string]any{"token": tok})
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case json.Number:
		n, _ := x.Int64()
		return int(n)
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

func strs(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// match implements the filters the fake understands.
func (f *fakeCRM) match(c map[string]any, q map[string]any) bool {
	study := 1
	if v, ok := q["is_study"]; ok {
		study = toInt(v)
	}
	if toInt(c["is_study"]) != study {
		return false
	}
	removed := toInt(c["removed"])
	switch toInt(q["removed"]) {
	case 0:
		if removed != 0 {
			return false
		}
	case 2:
		if removed == 0 {
			return false
		}
	}
	if v, ok := q["id"]; ok && toInt(v) != toInt(c["id"]) {
		return false
	}
	if v, ok := q["phone"]; ok {
		want := contact.Digits(fmt.Sprint(v))
		hit := false
		for _, p := range strs(c["phone"]) {
			if want != "" && strings.Contains(contact.Digits(p), want) {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	if v, ok := q["email"]; ok {
		hit := false
		for _, e := range strs(c["email"]) {
			if strings.EqualFold(e, fmt.Sprint(v)) {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	if v, ok := q["name"]; ok && !strings.Contains(strings.ToLower(fmt.Sprint(c["name"])), strings.ToLower(fmt.Sprint(v))) {
		return false
	}
	return true
}

func (f *fakeCRM) customerIndex(s seen) *http.Response {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hits []map[string]any
	for _, c := range f.customers {
		if f.match(c, s.Body) {
			hits = append(hits, c)
		}
	}
	page := toInt(s.Body["page"])
	lo := min(page*f.pageSize, len(hits))
	hi := min(lo+f.pageSize, len(hits))
	items := hits[lo:hi]
	if items == nil {
		items = []map[string]any{}
	}
	return jsonResp(200, map[string]any{"total": len(hits), "count": len(items), "page": page, "items": items})
}

func (f *fakeCRM) customerCreate(s seen) *http.Response {
	f.creates.Add(1)
	if strings.TrimSpace(fmt.Sprint(s.Body["name"])) == "" {
		return jsonResp(200, map[string]any{"success": false, "errors": []string{"Name cannot be blank."}, "model": nil})
	}
	c := map[string]any{}
	for k, v := range s.Body {
		c[k] = v
	}
	f.mu.Lock()
	id := f.addLocked(c)
	f.mu.Unlock()
	return jsonResp(200, map[string]any{"success": true, "errors": []string{}, "model": map[string]any{"id": id, "name": c["name"], "is_study": c["is_study"]}})
}

func (f *fakeCRM) customerUpdate(s seen) *http.Response {
	id := toInt(s.Query.Get("id"))
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.customers {
		if toInt(c["id"]) == id {
			for k, v := range s.Body {
				c[k] = v
			}
			return jsonResp(200, map[string]any{"success": true, "errors": []string{}, "model": c})
		}
	}
	return jsonResp(404, map[string]any{"name": "Not Found", "message": "Object not found", "status": 404})
}

// pathHook answers every request to path with fn.
func pathHook(path string, fn func(s seen) *http.Response) hook {
	return func(s seen) (*http.Response, error, bool) {
		if s.Path != path {
			return nil, nil, false
		}
		return fn(s), nil, true
	}
}

// pagedHook serves items from path in pages of size (ignoring pageSize).
func pagedHook(path string, size int, items []map[string]any) hook {
	return pathHook(path, func(s seen) *http.Response {
		page := toInt(s.Body["page"])
		lo := min(page*size, len(items))
		hi := min(lo+size, len(items))
		return jsonResp(200, map[string]any{"total": len(items), "count": hi - lo, "page": page, "items": items[lo:hi]})
	})
}
