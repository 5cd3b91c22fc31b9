package metaleadstest_test

// Integration tests: the metaleads client against the fake.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func client(t *testing.T, srv *metaleadstest.Server, opts ...metaleads.Option) *metaleads.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	require.NoError(t, err)
	return c
}

func countLeads(t *testing.T, c *metaleads.Client, formID string, opts metaleads.LeadsOptions) []metaleads.Lead {
	t.Helper()
	var out []metaleads.Lead
	for l, err := range c.Leads(context.Background(), formID, opts) {
		require.NoError(t, err)
		out = append(out, l)
	}
	return out
}

func TestClientReadsEveryDemoLead(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	c := client(t, srv)
	ctx := context.Background()

	total, wantRequests := 0, 1 // the forms listing fits one page
	seen := map[string]bool{}
	for f, err := range c.Forms(ctx, srv.PageID, metaleads.FormsOptions{}) {
		require.NoError(t, err)
		dsForm, ok := ds.Form(f.ID)
		require.True(t, ok)
		require.Equal(t, dsForm.LeadsCount, f.LeadsCount)
		leads := countLeads(t, c, f.ID, metaleads.LeadsOptions{})
		require.Len(t, leads, f.LeadsCount)
		for i, l := range leads {
			require.False(t, seen[l.ID])
			seen[l.ID] = true
			require.Equal(t, f.ID, l.FormID)
			if i > 0 {
				require.False(t, l.CreatedTime.After(leads[i-1].CreatedTime), "newest first")
			}
			want, _ := ds.Lead(l.ID)
			require.Equal(t, want.CreatedTime.Unix(), l.CreatedTime.Unix())
			require.Equal(t, want.AdID, l.AdID)
			require.Equal(t, want.CampaignName, l.CampaignName)
			require.Len(t, l.Fields, len(want.Fields))
		}
		total += len(leads)
		wantRequests += (f.LeadsCount + metaleads.DefaultLeadsPageSize - 1) / metaleads.DefaultLeadsPageSize
	}
	require.Equal(t, len(ds.Leads), total)
	require.GreaterOrEqual(t, len(ds.Forms), 3)
	require.Equal(t, wantRequests, srv.RequestCount(), "requests = forms page + Σ⌈N/page⌉")
	for _, r := range srv.Requests() {
		require.Equal(t, "header", r.Token(), "the client keeps the token out of URLs")
	}
}

func TestClientSinceUntil(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	c := client(t, srv)
	form := ds.Forms[0].ID
	since, until := ref.AddDate(0, 0, -10), ref.AddDate(0, 0, -3)
	want := 0
	for _, l := range ds.LeadsOfForm(form) {
		if !l.CreatedTime.Before(since) && l.CreatedTime.Before(until) {
			want++
		}
	}
	require.NotZero(t, want)
	got := countLeads(t, c, form, metaleads.LeadsOptions{Since: since, Until: until, PageSize: 7})
	require.Len(t, got, want)
	for _, l := range got {
		require.False(t, l.CreatedTime.Before(since))
		require.True(t, l.CreatedTime.Before(until))
	}
}

func TestClientRetriesFaults(t *testing.T) {
	for _, f := range []metaleadstest.Fault{
		metaleadstest.TransientFault(),
		metaleadstest.ThrottleFault(80005),
		{Status: 503},
		{HTML: true},
		{Truncate: true},
		{Truncate: true, OverstateLength: true},
		{Reset: true},
	} {
		t.Run(f.String(), func(t *testing.T) {
			srv := newEmpty(t)
			formID, want := seedForm(srv, 12, ref)
			c := client(t, srv)
			srv.FailMatching("/leads", 2, f)
			got := countLeads(t, c, formID, metaleads.LeadsOptions{PageSize: 5})
			require.Len(t, got, len(want))
			require.Equal(t, want[0], got[0].ID)
			st := srv.Stats()
			require.Equal(t, 2, st.Faults)
			require.Equal(t, 3, st.LeadPages)
			require.Equal(t, 3+2, st.Requests, "requests = ⌈N/page⌉ + retries")
		})
	}
}

