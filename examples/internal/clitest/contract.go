package clitest

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Record mirrors export-leads' JSON Lines contract, written out again
// rather than taken from the SDK's types, so that tests catch a change of
// the contract. Decode it with DisallowUnknownFields.
type Record struct {
	ID           string            `json:"id"`
	CreatedTime  time.Time         `json:"created_time"`
	FormID       string            `json:"form_id"`
	CampaignID   string            `json:"campaign_id"`
	CampaignName string            `json:"campaign_name"`
	AdSetID      string            `json:"adset_id"`
	AdSetName    string            `json:"adset_name"`
	AdID         string            `json:"ad_id"`
	AdName       string            `json:"ad_name"`
	IsOrganic    bool              `json:"is_organic"`
	Platform     string            `json:"platform"`
	Contact      Contact           `json:"contact"`
	Answers      map[string]string `json:"answers"`
}

// Contact is a Record's contact object.
type Contact struct {
	FullName string `json:"full_name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Country  string `json:"country"`
}

// RecordKeys are the keys of every Record line.
var RecordKeys = []string{"id", "created_time", "form_id", "campaign_id", "campaign_name", "adset_id", "adset_name",
	"ad_id", "ad_name", "is_organic", "platform", "contact", "answers"}

// Enriched mirrors enrich-leads' JSON Lines contract (which the webhook
// example writes too): a Record plus the matched card, its payments and
// its attendance, all three null when no card matched.
type Enriched struct {
	Record
	Customer   *Customer   `json:"customer"`
	Payments   *Payments   `json:"payments"`
	Attendance *Attendance `json:"attendance"`
}

// Customer is an Enriched line's customer object.
type Customer struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	IsStudy     bool    `json:"is_study"`
	StudyStatus *string `json:"study_status"`
	LeadStatus  *string `json:"lead_status"`
	MatchedBy   string  `json:"matched_by"`
	Ambiguous   bool    `json:"ambiguous"`
}

// Payments is an Enriched line's payments object.
type Payments struct {
	Count     int     `json:"count"`
	Total     string  `json:"total"`
	FirstDate *string `json:"first_date"`
	LastDate  *string `json:"last_date"`
}

// Attendance is an Enriched line's attendance object.
type Attendance struct {
	Attended int     `json:"attended"`
	Missed   int     `json:"missed"`
	LastDate *string `json:"last_date"`
}

// EnrichedKeys are the keys of every Enriched line.
var EnrichedKeys = append(slices.Clip(RecordKeys), "customer", "payments", "attendance")

var (
	totalRE = regexp.MustCompile(`^\d+\.\d{2}$`)
	dayRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// ReadEnriched decodes every line of s and checks it against the contract:
// exactly EnrichedKeys, no unknown key, created_time RFC 3339 in UTC,
// answers an object, customer, payments and attendance null together, a
// customer with an id, a name and matched_by "email" or "phone", totals
// with two decimal places and dates YYYY-MM-DD. It returns the lines and
// their raw objects; a violation fails the test.
func ReadEnriched(t testing.TB, s string) ([]Enriched, []map[string]json.RawMessage) {
	t.Helper()
	var lines []Enriched
	var raws []map[string]json.RawMessage
	if s == "" {
		return nil, nil
	}
	for i, text := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, text)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(raw)), slices.Sorted(slices.Values(EnrichedKeys))) {
			t.Fatalf("line %d has keys %q, want %q", i+1, slices.Sorted(maps.Keys(raw)), EnrichedKeys)
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var l Enriched
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, text)
		}
		if !strings.Contains(text, `"created_time":"`+l.CreatedTime.UTC().Format(time.RFC3339)+`"`) {
			t.Fatalf("line %d: created_time is not RFC 3339 in UTC: %s", i+1, text)
		}
		if l.Answers == nil {
			t.Fatalf("line %d: answers is not an object: %s", i+1, text)
		}
		if (l.Customer == nil) != (l.Payments == nil) || (l.Customer == nil) != (l.Attendance == nil) {
			t.Fatalf("line %d: customer, payments and attendance must be null together: %s", i+1, text)
		}
		if c := l.Customer; c != nil {
			if c.ID <= 0 || c.Name == "" || (c.MatchedBy != "email" && c.MatchedBy != "phone") {
				t.Fatalf("line %d: bad customer %+v", i+1, *c)
			}
			if !totalRE.MatchString(l.Payments.Total) {
				t.Fatalf("line %d: payments.total %q is not a decimal string with two places", i+1, l.Payments.Total)
			}
			for _, d := range []*string{l.Payments.FirstDate, l.Payments.LastDate, l.Attendance.LastDate} {
				if d != nil && !dayRE.MatchString(*d) {
					t.Fatalf("line %d: date %q is not YYYY-MM-DD", i+1, *d)
				}
			}
		}
		lines = append(lines, l)
		raws = append(raws, raw)
	}
	return lines, raws
}
