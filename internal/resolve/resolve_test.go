package resolve_test

import (
	"fmt"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/resolve"
)

// catalog is a fixed set of relations for the tests.
type catalog map[string]*resolve.Relation

func (c catalog) Relation(key string) *resolve.Relation { return c[key] }

func table(id int, key string, cols ...string) *resolve.Relation {
	rel := &resolve.Relation{Key: key, ID: id, Complete: true}
	for i, c := range cols {
		rel.Columns = append(rel.Columns, resolve.Column{Name: c, Num: i + 1})
	}
	return rel
}

var testCatalog = catalog{
	"public.users":    table(1, "public.users", "id", "name", "email"),
	"public.orders":   table(2, "public.orders", "id", "user_id", "total"),
	"public.profiles": table(3, "public.profiles", "user_id", "bio"),
	"app.items":       table(4, "app.items", "id", "label"),
}

func resolveSQL(t *testing.T, sql string) *resolve.Result {
	t.Helper()
	tree, err := pg.Parse(sql)
	require.NoError(t, err)
	require.Len(t, tree.GetStmts(), 1)
	return resolve.Statement(tree.GetStmts()[0].GetStmt(), testCatalog)
}

// refs renders refs as "table.column" (table without public.).
func refs(rs []resolve.Ref) string {
	var out []string
	for _, r := range rs {
		t := strings.TrimPrefix(r.Table, "public.")
		if r.Column == "" {
			out = append(out, t)
		} else {
			out = append(out, t+"."+r.Column)
		}
	}
	return strings.Join(out, " ")
}

func starText(st resolve.Star) string {
	var out []string
	for _, c := range st.Columns {
		if c.Qualifier != "" {
			out = append(out, c.Qualifier+"."+c.Name)
		} else {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ", ")
}

func TestStars(t *testing.T) {
	for _, tc := range []struct {
		sql      string
		want     []string // each star's expansion
		complete bool
	}{
		{"SELECT * FROM users", []string{"id, name, email"}, true},
		{"SELECT u.* FROM users u", []string{"u.id, u.name, u.email"}, true},
		{"SELECT * FROM users u JOIN orders o ON o.user_id = u.id", []string{"u.id, u.name, u.email, o.id, o.user_id, o.total"}, true},
		{"SELECT * FROM users JOIN profiles ON true", []string{"users.id, users.name, users.email, profiles.user_id, profiles.bio"}, true},
		{"SELECT * FROM orders JOIN profiles USING (user_id)", []string{"user_id, orders.id, orders.total, profiles.bio"}, true},
		{"SELECT * FROM (SELECT id, name AS n FROM users) s", []string{"id, n"}, true},
		{"SELECT * FROM users x(a, b)", []string{"a, b, email"}, true},
		{"WITH c AS (SELECT id FROM users) SELECT * FROM c", []string{"id"}, true},
		{"SELECT * FROM app.items", []string{"id, label"}, true},
		{"SELECT app.items.* FROM app.items", []string{"items.id, items.label"}, true},
		{"SELECT * FROM unknown_table", []string{""}, false},
		{"SELECT * FROM generate_series(1, 3) g", []string{""}, false},
		{"INSERT INTO users (name) VALUES ('a') RETURNING *", []string{"id, name, email"}, true},
		{"SELECT 1 WHERE EXISTS (SELECT * FROM users)", nil, true},
		{"SELECT * FROM users WHERE id IN (SELECT o.* FROM orders o)", []string{"id, name, email", "o.id, o.user_id, o.total"}, true},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			res := resolveSQL(t, tc.sql)
			var got []string
			complete := true
			for _, st := range res.Stars {
				got = append(got, starText(st))
				complete = complete && st.Complete
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.complete, complete)
		})
	}
}

func TestStarLocationAndReturning(t *testing.T) {
	res := resolveSQL(t, "DELETE FROM users RETURNING users.*")
	require.Len(t, res.Stars, 1)
	assert.True(t, res.Stars[0].Returning)
	assert.True(t, res.Stars[0].Qualified)
	assert.Equal(t, int32(len("DELETE FROM users RETURNING ")), res.Stars[0].Location)
	assert.Equal(t, "users", refs(res.Stars[0].Tables))
}

func TestOutputs(t *testing.T) {
	res := resolveSQL(t, `SELECT u.id, upper(name), o.total::text, coalesce(bio, ''), count(*) AS n, 1, (SELECT max(total) FROM orders)
		FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN profiles p ON p.user_id = u.id`)
	var names, from []string
	for _, o := range res.Outputs {
		names = append(names, o.Name)
		from = append(from, refs(o.From))
	}
	assert.Equal(t, []string{"id", "upper", "total", "coalesce", "n", "?column?", "max"}, names)
	assert.Equal(t, []string{"users.id", "users.name", "orders.total", "profiles.bio", "", "", "orders.total"}, from)
	assert.True(t, res.OutputsComplete)
	// FROM first, then the select list, then WHERE.
	assert.Equal(t, "users orders orders.user_id users.id profiles profiles.user_id users.name orders.total profiles.bio", refs(res.Reads))
}

