package enrich

import (
	"context"
	"fmt"
	"sync"

	"github.com/ecademy/leadkit/alfacrm"
)

// Estimate compares the two strategies StrategyAuto chooses between, in
// CRM requests.
type Estimate struct {
	// Leads is the number of leads the estimate is for.
	Leads int
	// PerLeadRequests is Leads × Config.RequestsPerLead.
	PerLeadRequests int
	// BulkRequests is the bulk strategy's cost: the pages of its lists.
	BulkRequests int
	// Strategy is the cheaper one: StrategyBulk when BulkRequests is less
	// than PerLeadRequests, else StrategyPerLead.
	Strategy Strategy
}

// The lists the bulk strategy reads: student cards and lead cards (both
// active and archived), payments and conducted lessons.
var (
	bulkStudents = alfacrm.CustomerQuery{IsStudy: new(true), Removed: alfacrm.ActiveAndArchived}
	bulkLeads    = alfacrm.CustomerQuery{IsStudy: new(false), Removed: alfacrm.ActiveAndArchived}
	bulkPayments = alfacrm.PaymentQuery{}
	bulkLessons  = alfacrm.LessonQuery{Status: alfacrm.LessonConducted}
)

// bulkLists is the number of lists the bulk strategy reads, hence the
// least it can cost.
const bulkLists = 4

// Estimate prices both strategies for the given number of leads. Unless
// Config.BulkRequests is set, a CRM implementing DirectorySizer is asked
// for the size of each list (page 0, one request each; skipped when the
// per-lead cost is no more than bulkLists requests, which bulk can never
// beat).
func (e *Enricher) Estimate(ctx context.Context, leads int) (Estimate, error) {
	est := Estimate{Leads: leads, PerLeadRequests: leads * e.cfg.RequestsPerLead}
	if est.PerLeadRequests <= bulkLists {
		est.BulkRequests = bulkLists
		est.Strategy = StrategyPerLead
		return est, nil
	}
	bulk, err := e.bulkCost(ctx)
	if err != nil {
		return Estimate{}, err
	}
	est.BulkRequests = bulk
	est.Strategy = StrategyPerLead
	if bulk < est.PerLeadRequests {
		est.Strategy = StrategyBulk
	}
	return est, nil
}

// bulkCost returns the bulk strategy's estimated requests.
func (e *Enricher) bulkCost(ctx context.Context) (int, error) {
	if e.cfg.BulkRequests > 0 {
		return e.cfg.BulkRequests, nil
	}
	sizer, ok := e.crm.(DirectorySizer)
	if !ok {
		return DefaultBulkRequests, nil
	}
	var (
		wg    sync.WaitGroup
		pages [bulkLists]int
		errs  [bulkLists]error
	)
	probe := func(i int, f func() (total, items, next int, err error)) {
		defer wg.Done()
		total, items, next, err := f()
		if err != nil {
			errs[i] = err
			return
		}
		pages[i] = pagesOf(total, items, next)
	}
	wg.Add(bulkLists)
	go probe(0, func() (int, int, int, error) {
		p, err := sizer.CustomersPage(ctx, bulkStudents, 0)
		return p.Total, len(p.Items), p.Next, err
	})
	go probe(1, func() (int, int, int, error) {
		p, err := sizer.CustomersPage(ctx, bulkLeads, 0)
		return p.Total, len(p.Items), p.Next, err
	})
	go probe(2, func() (int, int, int, error) {
		p, err := sizer.PaymentsPage(ctx, bulkPayments, 0)
		return p.Total, len(p.Items), p.Next, err
	})
	go probe(3, func() (int, int, int, error) {
		p, err := sizer.LessonsPage(ctx, bulkLessons, 0)
		return p.Total, len(p.Items), p.Next, err
	})
	wg.Wait()
	sum := 0
	for i := range bulkLists {
		if errs[i] != nil {
			return 0, fmt.Errorf("enrich: sizing the CRM directory: %w", errs[i])
		}
		sum += pages[i]
	}
	return sum, nil
}

// pagesOf estimates the pages of a list from its page 0: the total over
// the page's length (the server's real page size). An unknown total counts
// as a share of DefaultBulkRequests.
func pagesOf(total, items, next int) int {
	switch {
	case next < 0 || items == 0:
		return 1
	case total <= 0:
		return DefaultBulkRequests / bulkLists
	}
	return (total + items - 1) / items
}

// choose picks the cheaper strategy for a run. With no expected count it
// reads ahead: per-lead is cheaper exactly when the stream has at most
// BulkRequests / RequestsPerLead leads.
func (r *run) choose(ctx context.Context, expected int) (Strategy, error) {
	if expected > 0 {
		est, err := r.e.Estimate(ctx, expected)
		return est.Strategy, err
	}
	n, ended := r.src.peek(bulkLists/r.e.cfg.RequestsPerLead + 1)
	if ended {
		est, err := r.e.Estimate(ctx, n)
		return est.Strategy, err
	}
	bulk, err := r.e.bulkCost(ctx)
	if err != nil {
		return 0, err
	}
	limit := bulk / r.e.cfg.RequestsPerLead // per-lead wins up to limit leads
	n, ended = r.src.peek(limit + 1)
	if ended && n*r.e.cfg.RequestsPerLead <= bulk {
		return StrategyPerLead, nil
	}
	return StrategyBulk, nil
}
