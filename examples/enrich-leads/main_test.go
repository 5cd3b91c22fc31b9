package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
)

// demoData is the data set both fakes serve at clitest.Ref, built once.
var demoData = clitest.Demo

// line mirrors the JSONL contract.
type (
	line       = clitest.Enriched
	payments   = clitest.Payments
	attendance = clitest.Attendance
)

// history is a customer's payments and attendance, from the demo data, as
// the fake AlfaCRM serves them to its one branch (the demo's first): a
// payment belongs to its customer's first branch, a lesson to its group's.
func history(d *demo.Dataset, id int) (payments, attendance) {
	branch := d.Branches[0].ID
	c, _ := d.CustomerByID(id)
	var p payments
	total := decimal.Zero
	for _, pay := range d.PaymentsOf(id) {
		if !pay.Income || len(c.BranchIDs) == 0 || c.BranchIDs[0] != branch {
			continue
		}
		p.Count++
		total = total.Add(pay.Sum)
		s := pay.Date.Format(time.DateOnly)
		if p.FirstDate == nil || s < *p.FirstDate {
			p.FirstDate = &s
		}
		if p.LastDate == nil || s > *p.LastDate {
			p.LastDate = &s
		}
	}
	p.Total = total.StringFixed(2)
	groupBranch := map[int]int{}
	for _, g := range d.Groups {
		groupBranch[g.ID] = g.BranchID
	}
	var a attendance
	for _, l := range d.Lessons {
		if l.Status != demo.LessonConducted || len(l.GroupIDs) == 0 || groupBranch[l.GroupIDs[0]] != branch {
			continue
		}
		for _, det := range l.Details {
			if det.CustomerID != id {
				continue
			}
			if det.IsAttend {
				a.Attended++
				s := l.Date.Format(time.DateOnly)
				if a.LastDate == nil || s > *a.LastDate {
					a.LastDate = &s
				}
			} else {
				a.Missed++
			}
		}
	}
	return p, a
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// checkHistory compares a matched line's payments and attendance with the
// demo data.
func checkHistory(t *testing.T, d *demo.Dataset, l line) {
	t.Helper()
	wp, wa := history(d, l.Customer.ID)
	gp, ga := *l.Payments, *l.Attendance
	if gp.Count != wp.Count || gp.Total != wp.Total || deref(gp.FirstDate) != deref(wp.FirstDate) || deref(gp.LastDate) != deref(wp.LastDate) {
		t.Errorf("lead %s, customer %d: payments %d %s %s..%s, want %d %s %s..%s", l.ID, l.Customer.ID,
			gp.Count, gp.Total, deref(gp.FirstDate), deref(gp.LastDate), wp.Count, wp.Total, deref(wp.FirstDate), deref(wp.LastDate))
	}
	if ga.Attended != wa.Attended || ga.Missed != wa.Missed || deref(ga.LastDate) != deref(wa.LastDate) {
		t.Errorf("lead %s, customer %d: attendance %d/%d %s, want %d/%d %s", l.ID, l.Customer.ID,
			ga.Attended, ga.Missed, deref(ga.LastDate), wa.Attended, wa.Missed, deref(wa.LastDate))
	}
}

// graphLead is the demo lead as the Graph client reads it.
func graphLead(l demo.Lead) metaleads.Lead {
	out := metaleads.Lead{
		ID: l.ID, CreatedTime: l.CreatedTime, FormID: l.FormID,
		AdID: l.AdID, AdName: l.AdName, AdSetID: l.AdSetID, AdSetName: l.AdSetName,
		CampaignID: l.CampaignID, CampaignName: l.CampaignName, IsOrganic: l.IsOrganic, Platform: l.Platform,
	}
	for _, f := range l.Fields {
		out.Fields = append(out.Fields, metaleads.Field{Name: f.Name, Values: f.Values})
	}
	return out
}

func TestJSONLCoversEveryLeadWithItsCustomer(t *testing.T) {
	clitest.ClearEnv(t, &now)
	d := demoData()
	stdout, stderr := clitest.Run(t, run)
	lines, raws := clitest.ReadEnriched(t, stdout)
	if len(lines) != len(d.Leads) {
		t.Fatalf("%d lines, want all %d demo leads", len(lines), len(d.Leads))
	}

	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: "UA"})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := cli.NewExporter(norm)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]line{}
	matched, paying, attending := 0, 0, 0
	for i, l := range lines {
		if _, dup := byID[l.ID]; dup {
			t.Fatalf("lead %s twice", l.ID)
		}
		byID[l.ID] = l
		dl, ok := d.Lead(l.ID)
		if !ok {
			t.Fatalf("lead %s is not a demo lead", l.ID)
		}
		// The lead part is export-leads' record of the lead, key for key.
		want, err := json.Marshal(exp.Record(graphLead(dl)))
		if err != nil {
			t.Fatal(err)
		}
		var wantRaw map[string]json.RawMessage
		if err := json.Unmarshal(want, &wantRaw); err != nil {
			t.Fatal(err)
		}
		for k, v := range wantRaw {
			var a, b any
			_ = json.Unmarshal(v, &a)
			_ = json.Unmarshal(raws[i][k], &b)
			if !jsonEqual(a, b) {
				t.Fatalf("lead %s: %q = %s, export-leads writes %s", l.ID, k, raws[i][k], v)
			}
		}
		if l.Customer == nil {
			if string(raws[i]["customer"]) != "null" || string(raws[i]["payments"]) != "null" || string(raws[i]["attendance"]) != "null" {
				t.Fatalf("lead %s: unmatched but customer/payments/attendance are not null", l.ID)
			}
			continue
		}
		matched++
		c, ok := d.CustomerByID(l.Customer.ID)
		if !ok || c.Name != l.Customer.Name || c.IsStudy != l.Customer.IsStudy {
			t.Errorf("lead %s: customer %+v is not demo card %+v", l.ID, *l.Customer, c)
		}
		checkHistory(t, d, l)
		if l.Payments.Count > 0 {
			paying++
		}
		if l.Attendance.Attended > 0 {
			attending++
		}
	}
	if matched == 0 || matched == len(lines) || paying == 0 || attending == 0 {
		t.Fatalf("%d of %d leads matched, %d with payments, %d with lessons: the demo has every kind", matched, len(lines), paying, attending)
	}

	// The demo's matching pitfalls.
	tr := d.Traps
	for name, w := range map[string]struct {
		lead, card int
		by         string
		ambiguous  bool
	}{
		"two cards: the student card wins": {tr.TwoCards.Lead, tr.TwoCards.StudentCard, "email", true},
		"phone only":                       {tr.PhoneOnly.Lead, tr.PhoneOnly.Customer, "phone", false},
		"split: the e-mail's card wins":    {tr.Split.Lead, tr.Split.EmailCard, "email", false},
		"archived card":                    {tr.Archived.Lead, tr.Archived.Customer, "email", false},
		"e-mail in another case":           {tr.EmailCase.Lead, tr.EmailCase.Customer, "email", false},
	} {
		l := byID[d.Leads[w.lead].ID]
		if c := l.Customer; c == nil || c.ID != d.Customers[w.card].ID || c.MatchedBy != w.by || c.Ambiguous != w.ambiguous {
			t.Errorf("%s: lead %s got customer %+v, want %d by %s (ambiguous %v)", name, l.ID, l.Customer, d.Customers[w.card].ID, w.by, w.ambiguous)
		}
	}

	for _, want := range []string{"fake Graph API", "fake AlfaCRM", "5 forms, all leads (auto strategy)",
		"1000 leads enriched", strconv.Itoa(len(d.Leads)) + " leads from 5 forms, " + strconv.Itoa(matched) + " matched"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "\r") {
		t.Error("carriage returns in progress written to a buffer, not a terminal")
	}
}

