package enrich

import (
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportLead(t *testing.T) {
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{})
	require.NoError(t, err)
	l := metaleads.Lead{
		ID: "7000000000000001", CreatedTime: time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("X", 2*3600)),
		FormID: "1001", CampaignID: "c1", CampaignName: "Spring", AdSetID: "s1", AdSetName: "Kyiv",
		AdID: "a1", AdName: "Video", Platform: "ig",
		Fields: []metaleads.Field{
			{Name: "full_name", Values: []string{" Olena  Koval "}},
			{Name: "email", Values: []string{"Olena.K@Example.com"}},
			{Name: "phone_number", Values: []string{"063 123 45 67"}},
			{Name: "level", Values: []string{"intermediate"}},
		},
	}
	rec := ExportLead(l, norm.ContactFromLead(l))
	assert.Equal(t, `{"id":"7000000000000001","created_time":"2026-03-01T07:30:00Z","form_id":"1001",`+
		`"campaign_id":"c1","campaign_name":"Spring","adset_id":"s1","adset_name":"Kyiv","ad_id":"a1","ad_name":"Video",`+
		`"is_organic":false,"platform":"ig","contact":{"full_name":"Olena Koval","email":"olena.k@example.com",`+
		`"phone":"+380631234567","country":""},"answers":{"level":"intermediate"}}`, jsonOf(t, rec))

	// An organic lead without answers and with an unusable phone.
	o := metaleads.Lead{ID: "7000000000000002", CreatedTime: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), FormID: "1001", IsOrganic: true,
		Fields: []metaleads.Field{{Name: "phone_number", Values: []string{"12"}}}}
	el := EnrichedLead{Lead: o, Contact: norm.ContactFromLead(o)}
	assert.Equal(t, `{"id":"7000000000000002","created_time":"2026-03-02T00:00:00Z","form_id":"1001",`+
		`"campaign_id":"","campaign_name":"","adset_id":"","adset_name":"","ad_id":"","ad_name":"",`+
		`"is_organic":true,"platform":"","contact":{"full_name":"","email":"","phone":"12","country":""},"answers":{},`+
		`"customer":null,"payments":null,"attendance":null}`, jsonOf(t, el))

	// A matched lead without payments or lessons has zero counts, null dates.
	el.Customer = &Customer{ID: 5, Name: "X", LeadStatusID: 3, LeadStatus: "Связались", MatchedBy: MatchedByPhone}
	assert.Contains(t, jsonOf(t, el), `"customer":{"id":5,"name":"X","is_study":false,"study_status":null,"lead_status":"Связались","matched_by":"phone","ambiguous":false},`+
		`"payments":{"count":0,"total":"0.00","first_date":null,"last_date":null},"attendance":{"attended":0,"missed":0,"last_date":null}}`)
}

func TestExpectedLeads(t *testing.T) {
	now := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	f := metaleads.Form{LeadsCount: 1000, CreatedTime: now.AddDate(0, 0, -100)}
	assert.Equal(t, 1000, expectedLeads(f, time.Time{}, time.Time{}, now))
	assert.Equal(t, 100, expectedLeads(f, now.AddDate(0, 0, -10), time.Time{}, now))
	assert.Equal(t, 50, expectedLeads(f, now.AddDate(0, 0, -10), now.AddDate(0, 0, -5), now))
	assert.Equal(t, 1000, expectedLeads(f, now.AddDate(-1, 0, 0), time.Time{}, now), "a window before the form's creation")
	assert.Equal(t, 0, expectedLeads(f, now.AddDate(0, 0, 1), time.Time{}, now))
	assert.Equal(t, 7, expectedLeads(metaleads.Form{LeadsCount: 7}, now.AddDate(0, 0, -1), time.Time{}, now), "no creation time: no scaling")
}
