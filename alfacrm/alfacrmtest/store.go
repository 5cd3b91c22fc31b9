package alfacrmtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

type dictKind int

const (
	kindStudyStatus dictKind = iota
	kindLeadStatus
	kindLeadSource
	kindPayType
	kindSubject
	kindBranch
	numKinds
)

var kindNames = [numKinds]string{"study status", "lead status", "lead source", "pay type", "subject", "branch"}

// customerRec is a stored card; custom values are raw JSON so arrays sent
// through the API come back as arrays.
type customerRec struct {
	c      Customer // Custom is nil here; see custom
	custom map[string]json.RawMessage
}

type lessonRec struct {
	l         Lesson
	detailIDs []int
}

// store is the fake's data. It has its own lock so reads do not contend
// with token checks.
type store struct {
	mu        sync.RWMutex
	loc       *time.Location
	customers map[int]*customerRec
	custIDs   []int // sorted
	payments  []Payment
	lessons   []*lessonRec
	cgis      []GroupMembership
	tariffs   []CustomerTariff
	comms     []Communication
	dicts     [numKinds][]entry
	next      struct{ customer, payment, lesson, detail, cgi, tariff, comm int }
}

func newStore(loc *time.Location) *store {
	return &store{loc: loc, customers: map[int]*customerRec{}}
}

// nextID returns the id to use: want if non-zero (raising the counter past
// it), else the counter's next value.
func nextID(counter *int, want int) int {
	if want == 0 {
		*counter++
		return *counter
	}
	if want > *counter {
		*counter = want
	}
	return want
}

func customKey(k string) string {
	if strings.HasPrefix(k, "custom_") {
		return k
	}
	return "custom_" + k
}

func (st *store) addCustomer(c Customer, branch int, now time.Time) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.ID != 0 {
		if _, dup := st.customers[c.ID]; dup {
			panic(fmt.Sprintf("alfacrmtest: customer %d already exists", c.ID))
		}
	}
	c = cloneCustomer(c)
	c.ID = nextID(&st.next.customer, c.ID)
	if c.BranchIDs == nil {
		c.BranchIDs = []int{branch}
	}
	if c.LegalType == 0 {
		c.LegalType = 1
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	if c.Removed && c.RemovedAt.IsZero() {
		c.RemovedAt = c.UpdatedAt
	}
	rec := &customerRec{custom: map[string]json.RawMessage{}}
	for k, v := range c.Custom {
		rec.custom[customKey(k)] = marshal(v)
	}
	c.Custom = nil
	rec.c = c
	st.customers[c.ID] = rec
	i, _ := slices.BinarySearch(st.custIDs, c.ID)
	st.custIDs = slices.Insert(st.custIDs, i, c.ID)
	return c.ID
}

// view returns the public copy of a stored card.
func (rec *customerRec) view() Customer {
	c := cloneCustomer(rec.c)
	if len(rec.custom) > 0 {
		c.Custom = make(map[string]string, len(rec.custom))
		for k, raw := range rec.custom {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(raw)
			}
			c.Custom[strings.TrimPrefix(k, "custom_")] = s
		}
	}
	return c
}

func cloneCustomer(c Customer) Customer {
	c.BranchIDs = slices.Clone(c.BranchIDs)
	c.Phones = slices.Clone(c.Phones)
	c.Emails = slices.Clone(c.Emails)
	c.Web = slices.Clone(c.Web)
	c.Addr = slices.Clone(c.Addr)
	c.TeacherNames = slices.Clone(c.TeacherNames)
	c.Custom = maps.Clone(c.Custom)
	return c
}

func (st *store) addPayment(p Payment, branch int) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	p.ID = nextID(&st.next.payment, p.ID)
	if p.BranchID == 0 {
		p.BranchID = branch
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.Date
	}
	st.payments = append(st.payments, p)
	return p.ID
}

func cloneLesson(l Lesson) Lesson {
	l.TeacherIDs = slices.Clone(l.TeacherIDs)
	l.GroupIDs = slices.Clone(l.GroupIDs)
	l.CustomerIDs = slices.Clone(l.CustomerIDs)
	l.Details = slices.Clone(l.Details)
	return l
}

func (st *store) addLesson(l Lesson, branch int) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	l = cloneLesson(l)
	l.ID = nextID(&st.next.lesson, l.ID)
	if l.BranchID == 0 {
		l.BranchID = branch
	}
	if l.Status == 0 {
		l.Status = 3
	}
	if l.Duration == 0 {
		l.Duration = time.Hour
	}
	rec := &lessonRec{l: l, detailIDs: make([]int, len(l.Details))}
	for i := range l.Details {
		rec.detailIDs[i] = nextID(&st.next.detail, 0)
	}
	st.lessons = append(st.lessons, rec)
	return l.ID
}

