package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// TestBreaksApplicationQueryWithCodeReads checks breaks-application-query
// where Go code reads the rows of a SELECT * (Options.CodeReads): a change
// that breaks the read names it and rises to error, counting the columns
// that all the pending migrations up to the statement leave; a change the
// read survives gives the finding without reads.
func TestBreaksApplicationQueryWithCodeReads(t *testing.T) {
	const created = "CREATE TABLE clients (id bigint, name text, secret text);"
	scan := &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 3}
	strict := &rules.CodeRead{Line: 20, Call: "sqlx Select", Names: []string{"id", "name", "secret"}}
	lax := &rules.CodeRead{Line: 20, Call: "sqlx Select", Names: []string{"id", "name", "secret"}, Lax: true}
	for _, c := range []struct {
		name       string
		migrations []string // after the CREATE TABLE, each a file
		read       *rules.CodeRead
		want       []string // severity and message of each finding
	}{
		{
			"an added column breaks a Scan", []string{"ALTER TABLE clients ADD COLUMN logo text;"}, scan,
			[]string{"error: adds column clients.logo, which breaks rows.Scan in q.sql:36: 4 columns after this migration, 3 destinations"},
		},
		{
			"a dropped column breaks a pgx struct that needs a column for every field",
			[]string{"ALTER TABLE clients DROP COLUMN secret;"},
			&rules.CodeRead{Line: 20, Call: "pgx.RowToStructByName", Names: []string{"ID", "Name", "Secret"}, Strict: true},
			[]string{"error: drops column clients.secret, which breaks pgx.RowToStructByName in q.sql:20: the struct's field for column secret has no column any more"},
		},
		{
			"a dropped column leaves a struct that does not need a column for every field alone (sqlx)",
			[]string{"ALTER TABLE clients DROP COLUMN secret;"}, strict,
			[]string{"warning: drops column clients.secret, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"},
		},
		{
			"a dropped column breaks a Scan", []string{"ALTER TABLE clients DROP COLUMN secret;"}, scan,
			[]string{"error: drops column clients.secret, which breaks rows.Scan in q.sql:36: 2 columns after this migration, 3 destinations"},
		},
		{
			"each pending migration counts the ones before it",
			[]string{"ALTER TABLE clients ADD COLUMN logo text;", "ALTER TABLE clients ADD COLUMN uri text, DROP COLUMN name, ADD COLUMN x int;"}, scan,
			[]string{
				"error: adds column clients.logo, which breaks rows.Scan in q.sql:36: 4 columns after this migration, 3 destinations",
				"error: adds column clients.uri, which breaks rows.Scan in q.sql:36: 5 columns after this migration, 3 destinations",
				"error: drops column clients.name, which breaks rows.Scan in q.sql:36: 5 columns after this migration, 3 destinations",
				"error: adds column clients.x, which breaks rows.Scan in q.sql:36: 5 columns after this migration, 3 destinations",
			},
		},
		{
			"a Scan written for the columns after the pending migration is not broken by it",
			[]string{"ALTER TABLE clients ADD COLUMN logo text;"}, &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 4},
			[]string{"warning: adds column clients.logo, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"},
		},
		{
			"the count after the migration starts from today's columns, not from the Scan's",
			[]string{"ALTER TABLE clients ADD COLUMN logo text;", "ALTER TABLE clients ADD COLUMN uri text;"}, &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 4},
			[]string{
				"warning: adds column clients.logo, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs",
				"error: adds column clients.uri, which breaks rows.Scan in q.sql:36: 5 columns after this migration, 4 destinations",
			},
		},
		{
			"a rename leaves a Scan's count", []string{"ALTER TABLE clients RENAME COLUMN secret TO hash;"}, scan,
			[]string{"warning: renames column clients.secret to hash, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"},
		},
		{
			"a struct has no field for an added column", []string{"ALTER TABLE clients ADD COLUMN logo text;"}, strict,
			[]string{"error: adds column clients.logo, which breaks sqlx Select in q.sql:20: column logo has no field in the struct"},
		},
		{
			"a struct has no field for a renamed column", []string{"ALTER TABLE clients RENAME COLUMN secret TO hash;"}, strict,
			[]string{"error: renames column clients.secret to hash, which breaks sqlx Select in q.sql:20: column hash has no field in the struct"},
		},
		{
			"a lax struct read takes extra columns", []string{"ALTER TABLE clients ADD COLUMN logo text;"}, lax,
			[]string{"warning: adds column clients.logo, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"},
		},
		{
			"no read known", []string{"ALTER TABLE clients ADD COLUMN logo text;"}, nil,
			[]string{"warning: adds column clients.logo, and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := []source.File{{Path: "1.sql", Text: created}}
			for i, m := range c.migrations {
				files = append(files, source.File{Path: string(rune('2'+i)) + ".sql", Text: m})
			}
			queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
			var asked []sqlparse.Span
			opts := rules.Options{PGVersion: 15, CodeReads: func(path string, span sqlparse.Span) *rules.CodeRead {
				require.Equal(t, "q.sql", path)
				asked = append(asked, span)
				return c.read
			}}
			r := rules.Lookup(rules.All(), "breaks-application-query")
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts})
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, d.Severity.String()+": "+d.Message)
				if d.Severity == rules.Error {
					// pgsafe fix does not edit Go code: the help says what to do.
					assert.Equal(t, "deploy code that names the columns it reads first, then change the table", d.Help)
				} else {
					assert.Empty(t, d.Help, "the rule's own help applies")
				}
			}
			assert.Equal(t, c.want, got)
			for _, s := range asked {
				assert.Equal(t, sqlparse.Span{Start: 0, End: len("SELECT * FROM clients")}, s, "the query's statement")
			}
		})
	}
}

