package enrich

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memSource is an in-memory LeadSource: one form per entry of forms, whose
// leads are leads[form id].
type memSource struct {
	forms []metaleads.Form
	leads map[string][]metaleads.Lead
}

var _ LeadSource = (*memSource)(nil)

func (s *memSource) Forms(ctx context.Context, pageID string, opts metaleads.FormsOptions) iter.Seq2[metaleads.Form, error] {
	return func(yield func(metaleads.Form, error) bool) {
		for _, f := range s.forms {
			if !yield(f, nil) {
				return
			}
		}
	}
}

func (s *memSource) Leads(ctx context.Context, formID string, opts metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error] {
	return seqOf(s.leads[formID])
}

// TestEnrichPageReadsAheadWhenTheFormsPromiseNothing: a zero estimate from
// the forms (no leads_count) must not make StrategyAuto pick per-lead
// blindly; it reads ahead as Enrich does. A positive estimate is trusted.
func TestEnrichPageReadsAheadWhenTheFormsPromiseNothing(t *testing.T) {
	// memCRM cannot size its lists: bulk costs DefaultBulkRequests (200)
	// requests, per-lead 4 per lead, so bulk wins from 51 leads on.
	for _, tc := range []struct {
		count int // the form's leads_count
		bulk  bool
	}{
		{count: 0, bulk: true},   // 300 leads found by reading ahead
		{count: 10, bulk: false}, // the estimate says 10 leads: per-lead
		{count: 300, bulk: true},
	} {
		t.Run(fmt.Sprintf("leads_count %d", tc.count), func(t *testing.T) {
			m, leads := population(5, 300)
			src := &memSource{
				forms: []metaleads.Form{{ID: "1001", Name: "Trial lesson", LeadsCount: tc.count}},
				leads: map[string][]metaleads.Lead{"1001": leads},
			}
			e := newEnricher(t, m, Config{})
			n := 0
			for el, err := range e.EnrichPage(context.Background(), src, "42", metaleads.LeadsOptions{}) {
				require.NoError(t, err)
				require.Equal(t, leads[n].ID, el.Lead.ID)
				n++
			}
			assert.Equal(t, len(leads), n)
			if tc.bulk {
				assert.Equal(t, 2, m.n("Customers"), "bulk reads students and leads once")
				assert.Zero(t, m.n("FindCustomers"))
			} else {
				assert.Zero(t, m.n("Customers"))
				assert.Positive(t, m.n("FindCustomers"))
			}
		})
	}
}
