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
	// OrganicName is that row's name.
	OrganicName = "Organic"
	// TotalID and TotalName identify the totals row.
	TotalID   = "total"
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
	// Location is the CRM's time zone, in which leads' days are compared
	// with payment dates; nil means UTC.
	Location *time.Location
	// AccountCurrency is the ad account's currency (spend). Enricher.Report
	// fills it from the ad account; when empty, the first spend row's
	// currency is used.
	AccountCurrency string
	// Currency is the CRM's currency (revenue); "" means AccountCurrency.
	Currency string
	// FXRate converts revenue from Currency to AccountCurrency (units of
	// the account's currency per unit of the CRM's). Zero means none: when
	// the currencies differ, cac, roas and roi are then left undefined and
	// the report carries a warning.
	FXRate decimal.Decimal
	// Today bounds revenue: payments dated after Today's date (in
	// Location) are not counted. Zero means now.
	Today time.Time
}

// ReportRow is one row of a ROI report, or its totals.
type ReportRow struct {
	// ID is the campaign, ad set or ad id, OrganicID, or TotalID.
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
	// to Today), in the report's RevenueCurrency.
	Revenue decimal.Decimal
	// CPL is Spend/Leads, CAC Spend/Paying (both rounded to 2 places),
	// ROAS Revenue/Spend and ROI (Revenue−Spend)/Spend (rounded to 4
	// places). Each is invalid (null) when its divisor is zero; CAC, ROAS
	// and ROI also when revenue cannot be compared with spend (currency
	// mismatch without an FX rate). The organic row has no spend: its CPL
	// and CAC are 0.00, its ROAS and ROI null.
	CPL, CAC, ROAS, ROI decimal.NullDecimal
}

// Report is a ROI report: per campaign, ad set or ad, what was spent, the
// leads it brought, and what those leads' customers paid.
type Report struct {
	Level        metaleads.Level
	Since, Until string
	// Currency is the ad account's currency: spend, CPL and CAC, and
	// revenue when RevenueCurrency is the same.
	Currency string
	// RevenueCurrency is the currency of Revenue: Currency when the CRM
	// uses it or an FX rate converted it, else the CRM's currency.
	RevenueCurrency string
	// Rows are ordered by spend (largest first), then leads, then id; the
	// organic row comes last.
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
	row     string
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
// insights report at another level).
func (r *ROI) AddSpend(row metaleads.InsightRow) error {
	id, name := r.levelIDs(row.CampaignID, row.CampaignName, row.AdSetID, row.AdSetName, row.AdID, row.AdName)
	if id == "" {
		return fmt.Errorf("enrich: insight row without a %s id (is the report at level %s?)", r.opts.Level, r.opts.Level)
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
// are ignored; it reports whether the lead counted). Leads without an ad
// go to the organic row. A matched customer is attributed to the row of
// their earliest lead (ties by lead id), whatever order leads arrive in.
func (r *ROI) AddLead(el EnrichedLead) bool {
	t := el.Lead.CreatedTime
	if t.Before(r.from) || !t.Before(r.to) {
		return false
	}
	l := el.Lead
	id, name := r.levelIDs(l.CampaignID, l.CampaignName, l.AdSetID, l.AdSetName, l.AdID, l.AdName)
	if id == "" {
		id, name = OrganicID, OrganicName
	}
	a := r.row(id)
	if a.name == "" || (!a.spendName && name != "" && id != OrganicID) {
		a.name = name
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
			at: t, leadID: l.ID, row: id, day: civil(t.In(r.loc)),
			student: c.IsStudy, income: el.Payments.Income,
		}
	}
	return true
}

// lessID orders numeric Graph ids numerically, others lexically.
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Report computes the report from what was added.
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

	type custAcc struct {
		students, paying int
		revenue          decimal.Decimal
	}
	per := map[string]*custAcc{}
	var tot custAcc
	for _, ft := range r.customers {
		ca := per[ft.row]
		if ca == nil {
			ca = &custAcc{}
			per[ft.row] = ca
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
			sum = sum.Add(p.Sum)
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
		if convert {
			row.Revenue = row.Revenue.Mul(o.FXRate)
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
	for id, a := range r.rows {
		row := ReportRow{ID: id, Name: a.name, Spend: a.spend, Leads: a.leads, Matched: a.matchd}
		finish(&row, per[id])
		rep.Rows = append(rep.Rows, row)
		rep.Totals.Spend = rep.Totals.Spend.Add(a.spend)
		rep.Totals.Leads += a.leads
		rep.Totals.Matched += a.matchd
	}
	finish(&rep.Totals, &tot)
	slices.SortFunc(rep.Rows, func(a, b ReportRow) int {
		if (a.ID == OrganicID) != (b.ID == OrganicID) {
			if a.ID == OrganicID {
				return 1
			}
			return -1
		}
		return cmp.Or(b.Spend.Cmp(a.Spend), cmp.Compare(b.Leads, a.Leads), cmp.Compare(a.ID, b.ID))
	})
	return rep
}

func valid(d decimal.Decimal) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: d, Valid: true}
}
