// Command forms lists the lead forms of the Facebook Page.
//
//	go run ./examples/forms [-format table|json]
//
// The table (the default) has one aligned row per form: id, name, status,
// locale, leads (Graph's leads_count) and created (UTC date). -format json
// prints a JSON array of objects with id, name, status, locale, page_id,
// leads_count, organic_leads_count, expired_leads_count, created_time (RFC
// 3339, UTC) and questions [{id, key, label, type, options [{key, value}]}].
//
// The Page and the token come from the environment (see the examples'
// README): META_PAGE_ACCESS_TOKEN or META_USER_ACCESS_TOKEN, FACEBOOK_PAGE_ID,
// META_GRAPH_URL, META_API_VERSION, META_APP_SECRET. Without a token it runs
// on the built-in fake Graph API with the demo data and says so on stderr.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/metaleads"
)

const usage = `usage: forms [-format table|json]

Lists the lead forms of the Page (FACEBOOK_PAGE_ID) to stdout.`

// now is the clock that picks the sandbox's reference day (tests fix it).
var now = time.Now

func main() { cli.Main("forms", run) }

// Form is the JSON form of a lead form.
type Form struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Status            string     `json:"status"`
	Locale            string     `json:"locale"`
	PageID            string     `json:"page_id"`
	LeadsCount        int        `json:"leads_count"`
	OrganicLeadsCount int        `json:"organic_leads_count"`
	ExpiredLeadsCount int        `json:"expired_leads_count"`
	CreatedTime       time.Time  `json:"created_time"`
	Questions         []Question `json:"questions"`
}

// Question is a question of a Form.
type Question struct {
	ID      string   `json:"id"`
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	Type    string   `json:"type"`
	Options []Option `json:"options"`
}

// Option is a predefined answer of a Question.
type Option struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("forms", usage, stderr)
	format := fs.String("format", "table", "output `format`: table or json")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	*format = strings.ToLower(strings.TrimSpace(*format))
	if *format != "table" && *format != "json" {
		return fmt.Errorf("-format %q: want table or json", *format)
	}
	meta, err := cli.OpenMeta(ctx, stderr, now(), cli.Logger(stderr))
	if err != nil {
		return err
	}
	defer meta.Close()

	forms := []Form{}
	for f, err := range meta.Client.Forms(ctx, meta.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			return fmt.Errorf("listing the forms of Page %s: %w", meta.PageID, cli.Explain(err))
		}
		forms = append(forms, convert(f, meta.PageID))
	}
	fmt.Fprintf(stderr, "forms: %d forms on Page %s\n", len(forms), meta.PageID)
	if *format == "json" {
		return cli.WriteJSON(stdout, forms)
	}
	return writeTable(stdout, forms)
}

func convert(f metaleads.Form, pageID string) Form {
	out := Form{
		ID: f.ID, Name: f.Name, Status: f.Status, Locale: f.Locale, PageID: f.PageID,
		LeadsCount: f.LeadsCount, OrganicLeadsCount: f.OrganicLeadsCount, ExpiredLeadsCount: f.ExpiredLeadsCount,
		CreatedTime: f.CreatedTime.UTC(), Questions: []Question{},
	}
	if out.PageID == "" {
		out.PageID = pageID
	}
	for _, q := range f.Questions {
		oq := Question{ID: q.ID, Key: q.Key, Label: q.Label, Type: q.Type, Options: []Option{}}
		for _, o := range q.Options {
			oq.Options = append(oq.Options, Option{Key: o.Key, Value: o.Value})
		}
		out.Questions = append(out.Questions, oq)
	}
	return out
}

func writeTable(w io.Writer, forms []Form) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tLOCALE\tLEADS\tCREATED")
	for _, f := range forms {
		created := ""
		if !f.CreatedTime.IsZero() {
			created = f.CreatedTime.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", f.ID, cell(f.Name), f.Status, f.Locale, f.LeadsCount, created)
	}
	return tw.Flush()
}

// cell keeps a value on one line and out of the column separators.
func cell(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
}
