package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/examples/internal/clitest"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitFor bounds every wait on the program; it is a safety net, never the
// thing a test measures.
const waitFor = 30 * time.Second

// lockedBuffer is a bytes.Buffer safe to read while run writes to it; it
// signals every complete line on lines.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	lines chan struct{}
}

func newBuffer() *lockedBuffer { return &lockedBuffer{lines: make(chan struct{}, 1000)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range bytes.Count(p, []byte("\n")) {
		select {
		case l.lines <- struct{}{}:
		default:
		}
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLines waits until n lines have been written in total.
func (l *lockedBuffer) waitLines(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(waitFor)
	for strings.Count(l.String(), "\n") < n {
		select {
		case <-l.lines:
		case <-deadline:
			t.Fatalf("timed out waiting for %d lines; got:\n%s", n, l.String())
		}
	}
}

// running is a run in progress.
type running struct {
	s              *session
	stdout, stderr *lockedBuffer
	cancel         context.CancelFunc
	done           chan error
}

// start runs the program until stop (or the end of the test); hook, when
// set, runs inside the started callback.
func start(t *testing.T, hook func(*session), args ...string) *running {
	t.Helper()
	r := &running{stdout: newBuffer(), stderr: newBuffer(), done: make(chan error, 1)}
	ready := make(chan *session, 1)
	old := started
	started = func(s *session) {
		if hook != nil {
			hook(s)
		}
		ready <- s
	}
	t.Cleanup(func() { started = old })
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), r.stdout, r.stderr) }()
	select {
	case r.s = <-ready:
	case err := <-r.done:
		cancel()
		t.Fatalf("run ended before serving: %v\nstderr: %s", err, r.stderr)
	case <-time.After(waitFor):
		cancel()
		t.Fatalf("run did not start; stderr: %s", r.stderr)
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the run and returns its error (once; later calls return nil).
func (r *running) stop(t *testing.T) error {
	t.Helper()
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		return err
	case <-time.After(waitFor):
		t.Fatal("run did not return after the context was cancelled")
		return nil
	}
}

// line mirrors the JSONL contract of enrich-leads.
type line = clitest.Enriched

// readLines decodes and checks every line (see clitest.ReadEnriched).
func readLines(t *testing.T, s string) []line {
	t.Helper()
	lines, _ := clitest.ReadEnriched(t, s)
	return lines
}

func ids(lines []line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.ID
	}
	return out
}

var submittedRE = regexp.MustCompile(`submitted lead (\d+)`)

// submitted are the lead ids -demo reported on stderr.
func submitted(stderr string) []string {
	var out []string
	for _, m := range submittedRE.FindAllStringSubmatch(stderr, -1) {
		out = append(out, m[1])
	}
	return out
}

// noPII checks that stderr names no person of the output.
func noPII(t *testing.T, stderr string, lines []line) {
	t.Helper()
	for _, l := range lines {
		for _, v := range []string{l.Contact.FullName, l.Contact.Email, l.Contact.Phone} {
			if v != "" {
				require.NotContains(t, stderr, v, "stderr carries personal data")
			}
		}
	}
}

func TestDemoProcessesEachLeadOnce(t *testing.T) {
	clitest.ClearEnv(t, &now)
	r := start(t, nil, "-demo", "-demo-count", "5")
	r.stdout.waitLines(t, 5)
	ctx := context.Background()
	require.NoError(t, r.s.Meta.Fake.WaitWebhooks(ctx))
	require.NoError(t, r.stop(t))

	lines := readLines(t, r.stdout.String())
	require.Len(t, lines, 5, "one line per lead")
	want := submitted(r.stderr.String())
	require.Len(t, want, 5)
	got := ids(lines)
	slices.Sort(got)
	slices.Sort(want)
	require.Equal(t, want, got, "every submitted lead exactly once")
	matched := 0
	for _, l := range lines {
		require.NotEmpty(t, l.FormID)
		require.NotEmpty(t, l.Contact.FullName)
		if l.Customer != nil {
			matched++
		}
	}
	require.Less(t, matched, 5, "the new people have no CRM card")

	st := r.s.Meta.Fake.WebhookStats()
	require.Equal(t, 5, st.Deliveries)
	require.Equal(t, 5, st.Delivered)
	require.Equal(t, 1, st.Verifications, "the fake verified the callback first, as Meta does")

	stderr := r.stderr.String()
	require.Contains(t, stderr, "built-in fake Graph API")
	require.Contains(t, stderr, "built-in fake AlfaCRM")
	require.Contains(t, stderr, "stopped; 5 leads processed")
	noPII(t, stderr, lines)
}

