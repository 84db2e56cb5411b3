package toolrun_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/verify"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// semanticsCase is a project of a tool whose CLI cannot run here: its
// files run with the tool's documented semantics (package apply, as
// verify runs them).
type semanticsCase struct {
	tool       *tool.Tool
	fixture    string // under fixtures/tools
	migrations string // the migrations folder in it
	// more are texts that the fixed project holds more often than the
	// original; fewer, texts it must not gain.
	more, fewer []string
}

var semanticsCases = []semanticsCase{
	// Atlas: its CLI is not on the Go module proxy (see .ci/tools).
	{tool: tool.Atlas, fixture: "atlas", migrations: "migrations", more: []string{"CONCURRENTLY", "-- atlas:txmode none", "NOT VALID"}},
	// sqlx-cli comes only from crates.io.
	{tool: tool.Sqlx, fixture: "sqlx", migrations: "migrations", more: []string{"CONCURRENTLY", "-- no-transaction", "NOT VALID"}},
	// Prisma downloads its engines from its own servers.
	{tool: tool.Prisma, fixture: "prisma", migrations: "prisma/migrations", more: []string{"CONCURRENTLY", "NOT VALID"}},
	// A runner that wraps each file in a transaction: no way out, so no
	// CONCURRENTLY, but a lock_timeout.
	{tool: tool.TransactionPerFile, fixture: "transaction-per-file", migrations: "migrations", more: []string{"lock_timeout"}, fewer: []string{"CONCURRENTLY"}},
	{tool: tool.SingleTransaction, fixture: "transaction-per-file", migrations: "migrations", more: []string{"lock_timeout"}, fewer: []string{"CONCURRENTLY"}},
}

// TestToolsRunByTheirSemantics fixes the project of each tool without a
// CLI here, as `pgsafe fix --write --framework X` does, and proves it as
// `pgsafe fix --verify` does: both run on PostgreSQL with the tool's
// transactions, the rewrite must leave the original's schema, block no
// writes while it scans, hold nothing the tool refuses (atlas.sum
// included), and roll back, where the tool has downs, one version at a
// time to the original's schemas.
func TestToolsRunByTheirSemantics(t *testing.T) {
	for _, tc := range semanticsCases {
		t.Run(tc.tool.Name, func(t *testing.T) {
			root := copyTree(t, filepath.Join("..", "..", "fixtures", "tools", tc.fixture))
			before := readTree(t, root)
			files, errs := source.Load([]string{filepath.Join(root, filepath.FromSlash(tc.migrations))}, source.Options{})
			require.Empty(t, errs)
			all := rules.All()
			opts := lint.Options{Rules: all, Known: all, Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000},
				Tools: []tool.Setting{{Tool: tc.tool, Source: tool.FromFlag}}}
			res, err := rewrite.Fix(files, opts, rewrite.Options{})
			require.NoError(t, err)
			for _, f := range res.Files {
				if f.Changed() {
					require.NoError(t, os.MkdirAll(filepath.Dir(f.Path), 0o755))
					require.NoError(t, rewrite.WriteAtomic(f.Path, []byte(f.Fixed)))
				}
			}
			after := readTree(t, root)
			for _, text := range tc.more {
				assert.Greater(t, strings.Count(after, text), strings.Count(before, text), "the fixed project holds %q more often", text)
			}
			for _, text := range tc.fewer {
				assert.Equal(t, strings.Count(before, text), strings.Count(after, text), "the fixed project gains no %q", text)
			}

			original, rewritten, targets := verify.FromFix(res, opts)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rep, err := verify.Run(ctx, original, rewritten, verify.Options{AdminURL: pgtest.URL(t), Targets: targets, Rollback: true})
			require.NoError(t, err)
			assert.True(t, rep.OK(), "%v", rep.Failures())
			require.NotNil(t, rep.Rollback)
			t.Logf("%d fixes; rolled back %d versions, %d with a down of their own", len(res.Applied), rep.Rollback.Steps, rep.Rollback.Versions)
		})
	}
}
