//go:build warm

package main

import (
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/pgvector/pgvector-go/pgx"
	_ "github.com/pressly/goose/v3"
	_ "github.com/goccy/go-yaml"
	_ "github.com/google/uuid"
	_ "github.com/stretchr/testify/require"
	_ "github.com/tmc/langchaingo/llms"
	_ "github.com/tmc/langchaingo/textsplitter"
	_ "github.com/tmc/langchaingo/documentloaders"
	_ "modernc.org/sqlite"
)
