package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

var ref = clitest.Ref

func readCSV(t *testing.T, s string) (header []string, rows []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no CSV header")
	}
	header = recs[0]
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range header {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return header, rows
}

// record mirrors the JSONL contract.
type record = clitest.Record

func readJSONL(t *testing.T, s string) []record {
	t.Helper()
	var out []record
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if line == "" {
			if s == "" {
				break
			}
			t.Fatalf("line %d is empty", i+1)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &keys); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range clitest.RecordKeys {
			if _, ok := keys[k]; !ok {
				t.Fatalf("line %d lacks %q: %s", i+1, k, line)
			}
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var r record
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		if !strings.Contains(line, `"created_time":"`+r.CreatedTime.UTC().Format(time.RFC3339)+`"`) {
			t.Fatalf("line %d: created_time is not RFC 3339 in UTC: %s", i+1, line)
		}
		if r.Answers == nil {
			t.Fatalf("line %d: answers is not an object", i+1)
		}
		out = append(out, r)
	}
	return out
}

func TestSandboxCSVCoversAllDemoLeads(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	stdout, stderr := clitest.Run(t, run)
	header, rows := readCSV(t, stdout)
	if !slices.Equal(header[:len(fixedColumns)], fixedColumns) || header[len(header)-1] != otherColumn {
		t.Fatalf("header = %q", header)
	}
	for _, col := range []string{"city", "level", "город", "уровень_английского", "куди_відправити_інформацію?"} {
		if !slices.Contains(header, col) {
			t.Errorf("header lacks the answer column %q: %q", col, header)
		}
	}
	for _, col := range []string{"email", "phone_number", "full_name", "ім'я", "телефон"} {
		if slices.Contains(header, col) {
			t.Errorf("contact key %q has an answer column", col)
		}
	}
	if len(rows) != len(d.Leads) {
		t.Fatalf("%d rows, want all %d demo leads", len(rows), len(d.Leads))
	}
	byID := map[string]map[string]string{}
	for _, r := range rows {
		if byID[r["id"]] != nil {
			t.Fatalf("lead %s exported twice", r["id"])
		}
		byID[r["id"]] = r
		if r[otherColumn] != "" {
			t.Errorf("lead %s has other answers %s", r["id"], r[otherColumn])
		}
	}
	for _, l := range d.Leads {
		r := byID[l.ID]
		if r == nil {
			t.Fatalf("demo lead %s missing", l.ID)
		}
		if r["created_time"] != l.CreatedTime.UTC().Format(time.RFC3339) || r["form_id"] != l.FormID ||
			r["campaign_name"] != l.CampaignName || r["ad_id"] != l.AdID || r["platform"] != l.Platform ||
			r["is_organic"] != map[bool]string{true: "true", false: "false"}[l.IsOrganic] {
			t.Fatalf("lead %s: row %v does not match %+v", l.ID, r, l)
		}
		if v, ok := l.Value("city"); ok && r["city"] != strings.Join(strings.Fields(v), " ") {
			t.Errorf("lead %s: city %q, want %q", l.ID, r["city"], v)
		}
		if v, ok := l.Value("level"); ok && r["level"] != v {
			t.Errorf("lead %s: level %q, want %q", l.ID, r["level"], v)
		}
		if r["contact_phone"] != "" && !strings.HasPrefix(r["contact_phone"], "+") {
			t.Errorf("lead %s: phone %q not E.164", l.ID, r["contact_phone"])
		}
	}
	if !strings.Contains(stderr, "1000 leads") || !strings.Contains(stderr, "built-in fake") {
		t.Errorf("stderr lacks progress or the sandbox notice:\n%s", stderr)
	}
}

