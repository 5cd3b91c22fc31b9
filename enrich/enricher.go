package enrich

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/metaleads"
)

// Defaults applied by [New] to zero Config fields.
const (
	// DefaultConcurrency is the number of leads the per-lead strategy
	// enriches at once.
	DefaultConcurrency = 8
	// DefaultPhoneRegion is the region assumed for phone numbers written
	// without a country code.
	DefaultPhoneRegion = "UA"
	// DefaultRequestsPerLead is the estimated number of CRM requests the
	// per-lead strategy spends on one lead: two to search the e-mail
	// (students, then leads), two more for the phone when the e-mail found
	// nothing, two for a matched customer's payments and lessons, less what
	// the caches save.
	DefaultRequestsPerLead = 4
	// DefaultBulkRequests is the estimated cost of the bulk strategy when
	// the CRM cannot say how big its lists are (it does not implement
	// DirectorySizer) and Config.BulkRequests is 0.
	DefaultBulkRequests = 200
)

// contactCacheSize bounds the per-lead strategy's cache of contact lookups,
// so a long per-lead run does not grow with the number of leads.
const contactCacheSize = 10_000

// Strategy is how an [Enricher] reads the CRM.
type Strategy int

// Strategies. Every strategy but StrategyNaive applies the same matching
// rules (see the package documentation) and gives identical results.
const (
	// StrategyAuto picks the cheaper of StrategyPerLead and StrategyBulk
	// by the estimated number of CRM requests (see Enricher.Estimate).
	StrategyAuto Strategy = iota
	// StrategyPerLead looks each lead up: FindCustomers for its e-mail
	// and, when no card has it, for its phone, then the matched
	// customer's payments and lessons. Lookups run Config.Concurrency at
	// a time, are de-duplicated and cached per normalised contact and per
	// customer, and results keep the input order. Best for few leads.
	StrategyPerLead
	// StrategyBulk reads the whole directory once — every card (students
	// and leads, active and archived), every payment and every conducted
	// lesson — and matches in memory. Its cost does not depend on the
	// number of leads; its memory grows with the directory. Best for
	// many leads.
	StrategyBulk
	// StrategyNaive is the baseline of what a first integration does,
	// kept for benchmarks: per lead, in sequence, search cards by e-mail,
	// then by the phone as typed, with the API's defaults (active student
	// cards only, so it misses lead cards and archived cards, and the
	// typed phone misses cards where it is written differently), take the
	// first card, then read that customer's payments and lessons. No
	// cache, no concurrency. Its results differ from the other strategies'
	// by design.
	StrategyNaive
)

