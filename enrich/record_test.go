package enrich

import (
	"encoding/json"
	"strings"
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

// exportOf normalises l with n and exports it.
func exportOf(n *metaleads.Normalizer, fields ...metaleads.Field) LeadRecord {
	l := metaleads.Lead{ID: "1", Fields: fields}
	return ExportLead(l, n.ContactFromLead(l))
}

func field(key string, values ...string) metaleads.Field {
	return metaleads.Field{Name: key, Values: values}
}

func TestExportLeadKeepsContactDetailsInAnswers(t *testing.T) {
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: "PL"})
	require.NoError(t, err)

	t.Run("every detail under its form key", func(t *testing.T) {
		rec := exportOf(norm,
			field("first_name", "Anna"), field("last_name", "Nowak"),
			field("email", "anna@"), field("phone_number", "512 345 678"), field("country", "PL"),
			field("city", " ", " Kraków "), field("State", "Małopolskie"), field("post_code", "30-001"),
			field("street_address", "ul.  Floriańska 1"), field("company_name", "Example sp. z o.o."),
			field("job_title", "Teacher"), field("date_of_birth", "1990-05-01"), field("Gender", "female"),
			field("level", "a", "b"))
		assert.Equal(t, RecordContact{FullName: "Anna Nowak", Email: "", Phone: "+48512345678", Country: "PL"}, rec.Contact)
		assert.Equal(t, map[string]string{
			"email": "anna@", "city": "Kraków", "State": "Małopolskie", "post_code": "30-001",
			"street_address": "ul. Floriańska 1", "company_name": "Example sp. z o.o.", "job_title": "Teacher",
			"date_of_birth": "1990-05-01", "Gender": "female", "level": "a, b",
		}, rec.Answers)
	})

	t.Run("localised key", func(t *testing.T) {
		rec := exportOf(norm, field("Місто:", "Львів"), field("Компанія", "Школа"))
		assert.Equal(t, map[string]string{"Місто:": "Львів", "Компанія": "Школа"}, rec.Answers)
	})

	t.Run("a second city is joined after the first", func(t *testing.T) {
		rec := exportOf(norm, field("city", "Kyiv"), field("city", "Lviv"))
		assert.Equal(t, map[string]string{"city": "Kyiv, Lviv"}, rec.Answers)
		rec = exportOf(norm, field("місто", "Kyiv"), field("city", "Lviv"))
		assert.Equal(t, map[string]string{"місто": "Kyiv", "city": "Lviv"}, rec.Answers)
	})

	t.Run("a country with the city's name stays in the contact", func(t *testing.T) {
		rec := exportOf(norm, field("country", "Monaco"), field("city", "Monaco"))
		assert.Equal(t, "Monaco", rec.Contact.Country)
		assert.Equal(t, map[string]string{"city": "Monaco"}, rec.Answers)
	})

	t.Run("an answer with the city's value keeps its key", func(t *testing.T) {
		rec := exportOf(norm, field("home_town", "Kyiv"), field("city", "Kyiv"))
		assert.Equal(t, map[string]string{"home_town": "Kyiv", "city": "Kyiv"}, rec.Answers)
	})

	t.Run("custom alias", func(t *testing.T) {
		custom, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Aliases: map[string]metaleads.ContactField{
			"where_do_you_live": metaleads.CityField,
		}})
		require.NoError(t, err)
		rec := exportOf(custom, field("home_town", "Kyiv"), field("where_do_you_live", "Kyiv"))
		assert.Equal(t, "Kyiv", custom.ContactFromLead(metaleads.Lead{Fields: []metaleads.Field{field("where_do_you_live", "Kyiv")}}).City)
		assert.Equal(t, map[string]string{"home_town": "Kyiv", "where_do_you_live": "Kyiv"}, rec.Answers)
	})

	t.Run("a hand-built contact uses Meta's standard keys", func(t *testing.T) {
		rec := ExportLead(metaleads.Lead{ID: "1"}, metaleads.Contact{
			City: "Kyiv", State: "Kyivska", ZIP: "01001", Street: "Khreshchatyk 1", CompanyName: "Example",
			JobTitle: "Manager", DateOfBirth: "01.02.1990", Gender: "male",
			Answers: map[string]string{"city": "Irpin"},
		})
		assert.Equal(t, map[string]string{
			"city": "Kyiv, Irpin", "state": "Kyivska", "zip_code": "01001", "street_address": "Khreshchatyk 1",
			"company_name": "Example", "job_title": "Manager", "date_of_birth": "01.02.1990", "gender": "male",
		}, rec.Answers)
	})

	t.Run("the contact's answers are not modified", func(t *testing.T) {
		l := metaleads.Lead{Fields: []metaleads.Field{field("city", "Kyiv"), field("level", "b1")}}
		c := norm.ContactFromLead(l)
		ExportLead(l, c)
		assert.Equal(t, map[string]string{"level": "b1"}, c.Answers)
	})
}

