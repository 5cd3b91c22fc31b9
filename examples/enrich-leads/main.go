// Command enrich-leads writes the leads of the Page's lead forms with what
// AlfaCRM knows about each person: the matched card, their payments and
// their attendance.
//
//	go run ./examples/enrich-leads [-form ID]... [-since DAY] [-until DAY]
//	    [-format jsonl|csv] [-out FILE] [-strategy auto|per-lead|bulk]
//
// Without -form it reads every form of the Page (FACEBOOK_PAGE_ID), in
// Graph's listing order, each form's leads newest first. -since and -until
// bound the lead creation time as for export-leads: a YYYY-MM-DD day is a
// whole day in ALFACRM_TIMEZONE (UTC when unset), both inclusive; an RFC
// 3339 timestamp is an exact instant (since inclusive, until exclusive).
// Without them every lead Graph still keeps is read.
//
// A lead matches a CRM card (students and lead cards, active and archived)
// by its e-mail, or else by its phone (read in LEADKIT_PHONE_REGION, default
// UA); when several cards match, a student card wins, then the earliest.
//
// JSON Lines (-format jsonl, the default): one object per lead, the object
// export-leads writes (id, created_time RFC 3339 UTC, form_id, campaign_id,
// campaign_name, adset_id, adset_name, ad_id, ad_name, is_organic,
// platform, contact {full_name, email, phone, country}, answers) plus
//
//	"customer":   null | {"id": 123, "name": "...", "is_study": true,
//	               "study_status": "..."|null, "lead_status": "..."|null,
//	               "matched_by": "email"|"phone", "ambiguous": false},
//	"payments":   null | {"count": 2, "total": "4800.00",
//	               "first_date": "2026-01-10"|null, "last_date": ...|null},
//	"attendance": null | {"attended": 14, "missed": 2, "last_date": ...|null}
//
// payments and attendance are null when no card matched, and otherwise
// cover the customer's whole history: income payments only, conducted
// lessons only. Dates are calendar days in ALFACRM_TIMEZONE.
//
// CSV (-format csv): a header and one row per lead: export-leads' columns
// (id … contact_country, one column per answer key, other_answers), then
// customer_id, customer_name, customer_is_study, customer_study_status,
// customer_lead_status, customer_matched_by, customer_ambiguous,
// payments_count, payments_total, payments_first_date, payments_last_date,
// attendance_attended, attendance_missed, attendance_last_date. Those are
// empty when no card matched, as are absent names and dates.
//
// -strategy chooses how the CRM is read: per-lead searches it for each
// lead (best for a few), bulk reads every card, payment and lesson once
// (best for many), auto (the default) picks the cheaper by estimated
// requests. They give the same output.
//
// -out FILE writes to a temporary file renamed to FILE only when the run
// completed. Progress goes to stderr. Environment: as for the other
// examples; each side without credentials runs on its built-in fake with
// the demo data (stderr says so).
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/metaleads"
)

const usage = `usage: enrich-leads [-form ID]... [-since DAY] [-until DAY] [-format jsonl|csv] [-out FILE]
                    [-strategy auto|per-lead|bulk]

Writes the leads of the Page's forms (or of the forms given), each with its
AlfaCRM card, payments and attendance, to stdout or FILE.`

// progressEvery is how often progress is written when stderr is not a
// terminal, in leads.
const progressEvery = 1000

// now is the clock that picks the sandbox's reference day (tests fix it).
var now = time.Now

