package enrich

import (
	"context"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/internal/daterange"
	"github.com/ecademy/leadkit/metaleads"
)

// Report builds a ROI report for opts' period: it reads the ad account
// (for its currency, unless opts.AccountCurrency is set), the account's
// insights at opts.Level for the period, and the leads of every form of
// the Page created in the period, enriches them (Config.Strategy; with
// StrategyAuto the forms' lead counts decide) and aggregates them with
// [ROI]. Memory grows with the rows and the CRM directory, not with the
// number of leads.
//
// Payment dates come from the CRM as calendar days in the CRM client's
// time zone, while the period and the leads' days are in opts.Location
// (see ROIOptions.Location). When the CRM tells its zone (a Location()
// *time.Location method, as *alfacrm.Client has) and that zone's UTC
// offset differs from opts.Location's on any day from the period's start
// to today, the report carries a warning: a payment near midnight could
// be counted on the wrong side of a lead's day.
func (e *Enricher) Report(ctx context.Context, leads LeadSource, spend SpendSource, pageID, adAccountID string, opts ROIOptions) (Report, error) {
	roi, err := NewROI(opts) // validate before any request
	if err != nil {
		return Report{}, err
	}
	acct := metaleads.NormalizeAdAccountID(adAccountID)
	if opts.AccountCurrency == "" {
		a, err := spend.AdAccount(ctx, acct)
		if err != nil {
			return Report{}, fmt.Errorf("enrich: reading the ad account: %w", err)
		}
		opts.AccountCurrency = a.Currency
		if roi, err = NewROI(opts); err != nil {
			return Report{}, err
		}
	}
	for row, err := range spend.Insights(ctx, acct, metaleads.InsightsOptions{
		Level: roi.opts.Level, Since: opts.Since, Until: opts.Until,
	}) {
		if err != nil {
			return Report{}, fmt.Errorf("enrich: reading insights: %w", err)
		}
		if err := roi.AddSpend(row); err != nil {
			return Report{}, err
		}
	}
	from, to, err := daterange.Range(opts.Since, opts.Until, roi.loc)
	if err != nil {
		return Report{}, fmt.Errorf("enrich: ROI period: %w", err)
	}
	for el, err := range e.EnrichPage(ctx, leads, pageID, metaleads.LeadsOptions{Since: from, Until: to}) {
		if err != nil {
			return Report{}, err
		}
		roi.AddLead(el)
	}
	rep := roi.Report()
	if z, ok := e.crm.(interface{ Location() *time.Location }); ok {
		if w := zoneWarning(z.Location(), roi.loc, roi.from, roi.today); w != "" {
			rep.Warnings = append(rep.Warnings, w)
		}
	}
	return rep, nil
}

// zoneWarning returns a warning when the CRM client's time zone crm has
// another UTC offset than the report's zone loc at some midnight from the
// period's start to today (a civil date), else "". A nil crm is UTC.
func zoneWarning(crm, loc *time.Location, from, today time.Time) string {
	if crm == nil {
		crm = time.UTC
	}
	if crm == loc || crm.String() == loc.String() {
		return ""
	}
	end := time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, loc)
	const maxDays = 4000 // ten years of days is plenty to tell
	t := from
	for i := 0; i < maxDays && !t.After(end); i++ {
		_, a := t.In(crm).Zone()
		_, b := t.In(loc).Zone()
		if a != b {
			return fmt.Sprintf("payment dates are calendar days in the CRM client's time zone (%s), but the period and the leads' days are in %s: "+
				"a payment near midnight may fall on the wrong side of a lead's day; use one time zone for both", crm, loc)
		}
		t = t.Add(24 * time.Hour)
	}
	return ""
}
