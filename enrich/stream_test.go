package enrich

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// population builds a memCRM with n student cards (person i has e-mail
// person<i>@example.com and phone +38050000<i>) and one income payment each,
// and leads: for each i < leads, person i%n when i%3 != 2, else a stranger.
func population(n, leads int) (*memCRM, []metaleads.Lead) {
	m := &memCRM{
		study: alfacrm.Dictionary{{ID: 1, Name: "Учится"}},
		lead:  alfacrm.Dictionary{{ID: 2, Name: "Новый"}},
	}
	for i := range n {
		id := 1000 + i
		m.cards = append(m.cards, alfacrm.Customer{
			ID: id, Name: fmt.Sprintf("Person %d", i), IsStudy: true, StudyStatusID: 1,
			Emails: []string{fmt.Sprintf("Person%d@Example.com", i)},
			Phones: []string{fmt.Sprintf("050 %07d", i)},
		})
		m.payments = append(m.payments, alfacrm.Payment{ID: 5000 + i, CustomerID: id, Income: true,
			Date: crmDay(time.January, 1+i%28), Sum: decimal.NewFromInt(int64(100 + i))})
	}
	var out []metaleads.Lead
	for i := range leads {
		email := fmt.Sprintf("person%d@example.com", i%n)
		if i%3 == 2 {
			email = fmt.Sprintf("stranger%d@example.com", i)
		}
		out = append(out, formLead(fmt.Sprint(100000+i), email, ""))
	}
	return m, out
}

func TestPerLeadKeepsInputOrderAndDeduplicates(t *testing.T) {
	m, leads := population(10, 60)
	// Lead 0's lookup waits until lead 1's has been asked for, so lead 1
	// finishes first: results must still come in input order.
	asked := make(chan struct{})
	m.gate = func(ctx context.Context, q alfacrm.ContactQuery) error {
		switch q.Email {
		case "person1@example.com":
			close(asked)
		case "person0@example.com":
			select {
			case <-asked:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	e := newEnricher(t, m, Config{Strategy: StrategyPerLead, Concurrency: 4})
	got, err := e.EnrichAll(context.Background(), leads)
	require.NoError(t, err)
	require.Len(t, got, len(leads))
	for i := range leads {
		assert.Equal(t, leads[i].ID, got[i].Lead.ID)
		if i%3 == 2 {
			assert.Nil(t, got[i].Customer)
		} else if assert.NotNil(t, got[i].Customer, i) {
			assert.Equal(t, 1000+i%10, got[i].Customer.ID)
			assert.Equal(t, 1, got[i].Payments.Count)
		}
	}
	// One search per distinct e-mail (10 people + 20 strangers), one
	// history per customer; strangers have no phone to try.
	assert.Equal(t, 30, m.n("FindCustomers"))
	assert.Equal(t, 10, m.n("Payments"))
	assert.Equal(t, 10, m.n("Lessons"))
	assert.Zero(t, m.n("Customers"))
}

func TestResultsAreCopies(t *testing.T) {
	m, leads := population(1, 2)
	e := newEnricher(t, m, Config{Strategy: StrategyPerLead})
	got, err := e.EnrichAll(context.Background(), leads[:2])
	require.NoError(t, err)
	got[0].Payments.Income[0].Sum = decimal.NewFromInt(-1)
	assert.Equal(t, "100", got[1].Payments.Income[0].Sum.String(), "leads of one customer share their payments")
}

// failingSource yields leads and then err.
func failingSource(leads []metaleads.Lead, err error) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for _, l := range leads {
			if !yield(l, nil) {
				return
			}
		}
		yield(metaleads.Lead{}, err)
	}
}

func TestSourceErrorAfterDeliveredLeads(t *testing.T) {
	boom := errors.New("graph went away")
	for _, s := range []Strategy{StrategyPerLead, StrategyBulk, StrategyNaive} {
		t.Run(s.String(), func(t *testing.T) {
			m, leads := population(5, 7)
			e := newEnricher(t, m, Config{Strategy: s})
			var ids []string
			var errs []error
			for el, err := range e.Enrich(context.Background(), failingSource(leads, boom)) {
				if err != nil {
					errs = append(errs, err)
					continue // the iterator must stop by itself
				}
				ids = append(ids, el.Lead.ID)
			}
			assert.Equal(t, leadIDs(enrichedOf(leads)), ids)
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], boom)
			assert.Contains(t, errs[0].Error(), "enrich: reading leads")
		})
	}
}

func enrichedOf(leads []metaleads.Lead) []EnrichedLead {
	out := make([]EnrichedLead, len(leads))
	for i, l := range leads {
		out[i].Lead = l
	}
	return out
}

