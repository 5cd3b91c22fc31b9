package enrich

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/metaleads"
)

// detail is a contact detail a LeadRecord keeps in its answers.
type detail struct {
	field metaleads.ContactField
	// std is Meta's standard field key, used when no field of the lead
	// supplied the value.
	std string
}

// details are the contact details without a column of the record, in the
// order ExportLead places them.
var details = [...]detail{
	{metaleads.CityField, "city"},
	{metaleads.StateField, "state"},
	{metaleads.ZIPField, "zip_code"},
	{metaleads.StreetField, "street_address"},
	{metaleads.CompanyField, "company_name"},
	{metaleads.JobTitleField, "job_title"},
	{metaleads.DOBField, "date_of_birth"},
	{metaleads.GenderField, "gender"},
}

// detailValue returns c's value of the detail field f.
func detailValue(c *metaleads.Contact, f metaleads.ContactField) string {
	switch f {
	case metaleads.CityField:
		return c.City
	case metaleads.StateField:
		return c.State
	case metaleads.ZIPField:
		return c.ZIP
	case metaleads.StreetField:
		return c.Street
	case metaleads.CompanyField:
		return c.CompanyName
	case metaleads.JobTitleField:
		return c.JobTitle
	case metaleads.DOBField:
		return c.DateOfBirth
	case metaleads.GenderField:
		return c.Gender
	}
	return ""
}

// inRecordContact reports whether a lead field mapped to f is exported in
// the record's contact object (name, e-mail, phone, country) rather than
// in its answers.
func inRecordContact(f metaleads.ContactField) bool {
	switch f {
	case metaleads.FullNameField, metaleads.FirstNameField, metaleads.LastNameField,
		metaleads.EmailField, metaleads.PhoneField, metaleads.CountryField:
		return true
	}
	return false
}

// addDetails adds c's contact details without a record column to answers,
// each under the key of the field that supplied it (see ExportLead).
func addDetails(answers map[string]string, fields []metaleads.Field, c metaleads.Contact) {
	var (
		values []string // first value of each field, as the normalizer reads it
		used   []bool   // fields already given to a detail
	)
	for _, d := range details {
		v := detailValue(&c, d.field)
		if v == "" {
			continue
		}
		if values == nil {
			values, used = make([]string, len(fields)), make([]bool, len(fields))
			for i, f := range fields {
				values[i] = firstValue(f.Values)
			}
		}
		best, bestRank := -1, 4
		for i, f := range fields {
			if used[i] || values[i] != v {
				continue
			}
			if best < 0 {
				best, bestRank = i, 3
				continue // most leads have one candidate: no need to rank it
			}
			if bestRank == 3 {
				bestRank = rankKey(fields[best].Name, d.field, c.Answers)
			}
			if r := rankKey(f.Name, d.field, c.Answers); r < bestRank {
				best, bestRank = i, r
			}
			if bestRank == 0 {
				break
			}
		}
		key := d.std
		if best >= 0 {
			used[best] = true
			key = fields[best].Name
		}
		if old, ok := answers[key]; ok {
			v += ", " + old
		}
		answers[key] = v
	}
}

// rankKey ranks a candidate field key for a contact detail f: 0 when the
// default aliases map it to f, 1 when they map it to no contact column and
// it holds no answer, 2 when it holds no answer, 3 otherwise.
func rankKey(key string, f metaleads.ContactField, answers map[string]string) int {
	df := defaultField(key)
	_, isAnswer := answers[key]
	switch {
	case df == f:
		return 0
	case isAnswer:
		return 3
	case !inRecordContact(df):
		return 1
	}
	return 2
}

// firstValue is the first non-blank value with its white space collapsed,
// as the normalizer keeps contact details.
func firstValue(vs []string) string {
	for _, v := range vs {
		if v = contact.Name(v); v != "" {
			return v
		}
	}
	return ""
}

// defaultNormalizer normalizes with the default aliases; the phone region
// plays no part in which field a key maps to.
var defaultNormalizer = sync.OnceValue(func() *metaleads.Normalizer {
	n, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{})
	if err != nil {
		panic("enrich: default normalizer: " + err.Error()) // the defaults are valid
	}
	return n
})

// defaultFields caches defaultField; bounded, as keys come from forms.
var defaultFields struct {
	sync.Mutex
	m map[string]metaleads.ContactField
}

const maxDefaultFields = 1024

// defaultField returns the contact field the default aliases map key to.
func defaultField(key string) metaleads.ContactField {
	defaultFields.Lock()
	f, ok := defaultFields.m[key]
	defaultFields.Unlock()
	if ok {
		return f
	}
	f = fieldOf(defaultNormalizer(), key)
	defaultFields.Lock()
	if defaultFields.m == nil {
		defaultFields.m = map[string]metaleads.ContactField{}
	}
	if len(defaultFields.m) < maxDefaultFields {
		defaultFields.m[key] = f
	}
	defaultFields.Unlock()
	return f
}

// fieldOf returns the contact field n maps the lead field key to
// (AnswerField for a custom question). It asks n itself, with probe
// values, so it follows n's aliases exactly.
func fieldOf(n *metaleads.Normalizer, key string) metaleads.ContactField {
	c := n.Contact([]metaleads.Field{{Name: key, Values: []string{"Probe Person"}}})
	switch {
	case len(c.Answers) > 0:
		// Not a text field: an e-mail key (the probe is no address) or a
		// custom question.
		c = n.Contact([]metaleads.Field{{Name: key, Values: []string{"probe@example.com"}}})
		if c.Email != "" {
			return metaleads.EmailField
		}
		return metaleads.AnswerField
	case c.PhoneRaw != "":
		return metaleads.PhoneField
	case c.Country != "":
		return metaleads.CountryField
	}
	for _, d := range details {
		if detailValue(&c, d.field) != "" {
			return d.field
		}
	}
	switch {
	case c.FirstName != "" && c.LastName != "":
		return metaleads.FullNameField
	case c.FirstName != "":
		return metaleads.FirstNameField
	case c.LastName != "":
		return metaleads.LastNameField
	}
	return metaleads.AnswerField
}

// AnswerKeys returns the answer keys that the records of leads of forms
// can carry, in question order, first form first, without duplicates: the
// key of every question whose value n does not export in the record's
// contact object (custom questions, and contact details such as the city).
// It suits a table with one column per answer. A record may still carry
// other keys (an invalid e-mail is kept under its key, a question added
// after the forms were read). A nil n means the default aliases.
func AnswerKeys(n *metaleads.Normalizer, forms []metaleads.Form) []string {
	if n == nil {
		n = defaultNormalizer()
	}
	var keys []string
	seen := map[string]bool{}
	for _, f := range forms {
		for _, q := range f.Questions {
			if q.Key == "" || seen[q.Key] || inRecordContact(fieldOf(n, q.Key)) {
				continue
			}
			seen[q.Key] = true
			keys = append(keys, q.Key)
		}
	}
	return keys
}

// marshal is json.Marshal without HTML escaping: "&", "<" and ">" are
// written as they are, as the examples' encoders write them.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
