package alfacrm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/contact"
	"github.com/shopspring/decimal"
)

// Customer is an AlfaCRM customer card: a student (IsStudy) or a lead.
// Dates are in the client's Location; unset dates are the zero Time and
// unset ids are 0.
type Customer struct {
	ID        int    // card id
	BranchIDs []int  // branches the card belongs to
	Name      string // full name
	// IsStudy is true for students (клиенты) and false for leads (лиды).
	IsStudy bool
	// Removed is true for archived cards (only reported by some instances,
	// and only when the query asked for archived cards).
	Removed       bool
	StudyStatusID int // study-status id (students)
	LeadStatusID  int // lead-status id (leads)
	LeadSourceID  int // lead-source id
	LeadRejectID  int // lead refusal reason id
	// AssignedID is the responsible manager.
	AssignedID int
	// LegalType is 1 for a person, 2 for a legal entity.
	LegalType int
	// LegalName is the payer (заказчик): for children, usually a parent.
	LegalName string
	CompanyID int // legal entity id
	// DOB is the date of birth (midnight).
	DOB time.Time
	// Balance is the money balance; BalanceBase and BalanceBonus are its
	// parts as AlfaCRM reports them.
	Balance      decimal.Decimal
	BalanceBase  decimal.Decimal // balance_base
	BalanceBonus decimal.Decimal // bonus balance
	// PaidCount and PaidLessonCount are the remaining paid lessons (they
	// can be negative: lessons owed).
	PaidCount       int
	PaidLessonCount int       // paid lessons left (paid_lesson_count)
	NextLessonDate  time.Time // next scheduled lesson
	PaidTill        time.Time // paid until
	PaidLessonDate  time.Time // paid_lesson_date
	LastAttendDate  time.Time // last attended lesson
	// ContractStart and ContractEnd are b_date and e_date.
	ContractStart time.Time
	ContractEnd   time.Time // e_date
	Note          string    // free-text note (may contain new lines)
	Color         string    // card colour, e.g. "#ffcd70"
	// Phones, Emails, Web and Addr are stored as typed in the CRM (not
	// normalised).
	Phones []string
	Emails []string // e-mail addresses as typed
	Web    []string // web pages
	Addr   []string // postal addresses
	// CreatedAt and UpdatedAt are set by instances that report them.
	CreatedAt time.Time
	UpdatedAt time.Time // last change, when reported
	// TeacherIDs and TeacherNames are the teachers: AlfaCRM sends
	// teacher_ids as ids on some instances and as names on others.
	TeacherIDs   []int
	TeacherNames []string // teachers sent by name
	// Custom holds the custom fields (custom_<code>) keyed by <code>
	// without the "custom_" prefix. Strings are kept as is, null is "",
	// numbers and booleans are their JSON text, and arrays and objects are
	// kept as compact JSON text (e.g. `["a","b"]`), which
	// CustomerInput.Custom sends back as JSON.
	Custom map[string]string
}

// wireCustomer is a customer/index item as AlfaCRM sends it.
type wireCustomer struct {
	ID              flexInt     `json:"id"`
	BranchIDs       flexInts    `json:"branch_ids"`
	TeacherIDs      teacherList `json:"teacher_ids"`
	Name            flexString  `json:"name"`
	IsStudy         flexBool    `json:"is_study"`
	Removed         flexBool    `json:"removed"`
	StudyStatusID   flexInt     `json:"study_status_id"`
	LeadStatusID    flexInt     `json:"lead_status_id"`
	LeadSourceID    flexInt     `json:"lead_source_id"`
	LeadRejectID    flexInt     `json:"lead_reject_id"`
	AssignedID      flexInt     `json:"assigned_id"`
	LegalType       flexInt     `json:"legal_type"`
	LegalName       flexString  `json:"legal_name"`
	CompanyID       flexInt     `json:"company_id"`
	DOB             flexDate    `json:"dob"`
	Balance         flexMoney   `json:"balance"`
	BalanceBase     flexMoney   `json:"balance_base"`
	BalanceBonus    flexMoney   `json:"balance_bonus"`
	PaidCount       flexInt     `json:"paid_count"`
	PaidLessonCount flexInt     `json:"paid_lesson_count"`
	NextLessonDate  flexDate    `json:"next_lesson_date"`
	PaidTill        flexDate    `json:"paid_till"`
	PaidLessonDate  flexDate    `json:"paid_lesson_date"`
	LastAttendDate  flexDate    `json:"last_attend_date"`
	BDate           flexDate    `json:"b_date"`
	EDate           flexDate    `json:"e_date"`
	Note            flexString  `json:"note"`
	Color           flexString  `json:"color"`
	Phone           flexStrings `json:"phone"`
	Email           flexStrings `json:"email"`
	Web             flexStrings `json:"web"`
	Addr            flexStrings `json:"addr"`
	CreatedAt       flexDate    `json:"created_at"`
	UpdatedAt       flexDate    `json:"updated_at"`

	custom map[string]string
}

