package enrich

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Kyiv without the system database

	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// crmDay is midnight of a February 2026 day (or another month) in the
// CRM's time zone, as CRM dates are.
func crmDay(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, crmLoc) }

func pay(m time.Month, d int, sum string) Payment {
	return Payment{Date: crmDay(m, d), Sum: dec(sum)}
}

// adLead is an enriched lead of campaign cN / ad set sN / ad aN (organic
// when camp is "").
func adLead(id string, at time.Time, camp string, c *Customer, pays ...Payment) EnrichedLead {
	l := metaleads.Lead{ID: id, CreatedTime: at, IsOrganic: camp == ""}
	if camp != "" {
		l.CampaignID, l.CampaignName = camp, "Campaign "+camp
		l.AdSetID, l.AdSetName = "s"+camp, "Ad set "+camp
		l.AdID, l.AdName = "a"+camp, "Ad "+camp
	}
	el := EnrichedLead{Lead: l, Customer: c}
	if c != nil {
		el.Payments.Income = pays
		el.Payments.Count = len(pays)
	}
	return el
}

func spendRow(camp, spend string) metaleads.InsightRow {
	return metaleads.InsightRow{
		AccountCurrency: "UAH", CampaignID: camp, CampaignName: "Campaign " + camp + " (insights)",
		AdSetID: "s" + camp, AdSetName: "Ad set " + camp, AdID: "a" + camp, AdName: "Ad " + camp,
		Spend: dec(spend),
	}
}

// roiFixture is a February with two customers, one of whom has leads in two
// campaigns.
func roiFixture() ([]metaleads.InsightRow, []EnrichedLead) {
	student := &Customer{ID: 1, IsStudy: true}
	leadCard := &Customer{ID: 2, IsStudy: false}
	studentPays := []Payment{
		pay(time.February, 1, "100.00"),  // before the first lead: not revenue
		pay(time.February, 3, "1200.00"), // the first lead's day: revenue
		pay(time.March, 5, "2450.50"),    // after the period, before today: revenue
		pay(time.April, 1, "999.00"),     // after today: not revenue
	}
	leadPays := []Payment{pay(time.February, 15, "500.00")}
	utc := func(d, h, m int) time.Time { return time.Date(2026, time.February, d, h, m, 0, 0, time.UTC) }
	leads := []EnrichedLead{
		adLead("101", utc(3, 10, 0), "c1", student, studentPays...), // first touch of customer 1
		adLead("102", utc(10, 9, 0), "c2", student, studentPays...), // second lead of customer 1
		adLead("103", utc(12, 9, 0), "c2", leadCard, leadPays...),
		adLead("104", utc(20, 12, 0), "", nil),                                              // organic
		adLead("105", time.Date(2026, time.January, 31, 22, 30, 0, 0, time.UTC), "c1", nil), // 1 Feb 01:30 in MSK: in
		adLead("106", utc(28, 21, 30), "c1", nil),                                           // 1 Mar 00:30 in MSK: out
	}
	rows := []metaleads.InsightRow{spendRow("c1", "1000.00"), spendRow("c2", "500.50"), spendRow("c3", "200.00")}
	return rows, leads
}

func roiOptions() ROIOptions {
	return ROIOptions{
		Level: metaleads.LevelCampaign, Since: "2026-02-01", Until: "2026-02-28", Location: crmLoc,
		Today: time.Date(2026, time.March, 20, 12, 0, 0, 0, crmLoc),
	}
}

func buildReport(t *testing.T, opts ROIOptions, rows []metaleads.InsightRow, leads []EnrichedLead) Report {
	t.Helper()
	r, err := NewROI(opts)
	require.NoError(t, err)
	for _, row := range rows {
		require.NoError(t, r.AddSpend(row))
	}
	for _, el := range leads {
		r.AddLead(el)
	}
	return r.Report()
}

func nd(s string) decimal.NullDecimal {
	if s == "" {
		return decimal.NullDecimal{}
	}
	return valid(dec(s))
}

