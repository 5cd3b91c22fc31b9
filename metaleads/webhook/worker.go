package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/ecademy/leadkit/metaleads"
)

// releaseTimeout bounds a DedupStore call made after the workers' context
// ended (releasing a claim at shutdown).
const releaseTimeout = 5 * time.Second

// worker takes batches of events from the queue until it is closed and empty,
// or until the workers' context is cancelled.
func (h *Handler) worker() {
	defer h.wg.Done()
	failures := 0
	for {
		evs, err := h.queue.Dequeue(h.ctx, h.batchSize)
		switch {
		case err == nil && len(evs) > 0:
			failures = 0
			h.process(evs)
		case errors.Is(err, ErrClosed) || h.ctx.Err() != nil:
			return
		default: // a durable queue's transient error (or an empty answer)
			h.logf(h.ctx, slog.LevelWarn, "webhook queue dequeue failed", "error", err, "attempt", failures+1)
			if !h.sleep(transport.Exponential(h.retry.MinWait, h.retry.MaxWait, failures)) {
				return
			}
			failures++
		}
	}
}

// process handles one batch of events in order. With a BatchFetcher the new
// leads of the batch are claimed first and read in one call; otherwise each
// event is claimed just before it is processed, so a claim is held only while
// its own lead is worked on.
func (h *Handler) process(evs []Event) {
	if h.batcher == nil || len(evs) < 2 {
		for _, e := range evs {
			if h.claim(e) {
				h.processOne(e, metaleads.Lead{}, false)
			}
		}
		return
	}
	claimed := make([]Event, 0, len(evs))
	for _, e := range evs {
		if h.claim(e) {
			claimed = append(claimed, e)
		}
	}
	leads := h.fetchBatch(claimed)
	for _, e := range claimed {
		lead, ok := leads[e.LeadID]
		h.processOne(e, lead, ok)
	}
}

// claim reports whether the caller now owns e's lead. Duplicates are skipped;
// an event whose claim cannot be made is reported (or abandoned at shutdown).
func (h *Handler) claim(e Event) bool {
	if h.ctx.Err() != nil {
		h.abandon(e, 0, ErrShutdown)
		return false
	}
	var ok bool
	n, err := h.withRetry(func() error {
		var err error
		ok, err = h.store.Claim(h.ctx, e.LeadID, h.lease)
		return err
	})
	switch {
	case err != nil && h.ctx.Err() != nil:
		h.abandon(e, n, ErrShutdown)
	case err != nil:
		h.fail(e, StageClaim, n, err)
	case !ok:
		h.logf(h.ctx, slog.LevelDebug, "webhook duplicate lead skipped", "lead_id", e.LeadID)
	}
	return err == nil && ok
}

// fetchBatch reads the leads of evs in one BatchFetcher call; an error or a
// missing id leaves those leads to be fetched one by one.
func (h *Handler) fetchBatch(evs []Event) map[string]metaleads.Lead {
	if h.batcher == nil || len(evs) < 2 || h.ctx.Err() != nil {
		return nil
	}
	ids := make([]string, 0, len(evs))
	seen := make(map[string]bool, len(evs))
	for _, e := range evs {
		if !seen[e.LeadID] {
			seen[e.LeadID] = true
			ids = append(ids, e.LeadID)
		}
	}
	var res []metaleads.BatchLead
	err := recovered("BatchFetcher.LeadsByID", func() error {
		var err error
		res, err = h.batcher.LeadsByID(h.ctx, ids, h.fields...)
		return err
	})
	if err != nil {
		h.logf(h.ctx, slog.LevelWarn, "webhook batch fetch failed; fetching the rest one by one",
			"leads", len(ids), "results", len(res), "error", err)
	}
	leads := make(map[string]metaleads.Lead, len(res))
	for _, r := range res {
		if r.Err == nil && seen[r.ID] {
			leads[r.ID] = r.Lead
		}
	}
	return leads
}

