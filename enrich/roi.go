package enrich

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/daterange"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
)

// Row ids and names of a report that are not Meta objects.
const (
	// OrganicID is the id of the row of organic leads (leads without an ad).
	OrganicID = "organic"
	// OrganicName is the organic row's name.
	OrganicName = "Organic"
	// UnattributedID is the id of the row of leads that came from an ad
	// but whose campaign, ad set or ad at the report's level is unknown
	// (see ROI.AddLead).
	UnattributedID = "unattributed"
	// UnattributedName is the unattributed row's name.
	UnattributedName = "Unattributed"
	// TotalID is the id of the totals row.
	TotalID = "total"
	// TotalName is the totals row's name.
	TotalName = "Total"
)

// ROIOptions configures a ROI report.
type ROIOptions struct {
	// Level is the level of the rows: metaleads.LevelCampaign (the
	// default when ""), LevelAdSet or LevelAd.
	Level metaleads.Level
	// Since and Until ("YYYY-MM-DD") are the period: whole days, both
	// inclusive, in Location. Leads created in the period count; spend is
	// read for the same days (Meta counts them in the ad account's time
	// zone).
	Since, Until string
	// Location is the CRM's time zone, in which the period's days and
	// each lead's day are taken; nil means UTC.
	//
	// Payment dates are not converted: a Payment's Date is already a
	// calendar day, read by the CRM client in its own time zone
	// (alfacrm.Config.Location), and is compared as that day. Use the same
	// zone for both (the examples take both from ALFACRM_TIMEZONE);
	// Enricher.Report warns when the CRM client's zone is known and
	// differs from Location over the report's days.
	Location *time.Location
	// AccountCurrency is the ad account's currency (spend). Enricher.Report
	// fills it from the ad account; when empty, the first spend row's
	// currency is used.
	AccountCurrency string
	// Currency is the CRM's currency (revenue); "" means AccountCurrency.
	Currency string
	// FXRate converts revenue from Currency to AccountCurrency (units of
	// the account's currency per unit of the CRM's). Each payment is
	// converted on its own and rounded to 2 places, half away from zero
	// (0.125 → 0.13), before any sum, so that the rows' revenue adds up
	// exactly to the totals'. Zero means none: when the currencies differ,
	// cac, roas and roi are then left undefined and the report carries a
	// warning.
	FXRate decimal.Decimal
	// Today bounds revenue: payments dated after Today's date (in
	// Location) are not counted. Zero means now.
	Today time.Time
}

// ReportRow is one row of a ROI report, or its totals.
type ReportRow struct {
	// ID is the campaign, ad set or ad id, OrganicID, UnattributedID or
	// TotalID.
	ID string
	// Name is the object's name (from the insights, else from the leads).
	Name string
	// Spend is the amount spent in the period, in the report's Currency.
	Spend decimal.Decimal
	// Leads counts the leads created in the period.
	Leads int
	// Matched counts those leads that matched a CRM card.
	Matched int
	// Students counts distinct matched customers with a student card,
	// each on the row of their first lead in the period (first touch).
	Students int
	// Paying counts distinct matched customers with at least one income
	// payment dated on or after the day of that first lead, on its row.
	Paying int
	// Revenue is the sum of those payments (from the first lead's day up
	// to Today), in the report's RevenueCurrency (each payment converted
	// and rounded to cents first when an FX rate applies).
	Revenue decimal.Decimal
	// CPL is Spend/Leads, CAC Spend/Paying (both rounded to 2 places),
	// ROAS Revenue/Spend and ROI (Revenue−Spend)/Spend (rounded to 4
	// places). Each is invalid (null) when its divisor is zero; CAC, ROAS
	// and ROI also when revenue cannot be compared with spend (currency
	// mismatch without an FX rate). The organic row has no spend: its CPL
	// and CAC are 0.00, its ROAS and ROI null. The unattributed row's
	// spend is unknown (it is on the rows of its ads): all four are null.
	CPL, CAC, ROAS, ROI decimal.NullDecimal
}

