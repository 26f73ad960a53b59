package livebus_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchLatency publishes on a and measures how long until b's listener is
// woken, one note at a time; it reports the p50 and p99 in ms.
func benchLatency(b *testing.B, pub, sub bus) {
	conv := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	woken := make(chan int64, 1024)
	sub.Listen(func(_ string, seq int64) { woken <- seq })
	defer sub.Hold(conv)()
	time.Sleep(200 * time.Millisecond) // the hold is written
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		seq := int64(i + 1)
		start := time.Now()
		if err := pub.Publish(context.Background(), conv, seq); err != nil {
			b.Fatal(err)
		}
		for got := int64(0); got < seq; {
			select {
			case got = <-woken:
			case <-time.After(10 * time.Second):
				b.Fatalf("note %d never arrived", seq)
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkNotifyLatency: from Publish on one server to the wake on
// another through NOTIFY, on a real PostgreSQL.
func BenchmarkNotifyLatency(b *testing.B) {
	url := realServer(b)
	pub := openPostgres(b, url, true, time.Minute)
	sub := openPostgres(b, url, true, time.Minute)
	for pub.Ready(context.Background()) != nil || sub.Ready(context.Background()) != nil {
		time.Sleep(10 * time.Millisecond)
	}
	benchLatency(b, pub, sub)
}

// BenchmarkCatchUpLatency: the same through the poll alone (PGlite, the
// default 500 ms interval).
func BenchmarkCatchUpLatency(b *testing.B) {
	url := pglite.URL(b, "livebus")
	pub := openPostgres(b, url, false, 0)
	sub := openPostgres(b, url, false, 0)
	benchLatency(b, pub, sub)
}
