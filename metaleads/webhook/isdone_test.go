package webhook_test

import (
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ metaleads.DoneChecker = (*webhook.MemoryStore)(nil)

func TestMemoryStoreIsDone(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := webhook.NewMemoryStore(func() time.Time { return now })
	ctx := t.Context()

	done, err := s.IsDone(ctx, "1")
	require.NoError(t, err)
	assert.False(t, done, "unknown lead")

	ok, err := s.Claim(ctx, "1", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	done, _ = s.IsDone(ctx, "1")
	assert.False(t, done, "claimed but unfinished")

	require.NoError(t, s.Done(ctx, "1", time.Hour))
	done, _ = s.IsDone(ctx, "1")
	assert.True(t, done)

	now = now.Add(2 * time.Hour)
	done, _ = s.IsDone(ctx, "1")
	assert.False(t, done, "expired")
}