// jsonEqual compares decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// demoLeadsIn returns the demo leads created in [from, to).
func demoLeadsIn(d *demo.Dataset, from, to time.Time, formID string) map[string]demo.Lead {
	out := map[string]demo.Lead{}
	for _, l := range d.Leads {
		if !l.CreatedTime.Before(from) && l.CreatedTime.Before(to) && (formID == "" || l.FormID == formID) {
			out[l.ID] = l
		}
	}
	return out
}

func TestCSVForAPeriod(t *testing.T) {
	clitest.ClearEnv(t, &now)
	d := demoData()
	stdout, _ := clitest.Run(t, run, "-format", "csv", "-since", "2026-03-01", "-until", "2026-03-07")
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	if !slices.Equal(header[:len(leadColumns)], leadColumns) {
		t.Fatalf("header starts %q, want export-leads' %q", header, leadColumns)
	}
	if !slices.Equal(header[len(header)-len(crmColumns):], crmColumns) || header[len(header)-len(crmColumns)-1] != otherColumn {
		t.Fatalf("header ends %q, want other_answers then %q", header, crmColumns)
	}
	want := demoLeadsIn(d, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), "")
	if len(recs)-1 != len(want) {
		t.Fatalf("%d rows, want the %d demo leads of the period", len(recs)-1, len(want))
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	matched := 0
	for _, r := range recs[1:] {
		if _, ok := want[r[col["id"]]]; !ok {
			t.Fatalf("row for lead %s, not in the period", r[col["id"]])
		}
		if r[col["customer_id"]] == "" {
			for _, c := range crmColumns {
				if r[col[c]] != "" {
					t.Errorf("lead %s matched nothing but %s = %q", r[0], c, r[col[c]])
				}
			}
			continue
		}
		matched++
		id, err := strconv.Atoi(r[col["customer_id"]])
		if err != nil {
			t.Fatalf("customer_id %q", r[col["customer_id"]])
		}
		wp, wa := history(d, id)
		got := []string{r[col["payments_count"]], r[col["payments_total"]], r[col["payments_first_date"]], r[col["payments_last_date"]],
			r[col["attendance_attended"]], r[col["attendance_missed"]], r[col["attendance_last_date"]]}
		exp := []string{strconv.Itoa(wp.Count), wp.Total, blank(wp.FirstDate), blank(wp.LastDate),
			strconv.Itoa(wa.Attended), strconv.Itoa(wa.Missed), blank(wa.LastDate)}
		if !slices.Equal(got, exp) {
			t.Errorf("lead %s, customer %d: %q, want %q", r[0], id, got, exp)
		}
		if b := r[col["customer_is_study"]]; b != "true" && b != "false" {
			t.Errorf("customer_is_study %q", b)
		}
		if by := r[col["customer_matched_by"]]; by != "email" && by != "phone" {
			t.Errorf("customer_matched_by %q", by)
		}
	}
	if matched == 0 {
		t.Error("no row matched a customer")
	}
}

