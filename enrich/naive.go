package enrich

import (
	"context"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
)

// naive is StrategyNaive: the baseline a first integration writes. It is
// deliberately not the matching engine: it trusts the server's search with
// its defaults and takes the first card it returns.
func (r *run) naive(ctx context.Context, yield func(EnrichedLead, error) bool) {
	r.eachLead(yield, func(lead metaleads.Lead) bool {
		el, err := r.naiveLead(ctx, lead)
		if err != nil {
			yield(EnrichedLead{}, &LeadError{LeadID: lead.ID, Err: err})
			return false
		}
		return r.deliver(el, yield)
	})
}

func (r *run) naiveLead(ctx context.Context, lead metaleads.Lead) (EnrichedLead, error) {
	crm := r.e.crm
	el := EnrichedLead{Lead: lead, Contact: r.e.norm.ContactFromLead(lead)}
	search := func(q alfacrm.CustomerQuery) ([]alfacrm.Customer, error) {
		var out []alfacrm.Customer
		for cu, err := range crm.Customers(ctx, q) {
			if err != nil {
				return nil, err
			}
			out = append(out, cu)
		}
		return out, nil
	}
	var (
		found []alfacrm.Customer
		by    MatchedBy
		err   error
	)
	if el.Contact.Email != "" {
		if found, err = search(alfacrm.CustomerQuery{Email: el.Contact.Email}); err != nil {
			return EnrichedLead{}, err
		}
		by = MatchedByEmail
	}
	if len(found) == 0 && el.Contact.PhoneRaw != "" {
		if found, err = search(alfacrm.CustomerQuery{Phone: el.Contact.PhoneRaw}); err != nil {
			return EnrichedLead{}, err
		}
		by = MatchedByPhone
	}
	if len(found) == 0 {
		return el, nil
	}
	c := r.e.m.card(found[0])
	el.Customer = r.names.customer(match{card: c, by: by, ambiguous: len(found) > 1})
	h := newHistory(c.ID)
	for p, err := range crm.Payments(ctx, alfacrm.PaymentQuery{CustomerID: c.ID}) {
		if err != nil {
			return EnrichedLead{}, err
		}
		h.addPayment(p)
	}
	for l, err := range crm.Lessons(ctx, alfacrm.LessonQuery{CustomerID: c.ID}) {
		if err != nil {
			return EnrichedLead{}, err
		}
		h.addLesson(l)
	}
	el.Payments, el.Attendance = h.summary()
	return el, nil
}