func TestWrites(t *testing.T) {
	for _, tc := range []struct {
		sql    string
		target string
		writes []string
	}{
		{
			"INSERT INTO profiles (user_id, bio) SELECT id, name || email FROM users",
			"profiles", []string{"profiles.user_id <- users.id", "profiles.bio <- users.name users.email"},
		},
		{
			"INSERT INTO profiles SELECT u.id, o.total FROM users u JOIN orders o ON o.user_id = u.id",
			"profiles", []string{"profiles.user_id <- users.id", "profiles.bio <- orders.total"},
		},
		{
			"INSERT INTO profiles VALUES (1, 'x')",
			"profiles", []string{"profiles.user_id <- ", "profiles.bio <- "},
		},
		{
			"UPDATE profiles p SET bio = u.name FROM users u WHERE u.id = p.user_id",
			"profiles", []string{"profiles.bio <- users.name"},
		},
		{
			"UPDATE users SET email = lower(name) || email",
			"users", []string{"users.email <- users.name users.email"},
		},
		{
			"UPDATE profiles SET bio = (SELECT name FROM users WHERE users.id = profiles.user_id)",
			"profiles", []string{"profiles.bio <- users.name"},
		},
		{
			"UPDATE profiles SET (user_id, bio) = (SELECT id, email FROM users LIMIT 1)",
			"profiles", []string{"profiles.user_id <- users.id", "profiles.bio <- users.email"},
		},
		{
			"WITH moved AS (DELETE FROM orders RETURNING user_id, total) INSERT INTO profiles (user_id, bio) SELECT user_id, total::text FROM moved",
			"profiles", []string{"profiles.user_id <- orders.user_id", "profiles.bio <- orders.total"},
		},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			res := resolveSQL(t, tc.sql)
			assert.Equal(t, tc.target, refs([]resolve.Ref{res.Target}))
			var got []string
			for _, w := range res.Writes {
				got = append(got, fmt.Sprintf("%s <- %s", refs([]resolve.Ref{w.Column}), refs(w.From)))
			}
			assert.Equal(t, tc.writes, got)
		})
	}
}

func TestUnknownRelationsBindByName(t *testing.T) {
	res := resolveSQL(t, "SELECT a, l.b FROM legacy l WHERE l.c = 1")
	assert.Equal(t, "legacy legacy.a legacy.b legacy.c", refs(res.Reads))
	for _, r := range res.Reads {
		assert.Zero(t, r.ID)
	}
	// Two unknown relations: a bare name could be either's.
	res = resolveSQL(t, "SELECT a FROM legacy, other")
	assert.Equal(t, "legacy other", refs(res.Reads))
}

func TestCorrelationAndLateral(t *testing.T) {
	res := resolveSQL(t, `SELECT u.id, x.total FROM users u,
		LATERAL (SELECT total FROM orders WHERE orders.user_id = u.id) x
		WHERE EXISTS (SELECT 1 FROM profiles WHERE profiles.user_id = u.id)`)
	assert.Equal(t, "users orders orders.total orders.user_id users.id profiles profiles.user_id", refs(res.Reads))
	assert.Equal(t, "orders.total", refs(res.Outputs[1].From))
}

func TestRecursiveCTEAndSetOperations(t *testing.T) {
	res := resolveSQL(t, `WITH RECURSIVE tree (uid) AS (SELECT id FROM users UNION ALL SELECT o.user_id FROM orders o JOIN tree ON tree.uid = o.id)
		SELECT * FROM tree UNION SELECT user_id FROM profiles`)
	require.Len(t, res.Outputs, 1)
	assert.Equal(t, "uid", res.Outputs[0].Name)
	assert.Equal(t, "users.id orders.user_id profiles.user_id", refs(res.Outputs[0].From))
	require.Len(t, res.Stars, 1)
	assert.Equal(t, "uid", starText(res.Stars[0]))
}

func TestFigureColname(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT 1::int":                    "int4",
		"SELECT CASE WHEN true THEN 1 END": "case",
		"SELECT greatest(1, 2)":            "greatest",
		"SELECT ARRAY[1]":                  "array",
		"SELECT (SELECT 1 AS x)":           "x",
		"SELECT EXISTS (SELECT 1)":         "exists",
		"SELECT 'a' COLLATE \"C\"":         "?column?",
		"SELECT (users).name FROM users":   "name",
	} {
		res := resolveSQL(t, sql)
		require.Len(t, res.Outputs, 1, sql)
		assert.Equal(t, want, res.Outputs[0].Name, sql)
	}
}
