package enrich

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
)

// directory is the whole CRM in memory: cards indexed by normalised
// contact, and each customer's history.
type directory struct {
	byEmail map[string][]*card
	byPhone map[string][]*card
	history map[int]*history
}

// lookup returns the cards carrying a normalised contact.
func (d *directory) lookup(_ context.Context, by MatchedBy, value string) ([]*card, error) {
	if by == MatchedByEmail {
		return d.byEmail[value], nil
	}
	return d.byPhone[value], nil
}

// summary returns a customer's history (zero when there is none).
func (d *directory) summary(id int) (Payments, Attendance) {
	h := d.history[id]
	if h == nil {
		h = newHistory(id)
	}
	return h.summary()
}

// bulk reads the directory once, then enriches each lead in memory, in
// order.
func (r *run) bulk(ctx context.Context, yield func(EnrichedLead, error) bool) {
	var report func(cards, payments, lessons int)
	if f := r.e.cfg.OnProgress; f != nil {
		report = func(cards, payments, lessons int) {
			r.progress.Phase = PhaseLoading
			r.progress.LeadsRead = r.src.read
			r.progress.CardsRead, r.progress.PaymentsRead, r.progress.LessonsRead = cards, payments, lessons
			f(r.progress)
		}
	}
	dir, err := loadDirectory(ctx, r.e.crm, r.e.m, r.e.cfg.Concurrency, report)
	if err != nil {
		yield(EnrichedLead{}, err)
		return
	}
	r.eachLead(yield, func(lead metaleads.Lead) bool {
		el := EnrichedLead{Lead: lead, Contact: r.e.norm.ContactFromLead(lead)}
		m, _ := matchContact(ctx, r.e.m.keyOf(el.Contact), dir.lookup) // in-memory: no error
		if m.card != nil {
			el.Customer = r.names.customer(m)
			el.Payments, el.Attendance = dir.summary(m.card.ID)
		}
		return r.deliver(el, yield)
	})
}

// loadDirectory reads every card (students and leads, active and
// archived), every payment and every conducted lesson: the four lists
// concurrently, at most conc at a time. report, when set, is called from
// the calling goroutine with the items read so far, about once per page of
// each list and at the end of each.
func loadDirectory(ctx context.Context, dir CustomerDirectory, m matcher, conc int, report func(cards, payments, lessons int)) (*directory, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		cards   [2][]*card
		pays    map[int]*history
		lessons map[int]*history
		once    sync.Once
		first   error // the first failure; the others may be its cancellation
		// counts are the cards, payments and lessons read; tick tells
		// the calling goroutine to report them (coalesced).
		counts [3]atomic.Int64
		tick   = make(chan struct{}, 1)
	)
	signal := func() {
		select {
		case tick <- struct{}{}:
		default:
		}
	}
	count := func(i int) { // one more item of kind i
		if counts[i].Add(1)%alfacrm.DefaultPageSize == 0 {
			signal()
		}
	}
	fail := func(what string, err error) {
		once.Do(func() {
			first = fmt.Errorf("enrich: reading %s: %w", what, err)
			cancel()
		})
	}
	sem := make(chan struct{}, max(1, min(conc, bulkLists)))
	start := func() bool { // waits for a slot; false when the load failed
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// spawn runs list in a goroutine of its own once a slot is free, and
	// signals when it ends.
	spawn := func(list func()) {
		go func() {
			defer wg.Done()
			if !start() {
				return
			}
			defer func() { <-sem }()
			defer signal()
			list()
		}()
	}
	wg.Add(bulkLists)
	for i, q := range []alfacrm.CustomerQuery{bulkStudents, bulkLeads} {
		spawn(func() {
			for cu, err := range dir.Customers(ctx, q) {
				if err != nil {
					fail("customers", err)
					return
				}
				cards[i] = append(cards[i], m.card(cu))
				count(0)
			}
		})
	}
	spawn(func() {
		pays = map[int]*history{}
		for p, err := range dir.Payments(ctx, bulkPayments) {
			if err != nil {
				fail("payments", err)
				return
			}
			count(1)
			if !p.Income || p.CustomerID == 0 {
				continue
			}
			historyOf(pays, p.CustomerID).addPayment(p)
		}
	})
	spawn(func() {
		lessons = map[int]*history{}
		for l, err := range dir.Lessons(ctx, bulkLessons) {
			if err != nil {
				fail("lessons", err)
				return
			}
			count(2)
			for _, d := range l.Details {
				historyOf(lessons, d.CustomerID).addLesson(l)
			}
		}
	})
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	var last [3]int64
	progress := func() { // reports the counts if they changed
		now := [3]int64{counts[0].Load(), counts[1].Load(), counts[2].Load()}
		if report != nil && now != last {
			last = now
			report(int(now[0]), int(now[1]), int(now[2]))
		}
	}
	for waiting := true; waiting; {
		select {
		case <-tick:
			progress()
		case <-done:
			waiting = false
		}
	}
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil { // cancelled by the caller
		return nil, err
	}
	progress() // the final counts

	d := &directory{
		byEmail: map[string][]*card{},
		byPhone: map[string][]*card{},
		history: pays,
	}
	seen := map[int]bool{}
	for _, list := range cards {
		for _, c := range list {
			if seen[c.ID] {
				continue // a card listed twice: index it once
			}
			seen[c.ID] = true
			for _, e := range c.emails {
				d.byEmail[e] = append(d.byEmail[e], c)
			}
			for _, p := range c.phones {
				d.byPhone[p] = append(d.byPhone[p], c)
			}
		}
	}
	for id, lh := range lessons {
		h := d.history[id]
		if h == nil {
			d.history[id] = lh
			continue
		}
		h.attended, h.missed, h.last, h.lessonIDs = lh.attended, lh.missed, lh.last, lh.lessonIDs
	}
	return d, nil
}

// historyOf returns the customer's history in m, added when missing.
func historyOf(m map[int]*history, customerID int) *history {
	h := m[customerID]
	if h == nil {
		h = newHistory(customerID)
		m[customerID] = h
	}
	return h
}
