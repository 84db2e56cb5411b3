package schemaload_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/schemaload"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// ddl covers every kind of object the catalog models.
const ddl = `
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE app.tickets;
CREATE TABLE users (
	id bigserial PRIMARY KEY,
	code int GENERATED ALWAYS AS IDENTITY,
	email varchar(255) NOT NULL UNIQUE,
	"Display Name" text DEFAULT 'anonymous',
	score numeric(10, 2) DEFAULT 0 CHECK (score >= 0),
	doubled numeric GENERATED ALWAYS AS (score * 2) STORED,
	feeling mood
);
CREATE TABLE app.orders (
	id bigint,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	placed date NOT NULL,
	total numeric,
	PRIMARY KEY (id, placed)
) PARTITION BY RANGE (placed);
CREATE TABLE app.orders_2024 PARTITION OF app.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX users_lower_email_idx ON users (lower(email));
CREATE INDEX users_score_idx ON users (score) WHERE score > 0;
CREATE VIEW active AS SELECT id, email FROM users WHERE score > 0;
CREATE VIEW active_emails AS SELECT email FROM active;
CREATE MATERIALIZED VIEW totals AS SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id;
CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$;
CREATE FUNCTION touch(i bigint) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE users SET score = score + 1 WHERE id = i; END $$;
CREATE FUNCTION ids() RETURNS SETOF bigint LANGUAGE sql BEGIN ATOMIC SELECT id FROM users; END;
`

func run(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, sql)
	require.NoError(t, err)
}

// TestFromDatabase checks that the introspected catalog equals the
// catalog replayed from the DDL that built the database, and the one
// replayed from pg_dump's output.
func TestFromDatabase(t *testing.T) {
	url := pgtest.NewDatabase(t)
	run(t, url, ddl)

	got, err := schemaload.FromDatabase(context.Background(), url)
	require.NoError(t, err)
	want, err := schemaload.FromDump("ddl.sql", ddl)
	require.NoError(t, err)
	assert.Empty(t, schema.Diff(got, want))

	assert.Equal(t, []string{"sad", "ok", "happy"}, got.Enum("public.mood").Values)
	assert.NotNil(t, got.Sequence("app.tickets"))
	assert.NotNil(t, got.Schema("app"))
	for _, key := range []string{"public.user_count", "public.touch", "public.ids"} {
		assert.Len(t, got.Functions(key), 1, key)
	}
	users := got.Table("public.users")
	require.NotNil(t, users)
	var deps []string
	for _, d := range got.Dependents(users.ID, users.Column("email").Num) {
		deps = append(deps, d.Name)
	}
	assert.Equal(t, []string{"public.active"}, deps)
	active := got.Table("public.active")
	require.NotNil(t, active)
	deps = nil
	for _, d := range got.Dependents(active.ID, 0) {
		deps = append(deps, d.Name)
	}
	assert.Equal(t, []string{"public.active_emails"}, deps, "a view is created after the views it reads")

	dump := pgDump(t, url)
	fromDump, err := schemaload.FromDump("dump.sql", dump)
	require.NoError(t, err)
	assert.Empty(t, schema.Diff(fromDump, want))
}

// pgDump runs pg_dump --schema-only, skipping when it is not installed.
func pgDump(t *testing.T, url string) string {
	t.Helper()
	bin, err := pgBin("pg_dump")
	if err != nil {
		t.Skip(err)
	}
	out, err := exec.Command(bin, "--schema-only", "--no-owner", url).Output()
	require.NoError(t, err)
	return string(out)
}

// pgBin finds a PostgreSQL client binary on PATH or in the usual folders.
func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", exec.ErrNotFound
}

func TestFromDumpBlanksMetaCommands(t *testing.T) {
	cat, err := schemaload.FromDump("d.sql", "\\restrict abc\nCREATE TABLE t (a int);\n\\unrestrict abc\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, cat.Table("public.t").ColumnNames())
	assert.Equal(t, 2, cat.Table("public.t").Line, "lines keep their numbers")

	_, err = schemaload.FromDump("d.sql", "CREATE TABLE (;")
	assert.ErrorContains(t, err, "d.sql:1:")
}
