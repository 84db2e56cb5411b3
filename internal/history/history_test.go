package history_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// read parses files given as path, text pairs.
func read(t *testing.T, pairs ...string) []*migration.File {
	t.Helper()
	var out []*migration.File
	for i := 0; i < len(pairs); i += 2 {
		f := migration.ReadSQL(pairs[i], pairs[i+1])
		require.Nil(t, f.SyntaxError, pairs[i])
		out = append(out, f)
	}
	return out
}

func moves(h *history.History, files []*migration.File) []string {
	var out []string
	for _, f := range files {
		for _, st := range f.Statements {
			for _, m := range h.Moves(f.Path, st.Index) {
				out = append(out, fmt.Sprintf("%s:%d %s.%s -> %s.%s (copied at %s:%d, table=%v)",
					m.Drop.Path, m.Drop.Line, m.From.Table, m.From.Column, m.To.Table, m.To.Column, m.Copy.Path, m.Copy.Line, m.DropsTable))
			}
		}
	}
	return out
}

func TestMigrationName(t *testing.T) {
	for path, want := range map[string]string{
		"db/20211019000001000003_merge_tables.postgres.up.sql": "merge_tables",
		"db/20211019000001000003_merge_tables.up.sql":          "merge_tables",
		"V1_2__add_users.sql":                                  "add_users",
		"00042_add_users.sql":                                  "add_users",
		"migrations/0001.up.sql":                               "0001.up.sql",
		"deploy/users.sql":                                     "users",
		"20220101_x.autocommit.up.sql":                         "x",
	} {
		assert.Equal(t, want, history.MigrationName(path), path)
	}
}

func TestMovesWithinAWindow(t *testing.T) {
	files := read(t,
		"1_schema.sql", "CREATE TABLE users (id int, email text, bio text);\nCREATE TABLE old (id int, v text);",
		"20240101000001000000_split.sql", "CREATE TABLE profiles (user_id int, bio text);",
		"20240101000001000001_split.sql", "INSERT INTO profiles (user_id, bio) SELECT id, bio FROM users;",
		"20240101000001000002_split.sql", "ALTER TABLE users DROP COLUMN bio;",
		"3_expand.sql", "ALTER TABLE users ADD COLUMN mail text;\nUPDATE users SET mail = email;",
		"4_contract.sql", "ALTER TABLE users DROP COLUMN email;",
		"5_archive.sql", "CREATE TABLE archive (id int, v text);\nINSERT INTO archive SELECT * FROM old;\nDROP TABLE old;",
	)
	h := history.Build(files, nil, history.Options{})
	assert.Equal(t, []string{
		"20240101000001000002_split.sql:1 public.users.bio -> public.profiles.bio (copied at 20240101000001000001_split.sql:1, table=false)",
		"5_archive.sql:3 public.old.id -> public.archive.id (copied at 5_archive.sql:2, table=true)",
		"5_archive.sql:3 public.old.v -> public.archive.v (copied at 5_archive.sql:2, table=true)",
	}, moves(h, files), "3 and 4 are separate windows")
	texts := make([]string, len(files))
	for i, f := range files {
		texts[i] = f.Text
	}
	assert.Equal(t, moves(h, files), moves(history.Build(files, nil, history.Options{Texts: texts}), files),
		"the texts only let windows without DROP skip resolving their copies")

	// With 3 and 4 pending, they ship together.
	pending := map[string]bool{"3_expand.sql": true, "4_contract.sql": true}
	h = history.Build(files, nil, history.Options{Pending: func(p string) bool { return pending[p] }})
	assert.Contains(t, moves(h, files), "4_contract.sql:1 public.users.email -> public.users.mail (copied at 3_expand.sql:2, table=false)")
	assert.True(t, h.IsPending("3_expand.sql"))
	assert.False(t, h.IsPending("1_schema.sql"))
}

func TestLaterChangesAndUses(t *testing.T) {
	files := read(t,
		"1.sql", "CREATE TABLE users (id int, email text);\nCREATE TABLE teams (id int);",
		"2.sql", "ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME TO people;",
		"3.sql", "DROP TABLE teams;",
	)
	queries := read(t, "q.sql", "SELECT * FROM people;\nINSERT INTO teams VALUES (1);\nSELECT id FROM people;")
	h := history.Build(files, queries, history.Options{Pending: func(p string) bool { return p != "2.sql" }})

	people := h.RelationID("public.people")
	require.NotZero(t, people)
	assert.Equal(t, people, h.RelationID("public.users"), "a renamed table keeps its ID")
	var got []string
	for _, ev := range h.LaterChanges(people, "1.sql") {
		got = append(got, fmt.Sprintf("%s:%d %s", ev.Path, ev.Line, ev.Kind))
	}
	assert.Equal(t, []string{"2.sql:1 adds column", "2.sql:2 renames"}, got)
	assert.Empty(t, h.LaterChanges(people, "q.sql"), "2.sql is deployed: a query meets only pending changes")

	teams := h.RelationID("public.teams")
	require.NotZero(t, teams, "a dropped table is still found by name")
	require.Len(t, h.LaterChanges(teams, "q.sql"), 1)
	assert.Equal(t, schema.TableDropped, h.LaterChanges(teams, "q.sql")[0].Kind)

	var uses []string
	for _, id := range []int{people, teams} {
		for _, u := range h.Uses(id) {
			uses = append(uses, fmt.Sprintf("%s:%d %s star=%v", u.Path, u.Line, u.Key, u.Star))
		}
	}
	assert.Equal(t, []string{"q.sql:1 public.people star=true", "q.sql:2 public.teams star=false"}, uses)

	require.Len(t, h.At("2.sql", 1), 1)
	assert.Equal(t, schema.TableRenamed, h.At("2.sql", 1)[0].Kind)
	assert.Nil(t, h.At("q.sql", 0))
	assert.True(t, h.IsMigration("1.sql"))
	assert.False(t, h.IsMigration("q.sql"))
	assert.NotNil(t, h.Final().Table("public.people"))
}

