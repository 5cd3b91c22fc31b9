package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const formID = "987654321098765"

// expectPage checks a leads request: path, after cursor and limit.
func expectPage(path, after string, limit int) func(t *testing.T, r recorded) {
	return func(t *testing.T, r recorded) {
		t.Helper()
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "graph.facebook.com", r.URL.Host, "the next URL must never be followed")
		assert.Equal(t, path, r.URL.Path)
		q := r.URL.Query()
		assert.Equal(t, after, q.Get("after"))
		assert.Equal(t, strconv.Itoa(limit), q.Get("limit"))
		assert.Empty(t, q.Get("access_token"))
	}
}

func pageStep(path, after string, limit int, body string) step {
	return step{status: 200, body: body, check: expectPage(path, after, limit)}
}

const leadsPath = "/v26.0/" + formID + "/leads"

func TestLeadsMultiPage(t *testing.T) {
	s, mt := newScript(t,
		pageStep(leadsPath, "", 100, leadsPage("C1", true, "1", "2")),
		pageStep(leadsPath, "C1", 100, leadsPage("C2", true, "3")),
		pageStep(leadsPath, "C2", 100, leadsPage("C3", false, "4")), // cursors.after on the last page is ignored
	)
	c := newTestClient(t, mt)
	ids, errs := collectIDs(c.Leads(t.Context(), formID, LeadsOptions{}))
	assert.Empty(t, errs)
	assert.Equal(t, []string{"1", "2", "3", "4"}, ids)
	reqs := s.requests()
	require.Len(t, reqs, 3)
	fields := reqs[0].URL.Query().Get("fields")
	assert.Equal(t, "id,created_time,ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name,form_id,field_data,custom_disclaimer_responses,is_organic,platform,partner_name,retailer_item_id", fields)
	assert.Empty(t, reqs[0].URL.Query().Get("filtering"))
}

func TestLeadsLazyAndRestartable(t *testing.T) {
	s, mt := newScript(t,
		ok(leadsPage("", false, "1")),
		ok(leadsPage("", false, "1")),
	)
	c := newTestClient(t, mt)
	seq := c.Leads(t.Context(), formID, LeadsOptions{})
	assert.Empty(t, s.requests(), "no request before the first pull")
	ids, _ := collectIDs(seq)
	assert.Equal(t, []string{"1"}, ids)
	ids, _ = collectIDs(seq)
	assert.Equal(t, []string{"1"}, ids, "ranging again starts again")
	assert.Len(t, s.requests(), 2)
}

func TestLeadsCopiesOptions(t *testing.T) {
	s, mt := newScript(t, ok(leadsPage("", false, "1")))
	c := newTestClient(t, mt)
	opts := LeadsOptions{Fields: []string{"post"}, PageSize: 10}
	seq := c.Leads(t.Context(), formID, opts)
	opts.Fields[0] = "vehicle"
	opts.PageSize = 99
	_, errs := collectIDs(seq)
	require.Empty(t, errs)
	q := s.requests()[0].URL.Query()
	assert.Contains(t, q.Get("fields"), ",post")
	assert.NotContains(t, q.Get("fields"), "vehicle")
	assert.Equal(t, "10", q.Get("limit"))
}

func TestLeadsEmptyMiddlePage(t *testing.T) {
	_, mt := newScript(t,
		pageStep(leadsPath, "", 100, leadsPage("C1", true, "1")),
		pageStep(leadsPath, "C1", 100, leadsPage("C2", true)), // empty, but next exists
		pageStep(leadsPath, "C2", 100, leadsPage("C3", true)), // empty again
		pageStep(leadsPath, "C3", 100, leadsPage("", false, "2")),
	)
	c := newTestClient(t, mt)
	ids, errs := collectIDs(c.Leads(t.Context(), formID, LeadsOptions{}))
	assert.Empty(t, errs)
	assert.Equal(t, []string{"1", "2"}, ids)
}

