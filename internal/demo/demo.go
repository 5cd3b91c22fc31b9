// Package demo builds one deterministic demo data set for a fictional
// language school, "eCademy", that advertises with Meta Lead Ads and keeps its
// students in AlfaCRM.
//
// The same [Dataset] feeds both fake servers: the fake Graph API serves its
// page, forms, leads, campaigns and insights ([Dataset.Spend]); the fake
// AlfaCRM serves its customers, payments, lessons and dictionaries. Both sides
// describe the same invented people ([Dataset.People]), so enrichment finds real
// matches, plus a handful of deliberate traps ([Traps]).
//
// Everything is derived from [Config]: equal Seed and the same reference day
// give an identical data set, and changing only the reference day shifts every
// date by the same number of days and changes nothing else. (Leads happen
// between 06:00 and 20:30 UTC and CRM cards are created between 05:00 and
// 20:59 UTC, so for CRM time zones from UTC−5 to UTC+3, Kyiv included, a
// moment's local calendar day equals its UTC one whatever the season.) All personal data
// is invented; e-mails use the reserved example.com/.org/.net domains.
//
// Money is always [decimal.Decimal] with two decimal places; no floats.
package demo

import (
	"time"

	"github.com/shopspring/decimal"
)

// Days is the number of full days covered by leads and spend: the Days days
// ending the day before [Dataset.Ref].
const Days = 90

// Default sizes and seed used when the corresponding [Config] field is zero.
const (
	DefaultSeed      = 1
	DefaultLeads     = 4000
	DefaultCustomers = 1500
	// MinLeads and MinCustomers are the smallest sizes New builds; smaller
	// positive values are raised to them so every trap can be placed.
	MinLeads     = 200
	MinCustomers = 30
)

// Lesson statuses as AlfaCRM numbers them (lesson/index "status").
const (
	LessonPlanned   = 1
	LessonCancelled = 2
	LessonConducted = 3
)

// Config selects the data set. The zero value is the default data set as of today.
type Config struct {
	// Ref is the reference day: its calendar date (in Ref's own location)
	// is "today". Leads and spend cover the Days days before it. Zero means
	// today in Loc.
	Ref time.Time
	// Loc is the CRM's local time zone used for CRM dates and times; nil means UTC.
	Loc *time.Location
	// Seed selects the random data; 0 means DefaultSeed.
	Seed int64
	// Leads is the number of leads; 0 means DefaultLeads.
	Leads int
	// Customers is the number of CRM cards; 0 means DefaultCustomers.
	Customers int
}

// Page is the Facebook Page that owns the lead forms.
type Page struct {
	ID   string
	Name string
}

// AdAccount is the Meta ad account that pays for the campaigns.
type AdAccount struct {
	ID       string // "act_" + digits
	Name     string
	Currency string // "UAH"
	// TimeZone is the account's time zone name ("Europe/Kyiv"). Every lead is
	// created between 06:00 and 20:30 UTC, so its calendar day is the same in
	// UTC and in Kyiv; SpendRow.Date carries that day.
	TimeZone string
}

// Campaign is a Meta ad campaign.
type Campaign struct {
	ID   string
	Name string
}

// AdSet is a Meta ad set.
type AdSet struct {
	ID         string
	Name       string
	CampaignID string
}

// Ad is a Meta ad. FormID is the instant form the ad opens.
type Ad struct {
	ID         string
	Name       string
	AdSetID    string
	CampaignID string
	FormID     string
}

// Option is a predefined answer of a form question.
type Option struct {
	Key   string
	Value string
}

// Question is one question of a lead form; Key is the field_data name.
type Question struct {
	ID      string
	Key     string
	Label   string
	Type    string // FULL_NAME, EMAIL, PHONE, CITY, CUSTOM
	Options []Option
}

// Form is a Lead Ads instant form.
type Form struct {
	ID                string
	Name              string
	Status            string // "ACTIVE" or "ARCHIVED"
	Locale            string // "EN_US", "RU_RU", "UK_UA"
	CreatedTime       time.Time
	Questions         []Question
	LeadsCount        int // leads in Dataset.Leads with this form
	OrganicLeadsCount int // of which organic
}