// proxy forwards deliveries to the program and answers 500 to the first
// one whatever the program said: an acknowledgement lost on the way, so
// the fake redelivers a delivery the program already accepted.
func proxy(t *testing.T, target string) *httptest.Server {
	t.Helper()
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	var mu sync.Mutex
	lost := false
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+"?"+r.URL.RawQuery, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		first := !lost && r.Method == http.MethodPost
		lost = lost || first
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(p.Close)
	return p
}

// post sends req and returns its status.
func post(t *testing.T, req *http.Request) int {
	t.Helper()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// notesNaming counts the CRM cards whose note names the lead.
func notesNaming(s *session, leadID string) int {
	n := 0
	for _, c := range s.CRM.Fake.Customers() {
		n += strings.Count(c.Note, noteTag(leadID))
	}
	return n
}

func TestRedeliveryDoesNotDuplicateOutputOrCards(t *testing.T) {
	clitest.ClearEnv(t, &now)
	var before int
	r := start(t, func(s *session) { before = len(s.CRM.Fake.Customers()) }, "-push", "-lead-source", "2", "-demo", "-demo-count", "4")
	r.stdout.waitLines(t, 4)
	ctx := context.Background()
	fake := r.s.Meta.Fake
	require.NoError(t, fake.WaitWebhooks(ctx))

	// Meta redelivers: the same signed deliveries again, twice.
	first := readLines(t, r.stdout.String())
	for range 2 {
		for _, l := range first {
			req, err := fake.NewDeliveryRequest(r.s.URL, metaleads.Lead{ID: l.ID, FormID: l.FormID})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, post(t, req))
		}
	}
	// A lost acknowledgement: the fake's own redelivery of a processed lead.
	p := proxy(t, r.s.URL)
	require.NoError(t, fake.SetWebhook(ctx, metaleadstest.WebhookConfig{
		CallbackURL: p.URL, VerifyToken: r.s.VerifyToken, Redelivery: []time.Duration{0, 0},
	}))
	extra, err := fake.SubmitLead(first[0].FormID, metaleads.Lead{Fields: []metaleads.Field{
		{Name: "full_name", Values: []string{"Olena Testova"}},
		{Name: "email", Values: []string{"olena.testova@example.com"}},
	}})
	require.NoError(t, err)
	require.NoError(t, fake.WaitWebhooks(ctx))
	d := fake.WebhookDeliveries()
	require.Equal(t, []int{500, 200}, d[len(d)-1].Statuses, "the fake redelivered")
	require.NoError(t, r.stop(t)) // drains the queue: every redelivery has been seen

	lines := readLines(t, r.stdout.String())
	require.Len(t, lines, 5, "one line per lead, whatever the redeliveries")
	require.Contains(t, ids(lines), extra)
	created := 0
	for _, l := range lines {
		if l.Customer == nil {
			created++
		}
		require.Equal(t, 1, notesNaming(r.s, l.ID), "lead %s is on exactly one card, once", l.ID)
	}
	require.Equal(t, before+created, len(r.s.CRM.Fake.Customers()), "one new card per person new to the CRM")
	for _, c := range r.s.CRM.Fake.Customers()[before:] {
		require.False(t, c.IsStudy, "a lead card")
		require.Equal(t, 2, c.LeadSourceID, "-lead-source")
		require.Contains(t, c.Note, "[Meta lead ")
		require.True(t, len(c.Phones) > 0 || len(c.Emails) > 0)
	}
	noPII(t, r.stderr.String(), lines)
}

