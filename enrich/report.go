package enrich

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

type reportJSON struct {
	Level    string    `json:"level"`
	Since    string    `json:"since"`
	Until    string    `json:"until"`
	Currency string    `json:"currency"`
	Rows     []rowJSON `json:"rows"`
	Totals   rowJSON   `json:"totals"`
	Warnings []string  `json:"warnings,omitempty"`
}

type rowJSON struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Spend    string       `json:"spend"`
	Leads    int          `json:"leads"`
	Matched  int          `json:"matched"`
	Students int          `json:"students"`
	Paying   int          `json:"paying"`
	Revenue  string       `json:"revenue"`
	CPL      *string      `json:"cpl"`
	CAC      *string      `json:"cac"`
	ROAS     *json.Number `json:"roas"`
	ROI      *json.Number `json:"roi"`
}

func (r ReportRow) json() rowJSON {
	return rowJSON{
		ID: r.ID, Name: r.Name,
		Spend: r.Spend.StringFixed(2),
		Leads: r.Leads, Matched: r.Matched, Students: r.Students, Paying: r.Paying,
		Revenue: r.Revenue.StringFixed(2),
		CPL:     money(r.CPL), CAC: money(r.CAC),
		ROAS: ratio(r.ROAS), ROI: ratio(r.ROI),
	}
}

func money(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.StringFixed(2)
	return &s
}

func ratio(d decimal.NullDecimal) *json.Number {
	if !d.Valid {
		return nil
	}
	n := json.Number(d.Decimal.Round(4).String())
	return &n
}

// MarshalJSON encodes the report as {"level","since","until","currency",
// "rows":[{"id","name","spend","leads","matched","students","paying",
// "revenue","cpl","cac","roas","roi"}],"totals":{same keys}}, plus
// "warnings" when there are any. Money is a string with two decimals;
// roas and roi are JSON numbers with up to four decimals; undefined
// ratios are null. Names are not HTML-escaped ("&" stays "&") unless the
// caller's encoder escapes them, as json.Marshal does.
func (r Report) MarshalJSON() ([]byte, error) {
	out := reportJSON{
		Level: string(r.Level), Since: r.Since, Until: r.Until, Currency: r.Currency,
		Rows: make([]rowJSON, 0, len(r.Rows)), Totals: r.Totals.json(), Warnings: r.Warnings,
	}
	for _, row := range r.Rows {
		out.Rows = append(out.Rows, row.json())
	}
	return marshal(out)
}

// columns of the table and CSV forms.
var reportColumns = []string{"id", "name", "spend", "leads", "matched", "students", "paying", "revenue", "cpl", "cac", "roas", "roi"}

// cells renders a row for the table and CSV forms; undefined values are
// empty.
func (r ReportRow) cells() []string {
	j := r.json()
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	num := func(p *json.Number) string {
		if p == nil {
			return ""
		}
		return p.String()
	}
	return []string{
		j.ID, j.Name, j.Spend, strconv.Itoa(j.Leads), strconv.Itoa(j.Matched),
		strconv.Itoa(j.Students), strconv.Itoa(j.Paying), j.Revenue,
		str(j.CPL), str(j.CAC), num(j.ROAS), num(j.ROI),
	}
}

// WriteCSV writes the report as CSV: a header with the JSON keys, one line
// per row, then the totals row (id "total"). Undefined ratios are empty
// cells. Warnings are not written (see Report.Warnings).
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(reportColumns); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := cw.Write(row.cells()); err != nil {
			return err
		}
	}
	if err := cw.Write(r.Totals.cells()); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the report as an aligned plain-text table for a
// terminal: a title line with the level, period and currency, a header,
// the rows, a rule and the totals. Text columns are left-aligned, numbers
// right-aligned, undefined ratios shown as "-". Warnings are not written.
func (r Report) WriteTable(w io.Writer) error {
	header := []string{"ID", "NAME", "SPEND", "LEADS", "MATCHED", "STUDENTS", "PAYING", "REVENUE", "CPL", "CAC", "ROAS", "ROI"}
	lines := [][]string{header}
	for _, row := range r.Rows {
		lines = append(lines, row.cells())
	}
	lines = append(lines, nil, r.Totals.cells()) // nil: the rule
	width := make([]int, len(header))
	for _, l := range lines {
		for i, c := range l {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	cur := r.Currency
	if r.RevenueCurrency != "" && r.RevenueCurrency != r.Currency {
		cur += ", revenue in " + r.RevenueCurrency
	}
	fmt.Fprintf(&b, "ROI by %s, %s to %s (%s)\n", r.Level, r.Since, r.Until, cur)
	for _, l := range lines {
		if l == nil {
			total := 2 * (len(width) - 1)
			for _, wd := range width {
				total += wd
			}
			b.WriteString(strings.Repeat("-", total))
			b.WriteByte('\n')
			continue
		}
		for i, c := range l {
			if i > 0 {
				b.WriteString("  ")
			}
			if c == "" && i >= 8 {
				c = "-"
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i < 2 { // id and name
				b.WriteString(c)
				if i < len(l)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
