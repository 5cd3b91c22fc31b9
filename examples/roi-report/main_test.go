package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/shopspring/decimal"
)

// row and doc mirror the JSON contract; money and ratios are kept raw to
// check their JSON types.
type row struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Spend    json.RawMessage `json:"spend"`
	Leads    int             `json:"leads"`
	Matched  int             `json:"matched"`
	Students int             `json:"students"`
	Paying   int             `json:"paying"`
	Revenue  json.RawMessage `json:"revenue"`
	CPL      json.RawMessage `json:"cpl"`
	CAC      json.RawMessage `json:"cac"`
	ROAS     json.RawMessage `json:"roas"`
	ROI      json.RawMessage `json:"roi"`
}

type doc struct {
	Level    string   `json:"level"`
	Since    string   `json:"since"`
	Until    string   `json:"until"`
	Currency string   `json:"currency"`
	Rows     []row    `json:"rows"`
	Totals   row      `json:"totals"`
	Warnings []string `json:"warnings"`
}

var (
	moneyRE  = regexp.MustCompile(`^"-?\d+\.\d{2}"$`)
	numberRE = regexp.MustCompile(`^-?\d+(\.\d+)?$`)
)

// money checks a money value (a string with two decimals, or null when
// nullable) and returns it, nil for null.
func money(t *testing.T, what string, raw json.RawMessage, nullable bool) *decimal.Decimal {
	t.Helper()
	if string(raw) == "null" && nullable {
		return nil
	}
	if !moneyRE.Match(raw) {
		t.Fatalf("%s = %s, want a decimal string with two places", what, raw)
	}
	d := decimal.RequireFromString(strings.Trim(string(raw), `"`))
	return &d
}

// ratio checks a ratio (a JSON number or null) and returns it, nil for
// null.
func ratio(t *testing.T, what string, raw json.RawMessage) *decimal.Decimal {
	t.Helper()
	if string(raw) == "null" {
		return nil
	}
	if !numberRE.Match(raw) {
		t.Fatalf("%s = %s, want a JSON number or null", what, raw)
	}
	d := decimal.RequireFromString(string(raw))
	return &d
}

type values struct {
	spend, revenue             decimal.Decimal
	cpl, cac, roas, roi        *decimal.Decimal
	leads, matched, st, paying int
}

func check(t *testing.T, r row) values {
	t.Helper()
	v := values{
		spend:   *money(t, r.ID+".spend", r.Spend, false),
		revenue: *money(t, r.ID+".revenue", r.Revenue, false),
		cpl:     money(t, r.ID+".cpl", r.CPL, true),
		cac:     money(t, r.ID+".cac", r.CAC, true),
		roas:    ratio(t, r.ID+".roas", r.ROAS),
		roi:     ratio(t, r.ID+".roi", r.ROI),
		leads:   r.Leads, matched: r.Matched, st: r.Students, paying: r.Paying,
	}
	if r.Leads < 0 || r.Matched > r.Leads || r.Students > r.Matched || r.Paying > r.Matched {
		t.Errorf("%s: inconsistent counts %+v", r.ID, r)
	}
	return v
}

// decodeJSON decodes the report strictly (no unknown keys) and checks
// every value's JSON type.
func decodeJSON(t *testing.T, s string) (doc, map[string]values) {
	t.Helper()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &keys); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, s)
	}
	for _, k := range []string{"level", "since", "until", "currency", "rows", "totals"} {
		if _, ok := keys[k]; !ok {
			t.Fatalf("report lacks %q", k)
		}
	}
	var rowKeys map[string]json.RawMessage
	if err := json.Unmarshal(keys["totals"], &rowKeys); err != nil {
		t.Fatal(err)
	}
	if len(rowKeys) != 12 {
		t.Errorf("totals has keys %v, want the 12 of the contract", slices.Sorted(func(yield func(string) bool) {
			for k := range rowKeys {
				if !yield(k) {
					return
				}
			}
		}))
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var d doc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("report does not match the contract: %v\n%s", err, s)
	}
	vals := map[string]values{"total": check(t, d.Totals)}
	for _, r := range d.Rows {
		vals[r.ID] = check(t, r)
	}
	return d, vals
}

