package metaleads

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pageID = "102030405060708"

// The reference's example form (§1) with counters as strings.
const formJSON = `{
  "id": "987654321098765",
  "name": "Spring test-drive form",
  "status": "ACTIVE",
  "locale": "EN_US",
  "leads_count": "214",
  "expired_leads_count": 37,
  "organic_leads_count": 0,
  "created_time": "2026-03-02T10:15:00+0000",
  "page": {"id": "102030405060708"},
  "privacy_policy_url": "https://example.com/privacy",
  "questions": [
    { "key": "full_name", "label": "Full name", "type": "FULL_NAME", "id": "111000000000001" },
    { "key": "preferred_model", "label": "Which model?", "type": "CUSTOM", "id": 111000000000003,
      "options": [ { "key": "sedan", "value": "Sedan" }, { "key": "suv", "value": "SUV" } ] }
  ]
}`

var wantForm = Form{
	ID: "987654321098765", Name: "Spring test-drive form", Status: "ACTIVE", Locale: "EN_US",
	PageID: pageID, LeadsCount: 214, ExpiredLeadsCount: 37,
	CreatedTime: time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC),
	Questions: []Question{
		{ID: "111000000000001", Key: "full_name", Label: "Full name", Type: "FULL_NAME"},
		{ID: "111000000000003", Key: "preferred_model", Label: "Which model?", Type: "CUSTOM",
			Options: []QuestionOption{{"sedan", "Sedan"}, {"suv", "SUV"}}},
	},
}

func TestFormsPaging(t *testing.T) {
	path := "/v26.0/" + pageID + "/leadgen_forms"
	s, mt := newScript(t,
		pageStep(path, "", DefaultFormsPageSize, `{"data":[`+formJSON+`],"paging":{"cursors":{"after":"F1"},"next":"https://evil.example.com/next"}}`),
		pageStep(path, "F1", DefaultFormsPageSize, `{"data":[{"id":"2","name":"Second"}],"paging":{"cursors":{"after":"F2"}}}`),
	)
	c := newTestClient(t, mt)
	var forms []Form
	for f, err := range c.Forms(t.Context(), pageID, FormsOptions{}) {
		require.NoError(t, err)
		forms = append(forms, f)
	}
	require.Len(t, forms, 2)
	assert.Equal(t, wantForm, forms[0])
	assert.Equal(t, "Second", forms[1].Name)
	assert.Equal(t, "id,name,status,locale,leads_count,expired_leads_count,organic_leads_count,created_time,page_id,questions{id,key,label,type,options}",
		s.requests()[0].URL.Query().Get("fields"))
}

func TestFormsPageAndExtra(t *testing.T) {
	s, mt := newScript(t,
		ok(`{"data":[`+formJSON+`],"paging":{"cursors":{"after":"F1"},"next":"x"}}`),
		step{status: 200, body: formJSON, check: func(t *testing.T, r recorded) {
			assert.Equal(t, "/v26.0/987654321098765", r.URL.Path)
		}},
		step{status: 200, body: formJSON},
	)
	c := newTestClient(t, mt)
	p, err := c.FormsPage(t.Context(), pageID, FormsOptions{PageSize: 5, Fields: []string{"privacy_policy_url"}})
	require.NoError(t, err)
	assert.Equal(t, "F1", p.After)
	assert.JSONEq(t, `"https://example.com/privacy"`, string(p.Items[0].Extra["privacy_policy_url"]))
	assert.Equal(t, "5", s.requests()[0].URL.Query().Get("limit"))

	f, err := c.Form(t.Context(), "987654321098765")
	require.NoError(t, err)
	assert.Equal(t, wantForm, f, "no Extra unless asked for")
	f, err = c.Form(t.Context(), "987654321098765", "privacy_policy_url")
	require.NoError(t, err)
	assert.Contains(t, f.Extra, "privacy_policy_url")
	assert.Contains(t, s.requests()[2].URL.Query().Get("fields"), ",privacy_policy_url")
}

func TestFormsErrors(t *testing.T) {
	s, mt := newScript(t,
		ok(`{"data":[{"name":"no id"}]}`),
		ok(`{"name":"no id"}`),
		graphErr(400, 10, 0, "(#10) Requires pages_manage_ads permission"),
	)
	c := newTestClient(t, mt)
	_, err := c.FormsPage(t.Context(), pageID, FormsOptions{})
	assert.ErrorIs(t, err, ErrInvalidResponse)
	_, err = c.Form(t.Context(), "1")
	assert.ErrorIs(t, err, ErrInvalidResponse)
	_, err = c.Form(t.Context(), "1")
	assert.ErrorIs(t, err, ErrPermission)
	_, err = c.FormsPage(t.Context(), "bad id", FormsOptions{})
	assert.Error(t, err)
	_, err = c.FormsPage(t.Context(), pageID, FormsOptions{PageSize: -3})
	assert.Error(t, err)
	for _, err := range c.Forms(t.Context(), pageID, FormsOptions{PageSize: -3}) {
		assert.Error(t, err)
	}
	assert.Len(t, s.requests(), 3)
}
