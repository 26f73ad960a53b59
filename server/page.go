package server

import (
	"net/http"
	"net/url"
	"strconv"
)

// Pagination bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// MaxOffset bounds ?offset far above any real list, so offset+limit
	// never overflows.
	MaxOffset = 1_000_000_000
)

// page is the ?limit and ?offset of a list request.
type page struct {
	limit, offset int
}

// pageOf reads ?limit (default 50, at most 200) and ?offset (default 0).
func pageOf(r *http.Request) (page, error) {
	p := page{limit: DefaultLimit}
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return p, Errorf(CodeInvalid, "limit must be a whole number from 1 to %d", MaxLimit)
		}
		p.limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxOffset {
			return p, Errorf(CodeInvalid, "offset must be a whole number from 0 to %d", MaxOffset)
		}
		p.offset = n
	}
	return p, nil
}

// List is the envelope of every list response: the items, and where the
// next page is when there may be one.
type List[T any] struct {
	Data []T `json:"data"`
	// NextOffset is the offset of the next page; absent on the last page.
	NextOffset *int `json:"next_offset,omitempty"`
	// Next is the URL (path and query) of the next page; absent on the
	// last page.
	Next string `json:"next,omitempty"`
}

// listOf builds the envelope from items fetched with limit+1: one more
// than asked for means there is a next page.
func listOf[T any](r *http.Request, p page, items []T) List[T] {
	l := List[T]{Data: items}
	if l.Data == nil {
		l.Data = []T{}
	}
	if len(items) > p.limit {
		l.Data = items[:p.limit]
		next := p.offset + p.limit
		l.NextOffset = &next
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(p.limit))
		q.Set("offset", strconv.Itoa(next))
		l.Next = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	return l
}
