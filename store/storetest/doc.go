// Package storetest is the conformance suite that every [store.Store]
// implementation runs, so that a behaviour exists in both backends or in
// neither. Each backend's test file calls [Run] once with a factory:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t) })
//	}
//
// The suite checks what the doc comments of package store promise,
// including the rules that once were pinned here only and are now written
// there (store.ErrInvalid lists its cases):
//
//   - ErrInvalid for an unknown role, status or author, JSON that is not
//     JSON, a vector with no direction (NaN, infinite, all zeros) stored or
//     queried, an embedding before any SetKnowledgeIndex, two chunks at one
//     position, an empty source or conversation channel, an identity with
//     an empty part, an empty embedder name or a dimension below 1, K below
//     1, a query vector of another dimension, a replacement vector for a
//     chunk that does not exist, and a negative offset or limit;
//   - SetKnowledgeIndex guards the dimension only: renaming the embedder
//     is allowed while embedded chunks exist;
//   - an empty role is a prospect; a message without a channel is on its
//     conversation's; limit 0 caps nothing in every list; an empty status
//     in UpdateConversation keeps the stored one;
//   - emails compare trimmed and lower-cased;
//   - a replaced document keeps its ID and CreatedAt; its chunk count is
//     filled by every read;
//   - appending a message moves the conversation's LastSeq and UpdatedAt; a
//     re-delivery moves neither;
//   - a chunk's heading is searched with its text; a chunk without a
//     vector is found by text only; "" as a platform or external id finds
//     nothing;
//   - ReplaceEmbeddings switches dimension, up and down, on enough chunks
//     that a database really builds its vector index over them;
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
