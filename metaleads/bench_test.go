package metaleads

import (
	"encoding/json"
	"testing"
)

// benchLead is one lead as Graph sends it (reference §2.3 shape).
var benchLead = []byte(`{
  "id": "1122334455667788",
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
  ]
}`)

// plainLead is what a naive client decodes into: no quirk handling at all
// (created_time stays a string, is_checked stays a string).
type plainLead struct {
	ID           string `json:"id"`
	CreatedTime  string `json:"created_time"`
	AdID         string `json:"ad_id"`
	AdName       string `json:"ad_name"`
	AdSetID      string `json:"adset_id"`
	AdSetName    string `json:"adset_name"`
	CampaignID   string `json:"campaign_id"`
	CampaignName string `json:"campaign_name"`
	FormID       string `json:"form_id"`
	IsOrganic    bool   `json:"is_organic"`
	Platform     string `json:"platform"`
	FieldData    []struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"field_data"`
	Disclaimers []struct {
		Key     string `json:"checkbox_key"`
		Checked string `json:"is_checked"`
	} `json:"custom_disclaimer_responses"`
}

func benchPlain(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var p plainLead
		if err := json.Unmarshal(benchLead, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeLead compares the SDK's decoding of one lead (with Graph's
// quirks handled), and decoding plus contact normalisation, against bare
// encoding/json into a plain struct. The x-plain metric is the time per
// lead relative to the plain decode (run the sub-benchmarks together).
func BenchmarkDecodeLead(b *testing.B) {
	var plainNs float64 // ns per lead of the plain decode, from its last run
	ratio := func(b *testing.B) {
		if plainNs > 0 && b.N > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/plainNs, "x-plain")
		}
	}
	b.Run("plain", func(b *testing.B) {
		benchPlain(b)
		plainNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var l Lead
			if err := json.Unmarshal(benchLead, &l); err != nil {
				b.Fatal(err)
			}
		}
		ratio(b)
	})
	b.Run("sdk+contact", func(b *testing.B) {
		n, err := NewNormalizer(NormalizerOptions{Region: "US"})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			var l Lead
			if err := json.Unmarshal(benchLead, &l); err != nil {
				b.Fatal(err)
			}
			if c := n.ContactFromLead(l); c.Email == "" {
				b.Fatal("no email")
			}
		}
		ratio(b)
	})
}
