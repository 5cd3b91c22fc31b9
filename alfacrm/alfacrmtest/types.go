package alfacrmtest

import (
	"time"

	"github.com/shopspring/decimal"
)

// Customer is a customer card, a lead (IsStudy false) or a student, as
// seeded with AddCustomer and as returned by Customer and Customers.
// Zero values mean "unset": a zero id field is served as null, a zero time
// as "" or null.
type Customer struct {
	// ID is the card id; 0 in AddCustomer picks the next free id.
	ID int
	// BranchIDs are the branches the card belongs to; nil means the
	// server's BranchID.
	BranchIDs []int
	// Name is the full name.
	Name string
	// IsStudy is true for students (is_study=1), false for leads.
	IsStudy bool
	// Removed is true for archived cards.
	Removed bool
	// StudyStatusID, LeadStatusID, LeadRejectID, LeadSourceID and
	// AssignedID are dictionary and user references.
	StudyStatusID, LeadStatusID, LeadRejectID, LeadSourceID, AssignedID int
	// LegalType is 1 (a person) or 2 (a company); 0 means 1.
	LegalType int
	// LegalName is the payer's name (for children, the parent's).
	LegalName string
	// DOB is the date of birth, served as DD.MM.YYYY.
	DOB time.Time
	// Balance is the money balance, served as a decimal string ("2450.50").
	Balance decimal.Decimal
	// BalanceBonus is the bonus balance.
	BalanceBonus int
	// PaidCount and PaidLessonCount are the remaining paid lessons; they
	// may be negative.
	PaidCount, PaidLessonCount int
	// Phones are stored and served exactly as typed, e.g. "+7(900)000-00-01".
	Phones []string
	// Emails are the e-mail addresses.
	Emails []string
	// Web and Addr are web pages and postal addresses.
	Web, Addr []string
	// Note is the free-text note.
	Note string
	// Color is the card colour, e.g. "#ffcd70"; "" is served as null.
	Color string
	// TeacherNames are served in teacher_ids as names, as a captured
	// customer/index response shows.
	TeacherNames []string
	// Custom holds custom fields by code without the "custom_" prefix
	// ("gorod" is served as custom_gorod). A prefixed key is accepted too.
	// Non-string values sent through the API are kept as JSON text.
	Custom map[string]string
	// CreatedAt is when the card was added (filters date_from/date_to and
	// created_at_from/_to); zero in AddCustomer means the server clock.
	CreatedAt time.Time
	// UpdatedAt is the last change through the API.
	UpdatedAt time.Time
	// RemovedAt is when the card was archived.
	RemovedAt time.Time
}

// Payment is a row of pay/index.
type Payment struct {
	// ID is the payment id; 0 in AddPayment picks the next free id.
	ID int
	// BranchID is the branch; 0 means the server's BranchID.
	BranchID int
	// CustomerID is the paying customer; 0 means none (served as null).
	CustomerID int
	// PayTypeID refers to pay-type/index (income, expense, ...).
	PayTypeID int
	// PayAccountID and PayItemID are the cash desk and the article.
	PayAccountID, PayItemID int
	// Date is the document date, served as DD.MM.YYYY.
	Date time.Time
	// Sum is the amount, served in the income field.
	Sum decimal.Decimal
	// SumAsNumber serves income as a JSON number instead of the usual
	// decimal string; some instances do (see the reference).
	SumAsNumber bool
	// PayerName and Note are free text.
	PayerName, Note string
	// CreatedAt is the entry time; zero means Date.
	CreatedAt time.Time
}

// Lesson is a row of lesson/index.
type Lesson struct {
	// ID is the lesson id; 0 in AddLesson picks the next free id.
	ID int
	// BranchID is the branch; 0 means the server's BranchID.
	BranchID int
	// Start is the date and start time (date, time_from).
	Start time.Time
	// Duration gives time_to; 0 means an hour.
	Duration time.Duration
	// Status is 1 planned, 2 cancelled or 3 conducted; 0 means 3.
	Status int
	// LessonTypeID is 1 individual, 2 group, 3 trial, ... (per instance).
	LessonTypeID int
	// SubjectID and RoomID are dictionary references.
	SubjectID, RoomID int
	// TeacherIDs, GroupIDs and CustomerIDs list participants by id.
	TeacherIDs, GroupIDs, CustomerIDs []int
	// Topic, Note and Homework are free text.
	Topic, Note, Homework string
	// Details is the attendance: one entry per student.
	Details []Attendance
}

// Attendance is one student's entry in a lesson's details.
type Attendance struct {
	// CustomerID is the student.
	CustomerID int
	// Attended is served as is_attend 1 or 0.
	Attended bool
	// ReasonID is the absence reason; 0 is served as null.
	ReasonID int
	// Commission is the amount written off for this student.
	Commission decimal.Decimal
}

// GroupMembership is a customer-in-group row of cgi/index.
type GroupMembership struct {
	// ID is the row id; 0 picks the next free id.
	ID int
	// CustomerID and GroupID are the member and the group.
	CustomerID, GroupID int
	// Begin and End bound the membership (b_date, e_date as DD.MM.YYYY).
	Begin, End time.Time
}

// CustomerTariff is a subscription row of customer-tariff/index.
type CustomerTariff struct {
	// ID is the row id; 0 picks the next free id.
	ID int
	// CustomerID is the subscriber.
	CustomerID int
	// TariffID refers to the tariff.
	TariffID int
	// SubjectIDs and LessonTypeIDs restrict what the subscription covers.
	SubjectIDs, LessonTypeIDs []int
	// Balance is the subscription's own balance.
	Balance decimal.Decimal
	// PaidCount is the number of paid lessons left.
	PaidCount int
	// Note is free text.
	Note string
	// Begin, End and PaidTill are dates (served as DD.MM.YYYY).
	Begin, End, PaidTill time.Time
}

// entry is a dictionary item: a study status, lead status, lead source,
// pay type, subject or branch.
type entry struct {
	ID   int
	Name string
}
