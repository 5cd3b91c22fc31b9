package cli

import (
	"errors"
	"strings"
	"sync"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
)

// Exporter builds the export records of leads: enrich.ExportLead's
// attribution, contact (full_name, email, phone, country) and answers, plus
// the submitted values of the contact fields the record has no column for
// (city, state, zip, street, company, job title, date of birth, gender),
// which are kept in Answers under their original key so that an export
// loses nothing the person typed. It is safe for concurrent use.
type Exporter struct {
	norm  *metaleads.Normalizer
	mu    sync.Mutex
	class map[string]metaleads.ContactField
}

// NewExporter returns an Exporter that normalises contacts with norm.
func NewExporter(norm *metaleads.Normalizer) (*Exporter, error) {
	if norm == nil {
		return nil, errors.New("cli: nil normalizer")
	}
	return &Exporter{norm: norm, class: map[string]metaleads.ContactField{}}, nil
}

// Field returns the contact field the normaliser maps a lead field key to
// (AnswerField for a custom question). It asks the normaliser itself, with
// probe values, so that it follows its aliases exactly.
func (e *Exporter) Field(key string) metaleads.ContactField {
	e.mu.Lock()
	f, ok := e.class[key]
	e.mu.Unlock()
	if ok {
		return f
	}
	f = e.probe(key)
	e.mu.Lock()
	e.class[key] = f
	e.mu.Unlock()
	return f
}

func (e *Exporter) probe(key string) metaleads.ContactField {
	c := e.norm.Contact([]metaleads.Field{{Name: key, Values: []string{"Probe Person"}}})
	switch {
	case len(c.Answers) > 0:
		// Not a text field: an e-mail key (the probe is no address) or a
		// custom question.
		c = e.norm.Contact([]metaleads.Field{{Name: key, Values: []string{"probe@example.com"}}})
		if c.Email != "" {
			return metaleads.EmailField
		}
		return metaleads.AnswerField
	case c.PhoneRaw != "":
		return metaleads.PhoneField
	case c.Country != "":
		return metaleads.CountryField
	case c.City != "":
		return metaleads.CityField
	case c.State != "":
		return metaleads.StateField
	case c.ZIP != "":
		return metaleads.ZIPField
	case c.Street != "":
		return metaleads.StreetField
	case c.CompanyName != "":
		return metaleads.CompanyField
	case c.JobTitle != "":
		return metaleads.JobTitleField
	case c.DateOfBirth != "":
		return metaleads.DOBField
	case c.Gender != "":
		return metaleads.GenderField
	case c.FirstName != "" && c.LastName != "":
		return metaleads.FullNameField
	case c.FirstName != "":
		return metaleads.FirstNameField
	case c.LastName != "":
		return metaleads.LastNameField
	}
	return metaleads.AnswerField
}

// InRecordContact reports whether values of f are exported in the record's
// contact object (name, e-mail, phone, country) rather than in its answers.
func InRecordContact(f metaleads.ContactField) bool {
	switch f {
	case metaleads.FullNameField, metaleads.FirstNameField, metaleads.LastNameField,
		metaleads.EmailField, metaleads.PhoneField, metaleads.CountryField:
		return true
	}
	return false
}

// Record returns the export record of l.
func (e *Exporter) Record(l metaleads.Lead) enrich.LeadRecord {
	c := e.norm.ContactFromLead(l)
	rec := enrich.ExportLead(l, c)
	for _, f := range l.Fields {
		if _, ok := rec.Answers[f.Name]; ok || InRecordContact(e.Field(f.Name)) {
			continue
		}
		if v := firstValue(f.Values); v != "" {
			rec.Answers[f.Name] = v
		}
	}
	return rec
}

// AnswerKeys returns the answer keys the leads of forms can carry, in
// question order, first form first, without duplicates: every question
// whose values are not exported in the contact object. A lead may still
// carry other keys (an invalid e-mail is kept under its key, a question
// added after the form was read); see Exporter.Record.
func (e *Exporter) AnswerKeys(forms []metaleads.Form) []string {
	var keys []string
	seen := map[string]bool{}
	for _, f := range forms {
		for _, q := range f.Questions {
			if q.Key == "" || seen[q.Key] || InRecordContact(e.Field(q.Key)) {
				continue
			}
			seen[q.Key] = true
			keys = append(keys, q.Key)
		}
	}
	return keys
}

// firstValue is the first non-blank value with its white space collapsed,
// as the normaliser keeps text fields.
func firstValue(vs []string) string {
	for _, v := range vs {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			return v
		}
	}
	return ""
}
