package lint_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// findings lists "file:line code" for the diagnostics of codes.
func findings(res *lint.Result, codes ...string) []string {
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	var out []string
	for _, d := range res.Diagnostics {
		if !want[d.Rule.Code] {
			continue
		}
		line := 0
		for _, f := range res.Files {
			if f.Path == d.Path {
				line = f.Lines.Position(d.Span.Start).Line
			}
		}
		out = append(out, fmt.Sprintf("%s:%d %s", filepath.Base(d.Path), line, d.Rule.Code))
	}
	return out
}

// TestDownChecksTheSchemaItsRollbackMeets: a golang-migrate down file
// sorts before its up, but rolls back the schema that its up (and every
// up before it) left, and the statements of the down see each other.
func TestDownChecksTheSchemaItsRollbackMeets(t *testing.T) {
	files := []source.File{
		{Path: "m/1_base.down.sql", Text: "DROP TABLE t;\n"},
		{Path: "m/1_base.up.sql", Text: "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL, b text);\nCREATE UNIQUE INDEX t_b_key ON t (b);\n"},
		{Path: "m/2_change.down.sql", Text: "ALTER TABLE t DROP CONSTRAINT t_b_uniq;\nALTER TABLE t ALTER COLUMN a TYPE int;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nDROP INDEX t_b_key;\n"},
		{Path: "m/2_change.up.sql", Text: "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\nALTER TABLE t ALTER COLUMN a TYPE bigint;\nALTER TABLE t ADD CONSTRAINT t_b_uniq UNIQUE USING INDEX t_b_key;\n"},
	}
	opts := allRules()
	opts.Tools = []tool.Setting{{Tool: tool.GolangMigrate, Source: tool.FromConfig}}
	res := lint.Run(files, opts)
	var order []string
	for _, f := range res.Files {
		order = append(order, filepath.Base(f.Path))
	}
	assert.Equal(t, []string{"1_base.up.sql", "1_base.down.sql", "2_change.up.sql", "2_change.down.sql"}, order, "each down right after its up")
	got := findings(res, "PS012", "PS024", "PS003")
	// The down narrows the column its up widened, makes NOT NULL the
	// column its up made nullable, and drops an index that, once the
	// down's first statement dropped the constraint built on it, backs
	// nothing: each is a hazard only because of the up.
	assert.Contains(t, got, "2_change.down.sql:2 PS024")
	assert.Contains(t, got, "2_change.down.sql:3 PS012")
	assert.Contains(t, got, "2_change.down.sql:4 PS003")
	for _, d := range res.Diagnostics {
		if filepath.Base(d.Path) == "2_change.down.sql" {
			assert.NotContains(t, d.Message, "backs", "the down's DROP INDEX sees the constraint its first statement dropped")
		}
	}
	// The ups are replayed without the downs: the up of 2 sees t.
	assert.Contains(t, got, "2_change.up.sql:2 PS024")
}

// TestDownSectionsSeeTheirUp: goose's down section is checked against
// the schema its up section leaves, statement after statement, and is
// not replayed into the next file's schema.
func TestDownSectionsSeeTheirUp(t *testing.T) {
	files := []source.File{
		{Path: "m/001_base.sql", Text: "-- +goose Up\nCREATE TABLE t (id bigint, a int NOT NULL);\n-- +goose Down\nDROP TABLE t;\n"},
		{Path: "m/002_a.sql", Text: "-- +goose Up\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n-- +goose Down\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nALTER TABLE t DROP COLUMN a;\n"},
		{Path: "m/003_b.sql", Text: "-- +goose Up\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n-- +goose Down\nSELECT 1;\n"},
	}
	res := lint.Run(files, allRules())
	got := findings(res, "PS012", "PS027")
	assert.Equal(t, []string{"002_a.sql:4 PS012", "002_a.sql:5 PS027", "003_b.sql:2 PS012"}, got,
		"003's up sees the column that 002's down dropped only if downs leak into the history")
}