// assertRow compares a row field by field (decimals by value).
func assertRow(t *testing.T, want, got ReportRow) {
	t.Helper()
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.Name, got.Name, want.ID)
	assert.True(t, want.Spend.Equal(got.Spend), "%s spend %s", want.ID, got.Spend)
	assert.Equal(t, [4]int{want.Leads, want.Matched, want.Students, want.Paying},
		[4]int{got.Leads, got.Matched, got.Students, got.Paying}, "%s leads, matched, students, paying", want.ID)
	assert.True(t, want.Revenue.Equal(got.Revenue), "%s revenue %s", want.ID, got.Revenue)
	for _, p := range []struct {
		name      string
		want, got decimal.NullDecimal
	}{{"cpl", want.CPL, got.CPL}, {"cac", want.CAC, got.CAC}, {"roas", want.ROAS, got.ROAS}, {"roi", want.ROI, got.ROI}} {
		assert.Equal(t, p.want.Valid, p.got.Valid, "%s %s valid", want.ID, p.name)
		if p.want.Valid && p.got.Valid {
			assert.True(t, p.want.Decimal.Equal(p.got.Decimal), "%s %s = %s, want %s", want.ID, p.name, p.got.Decimal, p.want.Decimal)
		}
	}
}

func TestROIFirstTouchAndRatios(t *testing.T) {
	rows, leads := roiFixture()
	wantRows := []ReportRow{
		{ID: "c1", Name: "Campaign c1 (insights)", Spend: dec("1000"), Leads: 2, Matched: 1, Students: 1, Paying: 1,
			Revenue: dec("3650.50"), CPL: nd("500"), CAC: nd("1000"), ROAS: nd("3.6505"), ROI: nd("2.6505")},
		{ID: "c2", Name: "Campaign c2 (insights)", Spend: dec("500.50"), Leads: 2, Matched: 2, Students: 0, Paying: 1,
			Revenue: dec("500"), CPL: nd("250.25"), CAC: nd("500.50"), ROAS: nd("0.999"), ROI: nd("-0.001")},
		{ID: "c3", Name: "Campaign c3 (insights)", Spend: dec("200"), ROAS: nd("0"), ROI: nd("-1")},
		{ID: OrganicID, Name: OrganicName, Leads: 1, CPL: nd("0")},
	}
	wantTotals := ReportRow{ID: TotalID, Name: TotalName, Spend: dec("1700.50"), Leads: 5, Matched: 3, Students: 1, Paying: 2,
		Revenue: dec("4150.50"), CPL: nd("340.10"), CAC: nd("850.25"), ROAS: nd("2.4408"), ROI: nd("1.4408")}

	// The order leads arrive in must not matter (first touch is by time).
	for _, order := range []string{"forward", "reverse"} {
		t.Run(order, func(t *testing.T) {
			ls := slices.Clone(leads)
			if order == "reverse" {
				slices.Reverse(ls)
			}
			rep := buildReport(t, roiOptions(), rows, ls)
			require.Len(t, rep.Rows, len(wantRows))
			for i := range wantRows {
				assertRow(t, wantRows[i], rep.Rows[i])
			}
			assertRow(t, wantTotals, rep.Totals)
			assert.Empty(t, rep.Warnings)
			assert.Equal(t, "UAH", rep.Currency)
			assert.Equal(t, "UAH", rep.RevenueCurrency)
		})
	}
}

func TestROIFirstTouchTieBreaksOnLeadID(t *testing.T) {
	c := &Customer{ID: 7, IsStudy: true}
	at := time.Date(2026, time.February, 5, 10, 0, 0, 0, time.UTC)
	leads := []EnrichedLead{
		adLead("900000000000002", at, "c2", c, pay(time.February, 5, "10.00")),
		adLead("99999999999999", at, "c1", c, pay(time.February, 5, "10.00")), // shorter id: earlier
	}
	rep := buildReport(t, roiOptions(), nil, leads)
	byRow := map[string]ReportRow{}
	for _, r := range rep.Rows {
		byRow[r.ID] = r
	}
	assert.Equal(t, 1, byRow["c1"].Students)
	assert.Equal(t, 0, byRow["c2"].Students)
	assert.Equal(t, 1, rep.Totals.Students)
}

