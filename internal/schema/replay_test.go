package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// replaySQL replays sql statement by statement, with each statement's text
// and line, and returns the catalog and the changes of every statement.
func replaySQL(t *testing.T, c *schema.Catalog, sql string) [][]schema.Change {
	t.Helper()
	res := sqlparse.Parse(sql)
	require.Nil(t, res.Err)
	lines := sqlparse.NewLines(sql)
	var out [][]schema.Change
	for _, st := range res.Statements {
		out = append(out, c.Replay(schema.Stmt{Node: st.Node, SQL: st.Text(sql), Base: st.Span.Start, Path: "m.sql", Line: lines.Position(st.Span.Start).Line}))
	}
	return out
}

func columns(t *testing.T, c *schema.Catalog, key string) string {
	t.Helper()
	tb := c.Table(key)
	require.NotNil(t, tb, key)
	var out []string
	for _, col := range tb.Columns {
		s := col.Name + " " + col.Type
		if len(col.Mods) > 0 {
			s += fmt.Sprint(col.Mods)
		}
		if col.NotNull {
			s += " not null"
		}
		if col.Default != "" {
			s += " default " + col.Default
		}
		if col.Identity != "" {
			s += " identity " + col.Identity
		}
		if col.Generated != "" {
			s += " generated " + col.Generated
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestColumns(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE t (
		id bigserial PRIMARY KEY,
		code integer GENERATED ALWAYS AS IDENTITY,
		name varchar(40) NOT NULL DEFAULT 'x',
		note text DEFAULT NULL,
		total numeric(10, 2),
		doubled numeric GENERATED ALWAYS AS (total * 2) STORED
	);
	ALTER TABLE t ALTER COLUMN note SET DEFAULT '', ALTER COLUMN name DROP DEFAULT;
	ALTER TABLE t ALTER COLUMN code DROP IDENTITY, ALTER COLUMN doubled DROP EXPRESSION;
	ALTER TABLE t ALTER COLUMN total TYPE numeric(12, 2);`)
	assert.Equal(t, "id int8 not null default nextval('t_id_seq'::regclass); code int4 not null; name varchar[40] not null; "+
		"note text default ''; total numeric[12 2]; doubled numeric", columns(t, c, "public.t"))
	assert.NotNil(t, c.Sequence("public.t_id_seq"))
	assert.Equal(t, "public.t.id", c.Sequence("public.t_id_seq").OwnedBy)
	assert.NotNil(t, c.Sequence("public.t_code_seq"), "an identity column has a sequence")
}

func TestLikeInheritsAndPartitions(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE base (id int NOT NULL DEFAULT 1, at date);
		CREATE TABLE copy (LIKE base INCLUDING DEFAULTS, extra text);
		CREATE TABLE bare (LIKE base);
		CREATE TABLE child (extra text, id int) INHERITS (base);
		CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);
		CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
		CREATE TABLE typed OF some_type;`)
	assert.Equal(t, "id int4 not null default 1; at date; extra text", columns(t, c, "public.copy"))
	assert.Equal(t, "id int4 not null; at date", columns(t, c, "public.bare"))
	assert.Equal(t, "id int4 not null default 1; at date; extra text", columns(t, c, "public.child"))
	assert.Equal(t, "id int4; at date", columns(t, c, "public.p1"))
	assert.Equal(t, "public.p", c.Table("public.p1").PartitionOf)
	assert.True(t, c.Table("public.typed").Unknown)
}

func TestConstraintAndIndexNames(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE a_very_long_table_name_that_goes_on_and_on_for_a_while (
			issuer text, subject text, key_id text, UNIQUE (issuer, subject, key_id), CHECK (issuer <> ''), CHECK (issuer <> subject));
		ALTER TABLE a_very_long_table_name_that_goes_on_and_on_for_a_while ADD CHECK (issuer <> '');
		CREATE INDEX ON a_very_long_table_name_that_goes_on_and_on_for_a_while (issuer, subject, key_id);`)
	tb := c.Table("public.a_very_long_table_name_that_goes_on_and_on_for_a_while")
	var names []string
	for _, con := range tb.Constraints {
		names = append(names, con.Name)
	}
	assert.Equal(t, []string{
		"a_very_long_table_name_that_goes_on_a_issuer_subject_key_id_key",
		"a_very_long_table_name_that_goes_on_and_on_for_a_w_issuer_check",
		"a_very_long_table_name_that_goes_on_and_on_for_a_while_check",
		"a_very_long_table_name_that_goes_on_and_on_for_a__issuer_check1",
	}, names)
	for _, n := range names {
		assert.LessOrEqual(t, len(n), 63)
	}
	assert.NotNil(t, c.Index("public.a_very_long_table_name_that_goes_on_a_issuer_subject_key_id_idx"))
}

func TestDropColumnDropsWhatUsesIt(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE p (id int PRIMARY KEY);
		CREATE TABLE t (id int, a int, b int REFERENCES p (id), CHECK (a > 0 AND b > 0), UNIQUE (a));
		CREATE INDEX t_expr_idx ON t ((a + 1));
		CREATE INDEX t_part_idx ON t (id) WHERE a > 0;
		CREATE INDEX t_id_idx ON t (id);
		ALTER TABLE t DROP COLUMN a;`)
	tb := c.Table("public.t")
	require.Len(t, tb.Constraints, 1)
	assert.Equal(t, "t_b_fkey", tb.Constraints[0].Name)
	assert.Equal(t, "public.p", tb.Constraints[0].References)
	assert.Equal(t, []string{"id"}, tb.Constraints[0].RefColumns)
	var ixs []string
	for _, ix := range c.Indexes("public.t") {
		ixs = append(ixs, ix.Name)
	}
	assert.Equal(t, []string{"t_id_idx"}, ixs)

	// Dropping the referenced key with CASCADE drops the foreign key.
	replaySQL(t, c, `ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE;`)
	assert.Empty(t, c.Table("public.t").Constraints)
}

func TestViews(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE users (id int, name text, email text);
		CREATE VIEW v AS SELECT u.id, upper(name) AS shout, 1 FROM users u;
		CREATE VIEW w (a, b) AS SELECT * FROM users;
		CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n FROM users;
		CREATE TABLE copy AS SELECT id, email FROM users;
		SELECT id INTO snapshot FROM users;`)
	assert.Equal(t, []string{"id", "shout", "?column?"}, c.Table("public.v").ColumnNames())
	assert.Equal(t, []string{"a", "b", "email"}, c.Table("public.w").ColumnNames())
	assert.Equal(t, schema.KindMatView, c.Table("public.m").Kind)
	assert.Equal(t, []string{"id", "email"}, c.Table("public.copy").ColumnNames())
	assert.Equal(t, []string{"id"}, c.Table("public.snapshot").ColumnNames())
	assert.Empty(t, c.Table("public.copy").Reads, "a table copy does not depend on its source")

	users := c.Table("public.users")
	dependents := func(col string) []string {
		num := 0
		if col != "" {
			num = users.Column(col).Num
		}
		var out []string
		for _, d := range c.Dependents(users.ID, num) {
			out = append(out, fmt.Sprintf("%s %s:%d bound=%v", d.Name, d.File, d.Line, d.Bound))
		}
		return out
	}
	assert.Equal(t, []string{"public.v m.sql:2 bound=true", "public.w m.sql:3 bound=true", "public.m m.sql:4 bound=true"}, dependents(""))
	assert.Equal(t, []string{"public.v m.sql:2 bound=true", "public.w m.sql:3 bound=true"}, dependents("name"))
	assert.Equal(t, []string{"public.w m.sql:3 bound=true"}, dependents("email"))

	// CREATE OR REPLACE keeps the view's identity; CASCADE drops dependents.
	id := c.Table("public.v").ID
	replaySQL(t, c, `CREATE OR REPLACE VIEW v AS SELECT u.id, upper(name) AS shout, 1, email FROM users u;`)
	assert.Equal(t, id, c.Table("public.v").ID)
	replaySQL(t, c, `ALTER TABLE users DROP COLUMN email CASCADE;`)
	assert.Nil(t, c.Table("public.v"))
	assert.Nil(t, c.Table("public.w"))
	assert.NotNil(t, c.Table("public.m"))
	replaySQL(t, c, `DROP TABLE users CASCADE;`)
	assert.Nil(t, c.Table("public.m"))
}

func TestFunctions(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE users (id int, name text);
		CREATE FUNCTION names() RETURNS SETOF text LANGUAGE sql AS $$ SELECT name FROM users $$;
		CREATE FUNCTION ids() RETURNS SETOF int LANGUAGE sql BEGIN ATOMIC SELECT id FROM users; END;
		CREATE FUNCTION touch(i integer) RETURNS void LANGUAGE plpgsql AS $$
		BEGIN
			UPDATE users SET name = 'x' WHERE id = i;
		END $$;
		CREATE FUNCTION untouched() RETURNS int LANGUAGE sql AS 'SELECT 1';`)
	require.Len(t, c.Functions("public.touch"), 1)
	f := c.Functions("public.touch")[0]
	assert.Equal(t, "public.touch(int4)", f.Signature())
	assert.Equal(t, "plpgsql", f.Body.Language)
	assert.Len(t, f.Body.Queries, 1)

	users := c.Table("public.users")
	var got []string
	for _, d := range c.Dependents(users.ID, users.Column("name").Num) {
		got = append(got, fmt.Sprintf("%s %s line %d bound=%v", d.Kind, d.Name, d.Line, d.Bound))
	}
	assert.Equal(t, []string{"function public.names() line 2 bound=false", "function public.touch(int4) line 4 bound=false"}, got)
	got = nil
	for _, d := range c.Dependents(users.ID, users.Column("id").Num) {
		got = append(got, fmt.Sprintf("%s bound=%v", d.Name, d.Bound))
	}
	assert.Equal(t, []string{"public.ids() bound=true", "public.touch(int4) bound=false"}, got)

	replaySQL(t, c, `ALTER FUNCTION touch(int) RENAME TO poke;
		ALTER FUNCTION poke(int) SET SCHEMA app;
		DROP FUNCTION names;
		CREATE OR REPLACE FUNCTION ids() RETURNS SETOF int LANGUAGE sql RETURN 1;`)
	assert.Empty(t, c.Functions("public.touch"))
	assert.Len(t, c.Functions("app.poke"), 1)
	assert.Empty(t, c.Functions("public.names"))
	assert.Empty(t, c.Functions("public.ids")[0].Reads)
}