// processOne runs fetch (unless the lead is already known) and Handle with
// retries, then marks the lead done, or releases its claim and reports it.
func (h *Handler) processOne(e Event, lead metaleads.Lead, have bool) {
	if h.ctx.Err() != nil {
		h.releaseAndAbandon(e, 0)
		return
	}
	for attempt := 1; ; attempt++ {
		stage := StageFetch
		var err error
		if !have {
			err = recovered("Fetcher.Lead", func() error {
				var err error
				lead, err = h.fetcher.Lead(h.ctx, e.LeadID, h.fields...)
				return err
			})
			have = err == nil
		}
		if have {
			stage = StageHandle
			if err = recovered("Handle", func() error { return h.handle(h.ctx, e, lead) }); err == nil {
				h.markDone(e)
				return
			}
		}
		if h.ctx.Err() != nil {
			h.releaseAndAbandon(e, attempt)
			return
		}
		if isPermanent(err) || attempt >= h.retry.MaxAttempts {
			h.release(e)
			h.fail(e, stage, attempt, err)
			return
		}
		wait := transport.Exponential(h.retry.MinWait, h.retry.MaxWait, attempt-1)
		h.logf(h.ctx, slog.LevelWarn, "webhook lead attempt failed; retrying", "lead_id", e.LeadID,
			"stage", string(stage), "attempt", attempt, "wait", wait, "error", err)
		if !h.sleep(wait) {
			h.releaseAndAbandon(e, attempt)
			return
		}
	}
}

func (h *Handler) markDone(e Event) {
	// The lead was handled: record it even when Shutdown's deadline passed.
	n, err := h.withRetry(func() error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), releaseTimeout)
		defer cancel()
		return h.store.Done(ctx, e.LeadID, h.ttl)
	})
	if err != nil {
		h.fail(e, StageDone, n, err)
		return
	}
	h.logf(h.ctx, slog.LevelDebug, "webhook lead processed", "lead_id", e.LeadID)
}

// withRetry runs a DedupStore call with the retry policy; it returns the
// number of attempts and the last error.
func (h *Handler) withRetry(f func() error) (int, error) {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || h.ctx.Err() != nil || attempt >= h.retry.MaxAttempts {
			return attempt, err
		}
		if !h.sleep(transport.Exponential(h.retry.MinWait, h.retry.MaxWait, attempt-1)) {
			return attempt, err
		}
	}
}

// sleep waits d or until the workers' context ends; it reports whether the
// full wait elapsed.
func (h *Handler) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.ctx.Done():
		return false
	}
}

// release drops e's claim so a redelivery or reconciliation can process it.
func (h *Handler) release(e Event) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), releaseTimeout)
	defer cancel()
	if err := h.store.Release(ctx, e.LeadID); err != nil {
		h.logf(ctx, slog.LevelWarn, "webhook claim release failed", "lead_id", e.LeadID, "error", err)
	}
}

func (h *Handler) releaseAndAbandon(e Event, attempts int) {
	h.release(e)
	h.abandon(e, attempts, ErrShutdown)
}

// abandon reports an event left unprocessed at shutdown.
func (h *Handler) abandon(e Event, attempts int, err error) {
	h.abandoned.Add(1)
	h.fail(e, StageShutdown, attempts, err)
}

// fail logs and reports an event the Handler gave up on.
func (h *Handler) fail(e Event, stage Stage, attempts int, err error) {
	pe := &ProcessError{LeadID: e.LeadID, Stage: stage, Attempts: attempts, Err: h.red.Err(err)}
	ctx := context.WithoutCancel(h.ctx)
	h.logf(ctx, slog.LevelError, "webhook lead not processed", "lead_id", e.LeadID,
		"stage", string(stage), "attempts", attempts, "error", pe.Err)
	if h.onError != nil {
		h.onError(ctx, e, pe)
	}
}

// recovered calls f and turns a panic in it into a permanent error, so that a
// bug in user code costs one event (reported to OnError) instead of the
// process and every queued event.
func recovered(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("webhook: %s panicked: %v", what, r))
		}
	}()
	return f()
}