func TestROIZeroDivisorsAreNull(t *testing.T) {
	rep := buildReport(t, roiOptions(), []metaleads.InsightRow{spendRow("c9", "0.00")}, []EnrichedLead{
		adLead("1", time.Date(2026, time.February, 2, 10, 0, 0, 0, time.UTC), "c9", nil),
	})
	require.Len(t, rep.Rows, 1)
	r := rep.Rows[0]
	assert.True(t, r.CPL.Valid) // 0 spend over 1 lead is 0
	assert.False(t, r.CAC.Valid, "cac without paying customers")
	assert.False(t, r.ROAS.Valid, "roas without spend")
	assert.False(t, r.ROI.Valid, "roi without spend")

	empty := buildReport(t, roiOptions(), nil, nil)
	assert.Empty(t, empty.Rows)
	assert.False(t, empty.Totals.CPL.Valid)
	got := jsonOf(t, empty)
	assert.Contains(t, got, `"rows":[]`)
	assert.Contains(t, got, `"totals":{"id":"total","name":"Total","spend":"0.00","leads":0,"matched":0,"students":0,"paying":0,"revenue":"0.00","cpl":null,"cac":null,"roas":null,"roi":null}`)
}

func TestROICurrencyMismatch(t *testing.T) {
	rows, leads := roiFixture()
	opts := roiOptions()
	opts.Currency = "pln"

	t.Run("without an FX rate", func(t *testing.T) {
		rep := buildReport(t, opts, rows, leads)
		assert.Equal(t, "UAH", rep.Currency)
		assert.Equal(t, "PLN", rep.RevenueCurrency)
		require.Len(t, rep.Warnings, 1)
		assert.Contains(t, rep.Warnings[0], "PLN")
		assert.Contains(t, rep.Warnings[0], "UAH")
		assert.Contains(t, rep.Warnings[0], "FX rate")
		for _, r := range append(rep.Rows, rep.Totals) {
			assert.False(t, r.CAC.Valid || r.ROAS.Valid || r.ROI.Valid, "row %s mixes currencies", r.ID)
		}
		assert.True(t, rep.Rows[0].CPL.Valid, "cpl needs no revenue")
		assert.True(t, rep.Totals.Revenue.Equal(dec("4150.50")), "revenue stays in the CRM's currency")
		got := jsonOf(t, rep)
		assert.Contains(t, got, `"cac":null,"roas":null,"roi":null`)
		assert.Contains(t, got, `"warnings":["revenue is in PLN`)
	})

	t.Run("with an FX rate", func(t *testing.T) {
		opts := opts
		opts.FXRate = dec("10.5") // UAH per PLN
		rep := buildReport(t, opts, rows, leads)
		assert.Empty(t, rep.Warnings)
		assert.Equal(t, "UAH", rep.RevenueCurrency)
		c1 := rep.Rows[0]
		require.Equal(t, "c1", c1.ID)
		assert.Equal(t, "38330.25", c1.Revenue.String(), "3650.50 × 10.5, exactly")
		assert.Equal(t, "38.3303", c1.ROAS.Decimal.String())
		assert.Equal(t, "37.3303", c1.ROI.Decimal.String())
		assert.Equal(t, "43580.25", rep.Totals.Revenue.String())
	})

	t.Run("the same currency needs no rate", func(t *testing.T) {
		opts := roiOptions()
		opts.Currency = "UAH"
		opts.FXRate = dec("2") // ignored: nothing to convert
		rep := buildReport(t, opts, rows, leads)
		assert.Empty(t, rep.Warnings)
		assert.True(t, rep.Totals.Revenue.Equal(dec("4150.50")))
	})
}