func TestLeadsRepeatedCursor(t *testing.T) {
	_, mt := newScript(t,
		ok(leadsPage("C1", true, "1")),
		ok(leadsPage("C2", true, "2")),
		ok(leadsPage("C1", true, "3")), // C1 again: a loop
	)
	c := newTestClient(t, mt)
	ids, errs := collectIDs(c.Leads(t.Context(), formID, LeadsOptions{}))
	assert.Equal(t, []string{"1", "2", "3"}, ids, "what arrived is delivered")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrRepeatedCursor)

	// A cursor equal to the starting After also counts.
	_, mt = newScript(t, ok(leadsPage("START", true, "1")))
	c = newTestClient(t, mt)
	ids, errs = collectIDs(c.Leads(t.Context(), formID, LeadsOptions{After: "START"}))
	assert.Equal(t, []string{"1"}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrRepeatedCursor)
}

func TestLeadsErrorOnSecondPageYieldsOnce(t *testing.T) {
	s, mt := newScript(t,
		ok(leadsPage("C1", true, "1", "2")),
		graphErr(400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."),
	)
	c := newTestClient(t, mt)
	var ids []string
	var errs []error
	for l, err := range c.Leads(t.Context(), formID, LeadsOptions{}) {
		if err != nil {
			errs = append(errs, err)
			assert.Equal(t, Lead{}, l)
			continue
		}
		ids = append(ids, l.ID)
	}
	assert.Equal(t, []string{"1", "2"}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrUnauthorized)
	assert.Len(t, s.requests(), 2, "190 is not retried and nothing follows the error")
}

func TestLeadsEarlyBreakStopsRequests(t *testing.T) {
	s, mt := newScript(t,
		ok(leadsPage("C1", true, "1", "2")),
		ok(leadsPage("C2", true, "3")),
	)
	c := newTestClient(t, mt)
	for l, err := range c.Leads(t.Context(), formID, LeadsOptions{}) {
		require.NoError(t, err)
		if l.ID == "2" {
			break
		}
	}
	assert.Len(t, s.requests(), 1)
	assert.Equal(t, 1, s.remaining())
}

func TestLeadsReduceDataHalvesPageSize(t *testing.T) {
	reduce := graphErr(500, 1, 0, "Please reduce the amount of data you're asking for, then retry your request")
	with := func(st step, after string, limit int) step {
		st.check = expectPage(leadsPath, after, limit)
		return st
	}
	s, mt := newScript(t,
		pageStep(leadsPath, "", 100, leadsPage("C1", true, "1")),
		with(reduce, "C1", 100),
		with(reduce, "C1", 50),
		pageStep(leadsPath, "C1", 25, leadsPage("C2", true, "2")),
		pageStep(leadsPath, "C2", 25, leadsPage("", false, "3")), // keeps the smaller size
	)
	c := newTestClient(t, mt)
	ids, errs := collectIDs(c.Leads(t.Context(), formID, LeadsOptions{}))
	assert.Empty(t, errs)
	assert.Equal(t, []string{"1", "2", "3"}, ids)
	assert.Len(t, s.requests(), 5)

	// At page size 1 there is nothing left to halve: the error surfaces once.
	_, mt = newScript(t, with(reduce, "", 2), with(reduce, "", 1))
	c = newTestClient(t, mt)
	ids, errs = collectIDs(c.Leads(t.Context(), formID, LeadsOptions{PageSize: 2}))
	assert.Empty(t, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrReduceData)

	// The page method returns it as is.
	_, mt = newScript(t, reduce)
	c = newTestClient(t, mt)
	_, err := c.LeadsPage(t.Context(), formID, LeadsOptions{})
	assert.ErrorIs(t, err, ErrReduceData)
}

func TestLeadsChecksContextBetweenPages(t *testing.T) {
	s, mt := newScript(t,
		ok(leadsPage("C1", true, "1")),
		ok(leadsPage("", false, "2")),
	)
	c := newTestClient(t, mt)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var ids []string
	var errs []error
	for l, err := range c.Leads(ctx, formID, LeadsOptions{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, l.ID)
		cancel()
	}
	assert.Equal(t, []string{"1"}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Len(t, s.requests(), 1)
}

func TestLeadsFiltering(t *testing.T) {
	since := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)                // 1775001600
	until := time.Date(2026, 4, 2, 0, 0, 0, 500, time.FixedZone("", 0)) // fractional: rounded up
	s, mt := newScript(t, ok(leadsPage("", false)), ok(leadsPage("", false)))
	c := newTestClient(t, mt)
	_, err := c.LeadsPage(t.Context(), formID, LeadsOptions{Since: since, Until: until})
	require.NoError(t, err)
	var got []timeFilter
	require.NoError(t, json.Unmarshal([]byte(s.requests()[0].URL.Query().Get("filtering")), &got))
	assert.Equal(t, []timeFilter{
		{"time_created", "GREATER_THAN_OR_EQUAL", 1775001600},
		{"time_created", "LESS_THAN", 1775088001},
	}, got)

	_, err = c.LeadsPage(t.Context(), formID, LeadsOptions{Since: since.Add(time.Millisecond)})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(s.requests()[1].URL.Query().Get("filtering")), &got))
	assert.Equal(t, []timeFilter{{"time_created", "GREATER_THAN_OR_EQUAL", 1775001601}}, got)
}

