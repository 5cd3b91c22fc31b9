package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

func TestPeriod(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 15, 23, 30, 0, 0, time.UTC) // already the 16th in Kyiv
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, kyiv) }
	for _, tc := range []struct {
		since, until string
		days         int
		from, to     time.Time
	}{
		{"", "", 0, time.Time{}, time.Time{}},
		{"", "", 7, day(9), day(16)},
		{"2026-03-01", "", 7, day(1), day(16)},
		{"", "2026-03-10", 7, day(4), day(11)},
		{"2026-03-01", "2026-03-01", 0, day(1), day(2)},
		{"2026-03-01", "", 0, day(1), time.Time{}},
	} {
		from, to, err := Period(tc.since, tc.until, kyiv, now, tc.days)
		if err != nil || !from.Equal(tc.from) || !to.Equal(tc.to) {
			t.Errorf("Period(%q, %q, %d) = %v, %v, %v; want %v, %v", tc.since, tc.until, tc.days, from, to, err, tc.from, tc.to)
		}
	}
	for _, bad := range [][2]string{{"2026-03-02", "2026-03-01"}, {"yesterday", ""}, {"", "2026-02-30"}, {"2026-03-20", ""}} {
		if _, _, err := Period(bad[0], bad[1], kyiv, now, 7); err == nil {
			t.Errorf("Period(%q, %q): no error", bad[0], bad[1])
		}
	}
}

func TestOutCommitAndDiscard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	o, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(o, "partial")
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("discarded output replaced the file: %q", b)
	}

	o, err = Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(o, "new")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("committed file = %q", b)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	var stdout bytes.Buffer
	o, err = Create("-", &stdout)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(o, "x")
	if err := errors.Join(o.Commit(), o.Close()); err != nil || stdout.String() != "x" {
		t.Errorf("stdout: %q, %v", stdout.String(), err)
	}
	if _, err := Create(filepath.Join(dir, "missing", "out.csv"), nil); err == nil {
		t.Error("a file in a missing directory: no error")
	}
}

func TestStringList(t *testing.T) {
	var l StringList
	for _, v := range []string{"1", " 2 "} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Set("  "); err == nil {
		t.Error("blank value accepted")
	}
	if l.String() != "1,2" {
		t.Errorf("list = %q", l.String())
	}
}

func TestExporter(t *testing.T) {
	t.Setenv(EnvPhoneRegion, "pl")
	n, err := Normalizer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewExporter(nil); err == nil {
		t.Error("NewExporter(nil): no error")
	}
	e, err := NewExporter(n)
	if err != nil {
		t.Fatal(err)
	}
	l := metaleads.Lead{ID: "1", FormID: "2", CreatedTime: time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("x", 3600)), Fields: []metaleads.Field{
		{Name: "first_name", Values: []string{"Anna"}}, {Name: "last_name", Values: []string{"Nowak"}},
		{Name: "email", Values: []string{"anna@"}}, {Name: "phone_number", Values: []string{"512 345 678"}},
		{Name: "city", Values: []string{" ", " Kraków "}}, {Name: "company_name", Values: []string{"Example sp. z o.o."}},
		{Name: "level", Values: []string{"a", "b"}},
	}}
	rec := e.Record(l)
	if rec.Contact.FullName != "Anna Nowak" || rec.Contact.Phone != "+48512345678" || rec.Contact.Email != "" {
		t.Errorf("contact = %+v (the phone is read in LEADKIT_PHONE_REGION)", rec.Contact)
	}
	want := map[string]string{"email": "anna@", "city": "Kraków", "company_name": "Example sp. z o.o.", "level": "a, b"}
	if fmt.Sprint(rec.Answers) != fmt.Sprint(want) {
		t.Errorf("answers = %v, want %v", rec.Answers, want)
	}
	if rec.CreatedTime.Location() != time.UTC {
		t.Error("created time not in UTC")
	}
	forms := []metaleads.Form{
		{Questions: []metaleads.Question{{Key: "full_name"}, {Key: "city"}, {Key: "level"}}},
		{Questions: []metaleads.Question{{Key: "email"}, {Key: "level"}, {Key: "budget"}}},
	}
	if got := strings.Join(e.AnswerKeys(forms), ","); got != "city,level,budget" {
		t.Errorf("AnswerKeys = %s", got)
	}
}

func TestEnvValidation(t *testing.T) {
	t.Setenv(EnvPhoneRegion, "ZZ")
	if _, err := Normalizer(); err == nil || !strings.Contains(err.Error(), EnvPhoneRegion) {
		t.Errorf("Normalizer with ZZ: %v", err)
	}
	if _, err := OpenCRM(&bytes.Buffer{}, time.Time{}, nil); err == nil {
		t.Error("OpenCRM with region ZZ: no error")
	}
	t.Setenv(EnvPhoneRegion, "")
	t.Setenv(EnvCRMBaseURL, "https://school.example.com")
	t.Setenv(EnvCRMEmail, "api@example.com")
	t.Setenv(EnvCRMAPIKey, "test-api-key-XYZ")
	t.Setenv(EnvCRMCompanyID, "abc")
	_, err := OpenCRM(&bytes.Buffer{}, time.Time{}, nil)
	if err == nil || !strings.Contains(err.Error(), EnvCRMCompanyID) {
		t.Errorf("bad company id: %v", err)
	}
	t.Setenv(EnvCRMCompanyID, "3")
	t.Setenv(EnvCRMRPS, "2.5")
	crm, err := OpenCRM(&bytes.Buffer{}, time.Time{}, nil)
	if err != nil || crm.Client.BranchID() != 3 || crm.Sandbox {
		t.Errorf("OpenCRM: %v", err)
	}
}

func TestExplain(t *testing.T) {
	if Explain(nil) != nil {
		t.Error("Explain(nil) != nil")
	}
	plain := errors.New("x")
	if Explain(plain) != plain {
		t.Error("an unrelated error was changed")
	}
	err := Explain(fmt.Errorf("login: %w", alfacrm.ErrUnauthorized))
	if !errors.Is(err, alfacrm.ErrUnauthorized) || !strings.Contains(err.Error(), EnvCRMAPIKey) {
		t.Errorf("Explain = %v", err)
	}
}

func TestOpenMetaSeveralPages(t *testing.T) {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	second := srv.AddPage(metaleadstest.Page{Name: "Second Example Page"})
	t.Setenv(EnvPageToken, "")
	t.Setenv(EnvUserToken, srv.UserToken)
	t.Setenv(EnvGraphURL, srv.URL)
	t.Setenv(EnvPageID, "")
	_, err := OpenMeta(context.Background(), &bytes.Buffer{}, time.Time{}, nil)
	if err == nil || !strings.Contains(err.Error(), EnvPageID) || !strings.Contains(err.Error(), second) || !strings.Contains(err.Error(), srv.PageID) {
		t.Errorf("several Pages: %v", err)
	}
	t.Setenv(EnvPageID, second)
	t.Setenv(EnvAdAccountID, "1234")
	m, err := OpenMeta(context.Background(), &bytes.Buffer{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.PageID != second || m.AdAccountID != "act_1234" || m.Sandbox {
		t.Errorf("meta = %+v", m)
	}
}
