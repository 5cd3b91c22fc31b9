package metaleadstest_test

import (
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

func TestLoopbackOnlyAndLifecycle(t *testing.T) {
	require.PanicsWithValue(t, `metaleadstest: listen address "0.0.0.0:0" is not a loopback address; the fake only listens on loopback`, func() {
		metaleadstest.NewServer(metaleadstest.WithAddr("0.0.0.0:0"))
	})
	require.Panics(t, func() { metaleadstest.NewServer(metaleadstest.WithPageSizeCap(0)) })

	srv := metaleadstest.NewUnstartedServer(metaleadstest.WithAddr("127.0.0.1:0"))
	require.Empty(t, srv.URL)
	srv.Start()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	require.Panics(t, srv.Start)
	r := get(t, srv, srv.UserToken, "/me")
	require.Equal(t, http.StatusOK, r.Status)
	srv.Close()
	srv.Close() // idempotent
	_, err := srv.HTTPClient().Get(srv.URL + "/me")
	require.Error(t, err)
}

func TestTokensAreObviouslyFake(t *testing.T) {
	srv := newEmpty(t)
	require.True(t, strings.HasPrefix(srv.UserToken, "fake-user-token-"))
	require.True(t, strings.HasPrefix(srv.PageToken, "fake-page-token-"))
	require.True(t, strings.HasPrefix(srv.AppSecret, "fake-app-secret-"))
	require.Equal(t, srv.AppID+"|"+srv.AppSecret, srv.AppToken)
	require.Equal(t, srv.PageToken, srv.PageTokenFor(srv.PageID))
	require.True(t, strings.HasPrefix(srv.AdAccountID, "act_"))

	fixed := newEmpty(t, metaleadstest.WithTokens("test-user-token-XYZ", "test-page-token-XYZ"))
	require.Equal(t, "test-user-token-XYZ", fixed.UserToken)
	require.Equal(t, "test-page-token-XYZ", fixed.PageToken)
}

func TestTokenCarriers(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 3, ref)
	path := "/v25.0/" + formID + "/leads"

	// Bearer header.
	require.Len(t, get(t, srv, srv.PageToken, path).data(t), 3)
	// OAuth header.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "OAuth "+srv.PageToken)
	require.Len(t, do(t, srv, req).data(t), 3)
	// Query string, as Meta's SDKs send it.
	require.Len(t, get(t, srv, "", path+"?access_token="+url.QueryEscape(srv.PageToken)).data(t), 3)
	// Form body (a batch POST).
	batch := `[{"method":"GET","relative_url":"` + formID + `/leads"}]`
	r := post(t, srv, "", "/", url.Values{"access_token": {srv.PageToken}, "batch": {batch}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, string(r.Body), `\"data\":[`)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	require.Equal(t, []string{"header", "header", "query", "form"},
		[]string{reqs[0].Token(), reqs[1].Token(), reqs[2].Token(), reqs[3].Token()})
}

func TestTokenErrors(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 1, ref)
	path := "/v25.0/" + formID + "/leads"

	r := get(t, srv, "", path)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, 104, r.code(t))
	require.Equal(t, "An access token is required to request this resource.", r.errorObj(t)["message"])

	r = get(t, srv, "test-page-token-WRONG", path)
	require.Equal(t, 190, r.code(t))
	require.Equal(t, "OAuthException", r.errorObj(t)["type"])
	require.Contains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")

	// Two different tokens in one request (an SDK appending its own to a next URL).
	r = get(t, srv, "", path+"?access_token="+srv.PageToken+"&access_token="+srv.UserToken)
	require.Equal(t, 190, r.code(t))

	require.True(t, srv.ExpireToken(srv.PageToken))
	require.False(t, srv.ExpireToken("test-page-token-UNKNOWN"))
	r = get(t, srv, srv.PageToken, path)
	e := r.errorObj(t)
	require.Equal(t, 190.0, e["code"])
	require.Equal(t, 463.0, e["error_subcode"])
	require.Contains(t, e["message"], "Session has expired")
	require.NotEmpty(t, e["fbtrace_id"])
	require.Equal(t, false, e["is_transient"])
}