// Field is one answered question of a lead (Graph field_data item).
type Field struct {
	Name   string
	Values []string
}

// Lead is one form submission, with values exactly as the person typed them.
type Lead struct {
	ID           string
	CreatedTime  time.Time // UTC
	FormID       string
	AdID         string // empty for organic leads, as are the other ad fields
	AdSetID      string
	CampaignID   string
	AdName       string
	AdSetName    string
	CampaignName string
	IsOrganic    bool
	Platform     string // "fb" or "ig"
	Fields       []Field
	Person       int // index into Dataset.People; -1 for synthetic leads
}

// Value returns the first value of the named field and whether the field is present.
func (l Lead) Value(name string) (string, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			if len(f.Values) == 0 {
				return "", true
			}
			return f.Values[0], true
		}
	}
	return "", false
}

// Person is an invented human being in canonical form: the ground truth that
// leads and CRM cards render in their own messy ways.
type Person struct {
	First string
	Last  string
	Email string // canonical, lower case, unique per person
	Phone string // E.164, +380..., unique per person
	City  string // Ukrainian spelling
}

// SpendRow is the daily insight of one ad.
type SpendRow struct {
	Date        time.Time // the day, 00:00 UTC
	AdID        string
	AdSetID     string
	CampaignID  string
	Spend       decimal.Decimal // UAH, two decimals
	Impressions int
	Clicks      int
	Leads       int // generated leads of this ad on this day
}

// Customer is an AlfaCRM card: a student (IsStudy) or a lead.
type Customer struct {
	ID            int
	Name          string
	IsStudy       bool
	Removed       bool      // archived
	StudyStatusID int       // 0 = null
	LeadStatusID  int       // 0 = null
	LeadSourceID  int       // 0 = null
	Phones        []string  // as typed into the CRM
	Emails        []string  // as typed into the CRM
	CreatedAt     time.Time // CRM local time
	BranchIDs     []int
	// Custom holds custom fields by their full JSON key ("custom_gorod",
	// "custom_uroven", sometimes "custom_fb_lead_id").
	Custom  map[string]string
	Balance decimal.Decimal
	Person  int // index into Dataset.People; -1 if the card is nobody there
}

// Payment is an AlfaCRM pay row.
type Payment struct {
	ID         int
	CustomerID int
	Date       time.Time // CRM local day (00:00 in Dataset.Loc)
	Sum        decimal.Decimal
	PayTypeID  int
	Note       string
	Income     bool // true for the income pay type, false for expenses (refunds)
}

// Attendance is one student's row of a lesson (lesson "details").
type Attendance struct {
	CustomerID int
	IsAttend   bool
	Reason     string
}

// Lesson is an AlfaCRM lesson with its per-student attendance.
type Lesson struct {
	ID         int
	Date       time.Time // CRM local day
	TimeFrom   string    // "18:30"
	TimeTo     string
	Status     int // LessonPlanned, LessonCancelled, LessonConducted
	SubjectID  int
	TeacherIDs []int
	GroupIDs   []int
	Details    []Attendance
}

// Group is an AlfaCRM study group.
type Group struct {
	ID          int
	Name        string
	SubjectID   int
	TeacherIDs  []int
	BranchID    int
	CustomerIDs []int // everyone who ever studied in it
}

// Dict is an AlfaCRM dictionary entry.
type Dict struct {
	ID   int
	Name string
}

// MatchTrap is a lead whose person matches exactly one card in a tricky way.
// All fields are indices (into People, Leads, Customers).
type MatchTrap struct {
	Person   int
	Lead     int
	Customer int
}

// TwoCardsTrap is a person with two cards: a lead card and a student card.
type TwoCardsTrap struct {
	Person      int
	Lead        int
	LeadCard    int
	StudentCard int
}