// TestSelectStarInQueryWithCodeReads checks select-star-in-query on a
// query whose rows Go code reads: a pending change that breaks the read
// makes it an error naming the change and the read, with the columns the
// Scan reads today as help; one the read survives leaves the warning.
func TestSelectStarInQueryWithCodeReads(t *testing.T) {
	files := []source.File{
		{Path: "1.sql", Text: "CREATE TABLE clients (id bigint, name text, secret text);"},
		{Path: "2.sql", Text: "ALTER TABLE clients ADD COLUMN logo text;"},
	}
	queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
	for _, c := range []struct {
		name          string
		read          *rules.CodeRead
		severity      rules.Severity
		message, help string
	}{
		{
			"a Scan", &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 3}, rules.Error,
			"; 2.sql:1 adds column clients.logo, which breaks rows.Scan at line 36: 4 columns after that migration, 3 destinations",
			"name the columns the code scans today instead of *: id, name, secret",
		},
		{
			"a struct (pgx matches names without regard to case)", &rules.CodeRead{Line: 20, Call: "pgx.RowToStructByName", Names: []string{"ID", "Name"}}, rules.Error,
			"; 2.sql:1 adds column clients.logo, which breaks pgx.RowToStructByName at line 20: column logo has no field in the struct",
			"name the columns the struct has fields for instead of *: id, name",
		},
		{
			"GORM takes extra columns", &rules.CodeRead{Line: 20, Call: "gorm Scan", Names: []string{"id"}, Lax: true}, rules.Warning,
			"; a pending migration changes them: 2.sql:1 adds column clients.logo",
			"name the columns the struct has fields for instead of *: id",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := rules.Options{PGVersion: 15, CodeReads: func(string, sqlparse.Span) *rules.CodeRead { return c.read }}
			r := rules.Lookup(rules.All(), "select-star-in-query")
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts})
			require.Len(t, res.Diagnostics, 1)
			d := res.Diagnostics[0]
			assert.Equal(t, c.severity, d.Severity)
			assert.Equal(t, "SELECT * returns whatever columns clients has when the query runs, so the code that decodes "+
				"the rows breaks when a migration changes them"+c.message, d.Message)
			assert.Equal(t, c.help, d.Help)
		})
	}
}