func TestClientHalvesPageOnReduceData(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithReduceDataAbove(30))
	formID, want := seedForm(srv, 70, ref)
	c := client(t, srv)
	got := countLeads(t, c, formID, metaleads.LeadsOptions{PageSize: 100})
	require.Len(t, got, len(want))
	var limits []string
	for _, r := range srv.Requests() {
		limits = append(limits, r.Query.Get("limit"))
	}
	require.Equal(t, []string{"100", "50", "25", "25", "25"}, limits)
}

func TestClientEmptyPages(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithEmptyPages(3))
	formID, want := seedForm(srv, 50, ref)
	c := client(t, srv)
	got := countLeads(t, c, formID, metaleads.LeadsOptions{PageSize: 10})
	require.Len(t, got, len(want), "the client does not stop at an empty page")
	st := srv.Stats()
	require.Positive(t, st.EmptyLeadPages)
	require.Equal(t, 5+st.EmptyLeadPages, st.Requests, "requests = ⌈N/page⌉ + empty pages")
}

func TestClientErrors(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 1, ref)
	c := client(t, srv)
	ctx := context.Background()

	_, err := c.LeadsPage(ctx, "1234567", metaleads.LeadsOptions{})
	require.ErrorIs(t, err, metaleads.ErrNotFound)
	var ge *metaleads.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, 100, ge.Code)
	require.Equal(t, 33, ge.Subcode)
	require.NotEmpty(t, ge.TraceID)

	srv.FailNext(1, metaleadstest.ExpiredTokenFault())
	_, err = c.LeadsPage(ctx, formID, metaleads.LeadsOptions{})
	require.ErrorIs(t, err, metaleads.ErrUnauthorized)

	bad, err := srv.ClientWithToken("test-page-token-WRONG")
	require.NoError(t, err)
	_, err = bad.LeadsPage(ctx, formID, metaleads.LeadsOptions{})
	require.ErrorIs(t, err, metaleads.ErrUnauthorized)
	require.NotContains(t, err.Error(), "test-page-token-WRONG")

	noPerm := newEmpty(t, metaleadstest.WithScopes("pages_show_list"))
	formID, _ = seedForm(noPerm, 1, ref)
	_, err = client(t, noPerm).LeadsPage(ctx, formID, metaleads.LeadsOptions{})
	require.ErrorIs(t, err, metaleads.ErrPermission)

	srv.FailNext(4, metaleadstest.ThrottleFault(80005))
	_, err = c.LeadsPage(ctx, formID, metaleads.LeadsOptions{})
	require.ErrorIs(t, err, metaleads.ErrRateLimited, "retries run out")
	require.NotContains(t, fmt.Sprintf("%+v", err), srv.PageToken)
}

func TestClientTokens(t *testing.T) {
	srv := newDemo(t, metaleadstest.WithAppSecret("test-app-secret-XYZ"))
	uc, err := srv.UserClient()
	require.NoError(t, err)
	ctx := context.Background()

	var accounts []metaleads.Account
	for a, err := range uc.Accounts(ctx) {
		require.NoError(t, err)
		accounts = append(accounts, a)
	}
	require.Len(t, accounts, 1)
	require.Equal(t, srv.PageID, accounts[0].ID)
	require.Equal(t, srv.PageToken, accounts[0].AccessToken)

	pt, err := uc.PageToken(ctx, srv.PageID)
	require.NoError(t, err)
	require.Equal(t, srv.PageToken, pt)

	tok, err := uc.ExchangeLongLived(ctx, srv.AppID, srv.AppSecret, srv.UserToken)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(tok.AccessToken, "fake-long-lived-user-token-"))
	require.Equal(t, 5183944*time.Second, tok.ExpiresIn)
	_, err = uc.ExchangeLongLived(ctx, srv.AppID, "test-app-secret-WRONG", srv.UserToken)
	require.Error(t, err)

	info, err := uc.DebugToken(ctx, srv.PageToken)
	require.NoError(t, err)
	require.Equal(t, "PAGE", info.Type)
	require.True(t, info.IsValid)
	require.True(t, info.NeverExpires)
	require.Equal(t, srv.PageID, info.ProfileID)

	missing, err := client(t, srv).CheckPermissions(ctx)
	require.NoError(t, err)
	require.Empty(t, missing, "the fake's tokens carry every seed permission")
	require.Empty(t, info.Missing(metaleads.LeadPermissions...))
}

