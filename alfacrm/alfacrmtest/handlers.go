package alfacrmtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/contact"
)

// call is one authorized API call.
type call struct {
	branch int
	query  url.Values
	params map[string]any
	raw    []byte
}

type handlerFunc func(call) response

func (s *Server) handler(model, action string) (handlerFunc, bool) {
	switch model + "/" + action {
	case "customer/index":
		return s.customerIndex, true
	case "customer/create":
		return s.customerCreate, true
	case "customer/update":
		return s.customerUpdate, true
	case "customer/delete":
		return s.customerDelete, true
	case "pay/index":
		return s.payIndex, true
	case "lesson/index":
		return s.lessonIndex, true
	case "customer-tariff/index":
		return s.tariffIndex, true
	case "cgi/index":
		return s.cgiIndex, true
	case "communication/index":
		return s.communicationIndex, true
	case "study-status/index":
		return s.dictIndex(kindStudyStatus), true
	case "lead-status/index":
		return s.dictIndex(kindLeadStatus), true
	case "lead-source/index":
		return s.dictIndex(kindLeadSource), true
	case "pay-type/index":
		return s.dictIndex(kindPayType), true
	case "subject/index":
		return s.dictIndex(kindSubject), true
	case "branch/index":
		return s.dictIndex(kindBranch), true
	}
	return nil, false
}

// envelope is the list response of every index action.
type envelope struct {
	Total int               `json:"total"`
	Count int               `json:"count"`
	Page  int               `json:"page"`
	Items []json.RawMessage `json:"items"`
}

// pageSize returns the page size a list call gets.
func (s *Server) pageSize(c call) int {
	if s.cfg.fixedPage > 0 {
		return s.cfg.fixedPage
	}
	n, ok := 0, false
	if v, has := c.params["pageSize"]; has && present(v) {
		n, ok = toInt(v)
	} else if q := c.query.Get("per-page"); q != "" {
		n, ok = toInt(q)
	}
	if !ok || n <= 0 || n > s.cfg.pageCap {
		return s.cfg.pageCap
	}
	return n
}

// paged cuts one page out of total matching items; encode(i) encodes the
// i-th match.
func (s *Server) paged(c call, total int, encode func(i int) json.RawMessage) response {
	size := s.pageSize(c)
	page, _ := toInt(c.params["page"])
	if page < 0 {
		page = 0
	}
	if s.cfg.clampPages && total > 0 && page*size >= total {
		page = (total - 1) / size
	}
	env := envelope{Total: total, Page: page, Items: []json.RawMessage{}}
	for i := page * size; i < total && i < (page+1)*size; i++ {
		env.Items = append(env.Items, encode(i))
	}
	env.Count = len(env.Items)
	return jsonResponse(http.StatusOK, env)
}

// filters collects predicates; a filter with a value of the wrong type
// matches nothing (the search model fails to validate).
type filters[T any] struct {
	preds   []func(T) bool
	invalid bool
}

func (f *filters[T]) add(p func(T) bool) { f.preds = append(f.preds, p) }

func (f *filters[T]) match(v T) bool {
	if f.invalid {
		return false
	}
	for _, p := range f.preds {
		if !p(v) {
			return false
		}
	}
	return true
}

// intFilter adds an equality (or IN) filter on an integer field where 0
// stands for null and never matches.
func intFilter[T any](f *filters[T], params map[string]any, key string, field func(T) []int) {
	v, ok := params[key]
	if !ok || !present(v) {
		return
	}
	set, ok := intSet(v)
	if !ok {
		f.invalid = true
		return
	}
	f.add(func(x T) bool {
		for _, have := range field(x) {
			if have != 0 && slices.Contains(set, have) {
				return true
			}
		}
		return false
	})
}

func one(n int) []int { return []int{n} }