func TestVersionPrefixes(t *testing.T) {
	srv := newEmpty(t)
	for p, want := range map[string]string{"/v2.12/me": "v2.12", "/v25.0/me": "v25.0", "/v99.0/me/": "v99.0", "/me": metaleadstest.DefaultAPIVersion} {
		r := get(t, srv, srv.UserToken, p)
		require.Equal(t, http.StatusOK, r.Status, p)
		require.Equal(t, want, r.Header.Get("Facebook-Api-Version"), p)
	}
	require.Equal(t, metaleads.APIVersion, metaleadstest.DefaultAPIVersion)
	require.Equal(t, srv.URL+"/"+srv.APIVersion+"/me/accounts", srv.GraphURL("me/accounts"))
}

func TestUnknownObjectsAndEdges(t *testing.T) {
	srv := newEmpty(t)
	r := get(t, srv, srv.PageToken, "/v25.0/1234567/leads")
	e := r.errorObj(t)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, 100.0, e["code"])
	require.Equal(t, 33.0, e["error_subcode"])
	require.Equal(t, "GraphMethodException", e["type"])
	require.Equal(t, "Unsupported get request. Object with ID '1234567' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", e["message"])

	r = get(t, srv, srv.PageToken, "/v25.0/"+srv.PageID+"/feedz")
	require.Equal(t, "(#100) Tried accessing nonexisting field (feedz) on node type (Page)", r.errorObj(t)["message"])

	r = get(t, srv, srv.PageToken, "/v25.0/"+srv.PageID+"/a/b")
	require.Equal(t, 2500, r.code(t))
}

func TestLeadPagingFollowsNextURLsWithEmbeddedToken(t *testing.T) {
	srv := newEmpty(t)
	formID, want := seedForm(srv, 23, ref)

	var got []string
	pages := 0
	next := srv.URL + "/v25.0/" + formID + "/leads?limit=5&fields=id,created_time"
	r := get(t, srv, srv.PageToken, next)
	for {
		pages++
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		got = append(got, ids(r.data(t))...)
		next = r.next()
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		require.NoError(t, err)
		// Graph embeds the token in next; the fake does too.
		require.Equal(t, srv.PageToken, u.Query().Get("access_token"))
		require.Equal(t, "5", u.Query().Get("limit"))
		require.Equal(t, "id,created_time", u.Query().Get("fields"))
		r = get(t, srv, "", next) // no header: the URL carries the token
	}
	require.Equal(t, want, got, "newest first, nothing lost or repeated")
	require.Equal(t, 5, pages)
	require.Equal(t, 5, srv.Stats().LeadPages)
	require.Empty(t, r.JSON["paging"].(map[string]any)["next"], "the last page has no next")
	require.NotEmpty(t, r.cursor("after"), "after is present even on the last page")

	// previous/before walks back.
	prev := r.JSON["paging"].(map[string]any)["previous"].(string)
	back := get(t, srv, "", prev)
	require.Equal(t, want[15:20], ids(back.data(t)))
}

func TestLeadCursorsSurviveInsertAndDelete(t *testing.T) {
	srv := newEmpty(t)
	formID, want := seedForm(srv, 10, ref)
	path := "/v25.0/" + formID + "/leads?limit=4"
	p1 := get(t, srv, srv.PageToken, path)
	require.Equal(t, want[:4], ids(p1.data(t)))
	after := p1.cursor("after")
	require.True(t, strings.ContainsAny(after, "=+/") || len(after) > 8, "opaque base64 cursor %q", after)

	// A new lead arrives and the anchor lead is deleted while paging.
	srv.AddLead(formID, metaleads.Lead{CreatedTime: ref.Add(time.Hour)})
	require.True(t, srv.RemoveLead(want[3]))
	p2 := get(t, srv, srv.PageToken, path+"&after="+url.QueryEscape(after))
	require.Equal(t, want[4:8], ids(p2.data(t)))

	r := get(t, srv, srv.PageToken, path+"&after=not-a-cursor!!")
	require.Equal(t, 100, r.code(t))
}