func TestCRMErrorIsALeadError(t *testing.T) {
	boom := errors.New("crm is down")
	m, leads := population(3, 5)
	m.failFind = boom
	e := newEnricher(t, m, Config{Strategy: StrategyPerLead})
	_, err := e.EnrichAll(context.Background(), leads)
	var le *LeadError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, leads[0].ID, le.LeadID)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "enrich: lead "+leads[0].ID+": crm is down", err.Error())
}

// alfacrmTestFault500 is an HTTP 500 with Yii2's error body.
var alfacrmTestFault500 = alfacrmtest.Fault{Status: 500}

func TestCRMFailureThroughTheFake(t *testing.T) {
	s := newSchool(t)
	s.srv.AddCustomer(s.student(10, "Коваль Олена", nil, []string{"olena@example.com"}))
	for _, strategy := range []Strategy{StrategyPerLead, StrategyBulk, StrategyNaive} {
		t.Run(strategy.String(), func(t *testing.T) {
			s.srv.ClearFaults()
			ac, err := s.srv.Client(func(c *alfacrm.Config) { c.Retry.MaxAttempts = 1 })
			require.NoError(t, err)
			s.srv.FailMatching("customer/index", 100, alfacrmTestFault500)
			e := newEnricher(t, ac, Config{Strategy: strategy})
			_, err = e.EnrichOne(context.Background(), formLead("1", "olena@example.com", ""))
			require.Error(t, err)
			var ae *alfacrm.Error
			assert.ErrorAs(t, err, &ae)
			assert.NotContains(t, err.Error(), s.srv.APIKey)
		})
	}
}

func TestBreakingOutStopsTheWorkers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, leads := population(50, 50)
	// Every lookup but the first lead's blocks until its context ends.
	m.gate = func(ctx context.Context, q alfacrm.ContactQuery) error {
		if q.Email == "person0@example.com" {
			return nil
		}
		<-ctx.Done()
		return ctx.Err()
	}
	// A slot for every lead: with fewer, later leads could take every slot
	// before the first lead's worker starts, and wait for it forever.
	e := newEnricher(t, m, Config{Strategy: StrategyPerLead, Concurrency: len(leads)})
	n := 0
	for el, err := range e.Enrich(context.Background(), seqOf(leads)) {
		require.NoError(t, err)
		assert.Equal(t, leads[0].ID, el.Lead.ID)
		n++
		break
	}
	assert.Equal(t, 1, n)
}

func TestCancellationEndsTheRun(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, leads := population(20, 20)
	ctx, cancel := context.WithCancel(context.Background())
	m.gate = func(gctx context.Context, q alfacrm.ContactQuery) error {
		cancel() // the caller gives up while lookups are in flight
		<-gctx.Done()
		return gctx.Err()
	}
	e := newEnricher(t, m, Config{Strategy: StrategyPerLead})
	var errs []error
	for _, err := range e.Enrich(ctx, seqOf(leads)) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
}

func TestProgress(t *testing.T) {
	for _, s := range []Strategy{StrategyPerLead, StrategyBulk, StrategyNaive} {
		m, leads := population(4, 12)
		var seen []Progress
		e := newEnricher(t, m, Config{Strategy: s, OnProgress: func(p Progress) { seen = append(seen, p) }})
		_, err := e.EnrichAll(context.Background(), leads)
		require.NoError(t, err)
		var enriching []Progress
		for _, p := range seen {
			if p.Phase == PhaseEnriching {
				enriching = append(enriching, p)
			}
		}
		require.Len(t, enriching, 12, s)
		for i, p := range enriching {
			assert.Equal(t, i+1, p.Enriched)
			assert.GreaterOrEqual(t, p.LeadsRead, p.Enriched)
		}
		want := Progress{Phase: PhaseEnriching, LeadsRead: 12, Matched: 8, Enriched: 12}
		if s == StrategyBulk {
			want.CardsRead, want.PaymentsRead = 4, 4 // the directory
		}
		assert.Equal(t, want, seen[len(seen)-1], s)
	}
}

