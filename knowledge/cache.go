package knowledge

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Defaults of the search cache (see Base.CacheSearches).
const (
	DefaultCacheEntries = 2048
	DefaultCacheTTL     = time.Minute
)

// searchCache remembers recent searches' results. Website visitors ask the
// same few questions in the same words ("¿cuánto cuesta?", "how do I get a
// refund?"); a search is two index lookups and a ranking, a tenth of a
// turn's work on the embedded store. Entries are dropped when this Base
// changes the knowledge (the generation) and after ttl, which bounds how
// long a change made elsewhere (`faro ingest` against the same database,
// another server) goes unseen.
type searchCache struct {
	lru *expirable.LRU[string, cachedSearch]
	// gen counts knowledge writes through this Base; bumped before and
	// after each, so a search that overlapped a write is never kept.
	gen atomic.Uint64
}

type cachedSearch struct {
	gen     uint64
	results []Result
}

// CacheSearches makes b remember up to entries recent searches' results for
// ttl; entries 0 turns the cache off. Call it before b is shared.
func (b *Base) CacheSearches(entries int, ttl time.Duration) {
	if entries <= 0 || ttl <= 0 {
		b.cache = nil
		return
	}
	b.cache = &searchCache{lru: expirable.NewLRU[string, cachedSearch](entries, nil, ttl)}
}

// changed marks the knowledge as changing (call it before and after every
// write), here and, through OnChange, on the other servers.
func (b *Base) changed() {
	b.Forget()
	if b.onChange != nil {
		b.onChange()
	}
}

// OnChange has f told before and after every write of the knowledge
// through b, so that other servers' caches forget what they remember (see
// Forget); call it before b is shared. f may block briefly.
func (b *Base) OnChange(f func()) { b.onChange = f }

// Forget drops every remembered search: the knowledge changed through
// another server (or process). A search running meanwhile is not kept.
func (b *Base) Forget() {
	b.generation.Add(1)
	if b.cache != nil {
		b.cache.gen.Add(1)
	}
}

// cacheKey is q with its defaults applied, as one string.
func cacheKey(q Query, mode Mode, k, n int, w float64) string {
	var s strings.Builder
	for _, p := range []string{q.Text, q.Language, string(mode), strconv.Itoa(k), strconv.Itoa(n), strconv.FormatFloat(w, 'g', -1, 64),
		q.Filter.Language, q.Filter.SourcePrefix, strings.Join(q.Filter.Tags, "\x01")} {
		s.WriteString(p)
		s.WriteByte(0)
	}
	return s.String()
}

// lookup returns the remembered results of key, as a copy the caller may
// change, and the generation a search made now would be stored under.
func (c *searchCache) lookup(key string) ([]Result, uint64, bool) {
	gen := c.gen.Load()
	if e, ok := c.lru.Get(key); ok && e.gen == gen {
		return slices.Clone(e.results), gen, true
	}
	return nil, gen, false
}

// store remembers results of a search that began at generation gen,
// unless the knowledge changed since.
func (c *searchCache) store(key string, gen uint64, results []Result) {
	if c.gen.Load() != gen {
		return
	}
	c.lru.Add(key, cachedSearch{gen: gen, results: slices.Clone(results)})
}
