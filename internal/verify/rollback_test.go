package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
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

// fixAndVerify writes files into a folder, fixes them as `pgsafe fix`
// does with tl named, and verifies the rewrite with the rollback, as
// `pgsafe fix --verify` does; edit may change the fix's result first.
func fixAndVerify(t *testing.T, tl *tool.Tool, files map[string]string, edit func(*rewrite.Result)) *verify.Report {
	t.Helper()
	dir := t.TempDir()
	var srcs []source.File
	for name, sql := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(sql), 0o644))
		srcs = append(srcs, source.File{Path: p, Text: sql})
	}
	sort.Slice(srcs, func(i, j int) bool { return source.Less(srcs[i].Path, srcs[j].Path) })
	all := rules.All()
	opts := lint.Options{Rules: all, Known: all, Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 100},
		Tools: []tool.Setting{{Tool: tl, Source: tool.FromConfig}}}
	res, err := rewrite.Fix(srcs, opts, rewrite.Options{})
	require.NoError(t, err)
	if edit != nil {
		edit(res)
	}
	original, rewritten, targets := verify.FromFix(res, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := verify.Run(ctx, original, rewritten, verify.Options{AdminURL: pgtest.URL(t), Targets: targets, Rollback: true})
	require.NoError(t, err)
	return rep
}

var migrateSet = map[string]string{
	"20240101000000_t.up.sql":     "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n",
	"20240101000000_t.down.sql":   "DROP TABLE t;\n",
	"20240102000000_idx.up.sql":   "ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX t_a_idx ON t (a);\nCREATE INDEX t_b_idx ON t (b);\n",
	"20240102000000_idx.down.sql": "DROP INDEX t_b_idx;\nDROP INDEX t_a_idx;\nALTER TABLE t DROP COLUMN c;\n",
}

// TestRollbackStepByStep: the split versions roll back one at a time,
// the original's down undoing what moved out of it, and the schemas
// match after each step.
func TestRollbackStepByStep(t *testing.T) {
	rep := fixAndVerify(t, tool.GolangMigrate, migrateSet, nil)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	require.NotNil(t, rep.Rollback)
	assert.Empty(t, rep.Rollback.Err)
	assert.Empty(t, rep.Rollback.Diff)
	assert.Equal(t, 4, rep.Rollback.Steps, "two versions of the original and the two the split made")
	assert.Equal(t, 2, rep.Rollback.Versions, "the versions the split made have downs that undo nothing")
	assert.Empty(t, rep.Refused)
}

// TestRollbackFindsADifference: a rewrite whose down leaves something
// behind that the original's does not fails the proof, at that version.
func TestRollbackFindsADifference(t *testing.T) {
	rep := fixAndVerify(t, tool.GolangMigrate, migrateSet, func(res *rewrite.Result) {
		for _, f := range res.Files {
			if filepath.Base(f.Path) == "20240102000000_idx.down.sql" {
				f.Fixed = "DROP INDEX t_b_idx;\nDROP INDEX t_a_idx;\n"
			}
		}
	})
	require.NotNil(t, rep.Rollback)
	assert.Contains(t, rep.Rollback.Version, "20240102000000_idx")
	assert.Contains(t, rep.Rollback.Diff, "+column public.t 4 c integer", "the column the rewrite's down left behind")
	assert.False(t, rep.OK())
}

// TestRefusedRewriteFails: a rewrite with a file that the tool refuses (a
// second up migration of one version) fails the proof, though every
// statement runs.
func TestRefusedRewriteFails(t *testing.T) {
	rep := fixAndVerify(t, tool.GolangMigrate, migrateSet, func(res *rewrite.Result) {
		dir := filepath.Dir(res.Files[0].Path)
		res.Files = append(res.Files, &rewrite.File{Path: filepath.Join(dir, "20240102000000_idx.down.up.sql"), Created: true, Fixed: "SELECT 1;\n"})
	})
	require.NotEmpty(t, rep.Refused)
	assert.Contains(t, rep.Refused[0].Message, "golang-migrate refuses two migrations with version 20240102000000")
	assert.False(t, rep.OK())
}
