package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
)

// SelectForms returns the forms named by ids (in order, each once), or
// every form of the Page when ids is empty.
func SelectForms(ctx context.Context, meta *Meta, ids []string) ([]metaleads.Form, error) {
	var forms []metaleads.Form
	if len(ids) > 0 {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			f, err := meta.Client.Form(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("reading form %s: %w", id, Explain(err))
			}
			forms = append(forms, f)
		}
		return forms, nil
	}
	for f, err := range meta.Client.Forms(ctx, meta.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("listing the forms of Page %s: %w", meta.PageID, Explain(err))
		}
		forms = append(forms, f)
	}
	return forms, nil
}

// FormLeads yields the leads of forms, form after form, each with its form
// id set; an error names the form and ends the iteration.
func FormLeads(ctx context.Context, src enrich.LeadSource, forms []metaleads.Form, opts metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for _, f := range forms {
			for l, err := range src.Leads(ctx, f.ID, opts) {
				if err != nil {
					yield(metaleads.Lead{}, fmt.Errorf("reading the leads of form %s: %w", f.ID, err))
					return
				}
				if l.FormID == "" {
					l.FormID = f.ID
				}
				if !yield(l, nil) {
					return
				}
			}
		}
	}
}

// DescribePeriod says which leads the creation-time bounds [from, to)
// select (a zero bound is open).
func DescribePeriod(from, to time.Time) string {
	switch {
	case from.IsZero() && to.IsZero():
		return "all leads"
	case to.IsZero():
		return "leads created from " + from.Format(time.RFC3339)
	case from.IsZero():
		return "leads created before " + to.Format(time.RFC3339)
	}
	return "leads created from " + from.Format(time.RFC3339) + " to before " + to.Format(time.RFC3339)
}

// JSONLines returns an encoder writing one JSON value per line, without
// escaping <, > and & (as WriteJSON).
func JSONLines(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// RecordColumns are the CSV columns of a lead record before its answers.
var RecordColumns = []string{
	"id", "created_time", "form_id", "campaign_id", "campaign_name", "adset_id", "adset_name",
	"ad_id", "ad_name", "is_organic", "platform",
	"contact_full_name", "contact_email", "contact_phone", "contact_country",
}

// OtherAnswersColumn follows the answer columns; it holds the answers
// without a column of their own as a JSON object ("" when none).
const OtherAnswersColumn = "other_answers"

// RecordCSV lays lead records out as CSV: RecordColumns, one column per
// answer key, then OtherAnswersColumn. The columns are known before any
// record, so rows can be written as records arrive.
type RecordCSV struct {
	keys   []string
	keySet map[string]bool
	header []string
}

// NewRecordCSV returns the layout for the answer keys (see
// Exporter.AnswerKeys). An answer key equal to a fixed column, to
// OtherAnswersColumn or to one of reserved (columns the caller appends
// after these) gets the column name "answer_" + key.
func NewRecordCSV(answerKeys []string, reserved ...string) *RecordCSV {
	c := &RecordCSV{keys: slices.Clone(answerKeys), keySet: map[string]bool{}, header: slices.Clone(RecordColumns)}
	taken := map[string]bool{OtherAnswersColumn: true}
	for _, col := range slices.Concat(RecordColumns, reserved) {
		taken[col] = true
	}
	for _, k := range c.keys {
		c.keySet[k] = true
		col := k
		if taken[col] {
			col = "answer_" + k
		}
		taken[col] = true
		c.header = append(c.header, col)
	}
	c.header = append(c.header, OtherAnswersColumn)
	return c
}

// Header returns the column names.
func (c *RecordCSV) Header() []string { return slices.Clone(c.header) }

// AppendRow appends the cells of r to row and returns it: created_time in
// RFC 3339 UTC, is_organic true/false, the answers in their columns and
// the others in OtherAnswersColumn.
func (c *RecordCSV) AppendRow(row []string, r enrich.LeadRecord) ([]string, error) {
	row = append(row,
		r.ID, r.CreatedTime.UTC().Format(time.RFC3339), r.FormID, r.CampaignID, r.CampaignName,
		r.AdSetID, r.AdSetName, r.AdID, r.AdName, strconv.FormatBool(r.IsOrganic), r.Platform,
		r.Contact.FullName, r.Contact.Email, r.Contact.Phone, r.Contact.Country)
	used := 0
	for _, k := range c.keys {
		v, ok := r.Answers[k]
		if ok {
			used++
		}
		row = append(row, v)
	}
	if used == len(r.Answers) {
		return append(row, ""), nil
	}
	other := map[string]string{}
	for k, v := range r.Answers {
		if !c.keySet[k] {
			other[k] = v
		}
	}
	var b bytes.Buffer
	if err := JSONLines(&b).Encode(other); err != nil {
		return nil, err
	}
	return append(row, string(bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))), nil
}

// NewEnricher returns an enricher reading crm with strategy, phone numbers
// read in LEADKIT_PHONE_REGION and contacts normalised with norm, which
// reports its progress on p as "name: N leads enriched, M matched…".
func NewEnricher(crm *CRM, strategy enrich.Strategy, norm *metaleads.Normalizer, p *Progress, name string) (*enrich.Enricher, error) {
	return enrich.New(crm.Client, enrich.Config{
		Strategy:    strategy,
		PhoneRegion: PhoneRegion(),
		Normalizer:  norm,
		OnProgress: func(pr enrich.Progress) {
			if pr.Phase == enrich.PhaseLoading {
				// On a terminal the line shows the directory loading; in a
				// log (n = 0) nothing is printed until leads are enriched.
				p.Update(0, func() string {
					return fmt.Sprintf("%s: loading CRM directory: %d cards, %d payments, %d lessons…", name, pr.CardsRead, pr.PaymentsRead, pr.LessonsRead)
				})
				return
			}
			p.Update(pr.Enriched, func() string {
				return fmt.Sprintf("%s: %d leads enriched, %d matched…", name, pr.Enriched, pr.Matched)
			})
		},
	})
}
