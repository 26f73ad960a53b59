package sqlite

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDot checks the kernel in use (assembly where the CPU has it) and the
// plain Go one against a float64 reference, for lengths around every step
// size and longer b.
func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 130 {
		for _, extra := range []int{0, 3} {
			a, b := make([]float32, n), make([]float32, n+extra)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			var want float64
			for i := range a {
				want += float64(a[i]) * float64(b[i])
			}
			require.InDelta(t, want, float64(dot(a, b)), 1e-4, "dot, n %d", n)
			require.InDelta(t, want, float64(dotGeneric(a, b)), 1e-4, "dotGeneric, n %d", n)
		}
	}
	long := make([]float32, 384)
	for i := range long {
		long[i] = 1
	}
	require.Equal(t, float32(384), dot(long, long))
}

func BenchmarkDot384(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := make([]float32, 384), make([]float32, 384)
	for i := range x {
		x[i], y[i] = rng.Float32(), rng.Float32()
	}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			dot(x, y)
		}
	})
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			dotGeneric(x, y)
		}
	})
}