func main() { cli.Main("enrich-leads", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("enrich-leads", usage, stderr)
	var formIDs cli.StringList
	fs.Var(&formIDs, "form", "read only this form `ID` (repeatable)")
	since := fs.String("since", "", "first `day` (YYYY-MM-DD, inclusive, in ALFACRM_TIMEZONE or UTC) or RFC 3339 instant")
	until := fs.String("until", "", "last `day` (YYYY-MM-DD, inclusive) or RFC 3339 instant (exclusive)")
	format := fs.String("format", "jsonl", "output `format`: jsonl or csv")
	outPath := fs.String("out", "", "write to `FILE` instead of stdout (created only on success)")
	strategyFlag := fs.String("strategy", "auto", cli.StrategyUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	*format = strings.ToLower(strings.TrimSpace(*format))
	if *format != "jsonl" && *format != "csv" {
		return fmt.Errorf("-format %q: want jsonl or csv", *format)
	}
	strategy, err := cli.ParseStrategy(*strategyFlag)
	if err != nil {
		return err
	}
	loc, err := cli.Location()
	if err != nil {
		return err
	}
	t := now() // one reference day for the period and both sandboxes
	from, to, err := cli.Period(strings.TrimSpace(*since), strings.TrimSpace(*until), loc, t, 0)
	if err != nil {
		return fmt.Errorf("-since/-until: %w", err)
	}
	norm, err := cli.Normalizer()
	if err != nil {
		return err
	}
	exp, err := cli.NewExporter(norm)
	if err != nil {
		return err
	}

	log := cli.Logger(stderr)
	meta, err := cli.OpenMeta(ctx, stderr, t, log)
	if err != nil {
		return cli.Explain(err)
	}
	defer meta.Close()
	forms, err := selectForms(ctx, meta, formIDs) // before the CRM: a wrong -form fails at once
	if err != nil {
		return err
	}
	crm, err := cli.OpenCRM(stderr, t, log)
	if err != nil {
		return err
	}
	defer crm.Close()
	if meta.Sandbox != crm.Sandbox {
		side := "Meta"
		if crm.Sandbox {
			side = "AlfaCRM"
		}
		fmt.Fprintf(stderr, "enrich-leads: only the %s side is the sandbox: its demo people are not yours, so expect few or no matches\n", side)
	}

	prog := cli.NewProgress(stderr, progressEvery)
	e, err := enrich.New(crm.Client, enrich.Config{
		Strategy:    strategy,
		PhoneRegion: cli.PhoneRegion(),
		Normalizer:  norm,
		OnProgress: func(p enrich.Progress) {
			prog.Update(p.Enriched, func() string {
				return fmt.Sprintf("enrich-leads: %d leads enriched, %d matched…", p.Enriched, p.Matched)
			})
		},
	})
	if err != nil {
		return err
	}

	out, err := cli.Create(*outPath, stdout)
	if err != nil {
		return err
	}
	defer out.Close()
	bw := bufio.NewWriter(out)
	var w recordWriter
	if *format == "jsonl" {
		w = newJSONLWriter(bw)
	} else {
		w = newCSVWriter(bw, exp.AnswerKeys(forms))
	}
	if err := w.Begin(); err != nil {
		return err
	}

	fmt.Fprintf(stderr, "enrich-leads: %d forms, %s (%s strategy)\n", len(forms), describePeriod(from, to), strategy)
	started := time.Now()
	n, matched := 0, 0
	leads := formLeads(ctx, meta.Client, forms, metaleads.LeadsOptions{Since: from, Until: to})
	for el, err := range e.Enrich(ctx, leads) {
		if err != nil {
			prog.Clear()
			return fmt.Errorf("after %d leads: %w", n, cli.Explain(err))
		}
		// The lead part is exactly export-leads' record: its answers keep
		// the contact details that have no column (city, company...).
		el.Contact.Answers = exp.Record(el.Lead).Answers
		if err := w.Write(el); err != nil {
			prog.Clear()
			return err
		}
		n++
		if el.Matched() {
			matched++
		}
	}
	if err := w.End(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	dest := "stdout"
	if *outPath != "" && *outPath != "-" {
		dest = *outPath
	}
	prog.Done(fmt.Sprintf("enrich-leads: %d leads from %d forms, %d matched to CRM cards, to %s in %s",
		n, len(forms), matched, dest, time.Since(started).Round(time.Millisecond)))
	return nil
}

// selectForms returns the forms named by -form (in flag order, each once),
// or every form of the Page.
func selectForms(ctx context.Context, meta *cli.Meta, ids []string) ([]metaleads.Form, error) {
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
				return nil, fmt.Errorf("reading form %s: %w", id, cli.Explain(err))
			}
			forms = append(forms, f)
		}
		return forms, nil
	}
	for f, err := range meta.Client.Forms(ctx, meta.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("listing the forms of Page %s: %w", meta.PageID, cli.Explain(err))
		}
		forms = append(forms, f)
	}
	return forms, nil
}

