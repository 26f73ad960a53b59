package sqlite

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
)

// newID returns a UUIDv7: time-ordered, so ids of one table sort by creation.
func newID() (string, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return u.String(), nil
}

// now is the current time in UTC without its monotonic reading, so a value
// handed back equals the one read later.
func now() time.Time { return time.Now().UTC().Round(0) }

// Times are stored as unix nanoseconds: exact, and ordered as integers.
func toNanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// nullJSON stores an absent JSON value as NULL and anything else verbatim.
func nullJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// rawJSON reads back what nullJSON stored.
func rawJSON(s *string) json.RawMessage {
	if s == nil || *s == "" {
		return nil
	}
	return json.RawMessage(*s)
}

func checkJSON(field string, raw json.RawMessage) error {
	if len(raw) > 0 && !json.Valid(raw) {
		return invalid("%s: not valid JSON", field)
	}
	return nil
}

// encodeVector stores v as little-endian float32s, as given: Chunks returns
// embeddings exactly as they were put. Normalising for cosine happens when
// the in-memory index loads.
func encodeVector(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// decodeVectorInto fills dst from b; len(b) must be 4*len(dst).
func decodeVectorInto(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

func decodeVector(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("embedding blob of %d bytes", len(b))
	}
	v := make([]float32, len(b)/4)
	decodeVectorInto(v, b)
	return v, nil
}

// checkVector rejects vectors no cosine similarity can be computed from:
// a value that is not finite, or all zeros (no direction; PostgreSQL's
// pgvector answers NaN for it). An empty vector is no vector and passes:
// a chunk may have none.
func checkVector(field string, v []float32) error {
	if len(v) == 0 {
		return nil
	}
	var sum float64
	for _, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return invalid("%s: not a finite number", field)
		}
		sum += float64(f) * float64(f)
	}
	if sum == 0 {
		return invalid("%s: all zeros, no direction", field)
	}
	return nil
}

// foldEmail is the key emails are unique by.
func foldEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// page turns offset/limit into SQL LIMIT/OFFSET values: limit 0 means no
// cap (-1 to SQLite). A negative offset or limit is ErrInvalid, as in the
// PostgreSQL store: silently reading it as "from the start" or "no cap"
// would hide a caller's arithmetic bug behind a page of wrong results.
func page(offset, limit int) (int, int, error) {
	if offset < 0 || limit < 0 {
		return 0, 0, invalid("offset %d, limit %d: must not be negative", offset, limit)
	}
	if limit == 0 {
		limit = -1
	}
	return offset, limit, nil
}