func (w *wireCustomer) UnmarshalJSON(b []byte) error {
	type plain wireCustomer
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		return err
	}
	custom, err := customFields(b)
	w.custom = custom
	return err
}

func (w *wireCustomer) customer(loc *time.Location) Customer {
	return Customer{
		ID:              int(w.ID),
		BranchIDs:       w.BranchIDs,
		Name:            string(w.Name),
		IsStudy:         bool(w.IsStudy),
		Removed:         bool(w.Removed),
		StudyStatusID:   int(w.StudyStatusID),
		LeadStatusID:    int(w.LeadStatusID),
		LeadSourceID:    int(w.LeadSourceID),
		LeadRejectID:    int(w.LeadRejectID),
		AssignedID:      int(w.AssignedID),
		LegalType:       int(w.LegalType),
		LegalName:       string(w.LegalName),
		CompanyID:       int(w.CompanyID),
		DOB:             w.DOB.time(loc),
		Balance:         w.Balance.d,
		BalanceBase:     w.BalanceBase.d,
		BalanceBonus:    w.BalanceBonus.d,
		PaidCount:       int(w.PaidCount),
		PaidLessonCount: int(w.PaidLessonCount),
		NextLessonDate:  w.NextLessonDate.time(loc),
		PaidTill:        w.PaidTill.time(loc),
		PaidLessonDate:  w.PaidLessonDate.time(loc),
		LastAttendDate:  w.LastAttendDate.time(loc),
		ContractStart:   w.BDate.time(loc),
		ContractEnd:     w.EDate.time(loc),
		Note:            string(w.Note),
		Color:           string(w.Color),
		Phones:          w.Phone,
		Emails:          w.Email,
		Web:             w.Web,
		Addr:            w.Addr,
		CreatedAt:       w.CreatedAt.time(loc),
		UpdatedAt:       w.UpdatedAt.time(loc),
		TeacherIDs:      w.TeacherIDs.ids,
		TeacherNames:    w.TeacherIDs.names,
		Custom:          w.custom,
	}
}

// ArchiveFilter selects cards by archive state (the "removed" filter).
type ArchiveFilter int

// Archive filters. AlfaCRM returns active cards only unless asked.
const (
	// ActiveOnly is the server's default: cards not in the archive.
	ActiveOnly ArchiveFilter = 0
	// ActiveAndArchived includes archived cards.
	ActiveAndArchived ArchiveFilter = 1
	// ArchivedOnly returns archived cards only.
	ArchivedOnly ArchiveFilter = 2
)

// CustomerQuery filters customer/index. The zero value lists active
// students: without IsStudy AlfaCRM returns students only, never leads.
// Zero fields are not sent.
type CustomerQuery struct {
	// ID selects one card.
	ID int
	// Phone is sent as given: AlfaCRM matches it against the card's phones
	// (digits; the exact semantics are undocumented). [Client.FindCustomers]
	// normalises and post-filters.
	Phone string
	// Email is sent as given.
	Email string
	// Name matches the card's name (the server decides how).
	Name string
	// IsStudy selects students (true) or leads (false); nil sends nothing,
	// which AlfaCRM treats as students only. Use new(false) for leads.
	IsStudy *bool
	// Removed selects by archive state; the zero value is active only.
	Removed       ArchiveFilter
	StudyStatusID int // study-status id
	LeadStatusID  int // lead-status id
	LeadSourceID  int // lead-source id
	AssignedID    int // responsible manager id
	// DateFrom and DateTo bound the date the card was added (date_from,
	// date_to), as calendar days in the client's Location.
	DateFrom, DateTo time.Time
	// UpdatedFrom and UpdatedTo bound the last update (updated_at_from,
	// updated_at_to), as calendar days in the client's Location.
	UpdatedFrom, UpdatedTo time.Time
	// PageSize is the page size to ask for; 0 means DefaultPageSize. The
	// server may ignore it.
	PageSize int
	// Extra holds further filters sent verbatim (e.g. "legal_type": 2,
	// "withGroups": true); it overrides the fields above.
	Extra map[string]any
}