// dateFilter adds an inclusive day range filter from params[fromKey] and
// params[toKey] on a time field, compared as calendar dates in loc.
func dateFilter[T any](f *filters[T], params map[string]any, loc *time.Location, fromKey, toKey string, field func(T) time.Time) {
	for _, key := range []string{fromKey, toKey} {
		v, ok := params[key]
		if !ok || !present(v) {
			continue
		}
		d, ok := parseDate(v, loc)
		if !ok {
			f.invalid = true
			return
		}
		day := d.Format(layoutYMD)
		from := key == fromKey
		f.add(func(x T) bool {
			t := field(x)
			if t.IsZero() {
				return false
			}
			have := t.In(loc).Format(layoutYMD)
			if from {
				return have >= day
			}
			return have <= day
		})
	}
}

func substringFilter[T any](f *filters[T], params map[string]any, key string, field func(T) []string) {
	v, ok := params[key]
	if !ok || !present(v) {
		return
	}
	q, ok := toString(v)
	if !ok {
		f.invalid = true
		return
	}
	q = strings.ToLower(strings.TrimSpace(q))
	f.add(func(x T) bool {
		for _, have := range field(x) {
			if strings.Contains(strings.ToLower(have), q) {
				return true
			}
		}
		return false
	})
}

func (s *Server) customerFilters(c call) *filters[*customerRec] {
	f := &filters[*customerRec]{}
	p := c.params
	loc := s.cfg.loc
	f.add(func(r *customerRec) bool { return slices.Contains(r.c.BranchIDs, c.branch) })

	isStudy := []int{1}
	if v, ok := p["is_study"]; ok && present(v) {
		set, ok := intSet(v)
		if !ok {
			f.invalid = true
		}
		isStudy = set
	}
	if !slices.Contains(isStudy, 2) {
		f.add(func(r *customerRec) bool {
			n := 0
			if r.c.IsStudy {
				n = 1
			}
			return slices.Contains(isStudy, n)
		})
	}

	removed := 0
	if v, ok := p["removed"]; ok && present(v) {
		removed, _ = toInt(v)
	}
	switch removed {
	case 1:
	case 2:
		f.add(func(r *customerRec) bool { return r.c.Removed })
	default:
		f.add(func(r *customerRec) bool { return !r.c.Removed })
	}

	intFilter(f, p, "id", func(r *customerRec) []int { return one(r.c.ID) })
	intFilter(f, p, "study_status_id", func(r *customerRec) []int { return one(r.c.StudyStatusID) })
	intFilter(f, p, "lead_status_id", func(r *customerRec) []int { return one(r.c.LeadStatusID) })
	intFilter(f, p, "lead_reject_id", func(r *customerRec) []int { return one(r.c.LeadRejectID) })
	intFilter(f, p, "lead_source_id", func(r *customerRec) []int { return one(r.c.LeadSourceID) })
	intFilter(f, p, "assigned_id", func(r *customerRec) []int { return one(r.c.AssignedID) })
	intFilter(f, p, "legal_type", func(r *customerRec) []int { return one(r.c.LegalType) })
	intFilter(f, p, "branch_ids", func(r *customerRec) []int { return r.c.BranchIDs })
	substringFilter(f, p, "name", func(r *customerRec) []string { return []string{r.c.Name} })
	substringFilter(f, p, "legal_name", func(r *customerRec) []string { return []string{r.c.LegalName} })
	substringFilter(f, p, "email", func(r *customerRec) []string { return r.c.Emails })
	substringFilter(f, p, "note", func(r *customerRec) []string { return []string{r.c.Note} })
	if v, ok := p["phone"]; ok && present(v) {
		q, ok := toString(v)
		digits := contact.Digits(q)
		if !ok || digits == "" {
			f.invalid = true
		}
		f.add(func(r *customerRec) bool {
			for _, ph := range r.c.Phones {
				if strings.Contains(contact.Digits(ph), digits) {
					return true
				}
			}
			return false
		})
	}
	created := func(r *customerRec) time.Time { return r.c.CreatedAt }
	dateFilter(f, p, loc, "date_from", "date_to", created)
	dateFilter(f, p, loc, "created_at_from", "created_at_to", created)
	dateFilter(f, p, loc, "updated_at_from", "updated_at_to", func(r *customerRec) time.Time { return r.c.UpdatedAt })
	dateFilter(f, p, loc, "dob_from", "dob_to", func(r *customerRec) time.Time { return r.c.DOB })
	dateFilter(f, p, loc, "removed_from", "removed_to", func(r *customerRec) time.Time { return r.c.RemovedAt })
	return f
}

