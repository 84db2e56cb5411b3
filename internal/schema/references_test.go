package schema_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/schema"
)

func replay(t *testing.T, sql string) *schema.Catalog {
	t.Helper()
	res, err := pg.Parse(sql)
	require.NoError(t, err)
	cat := schema.New()
	for _, s := range res.GetStmts() {
		cat.Apply(s.GetStmt(), "m.sql")
	}
	return cat
}

func TestForeignKeyReferences(t *testing.T) {
	cat := replay(t, `
CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
CREATE TABLE audit (id bigint, session_id bigint);
ALTER TABLE audit ADD CONSTRAINT audit_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id);
CREATE TABLE tree (id bigint PRIMARY KEY, parent bigint REFERENCES tree (id));
`)
	assert.Equal(t, []string{"public.accounts"}, cat.References("public.sessions"))
	assert.Equal(t, []string{"public.sessions"}, cat.ReferencedBy("public.accounts"))
	assert.Equal(t, []string{"public.audit"}, cat.ReferencedBy("public.sessions"))
	assert.Empty(t, cat.References("public.tree"), "a self-reference is left out")
	assert.Empty(t, cat.References("public.unknown"))

	// A rename follows both ends of the foreign keys.
	renamed := cat.Clone()
	for _, sql := range []string{"ALTER TABLE accounts RENAME TO customers", "ALTER TABLE sessions RENAME TO logins"} {
		res, err := pg.Parse(sql)
		require.NoError(t, err)
		renamed.Apply(res.GetStmts()[0].GetStmt(), "m2.sql")
	}
	assert.Equal(t, []string{"public.customers"}, renamed.References("public.logins"))
	assert.Equal(t, []string{"public.logins"}, renamed.ReferencedBy("public.customers"))
	assert.Equal(t, []string{"public.logins"}, renamed.References("public.audit"))
	assert.Equal(t, []string{"public.accounts"}, cat.References("public.sessions"), "the clone taken before is unchanged")

	// DROP ... CASCADE removes the foreign keys that referenced the table.
	res, err := pg.Parse("DROP TABLE sessions CASCADE")
	require.NoError(t, err)
	dropped := cat.Clone()
	dropped.Apply(res.GetStmts()[0].GetStmt(), "m3.sql")
	assert.Empty(t, dropped.References("public.audit"))
	assert.Equal(t, []string{"public.sessions"}, cat.References("public.audit"), "the clone taken before is unchanged")
}