// TestToolChosenPerFolder: one tool per folder, named with its evidence,
// and a guess is a guess.
func TestToolChosenPerFolder(t *testing.T) {
	files := []source.File{
		{Path: "goose/001_a.sql", Text: "-- +goose Up\nCREATE TABLE a (id int);\n"},
		{Path: "goose/002_b.sql", Text: "CREATE TABLE b (id int);\n"},
		{Path: "migrate/1_a.up.sql", Text: "CREATE TABLE c (id int);\n"},
		{Path: "migrate/1_a.down.sql", Text: "DROP TABLE c;\n"},
		{Path: "plain/a.sql", Text: "CREATE TABLE d (id int);\n"},
	}
	res := lint.Run(files, allRules())
	var got []string
	for _, fo := range res.Folders {
		got = append(got, fmt.Sprintf("%s %s %s %d", fo.Path, fo.Choice.Tool.Name, fo.Choice.Source, fo.Files))
	}
	assert.Equal(t, []string{"goose goose detected 2", "migrate golang-migrate guessed 2", "plain psql guessed 1"}, got)
	hints := findings(res, "PS910")
	assert.Equal(t, []string{"1_a.up.sql:1 PS910", "a.sql:1 PS910"}, hints, "one hint per guessed folder")

	// A setting for a folder makes it certain.
	opts := allRules()
	opts.Tools = []tool.Setting{{Tool: tool.TransactionPerFile, Source: tool.FromConfig, Pattern: "migrate", Match: func(p string) bool { return filepath.Dir(p) == "migrate" }}}
	res = lint.Run(files, opts)
	require.Len(t, res.Folders, 3)
	assert.Equal(t, "transaction-per-file", res.Folders[1].Choice.Tool.Name)
	assert.Equal(t, tool.FromConfig, res.Folders[1].Choice.Source)
	assert.Equal(t, []string{"a.sql:1 PS910"}, findings(res, "PS910"))
}

// TestToolRefusals: what the folder's tool refuses is an error, and only
// when the tool is known.
func TestToolRefusals(t *testing.T) {
	files := []source.File{
		{Path: "goose/001_a.sql", Text: "-- +goose Up\nCREATE TABLE a (id int);\n"},
		{Path: "goose/002_b.sql", Text: "CREATE TABLE b (id int);\n"},
		{Path: "goose/02_c.sql", Text: "-- +goose Up\nCREATE TABLE c (id int);\n"},
		{Path: "dbmate/20240101000000_a.sql", Text: "-- migrate:up\nCREATE TABLE d (id int);\n"},
		{Path: "migrate/21_change.up.sql", Text: "CREATE TABLE e (id int);\n"},
		{Path: "migrate/21_change.down.up.sql", Text: "DROP TABLE e;\n"},
	}
	opts := allRules()
	opts.Tools = []tool.Setting{
		{Tool: tool.Dbmate, Source: tool.FromConfig, Match: func(p string) bool { return filepath.Dir(p) == "dbmate" }},
		{Tool: tool.GolangMigrate, Source: tool.FromConfig, Match: func(p string) bool { return filepath.Dir(p) == "migrate" }},
	}
	res := lint.Run(files, opts)
	var got []string
	for _, d := range res.Diagnostics {
		if d.Rule.Code == "PS911" {
			got = append(got, filepath.Base(d.Path)+": "+d.Message)
		}
	}
	assert.ElementsMatch(t, []string{
		"002_b.sql: goose refuses a file without a `-- +goose Up` annotation on a line of its own",
		"02_c.sql: goose refuses two migrations with version 2: 002_b.sql has it too",
		"20240101000000_a.sql: dbmate requires each migration to define a down block with '-- migrate:down'",
		"21_change.down.up.sql: golang-migrate refuses two migrations with version 21: 21_change.up.sql has it too",
	}, got)

	// Without a setting, golang-migrate is only a guess: no refusal.
	res = lint.Run(files[4:], allRules())
	assert.Empty(t, findings(res, "PS911"))
}