// The bulk strategy reports its loading phase: once per page of each list
// and at its end, from the goroutine ranging over the results (the
// callback below is unsynchronised: -race would catch a call from a
// loader), before any lead is enriched.
func TestBulkReportsLoadingProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const cards = 3*alfacrm.DefaultPageSize + 7
		m, leads := population(cards, 5) // as many payments as cards
		for i := range 60 {
			m.lessons = append(m.lessons, alfacrm.Lesson{ID: 9000 + i, Status: alfacrm.LessonConducted,
				Details: []alfacrm.Attendance{{CustomerID: 1000 + i, IsAttend: true}}})
		}
		// After each page of cards, the card list waits until that page
		// has been reported (a missing report deadlocks the bubble).
		reported := make(chan int, 100)
		m.afterCard = func(n int) {
			if n%alfacrm.DefaultPageSize != 0 {
				return
			}
			for c := range reported {
				if c >= n {
					return
				}
			}
		}
		var seen []Progress
		e := newEnricher(t, m, Config{Strategy: StrategyBulk, OnProgress: func(p Progress) {
			seen = append(seen, p)
			if p.Phase == PhaseLoading {
				reported <- p.CardsRead
			}
		}})
		got, err := e.EnrichAll(context.Background(), leads)
		require.NoError(t, err)
		require.Len(t, got, 5)

		var loading []Progress
		for i, p := range seen {
			if p.Phase != PhaseLoading {
				require.Equal(t, PhaseEnriching, p.Phase)
				require.Len(t, seen[i:], 5, "the loading reports come first, then one per lead")
				break
			}
			loading = append(loading, p)
		}
		var cardCounts []int
		for i, p := range loading {
			assert.Zero(t, p.Enriched)
			assert.Zero(t, p.Matched)
			if i > 0 {
				prev := loading[i-1]
				assert.True(t, p.CardsRead >= prev.CardsRead && p.PaymentsRead >= prev.PaymentsRead && p.LessonsRead >= prev.LessonsRead,
					"counts only grow: %+v after %+v", p, prev)
				assert.NotEqual(t, prev, p, "no report repeats the last one")
			}
			if !slices.Contains(cardCounts, p.CardsRead) {
				cardCounts = append(cardCounts, p.CardsRead)
			}
		}
		for _, n := range []int{50, 100, 150, cards} {
			assert.Contains(t, cardCounts, n, "a report per page of cards")
		}
		final := loading[len(loading)-1]
		assert.Equal(t, [3]int{cards, cards, 60}, [3]int{final.CardsRead, final.PaymentsRead, final.LessonsRead})
		last := seen[len(seen)-1]
		assert.Equal(t, [3]int{cards, cards, 60}, [3]int{last.CardsRead, last.PaymentsRead, last.LessonsRead}, "the directory's size stays")
		assert.Equal(t, 5, last.Enriched)
	})
}

func TestAutoPicksTheCheaperStrategy(t *testing.T) {
	// memCRM cannot size its lists: bulk is DefaultBulkRequests (200)
	// requests, per-lead 4 per lead, so per-lead wins up to 50 leads.
	for _, tc := range []struct {
		leads    int
		expected int // Config.ExpectedLeads
		bulk     bool
	}{
		{leads: 10, bulk: false},
		{leads: 50, bulk: false},
		{leads: 51, bulk: true},
		{leads: 300, bulk: true},
		{leads: 10, expected: 1000, bulk: true}, // the hint wins over the stream
		{leads: 300, expected: 5, bulk: false},
	} {
		t.Run(fmt.Sprintf("%d leads, hint %d", tc.leads, tc.expected), func(t *testing.T) {
			m, leads := population(5, tc.leads)
			e := newEnricher(t, m, Config{ExpectedLeads: tc.expected})
			n := 0
			for _, err := range e.Enrich(context.Background(), seqOf(leads)) {
				require.NoError(t, err)
				n++
			}
			assert.Equal(t, tc.leads, n)
			if tc.bulk {
				assert.Equal(t, 2, m.n("Customers"), "bulk reads students and leads once")
				assert.Zero(t, m.n("FindCustomers"))
			} else {
				assert.Zero(t, m.n("Customers"))
				assert.Positive(t, m.n("FindCustomers"))
			}
		})
	}

	m, leads := population(5, 300)
	e := newEnricher(t, m, Config{})
	got, err := e.EnrichAll(context.Background(), leads)
	require.NoError(t, err)
	assert.Len(t, got, 300)
	assert.Equal(t, 2, m.n("Customers"), "EnrichAll decides by len(leads)")

	m, leads = population(5, 1)
	e = newEnricher(t, m, Config{BulkRequests: 1})
	_, err = e.EnrichOne(context.Background(), leads[0])
	require.NoError(t, err)
	assert.Zero(t, m.n("Customers"), "EnrichOne looks the lead up")
}

func TestEmptySourceSendsNothing(t *testing.T) {
	for _, s := range []Strategy{StrategyAuto, StrategyPerLead, StrategyBulk, StrategyNaive} {
		m, _ := population(3, 0)
		e := newEnricher(t, m, Config{Strategy: s})
		got, err := e.EnrichAll(context.Background(), nil)
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Zero(t, m.total(), s)
	}
}