func TestSequencesEnumsSchemas(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE SCHEMA app CREATE TABLE items (id int) CREATE SEQUENCE item_seq;
		CREATE TYPE mood AS ENUM ('sad', 'ok');
		ALTER TYPE mood ADD VALUE 'happy';
		ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
		ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
		ALTER TYPE mood RENAME TO feeling;
		CREATE SEQUENCE s;
		ALTER SEQUENCE s OWNED BY app.items.id;
		ALTER SEQUENCE s RENAME TO s2;`)
	assert.NotNil(t, c.Schema("app"))
	assert.NotNil(t, c.Table("app.items"))
	assert.NotNil(t, c.Sequence("app.item_seq"))
	assert.Nil(t, c.Enum("public.mood"))
	assert.Equal(t, []string{"blue", "meh", "ok", "happy"}, c.Enum("public.feeling").Values)
	assert.Equal(t, "app.items.id", c.Sequence("public.s2").OwnedBy)

	replaySQL(t, c, `ALTER SCHEMA app RENAME TO core;`)
	assert.NotNil(t, c.Table("core.items"))
	assert.NotNil(t, c.Sequence("core.item_seq"))
	replaySQL(t, c, `DROP SCHEMA core CASCADE; DROP TYPE feeling;`)
	assert.Nil(t, c.Table("core.items"))
	assert.Nil(t, c.Enum("public.feeling"))
}

// TestDomains checks that domains are kept with their base types, as
// the rules judging a column's Go destination need them, through
// renames, moves between schemas and drops.
func TestDomains(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE SCHEMA app;
		CREATE DOMAIN email AS varchar(200) CHECK (VALUE LIKE '%@%');
		CREATE DOMAIN app.score AS integer;
		CREATE DOMAIN app.high_score AS app.score CHECK (VALUE > 10);
		CREATE DOMAIN tags AS text[];`)
	assert.Equal(t, "varchar", c.Domain("public.email").Base)
	assert.Equal(t, "int4", c.Domain("app.score").Base)
	assert.Equal(t, "app.score", c.Domain("app.high_score").Base)
	assert.Equal(t, "text[]", c.Domain("public.tags").Base)
	assert.Nil(t, c.Domain("public.score"))

	replaySQL(t, c, `ALTER DOMAIN email RENAME TO address; ALTER DOMAIN app.score SET SCHEMA public; ALTER SCHEMA app RENAME TO core;`)
	assert.Nil(t, c.Domain("public.email"))
	assert.Equal(t, "varchar", c.Domain("public.address").Base)
	assert.Equal(t, "int4", c.Domain("public.score").Base)
	assert.NotNil(t, c.Domain("core.high_score"))

	replaySQL(t, c, `DROP DOMAIN address; DROP SCHEMA core CASCADE;`)
	assert.Nil(t, c.Domain("public.address"))
	assert.Nil(t, c.Domain("core.high_score"))
	assert.NotNil(t, c.Domain("public.score"))
}