func TestLeadWireFormat(t *testing.T) {
	srv := newEmpty(t)
	camp := srv.AddCampaign(metaleadstest.Campaign{AccountID: srv.AdAccountID, Name: "Spring test drives"})
	set := srv.AddAdSet(metaleadstest.AdSet{CampaignID: camp, Name: "Spring 25-44"})
	ad := srv.AddAd(metaleadstest.Ad{AdSetID: set, Name: "Spring video A"})
	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Form"})
	id := srv.AddLead(formID, metaleads.Lead{
		CreatedTime:       time.Date(2026, 4, 3, 14, 22, 5, 0, time.UTC),
		AdID:              ad,
		Platform:          "ig",
		Fields:            []metaleads.Field{{Name: "email", Values: []string{"alex@example.com"}}, {Name: "empty"}},
		DisclaimerAnswers: []metaleads.DisclaimerResponse{{Key: "optional_1", Checked: true}, {Key: "optional_2"}},
	})
	r := get(t, srv, srv.PageToken, "/v25.0/"+id+"?fields="+url.QueryEscape(strings.Join(metaleads.DefaultLeadFields, ",")))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	want := `{"ad_id":"` + ad + `","ad_name":"Spring video A","adset_id":"` + set + `","adset_name":"Spring 25-44","campaign_id":"` + camp +
		`","campaign_name":"Spring test drives","created_time":"2026-04-03T14:22:05+0000","custom_disclaimer_responses":[{"checkbox_key":"optional_1","is_checked":"1"},{"checkbox_key":"optional_2","is_checked":""}],` +
		`"field_data":[{"name":"email","values":["alex@example.com"]},{"name":"empty","values":[]}],"form_id":"` + formID + `","id":"` + id + `","is_organic":false,"platform":"ig"}`
	require.JSONEq(t, want, string(r.Body))

	// Default fields without fields=.
	r = get(t, srv, srv.PageToken, "/v25.0/"+id)
	require.ElementsMatch(t, []string{"id", "created_time", "field_data"}, keys(r.JSON))
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFieldSelection(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 2, ref)

	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?fields=created_time")
	for _, row := range r.data(t) {
		require.ElementsMatch(t, []string{"id", "created_time"}, keys(row), "id always comes back")
	}
	r = get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?fields=id,crated_time")
	require.Equal(t, "(#100) Tried accessing nonexisting field (crated_time) on node type (UserLeadGenInfo)", r.errorObj(t)["message"])
	r = get(t, srv, srv.PageToken, "/v25.0/"+formID+"?fields=name,questions{key,type}")
	require.ElementsMatch(t, []string{"id", "name", "questions"}, keys(r.JSON))
	q := r.JSON["questions"].([]any)[0].(map[string]any)
	require.ElementsMatch(t, []string{"id", "key", "type"}, keys(q), "nested selection, id kept")
	r = get(t, srv, srv.PageToken, "/v25.0/"+formID+"?fields=questions.limit(1){key")
	require.Equal(t, 100, r.code(t))

	// Forms list with nested selection and defaults.
	r = get(t, srv, srv.PageToken, "/v25.0/"+srv.PageID+"/leadgen_forms")
	require.ElementsMatch(t, []string{"id", "name", "status", "locale"}, keys(r.data(t)[0]))
	r = get(t, srv, srv.PageToken, "/v25.0/"+srv.PageID+"/leadgen_forms?fields=leads_count,created_time")
	row := r.data(t)[0]
	require.Equal(t, 2.0, row["leads_count"])
	_, err := time.Parse("2006-01-02T15:04:05-0700", row["created_time"].(string))
	require.NoError(t, err)
}