func (st *store) addDict(k dictKind, id int, name string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if id == 0 {
		for _, e := range st.dicts[k] {
			id = max(id, e.ID)
		}
		id++
	} else if slices.ContainsFunc(st.dicts[k], func(e entry) bool { return e.ID == id }) {
		panic(fmt.Sprintf("alfacrmtest: %s %d already exists", kindNames[k], id))
	}
	st.dicts[k] = append(st.dicts[k], entry{ID: id, Name: name})
	slices.SortFunc(st.dicts[k], func(a, b entry) int { return a.ID - b.ID })
	return id
}

func (st *store) branchExists(id int) bool {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return slices.ContainsFunc(st.dicts[kindBranch], func(e entry) bool { return e.ID == id })
}

// AddCustomer seeds a customer card and returns its id. A non-zero c.ID
// must be new (AddCustomer panics on a duplicate).
func (s *Server) AddCustomer(c Customer) int {
	return s.st.addCustomer(c, s.BranchID, s.now())
}

// AddPayment seeds a payment and returns its id.
func (s *Server) AddPayment(p Payment) int { return s.st.addPayment(p, s.BranchID) }

// AddLesson seeds a lesson with its attendance and returns its id.
func (s *Server) AddLesson(l Lesson) int { return s.st.addLesson(l, s.BranchID) }

// AddGroupMembership seeds a cgi row (a customer in a group) and returns its id.
func (s *Server) AddGroupMembership(g GroupMembership) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	g.ID = nextID(&s.st.next.cgi, g.ID)
	s.st.cgis = append(s.st.cgis, g)
	return g.ID
}

// AddCustomerTariff seeds a customer's subscription and returns its id.
func (s *Server) AddCustomerTariff(t CustomerTariff) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	t.ID = nextID(&s.st.next.tariff, t.ID)
	t.SubjectIDs = slices.Clone(t.SubjectIDs)
	t.LessonTypeIDs = slices.Clone(t.LessonTypeIDs)
	s.st.tariffs = append(s.st.tariffs, t)
	return t.ID
}

// AddStudyStatus adds a study status and returns its id.
func (s *Server) AddStudyStatus(name string) int { return s.st.addDict(kindStudyStatus, 0, name) }

// AddLeadStatus adds a lead status and returns its id.
func (s *Server) AddLeadStatus(name string) int { return s.st.addDict(kindLeadStatus, 0, name) }

// AddLeadSource adds a lead source and returns its id.
func (s *Server) AddLeadSource(name string) int { return s.st.addDict(kindLeadSource, 0, name) }

// AddPayType adds a pay type (e.g. "Income", "Expense") and returns its id.
func (s *Server) AddPayType(name string) int { return s.st.addDict(kindPayType, 0, name) }

// AddSubject adds a subject and returns its id.
func (s *Server) AddSubject(name string) int { return s.st.addDict(kindSubject, 0, name) }

// AddBranch adds a branch and returns its id; branch-scoped calls with that
// id in the path are then accepted.
func (s *Server) AddBranch(name string) int { return s.st.addDict(kindBranch, 0, name) }

// Customer returns the stored card with the given id, archived or not.
func (s *Server) Customer(id int) (Customer, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec, ok := s.st.customers[id]
	if !ok {
		return Customer{}, false
	}
	return rec.view(), true
}

// Customers returns every stored card, archived ones included, by id.
func (s *Server) Customers() []Customer {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := make([]Customer, 0, len(s.st.custIDs))
	for _, id := range s.st.custIDs {
		out = append(out, s.st.customers[id].view())
	}
	return out
}

// Payments returns every stored payment, newest (highest id) first.
func (s *Server) Payments() []Payment {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := slices.Clone(s.st.payments)
	slices.SortFunc(out, func(a, b Payment) int { return b.ID - a.ID })
	return out
}

// Lessons returns every stored lesson, all statuses, by date.
func (s *Server) Lessons() []Lesson {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := make([]Lesson, 0, len(s.st.lessons))
	for _, rec := range s.st.sortedLessons() {
		out = append(out, cloneLesson(rec.l))
	}
	return out
}

// sortedLessons orders lessons by start, then id; st.mu is held.
func (st *store) sortedLessons() []*lessonRec {
	out := slices.Clone(st.lessons)
	slices.SortStableFunc(out, func(a, b *lessonRec) int {
		if c := a.l.Start.Compare(b.l.Start); c != 0 {
			return c
		}
		return a.l.ID - b.l.ID
	})
	return out
}