// formLeads yields the leads of the forms, form after form, each with its
// form id; an error names the form and ends the iteration.
func formLeads(ctx context.Context, src enrich.LeadSource, forms []metaleads.Form, opts metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for _, f := range forms {
			for l, err := range src.Leads(ctx, f.ID, opts) {
				if err != nil {
					yield(metaleads.Lead{}, fmt.Errorf("form %s: %w", f.ID, err))
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

func describePeriod(from, to time.Time) string {
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

// recordWriter writes enriched leads in one format.
type recordWriter interface {
	Begin() error
	Write(enrich.EnrichedLead) error
	End() error
}

type jsonlWriter struct{ enc *json.Encoder }

func newJSONLWriter(w io.Writer) *jsonlWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonlWriter{enc: enc}
}

func (j *jsonlWriter) Begin() error                       { return nil }
func (j *jsonlWriter) Write(el enrich.EnrichedLead) error { return j.enc.Encode(el) }
func (j *jsonlWriter) End() error                         { return nil }

// leadColumns are export-leads' CSV columns before the answers.
var leadColumns = []string{
	"id", "created_time", "form_id", "campaign_id", "campaign_name", "adset_id", "adset_name",
	"ad_id", "ad_name", "is_organic", "platform",
	"contact_full_name", "contact_email", "contact_phone", "contact_country",
}

// otherColumn holds the answers without a column of their own.
const otherColumn = "other_answers"

// crmColumns follow the answers.
var crmColumns = []string{
	"customer_id", "customer_name", "customer_is_study", "customer_study_status", "customer_lead_status",
	"customer_matched_by", "customer_ambiguous",
	"payments_count", "payments_total", "payments_first_date", "payments_last_date",
	"attendance_attended", "attendance_missed", "attendance_last_date",
}

type csvWriter struct {
	w      *csv.Writer
	keys   []string // answer keys with a column, in column order
	header []string
	row    []string
}

func newCSVWriter(w io.Writer, keys []string) *csvWriter {
	header := slices.Clone(leadColumns)
	taken := map[string]bool{otherColumn: true}
	for _, c := range slices.Concat(leadColumns, crmColumns) {
		taken[c] = true
	}
	for _, k := range keys {
		col := k
		if taken[col] {
			col = "answer_" + k
		}
		taken[col] = true
		header = append(header, col)
	}
	header = append(header, otherColumn)
	header = append(header, crmColumns...)
	return &csvWriter{w: csv.NewWriter(w), keys: keys, header: header, row: make([]string, 0, len(header))}
}

func (c *csvWriter) Begin() error { return c.w.Write(c.header) }

func (c *csvWriter) Write(el enrich.EnrichedLead) error {
	r := el.Record()
	row := append(c.row[:0],
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
	extra := ""
	if used < len(r.Answers) {
		other := map[string]string{}
		for k, v := range r.Answers {
			if !slices.Contains(c.keys, k) {
				other[k] = v
			}
		}
		b, err := json.Marshal(other)
		if err != nil {
			return err
		}
		extra = string(b)
	}
	row = append(row, extra)
	if cu := el.Customer; cu != nil {
		p, a := el.Payments, el.Attendance
		row = append(row,
			strconv.Itoa(cu.ID), cu.Name, strconv.FormatBool(cu.IsStudy), cu.StudyStatus, cu.LeadStatus,
			string(cu.MatchedBy), strconv.FormatBool(cu.Ambiguous),
			strconv.Itoa(p.Count), p.Total.StringFixed(2), day(p.First), day(p.Last),
			strconv.Itoa(a.Attended), strconv.Itoa(a.Missed), day(a.LastAttended))
	} else {
		for range crmColumns {
			row = append(row, "")
		}
	}
	c.row = row
	return c.w.Write(row)
}

func (c *csvWriter) End() error {
	c.w.Flush()
	return c.w.Error()
}

// day formats a CRM date (a calendar day in its own location) as
// YYYY-MM-DD, "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