func TestClientAppSecretProof(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithAppSecret("test-app-secret-XYZ"), metaleadstest.RequireProof(true))
	formID, want := seedForm(srv, 3, ref)
	require.Len(t, countLeads(t, client(t, srv), formID, metaleads.LeadsOptions{}), len(want))
	require.Len(t, countLeads(t, client(t, srv, metaleads.WithTimedProof(true)), formID, metaleads.LeadsOptions{}), len(want))
	for _, r := range srv.Requests() {
		require.Equal(t, "[REDACTED]", r.Query.Get("appsecret_proof"))
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	require.Empty(t, reqs[0].Query.Get("appsecret_time"), "classic proof")
	require.NotEmpty(t, reqs[1].Query.Get("appsecret_time"), "timed proof")

	wrong, err := srv.Client(metaleads.WithAppSecret("test-app-secret-WRONG"))
	require.NoError(t, err)
	_, err = wrong.LeadsPage(context.Background(), formID, metaleads.LeadsOptions{})
	var ge *metaleads.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, 100, ge.Code)
	require.Contains(t, ge.Message, "Invalid appsecret_proof")

	// A batch carries its top-level token and proof in the body, classic
	// and timed, and the fake accepts both.
	for _, timed := range []bool{false, true} {
		srv.ResetRequests()
		res, err := client(t, srv, metaleads.WithTimedProof(timed)).LeadsByID(context.Background(), want)
		require.NoError(t, err)
		for _, r := range res {
			require.NoError(t, r.Err)
		}
		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		require.Equal(t, "form", reqs[0].Token())
		require.Empty(t, reqs[0].Header.Get("Authorization"))
		require.Empty(t, reqs[0].Query)
		require.Equal(t, "[REDACTED]", reqs[0].Form.Get("access_token"))
		require.Equal(t, "[REDACTED]", reqs[0].Form.Get("appsecret_proof"))
		require.Equal(t, timed, reqs[0].Form.Has("appsecret_time"))
	}
}

func TestClientLeadsByIDBatch(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	c := client(t, srv)
	var ids []string
	for _, l := range ds.Leads[:120] {
		ids = append(ids, l.ID)
	}
	ids = append(ids, "1234567")
	srv.FailMatching("/"+ids[3], 1, metaleadstest.Fault{Reset: true}) // a null item, sent again
	got, err := c.LeadsByID(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, got, len(ids))
	for i, b := range got[:120] {
		require.NoError(t, b.Err, i)
		require.Equal(t, ids[i], b.Lead.ID)
	}
	require.ErrorIs(t, got[120].Err, metaleads.ErrNotFound)
	require.Equal(t, 121+1, srv.Stats().BatchItems, "121 items + one re-sent null item")
	require.Equal(t, 4, srv.RequestCount(), "⌈121/50⌉ batches + one for the null item")
}

