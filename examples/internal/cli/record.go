package cli

import (
	"errors"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
)

// Exporter builds the export records of leads with one normalizer:
// enrich.ExportLead's attribution, contact (full_name, email, phone,
// country) and answers, which keep every other submitted value (custom
// questions, and contact details such as the city) under its form key. It
// is safe for concurrent use.
type Exporter struct {
	norm *metaleads.Normalizer
}

// NewExporter returns an Exporter that normalises contacts with norm.
func NewExporter(norm *metaleads.Normalizer) (*Exporter, error) {
	if norm == nil {
		return nil, errors.New("cli: nil normalizer")
	}
	return &Exporter{norm: norm}, nil
}

// Record returns the export record of l.
func (e *Exporter) Record(l metaleads.Lead) enrich.LeadRecord {
	return enrich.ExportLead(l, e.norm.ContactFromLead(l))
}

// AnswerKeys returns the answer keys the records of leads of forms can
// carry, in question order (see enrich.AnswerKeys).
func (e *Exporter) AnswerKeys(forms []metaleads.Form) []string {
	return enrich.AnswerKeys(e.norm, forms)
}