func TestFiltering(t *testing.T) {
	srv := newEmpty(t)
	formID, want := seedForm(srv, 10, ref) // want[i] created at ref - i minutes
	base := "/v25.0/" + formID + "/leads?fields=id&filtering="
	f := func(js string) result { return get(t, srv, srv.PageToken, base+url.QueryEscape(js)) }
	at := func(i int) string { return strconv.FormatInt(ref.Add(-time.Duration(i)*time.Minute).Unix(), 10) }

	require.Equal(t, want[:3], ids(f(`[{"field":"time_created","operator":"GREATER_THAN","value":`+at(3)+`}]`).data(t)))
	require.Equal(t, want[:4], ids(f(`[{"field":"time_created","operator":"GREATER_THAN_OR_EQUAL","value":`+at(3)+`}]`).data(t)))
	require.Equal(t, want[8:], ids(f(`[{"field":"time_created","operator":"LESS_THAN","value":`+at(7)+`}]`).data(t)))
	require.Equal(t, want[7:], ids(f(`[{"field":"time_created","operator":"LESS_THAN_OR_EQUAL","value":`+at(7)+`}]`).data(t)))
	// A window: two entries intersect; a numeric string works too.
	require.Equal(t, want[3:6], ids(f(`[{"field":"time_created","operator":"GREATER_THAN","value":"`+at(6)+`"},{"field":"time_created","operator":"LESS_THAN","value":`+at(2)+`}]`).data(t)))
	// Empty window.
	r := f(`[{"field":"time_created","operator":"GREATER_THAN","value":` + at(-5) + `}]`)
	require.Empty(t, r.data(t))
	require.Nil(t, r.JSON["paging"])

	// Graph's pitfalls: a date string is ignored (everything comes back) ...
	require.Len(t, f(`[{"field":"time_created","operator":"GREATER_THAN","value":"2026-04-09"}]`).data(t), 10)
	// ... another field fails with code 1 ...
	r = f(`[{"field":"id","operator":"EQUAL","value":"1"}]`)
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, 1, r.code(t))
	// ... and since/until do nothing.
	require.Len(t, get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?since="+at(2)).data(t), 10)
	// Bad shapes.
	require.Equal(t, 100, f(`{"field":"time_created"}`).code(t))
	require.Equal(t, 100, f(`[{"field":"time_created","operator":"EQUAL","value":1}]`).code(t))

	// Filtering and paging combine: next keeps the filter.
	r = get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?limit=2&filtering="+url.QueryEscape(`[{"field":"time_created","operator":"GREATER_THAN","value":`+at(5)+`}]`))
	var got []string
	for {
		got = append(got, ids(r.data(t))...)
		if r.next() == "" {
			break
		}
		r = get(t, srv, "", r.next())
	}
	require.Equal(t, want[:5], got)
}

func TestPageSizeCapAndReduceData(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithPageSizeCap(4), metaleadstest.WithReduceDataAbove(6))
	formID, _ := seedForm(srv, 10, ref)
	path := "/v25.0/" + formID + "/leads?limit="
	require.Len(t, get(t, srv, srv.PageToken, path+"5").data(t), 4, "clamped to the cap")
	require.Equal(t, 1, get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads").code(t), "the default 25 is above 6")
	r := get(t, srv, srv.PageToken, path+"7")
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, 1, r.code(t))
	require.Equal(t, "Please reduce the amount of data you're asking for, then retry your request", r.errorObj(t)["message"])
	require.Equal(t, 100, get(t, srv, srv.PageToken, path+"abc").code(t))

	def := newEmpty(t)
	formID, _ = seedForm(def, 30, ref)
	require.Len(t, get(t, def, def.PageToken, "/v25.0/"+formID+"/leads").data(t), metaleadstest.DefaultPageSize)
}

func TestEmptyPagesAreLegalAndCounted(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithEmptyPages(2))
	formID, want := seedForm(srv, 9, ref)
	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?limit=3")
	var got []string
	seen := map[string]bool{}
	empties := 0
	for {
		rows := r.data(t)
		if len(rows) == 0 {
			empties++
			require.NotEmpty(t, r.next(), "an injected empty page still has a next link")
		}
		got = append(got, ids(rows)...)
		c := r.cursor("after")
		require.False(t, seen[c], "cursors never repeat, even on empty pages")
		seen[c] = true
		if r.next() == "" {
			break
		}
		r = get(t, srv, "", r.next())
	}
	require.Equal(t, want, got)
	st := srv.Stats()
	require.Equal(t, empties, st.EmptyLeadPages)
	require.Equal(t, 2, empties, "pages 2 and 4 of 5 requests")
	require.Equal(t, 3+empties, st.LeadPages, "requests = ceil(N/page) + empty pages")
	require.Equal(t, st.LeadPages, st.Requests)
}

