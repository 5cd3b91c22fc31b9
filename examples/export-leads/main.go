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
	"context"
	"fmt"
	"io"
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
var fixedColumns = cli.RecordColumns

// otherColumn holds the answers without a column of their own.
const otherColumn = cli.OtherAnswersColumn

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
	forms, err := cli.SelectForms(ctx, meta, formIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "export-leads: %d forms, %s\n", len(forms), cli.DescribePeriod(from, to))

	newWriter := func(w io.Writer) cli.RecordWriter[enrich.LeadRecord] { return cli.NewJSONLWriter[enrich.LeadRecord](w) }
	if *format == "csv" {
		layout := cli.NewRecordCSV(exp.AnswerKeys(forms))
		newWriter = func(w io.Writer) cli.RecordWriter[enrich.LeadRecord] {
			return cli.NewCSVWriter(w, layout.Header(), layout.AppendRow)
		}
	}
	out, err := cli.CreateRecords(*outPath, stdout, newWriter)
	if err != nil {
		return err
	}
	defer out.Close()

	n := 0
	for l, err := range cli.FormLeads(ctx, meta.Client, forms, metaleads.LeadsOptions{Since: from, Until: to}) {
		if err != nil {
			return fmt.Errorf("after %d leads: %w", n, cli.Explain(err))
		}
		if err := out.Write(exp.Record(l)); err != nil {
			return err
		}
		if n++; n%progressEvery == 0 {
			fmt.Fprintf(stderr, "export-leads: %d leads…\n", n)
		}
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "export-leads: exported %d leads from %d forms to %s\n", n, len(forms), out.Dest())
	return nil
}
