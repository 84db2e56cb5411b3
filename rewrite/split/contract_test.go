package split_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite/split"
	"github.com/pgsafe/pgsafe/rules"
)

// loaded writes files (base names and texts) to a folder, reads them
// under tl, and returns the parsed files and their paths.
func loaded(t *testing.T, tl *tool.Tool, namesAndTexts ...string) ([]*migration.File, []string) {
	t.Helper()
	dir := t.TempDir()
	var files []source.File
	var paths []string
	for i := 0; i < len(namesAndTexts); i += 2 {
		p := filepath.Join(dir, namesAndTexts[i])
		require.NoError(t, os.WriteFile(p, []byte(namesAndTexts[i+1]), 0o644))
		files = append(files, source.File{Path: p, Text: namesAndTexts[i+1]})
		paths = append(paths, p)
	}
	all := rules.All()
	res := lint.Run(files, lint.Options{Rules: all, Known: all, Tools: []tool.Setting{{Tool: tl, Source: tool.FromConfig}}})
	return res.Files, paths
}

// TestContractIsTheNextMigrationWithItsMarker checks the contract file of
// each tool with versions: named to run after the expand file and the
// migrations its steps created, headed by a marker that names the expand
// file, with the tool's markers and companions, and the compound lines
// the tool needs around a body of semicolons.
func TestContractIsTheNextMigrationWithItsMarker(t *testing.T) {
	const sql = "DROP TRIGGER t_sync ON t;\nDROP FUNCTION t_sync();\nALTER TABLE t DROP COLUMN a;"
	cases := []struct {
		tool         *tool.Tool
		names        []string // the expand file, then any created by its steps
		want         string   // the contract's base name
		head, tail   string
		companion    string
		withCompound bool
	}{
		{tool: tool.Goose, names: []string{"00005_move.sql"}, want: "00006_move.sql", head: "-- +goose Up\n", tail: "-- +goose Down\n"},
		{tool: tool.Dbmate, names: []string{"20240101000000_move.sql"}, want: "20240101000001_move.sql", head: "-- migrate:up\n", tail: "-- migrate:down\n"},
		{tool: tool.GolangMigrate, names: []string{"3_move.up.sql", "4_move.up.sql"}, want: "5_move.up.sql", companion: "5_move.down.sql"},
		// The steps' new migrations come with down companions, which sort
		// after an .autocommit. up: the contract follows the up.
		{tool: tool.Popx, names: []string{"20240102000000_move.postgres.up.sql", "202401020000001_move.postgres.autocommit.up.sql", "202401020000001_move.postgres.down.sql"},
			want: "2024010200000011_move.postgres.up.sql", companion: "2024010200000011_move.postgres.down.sql"},
	}
	for _, c := range cases {
		t.Run(c.tool.Name, func(t *testing.T) {
			texts := map[string]string{
				tool.Goose.Name:         "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n",
				tool.Dbmate.Name:        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
				tool.GolangMigrate.Name: "SELECT 1;\n",
				tool.Popx.Name:          "SELECT 1;\n",
			}
			files, paths := loaded(t, c.tool, c.names[0], texts[c.tool.Name])
			dir := filepath.Dir(paths[0])
			var created []string
			for _, n := range c.names[1:] {
				created = append(created, filepath.Join(dir, n))
			}
			body := sql + "\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND $$;"
			edits, name, err := split.Contract(files[0], body, created, paths)
			require.NoError(t, err)
			assert.Equal(t, c.want, name)
			require.NotEmpty(t, edits)
			assert.Equal(t, filepath.Join(dir, c.want), edits[0].Path)
			text := edits[0].NewText
			m, ok := contract.Of(sqlparse.Parse(text).Comments)
			require.True(t, ok, "a marker heads the contract:\n%s", text)
			assert.Equal(t, filepath.Base(paths[0]), m.Expand)
			assert.Contains(t, text, c.head+sql)
			assert.Contains(t, text, c.tail)
			if c.tool.Compound != nil {
				assert.Contains(t, text, c.tool.Compound.Begin+"\nCREATE FUNCTION")
			}
			if c.companion != "" {
				require.Len(t, edits, 2)
				assert.Equal(t, filepath.Join(dir, c.companion), edits[1].Path)
				origin := strings.TrimSuffix(strings.TrimSuffix(c.names[0], ".sql"), ".up")
				assert.Contains(t, edits[1].NewText, "the down migration of "+origin+" reverts the change that this contract completes")
			}
			assert.True(t, sqlparse.Valid(text))
		})
	}
}

// TestContractRunsLast refuses a contract that an existing migration of
// the folder would run after, and a tool with no way to add a migration.
func TestContractRunsLast(t *testing.T) {
	files, paths := loaded(t, tool.Dbmate,
		"20240101000000_move.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
		"20240301000000_later.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
	_, _, err := split.Contract(files[0], "ALTER TABLE t DROP COLUMN a;", nil, paths)
	require.Error(t, err)
	assert.True(t, split.IsCannot(err))
	assert.Contains(t, err.Error(), "20240301000000_later.sql runs after 20240101000000_move.sql")

	files, paths = loaded(t, tool.Psql, "move.sql", "SELECT 1;\n")
	_, _, err = split.Contract(files[0], "ALTER TABLE t DROP COLUMN a;", nil, paths)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no way for pgsafe to add a migration")
}
