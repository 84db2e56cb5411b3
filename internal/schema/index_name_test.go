package schema_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/schema"
)

func apply(t *testing.T, c *schema.Catalog, sql string) {
	t.Helper()
	tree, err := pg.Parse(sql)
	require.NoError(t, err)
	for _, st := range tree.GetStmts() {
		c.Apply(st.GetStmt(), "test.sql")
	}
}

// TestUnnamedIndex checks that an index created without a name is recorded
// under the name PostgreSQL chooses, numbered when the name is taken.
func TestUnnamedIndex(t *testing.T) {
	c := schema.New()
	apply(t, c, `CREATE TABLE t (a int, b text);
		CREATE INDEX ON t (a, b);
		CREATE INDEX ON t (a, b);
		CREATE INDEX ON t (lower(b)) INCLUDE (a);
		CREATE INDEX ON t ((a + 1));`)
	for name, cols := range map[string][]string{
		"t_a_b_idx":     {"a", "b"},
		"t_a_b_idx1":    {"a", "b"},
		"t_lower_a_idx": {""},
		"t_expr_idx":    {""},
	} {
		ix := c.Index("public." + name)
		require.NotNil(t, ix, name)
		assert.Equal(t, "public.t", ix.Table)
		assert.Equal(t, cols, ix.Columns)
	}
}

func TestRenameColumnUpdatesConstraintsAndIndexes(t *testing.T) {
	c := schema.New()
	for _, sql := range []string{
		"CREATE TABLE t (pk serial PRIMARY KEY, a int)",
		"CREATE INDEX t_pk_a ON t (pk, a)",
		"ALTER TABLE t RENAME pk TO pk_old",
	} {
		tree, err := pg.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		c.Apply(tree.GetStmts()[0].GetStmt(), "x.sql")
	}
	tab := c.Table("public.t")
	if got := tab.Constraint("t_pkey").Columns; len(got) != 1 || got[0] != "pk_old" {
		t.Errorf("primary key columns = %v, want [pk_old]", got)
	}
	if got := c.Index("public.t_pk_a").Columns; got[0] != "pk_old" || got[1] != "a" {
		t.Errorf("index columns = %v, want [pk_old a]", got)
	}
}
