package metaleads

import (
	"encoding/json"
	"time"
)

// Field is one answered question of a lead (Graph "field_data" item).
// Graph always returns Values as a list of strings, even for single answers.
type Field struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// DisclaimerResponse is one custom disclaimer checkbox answer.
// Graph sends is_checked as a string ("1" or ""); Checked is its decoded form.
type DisclaimerResponse struct {
	Key     string `json:"checkbox_key"`
	Checked bool   `json:"is_checked"`
}

// Lead is one lead-form submission (a Graph "Lead" / leadgen node).
type Lead struct {
	ID                string               `json:"id"`
	CreatedTime       time.Time            `json:"created_time"`
	FormID            string               `json:"form_id,omitzero"`
	AdID              string               `json:"ad_id,omitzero"`
	AdName            string               `json:"ad_name,omitzero"`
	AdSetID           string               `json:"adset_id,omitzero"`
	AdSetName         string               `json:"adset_name,omitzero"`
	CampaignID        string               `json:"campaign_id,omitzero"`
	CampaignName      string               `json:"campaign_name,omitzero"`
	IsOrganic         bool                 `json:"is_organic"`
	Platform          string               `json:"platform,omitzero"`
	PartnerName       string               `json:"partner_name,omitzero"`
	RetailerItemID    string               `json:"retailer_item_id,omitzero"`
	Fields            []Field              `json:"field_data,omitzero"`
	DisclaimerAnswers []DisclaimerResponse `json:"custom_disclaimer_responses,omitzero"`
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
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Question is one question of a lead form.
type Question struct {
	ID      string           `json:"id,omitzero"`
	Key     string           `json:"key"`
	Label   string           `json:"label,omitzero"`
	Type    string           `json:"type,omitzero"`
	Options []QuestionOption `json:"options,omitzero"`
}

// Form is a lead-generation form on a Page (Graph "LeadgenForm").
type Form struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Status            string     `json:"status,omitzero"`
	Locale            string     `json:"locale,omitzero"`
	PageID            string     `json:"page_id,omitzero"`
	LeadsCount        int        `json:"leads_count"`
	ExpiredLeadsCount int        `json:"expired_leads_count"`
	OrganicLeadsCount int        `json:"organic_leads_count"`
	CreatedTime       time.Time  `json:"created_time"`
	Questions         []Question `json:"questions,omitzero"`
	// Extra holds the raw JSON of fields requested through
	// FormsOptions.Fields (or the fields argument of Form) that have no field
	// of their own here; nil when none were requested.
	Extra map[string]json.RawMessage `json:"-"`
}