// String returns "auto", "per-lead", "bulk", "naive" or the number.
func (s Strategy) String() string {
	switch s {
	case StrategyAuto:
		return "auto"
	case StrategyPerLead:
		return "per-lead"
	case StrategyBulk:
		return "bulk"
	case StrategyNaive:
		return "naive"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// ParseStrategy parses the names String returns.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range []Strategy{StrategyAuto, StrategyPerLead, StrategyBulk, StrategyNaive} {
		if strings.EqualFold(strings.TrimSpace(s), st.String()) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("enrich: unknown strategy %q (want auto, per-lead, bulk or naive)", s)
}

// Phase is the stage of a run a [Progress] report comes from.
type Phase string

// Phases of a run.
const (
	// PhaseLoading is the bulk strategy reading the CRM directory, before
	// any lead is enriched: CardsRead, PaymentsRead and LessonsRead grow.
	PhaseLoading Phase = "loading"
	// PhaseEnriching is leads being enriched and delivered: Enriched and
	// Matched grow.
	PhaseEnriching Phase = "enriching"
)

// Progress reports how far a run is. Counts are cumulative for the run.
type Progress struct {
	// Phase is what the run is doing: PhaseLoading while the bulk
	// strategy reads the CRM directory, then PhaseEnriching.
	Phase Phase
	// LeadsRead counts leads read from the source so far (a few may be
	// ahead of Enriched: the per-lead strategy works on a window, and
	// StrategyAuto may read ahead to choose).
	LeadsRead int
	// Matched counts enriched leads that matched a CRM card.
	Matched int
	// Enriched counts leads enriched and delivered.
	Enriched int
	// CardsRead counts the CRM cards (students and leads) the bulk
	// strategy has read; 0 for the other strategies. After the loading
	// phase it stays at the directory's size.
	CardsRead int
	// PaymentsRead counts the payments (income and expenses) the bulk
	// strategy has read; 0 for the other strategies.
	PaymentsRead int
	// LessonsRead counts the conducted lessons the bulk strategy has
	// read; 0 for the other strategies.
	LessonsRead int
}

// Config configures an [Enricher]. The zero value is ready to use.
type Config struct {
	// Strategy selects how the CRM is read; the zero value is StrategyAuto.
	Strategy Strategy
	// Concurrency is the number of leads the per-lead strategy enriches at
	// once, and bounds the lists the bulk strategy reads at once (four at
	// most); 0 means DefaultConcurrency. 1 makes every strategy sequential.
	Concurrency int
	// PhoneRegion is the ISO 3166-1 region (e.g. "UA") assumed for phone
	// numbers without a country code, on leads and on CRM cards. Empty
	// means DefaultPhoneRegion. Use the same region as the CRM client's
	// (alfacrm.Config.PhoneRegion), whose FindCustomers filters with it.
	PhoneRegion string
	// Normalizer extracts the canonical contact from leads; nil means
	// metaleads.NewNormalizer with PhoneRegion. A custom one should use
	// the same region.
	Normalizer *metaleads.Normalizer
	// ExpectedLeads, when positive, is the number of leads StrategyAuto
	// assumes for Enrich. When 0, Enrich reads ahead just far enough to
	// know which strategy is cheaper (never more leads than the bulk
	// strategy's requests divided by RequestsPerLead).
	ExpectedLeads int
	// RequestsPerLead is the per-lead strategy's estimated CRM requests per
	// lead, for StrategyAuto; 0 means DefaultRequestsPerLead.
	RequestsPerLead int
	// BulkRequests, when positive, is the bulk strategy's estimated number
	// of CRM requests, for StrategyAuto. When 0, a CRM that implements
	// DirectorySizer is asked (page 0 of each list, one request each);
	// otherwise DefaultBulkRequests is assumed.
	BulkRequests int
	// OnProgress, when set, is called after each lead is enriched, just
	// before it is delivered, and, while the bulk strategy loads the CRM
	// directory, about once per page of each list (Phase PhaseLoading),
	// always from the goroutine ranging over the results, never
	// concurrently. It must be quick.
	OnProgress func(Progress)
}

// Enricher matches leads to CRM customers and adds their payments and
// attendance. It is safe for concurrent use; every run (each Enrich range,
// EnrichOne or EnrichAll call) reads the CRM afresh and keeps its caches to
// itself.
type Enricher struct {
	crm  CRM
	cfg  Config
	norm *metaleads.Normalizer
	m    matcher
	// contactCache bounds the per-lead strategy's contact lookups
	// (contactCacheSize; tests lower it).
	contactCache int
}

// New returns an Enricher reading crm. It fails on a nil crm or an invalid
// Config.
func New(crm CRM, cfg Config) (*Enricher, error) {
	if crm == nil {
		return nil, errors.New("enrich: nil CRM")
	}
	switch {
	case cfg.Strategy < StrategyAuto || cfg.Strategy > StrategyNaive:
		return nil, fmt.Errorf("enrich: unknown %v", cfg.Strategy)
	case cfg.Concurrency < 0:
		return nil, fmt.Errorf("enrich: negative Concurrency %d", cfg.Concurrency)
	case cfg.ExpectedLeads < 0:
		return nil, fmt.Errorf("enrich: negative ExpectedLeads %d", cfg.ExpectedLeads)
	case cfg.RequestsPerLead < 0:
		return nil, fmt.Errorf("enrich: negative RequestsPerLead %d", cfg.RequestsPerLead)
	case cfg.BulkRequests < 0:
		return nil, fmt.Errorf("enrich: negative BulkRequests %d", cfg.BulkRequests)
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.RequestsPerLead == 0 {
		cfg.RequestsPerLead = DefaultRequestsPerLead
	}
	region := cfg.PhoneRegion
	if region == "" {
		region = DefaultPhoneRegion
	}
	region, ok := contact.Region(region)
	if !ok {
		return nil, fmt.Errorf("enrich: unsupported phone region %q", cfg.PhoneRegion)
	}
	cfg.PhoneRegion = region
	norm := cfg.Normalizer
	if norm == nil {
		var err error
		if norm, err = metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: region}); err != nil {
			return nil, fmt.Errorf("enrich: %w", err)
		}
	}
	return &Enricher{crm: crm, cfg: cfg, norm: norm, m: matcher{region: region}, contactCache: contactCacheSize}, nil
}