func TestROILevels(t *testing.T) {
	rows, leads := roiFixture()
	for _, lv := range []struct {
		level metaleads.Level
		first string
	}{{metaleads.LevelAdSet, "sc1"}, {metaleads.LevelAd, "ac1"}} {
		opts := roiOptions()
		opts.Level = lv.level
		rep := buildReport(t, opts, rows, leads)
		require.Len(t, rep.Rows, 4)
		assert.Equal(t, lv.first, rep.Rows[0].ID)
		assert.Equal(t, 2, rep.Rows[0].Leads)
		assert.Equal(t, OrganicID, rep.Rows[3].ID)
		assert.Equal(t, lv.level, rep.Level)
	}

	r, err := NewROI(roiOptions())
	require.NoError(t, err)
	assert.Error(t, r.AddSpend(metaleads.InsightRow{AccountID: "1", Spend: dec("5")}), "an account-level row at campaign level")
}

func TestROIOptionsValidation(t *testing.T) {
	for name, mod := range map[string]func(*ROIOptions){
		"account level": func(o *ROIOptions) { o.Level = metaleads.LevelAccount },
		"no since":      func(o *ROIOptions) { o.Since = "" },
		"not a day":     func(o *ROIOptions) { o.Until = "2026-02-28T10:00:00Z" },
		"reversed":      func(o *ROIOptions) { o.Since, o.Until = o.Until, o.Since },
		"negative fx":   func(o *ROIOptions) { o.FXRate = dec("-1") },
	} {
		opts := roiOptions()
		mod(&opts)
		_, err := NewROI(opts)
		assert.Error(t, err, name)
	}
	opts := roiOptions()
	opts.Level = ""
	r, err := NewROI(opts)
	require.NoError(t, err)
	assert.Equal(t, metaleads.LevelCampaign, r.Report().Level)
	assert.True(t, r.AddLead(adLead("1", time.Date(2026, 2, 1, 0, 0, 0, 0, crmLoc), "c1", nil)), "the period's first instant is in")
	assert.False(t, r.AddLead(adLead("2", time.Date(2026, 3, 1, 0, 0, 0, 0, crmLoc), "c1", nil)), "the next day's first instant is out")
}

// smallReport is a report with every kind of value for the renderers.
func smallReport(t *testing.T) Report {
	rows, leads := roiFixture()
	opts := roiOptions()
	rep := buildReport(t, opts, rows[:2], leads[:4])
	return rep
}

func TestReportJSON(t *testing.T) {
	want := `{"level":"campaign","since":"2026-02-01","until":"2026-02-28","currency":"UAH","rows":[` +
		`{"id":"c1","name":"Campaign c1 (insights)","spend":"1000.00","leads":1,"matched":1,"students":1,"paying":1,"revenue":"3650.50","cpl":"1000.00","cac":"1000.00","roas":3.6505,"roi":2.6505},` +
		`{"id":"c2","name":"Campaign c2 (insights)","spend":"500.50","leads":2,"matched":2,"students":0,"paying":1,"revenue":"500.00","cpl":"250.25","cac":"500.50","roas":0.999,"roi":-0.001},` +
		`{"id":"organic","name":"Organic","spend":"0.00","leads":1,"matched":0,"students":0,"paying":0,"revenue":"0.00","cpl":"0.00","cac":null,"roas":null,"roi":null}],` +
		`"totals":{"id":"total","name":"Total","spend":"1500.50","leads":4,"matched":3,"students":1,"paying":2,"revenue":"4150.50","cpl":"375.13","cac":"750.25","roas":2.7661,"roi":1.7661}}`
	assert.JSONEq(t, want, jsonOf(t, smallReport(t)))
	assert.Equal(t, want, jsonOf(t, smallReport(t)), "key order")
}

func TestReportCSV(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, smallReport(t).WriteCSV(&b))
	assert.Equal(t, `id,name,spend,leads,matched,students,paying,revenue,cpl,cac,roas,roi
c1,Campaign c1 (insights),1000.00,1,1,1,1,3650.50,1000.00,1000.00,3.6505,2.6505
c2,Campaign c2 (insights),500.50,2,2,0,1,500.00,250.25,500.50,0.999,-0.001
organic,Organic,0.00,1,0,0,0,0.00,0.00,,,
total,Total,1500.50,4,3,1,2,4150.50,375.13,750.25,2.7661,1.7661
`, b.String())
}

func TestReportTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, smallReport(t).WriteTable(&b))
	assert.Equal(t, `ROI by campaign, 2026-02-01 to 2026-02-28 (UAH)
ID       NAME                      SPEND  LEADS  MATCHED  STUDENTS  PAYING  REVENUE      CPL      CAC    ROAS     ROI
c1       Campaign c1 (insights)  1000.00      1        1         1       1  3650.50  1000.00  1000.00  3.6505  2.6505
c2       Campaign c2 (insights)   500.50      2        2         0       1   500.00   250.25   500.50   0.999  -0.001
organic  Organic                    0.00      1        0         0       0     0.00     0.00        -       -       -
---------------------------------------------------------------------------------------------------------------------
total    Total                   1500.50      4        3         1       2  4150.50   375.13   750.25  2.7661  1.7661
`, b.String())
}

// Organic customers cost nothing in ads: the organic row's CPL and CAC
// are 0.00, its ROAS and ROI undefined (no spend to divide by).
func TestROIOrganicRowCostsNothing(t *testing.T) {
	roi, err := NewROI(roiOptions())
	require.NoError(t, err)
	require.NoError(t, roi.AddSpend(spendRow("c1", "300.00")))
	at := time.Date(2026, time.February, 10, 9, 0, 0, 0, time.UTC)
	assert.True(t, roi.AddLead(adLead("201", at, "", &Customer{ID: 7, IsStudy: true}, pay(time.February, 12, "800.00"))))
	assert.True(t, roi.AddLead(adLead("202", at, "", nil)))
	assert.True(t, roi.AddLead(adLead("203", at, "c1", nil)))
	rep := roi.Report()
	require.Len(t, rep.Rows, 2)
	org := rep.Rows[1]
	assert.Equal(t, OrganicID, org.ID)
	assert.Equal(t, 2, org.Leads)
	assert.Equal(t, 1, org.Paying)
	assert.Equal(t, "800.00", org.Revenue.StringFixed(2))
	assert.True(t, org.CPL.Valid && org.CPL.Decimal.IsZero(), "cpl %v", org.CPL)
	assert.True(t, org.CAC.Valid && org.CAC.Decimal.IsZero(), "cac %v", org.CAC)
	assert.False(t, org.ROAS.Valid)
	assert.False(t, org.ROI.Valid)
	assert.Contains(t, jsonOf(t, rep), `"id":"organic","name":"Organic","spend":"0.00","leads":2,"matched":1,"students":1,"paying":1,"revenue":"800.00","cpl":"0.00","cac":"0.00","roas":null,"roi":null`)
}

// bareLead is a lead carrying only the given attribution ids.
func bareLead(id string, at time.Time, campaignID, adSetID, adID string, organic bool, c *Customer, pays ...Payment) EnrichedLead {
	el := EnrichedLead{Lead: metaleads.Lead{ID: id, CreatedTime: at, CampaignID: campaignID, AdSetID: adSetID, AdID: adID, IsOrganic: organic}, Customer: c}
	if c != nil {
		el.Payments.Income = pays
	}
	return el
}

func rowsByID(rep Report) map[string]ReportRow {
	out := map[string]ReportRow{}
	for _, r := range rep.Rows {
		out[r.ID] = r
	}
	return out
}

