package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// TestFixVerify proves the example's rewrite on PostgreSQL.
func TestFixVerify(t *testing.T) {
	url := pgtest.URL(t)
	code, stdout, stderr := runCLI(t, nil, "fix", "--verify", "--seed-rows", "2000", "--database-url", url, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr+stdout)
	assert.Contains(t, stdout, "--- a/fixtures/examples/goose/00002_order_status.sql", "the diff comes first")
	assert.Contains(t, stdout, "schemas: the same (pg_dump --schema-only)")
	assert.Contains(t, stdout, "original: 3 statement(s) block writes while they scan or rewrite a table")
	assert.Regexp(t, `writes to orders blocked for [0-9.]+ m?s → [0-9.]+ m?s`, stdout)
	assert.Contains(t, stdout, "verify: ok")

	code, stdout, stderr = runCLI(t, nil, "fix", "--verify", "--format", "json", "--database-url", url, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Fix    struct{ Files []any }
		Verify struct {
			OK      bool `json:"ok"`
			Rewrite []struct {
				Mode   string `json:"mode"`
				Blocks bool   `json:"blocks_writes"`
			} `json:"rewrite"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.True(t, doc.Verify.OK)
	assert.NotEmpty(t, doc.Fix.Files)
	assert.NotEmpty(t, doc.Verify.Rewrite)
}

func TestFixVerifyUsage(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "fix", "--seed-rows", "10", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed-rows goes with --verify")
	code, _, stderr = runCLI(t, nil, "fix", "--verify", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--verify runs migration files")
	code, _, stderr = runCLI(t, nil, "fix", "--verify", "--seed-rows", "-1", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed-rows -1")
}