// Normalizer returns the normalizer the Enricher extracts contacts with.
func (e *Enricher) Normalizer() *metaleads.Normalizer { return e.norm }

// LeadError reports the lead whose enrichment failed.
type LeadError struct {
	// LeadID is the Graph id of the lead.
	LeadID string
	// Err is the cause, typically an *alfacrm.Error.
	Err error
}

// Error returns "enrich: lead <id>: <cause>".
func (e *LeadError) Error() string { return "enrich: lead " + e.LeadID + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LeadError) Unwrap() error { return e.Err }

// Enrich enriches a stream of leads, delivering them in input order. It
// sends no request before the first pull. The strategy is Config.Strategy;
// StrategyAuto decides with Config.ExpectedLeads or, without it, by reading
// a few leads ahead (see Config.ExpectedLeads).
//
// Memory grows with the CRM directory (bulk), or a bounded window of leads
// and bounded caches (per-lead), not with the number of leads (see the
// package documentation). An error — from the lead source
// (wrapped) or the CRM (a *LeadError) — is yielded once, after every lead
// before it, and ends the iteration. Breaking out of the loop cancels the
// work in flight and returns once it has stopped.
func (e *Enricher) Enrich(ctx context.Context, leads iter.Seq2[metaleads.Lead, error]) iter.Seq2[EnrichedLead, error] {
	return e.enrich(ctx, leads, e.cfg.ExpectedLeads, e.cfg.Strategy)
}

// EnrichOne enriches one lead. StrategyAuto means StrategyPerLead here.
func (e *Enricher) EnrichOne(ctx context.Context, lead metaleads.Lead) (EnrichedLead, error) {
	s := e.cfg.Strategy
	if s == StrategyAuto {
		s = StrategyPerLead
	}
	for el, err := range e.enrich(ctx, func(yield func(metaleads.Lead, error) bool) { yield(lead, nil) }, 1, s) {
		return el, err
	}
	return EnrichedLead{}, errors.New("enrich: no result") // unreachable
}

// EnrichAll enriches a slice of leads; StrategyAuto decides with
// len(leads). The result has one entry per lead, in order.
func (e *Enricher) EnrichAll(ctx context.Context, leads []metaleads.Lead) ([]EnrichedLead, error) {
	out := make([]EnrichedLead, 0, len(leads))
	src := func(yield func(metaleads.Lead, error) bool) {
		for _, l := range leads {
			if !yield(l, nil) {
				return
			}
		}
	}
	for el, err := range e.enrich(ctx, src, len(leads), e.cfg.Strategy) {
		if err != nil {
			return nil, err
		}
		out = append(out, el)
	}
	return out, nil
}

// EnrichPage enriches the leads of every lead form of a Page (see
// PageLeads). StrategyAuto decides with Config.ExpectedLeads or else the
// forms' lead counts; when those promise no lead at all (forms that report
// no count, or a window their counts say is empty), it reads ahead as
// Enrich does instead of trusting the zero.
func (e *Enricher) EnrichPage(ctx context.Context, src LeadSource, pageID string, opts metaleads.LeadsOptions) iter.Seq2[EnrichedLead, error] {
	return func(yield func(EnrichedLead, error) bool) {
		leads, n, err := PageLeads(ctx, src, pageID, opts)
		if err != nil {
			yield(EnrichedLead{}, err)
			return
		}
		if e.cfg.ExpectedLeads > 0 {
			n = e.cfg.ExpectedLeads
		}
		e.enrich(ctx, leads, n, e.cfg.Strategy)(yield)
	}
}

