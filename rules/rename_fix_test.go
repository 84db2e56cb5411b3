package rules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// TestRenameFixRefusals checks that the expand/contract rewrite of a
// rename falls back to the recipe, and says why, wherever the catalog
// cannot vouch for its steps or the tool cannot add the contract.
func TestRenameFixRefusals(t *testing.T) {
	const gm = "-- test: framework=golang-migrate\n"
	cases := []struct {
		name, schema, change, why string
	}{
		{"primary key", "CREATE TABLE a (id bigint PRIMARY KEY, n int);",
			"ALTER TABLE a RENAME COLUMN id TO key;", "id is the primary key of a, which the backfill walks"},
		{"referenced", "CREATE TABLE a (id bigint PRIMARY KEY, n int UNIQUE); CREATE TABLE b (id bigint PRIMARY KEY, a_n int REFERENCES a (n));",
			"ALTER TABLE a RENAME COLUMN n TO m;", "foreign key b_a_n_fkey of b references n"},
		{"no primary key", "CREATE TABLE a (id int UNIQUE, n int);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "a has no single-column primary key that pgsafe knows"},
		{"composite primary key", "CREATE TABLE a (x int, y int, n int, PRIMARY KEY (x, y));",
			"ALTER TABLE a RENAME COLUMN x TO z;", "a has no single-column primary key"},
		{"identity", "CREATE TABLE a (id bigint PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "n is an identity column"},
		{"generated", "CREATE TABLE a (id bigint PRIMARY KEY, n int, g int GENERATED ALWAYS AS (n * 2) STORED);",
			"ALTER TABLE a RENAME COLUMN g TO h;", "g is a generated column"},
		{"read by a generated column", "CREATE TABLE a (id bigint PRIMARY KEY, n int, g int GENERATED ALWAYS AS (n * 2) STORED);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "generated column g reads n"},
		{"view with a join", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE TABLE b (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT a.n, b.n AS bn FROM a JOIN b USING (id);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "view v reads n, and pgsafe renames a column only in a view that reads the table alone"},
		{"view with a subquery", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT n FROM a WHERE id IN (SELECT id FROM a);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "view v reads n, and pgsafe renames a column only in a view that reads the table alone"},
		{"view of every column", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT * FROM a;",
			"ALTER TABLE a RENAME COLUMN n TO m;", "view v reads n through *"},
		{"partitioned", "CREATE TABLE a (id bigint, n int, PRIMARY KEY (id)) PARTITION BY RANGE (id);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "a is partitioned or a partition"},
		{"NOT NULL on 11", "-- test: pg-version=11 framework=golang-migrate\nCREATE TABLE a (id bigint PRIMARY KEY, n int NOT NULL);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "before PostgreSQL 12 SET NOT NULL on the new column scans the table"},
		{"unknown table", "SELECT 1;", "ALTER TABLE a RENAME COLUMN n TO m;", "pgsafe does not know every column and constraint of a"},
		{"no way to add a migration", "-- test: framework=psql\nCREATE TABLE a (id bigint PRIMARY KEY, n int);",
			"ALTER TABLE a RENAME COLUMN n TO m;", "psql has no way for pgsafe to add a migration"},
		{"down migration", "-- test: framework=dbmate\n-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY, n int, m int);\n-- migrate:down\nDROP TABLE a;\n",
			"-- migrate:up\nALTER TABLE a DROP COLUMN m;\n-- migrate:down\nALTER TABLE a RENAME COLUMN n TO m;\n", "a down migration undoes its up at once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schema := c.schema
			if !strings.HasPrefix(schema, "-- test:") {
				schema = gm + schema
			}
			d := renameFinding(t, schema, c.change)
			require.Len(t, d.Fixes, 1)
			assert.Equal(t, rules.DisplayOnly, d.Fixes[0].Safety)
			assert.Contains(t, d.Fixes[0].Title, c.why)
		})
	}
}

// TestRenameFixKeepsViewColumnNames checks the contract's views: read
// the new column, and keep the name each output column had.
func TestRenameFixKeepsViewColumnNames(t *testing.T) {
	d := renameFinding(t, "-- test: framework=golang-migrate\nCREATE TABLE a (id bigint PRIMARY KEY, n int, k int);\n"+
		"CREATE VIEW v AS SELECT a.n, n + 1 AS next, public.a.n AS again, k AS n2 FROM public.a WHERE n > 0 ORDER BY a.n;\n"+
		"CREATE VIEW w AS SELECT x.n, x.k FROM a x;",
		"ALTER TABLE a RENAME COLUMN n TO m;")
	require.Len(t, d.Fixes, 1)
	require.Equal(t, rules.Unsafe, d.Fixes[0].Safety, d.Fixes[0].Title)
	assert.Contains(t, d.Fixes[0].Contract, "DROP VIEW v;\nDROP VIEW w;")
	assert.Contains(t, d.Fixes[0].Contract, "CREATE VIEW v AS SELECT a.m AS n, m + 1 AS next, public.a.m AS again, k AS n2 FROM public.a WHERE m > 0 ORDER BY a.m;")
	assert.Contains(t, d.Fixes[0].Contract, "CREATE VIEW w AS SELECT x.m AS n, x.k FROM a x;")
}

// renameFinding lints schema and then change as two migrations and
// returns the finding of rename-column on change, with its fix placed.
func renameFinding(t *testing.T, schema, change string) rules.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	files := []source.File{{Path: filepath.Join(dir, "001_schema.sql"), Text: schema}, {Path: filepath.Join(dir, "002_change.sql"), Text: change}}
	// Each tool's names for the two migrations.
	switch {
	case strings.Contains(schema, "framework=golang-migrate"):
		files[0].Path, files[1].Path = filepath.Join(dir, "1_schema.up.sql"), filepath.Join(dir, "2_change.up.sql")
	case strings.Contains(schema, "framework=dbmate"):
		files[0].Path, files[1].Path = filepath.Join(dir, "20240101000000_schema.sql"), filepath.Join(dir, "20240102000000_change.sql")
	default:
	}
	r := rules.Lookup(rules.All(), "rename-column")
	res := lint.Run(files, ruletest.Options(t, []*rules.Rule{r}, files))
	rewrite.Place(res)
	for _, d := range res.Diagnostics {
		if d.Rule == r && d.Path == files[1].Path {
			return d
		}
	}
	require.Fail(t, "no finding of rename-column", "%v", res.Diagnostics)
	return rules.Diagnostic{}
}
