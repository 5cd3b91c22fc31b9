package webhook

import (
	"context"
	"sync"
)

// DefaultQueueCapacity is the capacity of the default in-memory queue, in
// events. Meta batches up to 1000 changes per delivery, so a capacity below
// that can refuse a large delivery forever.
const DefaultQueueCapacity = 10_000

// Queue buffers acknowledged events between the HTTP handler and the
// workers. The Handler answers 200 only after Enqueue succeeded, so a durable
// implementation (Redis stream, SQL table, a message broker) extends the
// delivery guarantee across restarts. Implementations must be safe for
// concurrent use.
type Queue interface {
	// Enqueue adds all events of one delivery or none of them. It returns
	// ErrQueueFull (or any other error) without adding any event when they
	// do not all fit, and ErrClosed after Close.
	Enqueue(ctx context.Context, events []Event) error
	// Dequeue waits until at least one event is available and returns up to
	// max of them (fewer when fewer are waiting; it never waits for more).
	// It returns ctx.Err() when ctx ends first. After Close it must not
	// block: it returns the events it still holds in memory and then
	// ErrClosed (a durable queue may return ErrClosed at once, keeping its
	// events for the next consumer).
	Dequeue(ctx context.Context, max int) ([]Event, error)
	// Len reports how many events are waiting (for Shutdown's report).
	Len() int
	// Close stops Enqueue. It must not block and may be called more than once.
	Close() error
}

// MemoryQueue is the default Queue: a bounded in-memory FIFO. Its events are
// lost if the process dies; see the package documentation.
type MemoryQueue struct {
	mu     sync.Mutex // serialises Enqueue and Close; Dequeue reads ch directly
	ch     chan Event
	closed bool
}

// NewMemoryQueue returns an empty queue holding at most capacity events;
// capacity <= 0 means DefaultQueueCapacity.
func NewMemoryQueue(capacity int) *MemoryQueue {
	if capacity <= 0 {
		capacity = DefaultQueueCapacity
	}
	return &MemoryQueue{ch: make(chan Event, capacity)}
}

// Enqueue adds all events or, when they do not all fit, none (ErrQueueFull).
func (q *MemoryQueue) Enqueue(_ context.Context, events []Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	// Only Dequeue runs concurrently, and it only makes room.
	if len(events) > cap(q.ch)-len(q.ch) {
		return ErrQueueFull
	}
	for _, e := range events {
		q.ch <- e
	}
	return nil
}

// Dequeue waits for at least one event and returns up to max waiting events
// (max <= 0 means 1). After Close it returns the remaining events, then
// ErrClosed.
func (q *MemoryQueue) Dequeue(ctx context.Context, max int) ([]Event, error) {
	if max <= 0 {
		max = 1
	}
	var first Event
	var ok bool
	select { // events first, even when ctx is already done
	case first, ok = <-q.ch:
	default:
		select {
		case first, ok = <-q.ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !ok {
		return nil, ErrClosed
	}
	out := make([]Event, 1, min(max, 1+len(q.ch)))
	out[0] = first
	for len(out) < max {
		select {
		case e, ok := <-q.ch:
			if !ok {
				return out, nil
			}
			out = append(out, e)
		default:
			return out, nil
		}
	}
	return out, nil
}

// Len reports the number of waiting events.
func (q *MemoryQueue) Len() int { return len(q.ch) }

// Cap reports the queue's capacity.
func (q *MemoryQueue) Cap() int { return cap(q.ch) }

// Close stops Enqueue; waiting events stay available to Dequeue.
func (q *MemoryQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	return nil
}