func TestClientInsightsCountsLeadsOnce(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	uc, err := srv.UserClient()
	require.NoError(t, err)
	since, until := ref.AddDate(0, 0, -14), ref.AddDate(0, 0, -1)
	var wantSpend decimal.Decimal
	var wantLeads int64
	for _, r := range ds.Spend {
		if !r.Date.Before(since) && !r.Date.After(until) {
			wantSpend = wantSpend.Add(r.Spend)
			wantLeads += int64(r.Leads)
		}
	}
	var spend decimal.Decimal
	var leads int64
	rows := 0
	opts := metaleads.InsightsOptions{Level: metaleads.LevelAd, Since: since.Format(time.DateOnly), Until: until.Format(time.DateOnly), TimeIncrement: 1, PageSize: 50}
	for r, err := range uc.Insights(context.Background(), srv.AdAccountID, opts) {
		require.NoError(t, err)
		spend = spend.Add(r.Spend)
		leads += r.Leads
		rows++
		require.NotEmpty(t, r.AdID)
		require.Equal(t, ds.AdAccount.Currency, r.AccountCurrency)
	}
	require.Greater(t, rows, 50)
	require.True(t, wantSpend.Equal(spend), "%s vs %s", wantSpend, spend)
	require.Equal(t, wantLeads, leads, "lead and onsite_conversion.lead_grouped are not added up")

	acct, err := uc.AdAccount(context.Background(), srv.AdAccountID)
	require.NoError(t, err)
	require.Equal(t, ds.AdAccount.Currency, acct.Currency)
	require.Equal(t, ds.AdAccount.TimeZone, acct.TimeZone)
}

// A forced async report run, polled on the fake client's millisecond
// schedule, returns the rows of the synchronous read.
func TestClientInsightsAsync(t *testing.T) {
	srv := newDemo(t, metaleadstest.WithAsyncPolls(3))
	uc, err := srv.UserClient()
	require.NoError(t, err)
	opts := metaleads.InsightsOptions{Level: metaleads.LevelCampaign, DatePreset: "last_7d", TimeIncrement: 1}
	collect := func(opts metaleads.InsightsOptions) []metaleads.InsightRow {
		var rows []metaleads.InsightRow
		for r, err := range uc.Insights(context.Background(), srv.AdAccountID, opts) {
			require.NoError(t, err)
			rows = append(rows, r)
		}
		return rows
	}
	want := collect(opts)
	require.NotEmpty(t, want)
	srv.ResetRequests()
	opts.Async = true
	require.Equal(t, want, collect(opts))
	var posted, polls int
	for _, r := range srv.Requests() {
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/insights"):
			posted++
		case r.Method == "GET" && !strings.HasSuffix(r.Path, "/insights"):
			polls++
		}
	}
	require.Equal(t, 1, posted, "one async report run was started")
	require.Equal(t, 4, polls, "three 'Job Running' answers, then 'Job Completed'")
}

func TestClientSynthetic100k(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000
	}
	srv := newEmpty(t, metaleadstest.WithSyntheticForm("", n))
	c := client(t, srv)
	count := 0
	var last string
	for l, err := range c.Leads(context.Background(), srv.SyntheticFormIDs()[0], metaleads.LeadsOptions{PageSize: 500}) {
		require.NoError(t, err)
		count++
		last = l.ID
	}
	require.Equal(t, n, count)
	require.Equal(t, (n+499)/500, srv.RequestCount())
	l, err := c.Lead(context.Background(), last)
	require.NoError(t, err)
	require.Equal(t, last, l.ID)
}

func TestClientSubscriptions(t *testing.T) {
	srv := newEmpty(t)
	c := client(t, srv)
	ctx := context.Background()
	require.NoError(t, c.SubscribePage(ctx, srv.PageID, "leadgen"))
	subs, err := c.PageSubscriptions(ctx, srv.PageID)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.NoError(t, c.UnsubscribePage(ctx, srv.PageID))
	subs, err = c.PageSubscriptions(ctx, srv.PageID)
	require.NoError(t, err)
	require.Empty(t, subs)
}

// TestClientNeverSendsTokenInURL double-checks, through the fake's log, that
// paging with the client never follows Graph's next URL (which embeds the
// token).
func TestClientNeverSendsTokenInURL(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 30, ref)
	countLeads(t, client(t, srv), formID, metaleads.LeadsOptions{PageSize: 10})
	for _, r := range srv.Requests() {
		require.False(t, r.Query.Has("access_token"), r.Path)
		after := r.Query.Get("after")
		if after != "" {
			_, err := url.QueryUnescape(after)
			require.NoError(t, err)
		}
	}
	require.Equal(t, strconv.Itoa(10), srv.Requests()[0].Query.Get("limit"))
	require.False(t, errors.Is(nil, metaleads.ErrNotFound))
}
