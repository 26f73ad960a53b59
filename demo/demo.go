// Package demo holds the demo data Faro ships with and loads on first start:
// a bilingual (Spanish and English) knowledge base for an invented company,
// Brújula Digital, which sells online AI courses (Brújula Academy), a
// marketing automation SaaS (Brújula Pulse) and AI document generation
// (Brújula Docs); its course catalogue; a few demo subscriptions to the
// SaaS, for the KPIs; and a retrieval evaluation set over that knowledge
// base.
//
// The files are plain content under this folder and are embedded into the
// binary, so `faro serve` needs nothing on disk to answer real questions out
// of the box. The same files can be read from the repository, for example
// with `faro eval retrieval --corpus demo/knowledge --queries
// demo/eval/retrieval.jsonl`.
package demo

import "embed"

// Knowledge is the demo knowledge base: Markdown, HTML and CSV FAQ documents
// under knowledge/es and knowledge/en. Paths inside it start with
// "knowledge/"; a document's source id is its path relative to that folder
// ("es/cursos/ia-marketing.md"), so read it through fs.Sub(Knowledge,
// "knowledge"). It is read-only.
//
//go:embed knowledge
var Knowledge embed.FS

// Catalog is the demo course catalogue (catalog.yaml): a YAML list of
// courses with slug, title and description in es and en, language of
// instruction, topics, level, price, seats, start date, duration in weeks,
// status and the source id of the course's document in [Knowledge]. Callers
// must not modify it.
//
//go:embed catalog.yaml
var Catalog []byte

// Subscriptions are demo subscriptions to Brújula Pulse
// (subscriptions.yaml), clearly invented, loaded on first start so the
// KPIs show an MRR: a YAML list with external_id, email, plan,
// monthly_amount_cents, currency, started_at and cancelled_at (RFC 3339).
// Callers must not modify it.
//
//go:embed subscriptions.yaml
var Subscriptions []byte

// RetrievalQueries is the retrieval evaluation set over [Knowledge]
// (eval/retrieval.jsonl), one JSON query a line in the format of
// `faro eval retrieval`. Callers must not modify it.
//
//go:embed eval/retrieval.jsonl
var RetrievalQueries []byte