func TestPermissions(t *testing.T) {
	srv := newEmpty(t)
	formID, leadIDs := seedForm(srv, 2, ref)
	other := srv.AddPage(metaleadstest.Page{Name: "Other Page"})
	otherTok := srv.PageTokenFor(other)
	require.NotEmpty(t, otherTok)

	// A Page token sees only its own Page.
	r := get(t, srv, otherTok, "/v25.0/"+formID+"/leads")
	require.Equal(t, 100, r.code(t))
	require.Equal(t, 33.0, r.errorObj(t)["error_subcode"])
	require.Equal(t, 100, get(t, srv, otherTok, "/v25.0/"+leadIDs[0]).code(t))
	require.Empty(t, get(t, srv, otherTok, "/v25.0/"+other+"/leadgen_forms").data(t))
	// The User token sees all (the retrieval guide allows it).
	require.Len(t, get(t, srv, srv.UserToken, "/v25.0/"+formID+"/leads").data(t), 2)

	strict := newEmpty(t, metaleadstest.RequirePageToken(true))
	formID, _ = seedForm(strict, 1, ref)
	r = get(t, strict, strict.UserToken, "/v25.0/"+formID+"/leads")
	require.Equal(t, 190, r.code(t))
	require.Contains(t, r.errorObj(t)["message"], "Page Access Token")
	require.Len(t, get(t, strict, strict.PageToken, "/v25.0/"+formID+"/leads").data(t), 1)

	noLeads := newEmpty(t, metaleadstest.WithScopes("pages_show_list", "ads_read"))
	formID, _ = seedForm(noLeads, 1, ref)
	r = get(t, noLeads, noLeads.PageToken, "/v25.0/"+formID+"/leads")
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, 200, r.code(t))
	require.Contains(t, r.errorObj(t)["message"], "leads_retrieval")
	noPages := newEmpty(t, metaleadstest.WithScopes("leads_retrieval"))
	require.Equal(t, 200, get(t, noPages, noPages.UserToken, "/v25.0/me/accounts").code(t))
	require.Equal(t, 200, get(t, noPages, noPages.UserToken, "/v25.0/"+noPages.AdAccountID+"/insights").code(t))
}

func TestAccountsPageTokenExchangeAndMe(t *testing.T) {
	srv := newDemo(t)
	r := get(t, srv, srv.UserToken, "/v25.0/me/accounts")
	rows := r.data(t)
	require.Len(t, rows, 1)
	require.Equal(t, srv.PageID, rows[0]["id"])
	require.Equal(t, srv.PageToken, rows[0]["access_token"])
	require.Contains(t, rows[0]["tasks"], "ADVERTISE")

	r = get(t, srv, srv.UserToken, "/v25.0/"+srv.PageID+"?fields=access_token")
	require.Equal(t, map[string]any{"id": srv.PageID, "access_token": srv.PageToken}, r.JSON)

	r = get(t, srv, srv.UserToken, "/v25.0/me")
	require.Equal(t, "10009999999999999", r.JSON["id"])
	r = get(t, srv, srv.PageToken, "/v25.0/me")
	require.Equal(t, srv.PageID, r.JSON["id"], "/me with a Page token is the Page")
	require.Equal(t, 100, get(t, srv, srv.PageToken, "/v25.0/me/accounts").code(t))
}

func TestLongLivedExchangeAndDebugToken(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithAppSecret("test-app-secret-XYZ"))
	q := url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {srv.AppID}, "client_secret": {"test-app-secret-XYZ"}, "fb_exchange_token": {srv.UserToken}}
	r := get(t, srv, "", "/v25.0/oauth/access_token?"+q.Encode())
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	long := r.JSON["access_token"].(string)
	require.True(t, strings.HasPrefix(long, "fake-long-lived-user-token-"))
	require.Equal(t, "bearer", r.JSON["token_type"])
	require.Equal(t, 5183944.0, r.JSON["expires_in"])
	require.Equal(t, http.StatusOK, get(t, srv, long, "/v25.0/me/accounts").Status)

	q.Set("client_secret", "test-app-secret-WRONG")
	require.Equal(t, 1, get(t, srv, "", "/v25.0/oauth/access_token?"+q.Encode()).code(t))
	q.Set("client_secret", "test-app-secret-XYZ")
	q.Set("fb_exchange_token", "test-user-token-UNKNOWN")
	require.Equal(t, 190, get(t, srv, "", "/v25.0/oauth/access_token?"+q.Encode()).code(t))

	// debug_token with the app token, per §4.4.
	r = get(t, srv, srv.AppToken, "/v25.0/debug_token?input_token="+url.QueryEscape(srv.PageToken))
	d := r.JSON["data"].(map[string]any)
	require.Equal(t, "PAGE", d["type"])
	require.Equal(t, srv.AppID, d["app_id"])
	require.Equal(t, true, d["is_valid"])
	require.Equal(t, 0.0, d["expires_at"])
	require.Equal(t, srv.PageID, d["profile_id"])
	require.Contains(t, d["scopes"], "leads_retrieval")
	gs := d["granular_scopes"].([]any)
	require.NotEmpty(t, gs)

	r = get(t, srv, srv.AppToken, "/v25.0/debug_token?input_token="+url.QueryEscape(srv.UserToken))
	d = r.JSON["data"].(map[string]any)
	require.Equal(t, "USER", d["type"])
	require.Greater(t, d["expires_at"].(float64), float64(time.Now().Unix()))

	srv.ExpireToken(long)
	d = get(t, srv, srv.AppToken, "/v25.0/debug_token?input_token="+long).JSON["data"].(map[string]any)
	require.Equal(t, false, d["is_valid"])
	require.Equal(t, 190.0, d["error"].(map[string]any)["code"])

	d = get(t, srv, srv.AppToken, "/v25.0/debug_token?input_token=test-token-UNKNOWN").JSON["data"].(map[string]any)
	require.Equal(t, false, d["is_valid"])
	require.Equal(t, 100, get(t, srv, srv.AppToken, "/v25.0/debug_token").code(t))
	// The app token reads nothing else.
	require.Equal(t, 100, get(t, srv, srv.AppToken, "/v25.0/"+srv.PageID).code(t))
}