func (c *Client) customerFilters(q CustomerQuery) map[string]any {
	f := map[string]any{}
	setInt := func(k string, v int) {
		if v != 0 {
			f[k] = v
		}
	}
	setStr := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			f[k] = v
		}
	}
	setDate := func(k string, t time.Time) {
		if !t.IsZero() {
			f[k] = formatDate(t, c.loc)
		}
	}
	setInt("id", q.ID)
	setStr("phone", q.Phone)
	setStr("email", q.Email)
	setStr("name", q.Name)
	if q.IsStudy != nil {
		f["is_study"] = boolInt(*q.IsStudy)
	}
	setInt("removed", int(q.Removed))
	setInt("study_status_id", q.StudyStatusID)
	setInt("lead_status_id", q.LeadStatusID)
	setInt("lead_source_id", q.LeadSourceID)
	setInt("assigned_id", q.AssignedID)
	setDate("date_from", q.DateFrom)
	setDate("date_to", q.DateTo)
	setDate("updated_at_from", q.UpdatedFrom)
	setDate("updated_at_to", q.UpdatedTo)
	maps.Copy(f, q.Extra)
	return f
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *Client) customerSpec(q CustomerQuery) *listSpec[wireCustomer, Customer] {
	return &listSpec[wireCustomer, Customer]{
		call:     c.branchCall("customer", "index"),
		filters:  c.customerFilters(q),
		pageSize: q.PageSize,
		conv: func(w *wireCustomer) (Customer, bool, error) {
			return w.customer(c.loc), true, nil
		},
		id: func(w *wireCustomer) int { return int(w.ID) },
	}
}

// CustomersPage fetches one page (0-based) of customer/index.
func (c *Client) CustomersPage(ctx context.Context, q CustomerQuery, page int) (Page[Customer], error) {
	return getPage(ctx, c, c.customerSpec(q), page)
}

// Customers iterates over every customer matching q, fetching pages lazily.
// An error is yielded once and ends the iteration.
func (c *Client) Customers(ctx context.Context, q CustomerQuery) iter.Seq2[Customer, error] {
	return iterate(ctx, c, c.customerSpec(q))
}

// Customer returns the card with the given id, whether it is a student or a
// lead, active or archived. Since AlfaCRM returns students only unless asked
// for leads, it sends up to two requests: {id, removed: 1}, then
// {id, removed: 1, is_study: 0}. A missing card is an error matching
// ErrNotFound.
func (c *Client) Customer(ctx context.Context, id int) (Customer, error) {
	if id <= 0 {
		return Customer{}, fmt.Errorf("alfacrm: customer id must be positive, got %d", id)
	}
	for _, study := range []*bool{nil, new(false)} {
		p, err := c.CustomersPage(ctx, CustomerQuery{ID: id, IsStudy: study, Removed: ActiveAndArchived}, 0)
		if err != nil {
			return Customer{}, err
		}
		for _, cu := range p.Items {
			if cu.ID == id { // never trust the filter to have been applied
				return cu, nil
			}
		}
	}
	return Customer{}, fmt.Errorf("alfacrm: customer %d: %w", id, ErrNotFound)
}

// ContactQuery is what [Client.FindCustomers] looks for. At least one field
// must be set.
type ContactQuery struct {
	// Phone in any typed form; numbers without a country code are read in
	// Config.PhoneRegion.
	Phone string
	// Email, compared case-insensitively.
	Email string
}

