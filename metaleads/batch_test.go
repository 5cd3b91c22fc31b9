package metaleads

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchItemJSON is one element of a batch response: body is JSON in a string.
func batchItemJSON(code int, body string) string {
	b, _ := json.Marshal(body)
	return fmt.Sprintf(`{"code":%d,"body":%s}`, code, b)
}

// parseBatch returns the relative URLs of a recorded batch request.
func parseBatch(t *testing.T, r recorded) []string {
	t.Helper()
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/v26.0/", r.URL.Path)
	form, err := url.ParseQuery(r.Body)
	require.NoError(t, err)
	assert.Equal(t, "false", form.Get("include_headers"))
	assert.Equal(t, testToken, form.Get("access_token"), "a batch's top-level token goes in the body")
	assert.Empty(t, r.Header.Get("Authorization"), "and only there")
	assert.Empty(t, r.URL.RawQuery, "no secret in the URL")
	var reqs []batchRequest
	require.NoError(t, json.Unmarshal([]byte(form.Get("batch")), &reqs))
	out := make([]string, len(reqs))
	for i, q := range reqs {
		assert.Equal(t, "GET", q.Method)
		assert.NotContains(t, q.RelativeURL, "access_token")
		out[i] = q.RelativeURL
	}
	return out
}

func TestLeadsByID(t *testing.T) {
	notFound := `{"error":{"message":"(#100) Object with ID '222' does not exist","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"AbCdEf"}}`
	s, mt := newScript(t,
		step{status: 200, body: "[" + strings.Join([]string{
			batchItemJSON(200, leadJSON("111")),
			batchItemJSON(400, notFound),
			"null",
			batchItemJSON(200, `{"id":"444","field_data":[{"name":"email","values":["x@example.com"]}],"post":{"id":"9"}}`),
			batchItemJSON(502, "<html>oops</html>"),
		}, ",") + "]", check: func(t *testing.T, r recorded) {
			urls := parseBatch(t, r)
			require.Len(t, urls, 5)
			u, err := url.Parse(urls[0])
			require.NoError(t, err)
			assert.Equal(t, "111", u.Path)
			assert.Contains(t, u.Query().Get("fields"), "field_data")
			assert.Contains(t, u.Query().Get("fields"), ",post")
		}},
		// Only the null item is sent again.
		step{status: 200, body: "[" + batchItemJSON(200, leadJSON("333")) + "]", check: func(t *testing.T, r recorded) {
			urls := parseBatch(t, r)
			require.Len(t, urls, 1)
			assert.True(t, strings.HasPrefix(urls[0], "333?"))
		}},
	)
	c := newTestClient(t, mt)
	res, err := c.LeadsByID(t.Context(), []string{"111", "222", "333", "444", "555"}, "post")
	require.NoError(t, err)
	require.Len(t, res, 5)
	for i, id := range []string{"111", "222", "333", "444", "555"} {
		assert.Equal(t, id, res[i].ID)
	}
	assert.NoError(t, res[0].Err)
	assert.Equal(t, "111", res[0].Lead.ID)
	assert.ErrorIs(t, res[1].Err, ErrNotFound)
	var ge *Error
	require.ErrorAs(t, res[1].Err, &ge)
	assert.Equal(t, 400, ge.HTTPStatus)
	assert.Equal(t, "AbCdEf", ge.TraceID)
	assert.Equal(t, Lead{}, res[1].Lead)
	assert.NoError(t, res[2].Err)
	assert.Equal(t, "333", res[2].Lead.ID)
	assert.JSONEq(t, `{"id":"9"}`, string(res[3].Lead.Extra["post"]))
	assert.ErrorIs(t, res[4].Err, ErrInvalidResponse)
	assert.Len(t, s.requests(), 2)
}

func TestLeadsByIDChunksOf50(t *testing.T) {
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = strconv.Itoa(1000 + i)
	}
	respond := func(n, first int) step {
		items := make([]string, n)
		for i := range items {
			items[i] = batchItemJSON(200, leadJSON(strconv.Itoa(first+i)))
		}
		return step{status: 200, body: "[" + strings.Join(items, ",") + "]", check: func(t *testing.T, r recorded) {
			assert.Len(t, parseBatch(t, r), n)
		}}
	}
	s, mt := newScript(t, respond(50, 1000), respond(50, 1050), respond(20, 1100))
	c := newTestClient(t, mt)
	res, err := c.LeadsByID(t.Context(), ids)
	require.NoError(t, err)
	require.Len(t, res, 120)
	for i, r := range res {
		require.NoError(t, r.Err)
		assert.Equal(t, ids[i], r.Lead.ID)
	}
	assert.Len(t, s.requests(), 3)
}