func TestSandboxJSONL(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	t.Setenv("LEADKIT_PHONE_REGION", "ua")
	stdout, _ := clitest.Run(t, run, "-format", "JSONL")
	recs := readJSONL(t, stdout)
	if len(recs) != len(d.Leads) {
		t.Fatalf("%d lines, want %d", len(recs), len(d.Leads))
	}
	people := map[string]demo.Person{}
	for _, l := range d.Leads {
		if l.Person >= 0 {
			people[l.ID] = d.People[l.Person]
		}
	}
	phones, emails := 0, 0
	for _, r := range recs {
		p := people[r.ID]
		if r.Contact.Phone != "" {
			phones++
			if r.Contact.Phone != p.Phone {
				t.Errorf("lead %s: phone %q, want the person's %q", r.ID, r.Contact.Phone, p.Phone)
			}
		}
		if r.Contact.Email != "" {
			emails++
			if r.Contact.Email != p.Email {
				t.Errorf("lead %s: email %q, want %q", r.ID, r.Contact.Email, p.Email)
			}
		}
	}
	if phones < len(recs)/2 || emails < len(recs)/2 {
		t.Errorf("only %d phones and %d e-mails in %d leads", phones, emails, len(recs))
	}
}

func TestFormFilter(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	f1, f2 := d.Forms[0].ID, d.Forms[len(d.Forms)-1].ID
	stdout, _ := clitest.Run(t, run, "-form", f1, "-form", f2, "-form", f1)
	_, rows := readCSV(t, stdout)
	want := len(d.LeadsOfForm(f1)) + len(d.LeadsOfForm(f2))
	if len(rows) != want {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		if r["form_id"] != f1 && r["form_id"] != f2 {
			t.Fatalf("row of form %s", r["form_id"])
		}
	}
}

func TestSandboxPeriod(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	since, until := d.Leads[len(d.Leads)/3].CreatedTime.Format("2006-01-02"), d.Leads[len(d.Leads)/2].CreatedTime.Format("2006-01-02")
	want := 0
	for _, l := range d.Leads {
		if day := l.CreatedTime.UTC().Format("2006-01-02"); day >= since && day <= until {
			want++
		}
	}
	stdout, _ := clitest.Run(t, run, "-since", since, "-until", until, "-format", "jsonl")
	recs := readJSONL(t, stdout)
	if len(recs) != want || want == 0 {
		t.Errorf("%d leads from %s to %s, want %d", len(recs), since, until, want)
	}
}

// graphFixture is a fake Graph API with one small form whose leads sit
// on day boundaries.
type graphFixture struct {
	srv    *metaleadstest.Server
	formID string
}

func newGraphFixture(t *testing.T, opts ...metaleadstest.Option) graphFixture {
	t.Helper()
	srv := metaleadstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Boundary form", CreatedTime: ref.AddDate(0, -1, 0), Questions: []metaleads.Question{
		{Key: "full_name", Type: "FULL_NAME"}, {Key: "email", Type: "EMAIL"}, {Key: "phone_number", Type: "PHONE"},
		{Key: "city", Type: "CITY"}, {Key: "platform", Type: "CUSTOM"},
	}})
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for i, s := range []string{
		"2026-03-01T21:59:59Z", "2026-03-01T22:00:00Z", "2026-03-01T23:59:59Z", "2026-03-02T00:00:00Z",
		"2026-03-02T12:00:00Z", "2026-03-02T12:59:59Z", "2026-03-02T13:00:00Z",
		"2026-03-02T21:59:59Z", "2026-03-02T22:00:00Z", "2026-03-02T23:59:59Z", "2026-03-03T00:00:00Z",
	} {
		email := fmt.Sprintf("lead%d@example.com", i)
		if i == 4 {
			email = "not-an-address"
		}
		srv.AddLead(formID, metaleads.Lead{ID: fmt.Sprintf("55500000000%02d", i), CreatedTime: at(s), IsOrganic: true, Platform: "fb",
			Fields: []metaleads.Field{
				{Name: "full_name", Values: []string{"Test Person"}}, {Name: "email", Values: []string{email}},
				{Name: "phone_number", Values: []string{fmt.Sprintf("063 123 45 %02d", i)}},
				{Name: "city", Values: []string{" Kyiv  City "}}, {Name: "platform", Values: []string{"online"}},
			}})
	}
	return graphFixture{srv: srv, formID: formID}
}

func (g graphFixture) usePageToken(t *testing.T) {
	t.Setenv("META_PAGE_ACCESS_TOKEN", g.srv.PageToken)
	t.Setenv("META_GRAPH_URL", g.srv.URL)
	t.Setenv("FACEBOOK_PAGE_ID", g.srv.PageID)
}

