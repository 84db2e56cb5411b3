package rewrite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// TestRenameKeepsBothNamesInSync runs the expand part of the rename's
// rewrite on a real PostgreSQL while code of the old release writes the
// table under the old name, then writes it as both releases do between
// expand and contract, under the old name and the new one, and checks
// that every row holds one value under both names at every point; then
// it runs the contract and checks that the values stay under the new
// name, with the rename's schema.
func TestRenameKeepsBothNamesInSync(t *testing.T) {
	const rows = 5000
	_, files := fixWith(t, tool.GolangMigrate,
		"m/1_accounts.up.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'anonymous', plan text);\n"+
			"CREATE UNIQUE INDEX accounts_name_plan_key ON accounts (name, plan);\n",
		"m/1_accounts.down.sql", "DROP TABLE accounts;\n",
		"m/2_rename.up.sql", "ALTER TABLE accounts RENAME COLUMN name TO full_name;\n",
		"m/2_rename.down.sql", "ALTER TABLE accounts RENAME COLUMN full_name TO name;\n",
	)
	var expand, contracts []namedText
	for _, p := range names(files) {
		if !strings.HasSuffix(p, ".up.sql") || p == "m/1_accounts.up.sql" {
			continue
		}
		if strings.Contains(files[p], "-- "+contract.Directive+" after 2_rename.up.sql") {
			contracts = append(contracts, namedText{p, files[p]})
		} else {
			expand = append(expand, namedText{p, files[p]})
		}
	}
	require.Len(t, contracts, 1, "one contract migration: %v", names(files))
	require.Greater(t, len(expand), 1, "the expand's steps: %v", names(files))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t)
	run := func(texts []namedText) {
		t.Helper()
		for _, f := range parsed(t, texts) {
			r := &runner{url: url, setup: &setup{after: map[string]string{}, instead: map[string]string{}}}
			require.NoError(t, r.file(ctx, f))
		}
	}
	run([]namedText{{"m/1_accounts.up.sql", files["m/1_accounts.up.sql"]}})
	pool := connect(ctx, t, url)
	_, err := pool.Exec(ctx, fmt.Sprintf("INSERT INTO accounts (id, name, plan) SELECT g * 2, 'user ' || g, 'p' || g %% 7 FROM generate_series(1, %d) g", rows))
	require.NoError(t, err)

	// Code of the old release writes the table while the expand runs:
	// it inserts odd keys and renames rows, under the old name only.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	writes := make([]int, 2)
	errs := make(chan error, 2)
	for w := range 2 {
		conn := connect(ctx, t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				// At least 200 writes each, however fast the expand runs.
				select {
				case <-stop:
					if i >= 200 {
						return
					}
				default:
				}
				var err error
				if w == 0 {
					_, err = conn.Exec(ctx, "INSERT INTO accounts (id, name) VALUES ($1, $2)", 2*(rows+i)+1, fmt.Sprintf("old %d", i))
				} else {
					_, err = conn.Exec(ctx, "UPDATE accounts SET name = name || '+' WHERE id = $1", 2*(i%rows+1))
				}
				if err != nil {
					errs <- err
					return
				}
				writes[w]++
			}
		}()
	}
	run(expand)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "a write of the old release during the expand")
	}
	t.Logf("during the expand, the old release inserted %d rows and updated %d", writes[0], writes[1])
	requireInSync(ctx, t, pool)

	// Between expand and contract, both releases write.
	type write struct {
		what, sql string
		args      []any
		// id and want are the row the write leaves and its value under both names.
		id   int
		want string
	}
	big := 2*(rows+writes[0]) + 2*rows // above every key the old release inserted
	for _, w := range []write{
		{"old INSERT naming the old column", "INSERT INTO accounts (id, name, plan) VALUES ($1, 'a', 'x')", []any{big + 1}, big + 1, "a"},
		{"new INSERT naming the new column", "INSERT INTO accounts (id, full_name, plan) VALUES ($1, 'b', 'x')", []any{big + 2}, big + 2, "b"},
		{"old INSERT naming neither", "INSERT INTO accounts (id, plan) VALUES ($1, 'y')", []any{big + 3}, big + 3, "anonymous"},
		{"new INSERT naming neither", "INSERT INTO accounts (id) VALUES ($1)", []any{big + 4}, big + 4, "anonymous"},
		{"INSERT naming both", "INSERT INTO accounts (id, name, full_name) VALUES ($1, 'c', 'c')", []any{big + 5}, big + 5, "c"},
		{"old UPDATE of the old column", "UPDATE accounts SET name = 'd' WHERE id = $1", []any{2}, 2, "d"},
		{"new UPDATE of the new column", "UPDATE accounts SET full_name = 'e' WHERE id = $1", []any{4}, 4, "e"},
		{"UPDATE that sets both: the new name wins", "UPDATE accounts SET name = 'f', full_name = 'g' WHERE id = $1", []any{6}, 6, "g"},
		{"UPDATE of another column", "UPDATE accounts SET plan = 'z' WHERE id = $1", []any{2}, 2, "d"},
		{"new upsert", "INSERT INTO accounts (id, full_name) VALUES ($1, 'h') ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name", []any{8}, 8, "h"},
		{"old upsert", "INSERT INTO accounts (id, name) VALUES ($1, 'i') ON CONFLICT (id) DO UPDATE SET name = excluded.name", []any{8}, 8, "i"},
		{"old UPDATE of a new row", "UPDATE accounts SET name = 'j' WHERE id = $1", []any{big + 2}, big + 2, "j"},
		{"new UPDATE of an old row", "UPDATE accounts SET full_name = 'k' WHERE id = $1", []any{big + 1}, big + 1, "k"},
	} {
		_, err := pool.Exec(ctx, w.sql, w.args...)
		require.NoError(t, err, w.what)
		var name, fullName string
		require.NoError(t, pool.QueryRow(ctx, "SELECT name, full_name FROM accounts WHERE id = $1", w.id).Scan(&name, &fullName), w.what)
		assert.Equal(t, []string{w.want, w.want}, []string{name, fullName}, "%s: name and full_name", w.what)
	}
	// NOT NULL holds under both names, as it did under the old one.
	_, err = pool.Exec(ctx, "INSERT INTO accounts (id, name) VALUES ($1, NULL)", big+6)
	require.ErrorContains(t, err, "not-null", "the old column stays NOT NULL")
	_, err = pool.Exec(ctx, "UPDATE accounts SET full_name = NULL WHERE id = $1", 2)
	require.ErrorContains(t, err, "violates", "the new column refuses NULL")
	requireInSync(ctx, t, pool)

	var before string
	require.NoError(t, pool.QueryRow(ctx, "SELECT string_agg(id || '=' || full_name, ',' ORDER BY id) FROM accounts").Scan(&before))
	run(contracts)
	var after string
	require.NoError(t, pool.QueryRow(ctx, "SELECT string_agg(id || '=' || full_name, ',' ORDER BY id) FROM accounts").Scan(&after))
	assert.Equal(t, before, after, "the contract keeps every value under the new name")
	var cols, defaults string
	require.NoError(t, pool.QueryRow(ctx, `SELECT string_agg(column_name || ':' || is_nullable, ',' ORDER BY column_name),
		string_agg(column_name || ':' || coalesce(column_default, ''), ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'accounts'`).Scan(&cols, &defaults))
	assert.Equal(t, "full_name:NO,id:NO,plan:YES", cols)
	assert.Equal(t, "full_name:'anonymous'::text,id:,plan:", defaults)
	_, err = pool.Exec(ctx, "INSERT INTO accounts (id, plan) VALUES ($1, 'p1')", big+7)
	require.NoError(t, err, "new code after the contract")
}

// requireInSync fails unless every row of accounts holds one value under
// both names.
func requireInSync(ctx context.Context, t *testing.T, pool *pgx.Conn) {
	t.Helper()
	var n, apart int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE name IS DISTINCT FROM full_name) FROM accounts").Scan(&n, &apart))
	require.Zero(t, apart, "rows whose name and full_name differ, of %d", n)
}

// parsed reads files, paths relative to a folder and texts, as
// golang-migrate runs them, in migration order.
func parsed(t *testing.T, files []namedText) []*migration.File {
	t.Helper()
	dir := t.TempDir()
	var out []namedText
	for _, f := range files {
		out = append(out, namedText{filepath.Join(dir, filepath.FromSlash(f.path)), f.text})
	}
	fx := fixture{path: dir, opts: lint.Options{Tools: []tool.Setting{{Tool: tool.GolangMigrate, Source: tool.FromConfig}}}}
	for i := range out {
		rel, err := filepath.Rel(dir, out[i].path)
		require.NoError(t, err)
		out[i].path = filepath.Join(fx.dir(), rel)
	}
	return migrations(t, fx, out)
}

// connect opens a connection that the test closes at its end.
func connect(ctx context.Context, t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