func TestLeadsByIDNullRetriesAreBounded(t *testing.T) {
	var steps []step
	for range batchNullRounds + 1 {
		steps = append(steps, ok(`[null]`))
	}
	s, mt := newScript(t, steps...)
	c := newTestClient(t, mt)
	res, err := c.LeadsByID(t.Context(), []string{"1"})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.ErrorIs(t, res[0].Err, ErrBatchItemTimeout)
	assert.Len(t, s.requests(), batchNullRounds+1)
}

func TestLeadsByIDWholeCallFailure(t *testing.T) {
	// The first chunk succeeds, the second keeps failing with a 500: the
	// transport retries it (a read), then the results so far come back with
	// the error.
	ids := make([]string, 51)
	items := make([]string, 50)
	for i := range ids {
		ids[i] = strconv.Itoa(2000 + i)
		if i < 50 {
			items[i] = batchItemJSON(200, leadJSON(ids[i]))
		}
	}
	fail := graphErr(500, 2, 0, "Service temporarily unavailable")
	s, mt := newScript(t, ok("["+strings.Join(items, ",")+"]"), fail, fail, fail)
	c := newTestClient(t, mt)
	res, err := c.LeadsByID(t.Context(), ids)
	require.Error(t, err)
	require.Len(t, res, 51)
	assert.NoError(t, res[0].Err)
	assert.Equal(t, ids[49], res[49].Lead.ID)
	assert.ErrorIs(t, res[50].Err, err)
	assert.Len(t, s.requests(), 4)
}

func TestLeadsByIDBadInput(t *testing.T) {
	s, mt := newScript(t, ok(`[]`), ok(`{"not":"a list"}`))
	c := newTestClient(t, mt)
	res, err := c.LeadsByID(t.Context(), nil)
	assert.NoError(t, err)
	assert.Nil(t, res)
	_, err = c.LeadsByID(t.Context(), []string{"1", "bad/id"})
	assert.Error(t, err)
	_, err = c.LeadsByID(t.Context(), []string{"1"}, "")
	assert.Error(t, err)
	assert.Empty(t, s.requests())
	// Wrong number of items, then not a list.
	_, err = c.LeadsByID(t.Context(), []string{"1"})
	assert.ErrorIs(t, err, ErrInvalidResponse)
	_, err = c.LeadsByID(t.Context(), []string{"1"})
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

// The proof sits next to the top-level access_token in the body, fresh for
// every attempt when time-stamped.
func TestLeadsByIDProofAtTopLevel(t *testing.T) {
	_, mt := newScript(t, step{status: 200, body: "[" + batchItemJSON(200, leadJSON("1")) + "]", check: func(t *testing.T, r recorded) {
		for _, u := range parseBatch(t, r) {
			assert.NotContains(t, u, "appsecret_proof")
		}
		form, err := url.ParseQuery(r.Body)
		require.NoError(t, err)
		assert.Equal(t, AppSecretProof(testAppSecret, testToken), form.Get("appsecret_proof"))
		assert.Empty(t, form.Get("appsecret_time"))
	}})
	c := newTestClient(t, mt, WithAppSecret(testAppSecret))
	res, err := c.LeadsByID(t.Context(), []string{"1"})
	require.NoError(t, err)
	assert.NoError(t, res[0].Err)

	synctest.Test(t, func(t *testing.T) {
		var times []string
		check := func(t *testing.T, r recorded) {
			parseBatch(t, r)
			form, err := url.ParseQuery(r.Body)
			require.NoError(t, err)
			ts := form.Get("appsecret_time")
			n, err := strconv.ParseInt(ts, 10, 64)
			require.NoError(t, err)
			assert.Equal(t, time.Now().Unix(), n)
			assert.Equal(t, TimedAppSecretProof(testAppSecret, testToken, n), form.Get("appsecret_proof"))
			times = append(times, ts)
		}
		_, mt := newScript(t,
			step{status: 503, body: `{}`, header: http.Header{"Retry-After": {"400"}}, check: check},
			step{status: 200, body: "[" + batchItemJSON(200, leadJSON("1")) + "]", check: check})
		c := newTestClient(t, mt, WithAppSecret(testAppSecret), WithTimedProof(true))
		res, err := c.LeadsByID(t.Context(), []string{"1"})
		require.NoError(t, err)
		assert.NoError(t, res[0].Err)
		require.Len(t, times, 2)
		assert.NotEqual(t, times[0], times[1], "a retry after a long wait carries a fresh proof")
	})
}
