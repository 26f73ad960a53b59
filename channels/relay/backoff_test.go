package relay

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBackoff: attempt n waits a random time in [d/2, d], d doubling from
// the base up to the cap; the default 20 attempts span up to 2.5 hours.
func TestBackoff(t *testing.T) {
	t.Parallel()
	b := backoff{base: DefaultBackoffBase, max: DefaultBackoffMax}
	var total time.Duration
	for n := 1; n < DefaultMaxAttempts; n++ {
		d := min(DefaultBackoffBase<<(n-1), DefaultBackoffMax)
		got := b.delay(n)
		require.GreaterOrEqual(t, got, d/2, "attempt %d", n)
		require.LessOrEqual(t, got, d, "attempt %d", n)
		total += d
	}
	require.InDelta(t, 2.5, total.Hours(), 0.1, "the most the retries wait")
	capped := backoff{base: 20 * time.Millisecond, max: 40 * time.Millisecond}.delay(30)
	require.GreaterOrEqual(t, capped, 20*time.Millisecond, "capped")
	require.LessOrEqual(t, capped, 40*time.Millisecond, "capped")
}

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	base := errors.New("429 Too Many Requests")
	ra := RetryAfter(3*time.Second, base)
	d, ok := retryAfterOf(ra)
	require.True(t, ok)
	require.Equal(t, 3*time.Second, d)
	require.ErrorIs(t, ra, base)
	d, _ = retryAfterOf(RetryAfter(-time.Second, nil))
	require.Zero(t, d)
	require.True(t, isPermanent(Permanent(base)))
	require.ErrorIs(t, Permanent(base), base)
	require.False(t, isPermanent(base))
	_, ok = retryAfterOf(base)
	require.False(t, ok)
}
