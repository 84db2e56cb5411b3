package rules_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// TestTypeChangeFixRefusals checks that the online rewrite of a type
// change falls back to the recipe, and says why, wherever the catalog
// cannot vouch for its steps.
func TestTypeChangeFixRefusals(t *testing.T) {
	cases := []struct {
		name, schema, change, why string
	}{
		{"referenced key", "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);",
			"ALTER TABLE a ALTER COLUMN id TYPE bigint;", "foreign key b_a_id_fkey of b references id: its column must change type too"},
		{"referenced by its own table", "CREATE TABLE a (id int PRIMARY KEY, parent int REFERENCES a (id));",
			"ALTER TABLE a ALTER COLUMN id TYPE bigint;", "foreign key a_parent_fkey of a references id"},
		{"no primary key", "CREATE TABLE a (id int UNIQUE, n int);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "a has no single-column primary key that pgsafe knows"},
		{"composite primary key", "CREATE TABLE a (x int, y int, n int, PRIMARY KEY (x, y));",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "a has no single-column primary key"},
		{"identity", "CREATE TABLE a (id bigint PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "n is an identity column"},
		{"generated", "CREATE TABLE a (id bigint PRIMARY KEY, n int, m int GENERATED ALWAYS AS (n * 2) STORED);",
			"ALTER TABLE a ALTER COLUMN m TYPE bigint;", "m is a generated column"},
		{"read by a generated column", "CREATE TABLE a (id bigint PRIMARY KEY, n int, m int GENERATED ALWAYS AS (n * 2) STORED);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "generated column m reads n"},
		{"exclusion", "CREATE TABLE a (id bigint PRIMARY KEY, n int, EXCLUDE USING btree (n WITH =));",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "pgsafe does not rebuild constraint a_n_excl on the new column"},
		{"two subcommands", "CREATE TABLE a (id bigint PRIMARY KEY, n int, m int);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint, ALTER COLUMN m TYPE bigint;", "give the type change an ALTER TABLE of its own"},
		{"partitioned", "CREATE TABLE a (id bigint, n int, PRIMARY KEY (id)) PARTITION BY RANGE (id);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "a is partitioned or a partition"},
		{"NOT NULL on 11", "-- test: pg-version=11\nCREATE TABLE a (id bigint PRIMARY KEY, n int NOT NULL);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "before PostgreSQL 12 SET NOT NULL on the new column scans the table"},
		{"taken name", "CREATE TABLE a (id bigint PRIMARY KEY, n int, n_pgsafe_new bigint);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "a already has a column n_pgsafe_new"},
		{"materialized view", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE MATERIALIZED VIEW v AS SELECT n FROM a;",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "materialized view v reads n"},
		{"view of every column", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT * FROM a;",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "view v reads n through *"},
		{"view of a view", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT id, n FROM a; CREATE VIEW w AS SELECT n FROM v;",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "view v reads n, and view w reads the view"},
		{"renamed view column", "CREATE TABLE a (id bigint PRIMARY KEY, n int, m int); CREATE VIEW v AS SELECT n, m FROM a; ALTER TABLE a RENAME COLUMN m TO k;",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "view v reads n, and pgsafe does not know its definition as it stands"},
		{"altered view", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT n FROM a; ALTER VIEW v SET (security_barrier = true);",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "view v reads n, and pgsafe does not know its definition"},
		{"view dropped by hand", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE VIEW v AS SELECT n FROM a;",
			"DROP VIEW v;\nALTER TABLE a ALTER COLUMN n TYPE bigint;\nCREATE VIEW v AS SELECT n FROM a;", "view v, dropped earlier in the file and created again later, would be missing"},
		{"function body", "CREATE TABLE a (id bigint PRIMARY KEY, n int); CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT n FROM a; END;",
			"ALTER TABLE a ALTER COLUMN n TYPE bigint;", "function f() reads n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := typeChangeFinding(t, c.schema, c.change)
			require.Len(t, d.Fixes, 1)
			assert.Equal(t, rules.DisplayOnly, d.Fixes[0].Safety)
			assert.Contains(t, d.Fixes[0].Title, c.why)
		})
	}
}

// typeChangeFinding lints schema and then change as two migrations and
// returns the finding of column-type-change on change.
func typeChangeFinding(t *testing.T, schema, change string) rules.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	files := []source.File{{Path: filepath.Join(dir, "001_schema.sql"), Text: schema}, {Path: filepath.Join(dir, "002_change.sql"), Text: change}}
	r := rules.Lookup(rules.All(), "column-type-change")
	res := lint.Run(files, ruletest.Options(t, []*rules.Rule{r}, files))
	rewrite.Place(res)
	for _, d := range res.Diagnostics {
		if d.Rule == r && d.Path == files[1].Path {
			return d
		}
	}
	require.Fail(t, "no finding of column-type-change", "%v", res.Diagnostics)
	return rules.Diagnostic{}
}
