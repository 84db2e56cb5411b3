package pgast_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// defaultExpr parses "ALTER TABLE t ADD c int DEFAULT <expr>" and returns
// the default's expression.
func defaultExpr(t *testing.T, expr string) *pg.Node {
	t.Helper()
	res, err := pg.Parse("ALTER TABLE t ADD c int DEFAULT " + expr)
	require.NoError(t, err)
	cd := res.GetStmts()[0].GetStmt().GetAlterTableStmt().GetCmds()[0].GetAlterTableCmd().GetDef().GetColumnDef()
	return cd.GetConstraints()[0].GetConstraint().GetRawExpr()
}

func TestFirstVolatileCall(t *testing.T) {
	cases := []struct {
		expr  string
		call  string // "" when none is volatile
		known bool
	}{
		{"0", "", false},
		{"now()", "", false},
		{"CURRENT_TIMESTAMP", "", false},
		{"pg_catalog.now()", "", false},
		{"lower('X') || 'y'", "", false},
		{"'{}'::jsonb", "", false},
		{"gen_random_uuid()", "gen_random_uuid", true},
		{"public.uuid_generate_v4()", "public.uuid_generate_v4", true},
		{"lower(md5(random()::text))", "random", true},
		{"nextval('s')", "nextval", true},
		{"make_code()", "make_code", false},
		{"public.lower('x')", "public.lower", false},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			fc, known := pgast.FirstVolatileCall(defaultExpr(t, c.expr))
			if c.call == "" {
				assert.Nil(t, fc)
				return
			}
			require.NotNil(t, fc)
			assert.Equal(t, c.call, pgast.FuncName(fc))
			assert.Equal(t, c.known, known)
		})
	}
}

func TestOptionOn(t *testing.T) {
	cases := map[string]bool{
		"VACUUM FULL t":           true,
		"VACUUM (FULL) t":         true,
		"VACUUM (FULL true) t":    true,
		"VACUUM (FULL on) t":      true,
		"VACUUM (FULL 1) t":       true,
		"VACUUM (FULL false) t":   false,
		"VACUUM (FULL off) t":     false,
		"VACUUM (FULL 0) t":       false,
		"VACUUM (ANALYZE) t":      false,
		"VACUUM (FULL, FULL 0) t": false,
	}
	for sql, want := range cases {
		res, err := pg.Parse(sql)
		require.NoError(t, err)
		opts := res.GetStmts()[0].GetStmt().GetVacuumStmt().GetOptions()
		assert.Equal(t, want, pgast.OptionOn(opts, "full"), sql)
	}
}
