package metaleads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Graph's wire quirks, handled here so that callers never see them:
//   - ids arrive as JSON strings or numbers;
//   - times arrive as "2006-01-02T15:04:05-0700" (no colon in the offset,
//     which time.RFC3339 rejects), as RFC 3339, or as unix seconds;
//   - is_checked is a string ("1" or ""), other flags may be strings too;
//   - counters may arrive as numeric strings;
//   - unknown fields are ignored.

// graphTimeLayout is the layout of created_time and other Graph datetimes.
const graphTimeLayout = "2006-01-02T15:04:05-0700"

// errUnexpectedType is wrapped by decoding errors for a JSON value of the
// wrong kind.
var errUnexpectedType = errors.New("unexpected JSON type")

// wireString is a string that may also arrive as a JSON number or bool; null
// is "".
type wireString string

func (s *wireString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("%w: empty value", errUnexpectedType)
	case b[0] == '"':
		if v, ok := plainString(b); ok {
			*s = wireString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = wireString(v)
	case string(b) == "null":
		*s = ""
	case string(b) == "true" || string(b) == "false":
		*s = wireString(b)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = wireString(n)
	default:
		return fmt.Errorf("%w: want a string, got %s", errUnexpectedType, kind(b))
	}
	return nil
}

// plainString returns the content of a quoted JSON string that needs no
// unescaping (no backslash, no control character, valid UTF-8): the common
// case, decoded without a second pass through encoding/json.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// wireStrings is a list of strings that may also arrive as a single string;
// null is an empty list.
type wireStrings []string

func (s *wireStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var vs []wireString
		if err := json.Unmarshal(b, &vs); err != nil {
			return err
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = string(v)
		}
		*s = out
		return nil
	}
	var v wireString
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	if string(b) == "null" {
		*s = nil
		return nil
	}
	*s = []string{string(v)}
	return nil
}

// wireBool accepts true/false, 1/0, "1"/"0"/"", "true"/"false" and null.
type wireBool bool

func (v *wireBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", "1", `"1"`, `"true"`, `"TRUE"`, `"True"`:
		*v = true
		return nil
	case "false", "0", `"0"`, `""`, `"false"`, `"FALSE"`, `"False"`, "null":
		*v = false
		return nil
	}
	return fmt.Errorf("%w: want a boolean, got %s", errUnexpectedType, kind(b))
}

// wireInt is an integer that may arrive as a JSON number (possibly with a
// fraction or exponent, as some encoders write counters) or a numeric string.
type wireInt int64

func (v *wireInt) UnmarshalJSON(b []byte) error {
	var s wireString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" {
		*v = 0
		return nil
	}
	if n, err := strconv.ParseInt(str, 10, 64); err == nil {
		*v = wireInt(n)
		return nil
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("%w: want an integer, got %q", errUnexpectedType, truncate(str, 40))
	}
	*v = wireInt(f)
	return nil
}

// wireTime accepts Graph's "-0700" layout, RFC 3339, unix seconds (number or
// numeric string), "" and null (the zero time). Times are returned in UTC.
type wireTime time.Time

func (v *wireTime) UnmarshalJSON(b []byte) error {
	var s wireString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	t, err := parseGraphTime(string(s))
	if err != nil {
		return err
	}
	*v = wireTime(t)
	return nil
}

// maxUnix is 9999-12-31T23:59:59Z, the last instant with a four-digit year.
const maxUnix = 253402300799

func parseGraphTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:T") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > maxUnix {
			return time.Time{}, fmt.Errorf("%w: bad unix time %q", errUnexpectedType, truncate(s, 40))
		}
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range [...]string{graphTimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: bad time %q", errUnexpectedType, truncate(s, 40))
}

func kind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// wireField is one field_data item.
type wireField struct {
	Name   wireString  `json:"name"`
	Values wireStrings `json:"values"`
}

// wireDisclaimer is one custom_disclaimer_responses item.
type wireDisclaimer struct {
	Key     wireString `json:"checkbox_key"`
	Checked wireBool   `json:"is_checked"`
}

// wireLead is a Lead as Graph sends it.
type wireLead struct {
	ID             wireString       `json:"id"`
	CreatedTime    wireTime         `json:"created_time"`
	FormID         wireString       `json:"form_id"`
	AdID           wireString       `json:"ad_id"`
	AdName         wireString       `json:"ad_name"`
	AdSetID        wireString       `json:"adset_id"`
	AdSetName      wireString       `json:"adset_name"`
	CampaignID     wireString       `json:"campaign_id"`
	CampaignName   wireString       `json:"campaign_name"`
	IsOrganic      wireBool         `json:"is_organic"`
	Platform       wireString       `json:"platform"`
	PartnerName    wireString       `json:"partner_name"`
	RetailerItemID wireString       `json:"retailer_item_id"`
	FieldData      []wireField      `json:"field_data"`
	Disclaimers    []wireDisclaimer `json:"custom_disclaimer_responses"`
}

