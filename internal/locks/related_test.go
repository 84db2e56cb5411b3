package locks_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/locks"
)

func TestRelated(t *testing.T) {
	// accounts <- sessions <- audit, by foreign keys.
	refs := map[string][]string{"public.sessions": {"public.accounts"}, "public.audit": {"public.sessions"}}
	by := map[string][]string{"public.accounts": {"public.sessions"}, "public.sessions": {"public.audit"}}
	fks := locks.ForeignKeys{
		References:   func(t string) []string { return refs[t] },
		ReferencedBy: func(t string) []string { return by[t] },
	}
	ae := func(rel string) locks.Lock {
		return locks.Lock{Relation: rel, Mode: locks.AccessExclusive, Role: locks.RoleReferenced}
	}
	cases := map[string][]locks.Lock{
		"DROP TABLE sessions":              {ae("public.accounts")},
		"DROP TABLE sessions CASCADE":      {ae("public.accounts"), ae("public.audit")},
		"DROP TABLE sessions, accounts":    nil,
		"TRUNCATE accounts":                nil,
		"TRUNCATE accounts CASCADE":        {ae("public.sessions"), ae("public.audit")},
		"TRUNCATE accounts, audit CASCADE": {ae("public.sessions")},
		"DROP INDEX sessions_idx":          nil,
	}
	for sql, want := range cases {
		res, err := pg.Parse(sql)
		require.NoError(t, err)
		assert.Equal(t, want, locks.Related(res.GetStmts()[0].GetStmt(), fks), sql)
	}
}

func TestVacuumFullZero(t *testing.T) {
	for sql, want := range map[string]locks.Mode{
		"VACUUM (FULL 0) t": locks.ShareUpdateExclusive,
		"VACUUM FULL t":     locks.AccessExclusive,
		"ANALYZE t":         locks.ShareUpdateExclusive,
	} {
		res, err := pg.Parse(sql)
		require.NoError(t, err)
		assert.Equal(t, want, locks.Strongest(locks.Statement(res.GetStmts()[0].GetStmt(), 15), "public.t"), sql)
	}
}