// A lead with an ad is never organic: without an id at the report's level
// it is attributed through the spend rows' ad → ad set → campaign links,
// else it goes to the unattributed row — whatever order spend and leads
// arrive in.
func TestROILeadsWithAnAdAreNotOrganic(t *testing.T) {
	at := time.Date(2026, time.February, 10, 9, 0, 0, 0, time.UTC)
	buyer := &Customer{ID: 11, IsStudy: true}
	lost := &Customer{ID: 12, IsStudy: true}
	leads := []EnrichedLead{
		bareLead("301", at, "", "", "ac1", false, buyer, pay(time.February, 12, "700.00")), // ad only: campaign c1
		bareLead("302", at, "", "sc2", "", false, nil),                                     // ad set only: campaign c2
		bareLead("303", at, "", "", "a-unknown", false, lost, pay(time.February, 11, "90.00")),
		bareLead("304", at, "", "", "", true, nil),  // marked organic
		bareLead("305", at, "", "", "", false, nil), // no attribution at all: organic
		bareLead("306", at, "c1", "", "", false, nil),
	}
	rows := []metaleads.InsightRow{spendRow("c1", "300.00"), spendRow("c2", "100.00")} // ad-level rows

	for _, order := range []string{"spend first", "leads first"} {
		t.Run(order, func(t *testing.T) {
			r, err := NewROI(roiOptions())
			require.NoError(t, err)
			addSpend := func() {
				for _, row := range rows {
					require.NoError(t, r.AddSpend(row))
				}
			}
			if order == "spend first" {
				addSpend()
			}
			for _, el := range leads {
				require.True(t, r.AddLead(el))
			}
			if order == "leads first" {
				addSpend()
			}
			rep := r.Report()
			ids := make([]string, len(rep.Rows))
			for i, row := range rep.Rows {
				ids[i] = row.ID
			}
			assert.Equal(t, []string{"c1", "c2", UnattributedID, OrganicID}, ids, "unattributed, then organic, come last")
			by := rowsByID(rep)
			assertRow(t, ReportRow{ID: "c1", Name: "Campaign c1 (insights)", Spend: dec("300"), Leads: 2, Matched: 1, Students: 1, Paying: 1,
				Revenue: dec("700"), CPL: nd("150"), CAC: nd("300"), ROAS: nd("2.3333"), ROI: nd("1.3333")}, by["c1"])
			assertRow(t, ReportRow{ID: "c2", Name: "Campaign c2 (insights)", Spend: dec("100"), Leads: 1,
				CPL: nd("100"), ROAS: nd("0"), ROI: nd("-1")}, by["c2"])
			assertRow(t, ReportRow{ID: UnattributedID, Name: UnattributedName, Leads: 1, Matched: 1, Students: 1, Paying: 1,
				Revenue: dec("90")}, by[UnattributedID])
			assertRow(t, ReportRow{ID: OrganicID, Name: OrganicName, Leads: 2, CPL: nd("0")}, by[OrganicID])
			assertRow(t, ReportRow{ID: TotalID, Name: TotalName, Spend: dec("400"), Leads: 6, Matched: 2, Students: 2, Paying: 2,
				Revenue: dec("790"), CPL: nd("66.67"), CAC: nd("200"), ROAS: nd("1.975"), ROI: nd("0.975")}, rep.Totals)
			assert.Contains(t, jsonOf(t, rep), `{"id":"unattributed","name":"Unattributed","spend":"0.00","leads":1,"matched":1,"students":1,"paying":1,"revenue":"90.00","cpl":null,"cac":null,"roas":null,"roi":null}`)
			assert.Equal(t, rep, r.Report(), "Report does not change the aggregator")
		})
	}

	t.Run("ad level", func(t *testing.T) {
		opts := roiOptions()
		opts.Level = metaleads.LevelAd
		rep := buildReport(t, opts, rows, []EnrichedLead{
			bareLead("401", at, "c1", "sc1", "", false, nil), // an ad set, no ad: which ad is unknown
			bareLead("402", at, "", "", "ac1", false, nil),
		})
		by := rowsByID(rep)
		assert.Equal(t, 1, by[UnattributedID].Leads)
		assert.Equal(t, 1, by["ac1"].Leads)
		assert.NotContains(t, by, OrganicID)
	})
	t.Run("ad set level", func(t *testing.T) {
		opts := roiOptions()
		opts.Level = metaleads.LevelAdSet
		rep := buildReport(t, opts, rows, []EnrichedLead{
			bareLead("501", at, "", "", "ac2", false, nil),
			bareLead("502", at, "c1", "", "", false, nil), // a campaign, no ad set
		})
		by := rowsByID(rep)
		assert.Equal(t, 1, by["sc2"].Leads)
		assert.Equal(t, "Ad set c2", by["sc2"].Name)
		assert.Equal(t, 1, by[UnattributedID].Leads)
		assert.NotContains(t, by, OrganicID)
	})
}