func (w *wireLead) lead() Lead {
	l := Lead{
		ID:             string(w.ID),
		CreatedTime:    time.Time(w.CreatedTime),
		FormID:         string(w.FormID),
		AdID:           string(w.AdID),
		AdName:         string(w.AdName),
		AdSetID:        string(w.AdSetID),
		AdSetName:      string(w.AdSetName),
		CampaignID:     string(w.CampaignID),
		CampaignName:   string(w.CampaignName),
		IsOrganic:      bool(w.IsOrganic),
		Platform:       string(w.Platform),
		PartnerName:    string(w.PartnerName),
		RetailerItemID: string(w.RetailerItemID),
	}
	if len(w.FieldData) > 0 {
		l.Fields = make([]Field, len(w.FieldData))
		for i, f := range w.FieldData {
			l.Fields[i] = Field{Name: string(f.Name), Values: []string(f.Values)}
		}
	}
	if len(w.Disclaimers) > 0 {
		l.DisclaimerAnswers = make([]DisclaimerResponse, len(w.Disclaimers))
		for i, d := range w.Disclaimers {
			l.DisclaimerAnswers[i] = DisclaimerResponse{Key: string(d.Key), Checked: bool(d.Checked)}
		}
	}
	return l
}

// UnmarshalJSON implements [json.Unmarshaler] for Lead with Graph's wire
// quirks: ids as strings or numbers, created_time in Graph's
// "2006-01-02T15:04:05-0700" layout or RFC 3339, is_checked as "1"/"" or a
// boolean. Unknown fields are ignored.
func (l *Lead) UnmarshalJSON(b []byte) error {
	var w wireLead
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = w.lead()
	return nil
}

// wireQuestion is a LeadGenQuestion.
type wireQuestion struct {
	ID      wireString `json:"id"`
	Key     wireString `json:"key"`
	Label   wireString `json:"label"`
	Type    wireString `json:"type"`
	Options []struct {
		Key   wireString `json:"key"`
		Value wireString `json:"value"`
	} `json:"options"`
}

// wireForm is a LeadgenForm as Graph sends it.
type wireForm struct {
	ID                wireString     `json:"id"`
	Name              wireString     `json:"name"`
	Status            wireString     `json:"status"`
	Locale            wireString     `json:"locale"`
	PageID            wireString     `json:"page_id"`
	LeadsCount        wireInt        `json:"leads_count"`
	ExpiredLeadsCount wireInt        `json:"expired_leads_count"`
	OrganicLeadsCount wireInt        `json:"organic_leads_count"`
	CreatedTime       wireTime       `json:"created_time"`
	Questions         []wireQuestion `json:"questions"`
	Page              *struct {
		ID wireString `json:"id"`
	} `json:"page"`
}

func (w *wireForm) form() Form {
	f := Form{
		ID:                string(w.ID),
		Name:              string(w.Name),
		Status:            string(w.Status),
		Locale:            string(w.Locale),
		PageID:            string(w.PageID),
		LeadsCount:        int(w.LeadsCount),
		ExpiredLeadsCount: int(w.ExpiredLeadsCount),
		OrganicLeadsCount: int(w.OrganicLeadsCount),
		CreatedTime:       time.Time(w.CreatedTime),
	}
	if f.PageID == "" && w.Page != nil {
		f.PageID = string(w.Page.ID)
	}
	if len(w.Questions) > 0 {
		f.Questions = make([]Question, len(w.Questions))
		for i, q := range w.Questions {
			f.Questions[i] = Question{ID: string(q.ID), Key: string(q.Key), Label: string(q.Label), Type: string(q.Type)}
			if len(q.Options) > 0 {
				opts := make([]QuestionOption, len(q.Options))
				for j, o := range q.Options {
					opts[j] = QuestionOption{Key: string(o.Key), Value: string(o.Value)}
				}
				f.Questions[i].Options = opts
			}
		}
	}
	return f
}

// UnmarshalJSON implements [json.Unmarshaler] for Form with Graph's wire
// quirks (see [Lead.UnmarshalJSON]); counters may be numbers or numeric
// strings and page_id falls back to page{id}.
func (f *Form) UnmarshalJSON(b []byte) error {
	var w wireForm
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = w.form()
	return nil
}

// wirePaging is Graph's cursor paging block.
type wirePaging struct {
	Cursors struct {
		Before wireString `json:"before"`
		After  wireString `json:"after"`
	} `json:"cursors"`
	Next     wireString `json:"next"`
	Previous wireString `json:"previous"`
}

// wirePage is one page of an edge.
type wirePage[T any] struct {
	Data   *[]T        `json:"data"`
	Paging *wirePaging `json:"paging"`
}

// decodePage decodes an edge page. The cursor to continue from is
// paging.cursors.after when paging.next is present (Graph keeps returning
// cursors.after on the last page, so next is the only end signal); it falls
// back to the after parameter of the next URL, which is read but never
// followed (it embeds the access token).
func decodePage[T any](body []byte) (Page[T], error) {
	var w wirePage[T]
	if err := json.Unmarshal(body, &w); err != nil {
		return Page[T]{}, err
	}
	if w.Data == nil {
		return Page[T]{}, errors.New(`no "data" array in the response`)
	}
	p := Page[T]{Items: *w.Data}
	if w.Paging == nil || w.Paging.Next == "" {
		return p, nil
	}
	p.After = string(w.Paging.Cursors.After)
	if p.After == "" {
		if u, err := url.Parse(string(w.Paging.Next)); err == nil {
			p.After = u.Query().Get("after")
		}
	}
	if p.After == "" {
		return Page[T]{}, errors.New("paging.next without an after cursor")
	}
	return p, nil
}

// decodeLeadsPage decodes one page of /{form-id}/leads or /{ad-id}/leads.
func decodeLeadsPage(body []byte) (Page[Lead], error) {
	return decodePage[Lead](body)
}
