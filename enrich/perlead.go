package enrich

import (
	"context"
	"slices"
	"sync"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
)

// lookupKey identifies a contact lookup.
type lookupKey struct {
	by    MatchedBy
	value string
}

// summary is a customer's summarised history.
type summary struct {
	payments   Payments
	attendance Attendance
}

// perLeadState is the per-lead strategy's caches, shared by its workers.
type perLeadState struct {
	r        *run
	contacts *flightCache[lookupKey, []*card]
	history  *flightCache[int, summary]
}

// perLead enriches leads Concurrency at a time and delivers them in input
// order. At most windowSize leads are in memory; the source is pulled only
// when the oldest lead is not ready yet and the window has room.
func (r *run) perLead(ctx context.Context, yield func(EnrichedLead, error) bool) {
	st := &perLeadState{
		r:        r,
		contacts: newFlightCache[lookupKey, []*card](r.e.contactCache),
		history:  newFlightCache[int, summary](0),
	}
	conc := r.e.cfg.Concurrency
	window := 4 * conc

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: in-flight work stops, then returns
	defer cancel()

	type slot struct {
		done chan struct{}
		el   EnrichedLead
		err  error
	}
	sem := make(chan struct{}, conc)
	var queue []*slot
	ready := func(s *slot) bool {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	}
	for {
		for len(queue) < window && (len(queue) == 0 || !ready(queue[0])) {
			it, ok := r.src.pull()
			if !ok {
				break
			}
			s := &slot{done: make(chan struct{})}
			queue = append(queue, s)
			if it.err != nil {
				s.err = it.err
				close(s.done)
				break
			}
			wg.Add(1)
			go func(lead metaleads.Lead) {
				defer wg.Done()
				defer close(s.done)
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					s.err = &LeadError{LeadID: lead.ID, Err: ctx.Err()}
					return
				}
				defer func() { <-sem }()
				s.el, s.err = st.enrichLead(ctx, lead)
			}(it.lead)
		}
		if len(queue) == 0 {
			return
		}
		s := queue[0]
		queue[0] = nil
		queue = queue[1:]
		<-s.done
		if s.err != nil {
			yield(EnrichedLead{}, s.err)
			return
		}
		if !r.deliver(s.el, yield) {
			return
		}
	}
}

// enrichLead enriches one lead with cached lookups.
func (st *perLeadState) enrichLead(ctx context.Context, lead metaleads.Lead) (EnrichedLead, error) {
	r := st.r
	el := EnrichedLead{Lead: lead, Contact: r.e.norm.ContactFromLead(lead)}
	m, err := matchContact(ctx, r.e.m.keyOf(el.Contact), st.lookup)
	if err != nil {
		return EnrichedLead{}, &LeadError{LeadID: lead.ID, Err: err}
	}
	if m.card == nil {
		return el, nil
	}
	el.Customer = r.names.customer(m)
	sum, err := st.history.get(ctx, m.card.ID, func(ctx context.Context) (summary, error) {
		return customerHistory(ctx, r.e.crm, m.card.ID)
	})
	if err != nil {
		return EnrichedLead{}, &LeadError{LeadID: lead.ID, Err: err}
	}
	el.Payments, el.Attendance = sum.payments, sum.attendance
	el.Payments.Income = slices.Clone(sum.payments.Income) // callers may modify theirs
	return el, nil
}

// lookup finds the cards carrying a contact through FindCustomers, once per
// contact.
func (st *perLeadState) lookup(ctx context.Context, by MatchedBy, value string) ([]*card, error) {
	return st.contacts.get(ctx, lookupKey{by, value}, func(ctx context.Context) ([]*card, error) {
		q := alfacrm.ContactQuery{Email: value}
		if by == MatchedByPhone {
			q = alfacrm.ContactQuery{Phone: value}
		}
		found, err := st.r.e.crm.FindCustomers(ctx, q)
		if err != nil {
			return nil, err
		}
		cards := make([]*card, 0, len(found))
		for _, f := range found {
			cards = append(cards, st.r.e.m.card(f.Customer))
		}
		return cards, nil
	})
}

// customerHistory reads one customer's payments and conducted lessons.
func customerHistory(ctx context.Context, dir CustomerDirectory, id int) (summary, error) {
	h := newHistory(id)
	for p, err := range dir.Payments(ctx, alfacrm.PaymentQuery{CustomerID: id}) {
		if err != nil {
			return summary{}, err
		}
		h.addPayment(p)
	}
	for l, err := range dir.Lessons(ctx, alfacrm.LessonQuery{CustomerID: id, Status: alfacrm.LessonConducted}) {
		if err != nil {
			return summary{}, err
		}
		h.addLesson(l)
	}
	var s summary
	s.payments, s.attendance = h.summary()
	return s, nil
}
