package offline

import (
	"hash/maphash"
	"strings"
	"sync"
)

// textCache is a bounded, concurrency-safe map from strings to values that
// are a pure function of the string (a word's stems, a text's word count):
// a miss computes what the engine would compute anyway, so what is cached
// and when it is dropped changes no result.
//
// Every call of a loaded server reads it, from hundreds of goroutines on a
// few cores, and it is read far more often than written: it is split in
// shards, each with its own lock, so two readers rarely meet on one lock or
// one cache line. A shard that fills up is emptied (as the memo is, see
// memo.go): cheaper than tracking recency, and the frequent strings come
// back at once.
type textCache[V any] struct {
	seed maphash.Seed
	// maxEntries and maxBytes bound each shard: its strings and the bytes
	// of their keys (0: no bound on bytes).
	maxEntries, maxBytes int
	shards               [textCacheShards]textShard[V]
}

// textCacheShards is a power of two, several times the cores that read at
// once.
const textCacheShards = 32

type textShard[V any] struct {
	mu    sync.RWMutex
	m     map[string]V
	bytes int
	// Pad the shard to its own cache lines: the locks of neighbouring
	// shards would otherwise share one, and each read writes its lock.
	_ [64]byte
}

// newTextCache returns a cache that holds about maxEntries strings of about
// maxBytes bytes in all (0: no bound on bytes).
func newTextCache[V any](maxEntries, maxBytes int) *textCache[V] {
	c := &textCache[V]{
		seed:       maphash.MakeSeed(),
		maxEntries: max(1, maxEntries/textCacheShards),
		maxBytes:   maxBytes / textCacheShards,
	}
	for i := range c.shards {
		c.shards[i].m = map[string]V{}
	}
	return c
}

func (c *textCache[V]) shard(key string) *textShard[V] {
	return &c.shards[maphash.String(c.seed, key)&(textCacheShards-1)]
}

// get returns the value cached for key.
func (c *textCache[V]) get(key string) (V, bool) {
	s := c.shard(key)
	s.mu.RLock()
	v, ok := s.m[key]
	s.mu.RUnlock()
	return v, ok
}

// put caches v for key. The key is copied: it is often a slice of a longer
// text (a word of a message), which the cache must not keep alive.
func (c *textCache[V]) put(key string, v V) {
	if c.maxBytes > 0 && len(key) > c.maxBytes {
		return // would empty the shard for one string
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
		return // cached meanwhile by another call: the same value
	}
	if len(s.m) >= c.maxEntries || (c.maxBytes > 0 && s.bytes+len(key) > c.maxBytes) {
		s.m, s.bytes = map[string]V{}, 0
	}
	s.m[strings.Clone(key)] = v
	s.bytes += len(key)
}
