package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// TestRelatedStatements checks that the findings whose messages name
// another statement of the file point at it (Diagnostic.Related): the
// line of each related statement, and what it is to the finding.
func TestRelatedStatements(t *testing.T) {
	const setup = "CREATE TABLE t (id int PRIMARY KEY, c int, s text);\nCREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t);\nCREATE TYPE mood AS ENUM ('ok');\n"
	for _, c := range []struct {
		code, sql string
		want      []string // line: message
	}{
		{"PS014", "BEGIN;\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_c;\nCOMMIT;\n",
			[]string{"2: the ADD CONSTRAINT ... NOT VALID in the same transaction"}},
		{"PS041", "BEGIN;\nALTER TABLE t ADD COLUMN d int;\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0);\nCREATE INDEX t_s ON t (s);\nCOMMIT;\n",
			[]string{"2: takes ACCESS EXCLUSIVE on t until commit", "4: runs later in the same transaction, with the lock still held"}},
		{"PS005", "CREATE INDEX t_c_idx ON t (c);\n", nil},
		{"PS005", "DROP INDEX IF EXISTS t_c_old;\nDROP INDEX t_pkey_c;\nCREATE INDEX t_pkey_c ON t (c);\n",
			[]string{"2: drops the index that this statement builds again"}},
		{"PS042", "DROP TRIGGER trg ON t;\nCREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\n",
			[]string{"2: creates the trigger again"}},
		{"PS045", "BEGIN;\nALTER TYPE mood ADD VALUE 'sad';\nSELECT 'sad'::mood;\nCOMMIT;\n",
			[]string{"3: uses the new value before the transaction commits"}},
	} {
		t.Run(c.code+" "+strings.SplitN(c.sql, "\n", 2)[0], func(t *testing.T) {
			files := []source.File{{Path: "1.sql", Text: setup}, {Path: "2.sql", Text: c.sql}}
			r := rules.Lookup(rules.All(), c.code)
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(),
				Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}}, Rule: rules.Options{PGVersion: 15}})
			var got []string
			for _, d := range res.Diagnostics {
				if d.Path != "2.sql" {
					continue
				}
				lines := sqlparse.NewLines(c.sql)
				for _, rel := range d.Related {
					assert.Empty(t, rel.Path, "a statement of the finding's file")
					got = append(got, fmt.Sprintf("%d: %s", lines.Position(rel.Span.Start).Line, rel.Message))
				}
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// relatedAt renders a finding's related statements as "path:line:
// message", with the line in the file the statement is in (texts by
// path; "" for the finding's own file).
func relatedAt(d rules.Diagnostic, texts map[string]string) []string {
	var out []string
	for _, rel := range d.Related {
		path := rel.Path
		if path == "" {
			path = d.Path
		}
		line := sqlparse.NewLines(texts[path]).Position(rel.Span.Start).Line
		out = append(out, fmt.Sprintf("%s:%d: %s", rel.Path, line, rel.Message))
	}
	return out
}

// TestRelatedAcrossFiles checks that the findings whose messages name a
// place in another file point at it: a migration that breaks the read
// of a query in Go code (PS056) at the Go query, and at a query file's
// INSERT without a column list; the query's own findings (PS052, PS053)
// at the migration that breaks them; a column dropped after its values
// were copied (PS054) at the copy, in an earlier migration.
func TestRelatedAcrossFiles(t *testing.T) {
	const goSrc = `package store

import "database/sql"

func names(db *sql.DB) error {
	rows, err := db.Query("SELECT * FROM clients")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, secret string
		if err := rows.Scan(&id, &name, &secret); err != nil {
			return err
		}
	}
	return rows.Err()
}
`
	texts := map[string]string{
		"db/001.sql":     "CREATE TABLE clients (id bigint, name text, secret text);\nCREATE TABLE users (id bigint, email text);\n",
		"db/002.sql":     "-- the logo\nALTER TABLE clients ADD COLUMN logo text;\nALTER TABLE users ADD COLUMN email_address text;\nUPDATE users SET email_address = email;\n",
		"db/003.sql":     "ALTER TABLE users DROP COLUMN email;\n",
		"q/insert.sql":   "INSERT INTO clients VALUES (1, 'a', 'b');\n",
		"store/store.go": goSrc,
	}
	found, errs := gocode.Extract([]source.File{{Path: "store/store.go", Text: goSrc}})
	require.Empty(t, errs)
	require.Len(t, found, 1)
	var selected []*rules.Rule
	for _, code := range []string{"PS052", "PS053", "PS054", "PS056"} {
		selected = append(selected, rules.Lookup(rules.All(), code))
	}
	opts := lint.Options{
		Rules: selected, Known: rules.All(), Rule: rules.Options{PGVersion: 15},
		Tools:       []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Queries:     []source.File{{Path: "q/insert.sql", Text: texts["q/insert.sql"]}, {Path: "store/store.go", Text: found[0].Checkable(goSrc)}},
		Code:        map[string]string{"store/store.go": goSrc},
		CodeQueries: map[string][]gocode.Query{"store/store.go": found[0].Queries},
		// Every migration is pending, in one release window (--changed-since).
		Pending: func(string) bool { return true },
	}
	var files []source.File
	for _, p := range []string{"db/001.sql", "db/002.sql", "db/003.sql"} {
		files = append(files, source.File{Path: p, Text: texts[p]})
	}
	res := lint.Run(files, opts)
	got := map[string][]string{}
	for _, d := range res.Diagnostics {
		key := fmt.Sprintf("%s %s:%d", d.Rule.Code, d.Path, sqlparse.NewLines(texts[d.Path]).Position(d.Span.Start).Line)
		got[key] = append(got[key], relatedAt(d, texts)...)
	}
	assert.Equal(t, map[string][]string{
		"PS056 db/002.sql:2": {
			"store/store.go:6: the query whose read this migration breaks: rows.Scan in store/store.go:14: 4 columns after this migration, 3 destinations",
			"q/insert.sql:1: inserts into clients without a column list",
		},
		"PS052 store/store.go:6": {"db/002.sql:2: adds column clients.logo, which breaks rows.Scan at line 14: 4 columns after that migration, 3 destinations"},
		"PS053 q/insert.sql:1":   {"db/002.sql:2: adds column clients.logo"},
		"PS054 db/003.sql:1":     {"db/002.sql:4: copies email into users.email_address"},
	}, got)

	// The Go query's span is the SQL in the string literal, in the Go file.
	for _, d := range res.Diagnostics {
		if d.Rule.Code == "PS056" {
			assert.Equal(t, "SELECT * FROM clients", goSrc[d.Related[0].Span.Start:d.Related[0].Span.End])
		}
	}
}

// TestRelatedDependents checks that a change that breaks a view or a
// function (PS055) points at the statements that created them, in
// earlier migrations or earlier in its own file.
func TestRelatedDependents(t *testing.T) {
	texts := map[string]string{
		"1.sql": "CREATE TABLE users (id bigint, email text, name text);\n-- the view\nCREATE VIEW contacts AS SELECT id, email, name FROM users;\n",
		"2.sql": "CREATE FUNCTION emails() RETURNS SETOF text LANGUAGE sql BEGIN ATOMIC SELECT email FROM users; END;\nALTER TABLE users DROP COLUMN email, DROP COLUMN name;\n",
	}
	files := []source.File{{Path: "1.sql", Text: texts["1.sql"]}, {Path: "2.sql", Text: texts["2.sql"]}}
	r := rules.Lookup(rules.All(), "PS055")
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(),
		Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}}, Rule: rules.Options{PGVersion: 15}})
	require.Len(t, res.Diagnostics, 1)
	d := res.Diagnostics[0]
	assert.Equal(t, []string{
		"1.sql:3: creates view contacts, which reads users.email, users.name",
		":1: creates function emails(), which reads users.email",
	}, relatedAt(d, texts), d.Message)
	for _, rel := range d.Related {
		path := rel.Path
		if path == "" {
			path = d.Path
		}
		assert.True(t, strings.HasPrefix(texts[path][rel.Span.Start:rel.Span.End], "CREATE "), "the span is the CREATE statement")
	}
}

// TestRelatedLaterChanges checks that a view's * (PS050) points at each
// later migration that changes the columns it stands for, where its
// message names the first.
func TestRelatedLaterChanges(t *testing.T) {
	texts := map[string]string{
		"1.sql": "CREATE TABLE users (id bigint, email text);\nCREATE VIEW everyone AS SELECT * FROM users;\n",
		"2.sql": "-- later\nALTER TABLE users DROP COLUMN email;\n",
		"3.sql": "ALTER TABLE users RENAME COLUMN id TO user_id;\n",
	}
	files := []source.File{{Path: "1.sql", Text: texts["1.sql"]}, {Path: "2.sql", Text: texts["2.sql"]}, {Path: "3.sql", Text: texts["3.sql"]}}
	r := rules.Lookup(rules.All(), "PS050")
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(),
		Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}}, Rule: rules.Options{PGVersion: 15}})
	require.Len(t, res.Diagnostics, 1)
	d := res.Diagnostics[0]
	assert.Equal(t, []string{"2.sql:2: drops column users.email", "3.sql:1: renames column users.id to user_id"}, relatedAt(d, texts), d.Message)
}
