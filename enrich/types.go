package enrich

import (
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
)

// MatchedBy says which contact of a lead found its CRM card.
type MatchedBy string

// Ways a lead matches a card. The e-mail is tried first; the phone is
// consulted only when no card has the e-mail.
const (
	// MatchedByEmail: a card carries the lead's e-mail.
	MatchedByEmail MatchedBy = "email"
	// MatchedByPhone: no card carries the lead's e-mail (or it gave
	// none), and a card carries its phone.
	MatchedByPhone MatchedBy = "phone"
)

// Customer is the CRM card a lead matched.
type Customer struct {
	// ID is the card's CRM id.
	ID int
	// Name is the card's name as typed in the CRM.
	Name string
	// IsStudy is true for a student card, false for a lead card.
	IsStudy bool
	// Removed is true for an archived card (when the CRM says so).
	Removed bool
	// StudyStatusID is the card's study status id (0 when none).
	StudyStatusID int
	// StudyStatus is that status's name from the study status dictionary
	// ("" when the card has none or the dictionary lacks it).
	StudyStatus string
	// LeadStatusID is the card's lead status id (0 when none).
	LeadStatusID int
	// LeadStatus is that status's name from the lead status dictionary
	// ("" when the card has none or the dictionary lacks it).
	LeadStatus string
	// CreatedAt is when the card was created, if the CRM says.
	CreatedAt time.Time
	// MatchedBy is the contact that found the card.
	MatchedBy MatchedBy
	// Ambiguous is true when several cards matched at the deciding step
	// (the e-mail, or else the phone); this one was chosen because it is a
	// student card, then because it has the lowest id (the earliest).
	Ambiguous bool
}

// Payment is one income payment of a customer.
type Payment struct {
	// ID is the CRM payment id (0 when the CRM gives none).
	ID int
	// Date is the payment's document date (its entry time when it has no
	// document date), a calendar day in the CRM's time zone.
	Date time.Time
	// Sum is the amount, in the CRM's currency.
	Sum decimal.Decimal
}

// Payments summarises a customer's income payments over their whole
// history in the CRM client's branch (see the package documentation).
// Expenses (refunds and the like) are not counted.
type Payments struct {
	// Count is the number of income payments.
	Count int
	// Total is their sum, in the CRM's currency.
	Total decimal.Decimal
	// First and Last are the earliest and latest payment dates; zero when
	// Count is 0.
	First, Last time.Time
	// Income lists the payments, oldest first (ties by id), for ROI
	// attribution. It is not part of the JSON form.
	Income []Payment
}

// Attendance summarises a customer's conducted lessons over their whole
// history in the CRM client's branch.
type Attendance struct {
	// Attended counts conducted lessons the customer attended.
	Attended int
	// Missed counts conducted lessons the customer was on but missed.
	Missed int
	// LastAttended is the date of the latest attended lesson; zero when
	// Attended is 0.
	LastAttended time.Time
}

// EnrichedLead is a lead with what the CRM knows about its person.
type EnrichedLead struct {
	// Lead is the lead as read from Meta, with its attribution (campaign,
	// ad set, ad, form).
	Lead metaleads.Lead
	// Contact is the lead's canonical contact and answers, from the
	// Enricher's metaleads.Normalizer.
	Contact metaleads.Contact
	// Customer is the matched CRM card; nil when no card matched.
	Customer *Customer
	// Payments summarises the matched customer's income payments; zero
	// when Customer is nil.
	Payments Payments
	// Attendance summarises the matched customer's conducted lessons;
	// zero when Customer is nil.
	Attendance Attendance
}

// Matched reports whether the lead matched a CRM card.
func (e EnrichedLead) Matched() bool { return e.Customer != nil }
