// Command export-leads writes the leads of the Page's lead forms as CSV or
// JSON Lines.
//
//	go run ./examples/export-leads [-form ID]... [-since DAY] [-until DAY] [-format csv|jsonl] [-out FILE]
//
// Without -form it exports every form of the Page (FACEBOOK_PAGE_ID), in
// Graph's listing order, each form's leads newest first. -since and -until
// bound the lead creation time: a YYYY-MM-DD day is a whole day in
// ALFACRM_TIMEZONE (UTC when unset), both inclusive; an RFC 3339 timestamp is
// an exact instant (since inclusive, until exclusive). Without them every
// lead Graph still keeps is exported (Graph drops leads after 90 days).
//
// JSON Lines (-format jsonl): one object per lead with id, created_time (RFC
// 3339, UTC), form_id, campaign_id, campaign_name, adset_id, adset_name,
// ad_id, ad_name, is_organic, platform, contact {full_name, email, phone,
// country} and answers {key: value}. The contact is normalised (e-mail lower
// case, phone E.164 read in LEADKIT_PHONE_REGION, default UA; a phone that
// cannot be parsed is kept as typed). answers holds every other submitted
// field under its form key: custom questions, and contact details without a
// contact column (city, company...).
//
// CSV (the default): a header and one row per lead with the same values
// flattened: id, created_time, form_id, campaign_id, campaign_name,
// adset_id, adset_name, ad_id, ad_name, is_organic (true/false), platform,
// contact_full_name, contact_email, contact_phone, contact_country, then one
// column per answer key, then other_answers. The answer columns are the
// question keys of the exported forms' definitions (first form first), read
// before any lead, so rows are written as they arrive and memory stays flat
// however many leads there are. A key that equals one of the fixed column
// names gets the prefix "answer_". An answer whose key is not among the
// questions (an invalid e-mail kept as typed under its key, a question added
// after the forms were read) goes to other_answers as a JSON object, so
// nothing is lost; the column is empty otherwise.
//
// -out FILE writes to a temporary file renamed to FILE only when the export
// completed; a failed or interrupted run leaves no partial file. Progress
// goes to stderr every 1,000 leads.
//
// Meta credentials come from the environment as for the other examples;
// without a token the built-in fake Graph API with the demo data is used
// (stderr says so).
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/metaleads"
)

const usage = `usage: export-leads [-form ID]... [-since DAY] [-until DAY] [-format csv|jsonl] [-out FILE]

Exports the leads of the Page's forms (or of the forms given) to stdout or FILE.`

// progressEvery is how often progress is reported on stderr, in leads.
const progressEvery = 1000

// now is the clock that picks the sandbox's reference day (tests fix it).
var now = time.Now

func main() { cli.Main("export-leads", run) }

// fixedColumns are the CSV columns before the answers.
var fixedColumns = []string{
	"id", "created_time", "form_id", "campaign_id", "campaign_name", "adset_id", "adset_name",
	"ad_id", "ad_name", "is_organic", "platform",
	"contact_full_name", "contact_email", "contact_phone", "contact_country",
}

// otherColumn holds the answers without a column of their own.
const otherColumn = "other_answers"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := cli.NewFlagSet("export-leads", usage, stderr)
	var formIDs cli.StringList
	fs.Var(&formIDs, "form", "export only this form `ID` (repeatable)")
	since := fs.String("since", "", "first `day` (YYYY-MM-DD, inclusive, in ALFACRM_TIMEZONE or UTC) or RFC 3339 instant")
	until := fs.String("until", "", "last `day` (YYYY-MM-DD, inclusive) or RFC 3339 instant (exclusive)")
	format := fs.String("format", "csv", "output `format`: csv or jsonl")
	outPath := fs.String("out", "", "write to `FILE` instead of stdout (created only on success)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	*format = strings.ToLower(strings.TrimSpace(*format))
	if *format != "csv" && *format != "jsonl" {
		return fmt.Errorf("-format %q: want csv or jsonl", *format)
	}
	loc, err := cli.Location()
	if err != nil {
		return err
	}
	from, to, err := cli.Period(*since, *until, loc, now(), 0)
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

	meta, err := cli.OpenMeta(ctx, stderr, now(), cli.Logger(stderr))
	if err != nil {
		return err
	}
	defer meta.Close()
	forms, err := selectForms(ctx, meta, formIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "export-leads: %d forms, %s\n", len(forms), describePeriod(from, to))

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

	n := 0
	for _, f := range forms {
		opts := metaleads.LeadsOptions{Since: from, Until: to}
		for l, err := range meta.Client.Leads(ctx, f.ID, opts) {
			if err != nil {
				return fmt.Errorf("reading the leads of form %s after %d leads: %w", f.ID, n, cli.Explain(err))
			}
			rec := exp.Record(l)
			if rec.FormID == "" {
				rec.FormID = f.ID
			}
			if err := w.Write(rec); err != nil {
				return err
			}
			if n++; n%progressEvery == 0 {
				fmt.Fprintf(stderr, "export-leads: %d leads…\n", n)
			}
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
	fmt.Fprintf(stderr, "export-leads: exported %d leads from %d forms to %s\n", n, len(forms), dest)
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

// recordWriter writes export records in one format.
type recordWriter interface {
	Begin() error
	Write(enrich.LeadRecord) error
	End() error
}

type jsonlWriter struct{ enc *json.Encoder }

func newJSONLWriter(w io.Writer) *jsonlWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonlWriter{enc: enc}
}

func (j *jsonlWriter) Begin() error                      { return nil }
func (j *jsonlWriter) Write(rec enrich.LeadRecord) error { return j.enc.Encode(rec) }
func (j *jsonlWriter) End() error                        { return nil }

type csvWriter struct {
	w      *csv.Writer
	keys   []string // answer keys with a column, in column order
	header []string
	row    []string
}

func newCSVWriter(w io.Writer, keys []string) *csvWriter {
	header := slices.Clone(fixedColumns)
	taken := map[string]bool{otherColumn: true}
	for _, c := range fixedColumns {
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
	return &csvWriter{w: csv.NewWriter(w), keys: keys, header: header, row: make([]string, 0, len(header))}
}

func (c *csvWriter) Begin() error { return c.w.Write(c.header) }

func (c *csvWriter) Write(r enrich.LeadRecord) error {
	row := append(c.row[:0],
		r.ID, r.CreatedTime.UTC().Format(time.RFC3339), r.FormID, r.CampaignID, r.CampaignName,
		r.AdSetID, r.AdSetName, r.AdID, r.AdName, strconv.FormatBool(r.IsOrganic), r.Platform,
		r.Contact.FullName, r.Contact.Email, r.Contact.Phone, r.Contact.Country)
	var other map[string]string
	used := 0
	for _, k := range c.keys {
		v, ok := r.Answers[k]
		if ok {
			used++
		}
		row = append(row, v)
	}
	if used < len(r.Answers) {
		other = map[string]string{}
		for k, v := range r.Answers {
			if !slices.Contains(c.keys, k) {
				other[k] = v
			}
		}
	}
	extra := ""
	if len(other) > 0 {
		b, err := json.Marshal(other)
		if err != nil {
			return err
		}
		extra = string(b)
	}
	row = append(row, extra)
	c.row = row
	return c.w.Write(row)
}

func (c *csvWriter) End() error {
	c.w.Flush()
	return c.w.Error()
}
