package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/shopspring/decimal"
)

// ref is the reference day of the demo data in every test.
var ref = clitest.Ref

func lookup(t *testing.T, args ...string) ([]Card, string) {
	t.Helper()
	stdout, _ := clitest.Run(t, run, args...)
	return clitest.DecodeArray[Card](t, stdout), stdout
}

// localPhone writes an E.164 Ukrainian number as people type it at home:
// "063 123 45 67".
func localPhone(e164 string) string {
	nat := strings.TrimPrefix(e164, "+380")
	return "0" + nat[:2] + " " + nat[2:5] + " " + nat[5:7] + " " + nat[7:]
}

// wantHistory computes a card's payments and attendance from the demo data.
func wantHistory(d *demo.Dataset, id int) (Payments, Attendance) {
	var p Payments
	total := decimal.Zero
	for _, pay := range d.PaymentsOf(id) {
		if !pay.Income {
			continue
		}
		p.Count++
		total = total.Add(pay.Sum)
		s := pay.Date.Format("2006-01-02")
		if p.FirstDate == nil || s < *p.FirstDate {
			p.FirstDate = &s
		}
		if p.LastDate == nil || s > *p.LastDate {
			p.LastDate = &s
		}
	}
	p.Total = total.StringFixed(2)
	var a Attendance
	for _, l := range d.Lessons {
		if l.Status != demo.LessonConducted {
			continue
		}
		for _, det := range l.Details {
			if det.CustomerID != id {
				continue
			}
			if det.IsAttend {
				a.Attended++
				s := l.Date.Format("2006-01-02")
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

func checkCard(t *testing.T, d *demo.Dataset, got Card, idx int, matchedBy string) {
	t.Helper()
	want := d.Customers[idx]
	if got.ID != want.ID || got.Name != want.Name || got.IsStudy != want.IsStudy {
		t.Errorf("card = %d %q study=%v, want %d %q study=%v", got.ID, got.Name, got.IsStudy, want.ID, want.Name, want.IsStudy)
	}
	if got.MatchedBy != matchedBy {
		t.Errorf("card %d matched_by = %q, want %q", got.ID, got.MatchedBy, matchedBy)
	}
	if strings.Join(got.Phones, "|") != strings.Join(want.Phones, "|") || strings.Join(got.Emails, "|") != strings.Join(want.Emails, "|") {
		t.Errorf("card %d contacts = %q %q, want them as typed: %q %q", got.ID, got.Phones, got.Emails, want.Phones, want.Emails)
	}
	status := func(list []demo.Dict, id int) string {
		for _, e := range list {
			if e.ID == id {
				return e.Name
			}
		}
		return ""
	}
	if s := status(d.StudyStatuses, want.StudyStatusID); (s == "") != (got.StudyStatus == nil) || (s != "" && *got.StudyStatus != s) {
		t.Errorf("card %d study_status = %v, want %q", got.ID, deref(got.StudyStatus), s)
	}
	if s := status(d.LeadStatuses, want.LeadStatusID); (s == "") != (got.LeadStatus == nil) || (s != "" && *got.LeadStatus != s) {
		t.Errorf("card %d lead_status = %v, want %q", got.ID, deref(got.LeadStatus), s)
	}
	wp, wa := wantHistory(d, want.ID)
	if deref(got.Payments.FirstDate) != deref(wp.FirstDate) || deref(got.Payments.LastDate) != deref(wp.LastDate) ||
		got.Payments.Count != wp.Count || got.Payments.Total != wp.Total {
		t.Errorf("card %d payments = %+v (%s..%s), want %+v (%s..%s)", got.ID, got.Payments, deref(got.Payments.FirstDate),
			deref(got.Payments.LastDate), wp, deref(wp.FirstDate), deref(wp.LastDate))
	}
	if got.Attendance.Attended != wa.Attended || got.Attendance.Missed != wa.Missed || deref(got.Attendance.LastDate) != deref(wa.LastDate) {
		t.Errorf("card %d attendance = %+v (%s), want %+v (%s)", got.ID, got.Attendance, deref(got.Attendance.LastDate), wa, deref(wa.LastDate))
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func TestArchivedCardByLocalPhone(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	tr := d.Traps.Archived
	phone := localPhone(d.People[tr.Person].Phone)
	if strings.HasPrefix(phone, "+") {
		t.Fatal("test phone is not local")
	}
	cards, _ := lookup(t, "-phone", phone)
	if len(cards) != 1 {
		t.Fatalf("%d cards for %q, want the archived one: %+v", len(cards), phone, cards)
	}
	if !d.Customers[tr.Customer].Removed {
		t.Fatal("the trap card is not archived")
	}
	checkCard(t, d, cards[0], tr.Customer, "phone")
	if cards[0].Payments.Count == 0 {
		t.Error("the archived student has no payments: the history check proves little")
	}
}

func TestTwoCardsByEmailAndPhone(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	tr := d.Traps.TwoCards
	p := d.People[tr.Person]
	cards, _ := lookup(t, "-email", strings.ToUpper(p.Email), "-phone", p.Phone)
	if len(cards) != 2 {
		t.Fatalf("%d cards, want the lead card and the student card: %+v", len(cards), cards)
	}
	lead, student := tr.LeadCard, tr.StudentCard
	if d.Customers[lead].ID > d.Customers[student].ID {
		t.Fatal("cards are expected in id order")
	}
	checkCard(t, d, cards[0], lead, "phone+email")
	checkCard(t, d, cards[1], student, "phone+email")
	if cards[0].IsStudy || cards[0].LeadStatus == nil {
		t.Errorf("lead card: is_study %v, lead_status %v", cards[0].IsStudy, deref(cards[0].LeadStatus))
	}
}

func TestSplitUnion(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	tr := d.Traps.Split
	p := d.People[tr.Person]
	cards, _ := lookup(t, "-phone", p.Phone, "-email", p.Email)
	if len(cards) != 2 {
		t.Fatalf("%d cards, want the e-mail card and the phone card: %+v", len(cards), cards)
	}
	byID := map[int]Card{cards[0].ID: cards[0], cards[1].ID: cards[1]}
	checkCard(t, d, byID[d.Customers[tr.EmailCard].ID], tr.EmailCard, "email")
	checkCard(t, d, byID[d.Customers[tr.PhoneCard].ID], tr.PhoneCard, "phone")
	if cards[0].ID > cards[1].ID {
		t.Error("cards not in id order")
	}
}

func TestPhoneOnlyAndEmailCase(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	po := d.Traps.PhoneOnly
	p := d.People[po.Person]
	cards, _ := lookup(t, "-phone", p.Phone, "-email", p.Email)
	if len(cards) != 1 {
		t.Fatalf("phone-only trap: %d cards: %+v", len(cards), cards)
	}
	checkCard(t, d, cards[0], po.Customer, "phone")

	ec := d.Traps.EmailCase
	cards, _ = lookup(t, "-email", d.People[ec.Person].Email)
	if len(cards) != 1 {
		t.Fatalf("e-mail case trap: %d cards: %+v", len(cards), cards)
	}
	checkCard(t, d, cards[0], ec.Customer, "email")
	if cards[0].Emails[0] == d.People[ec.Person].Email {
		t.Error("the card's e-mail should differ in case from the query")
	}
}

func TestUnknownContactIsEmptyArray(t *testing.T) {
	clitest.Sandbox(t, &now)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-phone", "+48 500 000 000", "-email", "nobody.at.all@example.org"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(stdout.String()); got != "[]" {
		t.Errorf("stdout = %q, want []", got)
	}
	if !strings.Contains(stderr.String(), "ALFACRM_BASE_URL is not set") {
		t.Errorf("stderr does not say it runs on the fake: %s", stderr.String())
	}
}

func TestIncomePayTypeIDs(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	// A card with a refund: with the expense pay type declared as the income
	// one, only refunds count.
	var id, refunds int
	for _, p := range d.Payments {
		if !p.Income {
			id = p.CustomerID
			break
		}
	}
	if id == 0 {
		t.Skip("the demo data has no refund")
	}
	for _, p := range d.PaymentsOf(id) {
		if !p.Income {
			refunds++
		}
	}
	cu, _ := d.CustomerByID(id)
	if len(cu.Phones) == 0 && len(cu.Emails) == 0 {
		t.Skip("the refunded card has no contact")
	}
	args := []string{}
	if len(cu.Emails) > 0 {
		args = append(args, "-email", cu.Emails[0])
	} else {
		args = append(args, "-phone", cu.Phones[0])
	}
	t.Setenv("ALFACRM_INCOME_PAY_TYPE_IDS", strconv.Itoa(d.ExpensePayTypeID()))
	cards, _ := lookup(t, args...)
	for _, c := range cards {
		if c.ID == id {
			if c.Payments.Count != refunds {
				t.Errorf("payments.count = %d, want the %d refunds", c.Payments.Count, refunds)
			}
			return
		}
	}
	t.Errorf("card %d not found by %q", id, args)
}

// TestEnvMode points the program at a fake started here, as at a real CRM:
// credentials from the environment, the branch through the
// ALFACRM_COMPANY_ID alias, the school's time zone.
func TestEnvMode(t *testing.T) {
	clitest.Sandbox(t, &now)
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(ref), alfacrmtest.WithTimezone(kyiv))
	defer srv.Close()
	d := demo.New(demo.Config{Ref: ref, Loc: kyiv})
	t.Setenv("ALFACRM_BASE_URL", srv.URL)
	t.Setenv("ALFACRM_EMAIL", srv.Email)
	t.Setenv("ALFACRM_API_KEY", srv.APIKey)
	t.Setenv("ALFACRM_COMPANY_ID", strconv.Itoa(srv.BranchID))
	t.Setenv("ALFACRM_TIMEZONE", "Europe/Kyiv")
	t.Setenv("ALFACRM_RPS", "0")

	tr := d.Traps.TwoCards
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-email", d.People[tr.Person].Email}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "built-in fake") {
		t.Errorf("env mode used the embedded fake: %s", stderr.String())
	}
	var cards []Card
	if err := json.Unmarshal(stdout.Bytes(), &cards); err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 {
		t.Fatalf("%d cards, want 2", len(cards))
	}
	checkCard(t, d, cards[0], tr.LeadCard, "email")
	checkCard(t, d, cards[1], tr.StudentCard, "email")
	if srv.LoginCount() == 0 {
		t.Error("the fake saw no login")
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/v2api/") && !strings.Contains(r.Path, "auth/login") && !strings.Contains(r.Path, "branch/index") &&
			!strings.HasPrefix(r.Path, "/v2api/"+strconv.Itoa(srv.BranchID)+"/") {
			t.Errorf("request outside the configured branch: %s", r.Path)
		}
	}
}

func TestEnvErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"no credentials", map[string]string{"ALFACRM_BASE_URL": "http://127.0.0.1:9"}},
		{"bad branch", map[string]string{"ALFACRM_BASE_URL": "http://127.0.0.1:9", "ALFACRM_EMAIL": "api@example.com",
			"ALFACRM_API_KEY": "test-key", "ALFACRM_BRANCH_ID": "main"}},
		{"bad rps", map[string]string{"ALFACRM_BASE_URL": "http://127.0.0.1:9", "ALFACRM_EMAIL": "api@example.com",
			"ALFACRM_API_KEY": "test-key", "ALFACRM_RPS": "-1"}},
		{"bad time zone", map[string]string{"ALFACRM_TIMEZONE": "Mars/Olympus"}},
		{"bad pay types", map[string]string{"ALFACRM_INCOME_PAY_TYPE_IDS": "1,income"}},
		{"bad region", map[string]string{"LEADKIT_PHONE_REGION": "ZZ"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clitest.Sandbox(t, &now)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"-email", "someone@example.com"}, &stdout, &stderr)
			if err == nil {
				t.Fatalf("no error; stdout %q", stdout.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q on error", stdout.String())
			}
		})
	}
}

func TestWrongAPIKey(t *testing.T) {
	clitest.Sandbox(t, &now)
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	t.Setenv("ALFACRM_BASE_URL", srv.URL)
	t.Setenv("ALFACRM_EMAIL", srv.Email)
	t.Setenv("ALFACRM_API_KEY", "wrong-test-key")
	t.Setenv("ALFACRM_BRANCH_ID", strconv.Itoa(srv.BranchID))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-email", "someone@example.com"}, &stdout, &stderr)
	if !errors.Is(err, alfacrm.ErrUnauthorized) || !strings.Contains(err.Error(), "ALFACRM_API_KEY") {
		t.Fatalf("err = %v, want the refused login naming the variables to check", err)
	}
	if strings.Contains(err.Error(), "wrong-test-key") {
		t.Error("the API key leaked into the error")
	}
}

func TestFlagErrors(t *testing.T) {
	clitest.Sandbox(t, &now)
	for _, args := range [][]string{
		{},
		{"-phone", " "},
		{"-email", "not-an-address"},
		{"-phone", "call me"},
		{"-no-such-flag"},
		{"-email", "a@example.com", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("%q: no error", args)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: stdout %q", args, stdout.String())
		}
	}
}
