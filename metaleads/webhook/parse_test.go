package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReferenceDelivery(t *testing.T) {
	evs, err := Parse([]byte(vectorBody))
	require.NoError(t, err)
	assert.Equal(t, []Event{{
		LeadID:      "1122334455667788",
		PageID:      "102030405060708",
		FormID:      "987654321098765",
		AdID:        "120200000000000001",
		AdGroupID:   "120200000000000001",
		CreatedTime: time.Date(2025, 12, 31, 23, 59, 50, 0, time.UTC),
	}}, evs)
}

func TestParse(t *testing.T) {
	created := time.Unix(1767225590, 0).UTC()
	cases := []struct {
		name string
		body string
		want []Event
	}{
		{
			name: "ids as numbers, beyond float64 precision",
			body: `{"object":"page","entry":[{"id":102030405060708,"time":1767225600,"changes":[{"field":"leadgen","value":{"leadgen_id":12345678901234567891,"page_id":102030405060708,"form_id":987654321098765,"ad_id":120200000000000001,"adgroup_id":120200000000000003,"created_time":1767225590}}]}]}`,
			want: []Event{{LeadID: "12345678901234567891", PageID: "102030405060708", FormID: "987654321098765", AdID: "120200000000000001", AdGroupID: "120200000000000003", CreatedTime: created}},
		},
		{
			name: "huge string id kept verbatim",
			body: `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"` + strings.Repeat("9", 40) + `","page_id":"1"}}]}]}`,
			want: []Event{{LeadID: strings.Repeat("9", 40), PageID: "1"}},
		},
		{
			name: "organic lead: no ad ids, page id from the entry, created_time as string",
			body: `{"object":"page","entry":[{"id":"0","changes":[{"field":"leadgen","value":{"leadgen_id":"444444444444","form_id":"444444444444","created_time":"1767225590"}}]}]}`,
			want: []Event{{LeadID: "444444444444", PageID: "0", FormID: "444444444444", CreatedTime: created}},
		},
		{
			name: "nulls and empty strings mean absent",
			body: `{"object":"page","entry":[{"id":"7","changes":[{"field":"leadgen","value":{"leadgen_id":"5","ad_id":null,"adgroup_id":"","page_id":null,"created_time":null}}]}]}`,
			want: []Event{{LeadID: "5", PageID: "7"}},
		},
		{
			name: "several entries and changes, other fields and changes ignored",
			body: `{"object":"page","entry":[
				{"id":"1","time":1,"changes":[
					{"field":"leadgen","value":{"leadgen_id":"11","page_id":"1","extra":{"x":[1,2]}}},
					{"field":"feed","value":{"item":"status","leadgen_id":{"weird":true}}},
					{"field":"leadgen","value":{"leadgen_id":"12","page_id":"1"}}]},
				{"id":"2","messaging":[{"x":1}],"changes":[
					{"field":"leadgen_update","value":"anything"},
					{"field":"leadgen","value":{"leadgen_id":"21","page_id":"2"}}]}],"unknown":1}`,
			want: []Event{{LeadID: "11", PageID: "1"}, {LeadID: "12", PageID: "1"}, {LeadID: "21", PageID: "2"}},
		},
		{name: "no entries", body: `{"object":"page","entry":[]}`},
		{
			name: "another object's delivery is ignored, even with a leadgen change",
			body: `{"object":"user","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"31","page_id":"1"}}]}]}`,
		},
		{
			name: "object compared exactly",
			body: `{"object":"Page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"32","page_id":"1"}}]}]}`,
		},
		{name: "entry null", body: `{"object":"page","entry":null}`},
		{name: "only non-leadgen changes", body: `{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{}}]}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse([]byte(c.body))
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestParseMalformed(t *testing.T) {
	cases := map[string]string{
		"empty":                       ``,
		"empty object":                `{}`,
		"object missing":              `{"entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1"}}]}]}`,
		"object null":                 `{"object":null,"entry":[]}`,
		"not json":                    `<html>502 Bad Gateway</html>`,
		"truncated":                   `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1`,
		"array":                       `[{"object":"page"}]`,
		"null":                        `null`,
		"trailing garbage":            `{"object":"page"} x`,
		"entry not array":             `{"object":"page","entry":{"id":"1"}}`,
		"changes not array":           `{"object":"page","entry":[{"id":"1","changes":"leadgen"}]}`,
		"leadgen value not object":    `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":"1"}]}]}`,
		"leadgen value null":          `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":null}]}]}`,
		"leadgen_id missing":          `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"page_id":"1"}}]}]}`,
		"leadgen_id empty":            `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":""}}]}]}`,
		"leadgen_id negative":         `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":-5}}]}]}`,
		"leadgen_id fraction":         `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":1.5}}]}]}`,
		"leadgen_id exponent":         `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":1e20}}]}]}`,
		"leadgen_id path traversal":   `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"../me"}}]}]}`,
		"leadgen_id bool":             `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":true}}]}]}`,
		"leadgen_id too long":         `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"` + strings.Repeat("1", 65) + `"}}]}]}`,
		"form_id object":              `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1","form_id":{}}}]}]}`,
		"created_time fraction":       `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1","created_time":1.5}}]}]}`,
		"created_time out of range":   `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1","created_time":99999999999999999999}}]}]}`,
		"created_time text":           `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1","created_time":"yesterday"}}]}]}`,
		"object not string":           `{"object":1,"entry":[]}`,
		"field not string":            `{"object":"page","entry":[{"id":"1","changes":[{"field":7,"value":{}}]}]}`,
		"entry id not digits":         `{"object":"page","entry":[{"id":"page-1","changes":[]}]}`,
		"invalid string escape in id": `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"\x"}}]}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			evs, err := Parse([]byte(body))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.Nil(t, evs)
		})
	}
}

func TestParseErrorsDoNotQuotePayload(t *testing.T) {
	secretish := "Ada Testperson ada.testperson@example.com"
	bodies := []string{
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"` + secretish + `"}}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"1","created_time":"` + secretish + `"}}]}]}`,
		`{"object":"` + secretish + `","entry":"` + secretish + `"}`,
		`{"object":"page", ` + secretish + `}`,
	}
	for _, b := range bodies {
		_, err := Parse([]byte(b))
		require.ErrorIs(t, err, ErrMalformed)
		assert.NotContains(t, err.Error(), "Ada")
		assert.NotContains(t, err.Error(), "example.com")
	}
	_, err := Parse([]byte(`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"page_id":"1"}}]},{"id":"2","changes":[{"field":"leadgen","value":{}}]}]}`))
	assert.ErrorContains(t, err, "entry[0].changes[0].value: leadgen_id missing", "the message names the place")
}