// Report is a ROI report: per campaign, ad set or ad, what was spent, the
// leads it brought, and what those leads' customers paid.
type Report struct {
	// Level is the level of the rows: campaign, adset or ad.
	Level metaleads.Level
	// Since and Until are the period's first and last days (YYYY-MM-DD,
	// inclusive), as given in ROIOptions.
	Since, Until string
	// Currency is the ad account's currency: spend, CPL and CAC, and
	// revenue when RevenueCurrency is the same.
	Currency string
	// RevenueCurrency is the currency of Revenue: Currency when the CRM
	// uses it or an FX rate converted it, else the CRM's currency.
	RevenueCurrency string
	// Rows are ordered by spend (largest first), then leads, then id; the
	// unattributed row, then the organic row, come last.
	Rows []ReportRow
	// Totals sums the rows; its customers are distinct across the report,
	// each counted once, on their first lead overall.
	Totals ReportRow
	// Warnings explain what the report could not compute, e.g. a currency
	// mismatch. The examples print them to stderr.
	Warnings []string
}

// ROI aggregates a ROI report from insight rows and enriched leads, in a
// stream: it keeps one entry per row and per matched customer, never the
// leads. Feed it with AddSpend and AddLead in any order, then call Report.
// It does no I/O. An ROI is not safe for concurrent use.
type ROI struct {
	opts      ROIOptions
	loc       *time.Location
	from, to  time.Time // the period, [from, to)
	today     time.Time // civil date
	rows      map[string]*rowAcc
	customers map[int]*firstTouch
	// pending are the rows of leads from an ad without an id at the
	// report's level, resolved by Report with ads and adSets.
	pending map[adRef]*rowAcc
	// ads and adSets are the parents of the ads and ad sets the spend
	// rows name.
	ads    map[string]parents
	adSets map[string]parents
}

// adRef is the attribution of a lead whose id at the report's level is
// missing.
type adRef struct{ adID, adSetID string }

// parents are an ad's or ad set's ad set and campaign, from spend rows.
type parents struct {
	adSetID, adSetName       string
	campaignID, campaignName string
}

type rowAcc struct {
	id, name      string
	spendName     bool // name came from the insights
	spend         decimal.Decimal
	leads, matchd int
}

// firstTouch is a customer's first lead in the period.
type firstTouch struct {
	at      time.Time
	leadID  string
	row     string // "" when pending
	pending adRef
	day     time.Time // civil date of the lead in the CRM's time zone
	student bool
	income  []Payment
}