func TestAppSecretProof(t *testing.T) {
	// Test vectors from meta-graph.md §4.5.
	require.Equal(t, "1f237104a9aa9865f1e34027d1a01fdb47f7887b257eb86484afc011f1316a23",
		metaleadstest.Proof("example-app-secret", "EXAMPLE-ACCESS-TOKEN"))
	require.Equal(t, "8b951f67e37244f5a4906de7eba9e67e9a0f985c298412f8cafcb632785df060",
		metaleadstest.Proof("example-app-secret", "EXAMPLE-ACCESS-TOKEN|1767225600"))

	now := time.Unix(1767225600, 0)
	srv := newEmpty(t, metaleadstest.WithAppSecret("test-app-secret-XYZ"), metaleadstest.RequireProof(true),
		metaleadstest.WithClock(func() time.Time { return now }))
	tok := srv.PageToken
	path := "/v25.0/" + srv.PageID + "?"

	r := get(t, srv, tok, path)
	require.Equal(t, 100, r.code(t))
	require.Equal(t, "API calls from the server require an appsecret_proof argument", r.errorObj(t)["message"])

	r = get(t, srv, tok, path+"appsecret_proof="+metaleadstest.Proof("test-app-secret-WRONG", tok))
	require.Equal(t, "Invalid appsecret_proof provided in the API argument", r.errorObj(t)["message"])

	require.Equal(t, http.StatusOK, get(t, srv, tok, path+"appsecret_proof="+metaleadstest.Proof("test-app-secret-XYZ", tok)).Status)
	require.Equal(t, http.StatusOK, get(t, srv, tok, path+"appsecret_proof="+metaleads.AppSecretProof("test-app-secret-XYZ", tok)).Status)

	ts := strconv.FormatInt(now.Unix(), 10)
	timed := metaleadstest.Proof("test-app-secret-XYZ", tok+"|"+ts)
	require.Equal(t, timed, metaleads.TimedAppSecretProof("test-app-secret-XYZ", tok, now.Unix()))
	require.Equal(t, http.StatusOK, get(t, srv, tok, path+"appsecret_time="+ts+"&appsecret_proof="+timed).Status)
	// The timed proof does not validate as an untimed one, nor with another time.
	require.Equal(t, 100, get(t, srv, tok, path+"appsecret_proof="+timed).code(t))
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	r = get(t, srv, tok, path+"appsecret_time="+old+"&appsecret_proof="+metaleadstest.Proof("test-app-secret-XYZ", tok+"|"+old))
	require.Equal(t, 100, r.code(t))
	require.Contains(t, r.errorObj(t)["message"], "appsecret_time")

	// Without RequireProof a missing proof is fine, a wrong one is not.
	lax := newEmpty(t)
	require.Equal(t, http.StatusOK, get(t, lax, lax.PageToken, "/v25.0/me").Status)
	require.Equal(t, 100, get(t, lax, lax.PageToken, "/v25.0/me?appsecret_proof=00").code(t))
}

