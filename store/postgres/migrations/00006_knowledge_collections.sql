-- The folders `faro ingest` has read, each with the collection name that
-- prefixes the source ids of its documents, so that two folders holding
-- the same relative path never overwrite each other, and pruning one
-- folder never touches another's documents.

-- +goose Up
CREATE TABLE knowledge_collections (
    name       TEXT PRIMARY KEY,
    root       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE knowledge_collections;
