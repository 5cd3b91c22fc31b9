package alfacrm

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// CustomerTariff is a customer's subscription (customer-tariff). Dates are
// in the client's Location.
type CustomerTariff struct {
	ID                int             // row id
	CustomerID        int             // the subscriber
	TariffID          int             // tariff id
	SubjectIDs        []int           // subjects covered
	LessonTypeIDs     []int           // lesson types covered
	IsSeparateBalance bool            // whether the subscription has its own balance
	Balance           decimal.Decimal // the subscription's balance
	PaidCount         int             // paid lessons left
	PaidLessonCount   int             // paid_lesson_count
	PaidTill          time.Time       // paid until
	Note              string          // free-text note
	// BeginDate and EndDate are b_date and e_date.
	BeginDate time.Time
	EndDate   time.Time // e_date
}

type wireCustomerTariff struct {
	ID                flexInt    `json:"id"`
	CustomerID        flexInt    `json:"customer_id"`
	TariffID          flexInt    `json:"tariff_id"`
	SubjectIDs        flexInts   `json:"subject_ids"`
	LessonTypeIDs     flexInts   `json:"lesson_type_ids"`
	IsSeparateBalance flexBool   `json:"is_separate_balance"`
	Balance           flexMoney  `json:"balance"`
	PaidCount         flexInt    `json:"paid_count"`
	PaidLessonCount   flexInt    `json:"paid_lesson_count"`
	PaidTill          flexDate   `json:"paid_till"`
	Note              flexString `json:"note"`
	BDate             flexDate   `json:"b_date"`
	EDate             flexDate   `json:"e_date"`
}

func (c *Client) tariffSpec(customerID int) *listSpec[wireCustomerTariff, CustomerTariff] {
	cl := c.branchCall("customer-tariff", "index")
	// The parent id must be in the query: AlfaCRM ignores it in the body.
	cl.query = url.Values{"customer_id": {strconv.Itoa(customerID)}}
	return &listSpec[wireCustomerTariff, CustomerTariff]{
		call:    cl,
		filters: map[string]any{},
		conv: func(w *wireCustomerTariff) (CustomerTariff, bool, error) {
			t := CustomerTariff{
				ID:                int(w.ID),
				CustomerID:        int(w.CustomerID),
				TariffID:          int(w.TariffID),
				SubjectIDs:        w.SubjectIDs,
				LessonTypeIDs:     w.LessonTypeIDs,
				IsSeparateBalance: bool(w.IsSeparateBalance),
				Balance:           w.Balance.d,
				PaidCount:         int(w.PaidCount),
				PaidLessonCount:   int(w.PaidLessonCount),
				PaidTill:          w.PaidTill.time(c.loc),
				Note:              string(w.Note),
				BeginDate:         w.BDate.time(c.loc),
				EndDate:           w.EDate.time(c.loc),
			}
			keep := t.CustomerID == 0 || t.CustomerID == customerID
			return t, keep, nil
		},
		id: func(w *wireCustomerTariff) int { return int(w.ID) },
	}
}

// CustomerTariffsPage fetches one page (0-based) of a customer's
// subscriptions (customer-tariff/index?customer_id=).
func (c *Client) CustomerTariffsPage(ctx context.Context, customerID, page int) (Page[CustomerTariff], error) {
	if customerID <= 0 {
		return Page[CustomerTariff]{}, fmt.Errorf("alfacrm: CustomerTariffsPage: customer id must be positive, got %d", customerID)
	}
	return getPage(ctx, c, c.tariffSpec(customerID), page)
}

// CustomerTariffs returns all of a customer's subscriptions, de-duplicated
// by id. Records of other customers, should the server return any, are
// dropped.
func (c *Client) CustomerTariffs(ctx context.Context, customerID int) ([]CustomerTariff, error) {
	if customerID <= 0 {
		return nil, fmt.Errorf("alfacrm: CustomerTariffs: customer id must be positive, got %d", customerID)
	}
	var out []CustomerTariff
	seen := map[int]bool{}
	for t, err := range iterate(ctx, c, c.tariffSpec(customerID)) {
		if err != nil {
			return nil, err
		}
		if t.ID != 0 {
			if seen[t.ID] {
				continue
			}
			seen[t.ID] = true
		}
		out = append(out, t)
	}
	return out, nil
}