// SplitTrap is a lead whose e-mail is on one card (the person's own, with an
// old phone) and whose phone is on another (a relative's student card, Person
// -1, created before the lead).
type SplitTrap struct {
	Person    int
	Lead      int
	EmailCard int
	PhoneCard int
}

// Traps locates the deliberate matching pitfalls. Every index points into the
// Dataset's slices. The trap leads are single leads of their person, come from
// ads, carry both phone and e-mail, and fall within the last 25 days.
type Traps struct {
	// TwoCards: one person, a lead card and a student card.
	TwoCards TwoCardsTrap
	// PhoneOnly: the card matches by phone only; its e-mail is a different one.
	PhoneOnly MatchTrap
	// Split: the lead's e-mail matches one card and its phone another.
	Split SplitTrap
	// Archived: a removed (archived) student card that matches.
	Archived MatchTrap
	// EmailCase: the card's only contact is the e-mail, differing only in
	// letter case from the lead's (lower-case) e-mail.
	EmailCase MatchTrap
	// PreExisting lists customers (indices) of lead people whose card was
	// created before the person's first lead and who paid both before and
	// after it.
	PreExisting []int
}

// Dataset is the whole demo world. Slices are in chronological order
// (Leads by CreatedTime, Customers by ID = creation order, Payments and
// Lessons by date). A Dataset is read-only after New: its methods are safe
// for concurrent use, and callers must not modify the slices they get.
//
// Decimals (Spend, Sum, Balance) have exponent -2; render them with
// StringFixed(2) to get "1200.00".
type Dataset struct {
	// Ref is the reference day at 00:00 UTC. Leads and spend cover
	// [Ref-Days days, Ref).
	Ref time.Time
	// Loc is the CRM's time zone.
	Loc *time.Location

	Page      Page
	AdAccount AdAccount
	Campaigns []Campaign
	AdSets    []AdSet
	Ads       []Ad
	Forms     []Form
	Leads     []Lead
	People    []Person
	Spend     []SpendRow // one row per ad per day, ordered by date then ad

	Customers []Customer
	Payments  []Payment
	Lessons   []Lesson
	Groups    []Group

	StudyStatuses []Dict
	LeadStatuses  []Dict
	LeadSources   []Dict
	PayTypes      []Dict // includes "Доход" (income) and "Расход" (expense)
	Branches      []Dict
	Subjects      []Dict
	Teachers      []Dict

	Traps Traps

	idx index
}

type index struct {
	campaign map[string]int
	adSet    map[string]int
	ad       map[string]int
	form     map[string]int
	lead     map[string]int
	customer map[int]int
	pays     map[int][]int
	first    []int // first lead index per person, -1 for none
}

// New builds the data set for cfg. It is deterministic: equal Seed, sizes,
// Loc and reference day give an identical result.
func New(cfg Config) *Dataset {
	g := newGen(cfg)
	g.run()
	g.d.buildIndex()
	return g.d
}

// LocalRef is the reference day at 00:00 in the CRM time zone.
func (d *Dataset) LocalRef() time.Time {
	y, m, dd := d.Ref.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, d.Loc)
}

// Start is the first day covered by leads and spend, 00:00 UTC.
func (d *Dataset) Start() time.Time { return d.Ref.AddDate(0, 0, -Days) }

// IncomePayTypeID is the id of the "Доход" pay type.
func (d *Dataset) IncomePayTypeID() int { return dictID(d.PayTypes, "Доход") }

// ExpensePayTypeID is the id of the "Расход" pay type.
func (d *Dataset) ExpensePayTypeID() int { return dictID(d.PayTypes, "Расход") }

func dictID(ds []Dict, name string) int {
	for _, x := range ds {
		if x.Name == name {
			return x.ID
		}
	}
	return 0
}