func TestLeadsBadOptions(t *testing.T) {
	s, mt := newScript(t)
	c := newTestClient(t, mt)
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		id   string
		opts LeadsOptions
	}{
		"empty window":    {formID, LeadsOptions{Since: day, Until: day}},
		"reversed window": {formID, LeadsOptions{Since: day.Add(time.Hour), Until: day}},
		"negative size":   {formID, LeadsOptions{PageSize: -1}},
		"blank field":     {formID, LeadsOptions{Fields: []string{" "}}},
		"field with &":    {formID, LeadsOptions{Fields: []string{"a&access_token=x"}}},
		"empty id":        {"", LeadsOptions{}},
		"id with slash":   {"1/../2", LeadsOptions{}},
		"id with query":   {"1?x=1", LeadsOptions{}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.LeadsPage(t.Context(), tc.id, tc.opts)
			assert.Error(t, err)
			ids, errs := collectIDs(c.Leads(t.Context(), tc.id, tc.opts))
			assert.Empty(t, ids)
			assert.Len(t, errs, 1)
		})
	}
	assert.Empty(t, s.requests())
}

func TestLeadsPagerResume(t *testing.T) {
	_, mt := newScript(t,
		ok(leadsPage("C1", true, "1", "2")),
		ok(leadsPage("C2", true, "3", "4")),
	)
	c := newTestClient(t, mt)
	p := c.LeadsPager(formID, LeadsOptions{})
	assert.Equal(t, "", p.Cursor())
	for l, err := range p.All(t.Context()) {
		require.NoError(t, err)
		if l.ID == "2" {
			break // the last item of page 1: page 1 fully delivered
		}
	}
	assert.Equal(t, "C1", p.Cursor())
	for l, err := range p.All(t.Context()) {
		require.NoError(t, err)
		if l.ID == "3" {
			break // mid page 2: resume must re-deliver page 2
		}
	}
	assert.Equal(t, "C1", p.Cursor())
	assert.False(t, p.Done())

	// Resume with a fresh pager from the cursor.
	s, mt := newScript(t,
		pageStep(leadsPath, "C1", 100, leadsPage("C2", true, "3", "4")),
		pageStep(leadsPath, "C2", 100, leadsPage("", false, "5")),
	)
	c = newTestClient(t, mt)
	p = c.LeadsPager(formID, LeadsOptions{After: "C1"})
	ids, errs := collectIDs(p.All(t.Context()))
	assert.Empty(t, errs)
	assert.Equal(t, []string{"3", "4", "5"}, ids)
	assert.True(t, p.Done())
	assert.Equal(t, "", p.Cursor())
	assert.Len(t, s.requests(), 2)
	page, err := p.Next(t.Context())
	assert.NoError(t, err)
	assert.Empty(t, page.Items)
}

func TestLeadsPagerNextRetriesAfterError(t *testing.T) {
	_, mt := newScript(t,
		graphErr(400, 100, 0, "(#100) Invalid parameter"),
		ok(leadsPage("", false, "1")),
	)
	c := newTestClient(t, mt)
	p := c.LeadsPager(formID, LeadsOptions{})
	_, err := p.Next(t.Context())
	require.Error(t, err)
	page, err := p.Next(t.Context())
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	assert.True(t, p.Done())
}

