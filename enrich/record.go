package enrich

import (
	"time"

	"github.com/ecademy/leadkit/metaleads"
)

// dayLayout is the JSON form of calendar dates.
const dayLayout = "2006-01-02"

// LeadRecord is the export form of a lead: its attribution, canonical
// contact and answers, with the JSON keys the export and enrichment
// examples print. Build one with [ExportLead]; it needs no CRM.
type LeadRecord struct {
	// ID is the lead's Graph id.
	ID string `json:"id"`
	// CreatedTime is in UTC; it marshals as RFC 3339.
	CreatedTime time.Time `json:"created_time"`
	// FormID is the id of the lead form the lead submitted.
	FormID string `json:"form_id"`
	// CampaignID is the id of the lead's campaign ("" for organic leads).
	CampaignID string `json:"campaign_id"`
	// CampaignName is the campaign's name, as the lead carries it.
	CampaignName string `json:"campaign_name"`
	// AdSetID is the id of the lead's ad set ("" for organic leads).
	AdSetID string `json:"adset_id"`
	// AdSetName is the ad set's name, as the lead carries it.
	AdSetName string `json:"adset_name"`
	// AdID is the id of the ad the lead came from ("" for organic leads).
	AdID string `json:"ad_id"`
	// AdName is the ad's name, as the lead carries it.
	AdName string `json:"ad_name"`
	// IsOrganic is Graph's is_organic: the lead came without an ad.
	IsOrganic bool `json:"is_organic"`
	// Platform is "fb", "ig"... as Graph reports it.
	Platform string `json:"platform"`
	// Contact is the lead's canonical contact: name, e-mail, phone and
	// country.
	Contact RecordContact `json:"contact"`
	// Answers holds everything else the lead submitted, keyed by form
	// field key: the custom questions, values the contact could not use
	// (an invalid e-mail, a second phone), and the contact details that
	// have no place in Contact (city, state, ZIP, street, company, job
	// title, date of birth, gender; see ExportLead). Never nil when built
	// by ExportLead, so it marshals as {}.
	Answers map[string]string `json:"answers"`
}

// RecordContact is the contact part of a [LeadRecord].
type RecordContact struct {
	// FullName is the submitted full name, or "First Last" when the form
	// only asked for those (metaleads.Contact.FullName); "" when none.
	FullName string `json:"full_name"`
	// Email is lower-case, "" when the lead gave no valid address.
	Email string `json:"email"`
	// Phone is E.164 ("+380631234567"); when no submitted number is valid
	// it is the number as typed, so nothing is lost; "" when none.
	Phone string `json:"phone"`
	// Country is the submitted country, as given (Meta's prefill usually
	// sends an ISO 3166-1 alpha-2 code); "" when none.
	Country string `json:"country"`
}

// ExportLead builds the export form of a lead from the lead and its
// canonical contact (see metaleads.Normalizer.ContactFromLead).
//
// The contact object carries the name, e-mail, phone and country. Answers
// carries c.Answers plus the contact details the record has no column for
// (c.City, State, ZIP, Street, CompanyName, JobTitle, DateOfBirth and
// Gender), so that an export loses nothing the person typed. Each detail
// is kept under the form key of the field that supplied it: the field of
// l with that value; when several fields have it, the first one that
// [metaleads.DefaultAliases] map to the detail ("Місто" for the city),
// else the first that is neither an answer nor a contact column of its
// own (so custom aliases work too). A detail that no field of l carries
// (a hand-built contact) is kept under Meta's standard key: "city",
// "state", "zip_code", "street_address", "company_name", "job_title",
// "date_of_birth" or "gender". When the key already holds an answer (the
// form used it twice), the detail comes first, joined by ", " as the
// normalizer joins repeated answers.
func ExportLead(l metaleads.Lead, c metaleads.Contact) LeadRecord {
	answers := make(map[string]string, len(c.Answers)+2)
	for k, v := range c.Answers {
		answers[k] = v
	}
	addDetails(answers, l.Fields, c)
	phone := c.Phone
	if phone == "" {
		phone = c.PhoneRaw
	}
	return LeadRecord{
		ID:           l.ID,
		CreatedTime:  l.CreatedTime.UTC(),
		FormID:       l.FormID,
		CampaignID:   l.CampaignID,
		CampaignName: l.CampaignName,
		AdSetID:      l.AdSetID,
		AdSetName:    l.AdSetName,
		AdID:         l.AdID,
		AdName:       l.AdName,
		IsOrganic:    l.IsOrganic,
		Platform:     l.Platform,
		Contact: RecordContact{
			FullName: c.FullName,
			Email:    c.Email,
			Phone:    phone,
			Country:  c.Country,
		},
		Answers: answers,
	}
}

// Record returns the export form of the enriched lead's lead part.
func (e EnrichedLead) Record() LeadRecord { return ExportLead(e.Lead, e.Contact) }

type enrichedJSON struct {
	LeadRecord
	Customer   *customerJSON   `json:"customer"`
	Payments   *paymentsJSON   `json:"payments"`
	Attendance *attendanceJSON `json:"attendance"`
}

type customerJSON struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	IsStudy     bool      `json:"is_study"`
	StudyStatus *string   `json:"study_status"`
	LeadStatus  *string   `json:"lead_status"`
	MatchedBy   MatchedBy `json:"matched_by"`
	Ambiguous   bool      `json:"ambiguous"`
}

type paymentsJSON struct {
	Count     int     `json:"count"`
	Total     string  `json:"total"`
	FirstDate *string `json:"first_date"`
	LastDate  *string `json:"last_date"`
}

type attendanceJSON struct {
	Attended int     `json:"attended"`
	Missed   int     `json:"missed"`
	LastDate *string `json:"last_date"`
}

// MarshalJSON encodes the lead as its [LeadRecord] object plus "customer"
// (null, or {"id","name","is_study","study_status","lead_status",
// "matched_by","ambiguous"}), "payments" ({"count","total","first_date",
// "last_date"}, total a decimal string with two places) and "attendance"
// ({"attended","missed","last_date"}). Payments and attendance are null
// when no customer matched; dates are YYYY-MM-DD or null; status names are
// null when the card has none.
//
// Like export-leads' records, the text is not HTML-escaped: "&", "<" and
// ">" stay as they are, unless the caller's encoder escapes them
// (json.Marshal does; a json.Encoder with SetEscapeHTML(false) does not).
func (e EnrichedLead) MarshalJSON() ([]byte, error) {
	out := enrichedJSON{LeadRecord: e.Record()}
	if c := e.Customer; c != nil {
		out.Customer = &customerJSON{
			ID:          c.ID,
			Name:        c.Name,
			IsStudy:     c.IsStudy,
			StudyStatus: optString(c.StudyStatus),
			LeadStatus:  optString(c.LeadStatus),
			MatchedBy:   c.MatchedBy,
			Ambiguous:   c.Ambiguous,
		}
		out.Payments = &paymentsJSON{
			Count:     e.Payments.Count,
			Total:     e.Payments.Total.StringFixed(2),
			FirstDate: optDate(e.Payments.First),
			LastDate:  optDate(e.Payments.Last),
		}
		out.Attendance = &attendanceJSON{
			Attended: e.Attendance.Attended,
			Missed:   e.Attendance.Missed,
			LastDate: optDate(e.Attendance.LastAttended),
		}
	}
	return marshal(out)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optDate formats t's calendar date in its own location (CRM dates are
// days in the CRM's time zone), or nil for the zero time.
func optDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(dayLayout)
	return &s
}