// FuzzParse checks that Parse never panics, that errors always wrap
// ErrMalformed, and that every event it returns is usable: a digits-only lead
// id that agrees with what encoding/json sees in the payload.
func FuzzParse(f *testing.F) {
	seeds := []string{
		vectorBody,
		`{"object":"page","entry":[{"id":102030405060708,"time":1767225600,"changes":[{"field":"leadgen","value":{"leadgen_id":12345678901234567891,"page_id":102030405060708,"form_id":987654321098765,"created_time":1767225590}}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":"` + strings.Repeat("9", 64) + `"}}]}]}`,
		`{"object":"page","entry":[{"id":"0","changes":[{"field":"leadgen","value":{"leadgen_id":"444444444444","form_id":"444444444444"}}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"page_id":"1"}}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{"leadgen_id":"1"}},{"field":"leadgen_update","value":1}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":1e3,"created_time":-1}}]}]}`,
		`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{"leadgen_id":null,"ad_id":"","created_time":"1767225590"}}]}]}`,
		`{"object":"page","entry":[]}`,
		`{}`, `[]`, `null`, ``, `{"entry":[{"changes":[{"field":"leadgen"}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		evs, err := Parse(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if evs != nil {
				t.Fatalf("events returned with an error")
			}
			return
		}
		if !json.Valid(payload) {
			t.Fatalf("Parse accepted invalid JSON")
		}
		for _, e := range evs {
			if !isDigits(e.LeadID) {
				t.Fatalf("lead id %q is not digits", e.LeadID)
			}
			for _, id := range []string{e.PageID, e.FormID, e.AdID, e.AdGroupID} {
				if id != "" && !isDigits(id) {
					t.Fatalf("id %q is not digits", id)
				}
			}
		}
		// Cross-check the number of leadgen changes with a generic decode.
		var generic struct {
			Object string `json:"object"`
			Entry  []struct {
				Changes []struct {
					Field string `json:"field"`
				} `json:"changes"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(payload, &generic); err != nil {
			t.Fatalf("Parse accepted what a generic decode refuses: %v", err)
		}
		if generic.Object == "" {
			t.Fatalf("Parse accepted a delivery without an object")
		}
		n := 0
		for _, en := range generic.Entry {
			if generic.Object != ObjectPage {
				break
			}
			for _, ch := range en.Changes {
				if ch.Field == FieldLeadgen {
					n++
				}
			}
		}
		if n != len(evs) {
			t.Fatalf("Parse returned %d events for %d leadgen changes", len(evs), n)
		}
	})
}