func TestUnknownObjectsAreTolerated(t *testing.T) {
	c := schema.New()
	changes := replaySQL(t, c, `ALTER TABLE legacy ADD COLUMN note text;
		ALTER TABLE legacy RENAME COLUMN old TO new;
		ALTER TABLE IF EXISTS missing ADD COLUMN x int;
		CREATE VIEW v AS SELECT l.a, l.note FROM legacy l JOIN other o ON o.id = l.other_id;
		ALTER TABLE legacy DROP COLUMN gone;`)
	legacy := c.Table("public.legacy")
	require.NotNil(t, legacy)
	assert.True(t, legacy.Unknown)
	assert.Equal(t, []string{"note", "new", "other_id", "a"}, legacy.ColumnNames())
	assert.Nil(t, c.Table("public.missing"))
	other := c.Table("public.other")
	require.NotNil(t, other, "a relation a view reads gets a placeholder")
	assert.Equal(t, []string{"id"}, other.ColumnNames())
	assert.Len(t, c.Dependents(other.ID, 0), 1)
	require.Len(t, changes[4], 1)
	assert.Equal(t, schema.ColumnDropped, changes[4][0].Kind)
	assert.True(t, changes[4][0].Unknown)
}

func TestChanges(t *testing.T) {
	c := schema.New()
	changes := replaySQL(t, c, `CREATE TABLE t (a int);
		ALTER TABLE t ADD COLUMN b int, ALTER COLUMN a TYPE bigint;
		ALTER TABLE t RENAME COLUMN b TO c;
		ALTER TABLE t DROP COLUMN c;
		ALTER TABLE t RENAME TO u;
		DROP TABLE u;`)
	var got []string
	for _, chs := range changes {
		for _, ch := range chs {
			got = append(got, fmt.Sprintf("%s %s %s %s %d", ch.Kind, ch.Key, ch.OldKey, ch.Column+"/"+ch.OldName, ch.Num))
		}
	}
	assert.Equal(t, []string{
		"creates public.t  / 0",
		"adds column public.t  b/ 2",
		"changes the type of column public.t  a/ 1",
		"renames column public.t  c/b 2",
		"drops column public.t  c/ 2",
		"renames public.u public.t / 0",
		"drops public.u  / 0",
	}, got)
	ids := map[int]bool{}
	for _, chs := range changes {
		for _, ch := range chs {
			ids[ch.Table] = true
		}
	}
	assert.Len(t, ids, 1, "a rename keeps the table's ID")
}