// TestTypeChangeJudgedAgainstDestinations checks breaks-application-query
// on a column's type change under Go code that reads the column into a
// destination of a known Go type: an error where the driver cannot fill
// it from the new type, a warning where it fails on some values, nothing
// where it takes the new type (no worse than the old one), and the
// finding without the read where the destination is not known.
func TestTypeChangeJudgedAgainstDestinations(t *testing.T) {
	const created = "CREATE TABLE clients (id bigint, name text, secret text, n integer, created timestamptz);"
	scan := func(driver string, types ...string) *rules.CodeRead {
		return &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 5, Driver: driver, Types: types}
	}
	sqlx := func(names, types []string) *rules.CodeRead {
		return &rules.CodeRead{Line: 20, Call: "sqlx Select", Names: names, Driver: "database/sql", Types: types}
	}
	const generic = ", and the application reads clients with * at q.sql:1: code built for the old columns breaks when this runs"
	const retypeHelp = "deploy code whose destination takes the new type first, then change the column's type"
	for _, c := range []struct {
		name       string
		migrations []string
		read       *rules.CodeRead
		want       []string // severity and message of each finding
		help       string   // of each finding; "" for the rule's own
	}{
		{
			"pgx cannot scan text into int64",
			[]string{"ALTER TABLE clients ALTER COLUMN id TYPE text;"},
			scan("pgx", "int64", "string", "string", "int32", "time.Time"),
			[]string{"error: changes the type of column clients.id, which breaks rows.Scan in q.sql:36: pgx cannot scan text into int64 (the destination of column id)"},
			retypeHelp,
		},
		{
			"database/sql parses text into int64: it may fail",
			[]string{"ALTER TABLE clients ALTER COLUMN id TYPE text;"},
			scan("database/sql", "int64", "string", "string", "int32", "time.Time"),
			[]string{"warning: changes the type of column clients.id, which may break rows.Scan in q.sql:36: database/sql parses text values into int64, which fails on one that is not a whole number (the destination of column id)"},
			retypeHelp,
		},
		{
			"a wider integer into int64 is fine", []string{"ALTER TABLE clients ALTER COLUMN n TYPE bigint;"},
			scan("pgx", "int64", "string", "string", "*int64", "time.Time"), nil, "",
		},
		{
			"pgx fails on int8 values out of int32's range", []string{"ALTER TABLE clients ALTER COLUMN n TYPE bigint;"},
			scan("pgx", "int64", "string", "string", "int32", "time.Time"),
			[]string{"warning: changes the type of column clients.n, which may break rows.Scan in q.sql:36: pgx fails on int8 values out of int32's range (the destination of column n)"},
			retypeHelp,
		},
		{
			"an integer into a string is fine, under pgx as under database/sql", []string{"ALTER TABLE clients ALTER COLUMN secret TYPE integer USING secret::integer;"},
			scan("pgx", "int64", "string", "*string", "int32", "time.Time"), nil, "",
		},
		{
			"sql.NullInt64 follows database/sql under pgx too", []string{"ALTER TABLE clients ALTER COLUMN id TYPE numeric;"},
			scan("pgx", "database/sql.NullInt64", "string", "string", "int32", "time.Time"),
			[]string{"warning: changes the type of column clients.id, which may break rows.Scan in q.sql:36: database/sql parses numeric values into sql.NullInt64, which fails on one that is not a whole number (the destination of column id)"},
			retypeHelp,
		},
		{
			"a struct field: database/sql cannot convert text into time.Time",
			[]string{"ALTER TABLE clients ALTER COLUMN created TYPE text;"},
			sqlx([]string{"id", "created"}, []string{"int64", "*time.Time"}),
			[]string{"error: changes the type of column clients.created, which breaks sqlx Select in q.sql:20: database/sql cannot convert text into time.Time (the destination of column created)"},
			retypeHelp,
		},
		{
			"a named string type takes only text from database/sql",
			[]string{"ALTER TABLE clients ALTER COLUMN name TYPE integer USING 0;"},
			sqlx([]string{"id", "name"}, []string{"int64", "example.com/store.Status (string)"}),
			[]string{"error: changes the type of column clients.name, which breaks sqlx Select in q.sql:20: database/sql converts only text into store.Status, not int4 (the destination of column name)"},
			retypeHelp,
		},
		{
			"a change that only fixes what failed before is fine",
			[]string{"ALTER TABLE clients ALTER COLUMN secret TYPE timestamptz USING now();"},
			sqlx([]string{"id", "secret"}, []string{"int64", "time.Time"}), nil, "",
		},
		{
			"the destination's type not known", []string{"ALTER TABLE clients ALTER COLUMN id TYPE text;"},
			scan("pgx"), []string{"warning: changes the type of column clients.id" + generic}, "",
		},
		{
			"a type pgsafe does not judge", []string{"ALTER TABLE clients ALTER COLUMN name TYPE int4range USING NULL;"},
			scan("pgx", "int64", "string", "string", "int32", "time.Time"),
			[]string{"warning: changes the type of column clients.name" + generic}, "",
		},
		{
			"an enum is read as its label: a string takes it", []string{"CREATE TYPE mood AS ENUM ('a');", "ALTER TABLE clients ALTER COLUMN name TYPE mood USING 'a';"},
			scan("pgx", "int64", "string", "string", "int32", "time.Time"), nil, "",
		},
		{
			"a domain is judged as its base type",
			[]string{"CREATE DOMAIN handle AS text CHECK (VALUE <> '');", "ALTER TABLE clients ALTER COLUMN id TYPE handle;"},
			scan("pgx", "int64", "string", "string", "int32", "time.Time"),
			[]string{"error: changes the type of column clients.id, which breaks rows.Scan in q.sql:36: pgx cannot scan handle into int64 (the destination of column id)"},
			retypeHelp,
		},
		{
			"database/sql fills a struct from no jsonb, as from no text before: nothing new",
			[]string{"ALTER TABLE clients ALTER COLUMN secret TYPE jsonb USING to_jsonb(secret);"},
			sqlx([]string{"id", "secret"}, []string{"int64", "example.com/store.Secret (struct)"}), nil, "",
		},
		{
			"a uuid into google/uuid's UUID, and back to text",
			[]string{"ALTER TABLE clients ALTER COLUMN name TYPE uuid USING gen_random_uuid();", "ALTER TABLE clients ALTER COLUMN name TYPE text;"},
			scan("pgx", "int64", "github.com/google/uuid.UUID", "string", "int32", "time.Time"),
			[]string{"warning: changes the type of column clients.name, which may break rows.Scan in q.sql:36: uuid.UUID's Scan parses text values into uuid.UUID, which fails on one that is not a UUID (the destination of column name)"},
			retypeHelp,
		},
		{
			"a Scan whose destinations are not today's columns",
			[]string{"ALTER TABLE clients ALTER COLUMN id TYPE text;"},
			&rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 3, Driver: "pgx", Types: []string{"int64", "string", "string"}},
			[]string{"warning: changes the type of column clients.id" + generic}, "",
		},
		{
			// Today's columns are id, name, secret, n, created: secret's
			// destination is the third, though the column is the second
			// once name is dropped.
			"a Scan's destination is the column's position today",
			[]string{"ALTER TABLE clients DROP COLUMN name;", "ALTER TABLE clients ALTER COLUMN secret TYPE timestamptz USING now();"},
			scan("database/sql", "int64", "string", "example.com/store.Status (string)", "int32", "time.Time"),
			[]string{
				"error: drops column clients.name, which breaks rows.Scan in q.sql:36: 4 columns after this migration, 5 destinations",
				"error: changes the type of column clients.secret, which breaks rows.Scan in q.sql:36: database/sql converts only text into store.Status, not timestamptz (the destination of column secret)",
			},
			"",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := []source.File{{Path: "1.sql", Text: created}}
			for i, m := range c.migrations {
				files = append(files, source.File{Path: string(rune('2'+i)) + ".sql", Text: m})
			}
			queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
			opts := rules.Options{PGVersion: 15, CodeReads: func(string, sqlparse.Span) *rules.CodeRead { return c.read }}
			r := rules.Lookup(rules.All(), "breaks-application-query")
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts})
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, d.Severity.String()+": "+d.Message)
				if c.help != "" {
					assert.Equal(t, c.help, d.Help)
				}
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// TestSelectStarInQueryStructFixWithPendingMigrations checks the fix of a
// * whose rows Go code reads into a struct while pending migrations change
// the columns: it names the columns the struct has fields for as they are
// today, in the star's order (not those a pending migration adds; a
// renamed one by today's name), and is advice with the reason where that
// is not well defined.
func TestSelectStarInQueryStructFixWithPendingMigrations(t *testing.T) {
	const created = "CREATE TABLE clients (id bigint, name text, secret text);"
	sqlx := &rules.CodeRead{Line: 20, Call: "sqlx Select", Names: []string{"secret", "id", "logo"}, Driver: "database/sql"}
	for _, c := range []struct {
		name       string
		migrations []string
		read       *rules.CodeRead
		safe       bool
		fix        string // the edit's text, or the advice's reason
	}{
		{"a column added is not named", []string{created, "ALTER TABLE clients ADD COLUMN logo text;"}, sqlx, true, "id, secret"},
		{"a renamed column by today's name", []string{created, "ALTER TABLE clients RENAME COLUMN secret TO hash;"}, sqlx, true, "id, secret"},
		{
			"a column the struct reads is dropped", []string{created, "ALTER TABLE clients DROP COLUMN secret;"}, sqlx, false,
			"2.sql:1 drops column clients.secret, which the struct reads: a query that names it would fail once that migration runs, where * would not",
		},
		{
			"no field for a column of today", []string{created, "ALTER TABLE clients ADD COLUMN logo text;"},
			&rules.CodeRead{Line: 20, Call: "sqlx Select", Names: []string{"logo"}}, false,
			"the struct has a field for none of the columns that * stands for today",
		},
		{
			"a Scan keeps its rule: advice for a rename", []string{created, "ALTER TABLE clients RENAME COLUMN secret TO hash;"},
			&rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 3}, false,
			"a pending migration changes the columns that * stands for: name those the code reads today, before that migration",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var files []source.File
			for i, m := range c.migrations {
				files = append(files, source.File{Path: string(rune('1'+i)) + ".sql", Text: m})
			}
			// The first migration is deployed, the others pending.
			pending := func(path string) bool { return path != "1.sql" }
			queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
			opts := rules.Options{PGVersion: 15, CodeReads: func(string, sqlparse.Span) *rules.CodeRead { return c.read }}
			r := rules.Lookup(rules.All(), "select-star-in-query")
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts, Pending: pending})
			require.Len(t, res.Diagnostics, 1)
			fixes := res.Diagnostics[0].Fixes
			require.Len(t, fixes, 1)
			if c.safe {
				assert.Equal(t, rules.Safe, fixes[0].Safety)
				require.Len(t, fixes[0].Edits, 1)
				assert.Equal(t, c.fix, fixes[0].Edits[0].NewText)
				assert.Equal(t, "*", queries[0].Text[fixes[0].Edits[0].Start:fixes[0].Edits[0].End])
			} else {
				assert.Equal(t, rules.DisplayOnly, fixes[0].Safety)
				assert.Empty(t, fixes[0].Edits)
				assert.Equal(t, c.fix, fixes[0].Why)
			}
		})
	}
}

