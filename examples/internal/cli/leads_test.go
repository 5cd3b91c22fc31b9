package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
)

func TestRecordCSV(t *testing.T) {
	c := NewRecordCSV([]string{"city", "platform", "customer_id", "level"}, "customer_id")
	want := append(slices.Clone(RecordColumns), "city", "answer_platform", "answer_customer_id", "level", OtherAnswersColumn)
	if got := c.Header(); !slices.Equal(got, want) {
		t.Fatalf("header = %q, want %q", got, want)
	}
	c.Header()[0] = "changed"
	if c.Header()[0] != "id" {
		t.Error("Header shares its slice")
	}

	rec := enrich.LeadRecord{
		ID: "1", CreatedTime: time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)), FormID: "2",
		CampaignName: "Kids & Teens", IsOrganic: true, Platform: "ig",
		Contact: enrich.RecordContact{FullName: "Anna Nowak", Email: "anna@example.com", Phone: "+48512345678", Country: "PL"},
		Answers: map[string]string{"city": "Kraków", "level": "b1", "email": "a&b@", "note": "<hi>"},
	}
	row, err := c.AppendRow([]string{"kept"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	wantRow := []string{"kept", "1", "2026-03-01T11:00:00Z", "2", "", "Kids & Teens", "", "", "", "", "true", "ig",
		"Anna Nowak", "anna@example.com", "+48512345678", "PL",
		"Kraków", "", "", "b1", `{"email":"a&b@","note":"<hi>"}`}
	if !slices.Equal(row, wantRow) {
		t.Fatalf("row =\n%q, want\n%q", row, wantRow)
	}
	rec.Answers = map[string]string{"level": "a2"}
	if row, err = c.AppendRow(nil, rec); err != nil || row[len(row)-1] != "" || row[len(row)-2] != "a2" {
		t.Errorf("row without other answers = %q, %v", row, err)
	}

	// The row round-trips through a CSV writer with one cell per column.
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(c.Header())
	_ = w.Write(row)
	w.Flush()
	all, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(all) != 2 || len(all[0]) != len(all[1]) {
		t.Errorf("csv = %q, %v", all, err)
	}
}

// leadSource serves fixed leads per form, and an error for form "bad".
type leadSource struct{ leads map[string][]metaleads.Lead }

func (s leadSource) Forms(context.Context, string, metaleads.FormsOptions) iter.Seq2[metaleads.Form, error] {
	return func(func(metaleads.Form, error) bool) {}
}

func (s leadSource) Leads(_ context.Context, formID string, _ metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for _, l := range s.leads[formID] {
			if !yield(l, nil) {
				return
			}
		}
		if formID == "bad" {
			yield(metaleads.Lead{}, errors.New("boom"))
		}
	}
}

func TestFormLeads(t *testing.T) {
	src := leadSource{leads: map[string][]metaleads.Lead{
		"f1":  {{ID: "1"}, {ID: "2", FormID: "other"}},
		"f2":  {{ID: "3"}},
		"bad": {{ID: "4"}},
	}}
	forms := []metaleads.Form{{ID: "f1"}, {ID: "f2"}, {ID: "bad"}, {ID: "f2"}}
	var got []string
	var gotErr error
	for l, err := range FormLeads(context.Background(), src, forms, metaleads.LeadsOptions{}) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, l.ID+"@"+l.FormID)
	}
	if want := []string{"1@f1", "2@other", "3@f2", "4@bad"}; !slices.Equal(got, want) {
		t.Errorf("leads = %q, want %q", got, want)
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "form bad") || !strings.Contains(gotErr.Error(), "boom") {
		t.Errorf("error = %v, want it to name form bad", gotErr)
	}

	n := 0
	for range FormLeads(context.Background(), src, forms, metaleads.LeadsOptions{}) {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("break: %d leads", n)
	}
}

