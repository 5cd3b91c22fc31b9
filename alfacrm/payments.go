package alfacrm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Payment is a pay/index record: an income (a customer paying) or an
// expense. Dates are in the client's Location.
type Payment struct {
	ID         int // payment id
	BranchID   int // branch
	LocationID int // location (venue)
	// CustomerID is 0 for payments not linked to a customer.
	CustomerID int
	PayTypeID  int // pay-type id (see Income)
	// PayTypeName is set by instances that send pay_type_name.
	PayTypeName       string
	PayAccountID      int // cash desk or account
	PayItemID         int // article (статья)
	PayItemCategoryID int // article category
	// CustomerTariffID is the subscription (ctt_id) the payment is linked to.
	CustomerTariffID int
	EmployeeID       int   // employee, when set
	TeacherID        int   // teacher, when set (older instances)
	GroupIDs         []int // groups the payment is for
	// Date is the document date (midnight); CreatedAt the entry time.
	Date      time.Time
	CreatedAt time.Time // entry time
	// Sum is the amount (the "income" field, which AlfaCRM also uses for
	// expense rows; "expenditure" or "outcome" when "income" is empty).
	Sum       decimal.Decimal
	PayerName string // payer as typed
	Note      string // free-text note
	Confirmed bool   // is_confirmed
	// Income is true when the pay type is an income type: by
	// Config.IncomePayTypeIDs, else by the pay type's name ("Доход",
	// "Дохід" or "Income", any case).
	Income bool
	// Custom holds custom_* fields, as in Customer.Custom.
	Custom map[string]string
}

type wirePayment struct {
	ID                flexInt    `json:"id"`
	BranchID          flexInt    `json:"branch_id"`
	LocationID        flexInt    `json:"location_id"`
	CustomerID        flexInt    `json:"customer_id"`
	PayTypeID         flexInt    `json:"pay_type_id"`
	PayTypeName       flexString `json:"pay_type_name"`
	PayAccountID      flexInt    `json:"pay_account_id"`
	PayItemID         flexInt    `json:"pay_item_id"`
	PayItemCategoryID flexInt    `json:"pay_item_category_id"`
	CttID             flexInt    `json:"ctt_id"`
	EmployeeID        flexInt    `json:"employee_id"`
	TeacherID         flexInt    `json:"teacher_id"`
	GroupIDs          flexInts   `json:"group_ids"`
	DocumentDate      flexDate   `json:"document_date"`
	CreatedAt         flexDate   `json:"created_at"`
	Income            flexMoney  `json:"income"`
	Expenditure       flexMoney  `json:"expenditure"`
	Outcome           flexMoney  `json:"outcome"`
	PayerName         flexString `json:"payer_name"`
	Note              flexString `json:"note"`
	IsConfirmed       flexBool   `json:"is_confirmed"`

	custom map[string]string
}

func (w *wirePayment) UnmarshalJSON(b []byte) error {
	type plain wirePayment
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		return err
	}
	custom, err := customFields(b)
	w.custom = custom
	return err
}

func (w *wirePayment) payment(loc *time.Location, income func(id int, name string) bool) Payment {
	sum := w.Income.d
	if sum.IsZero() {
		sum = w.Expenditure.d
	}
	if sum.IsZero() {
		sum = w.Outcome.d
	}
	return Payment{
		ID:                int(w.ID),
		BranchID:          int(w.BranchID),
		LocationID:        int(w.LocationID),
		CustomerID:        int(w.CustomerID),
		PayTypeID:         int(w.PayTypeID),
		PayTypeName:       string(w.PayTypeName),
		PayAccountID:      int(w.PayAccountID),
		PayItemID:         int(w.PayItemID),
		PayItemCategoryID: int(w.PayItemCategoryID),
		CustomerTariffID:  int(w.CttID),
		EmployeeID:        int(w.EmployeeID),
		TeacherID:         int(w.TeacherID),
		GroupIDs:          w.GroupIDs,
		Date:              w.DocumentDate.time(loc),
		CreatedAt:         w.CreatedAt.time(loc),
		Sum:               sum,
		PayerName:         string(w.PayerName),
		Note:              string(w.Note),
		Confirmed:         bool(w.IsConfirmed),
		Income:            income(int(w.PayTypeID), string(w.PayTypeName)),
		Custom:            w.custom,
	}
}

// PaymentQuery filters pay/index. Zero fields are not sent.
type PaymentQuery struct {
	// CustomerID selects a customer's payments. It is also checked on the
	// client: records of other customers are dropped.
	CustomerID int
	// DateFrom and DateTo bound the document date (date_from, date_to,
	// YYYY-MM-DD in the client's Location), inclusive. Whether AlfaCRM
	// honours them is uncertain, so they are also applied on the client.
	DateFrom, DateTo time.Time
	// PayTypeID and PayAccountID select one pay type or cash account.
	PayTypeID    int
	PayAccountID int // cash desk or account id
	// PageSize is the page size to ask for; 0 means DefaultPageSize.
	PageSize int
	// Extra holds further filters sent verbatim.
	Extra map[string]any
}

// incomeNames are the pay type names that mean income (trimmed, lower case).
var incomeNames = map[string]bool{"доход": true, "дохід": true, "income": true}

// IsIncomeName reports whether a pay type name means income: "Доход",
// "Дохід" or "Income", ignoring case and surrounding blanks.
func IsIncomeName(name string) bool { return incomeNames[strings.ToLower(trimSpace(name))] }