func (d *Dataset) buildIndex() {
	ix := index{
		campaign: make(map[string]int, len(d.Campaigns)),
		adSet:    make(map[string]int, len(d.AdSets)),
		ad:       make(map[string]int, len(d.Ads)),
		form:     make(map[string]int, len(d.Forms)),
		lead:     make(map[string]int, len(d.Leads)),
		customer: make(map[int]int, len(d.Customers)),
		pays:     make(map[int][]int, len(d.Customers)),
		first:    make([]int, len(d.People)),
	}
	for i, x := range d.Campaigns {
		ix.campaign[x.ID] = i
	}
	for i, x := range d.AdSets {
		ix.adSet[x.ID] = i
	}
	for i, x := range d.Ads {
		ix.ad[x.ID] = i
	}
	for i, x := range d.Forms {
		ix.form[x.ID] = i
	}
	for i := range ix.first {
		ix.first[i] = -1
	}
	for i, x := range d.Leads {
		ix.lead[x.ID] = i
		if x.Person >= 0 && ix.first[x.Person] < 0 {
			ix.first[x.Person] = i
		}
	}
	for i, x := range d.Customers {
		ix.customer[x.ID] = i
	}
	for i, x := range d.Payments {
		ix.pays[x.CustomerID] = append(ix.pays[x.CustomerID], i)
	}
	d.idx = ix
}

// Campaign looks a campaign up by id.
func (d *Dataset) Campaign(id string) (Campaign, bool) {
	return lookup(d.Campaigns, d.idx.campaign, id)
}

// AdSet looks an ad set up by id.
func (d *Dataset) AdSet(id string) (AdSet, bool) { return lookup(d.AdSets, d.idx.adSet, id) }

// Ad looks an ad up by id.
func (d *Dataset) Ad(id string) (Ad, bool) { return lookup(d.Ads, d.idx.ad, id) }

// Form looks a form up by id.
func (d *Dataset) Form(id string) (Form, bool) { return lookup(d.Forms, d.idx.form, id) }

// Lead looks a lead up by id.
func (d *Dataset) Lead(id string) (Lead, bool) { return lookup(d.Leads, d.idx.lead, id) }

// CustomerByID looks a CRM card up by its AlfaCRM id.
func (d *Dataset) CustomerByID(id int) (Customer, bool) {
	return lookup(d.Customers, d.idx.customer, id)
}

func lookup[K comparable, T any](s []T, m map[K]int, k K) (T, bool) {
	if i, ok := m[k]; ok {
		return s[i], true
	}
	var zero T
	return zero, false
}

// LeadsOfForm returns the form's leads, oldest first.
func (d *Dataset) LeadsOfForm(formID string) []Lead {
	return d.leadsWhere(func(l *Lead) bool { return l.FormID == formID })
}

// LeadsOfAd returns the ad's leads, oldest first.
func (d *Dataset) LeadsOfAd(adID string) []Lead {
	return d.leadsWhere(func(l *Lead) bool { return l.AdID == adID })
}

// leadsWhere returns the leads keep accepts, oldest first.
func (d *Dataset) leadsWhere(keep func(*Lead) bool) []Lead {
	var out []Lead
	for i := range d.Leads {
		if keep(&d.Leads[i]) {
			out = append(out, d.Leads[i])
		}
	}
	return out
}

// PaymentsOf returns the customer's payments (income and expense), oldest first.
func (d *Dataset) PaymentsOf(customerID int) []Payment {
	is := d.idx.pays[customerID]
	out := make([]Payment, 0, len(is))
	for _, i := range is {
		out = append(out, d.Payments[i])
	}
	return out
}

// FirstLead returns the index in Leads of the person's first lead, or -1 if
// the person never submitted a form.
func (d *Dataset) FirstLead(person int) int {
	if person < 0 || person >= len(d.idx.first) {
		return -1
	}
	return d.idx.first[person]
}

// CustomersOf returns the indices in Customers of the person's cards.
func (d *Dataset) CustomersOf(person int) []int {
	var out []int
	for i, c := range d.Customers {
		if c.Person == person {
			out = append(out, i)
		}
	}
	return out
}

// refDay returns 00:00 UTC of t's calendar date in t's own location.
func refDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