func createdTimes(recs []record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.CreatedTime.UTC().Format(time.RFC3339))
	}
	slices.Sort(out)
	return out
}

func TestPeriodBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name, tz, since, until string
		want                   []string
	}{
		{"UTC day", "", "2026-03-02", "2026-03-02", []string{"2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z",
			"2026-03-02T12:59:59Z", "2026-03-02T13:00:00Z", "2026-03-02T21:59:59Z", "2026-03-02T22:00:00Z", "2026-03-02T23:59:59Z"}},
		{"Kyiv day (UTC+2)", "Europe/Kyiv", "2026-03-02", "2026-03-02", []string{"2026-03-01T22:00:00Z", "2026-03-01T23:59:59Z",
			"2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z", "2026-03-02T12:59:59Z", "2026-03-02T13:00:00Z", "2026-03-02T21:59:59Z"}},
		{"since only", "", "2026-03-02T22:00:00Z", "", []string{"2026-03-02T22:00:00Z", "2026-03-02T23:59:59Z", "2026-03-03T00:00:00Z"}},
		{"until only", "", "", "2026-03-01", []string{"2026-03-01T21:59:59Z", "2026-03-01T22:00:00Z", "2026-03-01T23:59:59Z"}},
		{"RFC 3339 instants", "", "2026-03-02T14:00:00+02:00", "2026-03-02T13:00:00Z", []string{"2026-03-02T12:00:00Z", "2026-03-02T12:59:59Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clitest.Sandbox(t, &now)
			g := newGraphFixture(t)
			g.usePageToken(t)
			t.Setenv("ALFACRM_TIMEZONE", tc.tz)
			args := []string{"-format", "jsonl"}
			if tc.since != "" {
				args = append(args, "-since", tc.since)
			}
			if tc.until != "" {
				args = append(args, "-until", tc.until)
			}
			stdout, stderr := clitest.Run(t, run, args...)
			if got := createdTimes(readJSONL(t, stdout)); !slices.Equal(got, tc.want) {
				t.Errorf("exported %q, want %q", got, tc.want)
			}
			if strings.Contains(stderr, "built-in fake") {
				t.Error("env mode used the embedded fake")
			}
		})
	}
}

