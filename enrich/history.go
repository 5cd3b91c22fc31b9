package enrich

import (
	"cmp"
	"slices"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
)

// history accumulates one customer's income payments and conducted-lesson
// attendance. Both strategies feed it the same records (per customer, or
// the whole lists once), so they summarise alike.
type history struct {
	customerID int
	income     []Payment
	payIDs     map[int]bool
	attended   int
	missed     int
	last       time.Time
	lessonIDs  map[int]bool
}

func newHistory(customerID int) *history { return &history{customerID: customerID} }

// addPayment counts p if it is an income payment of this customer, once
// per payment id.
func (h *history) addPayment(p alfacrm.Payment) {
	if !p.Income || p.CustomerID != h.customerID {
		return
	}
	if p.ID != 0 {
		if h.payIDs[p.ID] {
			return
		}
		if h.payIDs == nil {
			h.payIDs = map[int]bool{}
		}
		h.payIDs[p.ID] = true
	}
	d := p.Date
	if d.IsZero() {
		d = p.CreatedAt
	}
	h.income = append(h.income, Payment{ID: p.ID, Date: d, Sum: p.Sum})
}

// addLesson counts a conducted lesson by this customer's attendance entry,
// once per lesson id; lessons without an entry for the customer, or not
// conducted, are skipped.
func (h *history) addLesson(l alfacrm.Lesson) {
	if l.Status != alfacrm.LessonConducted {
		return
	}
	for _, d := range l.Details {
		if d.CustomerID != h.customerID {
			continue
		}
		if l.ID != 0 {
			if h.lessonIDs[l.ID] {
				return
			}
			if h.lessonIDs == nil {
				h.lessonIDs = map[int]bool{}
			}
			h.lessonIDs[l.ID] = true
		}
		if d.IsAttend {
			h.attended++
			if l.Date.After(h.last) {
				h.last = l.Date
			}
		} else {
			h.missed++
		}
		return
	}
}

// summary returns the payment and attendance summaries. The income list is
// sorted oldest first (ties by id) so the result does not depend on the
// order the records arrived in.
func (h *history) summary() (Payments, Attendance) {
	inc := slices.Clone(h.income)
	slices.SortStableFunc(inc, func(a, b Payment) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.ID, b.ID))
	})
	var p Payments
	p.Income = inc
	for _, x := range inc {
		p.Count++
		p.Total = p.Total.Add(x.Sum)
		if x.Date.IsZero() {
			continue
		}
		if p.First.IsZero() || x.Date.Before(p.First) {
			p.First = x.Date
		}
		if p.Last.IsZero() || x.Date.After(p.Last) {
			p.Last = x.Date
		}
	}
	return p, Attendance{Attended: h.attended, Missed: h.missed, LastAttended: h.last}
}
