package enrich

import (
	"context"
	"encoding/json"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

// testRef is the demo data's reference day ("today") in every test.
var testRef = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

// crmLoc is the school's time zone in the tests (the fake's default, MSK).
var crmLoc = time.FixedZone("MSK", 3*60*60)

// world is the demo school served by both fakes: the same people on the
// Graph side (leads) and the AlfaCRM side (cards, payments, lessons).
type world struct {
	ds   *demo.Dataset
	meta *metaleadstest.Server
	crm  *alfacrmtest.Server
	mc   *metaleads.Client
	ac   *alfacrm.Client
}

var (
	dsOnce sync.Once
	dsVal  *demo.Dataset
)

// dataset returns the demo data set the fakes serve (built once).
func dataset() *demo.Dataset {
	dsOnce.Do(func() { dsVal = demo.New(demo.Config{Ref: testRef, Loc: crmLoc}) })
	return dsVal
}

func newWorld(tb testing.TB, metaOpts []metaleadstest.Option, crmOpts ...alfacrmtest.Option) *world {
	tb.Helper()
	ds := dataset()
	meta := metaleadstest.NewServer(append([]metaleadstest.Option{metaleadstest.WithDataset(ds)}, metaOpts...)...)
	tb.Cleanup(meta.Close)
	crm := alfacrmtest.NewServer(append([]alfacrmtest.Option{alfacrmtest.WithDataset(ds), alfacrmtest.WithTimezone(crmLoc)}, crmOpts...)...)
	tb.Cleanup(crm.Close)
	mc, err := meta.Client()
	require.NoError(tb, err)
	return &world{ds: ds, meta: meta, crm: crm, mc: mc, ac: newCRMClient(tb, crm)}
}

// newCRMClient returns a fresh client (empty dictionary cache) of the fake.
func newCRMClient(tb testing.TB, crm *alfacrmtest.Server) *alfacrm.Client {
	tb.Helper()
	ac, err := crm.Client()
	require.NoError(tb, err)
	return ac
}

// leads reads every lead of the demo Page through the Graph fake.
func (w *world) leads(tb testing.TB) []metaleads.Lead {
	tb.Helper()
	seq, _, err := PageLeads(context.Background(), w.mc, w.meta.PageID, metaleads.LeadsOptions{})
	require.NoError(tb, err)
	var out []metaleads.Lead
	for l, err := range seq {
		require.NoError(tb, err)
		out = append(out, l)
	}
	return out
}

func newEnricher(tb testing.TB, crm CRM, cfg Config) *Enricher {
	tb.Helper()
	e, err := New(crm, cfg)
	require.NoError(tb, err)
	return e
}

// jsonOf marshals v or fails the test.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}

// seqOf turns a slice into a lead iterator.
func seqOf(leads []metaleads.Lead) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for _, l := range leads {
			if !yield(l, nil) {
				return
			}
		}
	}
}

// leadIDs lists the ids of enriched leads.
func leadIDs(els []EnrichedLead) []string {
	ids := make([]string, len(els))
	for i, el := range els {
		ids[i] = el.Lead.ID
	}
	return ids
}