func TestAdLeads(t *testing.T) {
	adPath := "/v26.0/120200000000000001/leads"
	_, mt := newScript(t,
		pageStep(adPath, "", 100, leadsPage("A1", true, "1")),
		pageStep(adPath, "A1", 100, leadsPage("", false, "2")),
		pageStep(adPath, "", 100, leadsPage("", false, "9")),
	)
	c := newTestClient(t, mt)
	ids, errs := collectIDs(c.AdLeads(t.Context(), "120200000000000001", LeadsOptions{}))
	assert.Empty(t, errs)
	assert.Equal(t, []string{"1", "2"}, ids)
	page, err := c.AdLeadsPage(t.Context(), "120200000000000001", LeadsOptions{})
	require.NoError(t, err)
	assert.Equal(t, "9", page.Items[0].ID)
	assert.Equal(t, "", page.After)
}

// The reference's example page (§2.3), with a few wire quirks added.
const referencePage = `{
  "data": [
    {
      "id": 1122334455667788,
      "created_time": "2026-04-03T14:22:05+0000",
      "ad_id": "120200000000000001",
      "ad_name": "Spring SUV - video A",
      "adset_id": "120200000000000002",
      "adset_name": "Spring SUV - 25-44",
      "campaign_id": "120200000000000003",
      "campaign_name": "Spring test drives",
      "form_id": "987654321098765",
      "is_organic": false,
      "platform": "fb",
      "field_data": [
        { "name": "full_name", "values": ["Alex Example"] },
        { "name": "email", "values": ["alex@example.com"] },
        { "name": "phone_number", "values": ["+15555550100"] },
        { "name": "preferred_model", "values": ["suv"] }
      ],
      "custom_disclaimer_responses": [
        { "checkbox_key": "optional_1", "is_checked": "1" },
        { "checkbox_key": "optional_2", "is_checked": "" }
      ],
      "post": {"id": "999"},
      "surprise": [1, 2, 3]
    },
    {
      "id": "1122334455667799",
      "created_time": "2026-04-03T13:01:44Z",
      "form_id": "987654321098765",
      "is_organic": "1",
      "platform": "ig",
      "field_data": [
        { "name": "full_name", "values": ["Sam Sample"] },
        { "name": "email", "values": "sam@example.org" }
      ]
    }
  ],
  "paging": {
    "cursors": { "before": "OTc2Nz3M8MTgyExample", "after": "OTcxNjcyOTg4Example" },
    "next": "https://graph.facebook.com/v25.0/987654321098765/leads?fields=...&limit=2&after=OTcxNjcyOTg4Example&access_token=<redacted>"
  }
}`

