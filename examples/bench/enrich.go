package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// EnrichSection compares the ways of reading the CRM for many leads.
type EnrichSection struct {
	Leads     int         `json:"leads"`
	Customers int         `json:"customers"`
	Rows      []EnrichRow `json:"rows"`
	// NaiveBulkRequests and NaiveBulkWall are naive/bulk ratios.
	NaiveBulkRequests float64 `json:"naive_bulk_requests"`
	NaiveBulkWall     float64 `json:"naive_bulk_wall"`
}

// EnrichRow is one strategy's run.
type EnrichRow struct {
	Strategy string  `json:"strategy"`
	Requests int     `json:"requests"` // AlfaCRM requests (the fake's count, logins included)
	WallMS   float64 `json:"wall_ms"`
	Matched  int     `json:"matched"`
}

// Targets of the enrich section.
const (
	targetEnrichRequests = 20.0
	targetEnrichWall     = 10.0
)

func benchEnrich(ctx context.Context, e *env) (*EnrichSection, []Check, error) {
	ds := e.dataset()
	meta := metaleadstest.NewServer(metaleadstest.WithDataset(ds), metaleadstest.WithRequestLog(0))
	defer meta.Close()
	crm := alfacrmtest.NewServer(alfacrmtest.WithDataset(ds), alfacrmtest.WithLatency(e.latency))
	defer crm.Close()

	// The leads are read once, before any timing (the Graph side is the
	// graph section's business).
	mc, err := meta.Client()
	if err != nil {
		return nil, nil, err
	}
	seq, _, err := enrich.PageLeads(ctx, mc, meta.PageID, metaleads.LeadsOptions{})
	if err != nil {
		return nil, nil, err
	}
	var leads []metaleads.Lead
	for l, err := range seq {
		if err != nil {
			return nil, nil, err
		}
		leads = append(leads, l)
	}
	if len(leads) == 0 {
		return nil, nil, errNoData
	}
	sec := &EnrichSection{Leads: len(leads), Customers: len(ds.Customers)}
	byName := map[enrich.Strategy]EnrichRow{}
	for _, s := range []enrich.Strategy{enrich.StrategyNaive, enrich.StrategyPerLead, enrich.StrategyBulk} {
		e.progress("enrich: %d leads, %v", len(leads), s)
		ac, err := crm.Client() // a fresh client: empty caches, one login
		if err != nil {
			return nil, nil, err
		}
		en, err := enrich.New(ac, enrich.Config{Strategy: s})
		if err != nil {
			return nil, nil, err
		}
		before := crm.RequestCount()
		start := time.Now()
		els, err := en.EnrichAll(ctx, leads)
		wall := time.Since(start)
		if err != nil {
			return nil, nil, fmt.Errorf("%v: %w", s, err)
		}
		row := EnrichRow{Strategy: s.String(), Requests: crm.RequestCount() - before, WallMS: ms(wall)}
		for _, el := range els {
			if el.Matched() {
				row.Matched++
			}
		}
		byName[s] = row
		sec.Rows = append(sec.Rows, row)
	}
	naive, perLead, bulk := byName[enrich.StrategyNaive], byName[enrich.StrategyPerLead], byName[enrich.StrategyBulk]
	sec.NaiveBulkRequests = ratio(float64(naive.Requests), float64(bulk.Requests))
	sec.NaiveBulkWall = ratio(naive.WallMS, bulk.WallMS)
	checks := []Check{
		check("enrich", "bulk vs naive: fewer AlfaCRM requests", KindCount, sec.NaiveBulkRequests >= targetEnrichRequests,
			fmt.Sprintf("≥ %.0f×", targetEnrichRequests), "%.1f× (%d vs %d)", sec.NaiveBulkRequests, naive.Requests, bulk.Requests),
		check("enrich", "bulk vs naive: less wall time", KindTime, sec.NaiveBulkWall >= targetEnrichWall,
			fmt.Sprintf("≥ %.0f×", targetEnrichWall), "%.1f× (%.2f s vs %.2f s)", sec.NaiveBulkWall, naive.WallMS/1000, bulk.WallMS/1000),
		check("enrich", "per-lead and bulk match the same leads", KindCount, perLead.Matched == bulk.Matched && bulk.Matched > 0,
			"equal, > 0", "per-lead %d, bulk %d", perLead.Matched, bulk.Matched),
		check("enrich", "naive misses lead and archived cards", KindCount, naive.Matched < bulk.Matched,
			"fewer matches than bulk", "naive %d, bulk %d", naive.Matched, bulk.Matched),
	}
	return sec, checks, nil
}