// TestSelectStarInQueryTypeChangeNote checks the note that
// select-star-in-query gives a * whose read a pending type change breaks
// (an error), may break (a warning), or does not (the change is left
// out: no note, no rise).
func TestSelectStarInQueryTypeChangeNote(t *testing.T) {
	files := []source.File{
		{Path: "1.sql", Text: "CREATE TABLE clients (id bigint, name text);"},
		{Path: "2.sql", Text: "ALTER TABLE clients ALTER COLUMN id TYPE text;"},
	}
	pending := func(path string) bool { return path == "2.sql" }
	queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
	const head = "SELECT * returns whatever columns clients has when the query runs, so the code that decodes the rows breaks when a migration changes them"
	for _, c := range []struct {
		name     string
		read     *rules.CodeRead
		severity rules.Severity
		message  string
	}{
		{
			"pgx", &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 2, Driver: "pgx", Types: []string{"int64", "string"}}, rules.Error,
			"; 2.sql:1 changes the type of column clients.id, which breaks rows.Scan at line 36: pgx cannot scan text into int64 (the destination of column id)",
		},
		{
			"database/sql", &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 2, Driver: "database/sql", Types: []string{"int64", "string"}}, rules.Warning,
			"; 2.sql:1 changes the type of column clients.id, which may break rows.Scan at line 36: database/sql parses text values into int64, which fails on one that is not a whole number (the destination of column id)",
		},
		{
			"a destination that takes text", &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 2, Driver: "pgx", Types: []string{"string", "string"}}, rules.Hint, "",
		},
		{
			"unknown destination types", &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 2, Driver: "pgx"}, rules.Warning,
			"; a pending migration changes them: 2.sql:1 changes the type of column clients.id",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := rules.Options{PGVersion: 15, CodeReads: func(string, sqlparse.Span) *rules.CodeRead { return c.read }}
			r := rules.Lookup(rules.All(), "select-star-in-query")
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts, Pending: pending})
			require.Len(t, res.Diagnostics, 1)
			d := res.Diagnostics[0]
			assert.Equal(t, c.severity, d.Severity)
			assert.Equal(t, head+c.message, d.Message)
		})
	}
}