func TestDecodeLeadsPage(t *testing.T) {
	p, err := decodeLeadsPage([]byte(referencePage))
	require.NoError(t, err)
	assert.Equal(t, "OTcxNjcyOTg4Example", p.After)
	require.Len(t, p.Items, 2)
	a := p.Items[0]
	assert.Equal(t, Lead{
		ID:           "1122334455667788",
		CreatedTime:  time.Date(2026, 4, 3, 14, 22, 5, 0, time.UTC),
		FormID:       "987654321098765",
		AdID:         "120200000000000001",
		AdName:       "Spring SUV - video A",
		AdSetID:      "120200000000000002",
		AdSetName:    "Spring SUV - 25-44",
		CampaignID:   "120200000000000003",
		CampaignName: "Spring test drives",
		Platform:     "fb",
		Fields: []Field{
			{"full_name", []string{"Alex Example"}}, {"email", []string{"alex@example.com"}},
			{"phone_number", []string{"+15555550100"}}, {"preferred_model", []string{"suv"}},
		},
		DisclaimerAnswers: []DisclaimerResponse{{"optional_1", true}, {"optional_2", false}},
	}, a)
	b := p.Items[1]
	assert.True(t, b.IsOrganic)
	assert.Equal(t, time.Date(2026, 4, 3, 13, 1, 44, 0, time.UTC), b.CreatedTime)
	v, found := b.Value("email")
	assert.True(t, found)
	assert.Equal(t, "sam@example.org", v)

	// Extra fields are kept only when asked for.
	s, mt := newScript(t, ok(referencePage))
	c := newTestClient(t, mt)
	page, err := c.LeadsPage(t.Context(), formID, LeadsOptions{Fields: []string{"post", "surprise"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"999"}`, string(page.Items[0].Extra["post"]))
	assert.JSONEq(t, `[1,2,3]`, string(page.Items[0].Extra["surprise"]))
	assert.Nil(t, page.Items[1].Extra)
	assert.Equal(t, a.Fields, page.Items[0].Fields)
	assert.Contains(t, s.requests()[0].URL.Query().Get("fields"), ",post,surprise")
}

func TestDecodeLeadsPageRejects(t *testing.T) {
	for name, body := range map[string]string{
		"no data":          `{"paging":{}}`,
		"data null":        `{"data":null}`,
		"data object":      `{"data":{}}`,
		"next w/o cursor":  `{"data":[],"paging":{"next":"https://graph.facebook.com/x"}}`,
		"bad time":         `{"data":[{"id":"1","created_time":"yesterday"}]}`,
		"bad is_checked":   `{"data":[{"id":"1","custom_disclaimer_responses":[{"checkbox_key":"k","is_checked":"maybe"}]}]}`,
		"values of object": `{"data":[{"id":"1","field_data":[{"name":"x","values":{"a":1}}]}]}`,
		"html":             `<html>oops</html>`,
	} {
		_, err := decodeLeadsPage([]byte(body))
		assert.Error(t, err, name)
	}
	// Fallback: the after cursor is read from the next URL (never followed).
	p, err := decodeLeadsPage([]byte(`{"data":[],"paging":{"next":"https://graph.facebook.com/v26.0/1/leads?after=XYZ&access_token=T"}}`))
	require.NoError(t, err)
	assert.Equal(t, "XYZ", p.After)

	// A page with a lead without id is an invalid response.
	_, mt := newScript(t, ok(`{"data":[null]}`))
	c := newTestClient(t, mt)
	_, err = c.LeadsPage(t.Context(), formID, LeadsOptions{})
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

func TestLeadByID(t *testing.T) {
	_, mt := newScript(t, step{status: 200, body: leadJSON("1122334455667788"), check: func(t *testing.T, r recorded) {
		assert.Equal(t, "/v26.0/1122334455667788", r.URL.Path)
		assert.Contains(t, r.URL.Query().Get("fields"), "field_data")
	}}, graphErr(400, 100, 33, "Unsupported get request."))
	c := newTestClient(t, mt)
	l, err := c.Lead(t.Context(), "1122334455667788")
	require.NoError(t, err)
	assert.Equal(t, "1122334455667788", l.ID)
	v, _ := l.Value("email")
	assert.Equal(t, "lead1122334455667788@example.com", v)
	_, err = c.Lead(t.Context(), "1")
	assert.ErrorIs(t, err, ErrNotFound)
	var ge *Error
	assert.True(t, errors.As(err, &ge))
}

func FuzzDecodeLeadsPage(f *testing.F) {
	f.Add([]byte(referencePage))
	f.Add([]byte(leadsPage("C1", true, "1", "2")))
	f.Add([]byte(`{"data":[{"id":1,"created_time":1767225600,"is_organic":"","custom_disclaimer_responses":[{"is_checked":1}]}]}`))
	f.Add([]byte(`{"data":[],"paging":{"next":"%zz"}}`))
	f.Add([]byte(`{"data":[{"id":"1","field_data":[{"name":null,"values":null}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeLeadsPage(body)
		if err != nil {
			if len(p.Items) != 0 || p.After != "" {
				t.Fatalf("error with a non-empty page: %v", err)
			}
			return
		}
		// A decoded page re-encodes and decodes to the same leads.
		for _, l := range p.Items {
			b, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			var back Lead
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("re-decode: %v\n%s", err, b)
			}
			if !back.CreatedTime.Equal(l.CreatedTime) || back.ID != l.ID || len(back.Fields) != len(l.Fields) {
				t.Fatalf("round trip changed the lead: %+v vs %+v", l, back)
			}
		}
		if p.After != "" {
			if _, err := url.Parse("x?after=" + url.QueryEscape(p.After)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
