package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
)

// lockedBuffer is a bytes.Buffer safe to read while run writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSandbox runs the sandbox until the test ends and returns its JSON
// line, decoded strictly, and its stdout as written so far.
func startSandbox(t *testing.T, args ...string) (Info, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, stderr)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run after cancel: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after the context was cancelled")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the JSON line: %v (stderr: %s)", err, stderr)
	}
	go io.Copy(io.Discard, pr) // nothing more is expected, but never block run
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	var info Info
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("decoding %q: %v", line, err)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"graph_url", "api_version", "user_token", "page_token", "page_id", "ad_account_id",
		"app_secret", "crm_url", "crm_email", "crm_api_key", "crm_branch_id"} {
		v, ok := raw[k]
		if !ok {
			t.Errorf("JSON line lacks %q", k)
			continue
		}
		if k == "crm_branch_id" {
			if n, ok := v.(float64); !ok || n <= 0 {
				t.Errorf("crm_branch_id = %#v, want a positive JSON number", v)
			}
		} else if s, ok := v.(string); !ok || s == "" {
			t.Errorf("%s = %#v, want a non-empty string", k, v)
		}
	}
	return info, stderr
}

func getJSON(t *testing.T, rawURL string, out any) int {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v in %s", resp.Request.URL.Path, err, body)
		}
	}
	return resp.StatusCode
}

// TestSandboxServesGraphClients talks to the sandbox the way Meta's
// official SDKs do: the token in the access_token query parameter, and the
// listing continued by following paging.next verbatim.
func TestSandboxServesGraphClients(t *testing.T) {
	t.Setenv("ALFACRM_TIMEZONE", "")
	info, stderr := startSandbox(t, "-ref", "2026-03-15")
	ds := demo.New(demo.Config{Ref: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})

	if info.PageID != ds.Page.ID || info.AdAccountID != ds.AdAccount.ID {
		t.Errorf("page/ad account = %s/%s, want the demo's %s/%s", info.PageID, info.AdAccountID, ds.Page.ID, ds.AdAccount.ID)
	}
	if !strings.HasPrefix(info.GraphURL, "http://127.0.0.1:") || !strings.HasPrefix(info.CRMURL, "http://127.0.0.1:") {
		t.Errorf("URLs %s, %s: want loopback", info.GraphURL, info.CRMURL)
	}
	for _, want := range []string{"META_PAGE_ACCESS_TOKEN=" + info.PageToken, "ALFACRM_BASE_URL=" + info.CRMURL} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	base := info.GraphURL + "/" + info.APIVersion + "/"
	q := url.Values{"access_token": {info.PageToken}, "fields": {"id,name,leads_count"}}
	var forms struct {
		Data []struct {
			ID         string `json:"id"`
			LeadsCount int    `json:"leads_count"`
		} `json:"data"`
	}
	if st := getJSON(t, base+info.PageID+"/leadgen_forms?"+q.Encode(), &forms); st != http.StatusOK {
		t.Fatalf("leadgen_forms: HTTP %d", st)
	}
	if len(forms.Data) != len(ds.Forms) {
		t.Fatalf("%d forms, want %d", len(forms.Data), len(ds.Forms))
	}
	form := forms.Data[0]
	want := len(ds.LeadsOfForm(form.ID))
	if want < 60 {
		t.Fatalf("demo form %s has only %d leads; the paging check needs more than one page", form.ID, want)
	}

	// Follow next links as an SDK does, 50 leads at a time.
	next := base + form.ID + "/leads?" + url.Values{"access_token": {info.PageToken}, "limit": {"50"}}.Encode()
	seen := map[string]bool{}
	pages := 0
	for next != "" {
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if st := getJSON(t, next, &page); st != http.StatusOK {
			t.Fatalf("page %d: HTTP %d", pages+1, st)
		}
		for _, l := range page.Data {
			if seen[l.ID] {
				t.Fatalf("lead %s served twice", l.ID)
			}
			seen[l.ID] = true
		}
		pages++
		next = page.Paging.Next
		if pages > want {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != want || form.LeadsCount != want {
		t.Errorf("followed %d pages to %d leads (leads_count %d), want %d", pages, len(seen), form.LeadsCount, want)
	}
	if pages < 2 {
		t.Errorf("only %d page: the next link was not exercised", pages)
	}

	// The printed app secret is the one the fake checks proofs against.
	mac := hmac.New(sha256.New, []byte(info.AppSecret))
	mac.Write([]byte(info.PageToken))
	proof := hex.EncodeToString(mac.Sum(nil))
	var node map[string]any
	q = url.Values{"access_token": {info.PageToken}, "appsecret_proof": {proof}, "fields": {"id,name"}}
	if st := getJSON(t, base+form.ID+"?"+q.Encode(), &node); st != http.StatusOK || node["id"] != form.ID {
		t.Errorf("form with a good proof: HTTP %d %v", st, node)
	}
	q.Set("appsecret_proof", strings.Repeat("0", 64))
	if st := getJSON(t, base+form.ID+"?"+q.Encode(), &node); st != http.StatusBadRequest {
		t.Errorf("form with a wrong proof: HTTP %d, want 400", st)
	}
	// Without a token, Graph's error.
	if st := getJSON(t, base+form.ID, &node); st == http.StatusOK {
		t.Error("a call without a token succeeded")
	}
}

func TestSandboxServesAlfaCRM(t *testing.T) {
	t.Setenv("ALFACRM_TIMEZONE", "Europe/Kyiv")
	info, stderr := startSandbox(t, "-ref", "2026-03-15")
	if !strings.Contains(stderr.String(), "ALFACRM_TIMEZONE=Europe/Kyiv") {
		t.Errorf("stderr does not pass the time zone on:\n%s", stderr)
	}
	ds := demo.New(demo.Config{Ref: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})

	login, _ := json.Marshal(map[string]string{"email": info.CRMEmail, "api_key": info.CRMAPIKey})
	resp, err := http.Post(info.CRMURL+"/v2api/auth/login", "application/json", bytes.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || tok.Token == "" {
		t.Fatalf("login: HTTP %d, %v", resp.StatusCode, err)
	}

	// Students and leads, active and archived: every demo card.
	total := 0
	for _, isStudy := range []int{0, 1} {
		body, _ := json.Marshal(map[string]any{"is_study": isStudy, "removed": 1})
		req, _ := http.NewRequest(http.MethodPost, info.CRMURL+"/v2api/"+strconv.Itoa(info.CRMBranchID)+"/customer/index", bytes.NewReader(body))
		req.Header.Set("X-ALFACRM-TOKEN", tok.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Total int `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("customer/index: HTTP %d, %v", resp.StatusCode, err)
		}
		total += list.Total
	}
	if total != len(ds.Customers) {
		t.Errorf("the CRM fake has %d cards, want the demo's %d", total, len(ds.Customers))
	}
}

func TestSandboxErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-graph-addr", "0.0.0.0:0"},
		{"-crm-addr", "192.0.2.1:8081"},
		{"-crm-addr", "no-port"},
		{"-ref", "15.03.2026"},
		{"-no-such-flag"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if err == nil {
			t.Errorf("%q: no error", args)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote %q to stdout", args, stdout.String())
		}
	}
}

func TestSandboxPortInUse(t *testing.T) {
	info, _ := startSandbox(t)
	addr := strings.TrimPrefix(info.GraphURL, "http://")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-graph-addr", addr}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("second sandbox on %s: err = %v, want one naming the address", addr, err)
	}
}