// enrich runs one enrichment; expected is the lead count for StrategyAuto
// (0: read ahead to find out).
func (e *Enricher) enrich(ctx context.Context, leads iter.Seq2[metaleads.Lead, error], expected int, s Strategy) iter.Seq2[EnrichedLead, error] {
	return func(yield func(EnrichedLead, error) bool) {
		src := newReader(leads)
		defer src.stop()
		r := &run{e: e, src: src}
		// No request at all for an empty source.
		if n, _ := src.peek(1); n == 0 {
			return
		}
		if s == StrategyAuto {
			var err error
			if s, err = r.choose(ctx, expected); err != nil {
				yield(EnrichedLead{}, err)
				return
			}
		}
		var err error
		if r.names, err = loadNames(ctx, e.crm); err != nil {
			yield(EnrichedLead{}, fmt.Errorf("enrich: reading status dictionaries: %w", err))
			return
		}
		switch s {
		case StrategyPerLead:
			r.perLead(ctx, yield)
		case StrategyBulk:
			r.bulk(ctx, yield)
		default:
			r.naive(ctx, yield)
		}
	}
}

// run is the state of one enrichment.
type run struct {
	e        *Enricher
	src      *reader
	names    names
	progress Progress
}

// deliver reports progress and yields one result.
func (r *run) deliver(el EnrichedLead, yield func(EnrichedLead, error) bool) bool {
	r.progress.Phase = PhaseEnriching
	r.progress.Enriched++
	if el.Customer != nil {
		r.progress.Matched++
	}
	r.progress.LeadsRead = r.src.read
	if f := r.e.cfg.OnProgress; f != nil {
		f(r.progress)
	}
	return yield(el, nil)
}

// eachLead calls f with each lead of the source, in order, until the
// source ends or f returns false. A source error is yielded and ends the
// run.
func (r *run) eachLead(yield func(EnrichedLead, error) bool, f func(metaleads.Lead) bool) {
	for {
		it, ok := r.src.pull()
		if !ok {
			return
		}
		if it.err != nil {
			yield(EnrichedLead{}, it.err)
			return
		}
		if !f(it.lead) {
			return
		}
	}
}

// item is one pull from the lead source.
type item struct {
	lead metaleads.Lead
	err  error
}

// reader pulls leads from an iterator, with look-ahead.
type reader struct {
	next  func() (metaleads.Lead, error, bool)
	stop  func()
	buf   []item
	read  int  // leads (and errors) pulled from the source
	ended bool // the source is exhausted or failed
}

func newReader(leads iter.Seq2[metaleads.Lead, error]) *reader {
	next, stop := iter.Pull2(leads)
	return &reader{next: next, stop: stop}
}

// pullSource pulls one item from the source; false at its end. An error
// item ends the source.
func (r *reader) pullSource() (item, bool) {
	if r.ended {
		return item{}, false
	}
	l, err, ok := r.next()
	if !ok {
		r.ended = true
		return item{}, false
	}
	r.read++
	if err != nil {
		r.ended = true
		err = fmt.Errorf("enrich: reading leads: %w", err)
	}
	return item{lead: l, err: err}, true
}

// peek reads ahead until n items are buffered or the source ends; it
// returns the number buffered and whether the source ended.
func (r *reader) peek(n int) (int, bool) {
	for len(r.buf) < n {
		it, ok := r.pullSource()
		if !ok {
			break
		}
		r.buf = append(r.buf, it)
	}
	return len(r.buf), r.ended
}

// pull returns the next item; false at the end.
func (r *reader) pull() (item, bool) {
	if len(r.buf) > 0 {
		it := r.buf[0]
		r.buf[0] = item{}
		r.buf = r.buf[1:]
		return it, true
	}
	return r.pullSource()
}
