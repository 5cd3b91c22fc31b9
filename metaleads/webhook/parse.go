package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Event is one "leadgen" change of a Page webhook delivery. It carries ids
// only: the lead's answers must be read from Graph (GET /{lead-id}).
type Event struct {
	// LeadID is the change's leadgen_id; never empty.
	LeadID string
	// PageID is the change's page_id, or the entry id when page_id is absent.
	PageID string
	// FormID is the lead form's id; may be empty.
	FormID string
	// AdID and AdGroupID identify the ad; both are empty for organic leads.
	AdID, AdGroupID string
	// CreatedTime is when the lead was submitted (value.created_time, UTC);
	// zero when absent.
	CreatedTime time.Time
}

// maxIDLen bounds an id's length; Graph ids are at most ~20 digits.
const maxIDLen = 64

// FieldLeadgen is the change field of lead-form submissions.
const FieldLeadgen = "leadgen"

// ObjectPage is the delivery object of Page subscriptions, the only one whose
// leadgen changes Parse returns.
const ObjectPage = "page"

type rawDelivery struct {
	Object string     `json:"object"`
	Entry  []rawEntry `json:"entry"`
}

type rawEntry struct {
	ID      json.RawMessage `json:"id"`
	Changes []rawChange     `json:"changes"`
}

type rawChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// leadgenFields are the decoded fields of a leadgen change's value, in the
// order of Event's fields.
var leadgenFields = [...]string{"leadgen_id", "page_id", "form_id", "ad_id", "adgroup_id"}

// decodeLeadgen decodes a leadgen change's value; errors name the field.
func decodeLeadgen(raw json.RawMessage) (Event, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return Event{}, errors.New("not an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(t, &m); err != nil {
		return Event{}, errors.New(jsonReason(err))
	}
	var ids [len(leadgenFields)]string
	for i, name := range leadgenFields {
		v, ok := m[name]
		if !ok {
			continue
		}
		var g graphID
		if err := g.UnmarshalJSON(v); err != nil {
			return Event{}, errors.New(name + ": " + err.Error())
		}
		ids[i] = string(g)
	}
	var ct unixTime
	if v, ok := m["created_time"]; ok {
		if err := ct.UnmarshalJSON(v); err != nil {
			return Event{}, errors.New("created_time: " + err.Error())
		}
	}
	if ids[0] == "" {
		return Event{}, errors.New("leadgen_id missing")
	}
	return Event{LeadID: ids[0], PageID: ids[1], FormID: ids[2], AdID: ids[3], AdGroupID: ids[4], CreatedTime: time.Time(ct)}, nil
}

// Parse decodes a webhook body (verify it first) into its leadgen events, in
// delivery order: every change with field "leadgen" of every entry of a
// delivery whose object is "page". Other changes and other fields are
// ignored; so is a delivery for another object (an app may subscribe other
// objects to the same callback URL), which yields no events. A body without
// an "object" is not a webhook delivery: it is malformed.
//
// Ids may be JSON strings or JSON numbers of any length (they are kept as
// decimal strings, never converted to float64); they must consist of digits.
// created_time is unix seconds, as a number or a string of digits. A body that
// is not a JSON object, has wrong types, or has a leadgen change without a
// leadgen_id yields an error wrapping ErrMalformed whose message names the
// place but never contains payload content. A delivery without leadgen
// changes yields no events and no error.
func Parse(payload []byte) ([]Event, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var d rawDelivery
	if err := json.Unmarshal(trimmed, &d); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, jsonReason(err))
	}
	switch d.Object {
	case ObjectPage:
	case "":
		return nil, fmt.Errorf("%w: object missing", ErrMalformed)
	default:
		return nil, nil
	}
	var events []Event
	for i, en := range d.Entry {
		var entryID graphID
		if len(en.ID) > 0 {
			if err := entryID.UnmarshalJSON(en.ID); err != nil {
				return nil, fmt.Errorf("%w: entry[%d].id: %s", ErrMalformed, i, err)
			}
		}
		for j, ch := range en.Changes {
			if ch.Field != FieldLeadgen {
				continue
			}
			e, err := decodeLeadgen(ch.Value)
			if err != nil {
				return nil, fmt.Errorf("%w: entry[%d].changes[%d].value: %s", ErrMalformed, i, j, err)
			}
			if e.PageID == "" {
				e.PageID = string(entryID)
			}
			events = append(events, e)
		}
	}
	return events, nil
}

// jsonReason describes a decoding error without quoting payload content.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ie *idError
	switch {
	case errors.As(err, &se):
		return "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		where := te.Field
		if where == "" {
			where = "value"
		}
		return where + ": unexpected JSON " + te.Value
	case errors.As(err, &ie):
		return ie.Error()
	default:
		return "invalid JSON"
	}
}

// idError describes a bad id or timestamp without its value.
type idError struct{ msg string }

func (e *idError) Error() string { return e.msg }

// graphID is a Graph object id decoded from a JSON string or number.
type graphID string

// UnmarshalJSON accepts a string of digits, a non-negative integer number of
// any length (kept verbatim, so never rounded through float64), or null / ""
// meaning absent.
func (g *graphID) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*g = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &idError{"not a valid JSON string"}
		}
		if s == "" {
			*g = ""
			return nil
		}
		if !isDigits(s) {
			return &idError{"not a string of digits"}
		}
		*g = graphID(s)
		return nil
	default:
		if !isDigits(string(b)) {
			return &idError{"not a non-negative integer"}
		}
		*g = graphID(b)
		return nil
	}
}

func isDigits(s string) bool {
	if len(s) == 0 || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unixTime is a unix-seconds timestamp decoded from a JSON number or string.
type unixTime time.Time

// UnmarshalJSON accepts an integer number or a string of digits; null or ""
// mean absent (zero time).
func (u *unixTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*u = unixTime{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return &idError{"not a valid JSON string"}
		}
		if s == "" {
			*u = unixTime{}
			return nil
		}
	}
	if !isDigits(s) {
		return &idError{"not a non-negative integer"}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxUnix {
		return &idError{"out of range"}
	}
	*u = unixTime(time.Unix(n, 0).UTC())
	return nil
}

// maxUnix is 9999-12-31T23:59:59Z; later timestamps are surely corrupt.
const maxUnix = 253402300799
