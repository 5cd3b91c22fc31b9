// Command crm-lookup finds the AlfaCRM cards of a person by phone and/or
// e-mail and prints them with their payment and attendance history.
//
//	go run ./examples/crm-lookup -phone "+380 63 123 4567" -email olena@example.com
//
// It searches students and leads, active and archived. The phone may be
// typed in any form; numbers without a country code are read in
// LEADKIT_PHONE_REGION (default UA). A card is kept only when one of its
// phones is the same number or one of its e-mails the same address (case
// ignored). With both flags the result is the union, each card saying which
// contact matched.
//
// Output: a JSON array ([] when nothing matches), cards ordered by id:
//
//	{"id": 123, "name": "...", "is_study": true, "study_status": "..."|null,
//	 "lead_status": "..."|null, "phones": [...], "emails": [...],
//	 "matched_by": "phone"|"email"|"phone+email",
//	 "payments": {"count": 2, "total": "4800.00", "first_date": "2026-01-10"|null, "last_date": ...|null},
//	 "attendance": {"attended": 14, "missed": 2, "last_date": "2026-03-01"|null}}
//
// phones and emails are as typed in the CRM. payments covers the card's
// whole history, income payments only (pay types named Доход/Дохід/Income,
// or ALFACRM_INCOME_PAY_TYPE_IDS); total is a decimal string with two
// places. attendance counts conducted lessons only; last_date is the last
// attended one. Dates are calendar days in ALFACRM_TIMEZONE (UTC when unset).
//
// Environment: ALFACRM_BASE_URL, ALFACRM_EMAIL, ALFACRM_API_KEY,
// ALFACRM_BRANCH_ID (or ALFACRM_COMPANY_ID), ALFACRM_TIMEZONE, ALFACRM_RPS
// (requests per second, 0 = unlimited), ALFACRM_INCOME_PAY_TYPE_IDS,
// LEADKIT_PHONE_REGION. Without ALFACRM_BASE_URL it runs on the built-in fake
// AlfaCRM with the demo data (stderr says so).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/examples/internal/cli"
)

const usage = `usage: crm-lookup [-phone PHONE] [-email EMAIL]

Prints the AlfaCRM cards with that phone or e-mail as a JSON array.`

// now is the clock that picks the sandbox's reference day (tests fix it).
var now = time.Now

func main() { cli.Main("crm-lookup", run) }

// Card is one matching customer.
type Card struct {
	ID          int        `json:"id"`
	Name        string     `json:"name"`
	IsStudy     bool       `json:"is_study"`
	StudyStatus *string    `json:"study_status"`
	LeadStatus  *string    `json:"lead_status"`
	Phones      []string   `json:"phones"`
	Emails      []string   `json:"emails"`
	MatchedBy   string     `json:"matched_by"`
	Payments    Payments   `json:"payments"`
	Attendance  Attendance `json:"attendance"`
}

// Payments sums a card's income payments.
type Payments struct {
	Count     int     `json:"count"`
	Total     string  `json:"total"`
	FirstDate *string `json:"first_date"`
	LastDate  *string `json:"last_date"`
}

// Attendance counts a card's conducted lessons.
type Attendance struct {
	Attended int     `json:"attended"`
	Missed   int     `json:"missed"`
	LastDate *string `json:"last_date"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("crm-lookup", usage, stderr)
	phone := fs.String("phone", "", "phone `number` in any typed form")
	email := fs.String("email", "", "e-mail `address` (case ignored)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	q := alfacrm.ContactQuery{Phone: strings.TrimSpace(*phone), Email: strings.TrimSpace(*email)}
	if q.Phone == "" && q.Email == "" {
		return errors.New("give -phone, -email or both")
	}
	if q.Email != "" && !strings.Contains(q.Email, "@") {
		return fmt.Errorf("-email %q is not an e-mail address", q.Email)
	}
	if q.Phone != "" && !strings.ContainsAny(q.Phone, "0123456789") {
		return fmt.Errorf("-phone %q has no digits", q.Phone)
	}

	crm, err := cli.OpenCRM(stderr, now(), cli.Logger(stderr))
	if err != nil {
		return err
	}
	defer crm.Close()
	c := crm.Client

	matches, err := c.FindCustomers(ctx, q)
	if err != nil {
		return fmt.Errorf("searching the CRM: %w", cli.Explain(err))
	}
	cards := make([]Card, 0, len(matches))
	if len(matches) > 0 {
		study, err := c.StudyStatuses(ctx)
		if err != nil {
			return fmt.Errorf("reading the study statuses: %w", cli.Explain(err))
		}
		lead, err := c.LeadStatuses(ctx)
		if err != nil {
			return fmt.Errorf("reading the lead statuses: %w", cli.Explain(err))
		}
		for _, m := range matches {
			card, err := describe(ctx, c, m, study, lead)
			if err != nil {
				return err
			}
			cards = append(cards, card)
		}
	}
	fmt.Fprintf(stderr, "crm-lookup: %d matching cards\n", len(cards))
	return cli.WriteJSON(stdout, cards)
}

func describe(ctx context.Context, c *alfacrm.Client, m alfacrm.CustomerMatch, study, lead alfacrm.Dictionary) (Card, error) {
	cu := m.Customer
	pay, err := c.PaymentSummary(ctx, cu.ID)
	if err != nil {
		return Card{}, fmt.Errorf("reading the payments of card %d: %w", cu.ID, cli.Explain(err))
	}
	att, err := c.Attendance(ctx, cu.ID, time.Time{}, time.Time{})
	if err != nil {
		return Card{}, fmt.Errorf("reading the lessons of card %d: %w", cu.ID, cli.Explain(err))
	}
	return Card{
		ID:          cu.ID,
		Name:        cu.Name,
		IsStudy:     cu.IsStudy,
		StudyStatus: dictName(study, cu.StudyStatusID),
		LeadStatus:  dictName(lead, cu.LeadStatusID),
		Phones:      nonNil(cu.Phones),
		Emails:      nonNil(cu.Emails),
		MatchedBy:   m.MatchedBy.String(),
		Payments: Payments{
			Count:     pay.Count,
			Total:     pay.Total.StringFixed(2),
			FirstDate: day(pay.First),
			LastDate:  day(pay.Last),
		},
		Attendance: Attendance{
			Attended: att.Attended,
			Missed:   att.Missed,
			LastDate: day(att.LastAttended),
		},
	}, nil
}

// dictName is the entry's name, or nil when the card has none; an id the
// dictionary lacks is shown as "#id" rather than hidden.
func dictName(d alfacrm.Dictionary, id int) *string {
	if id == 0 {
		return nil
	}
	name := d.Name(id)
	if name == "" {
		name = fmt.Sprintf("#%d", id)
	}
	return &name
}

// day formats a CRM date (already in the CRM's time zone) as YYYY-MM-DD,
// nil for the zero time.
func day(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
