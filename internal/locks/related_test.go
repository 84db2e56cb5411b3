package locks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgtest"
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
	involving := map[string][]locks.ForeignKey{}
	for _, fk := range []locks.ForeignKey{
		{Name: "sessions_account_fk", Table: "public.sessions", Columns: []string{"account_id"}, References: "public.accounts", RefColumns: []string{"id"}},
		{Name: "audit_session_fk", Table: "public.audit", Columns: []string{"session_id"}, References: "public.sessions", RefColumns: []string{"id"}},
	} {
		involving[fk.Table] = append(involving[fk.Table], fk)
		involving[fk.References] = append(involving[fk.References], fk)
	}
	fks.Involving = func(t string) []locks.ForeignKey { return involving[t] }
	for sql, want := range map[string][]locks.Lock{
		"ALTER TABLE sessions DROP CONSTRAINT sessions_account_fk":    {ae("public.accounts")},
		"ALTER TABLE sessions DROP CONSTRAINT sessions_pkey":          nil,
		"ALTER TABLE sessions DROP COLUMN account_id":                 {ae("public.accounts")},
		"ALTER TABLE sessions DROP COLUMN id":                         nil,
		"ALTER TABLE sessions DROP COLUMN id CASCADE":                 {ae("public.audit")},
		"ALTER TABLE sessions ALTER COLUMN id TYPE bigint":            {ae("public.audit")},
		"ALTER TABLE sessions ALTER COLUMN account_id TYPE bigint":    {ae("public.accounts")},
		"ALTER TABLE sessions ADD COLUMN note text, DROP COLUMN note": nil,
	} {
		cases[sql] = want
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

// TestRelatedMatchesPgLocks checks Related's claims on a real PostgreSQL:
// the lock pg_locks shows on a table that the statement reaches only
// through a foreign key.
func TestRelatedMatchesPgLocks(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	const fkSchema = `
CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
CREATE TABLE logins (id bigint PRIMARY KEY, session_id bigint REFERENCES sessions (id));
`
	refs := map[string][]string{"public.sessions": {"public.accounts"}, "public.logins": {"public.sessions"}}
	by := map[string][]string{"public.accounts": {"public.sessions"}, "public.sessions": {"public.logins"}}
	fks := locks.ForeignKeys{
		References:   func(t string) []string { return refs[t] },
		ReferencedBy: func(t string) []string { return by[t] },
	}
	for _, tc := range []struct{ sql, table string }{
		{"DROP TABLE logins", "sessions"},
		{"DROP TABLE sessions CASCADE", "accounts"},
		{"DROP TABLE sessions CASCADE", "logins"},
		{"TRUNCATE accounts CASCADE", "sessions"},
		{"TRUNCATE accounts CASCADE", "logins"},
	} {
		t.Run(tc.sql+"/"+tc.table, func(t *testing.T) {
			_, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"+fkSchema)
			require.NoError(t, err)
			tx, err := conn.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			var oid uint32
			require.NoError(t, tx.QueryRow(ctx, "SELECT $1::regclass::oid", tc.table).Scan(&oid))
			_, err = tx.Exec(ctx, tc.sql)
			require.NoError(t, err)
			var got string
			require.NoError(t, tx.QueryRow(ctx, `SELECT coalesce(string_agg(mode, ','), '') FROM pg_locks
				WHERE locktype = 'relation' AND pid = pg_backend_pid() AND relation = $1`, oid).Scan(&got))
			want := locks.Strongest(locks.Related(node(t, tc.sql), fks), "public."+tc.table)
			assert.Contains(t, strings.Split(got, ","), want.PgLocksName(), "model says %s; PostgreSQL took %s", want, got)
		})
	}
}
