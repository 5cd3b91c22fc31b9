package metaleadstest_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// allRows pages through an insights answer following next links.
func allRows(t *testing.T, srv *metaleadstest.Server, token, target string) []map[string]any {
	t.Helper()
	r := get(t, srv, token, target)
	var out []map[string]any
	for {
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		out = append(out, r.data(t)...)
		if r.next() == "" {
			return out
		}
		r = get(t, srv, "", r.next())
	}
}

func action(t *testing.T, row map[string]any, typ string) string {
	t.Helper()
	acts, _ := row["actions"].([]any)
	for _, a := range acts {
		m := a.(map[string]any)
		if m["action_type"] == typ {
			return m["value"].(string)
		}
	}
	return ""
}

func TestInsightsTotalsMatchTheDataset(t *testing.T) {
	ds := demo.New(demo.Config{Ref: ref})
	srv := newEmpty(t, metaleadstest.WithDataset(ds))
	var spend decimal.Decimal
	var impressions, clicks, leads int
	for _, r := range ds.Spend {
		spend = spend.Add(r.Spend)
		impressions += r.Impressions
		clicks += r.Clicks
		leads += r.Leads
	}
	require.NotZero(t, leads)
	tr := url.QueryEscape(`{"since":"` + ds.Start().Format("2006-01-02") + `","until":"` + ref.AddDate(0, 0, -1).Format("2006-01-02") + `"}`)
	rows := allRows(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights?level=account&fields=spend,impressions,clicks,actions,account_currency,account_id&time_range="+tr)
	require.Len(t, rows, 1)
	row := rows[0]
	require.Equal(t, spend.String(), row["spend"], "numbers are strings")
	require.Equal(t, strconv.Itoa(impressions), row["impressions"])
	require.Equal(t, strconv.Itoa(clicks), row["clicks"])
	require.Equal(t, strconv.Itoa(leads), action(t, row, "lead"))
	require.Equal(t, strconv.Itoa(leads), action(t, row, "onsite_conversion.lead_grouped"), "same leads reported twice: never sum them")
	require.Equal(t, ds.AdAccount.Currency, row["account_currency"])
	require.Equal(t, ds.Start().Format("2006-01-02"), row["date_start"])
	require.Equal(t, ref.AddDate(0, 0, -1).Format("2006-01-02"), row["date_stop"])

	// Daily rows per campaign add up to the same totals, across pages.
	daily := allRows(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights?level=campaign&time_increment=1&limit=7&fields=campaign_id,campaign_name,spend,actions,ad_id&time_range="+tr)
	var sum decimal.Decimal
	var sumLeads int
	perDay := map[string]bool{}
	for _, r := range daily {
		require.Equal(t, r["date_start"], r["date_stop"])
		require.NotEmpty(t, r["campaign_id"])
		require.NotEmpty(t, r["campaign_name"])
		require.NotContains(t, r, "ad_id", "ad fields are empty above ad level")
		key := r["date_start"].(string) + r["campaign_id"].(string)
		require.False(t, perDay[key], "one row per day and campaign")
		perDay[key] = true
		d, err := decimal.NewFromString(r["spend"].(string))
		require.NoError(t, err)
		sum = sum.Add(d)
		n, _ := strconv.Atoi(action(t, r, "lead"))
		sumLeads += n
	}
	require.True(t, spend.Equal(sum), "%s vs %s", spend, sum)
	require.Equal(t, leads, sumLeads)

	// A campaign's own insights equal its share.
	camp := ds.Campaigns[0].ID
	var campSpend decimal.Decimal
	for _, r := range ds.Spend {
		if r.CampaignID == camp {
			campSpend = campSpend.Add(r.Spend)
		}
	}
	rows = allRows(t, srv, srv.UserToken, "/v25.0/"+camp+"/insights?fields=spend,campaign_id&time_range="+tr)
	require.Len(t, rows, 1)
	require.Equal(t, campSpend.String(), rows[0]["spend"])
	require.Equal(t, camp, rows[0]["campaign_id"])
	rows = allRows(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights?level=campaign&fields=spend&time_range="+tr+
		"&filtering="+url.QueryEscape(`[{"field":"campaign.id","operator":"IN","value":["`+camp+`"]}]`))
	require.Len(t, rows, 1)
	require.Equal(t, campSpend.String(), rows[0]["spend"])

	// Ad level carries the whole hierarchy.
	ad := ds.Ads[0]
	rows = allRows(t, srv, srv.UserToken, "/v25.0/"+ad.ID+"/insights?fields=ad_id,ad_name,adset_id,campaign_id,spend,cpm,ctr,cost_per_action_type&date_preset=maximum")
	require.Len(t, rows, 1)
	require.Equal(t, ad.ID, rows[0]["ad_id"])
	require.Equal(t, ad.AdSetID, rows[0]["adset_id"])
	require.Equal(t, ad.CampaignID, rows[0]["campaign_id"])
	require.NotEmpty(t, rows[0]["cpm"])
}

func TestInsightsPresetsAndErrors(t *testing.T) {
	srv := newDemo(t)
	base := "/v25.0/" + srv.AdAccountID + "/insights?fields=spend&level=account&date_preset="
	day := func(n int) string { return ref.AddDate(0, 0, n).Format("2006-01-02") }
	cases := map[string][2]string{
		"yesterday":           {day(-1), day(-1)},
		"last_7d":             {day(-7), day(-1)},
		"last_30d":            {day(-30), day(-1)},
		"last_90d":            {day(-90), day(-1)},
		"this_month":          {"2026-04-01", day(0)},
		"last_month":          {"2026-03-01", "2026-03-31"},
		"this_week_mon_today": {"2026-04-06", day(0)}, // 2026-04-10 is a Friday
	}
	for p, want := range cases {
		rows := get(t, srv, srv.UserToken, base+p).data(t)
		require.Len(t, rows, 1, p)
		require.Equal(t, want[0], rows[0]["date_start"], p)
		require.Equal(t, want[1], rows[0]["date_stop"], p)
	}
	// Default preset is last_30d.
	rows := get(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights").data(t)
	require.Equal(t, day(-30), rows[0]["date_start"])
	require.ElementsMatch(t, []string{"spend", "impressions", "date_start", "date_stop"}, keys(rows[0]))
	// today has no delivery yet: no rows, as Graph omits empty rows.
	require.Empty(t, get(t, srv, srv.UserToken, base+"today").data(t))
	// time_increment=1 gives one row per day.
	require.Len(t, get(t, srv, srv.UserToken, base+"last_7d&time_increment=1").data(t), 7)
	require.Len(t, get(t, srv, srv.UserToken, base+"last_90d&time_increment=monthly").data(t), 4)

	for _, bad := range []string{
		base + "last_8d",
		"/v25.0/" + srv.AdAccountID + "/insights?fields=spend,bogus",
		"/v25.0/" + srv.AdAccountID + "/insights?level=country",
		"/v25.0/" + srv.AdAccountID + "/insights?time_range=" + url.QueryEscape(`{"since":1775000000,"until":1775100000}`),
		"/v25.0/" + srv.AdAccountID + "/insights?time_range=" + url.QueryEscape(`{"since":"2026-04-09","until":"2026-04-01"}`),
		"/v25.0/" + srv.AdAccountID + "/insights?time_increment=91",
		"/v25.0/" + srv.AdAccountID + "/insights?breakdowns=age",
	} {
		require.Equal(t, 100, get(t, srv, srv.UserToken, bad).code(t), bad)
	}
	r := get(t, srv, srv.UserToken, base+"last_7d")
	require.NotEmpty(t, r.Header.Get("X-Fb-Ads-Insights-Throttle"))
	require.NotEmpty(t, r.Header.Get("X-Ad-Account-Usage"))
}

func TestInsightsSeededRows(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithClock(func() time.Time { return ref.Add(10 * time.Hour) }))
	camp := srv.AddCampaign(metaleadstest.Campaign{AccountID: srv.AdAccountID, Name: "Spring"})
	set := srv.AddAdSet(metaleadstest.AdSet{CampaignID: camp})
	a1 := srv.AddAd(metaleadstest.Ad{AdSetID: set})
	a2 := srv.AddAd(metaleadstest.Ad{AdSetID: set})
	day := ref.AddDate(0, 0, -1)
	srv.AddInsightsRow(metaleadstest.InsightsRow{AdID: a1, Date: day, Spend: decimal.RequireFromString("10.10"), Impressions: 1000, Clicks: 10, Leads: 2})
	srv.AddInsightsRow(metaleadstest.InsightsRow{AdID: a2, Date: day, Spend: decimal.RequireFromString("5.25"), Impressions: 500, Clicks: 5, Leads: 1})
	srv.AddInsightsRow(metaleadstest.InsightsRow{AdID: a2, Date: day.AddDate(0, 0, -1), Spend: decimal.RequireFromString("1"), Impressions: 100})
	require.Panics(t, func() { srv.AddInsightsRow(metaleadstest.InsightsRow{AdID: "404", Date: day}) })

	rows := get(t, srv, srv.UserToken, "/v25.0/"+camp+"/insights?date_preset=yesterday&fields=spend,impressions,clicks,actions,cpc,cost_per_action_type,account_currency").data(t)
	require.Len(t, rows, 1)
	require.Equal(t, "15.35", rows[0]["spend"])
	require.Equal(t, "1500", rows[0]["impressions"])
	require.Equal(t, "3", action(t, rows[0], "lead"))
	require.Equal(t, "3", action(t, rows[0], "onsite_conversion.lead_grouped"))
	require.Equal(t, "1.023333", rows[0]["cpc"])
	require.Equal(t, "USD", rows[0]["account_currency"])
	rows = get(t, srv, srv.UserToken, "/v25.0/"+a2+"/insights?date_preset=last_3d&time_increment=1&fields=spend,actions").data(t)
	require.Len(t, rows, 2)
	require.Equal(t, "1", rows[0]["spend"])
	require.NotContains(t, rows[0], "actions", "no actions, no actions key")
}

func TestInsightsAsync(t *testing.T) {
	srv := newDemo(t, metaleadstest.WithAsyncPolls(1))
	params := url.Values{"level": {"campaign"}, "fields": {"campaign_id,spend"}, "date_preset": {"last_7d"}, "time_increment": {"1"}}
	r := post(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights", params)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	runID := strconv.FormatFloat(r.JSON["report_run_id"].(float64), 'f', -1, 64)

	require.Equal(t, 100, get(t, srv, srv.UserToken, "/v25.0/"+runID+"/insights").code(t), "not complete yet")
	st := get(t, srv, srv.UserToken, "/v25.0/"+runID).JSON
	require.Equal(t, "Job Running", st["async_status"])
	require.Equal(t, 50.0, st["async_percent_completion"])
	st = get(t, srv, srv.UserToken, "/v25.0/"+runID).JSON
	require.Equal(t, "Job Completed", st["async_status"])
	require.Equal(t, 100.0, st["async_percent_completion"])
	require.Equal(t, ref.AddDate(0, 0, -7).Format("2006-01-02"), st["date_start"])

	async := allRows(t, srv, srv.UserToken, "/v25.0/"+runID+"/insights?limit=5")
	sync := allRows(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights?"+params.Encode())
	require.Equal(t, sync, async)
	require.Greater(t, len(async), 5, "paged")

	// Invalid parameters are refused when the job is created.
	require.Equal(t, 100, post(t, srv, srv.UserToken, "/v25.0/"+srv.AdAccountID+"/insights", url.Values{"date_preset": {"someday"}}).code(t))
}
