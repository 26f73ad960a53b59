package server

import "net/http"

// Patterns returns every pattern mounted on s, for tests.
func (s *Server) Patterns() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.patterns...)
}

// MatchedPattern is the pattern the server's mux routes r to.
func (s *Server) MatchedPattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}