func TestBaseline(t *testing.T) {
	base := schema.New()
	base.Apply(read(t, "b.sql", "CREATE TABLE legacy (id int, v text);")[0].Statements[0].Node, "b.sql")
	files := read(t, "1.sql", "ALTER TABLE legacy DROP COLUMN v;")
	b := history.NewBuilder([]string{"1.sql"}, history.Options{Base: base})
	b.Begin(files[0])
	assert.Equal(t, []string{"id", "v"}, b.Catalog().Table("public.legacy").ColumnNames(), "the set starts from the baseline")
	b.Statement(files[0].Statements[0])
	h := b.Finish(nil)
	assert.Equal(t, []string{"id"}, h.Final().Table("public.legacy").ColumnNames())
	assert.Equal(t, []string{"id", "v"}, base.Table("public.legacy").ColumnNames(), "the baseline is not changed")
}

func TestIndexAndChanges(t *testing.T) {
	files := read(t,
		"db/1_schema.sql", "CREATE TABLE users (id int, email text);",
		"db/2_change.sql", "ALTER TABLE users ADD COLUMN mail text;\nSELECT 1;\nALTER TABLE users DROP COLUMN email;",
	)
	h := history.Build(files, nil, history.Options{})
	i, ok := h.Index("db/2_change.sql")
	assert.True(t, ok)
	assert.Equal(t, 1, i)
	i, ok = h.Index("db/./2_change.sql")
	assert.True(t, ok, "the same file, written otherwise")
	assert.Equal(t, 1, i)
	_, ok = h.Index("db/3_none.sql")
	assert.False(t, ok)

	var got []string
	for _, ev := range h.Changes("db/2_change.sql") {
		got = append(got, fmt.Sprintf("%d %s %s", ev.Stmt, ev.Kind, ev.Column))
	}
	assert.Equal(t, []string{"0 adds column mail", "2 drops column email"}, got)
	assert.Nil(t, h.Changes("db/3_none.sql"))
}

// TestToday checks the schema that the deployed code was built for: the
// pending changes to the columns undone (an added column removed, a
// dropped one back at its place, a rename and a type change reversed),
// deployed ones kept, and a query's * resolved against it.
func TestToday(t *testing.T) {
	files := read(t,
		"1.sql", "CREATE TABLE clients (id bigint, name text, secret text, n integer);",
		"2.sql", "ALTER TABLE clients ADD COLUMN kept text;",
		"3.sql", "ALTER TABLE clients DROP COLUMN name;\nALTER TABLE clients RENAME COLUMN secret TO hash;",
		"4.sql", "ALTER TABLE clients ALTER COLUMN n TYPE bigint, ADD COLUMN logo text;",
	)
	queries := read(t, "q.sql", "SELECT * FROM clients;")
	pending := func(p string) bool { return p == "3.sql" || p == "4.sql" }
	h := history.Build(files, queries, history.Options{Pending: pending})

	retype := h.At("4.sql", 0)[0]
	assert.Equal(t, schema.ColumnRetyped, retype.Kind)
	assert.Equal(t, "int4", retype.OldType)
	assert.Equal(t, "int8", retype.Type)

	var cols []string
	for _, c := range h.Today().Table("public.clients").Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	assert.Equal(t, []string{"id int8", "name ", "secret text", "n int4", "kept text"}, cols,
		"a dropped column's type is not recorded")
	var final []string
	for _, c := range h.Final().Table("public.clients").Columns {
		final = append(final, c.Name)
	}
	assert.Equal(t, []string{"id", "hash", "n", "kept", "logo"}, final, "the final catalog is left alone")

	stars := h.TodayStars("q.sql", 0)
	require.Len(t, stars, 1)
	var star []string
	for _, c := range stars[0].Columns {
		star = append(star, c.Name)
	}
	assert.Equal(t, []string{"id", "name", "secret", "n", "kept"}, star)
	assert.Nil(t, h.TodayStars("q.sql", 1), "no such statement")
	assert.Nil(t, h.TodayStars("1.sql", 0), "not a query file")
}
