package webhook

import (
	"context"
	"sync"
	"time"
)

// Defaults for de-duplication.
const (
	// DefaultDedupTTL is how long a processed lead id is remembered. Meta
	// redelivers for up to 36 hours, so the default leaves a margin.
	DefaultDedupTTL = 48 * time.Hour
	// DefaultClaimLease is how long a claim protects a lead that is being
	// processed; it must exceed the time one event can take, retries included.
	DefaultClaimLease = 15 * time.Minute
)

// DedupStore de-duplicates redeliveries by lead id with claim-before-process:
// a worker claims an id, processes the lead and then marks it done; on
// failure it releases the claim so that a redelivery or a reconciliation run
// can process the lead later.
//
// A store shared by several replicas (Redis, SQL) makes them process each lead
// once: Claim must be atomic (Redis: SET key <owner> NX PX lease; SQL: an
// INSERT … ON CONFLICT that only takes over rows whose lease expired). Such a
// store should record a per-replica owner token with the claim and make Done
// and Release conditional on it, so that a replica whose lease expired cannot
// release another replica's claim. Implementations must be safe for
// concurrent use.
type DedupStore interface {
	// Claim reserves leadID for the caller for lease. It returns true when
	// the caller now owns it, false when the lead is done or another worker
	// holds an unexpired claim.
	Claim(ctx context.Context, leadID string, lease time.Duration) (bool, error)
	// Done records leadID as processed for ttl; later claims return false.
	Done(ctx context.Context, leadID string, ttl time.Duration) error
	// Release drops the caller's claim without marking the lead done.
	Release(ctx context.Context, leadID string) error
}

// MemoryStore is the default DedupStore: an in-process map with expiry. It
// de-duplicates within one process only; replicas need a shared store.
type MemoryStore struct {
	now func() time.Time

	mu        sync.Mutex
	m         map[string]memEntry
	nextSweep time.Time
}

type memEntry struct {
	done    bool
	expires time.Time
}

// sweepEvery bounds how often expired entries are removed.
const sweepEvery = time.Minute

// NewMemoryStore returns an empty store; now is its clock (nil = time.Now).
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, m: make(map[string]memEntry)}
}

// Claim reserves leadID unless it is done or claimed and unexpired.
func (s *MemoryStore) Claim(_ context.Context, leadID string, lease time.Duration) (bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if e, ok := s.m[leadID]; ok && now.Before(e.expires) {
		return false, nil
	}
	s.m[leadID] = memEntry{expires: now.Add(lease)}
	return true, nil
}

// Done records leadID as processed until ttl has passed.
func (s *MemoryStore) Done(_ context.Context, leadID string, ttl time.Duration) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[leadID] = memEntry{done: true, expires: now.Add(ttl)}
	return nil
}

// Release drops an unfinished claim on leadID; a done record stays.
func (s *MemoryStore) Release(_ context.Context, leadID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[leadID]; ok && !e.done {
		delete(s.m, leadID)
	}
	return nil
}

// IsDone reports whether leadID is recorded as processed (and not expired).
// A claimed but unfinished lead is not done. It makes MemoryStore a
// metaleads.DoneChecker, so a Reconciler sharing the store re-reads leads
// that a webhook worker claimed but has not finished.
func (s *MemoryStore) IsDone(_ context.Context, leadID string) (bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[leadID]
	return ok && e.done && now.Before(e.expires), nil
}

// Len reports how many ids are remembered (claimed or done, expired ones
// not yet swept included).
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemoryStore) sweep(now time.Time) {
	if now.Before(s.nextSweep) {
		return
	}
	s.nextSweep = now.Add(sweepEvery)
	for id, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, id)
		}
	}
}
