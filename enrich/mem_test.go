package enrich

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/internal/contact"
)

// memCRM is a hand-written in-memory CRM: what a caller plugging another
// CRM (or a test double) into enrich writes. It counts calls and can fail
// or block on demand.
type memCRM struct {
	cards    []alfacrm.Customer
	payments []alfacrm.Payment
	lessons  []alfacrm.Lesson
	study    alfacrm.Dictionary
	lead     alfacrm.Dictionary

	mu    sync.Mutex
	calls map[string]int
	// failFind, when set, is returned by FindCustomers.
	failFind error
	// gate, when set, runs before FindCustomers answers (it may block).
	gate func(ctx context.Context, q alfacrm.ContactQuery) error
	// listing and maxListing count the list iterations in progress.
	listing, maxListing int
	// hold, when set, makes every list wait for it to be closed before
	// its first item.
	hold chan struct{}
	// afterCard, when set, runs after each card Customers yields, with
	// the number yielded so far by that iteration.
	afterCard func(n int)
}

// enter and leave track concurrent list iterations; enter waits for hold.
func (m *memCRM) enter(ctx context.Context) {
	m.mu.Lock()
	m.listing++
	m.maxListing = max(m.maxListing, m.listing)
	m.mu.Unlock()
	if m.hold != nil {
		select {
		case <-m.hold:
		case <-ctx.Done():
		}
	}
}

func (m *memCRM) leave() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.listing--
}

var _ CRM = (*memCRM)(nil)

func (m *memCRM) count(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[name]++
}

func (m *memCRM) n(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[name]
}

func (m *memCRM) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.calls {
		n += c
	}
	return n
}

func (m *memCRM) FindCustomers(ctx context.Context, q alfacrm.ContactQuery) ([]alfacrm.CustomerMatch, error) {
	m.count("FindCustomers")
	if m.gate != nil {
		if err := m.gate(ctx, q); err != nil {
			return nil, err
		}
	}
	if m.failFind != nil {
		return nil, m.failFind
	}
	var out []alfacrm.CustomerMatch
	for _, c := range m.cards {
		var by alfacrm.MatchedBy
		if q.Email != "" && slices.ContainsFunc(c.Emails, func(e string) bool { return contact.Email(e) == contact.Email(q.Email) }) {
			by |= alfacrm.MatchedEmail
		}
		want, _ := contact.Phone(q.Phone, "UA")
		if q.Phone != "" && slices.ContainsFunc(c.Phones, func(p string) bool { e, _ := contact.Phone(p, "UA"); return e == want }) {
			by |= alfacrm.MatchedPhone
		}
		if by != 0 {
			out = append(out, alfacrm.CustomerMatch{Customer: c, MatchedBy: by})
		}
	}
	return out, nil
}

func (m *memCRM) Customers(ctx context.Context, q alfacrm.CustomerQuery) iter.Seq2[alfacrm.Customer, error] {
	m.count("Customers")
	return func(yield func(alfacrm.Customer, error) bool) {
		m.enter(ctx)
		defer m.leave()
		n := 0
		for _, c := range m.cards {
			study := q.IsStudy == nil || *q.IsStudy
			if c.IsStudy != study || (c.Removed && q.Removed == alfacrm.ActiveOnly) {
				continue
			}
			if q.Email != "" && !slices.ContainsFunc(c.Emails, func(e string) bool {
				return strings.Contains(strings.ToLower(e), strings.ToLower(q.Email))
			}) {
				continue
			}
			if q.Phone != "" && !slices.ContainsFunc(c.Phones, func(p string) bool {
				return strings.Contains(contact.Digits(p), contact.Digits(q.Phone))
			}) {
				continue
			}
			if !yield(c, nil) {
				return
			}
			if n++; m.afterCard != nil {
				m.afterCard(n)
			}
		}
	}
}

func (m *memCRM) Payments(ctx context.Context, q alfacrm.PaymentQuery) iter.Seq2[alfacrm.Payment, error] {
	m.count("Payments")
	return func(yield func(alfacrm.Payment, error) bool) {
		m.enter(ctx)
		defer m.leave()
		for _, p := range m.payments {
			if (q.CustomerID == 0 || p.CustomerID == q.CustomerID) && !yield(p, nil) {
				return
			}
		}
	}
}

func (m *memCRM) Lessons(ctx context.Context, q alfacrm.LessonQuery) iter.Seq2[alfacrm.Lesson, error] {
	m.count("Lessons")
	return func(yield func(alfacrm.Lesson, error) bool) {
		m.enter(ctx)
		defer m.leave()
		for _, l := range m.lessons {
			if q.CustomerID != 0 && !slices.ContainsFunc(l.Details, func(a alfacrm.Attendance) bool { return a.CustomerID == q.CustomerID }) {
				continue
			}
			if !yield(l, nil) {
				return
			}
		}
	}
}

func (m *memCRM) Dictionary(ctx context.Context, kind alfacrm.DictKind) (alfacrm.Dictionary, error) {
	m.count("Dictionary")
	if kind == alfacrm.DictStudyStatus {
		return m.study, nil
	}
	return m.lead, nil
}
