package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errGraphDown = errors.New("(#2) Service temporarily unavailable")

// flakyFetcher fails the first failures calls of each lead and records the
// (fake) time of every call.
type flakyFetcher struct {
	mu       sync.Mutex
	failures int
	calls    map[string][]time.Time
}

func (f *flakyFetcher) Lead(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string][]time.Time{}
	}
	f.calls[id] = append(f.calls[id], time.Now())
	if len(f.calls[id]) <= f.failures {
		return metaleads.Lead{}, fmt.Errorf("graph: %w", errGraphDown)
	}
	return testLead(id), nil
}

func TestFailedFetchRetriedWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		f := &flakyFetcher{failures: 2}
		cfg := baseConfig(s)
		cfg.Fetcher = f
		cfg.Retry = RetryPolicy{MaxAttempts: 5, MinWait: time.Second, MaxWait: 10 * time.Second}
		h := newHandler(t, cfg)
		start := time.Now()
		require.Equal(t, http.StatusOK, post(h, leads("2001")).Code)
		require.NoError(t, h.Shutdown(context.Background()))

		_, handled, errs := s.snapshot()
		assert.Equal(t, map[string]int{"2001": 1}, handled)
		assert.Empty(t, errs)
		calls := f.calls["2001"]
		require.Len(t, calls, 3)
		assert.Equal(t, start, calls[0], "first attempt at once")
		// Exponential backoff with equal jitter: wait n lies in [d/2, d], d = 1s·2^n.
		gap1, gap2 := calls[1].Sub(calls[0]), calls[2].Sub(calls[1])
		assert.GreaterOrEqual(t, gap1, 500*time.Millisecond)
		assert.LessOrEqual(t, gap1, time.Second)
		assert.GreaterOrEqual(t, gap2, time.Second)
		assert.LessOrEqual(t, gap2, 2*time.Second)
	})
}

func TestExhaustedRetriesReportedAndNotMarkedDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		f := &flakyFetcher{failures: 1 << 30}
		store := NewMemoryStore(nil)
		cfg := baseConfig(s)
		cfg.Fetcher = f
		cfg.Store = store
		cfg.Retry = RetryPolicy{MaxAttempts: 3, MinWait: time.Second, MaxWait: 4 * time.Second}
		h := newHandler(t, cfg)
		start := time.Now()
		require.Equal(t, http.StatusOK, post(h, leads("2101")).Code)
		require.NoError(t, h.Shutdown(context.Background()), "a given-up event is reported, not left")

		assert.Len(t, f.calls["2101"], 3, "capped attempts")
		assert.LessOrEqual(t, time.Since(start), 3*time.Second, "waits of at most 1s and 2s")
		_, handled, errs := s.snapshot()
		assert.Empty(t, handled)
		require.Len(t, errs, 1)
		var pe *ProcessError
		require.ErrorAs(t, errs[0], &pe)
		assert.Equal(t, ProcessError{LeadID: "2101", Stage: StageFetch, Attempts: 3, Err: pe.Err}, *pe)
		assert.ErrorIs(t, errs[0], errGraphDown, "the cause stays reachable")
		assert.EqualError(t, pe, "webhook: lead 2101: fetch failed after 3 attempt(s): graph: (#2) Service temporarily unavailable")
		assert.Equal(t, "2101", s.errEvs[0].LeadID)

		ok, err := store.Claim(context.Background(), "2101", time.Minute)
		require.NoError(t, err)
		assert.True(t, ok, "the claim was released and the lead not marked done")
	})
}

func TestHandleErrorRetriedWithoutRefetching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		var mu sync.Mutex
		attempts := 0
		cfg := baseConfig(s)
		cfg.Retry = RetryPolicy{MaxAttempts: 4, MinWait: time.Second}
		cfg.Handle = func(ctx context.Context, e Event, lead metaleads.Lead) error {
			mu.Lock()
			attempts++
			n := attempts
			mu.Unlock()
			if n < 3 {
				return errors.New("CRM: 502 Bad Gateway")
			}
			return s.handle(ctx, e, lead)
		}
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2201")).Code)
		require.NoError(t, h.Shutdown(context.Background()))
		fetched, handled, errs := s.snapshot()
		assert.Equal(t, 3, attempts)
		assert.Equal(t, map[string]int{"2201": 1}, fetched, "the lead is fetched once")
		assert.Equal(t, map[string]int{"2201": 1}, handled)
		assert.Empty(t, errs)
	})
}

func TestShutdownDeadlineReportsLeftEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		store := NewMemoryStore(nil)
		cfg := baseConfig(s)
		cfg.Store = store
		cfg.Workers = 1
		cfg.BatchSize = 2
		// A fetcher that never answers (until its context is cancelled).
		cfg.Fetcher = FetchFunc(func(ctx context.Context, _ string, _ ...string) (metaleads.Lead, error) {
			<-ctx.Done()
			return metaleads.Lead{}, ctx.Err()
		})
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2301", "2302", "2303", "2304", "2305")).Code)
		synctest.Wait() // the worker is stuck in its first fetch

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		err := h.Shutdown(ctx)
		assert.Equal(t, 10*time.Second, time.Since(start), "Shutdown returns at its deadline")
		var se *ShutdownError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 5, se.Left)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrShutdown)
		assert.EqualError(t, err, "webhook: shutdown: 5 event(s) left unprocessed: context deadline exceeded")

		_, handled, errs := s.snapshot()
		assert.Empty(t, handled)
		require.Len(t, errs, 5, "every left event is reported")
		for _, e := range errs {
			assert.ErrorIs(t, e, ErrShutdown)
		}
		for _, id := range []string{"2301", "2302", "2303", "2304", "2305"} {
			ok, err := store.Claim(context.Background(), id, time.Minute)
			require.NoError(t, err)
			assert.True(t, ok, "lead %s is not marked done nor left claimed", id)
		}
		assert.Equal(t, http.StatusServiceUnavailable, post(h, leads("2306")).Code)
	})
}