func TestPushIsIdempotentPerPerson(t *testing.T) {
	clitest.ClearEnv(t, &now)
	r := start(t, nil, "-push", "-demo", "-demo-count", "2", "-lead-field", "meta_lead_id")
	r.stdout.waitLines(t, 2)
	ctx := context.Background()
	cards := len(r.s.CRM.Fake.Customers())

	// Handling a lead again (its de-duplication record lost, e.g. after a
	// restart) writes nothing new to the CRM.
	first := readLines(t, r.stdout.String())
	for _, l := range first {
		lead, err := r.s.Meta.Client.Lead(ctx, l.ID)
		require.NoError(t, err)
		require.NoError(t, r.s.Process(ctx, lead))
	}
	require.Equal(t, cards, len(r.s.CRM.Fake.Customers()))
	for _, l := range first {
		require.Equal(t, 1, notesNaming(r.s, l.ID))
	}
	require.Equal(t, 2, strings.Count(r.stderr.String(), "already names this lead"))

	// A second lead of the person the first lead made new goes to the same card.
	var newPerson line
	for _, l := range first {
		if l.Customer == nil {
			newPerson = l
		}
	}
	require.NotEmpty(t, newPerson.ID, "the first demo lead is a new person")
	fake := r.s.Meta.Fake
	again, err := fake.SubmitLead(newPerson.FormID, metaleads.Lead{Fields: []metaleads.Field{
		{Name: "full_name", Values: []string{newPerson.Contact.FullName}},
		{Name: "email", Values: []string{strings.ToUpper(newPerson.Contact.Email)}},
	}})
	require.NoError(t, err)
	r.stdout.waitLines(t, 5)
	require.NoError(t, r.stop(t))
	require.Equal(t, cards, len(r.s.CRM.Fake.Customers()), "no new card for a known person")
	lines := readLines(t, r.stdout.String())
	last := lines[len(lines)-1]
	require.Equal(t, again, last.ID)
	require.NotNil(t, last.Customer)
	require.Equal(t, "email", last.Customer.MatchedBy)
	card, ok := r.s.CRM.Fake.Customer(last.Customer.ID)
	require.True(t, ok)
	require.Contains(t, card.Note, noteTag(newPerson.ID))
	require.Contains(t, card.Note, noteTag(again))
	require.Equal(t, newPerson.ID, card.Custom["meta_lead_id"], "the custom field keeps the first lead")
}

func TestSignaturesAndHandshake(t *testing.T) {
	clitest.ClearEnv(t, &now)
	r := start(t, nil, "-path", "/hooks/meta")
	require.True(t, strings.HasSuffix(r.s.URL, "/hooks/meta"))
	fake := r.s.Meta.Fake
	ctx := context.Background()
	var lead metaleads.Lead
	for l, err := range r.s.Meta.Client.Leads(ctx, firstForm(t, r.s), metaleads.LeadsOptions{PageSize: 1}) {
		require.NoError(t, err)
		lead = l
		break
	}

	get := func(token string) (int, string) {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1158201444"}, "hub.verify_token": {token}}
		client := &http.Client{}
		defer client.CloseIdleConnections()
		resp, err := client.Get(r.s.URL + "?" + q.Encode())
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(r.s.VerifyToken)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "1158201444", body)
	code, _ = get("not-the-verify-token")
	require.Equal(t, http.StatusForbidden, code)

	deliveryBody, _ := fake.Delivery(lead)
	forged, err := http.NewRequest(http.MethodPost, r.s.URL, bytes.NewReader(deliveryBody))
	require.NoError(t, err)
	forged.Header.Set(webhook.HeaderSignature256, webhook.Sign(deliveryBody, "not-the-app-secret"))
	require.Equal(t, http.StatusForbidden, post(t, forged))
	unsigned, err := http.NewRequest(http.MethodPost, r.s.URL, bytes.NewReader(deliveryBody))
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, post(t, unsigned))
	elsewhere, err := fake.NewDeliveryRequest(strings.TrimSuffix(r.s.URL, "/hooks/meta")+"/other", lead)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, post(t, elsewhere))

	good, err := fake.NewDeliveryRequest(r.s.URL, lead)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, good))
	require.NoError(t, r.stop(t))
	lines := readLines(t, r.stdout.String())
	require.Equal(t, []string{lead.ID}, ids(lines), "only the signed delivery was processed")
}

