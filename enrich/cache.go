package enrich

import (
	"context"
	"sync"
)

// flightCache caches the results of lookups by key and runs each lookup
// once for all concurrent callers. Failed lookups are not cached. With
// max > 0 it keeps at most about max results, dropping the oldest.
type flightCache[K comparable, V any] struct {
	mu    sync.Mutex
	m     map[K]*flight[V]
	order []K // completed keys, oldest first (only when max > 0)
	max   int
}

type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func newFlightCache[K comparable, V any](max int) *flightCache[K, V] {
	return &flightCache[K, V]{m: make(map[K]*flight[V]), max: max}
}

// get returns the cached value for k, or runs fn to compute it. Callers
// that find a lookup in flight wait for it (or for ctx).
func (c *flightCache[K, V]) get(ctx context.Context, k K, fn func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	if f, ok := c.m[k]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.v, f.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.m[k] = f
	c.mu.Unlock()

	f.v, f.err = fn(ctx)

	c.mu.Lock()
	switch {
	case f.err != nil:
		delete(c.m, k)
	case c.max > 0:
		c.order = append(c.order, k)
		if len(c.order) > c.max {
			drop := len(c.order) - c.max/2 - 1 // evict in batches
			for _, old := range c.order[:drop] {
				delete(c.m, old)
			}
			c.order = append(c.order[:0:0], c.order[drop:]...)
		}
	}
	c.mu.Unlock()
	close(f.done)
	return f.v, f.err
}
