package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryQueueAllOrNothing(t *testing.T) {
	ctx := context.Background()
	q := NewMemoryQueue(3)
	assert.Equal(t, 3, q.Cap())
	require.NoError(t, q.Enqueue(ctx, []Event{{LeadID: "1"}, {LeadID: "2"}}))
	assert.ErrorIs(t, q.Enqueue(ctx, []Event{{LeadID: "3"}, {LeadID: "4"}}), ErrQueueFull)
	assert.Equal(t, 2, q.Len(), "nothing of the refused batch was added")
	require.NoError(t, q.Enqueue(ctx, []Event{{LeadID: "3"}}))

	got, err := q.Dequeue(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, []Event{{LeadID: "1"}, {LeadID: "2"}}, got, "FIFO, at most max")

	require.NoError(t, q.Close())
	require.NoError(t, q.Close(), "Close twice is harmless")
	assert.ErrorIs(t, q.Enqueue(ctx, []Event{{LeadID: "5"}}), ErrClosed)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	got, err = q.Dequeue(cancelled, 10)
	require.NoError(t, err, "held events come out even with a done context")
	assert.Equal(t, []Event{{LeadID: "3"}}, got)
	_, err = q.Dequeue(ctx, 10)
	assert.ErrorIs(t, err, ErrClosed)
}

func TestMemoryQueueDequeueWaitsForContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := NewMemoryQueue(0)
	assert.Equal(t, DefaultQueueCapacity, q.Cap())
	_, err := q.Dequeue(ctx, 1)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMemoryStoreClaimDoneRelease(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewMemoryStore(func() time.Time { return now })

	ok, err := s.Claim(ctx, "1", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = s.Claim(ctx, "1", time.Minute)
	assert.False(t, ok, "claimed by someone else")

	require.NoError(t, s.Release(ctx, "1"))
	ok, _ = s.Claim(ctx, "1", time.Minute)
	assert.True(t, ok, "released claims can be taken again")

	now = now.Add(2 * time.Minute)
	ok, _ = s.Claim(ctx, "1", time.Minute)
	assert.True(t, ok, "an expired lease can be taken over")

	require.NoError(t, s.Done(ctx, "1", DefaultDedupTTL))
	require.NoError(t, s.Release(ctx, "1"), "Release does not undo Done")
	now = now.Add(DefaultDedupTTL - time.Second)
	ok, _ = s.Claim(ctx, "1", time.Minute)
	assert.False(t, ok, "done within the TTL")

	now = now.Add(sweepEvery + time.Second)
	ok, _ = s.Claim(ctx, "2", time.Minute) // the next sweep is due
	assert.True(t, ok)
	assert.Equal(t, 1, s.Len(), "the expired done record of 1 was swept")
	ok, _ = s.Claim(ctx, "1", time.Minute)
	assert.True(t, ok, "forgotten after the TTL")
}
