package alfacrmtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
)

// rawClient talks to the fake with plain net/http.
type rawClient struct {
	t     *testing.T
	srv   *alfacrmtest.Server
	hc    *http.Client
	token string
}

func newRaw(t *testing.T, opts ...alfacrmtest.Option) *rawClient {
	t.Helper()
	srv := alfacrmtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	rc := &rawClient{t: t, srv: srv, hc: srv.HTTPClient()}
	rc.login()
	return rc
}

func (rc *rawClient) login() {
	rc.t.Helper()
	st, _, body := rc.do("/v2api/auth/login", map[string]string{"email": rc.srv.Email, "api_key": rc.srv.APIKey}, false)
	if st != http.StatusOK {
		rc.t.Fatalf("login: status %d: %s", st, body)
	}
	var out struct{ Token string }
	mustJSON(rc.t, body, &out)
	rc.token = out.Token
}

// do POSTs body (marshalled unless it is a string or []byte) to path.
func (rc *rawClient) do(path string, body any, auth bool) (int, http.Header, []byte) {
	rc.t.Helper()
	return rc.method(http.MethodPost, path, body, auth)
}

func (rc *rawClient) method(method, path string, body any, auth bool) (int, http.Header, []byte) {
	rc.t.Helper()
	var b []byte
	switch x := body.(type) {
	case nil:
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		var err error
		if b, err = json.Marshal(x); err != nil {
			rc.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, rc.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		rc.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("X-ALFACRM-TOKEN", rc.token)
	}
	resp, err := rc.hc.Do(req)
	if err != nil {
		rc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, out
}

// envelope is a decoded list response with raw items.
type envelope struct {
	Total int               `json:"total"`
	Count int               `json:"count"`
	Page  int               `json:"page"`
	Items []json.RawMessage `json:"items"`
}

// list calls an index action and decodes the envelope; it fails the test on
// any status but 200.
func (rc *rawClient) list(path string, body any) envelope {
	rc.t.Helper()
	st, _, b := rc.do(path, body, true)
	if st != http.StatusOK {
		rc.t.Fatalf("%s: status %d: %s", path, st, b)
	}
	var env envelope
	mustJSON(rc.t, b, &env)
	if env.Count != len(env.Items) {
		rc.t.Fatalf("%s: count %d but %d items", path, env.Count, len(env.Items))
	}
	return env
}

// ids lists the items' ids.
func (rc *rawClient) ids(path string, body any) []int {
	rc.t.Helper()
	env := rc.list(path, body)
	out := make([]int, 0, len(env.Items))
	for _, it := range env.Items {
		var x struct{ ID int }
		mustJSON(rc.t, it, &x)
		out = append(out, x.ID)
	}
	return out
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
}

// fields decodes a JSON object into raw fields.
func fields(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	mustJSON(t, b, &m)
	return m
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func wantIDs(t *testing.T, what string, got, want []int) {
	t.Helper()
	if !equalInts(got, want) {
		t.Errorf("%s: got ids %v, want %v", what, got, want)
	}
}

// yiiBody checks a Yii2 error body.
func yiiBody(t *testing.T, b []byte, status int, name string) {
	t.Helper()
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		Code    *int   `json:"code"`
		Status  int    `json:"status"`
	}
	mustJSON(t, b, &e)
	if e.Name != name || e.Status != status || e.Code == nil || e.Message == "" {
		t.Errorf("error body %s: want name %q, status %d, a code and a message", b, name, status)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
