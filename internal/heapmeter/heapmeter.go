// Package heapmeter samples the heap in use during a run and keeps its
// peak. It serves the memory benchmarks of enrich and examples/bench,
// which hold both to the same bound (Limit).
package heapmeter

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// The streaming bound: a run over ten times as many items may peak at most
// SlackRatio times the smaller run's peak, plus SlackBytes (GC pacing makes
// single samples noisy).
const (
	SlackRatio = 1.25
	SlackBytes = 2 << 20
)

// Limit is the most a large run's peak may be, given the small run's.
func Limit(smallPeak uint64) uint64 {
	return uint64(float64(smallPeak)*SlackRatio) + SlackBytes
}

// MiB converts bytes to mebibytes.
func MiB(b uint64) float64 { return float64(b) / (1 << 20) }

// Meter samples the heap in use (runtime/metrics: heap objects plus unused
// heap spans, i.e. MemStats.HeapInuse) of the whole process and keeps the
// peak. It is safe for concurrent use.
type Meter struct {
	mu      sync.Mutex
	samples [2]metrics.Sample
	peak    atomic.Uint64
	n       atomic.Int64
}

// New returns a meter with no samples.
func New() *Meter {
	m := &Meter{}
	m.samples[0].Name = "/memory/classes/heap/objects:bytes"
	m.samples[1].Name = "/memory/classes/heap/unused:bytes"
	return m
}

// Read returns the heap in use now, without recording it.
func (m *Meter) Read() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	metrics.Read(m.samples[:])
	return m.samples[0].Value.Uint64() + m.samples[1].Value.Uint64()
}

// Baseline collects garbage (twice, so that finalized objects go too),
// reads the heap in use, makes it the peak and returns it.
func (m *Meter) Baseline() uint64 {
	runtime.GC()
	runtime.GC()
	v := m.Read()
	m.peak.Store(v)
	return v
}

// Sample records the heap in use in the peak.
func (m *Meter) Sample() {
	v := m.Read()
	m.n.Add(1)
	for {
		p := m.peak.Load()
		if v <= p || m.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// Every samples the heap every d until the returned stop is called; stop
// returns once sampling has ended.
func (m *Meter) Every(d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m.Sample()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// Peak is the highest heap in use recorded (by Baseline or Sample).
func (m *Meter) Peak() uint64 { return m.peak.Load() }

// Samples is how many times Sample ran.
func (m *Meter) Samples() int { return int(m.n.Load()) }