// demoPeriod returns the demo leads and the spend (total and per
// campaign) of the days [since, until], in UTC.
func demoPeriod(d *demo.Dataset, since, until string) (leads int, spend decimal.Decimal, byCampaign map[string]decimal.Decimal) {
	from, _ := time.Parse(time.DateOnly, since)
	last, _ := time.Parse(time.DateOnly, until)
	to := last.AddDate(0, 0, 1)
	for _, l := range d.Leads {
		if !l.CreatedTime.Before(from) && l.CreatedTime.Before(to) {
			leads++
		}
	}
	byCampaign = map[string]decimal.Decimal{}
	for _, r := range d.Spend {
		if !r.Date.Before(from) && r.Date.Before(to) {
			spend = spend.Add(r.Spend)
			byCampaign[r.CampaignID] = byCampaign[r.CampaignID].Add(r.Spend)
		}
	}
	return leads, spend, byCampaign
}

func TestSandboxTableIsTheDefault(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	stdout, stderr := clitest.Run(t, run)

	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if want := "ROI by campaign, 2026-02-13 to 2026-03-14 (UAH)"; lines[0] != want {
		t.Fatalf("title = %q, want %q (the 30 full days ending yesterday)", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "ID ") || !strings.Contains(lines[1], "ROAS") {
		t.Fatalf("no header line: %q", lines[1])
	}
	// Aligned: every line below the title has the same width, numbers
	// being right-aligned up to the last column.
	width := utf8.RuneCountInString(lines[1])
	for i, l := range lines[1:] {
		if utf8.RuneCountInString(l) != width {
			t.Errorf("line %d is %d wide, header %d:\n%s", i+2, utf8.RuneCountInString(l), width, stdout)
		}
	}
	total := lines[len(lines)-1]
	if !strings.HasPrefix(total, "total ") || !strings.Contains(total, "Total") {
		t.Errorf("last line is not the totals row: %q", total)
	}
	if rule := lines[len(lines)-2]; strings.Trim(rule, "-") != "" {
		t.Errorf("no rule above the totals: %q", rule)
	}
	for _, c := range d.Campaigns {
		if !strings.Contains(stdout, c.ID+"  "+c.Name) {
			t.Errorf("campaign %s %q is missing:\n%s", c.ID, c.Name, stdout)
		}
	}
	if !strings.Contains(stdout, "\norganic ") {
		t.Errorf("no organic row:\n%s", stdout)
	}
	_, spend, _ := demoPeriod(d, "2026-02-13", "2026-03-14")
	if !strings.Contains(total, " "+spend.StringFixed(2)+" ") {
		t.Errorf("totals row %q lacks the demo spend %s", total, spend.StringFixed(2))
	}
	for _, want := range []string{"fake Graph API", "fake AlfaCRM", "2026-02-13 to 2026-03-14 by campaign", "matched to CRM cards", "roas = revenue/spend"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "\r") {
		t.Error("carriage returns in progress written to a buffer, not a terminal")
	}
}

func TestJSONContract(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	stdout, stderr := clitest.Run(t, run, "-format", "json")
	rep, vals := decodeJSON(t, stdout)
	if rep.Level != "campaign" || rep.Since != "2026-02-13" || rep.Until != "2026-03-14" || rep.Currency != "UAH" {
		t.Errorf("header = %q %q %q %q", rep.Level, rep.Since, rep.Until, rep.Currency)
	}
	if rep.Warnings != nil {
		t.Errorf("warnings %q with one currency", rep.Warnings)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("stderr warns:\n%s", stderr)
	}
	leads, spend, byCampaign := demoPeriod(d, rep.Since, rep.Until)
	tot := vals["total"]
	if tot.leads != leads || !tot.spend.Equal(spend) {
		t.Errorf("totals: %d leads, spend %s; the demo has %d leads, spend %s", tot.leads, tot.spend, leads, spend)
	}
	if rep.Totals.ID != "total" || len(rep.Rows) != len(d.Campaigns)+1 || rep.Rows[len(rep.Rows)-1].ID != "organic" {
		t.Fatalf("rows %d (last %q), totals id %q; want one per campaign, then organic", len(rep.Rows), rep.Rows[len(rep.Rows)-1].ID, rep.Totals.ID)
	}
	var sum values
	for _, r := range rep.Rows {
		v := vals[r.ID]
		if r.ID != "organic" {
			c, ok := d.Campaign(r.ID)
			if !ok || c.Name != r.Name || !byCampaign[r.ID].Equal(v.spend) {
				t.Errorf("row %s %q spend %s: demo campaign %+v spend %s", r.ID, r.Name, v.spend, c, byCampaign[r.ID])
			}
		}
		sum.leads += v.leads
		sum.matched += v.matched
		sum.st += v.st
		sum.paying += v.paying
		sum.revenue = sum.revenue.Add(v.revenue)
	}
	if sum.leads != tot.leads || sum.matched != tot.matched || sum.st != tot.st || sum.paying != tot.paying || !sum.revenue.Equal(tot.revenue) {
		t.Errorf("rows add up to %+v, totals %+v", sum, tot)
	}
	if tot.paying == 0 || tot.roas == nil || tot.roi == nil || tot.cac == nil || tot.cpl == nil {
		t.Fatalf("the demo's totals have no paying customers or ratios: %+v", rep.Totals)
	}
	if want := tot.revenue.DivRound(tot.spend, 4); !tot.roas.Equal(want) {
		t.Errorf("roas %s, want revenue/spend = %s", tot.roas, want)
	}
	if want := tot.roas.Sub(decimal.NewFromInt(1)); !tot.roi.Equal(want) {
		t.Errorf("roi %s, want roas-1 = %s", tot.roi, want)
	}
	if want := tot.spend.DivRound(decimal.NewFromInt(int64(tot.paying)), 2); !tot.cac.Equal(want) {
		t.Errorf("cac %s, want spend/paying = %s", tot.cac, want)
	}
	if org := vals["organic"]; org.roas != nil || org.roi != nil {
		t.Errorf("the organic row (no spend) has roas %v, roi %v; want null", org.roas, org.roi)
	}
}

func TestCSVToFile(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	path := filepath.Join(t.TempDir(), "roi.csv")
	stdout, stderr := clitest.Run(t, run, "-format", "csv", "-out", path, "-since", "2026-03-01", "-until", "2026-03-07")
	if stdout != "" {
		t.Errorf("stdout %q with -out", stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"id", "name", "spend", "leads", "matched", "students", "paying", "revenue", "cpl", "cac", "roas", "roi"}
	if !slices.Equal(recs[0], want) {
		t.Fatalf("header %q, want %q", recs[0], want)
	}
	if len(recs) != 1+len(d.Campaigns)+1+1 {
		t.Fatalf("%d lines, want the header, %d campaigns, organic and total", len(recs), len(d.Campaigns))
	}
	last := recs[len(recs)-1]
	leads, spend, _ := demoPeriod(d, "2026-03-01", "2026-03-07")
	if last[0] != "total" || last[2] != spend.StringFixed(2) || last[3] != itoa(leads) {
		t.Errorf("totals line %q; want spend %s, %d leads", last, spend.StringFixed(2), leads)
	}
	if org := recs[len(recs)-2]; org[0] != "organic" || org[10] != "" || org[11] != "" {
		t.Errorf("organic line %q: want empty roas and roi", org)
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func TestLevels(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	period := []string{"-since", "2026-03-01", "-until", "2026-03-10", "-format", "json"}
	leads, spend, _ := demoPeriod(d, "2026-03-01", "2026-03-10")
	var first *values
	for _, tc := range []struct {
		level string
		known func(string) bool
		n     int
	}{
		{"adset", func(id string) bool { _, ok := d.AdSet(id); return ok }, len(d.AdSets)},
		{"ad", func(id string) bool { _, ok := d.Ad(id); return ok }, len(d.Ads)},
	} {
		t.Run(tc.level, func(t *testing.T) {
			stdout, stderr := clitest.Run(t, run, append([]string{"-level", tc.level}, period...)...)
			rep, vals := decodeJSON(t, stdout)
			if rep.Level != tc.level || len(rep.Rows) != tc.n+1 {
				t.Fatalf("level %q with %d rows, want %q with %d (+ organic)", rep.Level, len(rep.Rows), tc.level, tc.n)
			}
			for _, r := range rep.Rows[:tc.n] {
				if !tc.known(r.ID) || r.Name == "" {
					t.Errorf("row %s %q is not a demo %s", r.ID, r.Name, tc.level)
				}
			}
			// The same people and money, cut differently.
			got := vals["total"]
			if !got.spend.Equal(spend) || got.leads != leads {
				t.Errorf("totals: spend %s, %d leads; the demo has %s, %d", got.spend, got.leads, spend, leads)
			}
			if first == nil {
				first = &got
			} else if got.paying != first.paying || got.st != first.st || !got.revenue.Equal(first.revenue) {
				t.Errorf("totals %+v differ from the other level's %+v", got, *first)
			}
			if !strings.Contains(stderr, "by "+tc.level) {
				t.Errorf("stderr does not name the level:\n%s", stderr)
			}
		})
	}
}

func TestCurrencyMismatch(t *testing.T) {
	clitest.Sandbox(t, &now)
	period := []string{"-since", "2026-03-01", "-until", "2026-03-07", "-format", "json"}

	t.Setenv(cli.EnvCRMCurrency, "eur")
	stdout, stderr := clitest.Run(t, run, period...)
	rep, eur := decodeJSON(t, stdout)
	if rep.Currency != "UAH" {
		t.Errorf("currency %q, want the ad account's UAH", rep.Currency)
	}
	if eur["total"].paying == 0 {
		t.Fatal("no paying customer in the period: the test proves little")
	}
	for id, v := range eur {
		if v.cac != nil || v.roas != nil || v.roi != nil {
			t.Errorf("%s: cac %v, roas %v, roi %v with revenue in EUR, spend in UAH and no -fx; want null", id, v.cac, v.roas, v.roi)
		}
		if (v.cpl == nil) != (v.leads == 0) {
			t.Errorf("%s: cpl %v with %d leads: spend per lead needs no revenue", id, v.cpl, v.leads)
		}
	}
	if len(rep.Warnings) != 1 {
		t.Errorf("warnings %q, want one", rep.Warnings)
	}
	if !strings.Contains(stderr, "warning: revenue is in EUR") || !strings.Contains(stderr, "-fx") {
		t.Errorf("stderr does not explain the missing ratios:\n%s", stderr)
	}

	// -fx converts the revenue and brings the ratios back.
	rate := decimal.RequireFromString("45.5")
	stdout, stderr = clitest.Run(t, run, append(period, "-fx", "45.5")...)
	rep, conv := decodeJSON(t, stdout)
	if rep.Warnings != nil || strings.Contains(stderr, "warning") {
		t.Errorf("warnings with -fx: %q\n%s", rep.Warnings, stderr)
	}
	if !strings.Contains(stderr, "converted from EUR to UAH at 45.5") {
		t.Errorf("stderr does not say revenue was converted:\n%s", stderr)
	}
	for id, v := range conv {
		if want := eur[id].revenue.Mul(rate); !v.revenue.Equal(want) {
			t.Errorf("%s: revenue %s, want %s × 45.5 = %s", id, v.revenue, eur[id].revenue, want)
		}
		if v.spend.IsZero() {
			continue
		}
		if v.roas == nil || !v.roas.Equal(v.revenue.DivRound(v.spend, 4)) {
			t.Errorf("%s: roas %v, want converted revenue/spend", id, v.roas)
		}
		if (v.cac == nil) != (v.paying == 0) {
			t.Errorf("%s: cac %v with %d paying", id, v.cac, v.paying)
		}
	}

	// In one currency a rate is ignored, and stderr says so.
	t.Setenv(cli.EnvCRMCurrency, "UAH")
	stdout, stderr = clitest.Run(t, run, append(period, "-fx", "45.5")...)
	_, same := decodeJSON(t, stdout)
	for id, v := range same {
		if !v.revenue.Equal(eur[id].revenue) || (v.roas == nil) != v.spend.IsZero() {
			t.Errorf("%s: revenue %s roas %v; want the unconverted %s and a ratio", id, v.revenue, v.roas, eur[id].revenue)
		}
	}
	if !strings.Contains(stderr, "-fx 45.5 ignored") {
		t.Errorf("stderr does not say -fx is ignored:\n%s", stderr)
	}
}

func TestStrategiesAgree(t *testing.T) {
	clitest.Sandbox(t, &now)
	period := []string{"-since", "2026-03-10", "-until", "2026-03-12", "-format", "json", "-level", "ad"}
	perLead, _ := clitest.Run(t, run, append(period, "-strategy", "per-lead")...)
	bulk, stderr := clitest.Run(t, run, append(period, "-strategy", "bulk")...)
	if perLead != bulk {
		t.Fatalf("strategies disagree:\nper-lead %s\nbulk %s", perLead, bulk)
	}
	if !strings.Contains(stderr, "bulk strategy") {
		t.Errorf("stderr does not name the strategy:\n%s", stderr)
	}
	_, vals := decodeJSON(t, bulk)
	if vals["total"].matched == 0 {
		t.Error("no lead matched in the period: the comparison proves little")
	}
}

func TestTimezoneShiftsTheDefaultPeriod(t *testing.T) {
	clitest.ClearEnv(t, &now)
	now = func() time.Time { return time.Date(2026, 3, 15, 22, 30, 0, 0, time.UTC) } // already the 16th in Kyiv
	t.Setenv(cli.EnvCRMTimezone, "Europe/Kyiv")
	stdout, _ := clitest.Run(t, run, "-format", "json")
	rep, _ := decodeJSON(t, stdout)
	if rep.Since != "2026-02-14" || rep.Until != "2026-03-15" {
		t.Errorf("period %s to %s, want 2026-02-14 to 2026-03-15 (30 days ending yesterday in Kyiv)", rep.Since, rep.Until)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  [2]string
		want string
	}{
		{"level", []string{"-level", "account"}, [2]string{}, "-level"},
		{"format", []string{"-format", "xml"}, [2]string{}, "-format"},
		{"strategy", []string{"-strategy", "naive"}, [2]string{}, "-strategy"},
		{"fx word", []string{"-fx", "lots"}, [2]string{}, "-fx"},
		{"fx zero", []string{"-fx", "0"}, [2]string{}, "-fx"},
		{"fx negative", []string{"-fx", "-2"}, [2]string{}, "-fx"},
		{"fx comma", []string{"-fx", "44,5"}, [2]string{}, "-fx"},
		{"since instant", []string{"-since", "2026-03-01T00:00:00Z"}, [2]string{}, "-since"},
		{"since word", []string{"-since", "yesterday"}, [2]string{}, "-since"},
		{"until impossible", []string{"-until", "2026-02-30"}, [2]string{}, "-until"},
		{"reversed", []string{"-since", "2026-03-10", "-until", "2026-03-01"}, [2]string{}, "-since"},
		{"positional", []string{"campaign"}, [2]string{}, "unexpected argument"},
		{"unknown flag", []string{"-days", "7"}, [2]string{}, "-days"},
		{"currency", nil, [2]string{cli.EnvCRMCurrency, "EURO"}, cli.EnvCRMCurrency},
		{"timezone", nil, [2]string{cli.EnvCRMTimezone, "Mars/Olympus"}, cli.EnvCRMTimezone},
		{"phone region", nil, [2]string{cli.EnvPhoneRegion, "XX"}, cli.EnvPhoneRegion},
		{"no ad account", nil, [2]string{cli.EnvPageToken, "test-page-token-XYZ"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clitest.ClearEnv(t, &now)
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			if tc.name == "no ad account" {
				t.Setenv(cli.EnvPageID, "1234567890")
				t.Setenv(cli.EnvGraphURL, "http://127.0.0.1:1") // never reached
				tc.want = cli.EnvAdAccountID
			}
			clitest.RunFails(t, run, tc.want, tc.args...)
		})
	}
}

// The bulk strategy's loading phase shows on stderr: progress lines while
// the CRM directory is read, then its size. Per lead, nothing is loaded.
func TestProgressShowsTheDirectoryLoading(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	_, stderr := clitest.Run(t, run, "-strategy", "bulk")
	loaded := regexp.MustCompile(`(?m)^roi-report: CRM directory loaded: (\d+) cards, (\d+) payments, (\d+) lessons$`).FindStringSubmatch(stderr)
	if loaded == nil {
		t.Fatalf("no directory line:\n%s", stderr)
	}
	if cards, _ := strconv.Atoi(loaded[1]); cards != len(d.Customers) {
		t.Errorf("directory of %d cards, the demo has %d:\n%s", cards, len(d.Customers), stderr)
	}
	if loaded[2] == "0" || loaded[3] == "0" {
		t.Errorf("no payments or lessons loaded: %q", loaded[0])
	}
	// Not a terminal: a line per thousand directory items.
	if !regexp.MustCompile(`(?m)^roi-report: loading CRM directory: \d+ cards, \d+ payments, \d+ lessons…$`).MatchString(stderr) {
		t.Errorf("no loading progress line:\n%s", stderr)
	}
	if i, j := strings.Index(stderr, "CRM directory loaded"), strings.Index(stderr, "leads enriched"); j >= 0 && j < i {
		t.Errorf("leads enriched before the directory was loaded:\n%s", stderr)
	}

	_, stderr = clitest.Run(t, run, "-strategy", "per-lead")
	if strings.Contains(stderr, "CRM directory") {
		t.Errorf("per lead, no directory is loaded:\n%s", stderr)
	}
}