// incomeFunc returns the income test for payments: Config.IncomePayTypeIDs,
// else the pay-type dictionary (cached), with a payment's own
// pay_type_name as the fallback for ids the dictionary lacks.
func (c *Client) incomeFunc(ctx context.Context) (func(id int, name string) bool, error) {
	if c.incomeIDs != nil {
		return func(id int, _ string) bool { return c.incomeIDs[id] }, nil
	}
	types, err := c.PayTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("alfacrm: reading pay types to tell income from expense: %w", err)
	}
	return func(id int, name string) bool {
		if it, ok := types.ByID(id); ok {
			return IsIncomeName(it.Name)
		}
		return IsIncomeName(name)
	}, nil
}

func (c *Client) paymentSpec(q PaymentQuery, income func(int, string) bool) *listSpec[wirePayment, Payment] {
	f := map[string]any{}
	if q.CustomerID != 0 {
		f["customer_id"] = q.CustomerID
	}
	if !q.DateFrom.IsZero() {
		f["date_from"] = formatISODate(q.DateFrom, c.loc)
	}
	if !q.DateTo.IsZero() {
		f["date_to"] = formatISODate(q.DateTo, c.loc)
	}
	if q.PayTypeID != 0 {
		f["pay_type_id"] = q.PayTypeID
	}
	if q.PayAccountID != 0 {
		f["pay_account_id"] = q.PayAccountID
	}
	maps.Copy(f, q.Extra)
	from, to := dayRange(q.DateFrom, q.DateTo, c.loc)
	return &listSpec[wirePayment, Payment]{
		call:     c.branchCall("pay", "index"),
		filters:  f,
		pageSize: q.PageSize,
		conv: func(w *wirePayment) (Payment, bool, error) {
			p := w.payment(c.loc, income)
			keep := (q.CustomerID == 0 || p.CustomerID == q.CustomerID) && inDays(p.Date, from, to)
			return p, keep, nil
		},
		id: func(w *wirePayment) int { return int(w.ID) },
	}
}

// dayRange turns inclusive calendar-day bounds into [from, to) instants in
// loc; zero bounds stay zero (open).
func dayRange(from, to time.Time, loc *time.Location) (time.Time, time.Time) {
	if !from.IsZero() {
		y, m, d := from.In(loc).Date()
		from = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	if !to.IsZero() {
		y, m, d := to.In(loc).Date()
		to = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return from, to
}

// inDays reports whether t lies in [from, to); an unset t is kept (the
// server's filter decided).
func inDays(t, from, to time.Time) bool {
	if t.IsZero() {
		return true
	}
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

// PaymentsPage fetches one page (0-based) of pay/index. On first use it
// reads the pay-type dictionary to set Payment.Income (unless
// Config.IncomePayTypeIDs is set).
func (c *Client) PaymentsPage(ctx context.Context, q PaymentQuery, page int) (Page[Payment], error) {
	income, err := c.incomeFunc(ctx)
	if err != nil {
		return Page[Payment]{}, err
	}
	return getPage(ctx, c, c.paymentSpec(q, income), page)
}

// Payments iterates over every payment matching q (pay/index returns the
// newest first). An error is yielded once and ends the iteration.
func (c *Client) Payments(ctx context.Context, q PaymentQuery) iter.Seq2[Payment, error] {
	return func(yield func(Payment, error) bool) {
		income, err := c.incomeFunc(ctx)
		if err != nil {
			yield(Payment{}, err)
			return
		}
		for p, err := range iterate(ctx, c, c.paymentSpec(q, income)) {
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}

// IncomePayments iterates over the income payments matching q (see
// Payment.Income).
func (c *Client) IncomePayments(ctx context.Context, q PaymentQuery) iter.Seq2[Payment, error] {
	return func(yield func(Payment, error) bool) {
		for p, err := range c.Payments(ctx, q) {
			if err != nil {
				yield(p, err)
				return
			}
			if p.Income && !yield(p, nil) {
				return
			}
		}
	}
}

// PaymentSummary sums a customer's income payments.
type PaymentSummary struct {
	// Count is the number of income payments.
	Count int
	// Total is their sum.
	Total decimal.Decimal
	// First and Last are the earliest and latest document dates (the entry
	// time when a payment has no document date); zero when Count is 0.
	First, Last time.Time
}

// PaymentSummary summarises a customer's whole payment history, income
// payments only (see Payment.Income). Payments of other customers, should
// the server return any, are ignored.
func (c *Client) PaymentSummary(ctx context.Context, customerID int) (PaymentSummary, error) {
	if customerID <= 0 {
		return PaymentSummary{}, fmt.Errorf("alfacrm: PaymentSummary: customer id must be positive, got %d", customerID)
	}
	var s PaymentSummary
	seen := map[int]bool{}
	for p, err := range c.IncomePayments(ctx, PaymentQuery{CustomerID: customerID}) {
		if err != nil {
			return PaymentSummary{}, err
		}
		if p.ID != 0 {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
		}
		s.Count++
		s.Total = s.Total.Add(p.Sum)
		d := p.Date
		if d.IsZero() {
			d = p.CreatedAt
		}
		if d.IsZero() {
			continue
		}
		if s.First.IsZero() || d.Before(s.First) {
			s.First = d
		}
		if s.Last.IsZero() || d.After(s.Last) {
			s.Last = d
		}
	}
	return s, nil
}
