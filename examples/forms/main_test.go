package main

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

var ref = clitest.Ref

func decode(t *testing.T, s string) []Form {
	t.Helper()
	return clitest.DecodeArray[Form](t, s)
}

func TestSandboxJSON(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	stdout, stderr := clitest.Run(t, run, "-format", "json")
	got := decode(t, stdout)
	if len(got) != len(d.Forms) {
		t.Fatalf("%d forms, want %d", len(got), len(d.Forms))
	}
	byID := map[string]Form{}
	for _, f := range got {
		byID[f.ID] = f
	}
	for _, want := range d.Forms {
		f, ok := byID[want.ID]
		if !ok {
			t.Fatalf("form %s missing", want.ID)
		}
		if f.Name != want.Name || f.Status != want.Status || f.Locale != want.Locale || f.LeadsCount != want.LeadsCount ||
			f.OrganicLeadsCount != want.OrganicLeadsCount || !f.CreatedTime.Equal(want.CreatedTime) || f.PageID != d.Page.ID {
			t.Errorf("form %s = %+v, want %+v", want.ID, f, want)
		}
		if len(f.Questions) != len(want.Questions) || f.Questions[0].Key != want.Questions[0].Key {
			t.Errorf("form %s questions = %+v", want.ID, f.Questions)
		}
	}
	if !strings.Contains(stdout, `"created_time": "`) || strings.Contains(stdout, "+00:00") {
		t.Errorf("created_time not RFC 3339 UTC:\n%s", stdout)
	}
	if !strings.Contains(stderr, "built-in fake") {
		t.Errorf("stderr does not say it is the sandbox: %s", stderr)
	}
}

func TestSandboxTable(t *testing.T) {
	d := clitest.Sandbox(t, &now)
	stdout, _ := clitest.Run(t, run)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(d.Forms)+1 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(d.Forms), stdout)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "ID NAME STATUS LOCALE LEADS CREATED" {
		t.Errorf("header = %q", lines[0])
	}
	// Aligned: every row's STATUS column starts where the header's does
	// (counted in characters, names are Cyrillic).
	col := strings.Index(lines[0], "STATUS")
	for _, want := range d.Forms {
		var line string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, want.ID+" ") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("no row for form %s", want.ID)
		}
		r := []rune(line)
		if rest := string(r[col:]); !strings.HasPrefix(rest, want.Status) {
			t.Errorf("row %q: STATUS column not aligned", line)
		}
		fields := strings.Fields(line)
		if fields[len(fields)-2] != strconv.Itoa(want.LeadsCount) || fields[len(fields)-1] != want.CreatedTime.UTC().Format("2006-01-02") {
			t.Errorf("row %q: want %d leads, created %s", line, want.LeadsCount, want.CreatedTime.Format("2006-01-02"))
		}
	}
}

func TestEnvMode(t *testing.T) {
	clitest.Sandbox(t, &now)
	srv := metaleadstest.NewServer(metaleadstest.RequirePageToken(true))
	defer srv.Close()
	id := srv.AddForm(srv.PageID, metaleads.Form{Name: "Tab\tand\nnewline form", Locale: "PL_PL", CreatedTime: ref})
	srv.AddLead(id, metaleads.Lead{CreatedTime: ref})

	t.Setenv("META_GRAPH_URL", srv.URL)
	t.Setenv("FACEBOOK_PAGE_ID", srv.PageID)
	for _, tok := range []string{"META_PAGE_ACCESS_TOKEN", "META_USER_ACCESS_TOKEN"} {
		t.Run(tok, func(t *testing.T) {
			t.Setenv("META_PAGE_ACCESS_TOKEN", "")
			t.Setenv(tok, map[string]string{"META_PAGE_ACCESS_TOKEN": srv.PageToken, "META_USER_ACCESS_TOKEN": srv.UserToken}[tok])
			stdout, _ := clitest.Run(t, run, "-format", "json")
			got := decode(t, stdout)
			if len(got) != 1 || got[0].ID != id || got[0].LeadsCount != 1 || got[0].Locale != "PL_PL" {
				t.Errorf("forms = %+v", got)
			}
			stdout, _ = clitest.Run(t, run)
			if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "Tab and newline form") {
				t.Errorf("table:\n%s", stdout)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	clitest.Sandbox(t, &now)
	for _, args := range [][]string{{"-format", "xml"}, {"-x"}, {"json"}} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err == nil || out.Len() != 0 {
			t.Errorf("%q: err %v, stdout %q", args, err, out.String())
		}
	}
	// An invalid token is reported, not printed as an empty list.
	srv := metaleadstest.NewServer()
	defer srv.Close()
	t.Setenv("META_GRAPH_URL", srv.URL)
	t.Setenv("FACEBOOK_PAGE_ID", srv.PageID)
	t.Setenv("META_PAGE_ACCESS_TOKEN", "test-page-token-XYZ")
	var out, errb bytes.Buffer
	err := run(context.Background(), nil, &out, &errb)
	if !errors.Is(err, metaleads.ErrUnauthorized) || out.Len() != 0 || strings.Contains(err.Error(), "test-page-token-XYZ") ||
		!strings.Contains(err.Error(), "META_PAGE_ACCESS_TOKEN") {
		t.Errorf("invalid token: err %v, stdout %q", err, out.String())
	}
}