func firstForm(t *testing.T, s *session) string {
	t.Helper()
	for f, err := range s.Meta.Client.Forms(context.Background(), s.Meta.PageID, metaleads.FormsOptions{}) {
		require.NoError(t, err)
		return f.ID
	}
	t.Fatal("no form")
	return ""
}

func TestShutdownDrainsAcknowledgedLeads(t *testing.T) {
	clitest.ClearEnv(t, &now)
	r := start(t, nil)
	ctx := context.Background()
	var leads []metaleads.Lead
	for l, err := range r.s.Meta.Client.Leads(ctx, firstForm(t, r.s), metaleads.LeadsOptions{PageSize: 3}) {
		require.NoError(t, err)
		leads = append(leads, l)
		if len(leads) == 3 {
			break
		}
	}
	for _, l := range leads {
		req, err := r.s.Meta.Fake.NewDeliveryRequest(r.s.URL, l)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, post(t, req))
	}
	// Interrupted right after the acknowledgements: the queue is drained.
	require.NoError(t, r.stop(t))
	lines := readLines(t, r.stdout.String())
	got := ids(lines)
	slices.Sort(got)
	want := []string{leads[0].ID, leads[1].ID, leads[2].ID}
	slices.Sort(want)
	require.Equal(t, want, got)
	require.Contains(t, r.stderr.String(), "shutting down")
}

func TestReconcileRecoversUndeliveredLeads(t *testing.T) {
	clitest.ClearEnv(t, &now)
	wm := filepath.Join(t.TempDir(), "webhook.watermark")
	var lost string
	r := start(t, func(s *session) {
		// A lead Graph has but no webhook brings (Meta gave up, or the
		// process crashed with it queued).
		lost = s.Meta.Fake.AddLead(firstForm(t, s), metaleads.Lead{Fields: []metaleads.Field{
			{Name: "full_name", Values: []string{"Taras Prykladenko"}},
			{Name: "email", Values: []string{"taras.prykladenko@example.com"}},
		}})
	}, "-reconcile", "50ms", "-watermark", wm)
	r.stdout.waitLines(t, 1)
	require.NoError(t, r.stop(t))
	lines := readLines(t, r.stdout.String())
	require.Equal(t, []string{lost}, ids(lines), "recovered once, however many passes ran")
	require.Contains(t, r.stderr.String(), "lead "+lost+" (reconcile")
	b, err := os.ReadFile(wm)
	require.NoError(t, err)
	_, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	require.NoError(t, err, "the watermark file holds a time")
}

func TestFlagAndEnvironmentErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "demo needs the sandbox", env: map[string]string{cli.EnvPageToken: "test-page-token-XYZ", cli.EnvPageID: "102030405060708",
			cli.EnvAppSecret: "test-app-secret-XYZ", cli.EnvVerifyToken: "test-verify-token-XYZ"}, args: []string{"-demo"}, want: "-demo needs the sandbox"},
		{name: "secrets outside the sandbox", env: map[string]string{cli.EnvPageToken: "test-page-token-XYZ", cli.EnvPageID: "102030405060708"},
			want: "META_APP_SECRET and META_VERIFY_TOKEN must be set"},
		{name: "verify token outside the sandbox", env: map[string]string{cli.EnvPageToken: "test-page-token-XYZ", cli.EnvPageID: "102030405060708",
			cli.EnvAppSecret: "test-app-secret-XYZ"}, want: "META_VERIFY_TOKEN must be set"},
		{name: "reconcile without watermark", args: []string{"-reconcile", "5m"}, want: "-watermark"},
		{name: "demo count", args: []string{"-demo-count", "0"}, want: "-demo-count"},
		{name: "relative path", args: []string{"-path", "hooks"}, want: "-path"},
		{name: "lead field without push", args: []string{"-lead-field", "meta_lead_id"}, want: "-push"},
		{name: "shutdown timeout", args: []string{"-shutdown-timeout", "0s"}, want: "-shutdown-timeout"},
		{name: "positional", args: []string{"extra"}, want: "unexpected argument"},
		{name: "bad address", args: []string{"-addr", "not-an-address"}, want: "-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clitest.ClearEnv(t, &now)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			require.ErrorContains(t, err, tc.want)
			require.Empty(t, stdout.String())
			require.NotContains(t, err.Error(), "test-page-token-XYZ")
		})
	}
	var stderr bytes.Buffer
	require.True(t, errors.Is(run(context.Background(), []string{"-h"}, io.Discard, &stderr), flag.ErrHelp))
	require.Contains(t, stderr.String(), "-demo-count")
}

// TestMixedSidesWarn: when only one side runs on its sandbox, stderr says
// so once (cli.WarnMixed), and -push adds that cards go to the fake CRM only
// when the CRM is the sandboxed side.
func TestMixedSidesWarn(t *testing.T) {
	t.Run("real CRM, sandbox Meta", func(t *testing.T) {
		clitest.ClearEnv(t, &now)
		crm := alfacrmtest.NewServer()
		t.Cleanup(crm.Close)
		t.Setenv(cli.EnvCRMBaseURL, crm.URL)
		t.Setenv(cli.EnvCRMEmail, crm.Email)
		t.Setenv(cli.EnvCRMAPIKey, crm.APIKey)
		t.Setenv(cli.EnvCRMBranchID, strconv.Itoa(crm.BranchID))
		r := start(t, nil, "-push")
		require.NoError(t, r.stop(t))
		stderr := r.stderr.String()
		require.Equal(t, 1, strings.Count(stderr, "webhook: only the Meta side is the sandbox"), stderr)
		require.NotContains(t, stderr, "only the AlfaCRM side")
		require.NotContains(t, stderr, "-push writes to the built-in fake AlfaCRM", "the CRM is real")
	})
	t.Run("real Meta, sandbox CRM", func(t *testing.T) {
		clitest.ClearEnv(t, &now)
		graph := metaleadstest.NewServer()
		t.Cleanup(graph.Close)
		t.Setenv(cli.EnvGraphURL, graph.URL)
		t.Setenv(cli.EnvPageToken, graph.PageToken)
		t.Setenv(cli.EnvPageID, graph.PageID)
		t.Setenv(cli.EnvAppSecret, graph.AppSecret)
		t.Setenv(cli.EnvVerifyToken, "test-verify-token-XYZ")
		r := start(t, nil, "-push")
		require.NoError(t, r.stop(t))
		stderr := r.stderr.String()
		require.Equal(t, 1, strings.Count(stderr, "webhook: only the AlfaCRM side is the sandbox"), stderr)
		require.Contains(t, stderr, "webhook: -push writes to the built-in fake AlfaCRM, not to your CRM")
	})
	t.Run("both sandboxed", func(t *testing.T) {
		clitest.ClearEnv(t, &now)
		r := start(t, nil, "-push")
		require.NoError(t, r.stop(t))
		require.NotContains(t, r.stderr.String(), "side is the sandbox")
	})
}