// A lead late in the evening UTC is already the next day in the CRM's time
// zone: its day there decides which payments count.
func TestROILeadDayIsTheCRMDay(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	day := func(d int) time.Time { return time.Date(2026, time.February, d, 0, 0, 0, 0, kyiv) }
	opts := ROIOptions{Since: "2026-02-01", Until: "2026-02-28", Location: kyiv,
		Today: time.Date(2026, time.March, 20, 12, 0, 0, 0, kyiv)}
	at := time.Date(2026, time.February, 9, 22, 30, 0, 0, time.UTC) // 10 Feb 00:30 in Kyiv
	el := adLead("601", at, "c1", &Customer{ID: 21, IsStudy: true},
		Payment{ID: 1, Date: day(9), Sum: dec("400.00")},  // the UTC day, the day before in Kyiv: not revenue
		Payment{ID: 2, Date: day(10), Sum: dec("250.00")}, // the lead's day in Kyiv: revenue
	)
	rep := buildReport(t, opts, []metaleads.InsightRow{spendRow("c1", "100.00")}, []EnrichedLead{el})
	require.Len(t, rep.Rows, 1)
	assertRow(t, ReportRow{ID: "c1", Name: "Campaign c1 (insights)", Spend: dec("100"), Leads: 1, Matched: 1, Students: 1, Paying: 1,
		Revenue: dec("250"), CPL: nd("100"), CAC: nd("100"), ROAS: nd("2.5"), ROI: nd("1.5")}, rep.Rows[0])

	// In UTC the lead is on 9 February, and both payments count.
	opts.Location = time.UTC
	rep = buildReport(t, opts, []metaleads.InsightRow{spendRow("c1", "100.00")}, []EnrichedLead{el})
	assert.Equal(t, "650", rep.Rows[0].Revenue.String())
}

// With an FX rate each payment is converted and rounded to cents before
// any sum, so the rows' revenue adds up to the totals' exactly (rounding
// only the sums, three rows of 0.333 would show 0.33 each and a total of
// 0.999 → 1.00).
func TestROIConvertedRowsAddUpToTheTotals(t *testing.T) {
	opts := roiOptions()
	opts.Currency = "PLN"
	opts.FXRate = dec("0.333") // UAH per PLN
	at := time.Date(2026, time.February, 10, 9, 0, 0, 0, time.UTC)
	var leads []EnrichedLead
	for i, camp := range []string{"c1", "c2", "c3"} {
		leads = append(leads, adLead(fmt.Sprint(700+i), at, camp, &Customer{ID: 30 + i, IsStudy: true},
			pay(time.February, 11, "1.00"))) // 0.333 UAH → 0.33
	}
	// Two payments of one customer: each rounded (0.1665 → 0.17, twice),
	// half away from zero.
	leads = append(leads, adLead("710", at, "c4", &Customer{ID: 40, IsStudy: true},
		pay(time.February, 11, "0.50"), pay(time.February, 12, "0.50")))
	rows := []metaleads.InsightRow{spendRow("c1", "10.00"), spendRow("c2", "10.00"), spendRow("c3", "10.00"), spendRow("c4", "10.00")}
	rep := buildReport(t, opts, rows, leads)
	require.Len(t, rep.Rows, 4)
	sum := decimal.Zero
	for _, r := range rep.Rows {
		want := "0.33"
		if r.ID == "c4" {
			want = "0.34"
		}
		assert.Equal(t, want, r.Revenue.StringFixed(2), r.ID)
		assert.True(t, r.Revenue.Equal(r.Revenue.Round(2)), "%s revenue %s has no sub-cent part", r.ID, r.Revenue)
		sum = sum.Add(r.Revenue)
	}
	assert.Equal(t, "1.33", rep.Totals.Revenue.StringFixed(2))
	assert.True(t, sum.Equal(rep.Totals.Revenue), "rows %s, totals %s", sum, rep.Totals.Revenue)
	assert.Contains(t, jsonOf(t, rep), `"revenue":"1.33"`)
	assert.Equal(t, "0.033", rep.Rows[0].ROAS.Decimal.String(), "c1: ratios from the rounded revenue (0.33/10, not 0.333/10)")
}