func TestEstimateAgainstTheFake(t *testing.T) {
	w := newWorld(t, nil)
	ac := newCRMClient(t, w.crm)
	e := newEnricher(t, ac, Config{})
	ctx := context.Background()

	before := w.crm.RequestCount()
	est, err := e.Estimate(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, StrategyPerLead, est.Strategy)
	assert.Equal(t, before, w.crm.RequestCount(), "one lead needs no sizing")

	est, err = e.Estimate(ctx, len(w.ds.Leads))
	require.NoError(t, err)
	assert.Equal(t, StrategyBulk, est.Strategy)
	assert.Equal(t, len(w.ds.Leads)*DefaultRequestsPerLead, est.PerLeadRequests)

	// The estimate is the number of list pages bulk then reads.
	bulk := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: StrategyBulk})
	w.crm.ClearRequests()
	_, err = bulk.EnrichOne(ctx, formLead("1", "nobody@example.com", ""))
	require.NoError(t, err)
	pages := 0
	for _, r := range w.crm.Requests() {
		for _, p := range []string{"/customer/index", "/pay/index", "/lesson/index"} {
			if len(r.Path) >= len(p) && r.Path[len(r.Path)-len(p):] == p {
				pages++
			}
		}
	}
	assert.InDelta(t, pages, est.BulkRequests, 4, "estimate %d, read %d pages", est.BulkRequests, pages)
	t.Logf("bulk estimate %d requests, read %d pages", est.BulkRequests, pages)
}

func TestNewValidates(t *testing.T) {
	m, _ := population(1, 0)
	for name, cfg := range map[string]Config{
		"strategy":    {Strategy: Strategy(9)},
		"concurrency": {Concurrency: -1},
		"expected":    {ExpectedLeads: -1},
		"per lead":    {RequestsPerLead: -1},
		"bulk":        {BulkRequests: -1},
		"region":      {PhoneRegion: "XX"},
	} {
		_, err := New(m, cfg)
		assert.Error(t, err, name)
	}
	_, err := New(nil, Config{})
	assert.Error(t, err)
	e, err := New(m, Config{PhoneRegion: "pl"})
	require.NoError(t, err)
	assert.Equal(t, "PL", e.cfg.PhoneRegion)
	assert.Equal(t, DefaultConcurrency, e.cfg.Concurrency)
}

func TestStrategyNames(t *testing.T) {
	for _, s := range []Strategy{StrategyAuto, StrategyPerLead, StrategyBulk, StrategyNaive} {
		got, err := ParseStrategy(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err := ParseStrategy("fast")
	assert.Error(t, err)
	assert.Equal(t, "Strategy(9)", Strategy(9).String())
}

func TestFlightCacheIsBounded(t *testing.T) {
	c := newFlightCache[int, int](10)
	calls := 0
	get := func(k int) int {
		v, err := c.get(context.Background(), k, func(context.Context) (int, error) { calls++; return k * 2, nil })
		require.NoError(t, err)
		return v
	}
	for k := range 100 {
		assert.Equal(t, 2*k, get(k))
	}
	assert.LessOrEqual(t, len(c.m), 10)
	assert.Equal(t, 198, get(99), "recent keys stay cached")
	assert.Equal(t, 100, calls)
	get(0) // evicted long ago: looked up again
	assert.Equal(t, 101, calls)

	fails := 0
	_, err := c.get(context.Background(), 500, func(context.Context) (int, error) { fails++; return 0, errors.New("x") })
	require.Error(t, err)
	_, err = c.get(context.Background(), 500, func(context.Context) (int, error) { fails++; return 1, nil })
	require.NoError(t, err)
	assert.Equal(t, 2, fails, "failures are not cached")
}

func TestBulkListsConcurrently(t *testing.T) {
	for _, tc := range []struct{ conc, want int }{{1, 1}, {2, 2}, {8, 4}} {
		synctest.Test(t, func(t *testing.T) {
			m, leads := population(20, 3)
			m.hold = make(chan struct{})
			e := newEnricher(t, m, Config{Strategy: StrategyBulk, Concurrency: tc.conc})
			done := make(chan error)
			go func() {
				_, err := e.EnrichAll(context.Background(), leads)
				done <- err
			}()
			synctest.Wait() // every list that may start has started and waits
			m.mu.Lock()
			listing := m.listing
			m.mu.Unlock()
			assert.Equal(t, tc.want, listing, "lists read at once with concurrency %d", tc.conc)
			close(m.hold)
			require.NoError(t, <-done)
			assert.Equal(t, tc.want, m.maxListing)
		})
	}
}
