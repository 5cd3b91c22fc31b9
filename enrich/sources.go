package enrich

import (
	"context"
	"iter"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
)

// LeadSource is what enrich reads from Meta to list leads: a Page's lead
// forms and each form's leads. *metaleads.Client satisfies it.
type LeadSource interface {
	// Forms lists a Page's lead forms (PageLeads asks for all of them,
	// archived ones included); each form's LeadsCount and CreatedTime
	// feed the strategy estimate.
	Forms(ctx context.Context, pageID string, opts metaleads.FormsOptions) iter.Seq2[metaleads.Form, error]
	// Leads lists a form's leads, with opts' Since/Until window, each
	// with its attribution (campaign, ad set and ad ids and names).
	Leads(ctx context.Context, formID string, opts metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error]
}

// SpendSource is what a ROI report reads from Meta: the ad account (for its
// currency) and its insights. *metaleads.Client satisfies it.
type SpendSource interface {
	// AdAccount reads an ad account ("act_<digits>"); the report takes
	// its Currency as the currency of spend.
	AdAccount(ctx context.Context, id string) (metaleads.AdAccount, error)
	// Insights lists the insight rows of an object (the ad account) at
	// opts.Level for opts' Since–Until days; the report sums their Spend.
	Insights(ctx context.Context, objectID string, opts metaleads.InsightsOptions) iter.Seq2[metaleads.InsightRow, error]
}

// CustomerFinder finds the CRM cards that carry a phone or an e-mail. The
// per-lead strategy asks it once per distinct e-mail and, only when no card
// has that e-mail, once per distinct phone. *alfacrm.Client satisfies it.
//
// An implementation should return every card with the contact — students
// and leads, active and archived; enrich checks each returned card again
// against its own matching rules, so extra cards do no harm.
type CustomerFinder interface {
	// FindCustomers returns the cards carrying q's e-mail or phone
	// (enrich sets one of the two, normalised: a lower-case e-mail or an
	// E.164 phone).
	FindCustomers(ctx context.Context, q alfacrm.ContactQuery) ([]alfacrm.CustomerMatch, error)
}

// CustomerDirectory lists CRM cards, payments and lessons. The bulk
// strategy reads each list once; the per-lead strategy reads the payments
// and lessons of each matched customer (CustomerID set); the naive strategy
// searches cards with it. *alfacrm.Client satisfies it.
type CustomerDirectory interface {
	// Customers lists the cards q selects: the bulk strategy asks for
	// every student card and every lead card, active and archived; the
	// naive one searches by e-mail or phone with the API's defaults.
	Customers(ctx context.Context, q alfacrm.CustomerQuery) iter.Seq2[alfacrm.Customer, error]
	// Payments lists payments, income and expenses (enrich keeps the
	// income): all of them for the bulk strategy, one customer's
	// (q.CustomerID) for the others. Dates are calendar days in the
	// CRM's time zone.
	Payments(ctx context.Context, q alfacrm.PaymentQuery) iter.Seq2[alfacrm.Payment, error]
	// Lessons lists lessons with their attendance details: every
	// conducted lesson for the bulk strategy, one customer's conducted
	// lessons (q.CustomerID) for the others.
	Lessons(ctx context.Context, q alfacrm.LessonQuery) iter.Seq2[alfacrm.Lesson, error]
}

// Dictionaries resolves status ids to names (study and lead statuses).
// *alfacrm.Client satisfies it (and caches the dictionaries).
type Dictionaries interface {
	// Dictionary returns the entries of one dictionary; enrich reads
	// alfacrm.DictStudyStatus and alfacrm.DictLeadStatus once per run.
	Dictionary(ctx context.Context, kind alfacrm.DictKind) (alfacrm.Dictionary, error)
}

// CRM is everything an [Enricher] needs from the CRM; *alfacrm.Client
// satisfies it. Which methods a run calls depends on its [Strategy].
type CRM interface {
	CustomerFinder
	CustomerDirectory
	Dictionaries
}

// DirectorySizer is optionally implemented by a [CRM] whose lists report
// their size; *alfacrm.Client does. [StrategyAuto] reads page 0 of each list
// the bulk strategy would read (one request each) to price that strategy;
// without it, Config.BulkRequests or DefaultBulkRequests is used.
type DirectorySizer interface {
	// CustomersPage returns one page of the cards q selects, with the
	// list's Total; enrich reads page 0 of the student and lead lists.
	CustomersPage(ctx context.Context, q alfacrm.CustomerQuery, page int) (alfacrm.Page[alfacrm.Customer], error)
	// PaymentsPage returns one page of payments, with the list's Total;
	// enrich reads page 0 of the whole list.
	PaymentsPage(ctx context.Context, q alfacrm.PaymentQuery, page int) (alfacrm.Page[alfacrm.Payment], error)
	// LessonsPage returns one page of lessons, with the list's Total;
	// enrich reads page 0 of the conducted lessons.
	LessonsPage(ctx context.Context, q alfacrm.LessonQuery, page int) (alfacrm.Page[alfacrm.Lesson], error)
}