// NewROI returns an empty aggregator. It fails on an invalid level,
// period or FX rate.
func NewROI(opts ROIOptions) (*ROI, error) {
	switch opts.Level {
	case "":
		opts.Level = metaleads.LevelCampaign
	case metaleads.LevelCampaign, metaleads.LevelAdSet, metaleads.LevelAd:
	default:
		return nil, fmt.Errorf("enrich: ROI level must be campaign, adset or ad, not %q", string(opts.Level))
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	if !isDay(opts.Since) || !isDay(opts.Until) {
		return nil, fmt.Errorf("enrich: ROI period needs Since and Until as YYYY-MM-DD, got %q and %q", opts.Since, opts.Until)
	}
	from, to, err := daterange.Range(opts.Since, opts.Until, loc)
	if err != nil {
		return nil, fmt.Errorf("enrich: ROI period: %w", err)
	}
	if opts.FXRate.IsNegative() {
		return nil, errors.New("enrich: negative FX rate")
	}
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	opts.Currency = strings.ToUpper(strings.TrimSpace(opts.Currency))
	opts.AccountCurrency = strings.ToUpper(strings.TrimSpace(opts.AccountCurrency))
	return &ROI{
		opts:      opts,
		loc:       loc,
		from:      from,
		to:        to,
		today:     civil(today.In(loc)),
		rows:      map[string]*rowAcc{},
		customers: map[int]*firstTouch{},
		pending:   map[adRef]*rowAcc{},
		ads:       map[string]parents{},
		adSets:    map[string]parents{},
	}, nil
}

func isDay(s string) bool {
	_, err := time.Parse(dayLayout, s)
	return err == nil && len(s) == len(dayLayout)
}

// civil returns t's calendar date (in t's location) as midnight UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// row returns the accumulator of a row, creating it.
func (r *ROI) row(id string) *rowAcc {
	a := r.rows[id]
	if a == nil {
		a = &rowAcc{id: id}
		r.rows[id] = a
	}
	return a
}

// levelIDs returns the id and name of an object at the report's level.
func (r *ROI) levelIDs(campaignID, campaignName, adSetID, adSetName, adID, adName string) (string, string) {
	switch r.opts.Level {
	case metaleads.LevelAdSet:
		return adSetID, adSetName
	case metaleads.LevelAd:
		return adID, adName
	}
	return campaignID, campaignName
}

// AddSpend adds an insight row's spend to its row (rows of several days
// add up). A row without an id at the report's level is an error (an
// insights report at another level). The ad set and campaign a row names
// for its ad or ad set are remembered, to attribute leads that carry only
// an ad's or ad set's id (see AddLead).
func (r *ROI) AddSpend(row metaleads.InsightRow) error {
	id, name := r.levelIDs(row.CampaignID, row.CampaignName, row.AdSetID, row.AdSetName, row.AdID, row.AdName)
	if id == "" {
		return fmt.Errorf("enrich: insight row without a %s id (is the report at level %s?)", r.opts.Level, r.opts.Level)
	}
	if row.AdID != "" && (row.AdSetID != "" || row.CampaignID != "") {
		r.ads[row.AdID] = parents{row.AdSetID, row.AdSetName, row.CampaignID, row.CampaignName}
	}
	if row.AdSetID != "" && row.CampaignID != "" {
		r.adSets[row.AdSetID] = parents{campaignID: row.CampaignID, campaignName: row.CampaignName}
	}
	if r.opts.AccountCurrency == "" {
		r.opts.AccountCurrency = strings.ToUpper(row.AccountCurrency)
	}
	a := r.row(id)
	a.spend = a.spend.Add(row.Spend)
	if name != "" {
		a.name, a.spendName = name, true
	}
	return nil
}

// AddLead counts an enriched lead if it was created in the period (others
// are ignored; it reports whether the lead counted). A matched customer is
// attributed to the row of their earliest lead (ties by lead id), whatever
// order leads arrive in.
//
// A lead goes to the row of its campaign, ad set or ad at the report's
// level. Only a lead without an ad is organic: no ad id, and either marked
// organic by Meta or with no campaign or ad set either; it goes to the
// organic row. A lead from an ad without an id at the report's level (a
// campaign report and a lead carrying only its ad's id, say) is attributed
// through the ad → ad set → campaign links of the spend rows (AddSpend),
// whenever those are added; when they do not tell, it goes to the
// unattributed row ([UnattributedID]), never to the organic one.
func (r *ROI) AddLead(el EnrichedLead) bool {
	t := el.Lead.CreatedTime
	if t.Before(r.from) || !t.Before(r.to) {
		return false
	}
	l := el.Lead
	id, name := r.levelIDs(l.CampaignID, l.CampaignName, l.AdSetID, l.AdSetName, l.AdID, l.AdName)
	var a *rowAcc
	var ref adRef
	switch {
	case id != "":
		a = r.row(id)
		if a.name == "" || (!a.spendName && name != "") {
			a.name = name
		}
	case l.AdID == "" && (l.IsOrganic || (l.CampaignID == "" && l.AdSetID == "")):
		id = OrganicID
		a = r.row(id)
		a.name = OrganicName
	default: // from an ad, attributed by Report
		ref = adRef{adID: l.AdID, adSetID: l.AdSetID}
		a = r.pending[ref]
		if a == nil {
			a = &rowAcc{}
			r.pending[ref] = a
		}
	}
	a.leads++
	c := el.Customer
	if c == nil {
		return true
	}
	a.matchd++
	ft := r.customers[c.ID]
	if ft == nil || t.Before(ft.at) || (t.Equal(ft.at) && lessID(l.ID, ft.leadID)) {
		r.customers[c.ID] = &firstTouch{
			at: t, leadID: l.ID, row: id, pending: ref, day: civil(t.In(r.loc)),
			student: c.IsStudy, income: el.Payments.Income,
		}
	}
	return true
}

// resolve returns the id and name at the report's level of a lead that
// carries only the ids in ref, from the spend rows' links; ok is false
// when they do not tell.
func (r *ROI) resolve(ref adRef) (id, name string, ok bool) {
	ad, adOK := r.ads[ref.adID]
	switch r.opts.Level {
	case metaleads.LevelAdSet:
		if adOK && ad.adSetID != "" {
			return ad.adSetID, ad.adSetName, true
		}
	case metaleads.LevelCampaign:
		if adOK && ad.campaignID != "" {
			return ad.campaignID, ad.campaignName, true
		}
		if set, ok := r.adSets[ref.adSetID]; ok && ref.adSetID != "" {
			return set.campaignID, set.campaignName, true
		}
	}
	return "", "", false
}

// lessID orders numeric Graph ids numerically, others lexically.
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Report computes the report from what was added. It may be called again
// after more is added.
func (r *ROI) Report() Report {
	o := r.opts
	rep := Report{Level: o.Level, Since: o.Since, Until: o.Until}
	acct, crm := o.AccountCurrency, o.Currency
	if crm == "" {
		crm = acct
	}
	if acct == "" {
		acct = crm
	}
	rep.Currency, rep.RevenueCurrency = acct, crm
	comparable, convert := true, false
	if crm != acct {
		if o.FXRate.IsPositive() {
			convert = true
			rep.RevenueCurrency = acct
		} else {
			comparable = false
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"revenue is in %s (the CRM's currency) and spend in %s (the ad account's), and no FX rate was given: cac, roas and roi are left empty; give the %s→%s rate to compare them",
				crm, acct, crm, acct))
		}
	}

	// The rows, with the pending leads attributed (copies: r is not
	// changed, so Report can be called again).
	rows := make(map[string]*rowAcc, len(r.rows)+1)
	for id, a := range r.rows {
		c := *a
		rows[id] = &c
	}
	pendingRow := make(map[adRef]string, len(r.pending))
	for ref, p := range r.pending {
		id, name, ok := r.resolve(ref)
		if !ok {
			id, name = UnattributedID, UnattributedName
		}
		pendingRow[ref] = id
		a := rows[id]
		if a == nil {
			a = &rowAcc{id: id}
			rows[id] = a
		}
		if a.name == "" {
			a.name = name
		}
		a.leads += p.leads
		a.matchd += p.matchd
	}

	type custAcc struct {
		students, paying int
		revenue          decimal.Decimal
	}
	per := map[string]*custAcc{}
	var tot custAcc
	for _, ft := range r.customers {
		row := ft.row
		if row == "" {
			row = pendingRow[ft.pending]
		}
		ca := per[row]
		if ca == nil {
			ca = &custAcc{}
			per[row] = ca
		}
		if ft.student {
			ca.students++
			tot.students++
		}
		sum, paid := decimal.Zero, false
		for _, p := range ft.income {
			d := civil(p.Date)
			if p.Date.IsZero() || d.Before(ft.day) || d.After(r.today) {
				continue
			}
			amount := p.Sum
			if convert { // each payment on its own, to cents: rows add up to the totals
				amount = amount.Mul(o.FXRate).Round(2)
			}
			sum = sum.Add(amount)
			paid = true
		}
		if paid {
			ca.paying++
			tot.paying++
			ca.revenue = ca.revenue.Add(sum)
			tot.revenue = tot.revenue.Add(sum)
		}
	}

	finish := func(row *ReportRow, ca *custAcc) {
		if ca != nil {
			row.Students, row.Paying, row.Revenue = ca.students, ca.paying, ca.revenue
		}
		if row.ID == UnattributedID {
			return // its spend is on the rows of its ads: no ratio
		}
		if row.Leads > 0 {
			row.CPL = valid(row.Spend.DivRound(decimal.NewFromInt(int64(row.Leads)), 2))
		}
		if !comparable {
			return
		}
		if row.Paying > 0 {
			row.CAC = valid(row.Spend.DivRound(decimal.NewFromInt(int64(row.Paying)), 2))
		}
		if !row.Spend.IsZero() {
			row.ROAS = valid(row.Revenue.DivRound(row.Spend, 4))
			row.ROI = valid(row.Revenue.Sub(row.Spend).DivRound(row.Spend, 4))
		}
	}

	rep.Totals = ReportRow{ID: TotalID, Name: TotalName}
	for id, a := range rows {
		row := ReportRow{ID: id, Name: a.name, Spend: a.spend, Leads: a.leads, Matched: a.matchd}
		finish(&row, per[id])
		rep.Rows = append(rep.Rows, row)
		rep.Totals.Spend = rep.Totals.Spend.Add(a.spend)
		rep.Totals.Leads += a.leads
		rep.Totals.Matched += a.matchd
	}
	finish(&rep.Totals, &tot)
	last := func(id string) int { // 0 for Meta objects, then unattributed, then organic
		switch id {
		case UnattributedID:
			return 1
		case OrganicID:
			return 2
		}
		return 0
	}
	slices.SortFunc(rep.Rows, func(a, b ReportRow) int {
		return cmp.Or(cmp.Compare(last(a.ID), last(b.ID)),
			b.Spend.Cmp(a.Spend), cmp.Compare(b.Leads, a.Leads), cmp.Compare(a.ID, b.ID))
	})
	return rep
}

func valid(d decimal.Decimal) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: d, Valid: true}
}