func TestCloneIsIndependent(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE t (a int); CREATE INDEX t_a_idx ON t (a); CREATE TYPE e AS ENUM ('x');`)
	before := c.Clone()
	replaySQL(t, c, `ALTER TABLE t ADD COLUMN b int; DROP INDEX t_a_idx; ALTER TYPE e ADD VALUE 'y'; CREATE TABLE u (id int);`)
	assert.Equal(t, []string{"a"}, before.Table("public.t").ColumnNames())
	assert.NotNil(t, before.Index("public.t_a_idx"))
	assert.Equal(t, []string{"x"}, before.Enum("public.e").Values)
	assert.Nil(t, before.Table("public.u"))
	assert.Equal(t, []string{"a", "b"}, c.Table("public.t").ColumnNames())

	// Both sides of a clone change independently.
	after := c.Clone()
	replaySQL(t, after, `ALTER TABLE t DROP COLUMN a;`)
	replaySQL(t, c, `ALTER TABLE t ADD COLUMN z int;`)
	assert.Equal(t, []string{"b"}, after.Table("public.t").ColumnNames())
	assert.Equal(t, []string{"a", "b", "z"}, c.Table("public.t").ColumnNames())
}

// TestFingerprintIgnoresTheRoute: the same schema reached by a constraint
// added NOT VALID and validated later, and an index built CONCURRENTLY,
// has the fingerprint of the direct route; another schema has another.
func TestFingerprintIgnoresTheRoute(t *testing.T) {
	direct := replay(t, `CREATE TABLE a (id int PRIMARY KEY, b int);
ALTER TABLE a ADD CONSTRAINT a_b_check CHECK (b > 0);
CREATE INDEX a_b_idx ON a (b);`)
	online := replay(t, `CREATE TABLE a (id int PRIMARY KEY, b int);
ALTER TABLE a ADD CONSTRAINT a_b_check CHECK (b > 0) NOT VALID;
ALTER TABLE a VALIDATE CONSTRAINT a_b_check;
CREATE INDEX CONCURRENTLY IF NOT EXISTS a_b_idx ON a (b);`)
	assert.Equal(t, direct.Fingerprint(), online.Fingerprint())
	assert.Equal(t, direct.Fingerprint(), direct.Fingerprint(), "deterministic")
	other := replay(t, `CREATE TABLE a (id int PRIMARY KEY, b int);
ALTER TABLE a ADD CONSTRAINT a_b_check CHECK (b > 0) NOT VALID;
CREATE INDEX CONCURRENTLY IF NOT EXISTS a_b_idx ON a (b);`)
	assert.NotEqual(t, direct.Fingerprint(), other.Fingerprint(), "a constraint left NOT VALID")
}

// TestColumnDecl checks the declared type and collation that the catalog
// records for a column, as ADD COLUMN would write them: from CREATE TABLE
// (a serial as its integer type), after ALTER COLUMN TYPE (whose
// collation, when it names none, is the new type's default), and through
// LIKE.
func TestColumnDecl(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE t (id bigserial PRIMARY KEY, n varchar(20) COLLATE "C", at timestamp(3) with time zone, m public.mood[], s serial);
		CREATE TABLE u (LIKE t);
		ALTER TABLE t ALTER COLUMN n TYPE text;`)
	decl := func(table string) []string {
		var out []string
		for _, col := range c.Table(table).Columns {
			out = append(out, col.Decl)
		}
		return out
	}
	assert.Equal(t, []string{"bigint", "text", "timestamp (3) with time zone", "public.mood[]", "integer"}, decl("public.t"))
	assert.Equal(t, []string{"bigint", `varchar(20) COLLATE "C"`, "timestamp (3) with time zone", "public.mood[]", "integer"}, decl("public.u"))
}