// TestEnvModeAnswers checks the export of contact details without a
// contact column, invalid e-mails and an answer key that collides with a
// fixed column, against a fake reached through META_GRAPH_URL.
func TestEnvModeAnswers(t *testing.T) {
	clitest.Sandbox(t, &now)
	g := newGraphFixture(t)
	g.usePageToken(t)
	stdout, _ := clitest.Run(t, run, "-since", "2026-03-02T12:00:00Z", "-until", "2026-03-02T12:00:01Z")
	header, rows := readCSV(t, stdout)
	if want := append(slices.Clone(fixedColumns), "city", "answer_platform", otherColumn); !slices.Equal(header, want) {
		t.Fatalf("header = %q, want %q", header, want)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	r := rows[0]
	if r["city"] != "Kyiv City" || r["answer_platform"] != "online" || r["platform"] != "fb" {
		t.Errorf("row = %v", r)
	}
	if r["contact_email"] != "" || r[otherColumn] != `{"email":"not-an-address"}` {
		t.Errorf("invalid e-mail: contact_email %q, other_answers %q", r["contact_email"], r[otherColumn])
	}
	if r["contact_phone"] != "+380631234504" || r["contact_full_name"] != "Test Person" {
		t.Errorf("contact = %q %q", r["contact_full_name"], r["contact_phone"])
	}

	stdout, _ = clitest.Run(t, run, "-format", "jsonl", "-since", "2026-03-02T12:00:00Z", "-until", "2026-03-02T12:00:01Z")
	recs := readJSONL(t, stdout)
	if len(recs) != 1 || !maps(recs[0].Answers, map[string]string{"city": "Kyiv City", "platform": "online", "email": "not-an-address"}) {
		t.Errorf("JSONL answers = %v", recs)
	}
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestUserTokenExchange gives only a User token to a fake that serves
// leads to Page tokens only: the export works only if the program
// exchanged it. The app secret's proofs are required too.
func TestUserTokenExchange(t *testing.T) {
	clitest.Sandbox(t, &now)
	g := newGraphFixture(t, metaleadstest.RequirePageToken(true), metaleadstest.RequireProof(true),
		metaleadstest.WithAppSecret("test-app-secret-XYZ"))
	t.Setenv("META_USER_ACCESS_TOKEN", g.srv.UserToken)
	t.Setenv("META_GRAPH_URL", g.srv.URL)
	t.Setenv("META_APP_SECRET", "test-app-secret-XYZ")

	for _, pageID := range []string{g.srv.PageID, ""} { // "": the user's only Page is found
		t.Setenv("FACEBOOK_PAGE_ID", pageID)
		stdout, stderr := clitest.Run(t, run, "-format", "jsonl")
		if n := len(readJSONL(t, stdout)); n != 11 {
			t.Errorf("FACEBOOK_PAGE_ID=%q: %d leads, want 11", pageID, n)
		}
		if !strings.Contains(stderr, "exchanged the user token") {
			t.Errorf("stderr does not mention the exchange:\n%s", stderr)
		}
		if strings.Contains(stderr, g.srv.UserToken) || strings.Contains(stderr, g.srv.PageToken) {
			t.Error("a token leaked to stderr")
		}
	}
	exchanged := false
	for _, r := range g.srv.Requests() {
		if r.Path == "/"+g.srv.APIVersion+"/"+g.srv.PageID && strings.Contains(r.Query.Get("fields"), "access_token") {
			exchanged = true
		}
		if r.Token() != "header" {
			t.Errorf("%s %s carried its token in the %q", r.Method, r.Path, r.Token())
		}
	}
	if !exchanged {
		t.Error("no Page-token exchange request seen")
	}

	t.Setenv("FACEBOOK_PAGE_ID", g.srv.PageID)
	t.Setenv("META_APP_SECRET", "wrong-app-secret")
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, &out, &errb); err == nil {
		t.Error("a wrong app secret: no error")
	}
}

func TestOutFile(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	dir := t.TempDir()
	path := filepath.Join(dir, "leads.csv")
	form := d.Forms[0].ID
	stdout, stderr := clitest.Run(t, run, "-form", form, "-out", path)
	if stdout != "" {
		t.Errorf("stdout = %q with -out", stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, rows := readCSV(t, string(b)); len(rows) != len(d.LeadsOfForm(form)) {
		t.Errorf("%d rows in the file, want %d", len(rows), len(d.LeadsOfForm(form)))
	}
	if !strings.Contains(stderr, path) {
		t.Errorf("stderr does not name the file: %s", stderr)
	}

	// A failing export leaves the previous file alone and no temporary file.
	var out, errb bytes.Buffer
	err = run(context.Background(), []string{"-form", form, "-form", "4040404040404", "-out", path}, &out, &errb)
	if err == nil || !errors.Is(err, metaleads.ErrNotFound) {
		t.Fatalf("unknown form: err = %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, b) {
		t.Error("the failed run changed the existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
}

func TestInterrupted(t *testing.T) {
	clitest.Sandbox(t, &now)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"-out", filepath.Join(dir, "x.csv")}, &out, &errb)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("an interrupted run left %v", entries)
	}
}

func TestErrors(t *testing.T) {
	clitest.Sandbox(t, &now)
	for _, args := range [][]string{
		{"-no-such-flag"},
		{"-since", "2026-13-01"},
		{"-until", "01.03.2026"},
		{"-since", "2026-03-05", "-until", "2026-03-04"},
		{"-format", "xml"},
		{"-form", " "},
		{"stray"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("%q: no error", args)
		} else if out.Len() != 0 {
			t.Errorf("%q: stdout %q", args, out.String())
		}
	}
	t.Setenv("META_PAGE_ACCESS_TOKEN", "test-page-token-XYZ") // without FACEBOOK_PAGE_ID
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, &out, &errb); err == nil || !strings.Contains(err.Error(), "FACEBOOK_PAGE_ID") {
		t.Errorf("page token without page id: %v", err)
	}
}
