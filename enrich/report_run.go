package enrich

import (
	"context"
	"fmt"

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
	return roi.Report(), nil
}
