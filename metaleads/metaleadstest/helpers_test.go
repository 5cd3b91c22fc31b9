package metaleadstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

// ref is the reference day of the demo data in these tests.
var ref = time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)

// result is a decoded response.
type result struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r result) errorObj(t *testing.T) map[string]any {
	t.Helper()
	e, ok := r.JSON["error"].(map[string]any)
	require.True(t, ok, "no error envelope in %s", r.Body)
	return e
}

func (r result) code(t *testing.T) int {
	t.Helper()
	return int(r.errorObj(t)["code"].(float64))
}

func (r result) data(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := r.JSON["data"].([]any)
	require.True(t, ok, "no data in %d %s", r.Status, r.Body)
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

func (r result) next() string {
	p, _ := r.JSON["paging"].(map[string]any)
	n, _ := p["next"].(string)
	return n
}

func (r result) cursor(which string) string {
	p, _ := r.JSON["paging"].(map[string]any)
	c, _ := p["cursors"].(map[string]any)
	s, _ := c[which].(string)
	return s
}

// do sends a request and decodes the JSON answer (if any).
func do(t *testing.T, srv *metaleadstest.Server, req *http.Request) result {
	t.Helper()
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := result{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Valid(b) {
		var m any
		require.NoError(t, json.Unmarshal(b, &m))
		r.JSON, _ = m.(map[string]any)
	}
	return r
}

// get calls GET url with the token in the Authorization header (token "" =
// none); a path is prefixed with the server URL.
func get(t *testing.T, srv *metaleadstest.Server, token, target string) result {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = srv.URL + target
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, srv, req)
}

// post sends an urlencoded POST.
func post(t *testing.T, srv *metaleadstest.Server, token, path string, form url.Values) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, srv, req)
}

func newDemo(t testing.TB, opts ...metaleadstest.Option) *metaleadstest.Server {
	t.Helper()
	srv := metaleadstest.NewServer(append([]metaleadstest.Option{metaleadstest.WithDemoData(ref)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func newEmpty(t testing.TB, opts ...metaleadstest.Option) *metaleadstest.Server {
	t.Helper()
	srv := metaleadstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// seedForm adds a form with n leads created one minute apart, the newest at
// base; it returns the form ID and the lead IDs newest first.
func seedForm(srv *metaleadstest.Server, n int, base time.Time) (string, []string) {
	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Test form", Questions: []metaleads.Question{
		{Key: "full_name", Label: "Full name", Type: "FULL_NAME"},
		{Key: "email", Label: "Email", Type: "EMAIL"},
	}})
	ids := make([]string, n)
	for i := range n {
		ids[i] = srv.AddLead(formID, metaleads.Lead{
			CreatedTime: base.Add(-time.Duration(i) * time.Minute),
			Fields: []metaleads.Field{
				{Name: "full_name", Values: []string{"Test Person"}},
				{Name: "email", Values: []string{"test.person@example.com"}},
			},
		})
	}
	return formID, ids
}

func ids(rows []map[string]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r["id"].(string)
	}
	return out
}
