package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// GraphSection is the full-sync comparison.
type GraphSection struct {
	Rows []SyncRow `json:"rows"`
}

// SyncRow is one way of syncing one data set.
type SyncRow struct {
	// Data names the data set ("demo forms", "synthetic form").
	Data string `json:"data"`
	// Approach names the way of reading it.
	Approach string `json:"approach"`
	PageSize int    `json:"page_size"`
	Forms    int    `json:"forms"`
	// Leads is the number of leads the data set has (the ground truth);
	// Fetched the distinct leads the approach delivered, Missed the rest,
	// Duplicates the leads delivered more than once.
	Leads      int `json:"leads"`
	Fetched    int `json:"fetched"`
	Missed     int `json:"missed"`
	Duplicates int `json:"duplicates"`
	// Requests is what the fake received; Minimum is Σ max(1, ⌈N_form/page⌉)
	// at the row's page size; EmptyPages and Retries are the injected empty
	// pages and faults the fake served.
	Requests   int     `json:"requests"`
	Minimum    int     `json:"minimum"`
	EmptyPages int     `json:"empty_pages"`
	Retries    int     `json:"retries"`
	WallMS     float64 `json:"wall_ms"`
}

// form is a form to sync and its true number of leads.
type form struct {
	id string
	n  int
}

// seedPageSize is the single page the seed's code read per form.
const seedPageSize = 100

// chaosEmptyEvery and chaosFaults are the faults of the last sync run:
// every chaosEmptyEvery-th lead page is empty (with a next link) and
// chaosFaults transient Graph errors are spread over the sync.
const (
	chaosEmptyEvery = 10
	chaosFaults     = 3
)

func benchGraph(ctx context.Context, e *env) (*GraphSection, []Check, error) {
	ds := e.dataset()
	srv := metaleadstest.NewServer(
		metaleadstest.WithDataset(ds),
		metaleadstest.WithSyntheticForm("", e.sz.synthetic),
		metaleadstest.WithLatency(e.latency),
		metaleadstest.WithRequestLog(0),
	)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		return nil, nil, err
	}
	var demoForms []form
	for _, f := range ds.Forms {
		demoForms = append(demoForms, form{f.ID, len(ds.LeadsOfForm(f.ID))})
	}
	synthetic := []form{{srv.SyntheticFormIDs()[0], e.sz.synthetic}}

	sec := &GraphSection{}
	var checks []Check
	for _, set := range []struct {
		name, short string
		forms       []form
	}{{fmt.Sprintf("demo forms (%d)", len(demoForms)), "demo", demoForms}, {"synthetic form", "synthetic", synthetic}} {
		for _, a := range []struct {
			name, short string
			page        int
			seed        bool
		}{
			{"leadkit Leads, default page", "page 100", metaleads.DefaultLeadsPageSize, false},
			{"cursor, 25 per page (Meta SDKs' default)", "page 25", 25, false},
			{"seed: one request of limit=100 per form", "seed", seedPageSize, true},
		} {
			e.progress("graph: %s, %s", set.name, a.name)
			var row SyncRow
			if a.seed {
				row, err = seedSync(ctx, c, srv, set.forms)
			} else {
				row, err = fullSync(ctx, c, srv, set.forms, a.page, nil)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("%s, %s: %w", set.name, a.name, err)
			}
			row.Data, row.Approach = set.name, a.name
			sec.Rows = append(sec.Rows, row)
			checks = append(checks, syncChecks(row, set.short+", "+a.short, set.forms, a.seed)...)
		}
	}

	// The same sync of the synthetic form on a fake that serves empty pages
	// and transient errors.
	e.progress("graph: synthetic form with injected empty pages and errors")
	chaos := metaleadstest.NewServer(
		metaleadstest.WithSyntheticForm("", e.sz.synthetic),
		metaleadstest.WithLatency(e.latency),
		metaleadstest.WithRequestLog(0),
		metaleadstest.WithEmptyPages(chaosEmptyEvery),
	)
	defer chaos.Close()
	cc, err := chaos.Client()
	if err != nil {
		return nil, nil, err
	}
	every := max(1, e.sz.synthetic/chaosFaults)
	inject := func(i int) {
		if i%every == every/2 {
			chaos.FailNext(1, metaleadstest.TransientFault())
		}
	}
	chaosForms := []form{{chaos.SyntheticFormIDs()[0], e.sz.synthetic}}
	row, err := fullSync(ctx, cc, chaos, chaosForms, metaleads.DefaultLeadsPageSize, inject)
	if err != nil {
		return nil, nil, fmt.Errorf("sync with faults: %w", err)
	}
	row.Data = "synthetic form"
	row.Approach = fmt.Sprintf("leadkit Leads, default page, every %dth page empty + %d transient errors", chaosEmptyEvery, chaosFaults)
	sec.Rows = append(sec.Rows, row)
	checks = append(checks, syncChecks(row, "synthetic, page 100 + faults", chaosForms, false)...)
	checks = append(checks, check("graph", "faults were injected (synthetic, page 100 + faults)", KindCount,
		row.EmptyPages > 0 && row.Retries == chaosFaults, fmt.Sprintf("empty pages > 0, retries = %d", chaosFaults),
		"%d empty pages, %d retries", row.EmptyPages, row.Retries))
	return sec, checks, nil
}

