package metaleads_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Spend and leads per campaign over one week, summed exactly, for ROI.
func ExampleClient_Insights() {
	ref := time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)
	srv := metaleadstest.NewServer(metaleadstest.WithDemoData(ref))
	defer srv.Close()
	c, err := srv.UserClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	acct, err := c.AdAccount(ctx, srv.AdAccountID)
	if err != nil {
		log.Fatal(err)
	}
	opts := metaleads.InsightsOptions{
		Level: metaleads.LevelCampaign,
		Since: "2026-04-01", Until: "2026-04-07", // in acct.TimeZone
	}
	total := decimal.Zero
	var leads int64
	for row, err := range c.Insights(ctx, acct.ID, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-32s %9s %s %4d leads\n", row.CampaignName, row.Spend.StringFixed(2), row.AccountCurrency, row.Leads)
		total = total.Add(row.Spend)
		leads += row.Leads
	}
	fmt.Printf("total %s %s, %d leads, %s per lead\n", total.StringFixed(2), acct.Currency, leads,
		total.DivRound(decimal.NewFromInt(leads), 2).StringFixed(2))
	// Output:
	// Autumn English Intake             19238.74 UAH  120 leads
	// IELTS Prep                        16737.58 UAH   78 leads
	// Kids English                       8199.93 UAH  102 leads
	// Polish A1 Online                  19081.50 UAH   70 leads
	// total 63257.75 UAH, 370 leads, 170.97 per lead
}

// Subscribing a Page to the app's leadgen webhooks takes a Page token; with
// a User token Graph answers code 210, and the error says what to do.
func ExampleClient_SubscribePage() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	page, err := srv.Client() // uses the Page token
	if err != nil {
		log.Fatal(err)
	}
	if err := page.SubscribePage(ctx, srv.PageID); err != nil {
		log.Fatal(err)
	}
	subs, err := page.PageSubscriptions(ctx, srv.PageID)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range subs {
		fmt.Println(s.AppID == srv.AppID, s.SubscribedFields)
	}

	user, err := srv.UserClient()
	if err != nil {
		log.Fatal(err)
	}
	var e *metaleads.Error
	if err := user.SubscribePage(ctx, srv.PageID); errors.As(err, &e) {
		fmt.Println(e.Code, e.Hint)
	}
	// Output:
	// true [leadgen]
	// 210 this call needs a Page access token: get one with Client.PageToken and use Client.WithToken
}

// A Reconciler recovers leads whose webhook was lost: each run reads the
// leads created since the stored watermark (minus an overlap) and hands the
// ones not seen yet to the handler.
func ExampleReconciler_Run() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	formID := seed(srv, 2) // leads at 09:00 and 10:00
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "reconcile")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	now := time.Date(2026, 4, 3, 18, 0, 0, 0, time.UTC)
	addLead := func(at time.Time, email string) {
		srv.AddLead(formID, metaleads.Lead{CreatedTime: at, Fields: []metaleads.Field{{Name: "email", Values: []string{email}}}})
	}
	addLead(now.Add(-5*time.Minute), "late@example.com") // inside the next run's overlap
	r := &metaleads.Reconciler{
		Client:    c,
		PageID:    srv.PageID,
		Watermark: metaleads.FileWatermark{Path: filepath.Join(dir, "watermark")},
		Seen:      webhook.NewMemoryStore(nil), // share it with the webhook handler
		Now:       func() time.Time { return now },
	}
	handle := func(_ context.Context, l metaleads.Lead) error {
		email, _ := l.Value("email")
		fmt.Println("  new lead:", email)
		return nil
	}
	ctx := context.Background()
	for run := 1; run <= 2; run++ {
		res, err := r.Run(ctx, handle)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: scanned %d, new %d, duplicates %d, watermark %s\n",
			run, res.Scanned, res.New, res.Duplicates, res.To.Format(time.TimeOnly))
		// Later a lead arrives whose webhook is lost.
		addLead(now.Add(10*time.Minute), "missed@example.com")
		now = now.Add(time.Hour)
	}
	// Output:
	//   new lead: late@example.com
	//   new lead: lead2@example.com
	//   new lead: lead1@example.com
	// run 1: scanned 3, new 3, duplicates 0, watermark 18:00:00
	//   new lead: missed@example.com
	// run 2: scanned 2, new 1, duplicates 1, watermark 19:00:00
}

// The tests below run the insights, subscription and reconciliation code
// against the metaleadstest fake (package metaleads cannot import it in its
// internal tests: the fake imports metaleads).

// One store serves the webhook handler and the Reconciler.
var _ metaleads.SeenStore = (*webhook.MemoryStore)(nil)

// handlerRT serves requests in memory with the fake's handler, so that a
// test can run inside a synctest bubble (no real network I/O).
type handlerRT struct{ h http.Handler }

