package enrich

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Kyiv without the system database

	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportEndToEnd builds the ROI report of the demo's last 30 days from
// the two fakes, with each matching strategy, and checks it against the
// demo data.
func TestReportEndToEnd(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	since, until := "2026-02-14", "2026-03-15"
	opts := ROIOptions{Level: metaleads.LevelCampaign, Since: since, Until: until, Location: crmLoc, Today: testRef}

	reports := map[Strategy]Report{}
	for _, s := range []Strategy{StrategyBulk, StrategyPerLead} {
		e := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: s, Concurrency: 16})
		rep, err := e.Report(ctx, w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID, opts)
		require.NoError(t, err)
		reports[s] = rep
	}
	rep := reports[StrategyBulk]
	require.Equal(t, jsonOf(t, rep), jsonOf(t, reports[StrategyPerLead]), "strategies disagree")

	// Spend and leads come straight from the demo data.
	from, to := time.Date(2026, 2, 14, 0, 0, 0, 0, crmLoc), time.Date(2026, 3, 16, 0, 0, 0, 0, crmLoc)
	lo, hi := time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	spend := decimal.Zero
	spendBy := map[string]decimal.Decimal{}
	for _, r := range w.ds.Spend {
		if !r.Date.Before(lo) && !r.Date.After(hi) {
			spend = spend.Add(r.Spend)
			spendBy[r.CampaignID] = spendBy[r.CampaignID].Add(r.Spend)
		}
	}
	leads, organic := 0, 0
	for _, l := range w.ds.Leads {
		if !l.CreatedTime.Before(from) && l.CreatedTime.Before(to) {
			leads++
			if l.AdID == "" {
				organic++
			}
		}
	}
	assert.Equal(t, "UAH", rep.Currency)
	assert.Empty(t, rep.Warnings)
	assert.True(t, spend.Equal(rep.Totals.Spend), "spend %s, want %s", rep.Totals.Spend, spend)
	assert.Equal(t, leads, rep.Totals.Leads)
	require.Len(t, rep.Rows, len(w.ds.Campaigns)+1)
	assert.Equal(t, OrganicID, rep.Rows[len(rep.Rows)-1].ID)
	assert.Equal(t, organic, rep.Rows[len(rep.Rows)-1].Leads)
	sumStudents, sumPaying, sumRevenue := 0, 0, decimal.Zero
	for _, r := range rep.Rows {
		if r.ID != OrganicID {
			c, ok := w.ds.Campaign(r.ID)
			require.True(t, ok, r.ID)
			assert.Equal(t, c.Name, r.Name)
			assert.True(t, spendBy[r.ID].Equal(r.Spend), "%s spend", r.ID)
		}
		assert.LessOrEqual(t, r.Matched, r.Leads)
		assert.LessOrEqual(t, r.Students, r.Matched)
		sumStudents += r.Students
		sumPaying += r.Paying
		sumRevenue = sumRevenue.Add(r.Revenue)
	}
	// First touch: each customer counts once, so the rows add up to the
	// totals, and the demo has paying students in the period.
	assert.Equal(t, rep.Totals.Students, sumStudents)
	assert.Equal(t, rep.Totals.Paying, sumPaying)
	assert.True(t, sumRevenue.Equal(rep.Totals.Revenue))
	assert.Positive(t, rep.Totals.Paying)
	assert.True(t, rep.Totals.ROAS.Valid)
	t.Logf("totals: %s", jsonOf(t, rep.Totals.json()))

	// An ad-level report of the same period has one row per ad with spend.
	e := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: StrategyBulk})
	opts.Level = metaleads.LevelAd
	ads, err := e.Report(ctx, w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID, opts)
	require.NoError(t, err)
	assert.Len(t, ads.Rows, len(w.ds.Ads)+1)
	assert.True(t, spend.Equal(ads.Totals.Spend))
	assert.Equal(t, rep.Totals.Paying, ads.Totals.Paying)
	assert.True(t, rep.Totals.Revenue.Equal(ads.Totals.Revenue))

	// A CRM in another currency without a rate: the ratios are withheld.
	opts.Currency = "PLN"
	mixed, err := e.Report(ctx, w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID, opts)
	require.NoError(t, err)
	require.Len(t, mixed.Warnings, 1)
	assert.False(t, mixed.Totals.ROAS.Valid)
}

func TestReportValidatesBeforeReading(t *testing.T) {
	w := newWorld(t, nil)
	e := newEnricher(t, newCRMClient(t, w.crm), Config{})
	before, graph := w.crm.RequestCount(), w.meta.RequestCount()
	_, err := e.Report(context.Background(), w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID,
		ROIOptions{Since: "2026-03-01", Until: "2026-02-01"})
	require.Error(t, err)
	assert.Equal(t, before, w.crm.RequestCount())
	assert.Equal(t, graph, w.meta.RequestCount())
}

// Payment dates are days in the CRM client's time zone; a report whose
// Location has another offset says so.
func TestReportWarnsWhenTheCRMZoneDiffers(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	e := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: StrategyBulk}) // the client reads in crmLoc (MSK, +3)
	report := func(e *Enricher, loc *time.Location) Report {
		t.Helper()
		rep, err := e.Report(ctx, w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID,
			ROIOptions{Since: "2026-03-09", Until: "2026-03-15", Location: loc, Today: testRef})
		require.NoError(t, err)
		return rep
	}

	rep := report(e, time.UTC)
	require.Len(t, rep.Warnings, 1)
	assert.Contains(t, rep.Warnings[0], "CRM client's time zone (MSK)")
	assert.Contains(t, rep.Warnings[0], "are in UTC")
	assert.Contains(t, jsonOf(t, rep), `"warnings":["payment dates are calendar days`)

	assert.Empty(t, report(e, crmLoc).Warnings, "the same zone")
	assert.Empty(t, report(e, time.FixedZone("UTC+3", 3*60*60)).Warnings, "another name, the same offset")

	// A CRM that does not tell its zone: nothing to compare.
	m, _ := population(3, 0)
	assert.Empty(t, report(newEnricher(t, m, Config{Strategy: StrategyBulk}), time.UTC).Warnings)
}

func TestZoneWarningComparesOffsetsOverTheDays(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	plus2 := time.FixedZone("EET", 2*60*60)
	winterFrom := time.Date(2026, time.January, 1, 0, 0, 0, 0, kyiv)
	winterToday := time.Date(2026, time.February, 20, 0, 0, 0, 0, time.UTC)
	assert.Empty(t, zoneWarning(kyiv, plus2, winterFrom, winterToday), "Kyiv is +2 all winter")
	summerToday := time.Date(2026, time.April, 20, 0, 0, 0, 0, time.UTC)
	assert.Contains(t, zoneWarning(kyiv, plus2, winterFrom, summerToday), "Europe/Kyiv", "Kyiv is +3 from the end of March")
	assert.Empty(t, zoneWarning(nil, time.UTC, winterFrom, winterToday), "no zone is UTC")
	assert.NotEmpty(t, zoneWarning(nil, kyiv, winterFrom, winterToday))
}