// minimum is Σ max(1, ⌈N/page⌉): a form without leads still takes one
// request to learn that.
func minimum(forms []form, page int) int {
	n := 0
	for _, f := range forms {
		n += max(1, (f.n+page-1)/page)
	}
	return n
}

func total(forms []form) int {
	n := 0
	for _, f := range forms {
		n += f.n
	}
	return n
}

// fullSync reads every lead of forms with the Leads iterator; onLead, if
// set, is called with the running count before each lead is counted.
func fullSync(ctx context.Context, c *metaleads.Client, srv *metaleadstest.Server, forms []form, page int, onLead func(int)) (SyncRow, error) {
	t := startSync(srv, forms, page)
	count := 0
	for _, f := range forms {
		for l, err := range c.Leads(ctx, f.id, metaleads.LeadsOptions{PageSize: page}) {
			if err != nil {
				return t.row, err
			}
			if onLead != nil {
				onLead(count)
			}
			count++
			t.add(l.ID)
		}
	}
	return t.done(), nil
}

// seedSync is what the seed's code did: one request of limit=100 per form,
// never following the cursor.
func seedSync(ctx context.Context, c *metaleads.Client, srv *metaleadstest.Server, forms []form) (SyncRow, error) {
	t := startSync(srv, forms, seedPageSize)
	for _, f := range forms {
		p, err := c.LeadsPage(ctx, f.id, metaleads.LeadsOptions{PageSize: seedPageSize})
		if err != nil {
			return t.row, err
		}
		for _, l := range p.Items {
			t.add(l.ID)
		}
	}
	return t.done(), nil
}

// syncTally counts the leads a sync fetched and the fake's requests, empty
// pages and faults during it.
type syncTally struct {
	srv    *metaleadstest.Server
	row    SyncRow
	seen   map[string]struct{}
	before metaleadstest.Stats
	start  time.Time
}

// startSync starts a tally of a sync of forms with the page size page.
func startSync(srv *metaleadstest.Server, forms []form, page int) *syncTally {
	row := SyncRow{PageSize: page, Forms: len(forms), Leads: total(forms), Minimum: minimum(forms, page)}
	return &syncTally{srv: srv, row: row, seen: make(map[string]struct{}, row.Leads), before: srv.Stats(), start: time.Now()}
}

// add counts a fetched lead.
func (t *syncTally) add(id string) {
	if _, dup := t.seen[id]; dup {
		t.row.Duplicates++
	}
	t.seen[id] = struct{}{}
}

// done ends the tally and returns the row.
func (t *syncTally) done() SyncRow {
	row := t.row
	row.WallMS = ms(time.Since(t.start))
	after := t.srv.Stats()
	row.Fetched = len(t.seen)
	row.Missed = row.Leads - row.Fetched
	row.Requests = after.Requests - t.before.Requests
	row.EmptyPages = after.EmptyLeadPages - t.before.EmptyLeadPages
	row.Retries = after.Faults - t.before.Faults
	return row
}

// syncChecks checks a sync of forms; what names the row in the checks.
func syncChecks(r SyncRow, what string, forms []form, seed bool) []Check {
	if seed {
		// The seed reads the first 100 leads of each form.
		wantMissed := 0
		for _, f := range forms {
			wantMissed += max(0, f.n-seedPageSize)
		}
		return []Check{check("graph", "seed misses leads ("+what+")", KindCount,
			r.Requests == r.Forms && r.Missed > 0 && r.Missed == wantMissed,
			fmt.Sprintf("1 request per form, %d leads missed (all but the first 100 of each form)", wantMissed),
			"%d requests, %d of %d leads missed", r.Requests, r.Missed, r.Leads)}
	}
	want := r.Minimum + r.EmptyPages + r.Retries
	return []Check{
		check("graph", "all leads, once ("+what+")", KindCount, r.Fetched == r.Leads && r.Duplicates == 0,
			fmt.Sprintf("%d leads, no duplicates", r.Leads), "%d leads, %d duplicates", r.Fetched, r.Duplicates),
		check("graph", "requests = minimum + empty pages + retries ("+what+")", KindCount, r.Requests == want,
			fmt.Sprintf("%d + %d + %d = %d", r.Minimum, r.EmptyPages, r.Retries, want), "%d", r.Requests),
	}
}
