package enrich

import (
	"context"
	"testing"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The clients satisfy the interfaces directly.
var (
	_ LeadSource        = (*metaleads.Client)(nil)
	_ SpendSource       = (*metaleads.Client)(nil)
	_ CustomerFinder    = (*alfacrm.Client)(nil)
	_ CustomerDirectory = (*alfacrm.Client)(nil)
	_ Dictionaries      = (*alfacrm.Client)(nil)
	_ CRM               = (*alfacrm.Client)(nil)
	_ DirectorySizer    = (*alfacrm.Client)(nil)
)

// TestStrategiesAgreeOnDemoData enriches every demo lead, read through the
// Graph fake, against the AlfaCRM fake with the per-lead and the bulk
// strategy, and requires identical results.
func TestStrategiesAgreeOnDemoData(t *testing.T) {
	if testing.Short() {
		t.Skip("enriches 4,000 leads per lead")
	}
	w := newWorld(t, nil)
	leads := w.leads(t)
	require.Len(t, leads, len(w.ds.Leads))
	ctx := context.Background()

	results := map[Strategy][]EnrichedLead{}
	for _, s := range matchingStrategies {
		e := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: s, Concurrency: 16})
		els, err := e.EnrichAll(ctx, leads)
		require.NoError(t, err)
		require.Len(t, els, len(leads))
		for i := range els {
			require.Equal(t, leads[i].ID, els[i].Lead.ID, "%v: order", s)
		}
		results[s] = els
	}
	per, bulk := results[StrategyPerLead], results[StrategyBulk]
	matched := 0
	for i := range per {
		require.Equal(t, jsonOf(t, per[i]), jsonOf(t, bulk[i]), "lead %s", per[i].Lead.ID)
		require.Len(t, bulk[i].Payments.Income, len(per[i].Payments.Income))
		for j, p := range per[i].Payments.Income {
			q := bulk[i].Payments.Income[j]
			require.True(t, p.Sum.Equal(q.Sum) && p.Date.Equal(q.Date) && p.ID == q.ID, "lead %s payment %d", per[i].Lead.ID, j)
		}
		if per[i].Matched() {
			matched++
		}
	}
	t.Logf("%d of %d leads matched", matched, len(per))
	// The demo gives a card to roughly a third of the people with leads.
	assert.Greater(t, matched, len(per)/5)

	// Ground truth: a matched card belongs to the lead's person, and a lead
	// of a person without a card matches nothing (contacts are unique per
	// person in the demo).
	hasCard := map[int]bool{}
	for _, c := range w.ds.Customers {
		if c.Person >= 0 {
			hasCard[c.Person] = true
		}
	}
	for _, el := range bulk {
		dl, ok := w.ds.Lead(el.Lead.ID)
		require.True(t, ok)
		if el.Customer == nil {
			continue
		}
		c, ok := w.ds.CustomerByID(el.Customer.ID)
		require.True(t, ok)
		assert.Equal(t, dl.Person, c.Person, "lead %s matched someone else's card %d", el.Lead.ID, c.ID)
		assert.True(t, hasCard[dl.Person])
	}
}

// TestDemoTraps checks each deliberate pitfall of the demo data set with
// both matching strategies, and that the naive baseline falls into some.
func TestDemoTraps(t *testing.T) {
	w := newWorld(t, nil)
	tr := w.ds.Traps
	leadOf := func(i int) metaleads.Lead {
		l, err := w.mc.Lead(context.Background(), w.ds.Leads[i].ID)
		require.NoError(t, err)
		return l
	}
	cust := func(i int) int { return w.ds.Customers[i].ID }
	type want struct {
		lead, card int
		by         MatchedBy
		ambiguous  bool
	}
	traps := map[string]want{
		"two cards: the student card wins": {tr.TwoCards.Lead, tr.TwoCards.StudentCard, MatchedByEmail, true},
		"phone only":                       {tr.PhoneOnly.Lead, tr.PhoneOnly.Customer, MatchedByPhone, false},
		"split: the e-mail's card wins":    {tr.Split.Lead, tr.Split.EmailCard, MatchedByEmail, false},
		"archived card":                    {tr.Archived.Lead, tr.Archived.Customer, MatchedByEmail, false},
		"e-mail in another case":           {tr.EmailCase.Lead, tr.EmailCase.Customer, MatchedByEmail, false},
	}
	var leads []metaleads.Lead
	var names []string
	for name, wt := range traps {
		leads = append(leads, leadOf(wt.lead))
		names = append(names, name)
	}
	// The lead card of the two-cards trap was created first.
	require.Less(t, cust(tr.TwoCards.LeadCard), cust(tr.TwoCards.StudentCard))

	for _, s := range matchingStrategies {
		e := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: s})
		got, err := e.EnrichAll(context.Background(), leads)
		require.NoError(t, err)
		for i, name := range names {
			wt := traps[name]
			require.NotNil(t, got[i].Customer, "%v: %s", s, name)
			assert.Equal(t, cust(wt.card), got[i].Customer.ID, "%v: %s", s, name)
			assert.Equal(t, wt.by, got[i].Customer.MatchedBy, "%v: %s", s, name)
			assert.Equal(t, wt.ambiguous, got[i].Customer.Ambiguous, "%v: %s", s, name)
		}
	}

	naive := newEnricher(t, newCRMClient(t, w.crm), Config{Strategy: StrategyNaive})
	el, err := naive.EnrichOne(context.Background(), leadOf(tr.Archived.Lead))
	require.NoError(t, err)
	assert.Nil(t, el.Customer, "the naive baseline should miss the archived card")
}