// failingStore fails every call a number of times.
type failingStore struct {
	*MemoryStore
	mu        sync.Mutex
	claimErrs int
	doneErrs  int
}

func (f *failingStore) Claim(ctx context.Context, id string, lease time.Duration) (bool, error) {
	f.mu.Lock()
	if f.claimErrs > 0 {
		f.claimErrs--
		f.mu.Unlock()
		return false, errors.New("redis: connection refused")
	}
	f.mu.Unlock()
	return f.MemoryStore.Claim(ctx, id, lease)
}

func (f *failingStore) Done(ctx context.Context, id string, ttl time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.doneErrs > 0 {
		f.doneErrs--
		return errors.New("redis: connection refused")
	}
	return f.MemoryStore.Done(ctx, id, ttl)
}

func TestStoreErrorsRetriedThenReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		st := &failingStore{MemoryStore: NewMemoryStore(nil), claimErrs: 2}
		cfg := baseConfig(s)
		cfg.Store = st
		cfg.Retry = RetryPolicy{MaxAttempts: 3, MinWait: time.Second}
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2401")).Code)
		require.NoError(t, h.Shutdown(context.Background()))
		_, handled, errs := s.snapshot()
		assert.Equal(t, map[string]int{"2401": 1}, handled, "claim succeeded on the third attempt")
		assert.Empty(t, errs)
	})
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		st := &failingStore{MemoryStore: NewMemoryStore(nil), claimErrs: 3, doneErrs: 0}
		cfg := baseConfig(s)
		cfg.Store = st
		cfg.Retry = RetryPolicy{MaxAttempts: 3, MinWait: time.Second}
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2402")).Code)
		require.NoError(t, h.Shutdown(context.Background()))
		fetched, handled, errs := s.snapshot()
		assert.Empty(t, fetched, "no claim, no processing")
		assert.Empty(t, handled)
		require.Len(t, errs, 1)
		var pe *ProcessError
		require.ErrorAs(t, errs[0], &pe)
		assert.Equal(t, StageClaim, pe.Stage)
	})
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		st := &failingStore{MemoryStore: NewMemoryStore(nil), doneErrs: 5}
		cfg := baseConfig(s)
		cfg.Store = st
		cfg.Retry = RetryPolicy{MaxAttempts: 2, MinWait: time.Second}
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2403")).Code)
		require.NoError(t, h.Shutdown(context.Background()))
		_, handled, errs := s.snapshot()
		assert.Equal(t, map[string]int{"2403": 1}, handled, "Handle is not repeated because Done failed")
		require.Len(t, errs, 1)
		var pe *ProcessError
		require.ErrorAs(t, errs[0], &pe)
		assert.Equal(t, StageDone, pe.Stage)
	})
}

func TestPanicInHandleCostsOneEvent(t *testing.T) {
	s := newSink()
	cfg := baseConfig(s)
	cfg.Workers = 1
	cfg.Handle = func(ctx context.Context, e Event, lead metaleads.Lead) error {
		if e.LeadID == "2501" {
			panic("nil map in the CRM mapping")
		}
		return s.handle(ctx, e, lead)
	}
	h := newHandler(t, cfg)
	require.Equal(t, http.StatusOK, post(h, leads("2501", "2502")).Code)
	shutdown(t, h)
	_, handled, errs := s.snapshot()
	assert.Equal(t, map[string]int{"2502": 1}, handled, "the worker survived")
	require.Len(t, errs, 1)
	var pe *ProcessError
	require.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, ProcessError{LeadID: "2501", Stage: StageHandle, Attempts: 1, Err: pe.Err}, *pe, "not retried")
	assert.ErrorContains(t, pe, "Handle panicked: nil map in the CRM mapping")
}

// flakyQueue is a "durable" queue whose Dequeue fails a few times.
type flakyQueue struct {
	*MemoryQueue
	mu       sync.Mutex
	failures int
	calls    []time.Time
}

func (q *flakyQueue) Dequeue(ctx context.Context, max int) ([]Event, error) {
	q.mu.Lock()
	q.calls = append(q.calls, time.Now())
	if q.failures > 0 {
		q.failures--
		q.mu.Unlock()
		return nil, errors.New("redis: i/o timeout")
	}
	q.mu.Unlock()
	return q.MemoryQueue.Dequeue(ctx, max)
}

func TestQueueErrorsBackedOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSink()
		q := &flakyQueue{MemoryQueue: NewMemoryQueue(10), failures: 3}
		cfg := baseConfig(s)
		cfg.Queue = q
		cfg.Workers = 1
		cfg.Retry = RetryPolicy{MinWait: time.Second, MaxWait: 2 * time.Second}
		h := newHandler(t, cfg)
		require.Equal(t, http.StatusOK, post(h, leads("2601")).Code)
		require.NoError(t, h.Shutdown(context.Background()))
		_, handled, errs := s.snapshot()
		assert.Equal(t, map[string]int{"2601": 1}, handled)
		assert.Empty(t, errs)
		require.GreaterOrEqual(t, len(q.calls), 4)
		for i := 1; i < 4; i++ {
			gap := q.calls[i].Sub(q.calls[i-1])
			assert.GreaterOrEqual(t, gap, 500*time.Millisecond, "no busy loop on queue errors")
			assert.LessOrEqual(t, gap, 2*time.Second, "capped by MaxWait")
		}
	})
}