func TestBatch(t *testing.T) {
	srv := newEmpty(t)
	formID, leadIDs := seedForm(srv, 3, ref)
	items := `[{"method":"GET","relative_url":"v25.0/` + leadIDs[0] + `?fields=id,created_time"},` +
		`{"method":"GET","relative_url":"/` + formID + `/leads?limit=2"},` +
		`{"method":"GET","relative_url":"v25.0/999999?fields=id"},` +
		`{"relative_url":"` + leadIDs[1] + `?access_token=test-token-WRONG"}]`
	r := post(t, srv, srv.PageToken, "/v25.0/", url.Values{"batch": {items}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var out []struct {
		Code    int
		Headers []struct{ Name, Value string }
		Body    string
	}
	require.NoError(t, json.Unmarshal(r.Body, &out))
	require.Len(t, out, 4)
	require.Equal(t, 200, out[0].Code)
	require.JSONEq(t, `{"id":"`+leadIDs[0]+`","created_time":"`+ref.Format("2006-01-02T15:04:05-0700")+`"}`, out[0].Body, "body is a JSON string")
	require.NotEmpty(t, out[0].Headers)
	require.Equal(t, 200, out[1].Code)
	require.Contains(t, out[1].Body, `"next":"`+srv.URL+`/v25.0/`+formID+`/leads?`)
	require.Equal(t, 400, out[2].Code)
	require.Contains(t, out[2].Body, `"error_subcode":33`)
	require.Equal(t, 400, out[3].Code, "an item's own token is used")
	require.Contains(t, out[3].Body, `"code":190`)
	require.Equal(t, 4, srv.Stats().BatchItems)
	require.Equal(t, 1, srv.RequestCount(), "one HTTP request")

	// include_headers=false drops headers.
	r = post(t, srv, srv.PageToken, "/", url.Values{"batch": {`[{"method":"GET","relative_url":"me"}]`}, "include_headers": {"false"}})
	require.NotContains(t, string(r.Body), "headers")

	// More than 50 items.
	many := "[" + strings.Repeat(`{"method":"GET","relative_url":"me"},`, 50) + `{"method":"GET","relative_url":"me"}]`
	r = post(t, srv, srv.PageToken, "/", url.Values{"batch": {many}})
	require.Equal(t, 100, r.code(t))
	require.Contains(t, r.errorObj(t)["message"], "Maximum batch size is 50")
	// The batch itself needs a token.
	require.Equal(t, 104, post(t, srv, "", "/", url.Values{"batch": {`[{"relative_url":"me"}]`}}).code(t))

	// Faults on items: a Graph error becomes the item's answer; a reset makes it null.
	srv.FailMatching("/"+leadIDs[0], 1, metaleadstest.ThrottleFault(80005))
	srv.FailMatching("/"+leadIDs[1], 1, metaleadstest.Fault{Reset: true})
	two := `[{"method":"GET","relative_url":"` + leadIDs[0] + `"},{"method":"GET","relative_url":"` + leadIDs[1] + `"},{"method":"GET","relative_url":"` + leadIDs[2] + `"}]`
	r = post(t, srv, srv.PageToken, "/", url.Values{"batch": {two}})
	require.Equal(t, http.StatusOK, r.Status)
	var raw []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &raw))
	require.Equal(t, 400.0, raw[0]["code"])
	require.Contains(t, raw[0]["body"], `"code":80005`)
	require.Nil(t, raw[1], "a timed-out item is null")
	require.Equal(t, 200.0, raw[2]["code"])
}

func TestBodyFormats(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 2, ref)
	batch := []map[string]string{{"method": "GET", "relative_url": formID + "/leads"}}

	// A JSON body, as the Node SDK sends: non-string values are JSON text.
	js, _ := json.Marshal(map[string]any{"access_token": srv.PageToken, "batch": batch, "include_headers": false})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v25.0/", strings.NewReader(string(js)))
	req.Header.Set("Content-Type", "application/json")
	r := do(t, srv, req)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.NotContains(t, string(r.Body), "headers")
	require.Contains(t, string(r.Body), `\"data\":[`)
	require.Equal(t, "form", srv.Requests()[0].Token())

	// multipart/form-data.
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("access_token", srv.PageToken)
	_ = mw.WriteField("subscribed_fields", "leadgen")
	_ = mw.Close()
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/v25.0/"+srv.PageID+"/subscribed_apps", strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r = do(t, srv, req)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, true, r.JSON["success"])

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/v25.0/", strings.NewReader("{not json"))
	req.Header.Set("Content-Type", "application/json")
	require.Equal(t, 100, do(t, srv, req).code(t))
}