// MatchedBy tells which contact of a [ContactQuery] a card matched.
type MatchedBy uint8

// Match kinds; a card may match both.
const (
	MatchedPhone MatchedBy = 1 << iota
	MatchedEmail
)

// String returns "phone", "email", "phone+email" or "".
func (m MatchedBy) String() string {
	switch m {
	case MatchedPhone:
		return "phone"
	case MatchedEmail:
		return "email"
	case MatchedPhone | MatchedEmail:
		return "phone+email"
	}
	return ""
}

// Phone reports whether the phone matched.
func (m MatchedBy) Phone() bool { return m&MatchedPhone != 0 }

// Email reports whether the e-mail matched.
func (m MatchedBy) Email() bool { return m&MatchedEmail != 0 }

// CustomerMatch is a card found by [Client.FindCustomers].
type CustomerMatch struct {
	Customer  Customer  // the card
	MatchedBy MatchedBy // which contact matched
}

// FindCustomers finds every card — student or lead, active or archived —
// with the given phone or e-mail.
//
// Requests: for each given contact, customer/index with is_study 1 and then
// is_study 0, both with removed 1 (active and archived), every page: two
// searches per contact, four when both are given. The phone is searched by
// its national significant number ("631234567" for +380 63 123 4567), the
// digits every typed form of the number contains; the e-mail in lower case.
//
// The server's matching is not trusted: every returned card is kept only if
// one of its phones normalises (through Config.PhoneRegion) to the same
// E.164 number, or one of its e-mails equals the e-mail case-insensitively.
// Results are de-duplicated by id, ordered by id, and say which contact
// matched.
func (c *Client) FindCustomers(ctx context.Context, q ContactQuery) ([]CustomerMatch, error) {
	var wantPhone, wantEmail, national string
	if strings.TrimSpace(q.Phone) != "" {
		e164, ok := contact.Phone(q.Phone, c.region)
		if !ok {
			return nil, fmt.Errorf("alfacrm: FindCustomers: the phone is not a valid number for region %s", c.region)
		}
		wantPhone, national = e164, contact.NationalNumber(e164)
		if national == "" {
			return nil, fmt.Errorf("alfacrm: FindCustomers: the phone has no national number")
		}
	}
	if strings.TrimSpace(q.Email) != "" {
		wantEmail = contact.Email(q.Email)
		if wantEmail == "" {
			return nil, fmt.Errorf("alfacrm: FindCustomers: the e-mail address is not valid")
		}
	}
	if wantPhone == "" && wantEmail == "" {
		return nil, fmt.Errorf("alfacrm: FindCustomers: a phone or an e-mail is required")
	}
	var searches []CustomerQuery
	for _, study := range []bool{true, false} {
		if national != "" {
			searches = append(searches, CustomerQuery{Phone: national, IsStudy: new(study), Removed: ActiveAndArchived})
		}
		if wantEmail != "" {
			searches = append(searches, CustomerQuery{Email: wantEmail, IsStudy: new(study), Removed: ActiveAndArchived})
		}
	}
	found := map[int]CustomerMatch{}
	for _, sq := range searches {
		for cu, err := range c.Customers(ctx, sq) {
			if err != nil {
				return nil, err
			}
			if _, dup := found[cu.ID]; dup {
				continue
			}
			if m := c.matches(cu, wantPhone, wantEmail); m != 0 {
				found[cu.ID] = CustomerMatch{Customer: cu, MatchedBy: m}
			}
		}
	}
	out := slices.Collect(maps.Values(found))
	slices.SortFunc(out, func(a, b CustomerMatch) int { return a.Customer.ID - b.Customer.ID })
	return out, nil
}

// matches compares a card's contacts with the normalised query.
func (c *Client) matches(cu Customer, e164, email string) MatchedBy {
	var m MatchedBy
	if e164 != "" {
		for _, p := range cu.Phones {
			if got, ok := contact.Phone(p, c.region); ok && got == e164 {
				m |= MatchedPhone
				break
			}
		}
	}
	if email != "" {
		for _, e := range cu.Emails {
			if contact.Email(e) == email {
				m |= MatchedEmail
				break
			}
		}
	}
	return m
}