func blank(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestStrategiesAgree(t *testing.T) {
	clitest.ClearEnv(t, &now)
	period := []string{"-since", "2026-03-10", "-until", "2026-03-12"}
	perLead, stderr := clitest.Run(t, run, append(period, "-strategy", "per-lead")...)
	if !strings.Contains(stderr, "(per-lead strategy)") {
		t.Errorf("stderr does not name the strategy:\n%s", stderr)
	}
	bulk, _ := clitest.Run(t, run, append(period, "-strategy", "bulk")...)
	if perLead != bulk {
		t.Fatalf("strategies disagree:\nper-lead:\n%s\nbulk:\n%s", perLead, bulk)
	}
	lines, _ := clitest.ReadEnriched(t, bulk)
	matched := 0
	for _, l := range lines {
		if l.Customer != nil {
			matched++
		}
	}
	if matched == 0 || len(lines) == 0 {
		t.Errorf("%d leads, %d matched: the comparison proves little", len(lines), matched)
	}
}

func TestOneFormToFile(t *testing.T) {
	clitest.ClearEnv(t, &now)
	d := demoData()
	form := d.Forms[1].ID
	path := filepath.Join(t.TempDir(), "leads.jsonl")
	stdout, stderr := clitest.Run(t, run, "-form", form, "-form", form, "-since", "2026-02-01", "-out", path)
	if stdout != "" {
		t.Errorf("stdout %q with -out", stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := clitest.ReadEnriched(t, string(b))
	want := demoLeadsIn(d, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), form)
	if len(lines) != len(want) || len(want) == 0 {
		t.Fatalf("%d lines, want the %d leads of form %s since 2026-02-01", len(lines), len(want), form)
	}
	for _, l := range lines {
		if l.FormID != form {
			t.Fatalf("lead %s of form %s", l.ID, l.FormID)
		}
	}
	if !strings.Contains(stderr, "1 forms") || !strings.Contains(stderr, "to "+path) {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  [2]string
		want string
	}{
		{"format", []string{"-format", "json"}, [2]string{}, "-format"},
		{"strategy", []string{"-strategy", "naive"}, [2]string{}, "-strategy"},
		{"since", []string{"-since", "last week"}, [2]string{}, "-since"},
		{"reversed", []string{"-since", "2026-03-10", "-until", "2026-03-01"}, [2]string{}, "-since"},
		{"empty form", []string{"-form", " "}, [2]string{}, "-form"},
		{"positional", []string{"leads.jsonl"}, [2]string{}, "unexpected argument"},
		{"phone region", nil, [2]string{cli.EnvPhoneRegion, "XX"}, cli.EnvPhoneRegion},
		{"timezone", nil, [2]string{cli.EnvCRMTimezone, "Nowhere/Town"}, cli.EnvCRMTimezone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clitest.ClearEnv(t, &now)
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			clitest.RunFails(t, run, tc.want, tc.args...)
		})
	}
}

func TestUnknownFormLeavesNoFile(t *testing.T) {
	clitest.ClearEnv(t, &now)
	path := filepath.Join(t.TempDir(), "leads.jsonl")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-form", "999000999", "-out", path}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "999000999") {
		t.Fatalf("error %v, want one naming the form", err)
	}
	if strings.Contains(stderr.String(), "fake AlfaCRM") {
		t.Error("the CRM was opened before the forms were checked")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}