func TestAdLeadsEdgeAndWrites(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	ad := ds.Ads[0]
	want := ds.LeadsOfAd(ad.ID)
	require.NotEmpty(t, want)
	var got []string
	r := get(t, srv, srv.PageToken, "/v25.0/"+ad.ID+"/leads?limit=50&fields=id,ad_id,campaign_id")
	for {
		for _, row := range r.data(t) {
			require.Equal(t, ad.ID, row["ad_id"])
			require.Equal(t, ad.CampaignID, row["campaign_id"])
			got = append(got, row["id"].(string))
		}
		if r.next() == "" {
			break
		}
		r = get(t, srv, "", r.next())
	}
	require.Len(t, got, len(want))
	require.Equal(t, want[len(want)-1].ID, got[0], "newest first")

	other := srv.PageTokenFor(srv.AddPage(metaleadstest.Page{}))
	require.Equal(t, 100, get(t, srv, other, "/v25.0/"+ad.ID+"/leads").code(t))

	// Node reads of the ads hierarchy.
	r = get(t, srv, srv.UserToken, "/v25.0/"+ad.ID+"?fields=name,adset_id,campaign{name}")
	require.Equal(t, ad.Name, r.JSON["name"])
	require.Equal(t, ad.AdSetID, r.JSON["adset_id"])
	require.Equal(t, map[string]any{"id": ad.CampaignID, "name": mustCampaign(t, ds, ad.CampaignID)}, r.JSON["campaign"])

	// Form status update and lead deletion.
	form := ds.Forms[0].ID
	r = post(t, srv, srv.PageToken, "/v25.0/"+form, url.Values{"status": {"ARCHIVED"}})
	require.Equal(t, true, r.JSON["success"])
	require.Equal(t, "ARCHIVED", get(t, srv, srv.PageToken, "/v25.0/"+form+"?fields=status").JSON["status"])
	require.Equal(t, 100, post(t, srv, srv.PageToken, "/v25.0/"+form, url.Values{"status": {"PAUSED"}}).code(t))
	lead := want[0].ID
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/v25.0/"+lead, nil)
	req.Header.Set("Authorization", "Bearer "+srv.PageToken)
	require.Equal(t, true, do(t, srv, req).JSON["success"])
	require.Equal(t, 100, get(t, srv, srv.PageToken, "/v25.0/"+lead).code(t))
}

func mustCampaign(t *testing.T, ds *demo.Dataset, id string) string {
	t.Helper()
	c, ok := ds.Campaign(id)
	require.True(t, ok)
	return c.Name
}

func TestOptionValidation(t *testing.T) {
	for name, o := range map[string]metaleadstest.Option{
		"version": metaleadstest.WithAPIVersion("25"), "latency": metaleadstest.WithLatency(-1),
		"usage": metaleadstest.WithUsageRate(101), "synthetic": metaleadstest.WithSyntheticForm("", -1),
		"clock": metaleadstest.WithClock(nil), "dataset": metaleadstest.WithDataset(nil),
		"addr": metaleadstest.WithAddr(""), "secret": metaleadstest.WithAppSecret(""),
		"appid": metaleadstest.WithAppID(""), "empty": metaleadstest.WithEmptyPages(-1),
		"reduce": metaleadstest.WithReduceDataAbove(-1), "log": metaleadstest.WithRequestLog(-1),
		"polls": metaleadstest.WithAsyncPolls(-1),
	} {
		require.Panics(t, func() { metaleadstest.NewServer(o) }, name)
	}
	srv := newEmpty(t, metaleadstest.WithAPIVersion("v24.0"), metaleadstest.WithAppID("1111222233334444"))
	require.Equal(t, "v24.0", get(t, srv, srv.UserToken, "/me").Header.Get("Facebook-Api-Version"))
	require.Equal(t, "1111222233334444|"+srv.AppSecret, srv.AppToken)

	second := srv.IssueUserToken()
	require.NotEqual(t, srv.UserToken, second)
	require.Equal(t, http.StatusOK, get(t, srv, second, "/v25.0/me/accounts").Status)
}
