package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/internal/heapmeter"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// HeapSection is the peak heap of a lead iteration at two sizes.
type HeapSection struct {
	Rows []HeapRow `json:"rows"`
	// PeakRatio is the large run's peak over the small run's.
	PeakRatio float64 `json:"peak_ratio"`
}

// HeapRow is one iteration over a synthetic form. Bytes are the heap in
// use (runtime/metrics: heap objects + unused heap spans, i.e. MemStats
// HeapInuse) of the whole process, the in-process fake included.
type HeapRow struct {
	Leads    int `json:"leads"`
	Requests int `json:"requests"`
	// BaselineBytes is measured right after a GC before the iteration;
	// PeakBytes is the highest sample during it; GrowthBytes the
	// difference.
	BaselineBytes uint64  `json:"baseline_bytes"`
	PeakBytes     uint64  `json:"peak_bytes"`
	GrowthBytes   uint64  `json:"growth_bytes"`
	Samples       int     `json:"samples"`
	WallMS        float64 `json:"wall_ms"`
}

func benchHeap(ctx context.Context, e *env) (*HeapSection, []Check, error) {
	srv := metaleadstest.NewServer(
		metaleadstest.WithSyntheticForm("", e.sz.heapSmall),
		metaleadstest.WithSyntheticForm("", e.sz.heapLarge),
		metaleadstest.WithLatency(e.latency),
		metaleadstest.WithRequestLog(0), // the fake keeps no per-request record
	)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		return nil, nil, err
	}
	ids := srv.SyntheticFormIDs()
	sec := &HeapSection{}
	for i, n := range []int{e.sz.heapSmall, e.sz.heapLarge} {
		e.progress("heap: iterating %d leads", n)
		row, err := heapRun(ctx, c, srv, ids[i], n)
		if err != nil {
			return nil, nil, err
		}
		sec.Rows = append(sec.Rows, row)
	}
	small, large := sec.Rows[0], sec.Rows[1]
	sec.PeakRatio = ratio(float64(large.PeakBytes), float64(small.PeakBytes))
	limit := heapmeter.Limit(small.PeakBytes)
	checks := []Check{check("heap", fmt.Sprintf("peak heap does not grow with N (%d vs %d leads)", large.Leads, small.Leads), KindMemory,
		large.PeakBytes <= limit,
		fmt.Sprintf("≤ %.2f× the small run's peak + %d MiB = %.1f MiB", heapmeter.SlackRatio, heapmeter.SlackBytes>>20, mib(limit)),
		"%.1f MiB vs %.1f MiB (%.2f×)", mib(large.PeakBytes), mib(small.PeakBytes), sec.PeakRatio)}
	return sec, checks, nil
}

// heapRun iterates a form's leads, keeping none, and samples the heap
// after every lead page's worth of leads and every millisecond.
func heapRun(ctx context.Context, c *metaleads.Client, srv *metaleadstest.Server, formID string, want int) (HeapRow, error) {
	m := heapmeter.New()
	row := HeapRow{BaselineBytes: m.Baseline()}
	stop := m.Every(time.Millisecond)
	before := srv.Stats().Requests
	start := time.Now()
	var err error
	var last string
	for l, lerr := range c.Leads(ctx, formID, metaleads.LeadsOptions{}) {
		if lerr != nil {
			err = lerr
			break
		}
		row.Leads++
		last = l.ID // keep nothing but the last id
		if row.Leads%metaleads.DefaultLeadsPageSize == 0 {
			m.Sample()
		}
	}
	m.Sample()
	row.WallMS = ms(time.Since(start))
	stop()
	if err != nil {
		return row, err
	}
	if row.Leads != want || last == "" {
		return row, fmt.Errorf("iterated %d leads, want %d", row.Leads, want)
	}
	row.Requests = srv.Stats().Requests - before
	row.PeakBytes = m.Peak()
	row.GrowthBytes = row.PeakBytes - row.BaselineBytes
	row.Samples = m.Samples()
	return row, nil
}

func mib(b uint64) float64 { return heapmeter.MiB(b) }