func TestDescribePeriod(t *testing.T) {
	a := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b := a.AddDate(0, 0, 7)
	for _, tc := range []struct {
		from, to time.Time
		want     string
	}{
		{time.Time{}, time.Time{}, "all leads"},
		{a, time.Time{}, "leads created from 2026-03-01T00:00:00Z"},
		{time.Time{}, b, "leads created before 2026-03-08T00:00:00Z"},
		{a, b, "leads created from 2026-03-01T00:00:00Z to before 2026-03-08T00:00:00Z"},
	} {
		if got := DescribePeriod(tc.from, tc.to); got != tc.want {
			t.Errorf("DescribePeriod(%v, %v) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestWarnMixed(t *testing.T) {
	var b bytes.Buffer
	if WarnMixed(&b, "prog", &Meta{Sandbox: true}, &CRM{Sandbox: true}) || WarnMixed(&b, "prog", &Meta{}, &CRM{}) || b.Len() > 0 {
		t.Errorf("warned with both sides alike: %q", b.String())
	}
	if !WarnMixed(&b, "prog", &Meta{}, &CRM{Sandbox: true}) || !strings.HasPrefix(b.String(), "prog: only the AlfaCRM side is the sandbox") {
		t.Errorf("warning = %q", b.String())
	}
}

func TestSandboxData(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	ref := time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
	ds := SandboxData(ref, kyiv)
	if ds.Loc != kyiv || ds.Ref.Format(time.DateOnly) != "2026-03-15" {
		t.Errorf("data set for %s in %v", ds.Ref, ds.Loc)
	}
	if SandboxData(ref.Add(10*time.Hour), kyiv) != ds {
		t.Error("the same day built again")
	}
	other := SandboxData(ref, nil)
	if other == ds || other.Loc != time.UTC {
		t.Errorf("another time zone: same data set or zone %v", other.Loc)
	}
}

// In sandbox mode both sides serve the one shared data set, and the CRM
// fake keeps its dates in ALFACRM_TIMEZONE, as the client reads them.
func TestOpenSandboxesShareTheDataset(t *testing.T) {
	for _, k := range []string{EnvUserToken, EnvPageToken, EnvCRMBaseURL, EnvPhoneRegion, EnvCRMIncomeTypes, EnvCRMCurrency} {
		t.Setenv(k, "")
	}
	t.Setenv(EnvCRMTimezone, "Europe/Kyiv")
	ref := time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
	var stderr bytes.Buffer
	meta, err := OpenMeta(context.Background(), &stderr, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer meta.Close()
	crm, err := OpenCRM(&stderr, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer crm.Close()
	if !meta.Sandbox || !crm.Sandbox || WarnMixed(&stderr, "x", meta, crm) {
		t.Fatalf("sandbox: meta %v, crm %v", meta.Sandbox, crm.Sandbox)
	}
	ds := SandboxData(ref, crm.Location)
	if crm.Location.String() != "Europe/Kyiv" || ds.Loc.String() != "Europe/Kyiv" {
		t.Fatalf("CRM location %v, data set location %v", crm.Location, ds.Loc)
	}
	if meta.PageID != ds.Page.ID || meta.AdAccountID != ds.AdAccount.ID {
		t.Errorf("Graph fake serves Page %s, account %s; the data set has %s, %s", meta.PageID, meta.AdAccountID, ds.Page.ID, ds.AdAccount.ID)
	}
	if got := len(crm.Fake.Customers()); got != len(ds.Customers) {
		t.Errorf("CRM fake has %d customers, the data set %d", got, len(ds.Customers))
	}

	// A demo customer read through the client has the data set's dates.
	want := ds.Customers[0]
	got, err := crm.Client.Customer(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("customer %d created %v, the data set says %v", want.ID, got.CreatedAt, want.CreatedAt)
	}

	// The Graph fake's people are the CRM fake's: leads match, and the
	// enricher reports each lead on the progress line.
	var leads []metaleads.Lead
	for l, err := range meta.Client.Leads(context.Background(), ds.Forms[0].ID, metaleads.LeadsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if leads = append(leads, l); len(leads) == 20 {
			break
		}
	}
	var progress bytes.Buffer
	e, err := NewEnricher(crm, enrich.StrategyPerLead, nil, NewProgress(&progress, 1), "test")
	if err != nil {
		t.Fatal(err)
	}
	els, err := e.EnrichAll(context.Background(), leads)
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for _, el := range els {
		if el.Matched() {
			matched++
		}
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if matched == 0 || len(lines) != len(leads) || lines[len(lines)-1] != fmt.Sprintf("test: %d leads enriched, %d matched…", len(leads), matched) {
		t.Errorf("%d of %d leads matched; progress:\n%s", matched, len(leads), progress.String())
	}
}
