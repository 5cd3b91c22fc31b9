package enrich

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/ecademy/leadkit/metaleads"
)

// PageLeads lists the lead forms of a Page (every form, archived ones
// included) and returns an iterator over their leads, form after form in
// Graph's order, with opts applied to each form, plus an estimate of how
// many leads it will yield.
//
// The estimate is the sum of the forms' leads_count, scaled for each form
// by the share of its lifetime (from its creation to now) that the
// opts.Since–opts.Until window covers; it is meant for choosing a strategy,
// not for counting. The forms are read before PageLeads returns; the leads
// lazily, as the iterator is ranged over.
func PageLeads(ctx context.Context, src LeadSource, pageID string, opts metaleads.LeadsOptions) (iter.Seq2[metaleads.Lead, error], int, error) {
	var forms []metaleads.Form
	for f, err := range src.Forms(ctx, pageID, metaleads.FormsOptions{}) {
		if err != nil {
			return nil, 0, fmt.Errorf("enrich: listing the lead forms: %w", err)
		}
		forms = append(forms, f)
	}
	now := time.Now()
	n := 0
	for _, f := range forms {
		n += expectedLeads(f, opts.Since, opts.Until, now)
	}
	leads := func(yield func(metaleads.Lead, error) bool) {
		for _, f := range forms {
			for l, err := range src.Leads(ctx, f.ID, opts) {
				if !yield(l, err) || err != nil {
					return
				}
			}
		}
	}
	return leads, n, nil
}

// expectedLeads scales a form's lead count to the window [since, until).
func expectedLeads(f metaleads.Form, since, until, now time.Time) int {
	n := f.LeadsCount
	if n <= 0 || f.CreatedTime.IsZero() || !f.CreatedTime.Before(now) || (since.IsZero() && until.IsZero()) {
		return max(n, 0)
	}
	lo, hi := f.CreatedTime, now
	if since.After(lo) {
		lo = since
	}
	if !until.IsZero() && until.Before(hi) {
		hi = until
	}
	if !lo.Before(hi) {
		return 0
	}
	share := float64(hi.Sub(lo)) / float64(now.Sub(f.CreatedTime))
	return int(float64(n)*share + 0.999)
}
