package rewrite_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// TestMoveFixedSetLintsClean: a move that `pgsafe lint` reports with an
// applicable fix lints, once `pgsafe fix --unsafe-fixes` has rewritten
// it, without contract-before-expand; contract-pending reminds of the
// contract migration instead.
func TestMoveFixedSetLintsClean(t *testing.T) {
	for _, tl := range []*tool.Tool{tool.Goose, tool.Dbmate, tool.GolangMigrate} {
		t.Run(tl.Name, func(t *testing.T) {
			var first, move string
			switch tl {
			case tool.Goose:
				first, move = "m/001_users.sql", "m/002_email.sql"
			case tool.Dbmate:
				first, move = "m/20240101000000_users.sql", "m/20240102000000_email.sql"
			default:
				first, move = "m/1_users.up.sql", "m/2_email.up.sql"
			}
			up := func(sql string) string {
				switch tl {
				case tool.Goose:
					return "-- +goose Up\n" + sql
				case tool.Dbmate:
					return "-- migrate:up\n" + sql + "\n-- migrate:down\n"
				default:
					return sql
				}
			}
			files := []string{
				first, up("CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"),
				move, up("ALTER TABLE users ADD COLUMN email_address text;\nUPDATE users SET email_address = lower(email);\nALTER TABLE users DROP COLUMN email;\n"),
			}
			before := lintCodes(t, tl, files)
			assert.Contains(t, before, "PS054 unsafe", "lint shows the move's fix as applicable")

			res, fixed := fixWith(t, tl, files...)
			assert.Equal(t, 1, countApplied(res, "contract-before-expand"), "skipped: %v", skippedFor(res, "contract-before-expand"))
			// The copy right before the drop is the backfill's to redo: the
			// fix of whole-table-update-or-delete, which would batch it too,
			// gives way.
			var all strings.Builder
			for _, p := range names(fixed) {
				all.WriteString(fixed[p])
			}
			assert.NotContains(t, all.String(), "UPDATE users SET email_address = lower(email);")
			assert.Equal(t, 1, strings.Count(all.String(), "UPDATE users SET email_address = lower(email) WHERE id >= batch_start"), all.String())
			assert.Zero(t, countApplied(res, "whole-table-update-or-delete"))
			var after []string
			for _, p := range names(fixed) {
				after = append(after, p, fixed[p])
			}
			codes := lintCodes(t, tl, after)
			assert.NotContains(t, codes, "PS054 unsafe")
			assert.NotContains(t, codes, "PS054 display-only")
			assert.Contains(t, codes, "PS058 none", "contract-pending reminds of the contract")
			t.Logf("after the fix: %v", codes)
		})
	}
}

// lintCodes lints files (paths and texts) run by tl, with every rule, in
// a fresh folder, and returns each finding's rule code and the safety of
// its first fix as lint shows it ("none" without one).
func lintCodes(t *testing.T, tl *tool.Tool, pathsAndTexts []string) []string {
	t.Helper()
	dir := t.TempDir()
	var srcs []source.File
	for i := 0; i < len(pathsAndTexts); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(pathsAndTexts[i]))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(pathsAndTexts[i+1]), 0o644))
		srcs = append(srcs, source.File{Path: p, Text: pathsAndTexts[i+1]})
	}
	sort.SliceStable(srcs, func(i, j int) bool { return source.Less(srcs[i].Path, srcs[j].Path) })
	all := rules.All()
	res := lint.Run(srcs, lint.Options{Rules: all, Known: all, Tools: []tool.Setting{{Tool: tl, Source: tool.FromConfig}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000}})
	rewrite.Place(res)
	var out []string
	for _, d := range res.Diagnostics {
		safety := "none"
		if len(d.Fixes) > 0 {
			safety = string(d.Fixes[0].Safety)
		}
		out = append(out, d.Rule.Code+" "+safety)
	}
	return out
}
