package metaleadstest

import (
	"fmt"
	"slices"
	"strings"
)

// fieldSel is one entry of a fields= selection: a name, optional modifiers
// such as .limit(n), and an optional nested selection in braces.
type fieldSel struct {
	name string
	sub  []fieldSel // nil: no braces
}

// parseFields parses Graph's field-expansion syntax loosely:
// "id,name,questions{key,label,options{key}},page.limit(2){id}".
// Modifiers (.limit(), .as(), …) are accepted and ignored.
func parseFields(s string) ([]fieldSel, error) {
	p := &fieldParser{s: s}
	out, err := p.list(0)
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
	}
	return out, nil
}

type fieldParser struct {
	s string
	i int
}

func (p *fieldParser) list(depth int) ([]fieldSel, error) {
	if depth > 10 {
		return nil, fmt.Errorf("fields nested too deeply")
	}
	var out []fieldSel
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] == '}' {
			return out, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		f, err := p.field(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

func (p *fieldParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *fieldParser) name() string {
	start := p.i
	for p.i < len(p.s) && isNameByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *fieldParser) field(depth int) (fieldSel, error) {
	f := fieldSel{name: p.name()}
	if f.name == "" {
		return f, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
	}
	for p.i < len(p.s) {
		p.space()
		if p.i >= len(p.s) {
			break
		}
		switch p.s[p.i] {
		case '.':
			p.i++
			if p.name() == "" {
				return f, fmt.Errorf("missing modifier name at offset %d", p.i)
			}
			if p.i < len(p.s) && p.s[p.i] == '(' {
				end := strings.IndexByte(p.s[p.i:], ')')
				if end < 0 {
					return f, fmt.Errorf("unclosed modifier at offset %d", p.i)
				}
				p.i += end + 1
			}
		case '{':
			p.i++
			sub, err := p.list(depth + 1)
			if err != nil {
				return f, err
			}
			if p.i >= len(p.s) || p.s[p.i] != '}' {
				return f, fmt.Errorf("unclosed { in fields")
			}
			p.i++
			if sub == nil {
				sub = []fieldSel{}
			}
			f.sub = sub
		default:
			return f, nil
		}
	}
	return f, nil
}

// node is the full rendering of a Graph object: every field the fake knows
// a value for.
type node map[string]any

// nodeType describes the fields Graph documents for one object type.
type nodeType struct {
	name     string
	known    []string
	defaults []string
}

// project returns the selected fields of n. Unknown top-level names fail
// with Graph's error 100 text; "id" is always included when n has one.
// Nested selections are applied loosely (unknown sub-fields are ignored).
func (t nodeType) project(n node, sel []fieldSel) (node, *graphErr) {
	out := node{}
	if id, ok := n["id"]; ok {
		out["id"] = id
	}
	if sel == nil {
		for _, k := range t.defaults {
			if v, ok := n[k]; ok {
				out[k] = v
			}
		}
		return out, nil
	}
	for _, f := range sel {
		if !slices.Contains(t.known, f.name) {
			return nil, errNonexistingField(f.name, t.name)
		}
		v, ok := n[f.name]
		if !ok {
			continue
		}
		if f.sub != nil {
			v = subselect(v, f.sub)
		}
		out[f.name] = v
	}
	return out, nil
}

// subselect applies a nested selection to a node or a list of nodes.
func subselect(v any, sel []fieldSel) any {
	switch x := v.(type) {
	case node:
		out := node{}
		if id, ok := x["id"]; ok {
			out["id"] = id
		}
		for _, f := range sel {
			if sv, ok := x[f.name]; ok {
				if f.sub != nil {
					sv = subselect(sv, f.sub)
				}
				out[f.name] = sv
			}
		}
		return out
	case []node:
		out := make([]node, len(x))
		for i, n := range x {
			out[i] = subselect(n, sel).(node)
		}
		return out
	case listEnvelope:
		return listEnvelope{Data: subselect(x.Data, sel).([]node)}
	default:
		return v
	}
}

// listEnvelope renders a nested edge ({"data":[...]}), e.g. a Page's
// category_list is a plain list but Graph connections nest as data.
type listEnvelope struct {
	Data []node `json:"data"`
}

var leadType = nodeType{
	name: "UserLeadGenInfo",
	known: []string{
		"id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name",
		"campaign_id", "campaign_name", "form_id", "field_data",
		"custom_disclaimer_responses", "is_organic", "platform", "partner_name",
		"retailer_item_id", "home_listing", "vehicle", "post",
		"post_submission_check_result",
	},
	defaults: []string{"created_time", "id", "field_data"},
}

var formType = nodeType{
	name: "LeadgenForm",
	known: []string{
		"id", "name", "status", "locale", "created_time", "leads_count",
		"expired_leads_count", "organic_leads_count", "questions",
		"privacy_policy_url", "page", "page_id", "creator", "allow_organic_lead",
		"block_display_for_non_targeted_viewer", "is_optimized_for_quality",
		"follow_up_action_text", "follow_up_action_url",
		"question_page_custom_headline", "context_card", "legal_content",
		"thank_you_page", "tracking_parameters",
	},
	defaults: []string{"id", "locale", "name", "status"},
}

var pageType = nodeType{
	name: "Page",
	known: []string{
		"id", "name", "category", "category_list", "access_token", "tasks",
		"link", "username", "about", "fan_count", "is_published",
		"verification_status", "leadgen_tos_accepted",
	},
	defaults: []string{"id", "name"},
}

var accountsEntryDefaults = []string{"access_token", "category", "category_list", "name", "id", "tasks"}

var userType = nodeType{
	name:     "User",
	known:    []string{"id", "name", "email", "first_name", "last_name"},
	defaults: []string{"id", "name"},
}

var adAccountType = nodeType{
	name: "AdAccount",
	known: []string{
		"id", "account_id", "name", "currency", "timezone_name",
		"account_status", "amount_spent", "business",
	},
	defaults: []string{"id", "account_id"},
}

var campaignType = nodeType{
	name:     "Campaign",
	known:    []string{"id", "name", "account_id", "status", "effective_status", "objective", "created_time"},
	defaults: []string{"id"},
}

var adSetType = nodeType{
	name:     "AdSet",
	known:    []string{"id", "name", "account_id", "campaign_id", "campaign", "status", "effective_status", "created_time"},
	defaults: []string{"id"},
}

var adType = nodeType{
	name:     "Ad",
	known:    []string{"id", "name", "account_id", "campaign_id", "adset_id", "campaign", "adset", "status", "effective_status", "created_time"},
	defaults: []string{"id"},
}

var reportRunType = nodeType{
	name: "AdReportRun",
	known: []string{
		"id", "account_id", "async_percent_completion", "async_status",
		"date_start", "date_stop", "emails", "friendly_name", "is_bookmarked",
		"is_running", "schedule_id", "time_completed", "time_ref",
		"error_code", "error_message", "error_subcode", "error_user_title",
		"error_user_msg",
	},
	defaults: []string{
		"id", "account_id", "time_ref", "time_completed", "async_status",
		"async_percent_completion", "date_start", "date_stop", "is_running",
	},
}