func (s *Server) customerIndex(c call) response {
	f := s.customerFilters(c)
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var hits []*customerRec
	for _, id := range s.st.custIDs {
		if rec := s.st.customers[id]; f.match(rec) {
			hits = append(hits, rec)
		}
	}
	return s.paged(c, len(hits), func(i int) json.RawMessage { return s.encodeCustomer(hits[i]) })
}

// customerItem is a customer/index item, in the field order of the
// captured response.
type customerItem struct {
	ID              int      `json:"id"`
	BranchIDs       []int    `json:"branch_ids"`
	TeacherIDs      []string `json:"teacher_ids"`
	Name            string   `json:"name"`
	Barcode         string   `json:"barcode"`
	Color           *string  `json:"color"`
	IsStudy         int      `json:"is_study"`
	StudyStatusID   nullInt  `json:"study_status_id"`
	LeadStatusID    nullInt  `json:"lead_status_id"`
	LeadRejectID    nullInt  `json:"lead_reject_id"`
	LeadSourceID    nullInt  `json:"lead_source_id"`
	AssignedID      nullInt  `json:"assigned_id"`
	LegalType       int      `json:"legal_type"`
	LegalName       string   `json:"legal_name"`
	CompanyID       nullInt  `json:"company_id"`
	DOB             string   `json:"dob"`
	Balance         string   `json:"balance"`
	BalanceBase     string   `json:"balance_base"`
	BalanceBonus    int      `json:"balance_bonus"`
	PaidCount       int      `json:"paid_count"`
	NextLessonDate  *string  `json:"next_lesson_date"`
	PaidTill        *string  `json:"paid_till"`
	LastAttendDate  *string  `json:"last_attend_date"`
	BDate           string   `json:"b_date"`
	EDate           string   `json:"e_date"`
	Note            string   `json:"note"`
	PaidLessonCount int      `json:"paid_lesson_count"`
	PaidLessonDate  *string  `json:"paid_lesson_date"`
	Phone           []string `json:"phone"`
	Email           []string `json:"email"`
	Web             []string `json:"web"`
	Addr            []string `json:"addr"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
}

func (s *Server) encodeCustomer(rec *customerRec) json.RawMessage {
	c := rec.c
	loc := s.cfg.loc
	isStudy := 0
	if c.IsStudy {
		isStudy = 1
	}
	var color *string
	if c.Color != "" {
		color = &c.Color
	}
	item := customerItem{
		ID: c.ID, BranchIDs: ints(c.BranchIDs), TeacherIDs: strs(c.TeacherNames), Name: c.Name, Color: color,
		IsStudy: isStudy, StudyStatusID: nullInt(c.StudyStatusID), LeadStatusID: nullInt(c.LeadStatusID),
		LeadRejectID: nullInt(c.LeadRejectID), LeadSourceID: nullInt(c.LeadSourceID), AssignedID: nullInt(c.AssignedID),
		LegalType: c.LegalType, LegalName: c.LegalName, DOB: fmtTime(c.DOB, loc, layoutDMY),
		Balance: money(c.Balance), BalanceBase: money(c.Balance), BalanceBonus: c.BalanceBonus,
		PaidCount: c.PaidCount, BDate: fmtTime(c.CreatedAt, loc, layoutDateTime), EDate: "2030-12-31",
		Note: c.Note, PaidLessonCount: c.PaidLessonCount,
		Phone: strs(c.Phones), Email: strs(c.Emails), Web: strs(c.Web), Addr: strs(c.Addr),
		CreatedAt: fmtTime(c.CreatedAt, loc, layoutDateTime), UpdatedAt: fmtTime(c.UpdatedAt, loc, layoutDateTime),
	}
	b := marshal(item)
	if len(rec.custom) == 0 {
		return b
	}
	keys := slices.Sorted(maps.Keys(rec.custom))
	out := b[:len(b)-1]
	for _, k := range keys {
		out = append(out, ',')
		out = append(out, marshal(k)...)
		out = append(out, ':')
		out = append(out, rec.custom[k]...)
	}
	return append(out, '}')
}

// writable lists the customer fields create and update set; update
// overwrites all of them unless WithPartialUpdates is on.
var writable = []string{
	"name", "is_study", "legal_type", "legal_name", "branch_ids", "phone", "email", "web", "addr", "dob",
	"note", "color", "study_status_id", "lead_status_id", "lead_reject_id", "lead_source_id", "assigned_id",
}

// applyCustomer sets the fields of c from params. With all set, every
// writable field is set, omitted ones to their zero value, and the
// required fields are checked; otherwise only the fields present change.
// It returns validation messages.
func (s *Server) applyCustomer(rec *customerRec, params map[string]any, all bool, branch int) []string {
	var errs []string
	c := &rec.c
	has := func(k string) bool { _, ok := params[k]; return ok || all }
	bad := func(label string) { errs = append(errs, label+" is invalid.") }

	if has("name") {
		name, _ := toString(params["name"])
		if strings.TrimSpace(name) == "" {
			errs = append(errs, "Name cannot be blank.")
		}
		c.Name = strings.TrimSpace(name)
	}
	for _, f := range []struct {
		key, label string
		allowed    []int
		set        func(int)
	}{
		{"is_study", "Is Study", []int{0, 1}, func(n int) { c.IsStudy = n == 1 }},
		{"legal_type", "Legal Type", []int{1, 2}, func(n int) { c.LegalType = n }},
	} {
		if !has(f.key) {
			continue
		}
		v := params[f.key]
		if !present(v) {
			errs = append(errs, f.label+" cannot be blank.")
			continue
		}
		n, ok := toInt(v)
		if !ok || !slices.Contains(f.allowed, n) {
			bad(f.label)
			continue
		}
		f.set(n)
	}
	for _, f := range []struct {
		key, label string
		dst        *int
	}{
		{"study_status_id", "Study Status", &c.StudyStatusID},
		{"lead_status_id", "Lead Status", &c.LeadStatusID},
		{"lead_reject_id", "Lead Reject", &c.LeadRejectID},
		{"lead_source_id", "Lead Source", &c.LeadSourceID},
		{"assigned_id", "Assigned", &c.AssignedID},
	} {
		if !has(f.key) {
			continue
		}
		v := params[f.key]
		if !present(v) {
			*f.dst = 0
			continue
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			bad(f.label)
			continue
		}
		*f.dst = n
	}
	for _, f := range []struct {
		key, label string
		dst        *string
	}{
		{"legal_name", "Legal Name", &c.LegalName},
		{"note", "Note", &c.Note},
		{"color", "Color", &c.Color},
	} {
		if !has(f.key) {
			continue
		}
		v := params[f.key]
		if v == nil {
			*f.dst = ""
			continue
		}
		str, ok := toString(v)
		if !ok {
			bad(f.label)
			continue
		}
		*f.dst = str
	}
	for _, f := range []struct {
		key, label string
		dst        *[]string
	}{
		{"phone", "Phone", &c.Phones},
		{"email", "Email", &c.Emails},
		{"web", "Web", &c.Web},
		{"addr", "Address", &c.Addr},
	} {
		if !has(f.key) {
			continue
		}
		list, ok := toStrings(params[f.key])
		if !ok {
			bad(f.label)
			continue
		}
		*f.dst = list
	}
	if has("branch_ids") {
		v := params["branch_ids"]
		if !present(v) {
			c.BranchIDs = []int{branch}
		} else if set, ok := intSet(v); !ok {
			bad("Branch")
		} else {
			for _, b := range set {
				if !s.st.branchExistsLocked(b) {
					bad("Branch")
					set = nil
					break
				}
			}
			if set != nil {
				c.BranchIDs = set
			}
		}
	}
	if has("dob") {
		v := params["dob"]
		if !present(v) {
			c.DOB = time.Time{}
		} else if str, ok := v.(string); !ok {
			errs = append(errs, "Date of birth must be in DD.MM.YYYY format.")
		} else if d, err := time.ParseInLocation(layoutDMY, strings.TrimSpace(str), s.cfg.loc); err != nil {
			errs = append(errs, "Date of birth must be in DD.MM.YYYY format.")
		} else {
			c.DOB = d
		}
	}
	if all {
		clear(rec.custom)
	}
	return errs
}

// applyCustom stores the custom_* fields of a body verbatim.
func applyCustom(rec *customerRec, raw []byte) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	for k, v := range m {
		if strings.HasPrefix(k, "custom_") && len(k) > len("custom_") {
			rec.custom[k] = v
		}
	}
}

// saved is the create/update/delete envelope.
type saved struct {
	Success bool            `json:"success"`
	Errors  []string        `json:"errors"`
	Model   json.RawMessage `json:"model"`
}

func validationFailed(errs []string) response {
	return jsonResponse(http.StatusOK, saved{Success: false, Errors: errs, Model: json.RawMessage("null")})
}

// echoModel returns the stored card with the request's own values laid
// over it, since the real API echoes field types as they were sent (ids as
// strings stay strings).
func (s *Server) echoModel(rec *customerRec, raw []byte) json.RawMessage {
	var model map[string]json.RawMessage
	_ = json.Unmarshal(s.encodeCustomer(rec), &model)
	var sent map[string]json.RawMessage
	if json.Unmarshal(raw, &sent) == nil {
		for _, k := range writable {
			if v, ok := sent[k]; ok {
				model[k] = v
			}
		}
	}
	return marshal(model)
}

func (s *Server) customerCreate(c call) response {
	now := s.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	rec := &customerRec{custom: map[string]json.RawMessage{}}
	rec.c.BranchIDs = []int{c.branch}
	if errs := s.applyCustomer(rec, c.params, true, c.branch); len(errs) > 0 {
		return validationFailed(errs)
	}
	applyCustom(rec, c.raw)
	rec.c.ID = nextID(&s.st.next.customer, 0)
	rec.c.CreatedAt, rec.c.UpdatedAt = now, now
	s.st.customers[rec.c.ID] = rec
	s.st.custIDs = append(s.st.custIDs, rec.c.ID) // the new id is the largest
	return jsonResponse(http.StatusOK, saved{Success: true, Errors: []string{}, Model: s.echoModel(rec, c.raw)})
}

// findCustomer reads ?id= and finds the card in the call's branch;
// st.mu is held.
func (s *Server) findCustomer(c call) (*customerRec, *response) {
	idText := c.query.Get("id")
	if idText == "" {
		r := yiiError(http.StatusBadRequest, "Missing required parameters: id")
		return nil, &r
	}
	id, ok := toInt(idText)
	rec := s.st.customers[id]
	if !ok || rec == nil || !slices.Contains(rec.c.BranchIDs, c.branch) {
		r := yiiError(http.StatusNotFound, "Object not found: "+idText)
		return nil, &r
	}
	return rec, nil
}

func (s *Server) customerUpdate(c call) response {
	now := s.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	rec, fail := s.findCustomer(c)
	if fail != nil {
		return *fail
	}
	next := &customerRec{c: cloneCustomer(rec.c), custom: maps.Clone(rec.custom)}
	all := !s.cfg.partialUpdate
	if all {
		// The card is overwritten: writable fields not sent become empty.
		keep := next.c
		next.c = Customer{
			ID: keep.ID, Removed: keep.Removed, RemovedAt: keep.RemovedAt, Balance: keep.Balance,
			BalanceBonus: keep.BalanceBonus, PaidCount: keep.PaidCount, PaidLessonCount: keep.PaidLessonCount,
			TeacherNames: keep.TeacherNames, CreatedAt: keep.CreatedAt, BranchIDs: []int{c.branch},
		}
	}
	if errs := s.applyCustomer(next, c.params, all, c.branch); len(errs) > 0 {
		return validationFailed(errs)
	}
	applyCustom(next, c.raw)
	next.c.UpdatedAt = now
	*rec = *next
	return jsonResponse(http.StatusOK, saved{Success: true, Errors: []string{}, Model: s.echoModel(rec, c.raw)})
}

func (s *Server) customerDelete(c call) response {
	now := s.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	rec, fail := s.findCustomer(c)
	if fail != nil {
		return *fail
	}
	if !rec.c.Removed {
		rec.c.Removed, rec.c.RemovedAt, rec.c.UpdatedAt = true, now, now
	}
	return jsonResponse(http.StatusOK, saved{Success: true, Errors: []string{}, Model: s.encodeCustomer(rec)})
}

// dictName returns the name of a dictionary entry, "" if unknown; st.mu is held.
func (st *store) dictName(k dictKind, id int) string {
	for _, e := range st.dicts[k] {
		if e.ID == id {
			return e.Name
		}
	}
	return ""
}

func (st *store) branchExistsLocked(id int) bool {
	return slices.ContainsFunc(st.dicts[kindBranch], func(e entry) bool { return e.ID == id })
}

// payItem is a pay/index item.
type payItem struct {
	ID           int             `json:"id"`
	BranchID     int             `json:"branch_id"`
	LocationID   nullInt         `json:"location_id"`
	CustomerID   nullInt         `json:"customer_id"`
	PayTypeID    int             `json:"pay_type_id"`
	PayTypeName  string          `json:"pay_type_name"`
	PayAccountID nullInt         `json:"pay_account_id"`
	PayItemID    nullInt         `json:"pay_item_id"`
	TeacherID    nullInt         `json:"teacher_id"`
	CommodityID  nullInt         `json:"commodity_id"`
	CttID        int             `json:"ctt_id"`
	DocumentDate string          `json:"document_date"`
	CreatedAt    string          `json:"created_at"`
	Income       json.RawMessage `json:"income"`
	PayerName    string          `json:"payer_name"`
	Note         string          `json:"note"`
	IsConfirmed  int             `json:"is_confirmed"`
}

func (s *Server) payIndex(c call) response {
	f := &filters[*Payment]{}
	p, loc := c.params, s.cfg.loc
	f.add(func(x *Payment) bool { return x.BranchID == c.branch })
	intFilter(f, p, "id", func(x *Payment) []int { return one(x.ID) })
	intFilter(f, p, "customer_id", func(x *Payment) []int { return one(x.CustomerID) })
	intFilter(f, p, "pay_type_id", func(x *Payment) []int { return one(x.PayTypeID) })
	intFilter(f, p, "pay_account_id", func(x *Payment) []int { return one(x.PayAccountID) })
	intFilter(f, p, "pay_item_id", func(x *Payment) []int { return one(x.PayItemID) })
	dateFilter(f, p, loc, "date_from", "date_to", func(x *Payment) time.Time { return x.Date })
	dateFilter(f, p, loc, "created_at_from", "created_at_to", func(x *Payment) time.Time { return x.CreatedAt })

	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var hits []*Payment
	for i := range s.st.payments {
		if x := &s.st.payments[i]; f.match(x) {
			hits = append(hits, x)
		}
	}
	slices.SortFunc(hits, func(a, b *Payment) int { return b.ID - a.ID })
	return s.paged(c, len(hits), func(i int) json.RawMessage {
		x := hits[i]
		income := json.RawMessage(marshal(money(x.Sum)))
		if x.SumAsNumber {
			income = json.RawMessage(x.Sum.String())
		}
		return marshal(payItem{
			ID: x.ID, BranchID: x.BranchID, CustomerID: nullInt(x.CustomerID), PayTypeID: x.PayTypeID,
			PayTypeName:  s.st.dictName(kindPayType, x.PayTypeID),
			PayAccountID: nullInt(x.PayAccountID), PayItemID: nullInt(x.PayItemID),
			DocumentDate: fmtTime(x.Date, loc, layoutDMY), CreatedAt: fmtTime(x.CreatedAt, loc, layoutDateTime),
			Income: income, PayerName: x.PayerName, Note: x.Note, IsConfirmed: 1,
		})
	})
}

// lessonItem is a lesson/index item.
type lessonItem struct {
	ID           int          `json:"id"`
	BranchID     int          `json:"branch_id"`
	Date         string       `json:"date"`
	TimeFrom     string       `json:"time_from"`
	TimeTo       string       `json:"time_to"`
	LessonTypeID nullInt      `json:"lesson_type_id"`
	Status       int          `json:"status"`
	SubjectID    nullInt      `json:"subject_id"`
	RoomID       nullInt      `json:"room_id"`
	TeacherIDs   []int        `json:"teacher_ids"`
	CustomerIDs  []int        `json:"customer_ids"`
	GroupIDs     []int        `json:"group_ids"`
	RegularID    nullInt      `json:"regular_id"`
	Streaming    bool         `json:"streaming"`
	Topic        string       `json:"topic"`
	Note         string       `json:"note"`
	Homework     string       `json:"homework"`
	Details      []detailItem `json:"details"`
}

type detailItem struct {
	ID         int     `json:"id"`
	CustomerID int     `json:"customer_id"`
	IsAttend   int     `json:"is_attend"`
	ReasonID   nullInt `json:"reason_id"`
	Commission string  `json:"commission"`
}

func (s *Server) lessonIndex(c call) response {
	f := &filters[*lessonRec]{}
	p, loc := c.params, s.cfg.loc
	f.add(func(x *lessonRec) bool { return x.l.BranchID == c.branch })
	if v, ok := p["status"]; !ok || !present(v) {
		f.add(func(x *lessonRec) bool { return x.l.Status == 3 })
	}
	intFilter(f, p, "status", func(x *lessonRec) []int { return one(x.l.Status) })
	intFilter(f, p, "id", func(x *lessonRec) []int { return one(x.l.ID) })
	intFilter(f, p, "customer_id", func(x *lessonRec) []int {
		ids := slices.Clone(x.l.CustomerIDs)
		for _, d := range x.l.Details {
			ids = append(ids, d.CustomerID)
		}
		return ids
	})
	intFilter(f, p, "teacher_id", func(x *lessonRec) []int { return x.l.TeacherIDs })
	intFilter(f, p, "group_id", func(x *lessonRec) []int { return x.l.GroupIDs })
	intFilter(f, p, "group_ids", func(x *lessonRec) []int { return x.l.GroupIDs })
	intFilter(f, p, "subject_id", func(x *lessonRec) []int { return one(x.l.SubjectID) })
	intFilter(f, p, "lesson_type_id", func(x *lessonRec) []int { return one(x.l.LessonTypeID) })
	dateFilter(f, p, loc, "date_from", "date_to", func(x *lessonRec) time.Time { return x.l.Start })

	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var hits []*lessonRec
	for _, x := range s.st.sortedLessons() {
		if f.match(x) {
			hits = append(hits, x)
		}
	}
	return s.paged(c, len(hits), func(i int) json.RawMessage {
		x := hits[i]
		l := x.l
		item := lessonItem{
			ID: l.ID, BranchID: l.BranchID, Date: fmtTime(l.Start, loc, layoutYMD),
			TimeFrom: fmtTime(l.Start, loc, layoutDateTime), TimeTo: fmtTime(l.Start.Add(l.Duration), loc, layoutDateTime),
			LessonTypeID: nullInt(l.LessonTypeID), Status: l.Status, SubjectID: nullInt(l.SubjectID), RoomID: nullInt(l.RoomID),
			TeacherIDs: ints(l.TeacherIDs), CustomerIDs: ints(l.CustomerIDs), GroupIDs: ints(l.GroupIDs),
			Topic: l.Topic, Note: l.Note, Homework: l.Homework, Details: []detailItem{},
		}
		for j, d := range l.Details {
			att := 0
			if d.Attended {
				att = 1
			}
			item.Details = append(item.Details, detailItem{
				ID: x.detailIDs[j], CustomerID: d.CustomerID, IsAttend: att, ReasonID: nullInt(d.ReasonID),
				Commission: money(d.Commission),
			})
		}
		return marshal(item)
	})
}

// parentID reads a parent id from the query string only: the real API
// ignores it in the body.
func parentID(c call, key string) (int, bool) {
	v := c.query.Get(key)
	if v == "" {
		return 0, false
	}
	n, ok := toInt(v)
	return n, ok
}

func (s *Server) tariffIndex(c call) response {
	id, ok := parentID(c, "customer_id")
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var hits []CustomerTariff
	if ok {
		for _, t := range s.st.tariffs {
			if t.CustomerID == id {
				hits = append(hits, t)
			}
		}
	}
	loc := s.cfg.loc
	return s.paged(c, len(hits), func(i int) json.RawMessage {
		t := hits[i]
		return marshal(struct {
			ID                int    `json:"id"`
			CustomerID        int    `json:"customer_id"`
			TariffID          int    `json:"tariff_id"`
			SubjectIDs        []int  `json:"subject_ids"`
			LessonTypeIDs     []int  `json:"lesson_type_ids"`
			IsSeparateBalance int    `json:"is_separate_balance"`
			Balance           string `json:"balance"`
			PaidCount         int    `json:"paid_count"`
			PaidTill          string `json:"paid_till"`
			Note              string `json:"note"`
			BDate             string `json:"b_date"`
			EDate             string `json:"e_date"`
		}{
			t.ID, t.CustomerID, t.TariffID, ints(t.SubjectIDs), ints(t.LessonTypeIDs), 0, money(t.Balance),
			t.PaidCount, fmtTime(t.PaidTill, loc, layoutDMY), t.Note, fmtTime(t.Begin, loc, layoutDMY),
			fmtTime(t.End, loc, layoutDMY),
		})
	})
}

func (s *Server) cgiIndex(c call) response {
	cust, byCustomer := parentID(c, "customer_id")
	group, byGroup := parentID(c, "group_id")
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var hits []GroupMembership
	if byCustomer || byGroup {
		for _, g := range s.st.cgis {
			if (!byCustomer || g.CustomerID == cust) && (!byGroup || g.GroupID == group) {
				hits = append(hits, g)
			}
		}
	}
	loc := s.cfg.loc
	return s.paged(c, len(hits), func(i int) json.RawMessage {
		g := hits[i]
		return marshal(struct {
			ID         int    `json:"id"`
			CustomerID int    `json:"customer_id"`
			GroupID    int    `json:"group_id"`
			BDate      string `json:"b_date"`
			EDate      string `json:"e_date"`
		}{g.ID, g.CustomerID, g.GroupID, fmtTime(g.Begin, loc, layoutDMY), fmtTime(g.End, loc, layoutDMY)})
	})
}

func (s *Server) dictIndex(k dictKind) handlerFunc {
	return func(c call) response {
		f := &filters[entry]{}
		intFilter(f, c.params, "id", func(e entry) []int { return one(e.ID) })
		substringFilter(f, c.params, "name", func(e entry) []string { return []string{e.Name} })
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
		var hits []entry
		for _, e := range s.st.dicts[k] {
			if f.match(e) {
				hits = append(hits, e)
			}
		}
		return s.paged(c, len(hits), func(i int) json.RawMessage {
			e := hits[i]
			switch k {
			case kindBranch:
				return marshal(struct {
					ID         int    `json:"id"`
					Name       string `json:"name"`
					IsActive   int    `json:"is_active"`
					SubjectIDs []int  `json:"subject_ids"`
					Weight     int    `json:"weight"`
				}{e.ID, e.Name, 1, []int{}, e.ID})
			case kindLeadSource:
				return marshal(struct {
					ID        int    `json:"id"`
					Code      string `json:"code"`
					Name      string `json:"name"`
					IsEnabled int    `json:"is_enabled"`
					Weight    int    `json:"weight"`
				}{e.ID, fmt.Sprintf("source%d", e.ID), e.Name, 1, e.ID})
			case kindPayType:
				return marshal(struct {
					ID   int    `json:"id"`
					Name string `json:"name"`
				}{e.ID, e.Name})
			case kindSubject:
				return marshal(struct {
					ID     int    `json:"id"`
					Name   string `json:"name"`
					Weight int    `json:"weight"`
				}{e.ID, e.Name, e.ID})
			}
			return marshal(struct {
				ID        int    `json:"id"`
				Name      string `json:"name"`
				IsEnabled int    `json:"is_enabled"`
				Weight    int    `json:"weight"`
			}{e.ID, e.Name, 1, e.ID})
		})
	}
}
