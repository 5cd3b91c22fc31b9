package metaleads

import (
	"encoding/json"
	"time"
)

// Field is one answered question of a lead (Graph "field_data" item).
// Graph always returns Values as a list of strings, even for single answers.
type Field struct {
	Name   string   `json:"name"`   // the question's key, e.g. "email" or "номер_телефону"
	Values []string `json:"values"` // the answers as submitted
}

// DisclaimerResponse is one custom disclaimer checkbox answer.
// Graph sends is_checked as a string ("1" or ""); Checked is its decoded form.
type DisclaimerResponse struct {
	Key     string `json:"checkbox_key"` // the checkbox's key in the form
	Checked bool   `json:"is_checked"`   // whether the person ticked it
}

// Lead is one lead-form submission (a Graph "Lead" / leadgen node).
type Lead struct {
	ID                string               `json:"id"`                                   // the leadgen id
	CreatedTime       time.Time            `json:"created_time"`                         // submission time, UTC
	FormID            string               `json:"form_id,omitzero"`                     // the lead form
	AdID              string               `json:"ad_id,omitzero"`                       // the ad; "" for organic leads
	AdName            string               `json:"ad_name,omitzero"`                     // the ad's name
	AdSetID           string               `json:"adset_id,omitzero"`                    // the ad set
	AdSetName         string               `json:"adset_name,omitzero"`                  // the ad set's name
	CampaignID        string               `json:"campaign_id,omitzero"`                 // the campaign
	CampaignName      string               `json:"campaign_name,omitzero"`               // the campaign's name
	IsOrganic         bool                 `json:"is_organic"`                           // submitted without an ad
	Platform          string               `json:"platform,omitzero"`                    // e.g. "fb", "ig"
	PartnerName       string               `json:"partner_name,omitzero"`                // the CRM partner, when one collected it
	RetailerItemID    string               `json:"retailer_item_id,omitzero"`            // the catalogue item of a dynamic ad
	Fields            []Field              `json:"field_data,omitzero"`                  // the answers, in form order
	DisclaimerAnswers []DisclaimerResponse `json:"custom_disclaimer_responses,omitzero"` // custom disclaimer checkboxes
	// Extra holds the raw JSON of fields requested through
	// LeadsOptions.Fields (or the fields argument of Lead and LeadsByID)
	// that have no field of their own here, keyed by Graph field name; nil
	// when none were requested.
	Extra map[string]json.RawMessage `json:"-"`
}

// Value returns the first value of the named field and whether the field was present.
func (l Lead) Value(name string) (string, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			if len(f.Values) == 0 {
				return "", true
			}
			return f.Values[0], true
		}
	}
	return "", false
}

// QuestionOption is one predefined answer of a form question.
type QuestionOption struct {
	Key   string `json:"key"`   // what a lead's answer holds
	Value string `json:"value"` // the text the person saw
}

// Question is one question of a lead form.
type Question struct {
	ID      string           `json:"id,omitzero"`      // the question's id
	Key     string           `json:"key"`              // the key of the answers in Lead.Fields
	Label   string           `json:"label,omitzero"`   // the question as shown, localised
	Type    string           `json:"type,omitzero"`    // e.g. "EMAIL", "PHONE", "CUSTOM"
	Options []QuestionOption `json:"options,omitzero"` // predefined answers of a multiple-choice question
}

// Form is a lead-generation form on a Page (Graph "LeadgenForm").
type Form struct {
	ID                string     `json:"id"`                  // the form's id
	Name              string     `json:"name"`                // the form's name
	Status            string     `json:"status,omitzero"`     // e.g. "ACTIVE", "ARCHIVED"
	Locale            string     `json:"locale,omitzero"`     // e.g. "uk_UA"
	PageID            string     `json:"page_id,omitzero"`    // the Page the form belongs to
	LeadsCount        int        `json:"leads_count"`         // leads submitted, expired ones included
	ExpiredLeadsCount int        `json:"expired_leads_count"` // leads older than 90 days, no longer readable
	OrganicLeadsCount int        `json:"organic_leads_count"` // leads submitted without an ad
	CreatedTime       time.Time  `json:"created_time"`        // when the form was created, UTC
	Questions         []Question `json:"questions,omitzero"`  // the form's questions, in order
	// Extra holds the raw JSON of fields requested through
	// FormsOptions.Fields (or the fields argument of Form) that have no field
	// of their own here; nil when none were requested.
	Extra map[string]json.RawMessage `json:"-"`
}
