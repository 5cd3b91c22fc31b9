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
	"context"
	"fmt"
	"io"
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

	log := cli.Logger(stderr)
	meta, err := cli.OpenMeta(ctx, stderr, t, log)
	if err != nil {
		return cli.Explain(err)
	}
	defer meta.Close()
	forms, err := cli.SelectForms(ctx, meta, formIDs) // before the CRM: a wrong -form fails at once
	if err != nil {
		return err
	}
	crm, err := cli.OpenCRM(stderr, t, log)
	if err != nil {
		return err
	}
	defer crm.Close()
	cli.WarnMixed(stderr, "enrich-leads", meta, crm)

	prog := cli.NewProgress(stderr, progressEvery)
	e, err := cli.NewEnricher(crm, strategy, norm, prog, "enrich-leads")
	if err != nil {
		return err
	}

	newWriter := func(w io.Writer) cli.RecordWriter[enrich.EnrichedLead] {
		return cli.NewJSONLWriter[enrich.EnrichedLead](w)
	}
	if *format == "csv" {
		newWriter = func(w io.Writer) cli.RecordWriter[enrich.EnrichedLead] {
			return newCSVWriter(w, enrich.AnswerKeys(norm, forms))
		}
	}
	out, err := cli.CreateRecords(*outPath, stdout, newWriter)
	if err != nil {
		return err
	}
	defer out.Close()

	fmt.Fprintf(stderr, "enrich-leads: %d forms, %s (%s strategy)\n", len(forms), cli.DescribePeriod(from, to), strategy)
	started := time.Now()
	n, matched := 0, 0
	leads := cli.FormLeads(ctx, meta.Client, forms, metaleads.LeadsOptions{Since: from, Until: to})
	for el, err := range e.Enrich(ctx, leads) {
		if err != nil {
			prog.Clear()
			return fmt.Errorf("after %d leads: %w", n, cli.Explain(err))
		}
		if err := out.Write(el); err != nil {
			prog.Clear()
			return err
		}
		n++
		if el.Matched() {
			matched++
		}
	}
	if err := out.Commit(); err != nil {
		return err
	}
	prog.Done(fmt.Sprintf("enrich-leads: %d leads from %d forms, %d matched to CRM cards, to %s in %s",
		n, len(forms), matched, out.Dest(), time.Since(started).Round(time.Millisecond)))
	return nil
}

// leadColumns are export-leads' CSV columns before the answers.
var leadColumns = cli.RecordColumns

// otherColumn holds the answers without a column of their own.
const otherColumn = cli.OtherAnswersColumn

// crmColumns follow the answers.
var crmColumns = []string{
	"customer_id", "customer_name", "customer_is_study", "customer_study_status", "customer_lead_status",
	"customer_matched_by", "customer_ambiguous",
	"payments_count", "payments_total", "payments_first_date", "payments_last_date",
	"attendance_attended", "attendance_missed", "attendance_last_date",
}

// newCSVWriter writes export-leads' columns for the answer keys, then
// crmColumns.
func newCSVWriter(w io.Writer, keys []string) *cli.CSVWriter[enrich.EnrichedLead] {
	layout := cli.NewRecordCSV(keys, crmColumns...) // the lead part: export-leads' columns
	return cli.NewCSVWriter(w, append(layout.Header(), crmColumns...), func(row []string, el enrich.EnrichedLead) ([]string, error) {
		row, err := layout.AppendRow(row, el.Record())
		if err != nil {
			return nil, err
		}
		if cu := el.Customer; cu != nil {
			p, a := el.Payments, el.Attendance
			return append(row,
				strconv.Itoa(cu.ID), cu.Name, strconv.FormatBool(cu.IsStudy), cu.StudyStatus, cu.LeadStatus,
				string(cu.MatchedBy), strconv.FormatBool(cu.Ambiguous),
				strconv.Itoa(p.Count), p.Total.StringFixed(2), day(p.First), day(p.Last),
				strconv.Itoa(a.Attended), strconv.Itoa(a.Missed), day(a.LastAttended)), nil
		}
		for range crmColumns {
			row = append(row, "")
		}
		return row, nil
	})
}

// day formats a CRM date (a calendar day in its own location) as
// YYYY-MM-DD, "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
