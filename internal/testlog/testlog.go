// Package testlog holds what tests need to read the logs of code that
// logs from many goroutines.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a log sink that goroutines may share: a test gives it to a
// logger and reads what was written when something fails.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
