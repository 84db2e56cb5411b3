package pgast_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

func parseOne(t *testing.T, sql string) *pg.Node {
	t.Helper()
	tree, err := pg.Parse(sql)
	require.NoError(t, err)
	require.Len(t, tree.GetStmts(), 1)
	return tree.GetStmts()[0].GetStmt()
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"email":     "email",
		"order":     `"order"`,
		"user":      `"user"`,
		"name":      "name", // unreserved keyword
		"Email":     `"Email"`,
		"two words": `"two words"`,
		`a"b`:       `"a""b"`,
	} {
		assert.Equal(t, want, pgast.QuoteIdent(in), in)
	}
	assert.Equal(t, "accounts", pgast.QuoteName("public.accounts"))
	assert.Equal(t, `billing."order"`, pgast.QuoteName("billing.order"))
}

func TestSoleColumn(t *testing.T) {
	for sql, want := range map[string]string{
		"ALTER TABLE t ADD CHECK (a > 0)":                "a",
		"ALTER TABLE t ADD CHECK (a > 0 AND a < t.a)":    "a",
		"ALTER TABLE t ADD CHECK (a < b)":                "",
		"ALTER TABLE t ADD CHECK (now() > '2020-01-01')": "",
	} {
		con := pgast.AddedConstraints(parseOne(t, sql).GetAlterTableStmt())[0].Constraint
		assert.Equal(t, want, pgast.SoleColumn(con.GetRawExpr()), sql)
	}
}

func TestAddedConstraints(t *testing.T) {
	st := parseOne(t, "ALTER TABLE t ADD COLUMN x int UNIQUE NOT NULL, ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES p (c, d), ALTER COLUMN y SET NOT NULL").GetAlterTableStmt()
	added := pgast.AddedConstraints(st)
	require.Len(t, added, 3)
	assert.Equal(t, pg.ConstrType_CONSTR_UNIQUE, added[0].Constraint.GetContype())
	assert.Equal(t, []string{"x"}, added[0].Columns())
	assert.Equal(t, pg.ConstrType_CONSTR_NOTNULL, added[1].Constraint.GetContype())
	assert.Nil(t, added[2].Column)
	assert.Equal(t, []string{"a", "b"}, added[2].Columns())
	assert.Len(t, pgast.AlterCmds(st, pg.AlterTableType_AT_SetNotNull), 1)
}

func TestConcurrently(t *testing.T) {
	for sql, want := range map[string]string{
		"CREATE INDEX CONCURRENTLY i ON t (a)":          "CREATE INDEX CONCURRENTLY",
		"CREATE INDEX i ON t (a)":                       "",
		"DROP INDEX CONCURRENTLY i":                     "DROP INDEX CONCURRENTLY",
		"REINDEX INDEX CONCURRENTLY i":                  "REINDEX CONCURRENTLY",
		"REINDEX (CONCURRENTLY) TABLE t":                "REINDEX CONCURRENTLY",
		"REINDEX (CONCURRENTLY false) TABLE t":          "",
		"REINDEX TABLE t":                               "",
		"ALTER TABLE p DETACH PARTITION c CONCURRENTLY": "DETACH PARTITION CONCURRENTLY",
		"ALTER TABLE p DETACH PARTITION c":              "",
		"REFRESH MATERIALIZED VIEW CONCURRENTLY mv":     "",
	} {
		assert.Equal(t, want, pgast.Concurrently(parseOne(t, sql)), sql)
	}
}

func TestEndsTransactions(t *testing.T) {
	for sql, want := range map[string]bool{
		"DO $$BEGIN UPDATE t SET a = 1; COMMIT; END$$":           true,
		"DO $$BEGIN UPDATE t SET a = 1; rollback; END$$":         true,
		"DO $$BEGIN RAISE NOTICE 'COMMIT'; END$$":                false,
		"DO $$BEGIN -- COMMIT later\n UPDATE t SET a = 1; END$$": false,
		"DO LANGUAGE plpgsql $$BEGIN PERFORM 1; END$$":           false,
		"CALL backfill()":                      true,
		"UPDATE t SET a = 1":                   false,
		"DO $x$BEGIN EXECUTE 'COMMIT'; END$x$": false,
	} {
		tree, err := pg.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := pgast.EndsTransactions(tree.GetStmts()[0].GetStmt()); got != want {
			t.Errorf("%s: got %v, want %v", sql, got, want)
		}
	}
}
