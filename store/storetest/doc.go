// Package storetest is the conformance suite that every [store.Store]
// implementation runs, so that a behaviour exists in both backends or in
// neither. Each backend's test file calls [Run] once with a factory:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t) })
//	}
//
// The suite checks what the doc comments of package store promise. It also
// pins a few behaviours that both backends share but the doc comments do
// not spell out yet, so that they cannot drift apart:
//
//   - ErrInvalid for an unknown role, status or author, JSON that is not
//     JSON, a NaN in a vector, two chunks at one position, an empty source
//     or conversation channel, an identity with an empty part, a dimension
//     below 1, K below 1, a query vector of another dimension, and a
//     replacement vector for a chunk that does not exist;
//   - SetKnowledgeIndex guards the dimension only: renaming the embedder
//     is allowed while embedded chunks exist;
//   - an empty role is a prospect; a message without a channel is on its
//     conversation's; limit 0 caps nothing in every list;
//   - a replaced document keeps its ID and CreatedAt; its chunk count is
//     filled by every read;
//   - appending a message moves the conversation's LastSeq and UpdatedAt; a
//     re-delivery moves neither;
//   - a chunk's heading is searched with its text; "" as a platform or
//     external id finds nothing;
//   - timestamps are UTC, and a write returns exactly what later reads do.
//
// Where the contract leaves a choice open and the backends may differ (the
// messages of a missing conversation: an empty list or ErrNotFound) the
// suite accepts either.
//
// Subtests run one after another and never call t.Parallel: the PostgreSQL
// backend is tested on PGlite, where a factory may reset one shared database
// for each store it opens. Each subtest opens its own store, except the
// search subtests, which share one corpus because storing it is the slow
// part on PGlite.
package storetest