func TestAnswerKeys(t *testing.T) {
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Aliases: map[string]metaleads.ContactField{
		"mobile": metaleads.PhoneField, "budget": metaleads.AnswerField,
	}})
	require.NoError(t, err)
	forms := []metaleads.Form{
		{Questions: []metaleads.Question{{Key: "full_name"}, {Key: "Phone Number"}, {Key: "city"}, {Key: "level"}, {Key: ""}}},
		{Questions: []metaleads.Question{{Key: "эл._адрес"}, {Key: "mobile"}, {Key: "level"}, {Key: "budget"}, {Key: "company_name"}, {Key: "country"}}},
	}
	assert.Equal(t, []string{"city", "level", "budget", "company_name"}, AnswerKeys(norm, forms))
	assert.Equal(t, []string{"city", "level", "mobile", "budget", "company_name"}, AnswerKeys(nil, forms), "default aliases")
}

func TestFieldOfFollowsTheNormalizer(t *testing.T) {
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Aliases: map[string]metaleads.ContactField{"city": metaleads.AnswerField}})
	require.NoError(t, err)
	for key, want := range map[string]metaleads.ContactField{
		"full_name": metaleads.FullNameField, "first_name": metaleads.FirstNameField, "last_name": metaleads.LastNameField,
		"email": metaleads.EmailField, "Phone Number": metaleads.PhoneField, "country": metaleads.CountryField,
		"state": metaleads.StateField, "zip": metaleads.ZIPField, "street": metaleads.StreetField,
		"company_name": metaleads.CompanyField, "position": metaleads.JobTitleField, "birthday": metaleads.DOBField,
		"стать": metaleads.GenderField, "level": metaleads.AnswerField, "телефон": metaleads.PhoneField,
		"эл._адрес": metaleads.EmailField, "city": metaleads.AnswerField, "Місто": metaleads.CityField,
	} {
		assert.Equal(t, want, fieldOf(norm, key), key)
	}
	assert.Equal(t, metaleads.CityField, defaultField("city"))
}

func TestJSONIsNotHTMLEscaped(t *testing.T) {
	el := EnrichedLead{Lead: metaleads.Lead{ID: "1", CampaignName: "Kids & <Teens>", Fields: []metaleads.Field{field("level", "A&B")}}}
	el.Contact.Answers = map[string]string{"level": "A&B"}
	el.Customer = &Customer{ID: 2, Name: "Tom & Jerry"}
	raw, err := el.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"campaign_name":"Kids & <Teens>"`)
	assert.Contains(t, string(raw), `"answers":{"level":"A&B"}`)
	assert.Contains(t, string(raw), `"name":"Tom & Jerry"`)

	// An encoder without HTML escaping keeps that; json.Marshal escapes.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(el))
	assert.Equal(t, string(raw)+"\n", b.String())
	escaped, err := json.Marshal(el)
	require.NoError(t, err)
	assert.Contains(t, string(escaped), `"campaign_name":"Kids \u0026 \u003cTeens\u003e"`)

	rep := Report{Level: metaleads.LevelCampaign, Rows: []ReportRow{{ID: "c1", Name: "Q&A <live>"}}}
	raw, err = rep.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"name":"Q&A <live>"`)
}