// TestSelectStarInQueryNotePrefersABreak checks that the note names a
// pending change that breaks the read rather than an earlier one that
// only may, and that the finding rises to an error for it.
func TestSelectStarInQueryNotePrefersABreak(t *testing.T) {
	files := []source.File{
		{Path: "1.sql", Text: "CREATE TABLE clients (id bigint, n integer);"},
		{Path: "2.sql", Text: "ALTER TABLE clients ALTER COLUMN n TYPE bigint;"},
		{Path: "3.sql", Text: "ALTER TABLE clients ALTER COLUMN id TYPE text;"},
	}
	pending := func(path string) bool { return path != "1.sql" }
	queries := []source.File{{Path: "q.sql", Text: "SELECT * FROM clients;"}}
	read := &rules.CodeRead{Line: 36, Call: "rows.Scan", Destinations: 2, Driver: "pgx", Types: []string{"int64", "int32"}}
	opts := rules.Options{PGVersion: 15, CodeReads: func(string, sqlparse.Span) *rules.CodeRead { return read }}
	r := rules.Lookup(rules.All(), "select-star-in-query")
	require.NotNil(t, r)
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: opts, Pending: pending})
	require.Len(t, res.Diagnostics, 1)
	d := res.Diagnostics[0]
	assert.Equal(t, rules.Error, d.Severity)
	assert.Contains(t, d.Message, "; 3.sql:1 changes the type of column clients.id, which breaks rows.Scan at line 36: pgx cannot scan text into int64 (the destination of column id)")
	assert.Equal(t, "deploy code whose destination for column id takes text before that migration runs; name the columns instead of *: id, n", d.Help)
	require.Len(t, d.Fixes, 1)
	assert.Equal(t, rules.Safe, d.Fixes[0].Safety, "type changes leave the columns of * as they are")
}