func (rt handlerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	rt.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func collectRows(t *testing.T, seq iter.Seq2[metaleads.InsightRow, error]) []metaleads.InsightRow {
	t.Helper()
	var rows []metaleads.InsightRow
	for r, err := range seq {
		require.NoError(t, err)
		rows = append(rows, r)
	}
	return rows
}

// Forced async runs and the fallback on the data-per-call limit return the
// same rows as the synchronous read, across several pages.
func TestFakeInsightsAsyncMatchesSync(t *testing.T) {
	ref := time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)
	srv := metaleadstest.NewServer(metaleadstest.WithDemoData(ref), metaleadstest.WithAsyncPolls(3))
	defer srv.Close()
	synctest.Test(t, func(t *testing.T) {
		c, err := srv.UserClient(metaleads.WithHTTPClient(&http.Client{Transport: handlerRT{srv}}),
			metaleads.WithReportPolling(time.Second, 2*time.Second))
		require.NoError(t, err)
		opts := metaleads.InsightsOptions{Level: metaleads.LevelAd, Since: "2026-04-01", Until: "2026-04-07", TimeIncrement: 1, PageSize: 7}
		syncRows := collectRows(t, c.Insights(t.Context(), srv.AdAccountID, opts))
		require.Greater(t, len(syncRows), 14, "several pages")
		var syncSpend decimal.Decimal
		for _, r := range syncRows {
			assert.NotEmpty(t, r.AdID)
			assert.Equal(t, r.DateStart, r.DateStop, "daily rows")
			syncSpend = syncSpend.Add(r.Spend)
		}

		srv.ResetRequests()
		start := time.Now()
		forced := opts
		forced.Async = true
		assert.Equal(t, syncRows, collectRows(t, c.Insights(t.Context(), srv.AdAccountID, forced)))
		assert.Equal(t, 6500*time.Millisecond, time.Since(start), "three 'Job Running' answers were waited out: 1 s, 1.5 s, 2 s, 2 s")
		reqs := srv.Requests()
		require.NotEmpty(t, reqs)
		assert.Equal(t, "POST", reqs[0].Method)
		assert.Equal(t, "header", reqs[0].Token())

		srv.ResetRequests()
		srv.FailMatching("/insights", 1, metaleadstest.Fault{GraphCode: 100, Subcode: 1487534,
			Message: "(#100) The data you're asking for exceeds the limit for a single call"})
		fallback := collectRows(t, c.Insights(t.Context(), srv.AdAccountID, opts))
		assert.Equal(t, syncRows, fallback)
		var methods []string
		for _, r := range srv.Requests()[:3] {
			methods = append(methods, r.Method)
		}
		assert.Equal(t, []string{"GET", "POST", "GET"}, methods, "sync read, report start, status read")

		// Daily rows add up to the one all-days row, exactly.
		opts.TimeIncrement, opts.Level = 0, metaleads.LevelAccount
		total := collectRows(t, c.Insights(t.Context(), srv.AdAccountID, opts))
		require.Len(t, total, 1)
		assert.True(t, total[0].Spend.Equal(syncSpend), "%s != %s", total[0].Spend, syncSpend)
	})
}

func TestFakeSubscriptions(t *testing.T) {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := t.Context()

	subs, err := c.PageSubscriptions(ctx, srv.PageID)
	require.NoError(t, err)
	assert.Empty(t, subs)

	require.NoError(t, c.SubscribePage(ctx, srv.PageID))
	require.NoError(t, c.SubscribePage(ctx, srv.PageID, "leadgen", "leadgen_update"))
	subs, err = c.PageSubscriptions(ctx, srv.PageID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, srv.AppID, subs[0].AppID)
	assert.Equal(t, []string{"leadgen", "leadgen_update"}, subs[0].SubscribedFields)

	require.NoError(t, c.UnsubscribePage(ctx, srv.PageID))
	subs, err = c.PageSubscriptions(ctx, srv.PageID)
	require.NoError(t, err)
	assert.Empty(t, subs)

	uc, err := srv.UserClient()
	require.NoError(t, err)
	err = uc.SubscribePage(ctx, srv.PageID)
	var ge *metaleads.Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 210, ge.Code)
	assert.Contains(t, ge.Hint, "Page access token")
}

// A missed webhook is recovered by the next reconciliation; everything
// else is de-duplicated, and the watermark lives in a file.
func TestFakeReconcile(t *testing.T) {
	ref := time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)
	srv := metaleadstest.NewServer(metaleadstest.WithDemoConfig(demo.Config{Ref: ref, Leads: 600}))
	defer srv.Close()
	c, err := srv.Client()
	require.NoError(t, err)
	ctx := t.Context()

	var forms []metaleads.Form
	all := 0
	for f, err := range c.Forms(ctx, srv.PageID, metaleads.FormsOptions{}) {
		require.NoError(t, err)
		forms = append(forms, f)
		for _, err := range c.Leads(ctx, f.ID, metaleads.LeadsOptions{}) {
			require.NoError(t, err)
			all++
		}
	}
	require.NotEmpty(t, forms)
	require.Greater(t, all, 100)

	now := ref.Add(time.Hour)
	wm := metaleads.FileWatermark{Path: filepath.Join(t.TempDir(), "watermark")}
	r := &metaleads.Reconciler{
		Client: c, PageID: srv.PageID, Watermark: wm,
		Seen: webhook.NewMemoryStore(func() time.Time { return now }),
		Now:  func() time.Time { return now },
	}
	seen := map[string]int{}
	handle := func(_ context.Context, l metaleads.Lead) error {
		seen[l.ID]++
		return nil
	}
	res, err := r.Run(ctx, handle)
	require.NoError(t, err)
	assert.Equal(t, len(forms), res.Forms)
	assert.Equal(t, all, res.Scanned)
	assert.Equal(t, all, res.New)
	assert.Len(t, seen, all)
	got, err := wm.Load(ctx)
	require.NoError(t, err)
	assert.True(t, got.Equal(now))

	// A lead arrives whose webhook is lost, plus one inside the overlap that
	// the first run already saw.
	missed := srv.AddLead(forms[0].ID, metaleads.Lead{CreatedTime: now.Add(5 * time.Minute),
		Fields: []metaleads.Field{{Name: "email", Values: []string{"missed.lead@example.com"}}}})
	now = now.Add(30 * time.Minute)
	res, err = r.Run(ctx, handle)
	require.NoError(t, err)
	assert.Equal(t, 1, res.New)
	assert.Equal(t, 1, seen[missed])
	assert.Equal(t, res.Scanned-1, res.Duplicates)
	for id, n := range seen {
		require.Equal(t, 1, n, "lead %s handled more than once", id)
	}
}
