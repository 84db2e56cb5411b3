package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// userTypesSQL creates the enum and domains that the judgement tests name.
const userTypesSQL = `CREATE TYPE mood AS ENUM ('happy', 'sad', '1', 't', '2024-01-02 03:04:05+00', '2024-01-02 03:04:05', '2024-01-02', '1 day', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1}');
CREATE DOMAIN email AS varchar(200);
CREATE DOMAIN score AS int8;
CREATE DOMAIN tags AS text[];
CREATE DOMAIN doc AS jsonb;`

// userTypes returns a catalog with the types of userTypesSQL.
func userTypes(t *testing.T) *schema.Catalog {
	t.Helper()
	res := sqlparse.Parse(userTypesSQL)
	require.Nil(t, res.Err)
	c := schema.New()
	for _, st := range res.Statements {
		c.Replay(schema.Stmt{Node: st.Node, SQL: st.Text(userTypesSQL), Base: st.Span.Start, Path: "types.sql"})
	}
	return c
}

// Destinations of other packages, as gocode describes them when the
// package is not imported.
const (
	googleUUID   = "github.com/google/uuid.UUID"
	pgtypeUUID   = "github.com/jackc/pgx/v5/pgtype.UUID"
	pgtypeArray  = "github.com/jackc/pgx/v5/pgtype.Array[string]"
	pgtypeFlat64 = "github.com/jackc/pgx/v5/pgtype.FlatArray[int64]"
	pqStrings    = "github.com/lib/pq.StringArray"
	pqInt64s     = "github.com/lib/pq.Int64Array"
	gofrsUUID    = "github.com/gofrs/uuid.UUID"
	decimalDec   = "github.com/shopspring/decimal.Decimal"
	pqNullTime   = "github.com/lib/pq.NullTime"
	nullString   = "gopkg.in/guregu/null.v4.String"
	nullInt      = "gopkg.in/guregu/null.v4.Int"
	nullTime     = "gopkg.in/guregu/null.v4.Time"
	rawMessage   = "encoding/json.RawMessage ([]byte)"
	settings     = "example.com/store.Settings (struct)"
)

// TestJudgeRetype checks the judgement of a type change against a Go
// destination, per driver, as database/sql's convertAssign and pgx v5's
// scan plans decide it.
func TestJudgeRetype(t *testing.T) {
	cat := userTypes(t)
	for _, c := range []struct {
		driver, from, to, dest string
		want                   fit
	}{
		// database/sql: strings, bytes and any take everything.
		{"database/sql", "int8", "timestamptz", "string", fits},
		{"database/sql", "text", "bool", "*string", fits},
		{"database/sql", "int4", "bytea", "[]byte", fits},
		{"database/sql", "int4", "text", "database/sql.RawBytes", fits},
		{"database/sql", "int4", "uuid", "any", fits},
		// A named string type takes text only.
		{"database/sql", "text", "int4", "example.com/store.Status (string)", fails},
		{"database/sql", "text", "varchar", "example.com/store.Status (string)", fits},
		// Integers parse the text form.
		{"database/sql", "int4", "int8", "int64", fits},
		{"database/sql", "int4", "int8", "int32", mayFail},
		{"database/sql", "int4", "text", "int64", mayFail},
		{"database/sql", "int4", "numeric", "example.com/store.ID (int64)", mayFail},
		{"database/sql", "int4", "timestamptz", "int64", fails},
		{"database/sql", "int4", "bool", "database/sql.NullInt64", fails},
		{"database/sql", "int4", "int8", "uint64", fits}, // no worse: negative values failed before too
		// Floats, bools, times.
		{"database/sql", "int4", "numeric", "float64", fits},
		{"database/sql", "float4", "float8", "float32", mayFail},
		{"database/sql", "bool", "int4", "bool", mayFail},
		{"database/sql", "bool", "float8", "bool", fails},
		{"database/sql", "timestamp", "timestamptz", "time.Time", fits},
		{"database/sql", "date", "text", "database/sql.NullTime", fails},
		{"database/sql", "text", "timestamptz", "time.Time", fits}, // it failed before
		// pgx: text goes into strings and bytes only.
		{"pgx", "int8", "text", "int64", fails},
		{"pgx", "int8", "text", "*int64", fails},
		{"pgx", "text", "int4", "string", fits},
		{"pgx", "text", "int4", "example.com/store.Status (string)", fits}, // scanned as its underlying type
		{"pgx", "text", "timestamptz", "string", fails},
		{"pgx", "text", "bool", "string", fails},
		{"pgx", "int4", "int8", "int32", mayFail},
		{"pgx", "int4", "int8", "int64", fits},
		{"pgx", "int4", "numeric", "int64", mayFail},
		{"pgx", "int4", "numeric", "float64", fits},
		{"pgx", "int4", "bool", "bool", fits},
		{"pgx", "bool", "int4", "bool", fails},
		{"pgx", "timestamp", "date", "time.Time", fits},
		{"pgx", "timestamptz", "text", "time.Time", fails},
		{"pgx", "text", "bytea", "[]byte", fits},
		{"pgx", "text", "int4", "[]byte", fits}, // its text
		{"pgx", "text", "bool", "[]byte", fails},
		{"pgx", "text", "interval", "[]byte", fails},
		{"pgx", "bytea", "int4[]", "[]byte", mayFail}, // elements as bytes: 0 to 255
		{"pgx", "text", "timetz", rawMessage, fails},  // read as JSON
		// pgx hands a sql.Scanner database/sql's values.
		{"pgx", "int8", "text", "database/sql.NullInt64", mayFail},
		{"pgx", "int8", "text", "database/sql.Null[int64]", mayFail},

		// Time of day: lib/pq gives a time.Time, pgx's stdlib a string.
		{"database/sql", "timestamp", "time", "time.Time", mayFail}, // with lib/pq only
		{"database/sql", "text", "time", "string", fits},
		{"database/sql", "text", "timetz", "example.com/store.Clock (string)", mayFail}, // with pgx's stdlib only
		{"database/sql", "int4", "time", "int64", fails},
		{"database/sql", "text", "time", "int64", fails},
		{"pgx", "timestamptz", "time", "time.Time", mayFail}, // 24:00:00
		{"pgx", "timestamptz", "timetz", "time.Time", fails},
		{"pgx", "text", "time", "string", fits},
		{"pgx", "text", "timetz", "string", fits},
		{"pgx", "int8", "time", "int64", fails},
		// Intervals: text for database/sql; pgx's Interval, which only
		// an IntervalScanner (time.Duration) takes.
		{"database/sql", "text", "interval", "string", fits},
		{"database/sql", "text", "interval", "[]byte", fits},
		{"database/sql", "int8", "interval", "time.Duration", fails},
		{"database/sql", "int8", "interval", "int64", fails},
		{"pgx", "int8", "interval", "time.Duration", fits},
		{"pgx", "text", "interval", "string", fails},
		{"pgx", "int8", "interval", "int64", fails},
		// Arrays: text for database/sql, which fills no slice; pgx scans
		// each element as it scans a column.
		{"database/sql", "text", "text[]", "string", fits},
		{"database/sql", "text", "text[]", "[]string", fits}, // no worse: database/sql fills a []string from nothing
		{"database/sql", "text", "text[]", "example.com/store.Tags ([]string)", fits},
		{"database/sql", "text", "varchar[]", pqStrings, fits}, // it parsed text "{a,b}" only
		{"database/sql", "text[]", "varchar[]", pqStrings, fits},
		{"database/sql", "text[]", "int4[]", pqStrings, fits},
		{"database/sql", "int4[]", "int8[]", pqInt64s, fits},
		{"database/sql", "int4[]", "text[]", pqInt64s, mayFail},
		{"database/sql", "int4[]", "uuid[]", pqInt64s, fails},
		{"database/sql", "text[]", "varchar[]", pgtypeArray, fits}, // it failed before
		{"pgx", "text", "text[]", "[]string", fits},                // it failed before
		{"pgx", "varchar[]", "text[]", "[]string", fits},
		{"pgx", "int4[]", "int8[]", "[]int64", fits},
		{"pgx", "int8[]", "int4[]", "[]int32", fits},
		{"pgx", "int4[]", "int8[]", "[]int32", mayFail},
		{"pgx", "int4[]", "text[]", "[]int64", fails},
		{"pgx", "int4[]", "text[]", "[]string", fits},
		{"pgx", "int4[]", "text[]", "[]example.com/store.Status (string)", fits},
		{"pgx", "text[]", "int4[]", "[]*example.com/store.ID (int64)", fits}, // it failed before
		{"pgx", "int4[]", "text[]", pgtypeArray, fits},
		{"pgx", "int4[]", "text[]", pgtypeFlat64, fails},
		{"pgx", "text[]", "text", "[]string", fails},
		{"pgx", "text[]", "text", "string", fits}, // it failed before
		{"pgx", "text", "text[]", "string", fails},
		{"pgx", "text", "varchar[]", pqStrings, fails}, // pgx hands the Scanner an array's binary form
		{"pgx", "text[]", "text", pqStrings, fits},     // text it may parse, where binary arrays failed
		// Enums: labels, as text.
		{"database/sql", "text", "mood", "string", fits},
		{"database/sql", "text", "mood", "example.com/store.Mood (string)", fits},
		{"database/sql", "int4", "mood", "int64", mayFail},
		{"database/sql", "mood", "bool", "example.com/store.Mood (string)", fails},
		{"pgx", "text", "mood", "string", fits},
		{"pgx", "text", "mood", "example.com/store.Mood (string)", fits},
		{"pgx", "text", "mood", "[]byte", fits},
		{"pgx", "int4", "mood", "int32", mayFail},
		{"pgx", "mood", "text", "example.com/store.Mood (string)", fits},
		// Domains: as their base types.
		{"database/sql", "text", "email", "string", fits},
		{"database/sql", "int4", "score", "int32", mayFail},
		{"database/sql", "text", "score", "example.com/store.Status (string)", fails},
		{"pgx", "text", "email", "string", fits},
		{"pgx", "int8", "email", "int64", fails},
		{"pgx", "text[]", "tags", "[]string", fits},
		{"pgx", "jsonb", "doc", settings, fits},
		// JSON: text for database/sql, which fills no struct or map but
		// sets a json.RawMessage from json's []byte; unmarshalled by pgx.
		{"database/sql", "text", "jsonb", "string", fits},
		{"database/sql", "text", "jsonb", rawMessage, fits}, // it failed before: text comes as a string
		{"database/sql", "jsonb", "text", rawMessage, fails},
		{"database/sql", "bytea", "jsonb", settings, fits}, // it failed before
		{"database/sql", "jsonb", "text", "map[string]any", fits},
		{"database/sql", "text", "json", "int64", fits}, // no worse: both parse text
		{"pgx", "text", "jsonb", "string", fits},
		{"pgx", "text", "jsonb", "[]byte", fits},
		{"pgx", "text", "json", rawMessage, fits},
		{"pgx", "jsonb", "text", rawMessage, fits},
		{"pgx", "jsonb", "text", settings, fails},
		{"pgx", "jsonb", "text", "map[string]any", fails},
		{"pgx", "text", "jsonb", settings, fits}, // it failed before
		{"pgx", "int8", "jsonb", "int64", mayFail},
		{"pgx", "text", "jsonb", "example.com/store.Status (string)", mayFail},
		{"pgx", "text", "jsonb", "[]string", fits}, // it failed before
		{"pgx", "json", "jsonb", settings, fits},
		// UUIDs: text for database/sql; 16 bytes for pgx.
		{"database/sql", "text", "uuid", "string", fits},
		{"database/sql", "text", "uuid", "[16]byte", fits}, // it failed before
		{"database/sql", "text", "uuid", googleUUID, fits},
		{"database/sql", "uuid", "text", googleUUID, mayFail},
		{"database/sql", "uuid", "int8", googleUUID, fails},
		{"database/sql", "uuid", "text", pgtypeUUID, fits}, // no worse: it failed with lib/pq before
		{"database/sql", "text", "uuid", "int64", fails},
		{"pgx", "text", "uuid", "string", fits},
		{"pgx", "text", "uuid", "[16]byte", fits},
		{"pgx", "uuid", "text", "[16]byte", fails},
		{"pgx", "bytea", "uuid", "[]byte", fits},
		{"pgx", "text", "uuid", googleUUID, fits},
		{"pgx", "uuid", "text", googleUUID, mayFail},
		{"pgx", "uuid", "int8", googleUUID, fails},
		{"pgx", "text", "uuid", pgtypeUUID, fits},
		{"pgx", "uuid", "varchar", pgtypeUUID, mayFail},
		{"pgx", "uuid", "bytea", pgtypeUUID, fails},
		// Not judged: unknown types on either side.
		{"pgx", "text", "int4range", "string", unknownFit},
		{"pgx", "text", "point", "string", unknownFit},
		{"pgx", "text", "int4", "example.com/money.Amount", unknownFit},
		{"pgx", "text", "int4", "example.com/money.Amount (Scanner)", unknownFit},
		{"pgx", "text", "int4", "", unknownFit},
	} {
		got, why := judgeRetype(c.driver, c.from, c.to, c.dest, cat)
		assert.Equal(t, c.want, got, "%s: %s to %s into %s (%s)", c.driver, c.from, c.to, c.dest, why)
		if got == fails || got == mayFail {
			assert.NotEmpty(t, why)
		} else {
			assert.Empty(t, why)
		}
	}
}

// TestJudge checks the judgement of a column type against a Go
// destination on its own, where judgeRetype's comparison with the old
// type would hide it: a read that works with one database/sql driver
// and not the other may fail.
func TestJudge(t *testing.T) {
	cat := userTypes(t)
	for _, c := range []struct {
		driver, typ, dest string
		want              fit
		why               string
	}{
		{"database/sql", "uuid", pgtypeUUID, mayFail, "pgtype.UUID's Scan takes only a string, not uuid's a []byte with lib/pq, which gives a []byte (pgx's stdlib gives a string, which it takes)"},
		{"database/sql", "time", "time.Time", mayFail, "database/sql cannot convert time into time.Time with pgx's stdlib, which gives a string (lib/pq gives a time.Time, which it takes)"},
		{"database/sql", "timetz", "example.com/store.Clock (string)", mayFail, "database/sql converts only text into store.Clock, not timetz with lib/pq, which gives a time.Time (pgx's stdlib gives a string, which it takes)"},
		{"database/sql", "text[]", "[]string", fails, "database/sql has no conversion into []string, which is no sql.Scanner"},
		{"database/sql", "jsonb", "map[string]any", fails, "database/sql has no conversion into map[string]any, which is no sql.Scanner"},
		{"database/sql", "text", rawMessage, fails, "database/sql sets json.RawMessage only from a []byte, not from text's a string"},
		{"database/sql", "bpchar", rawMessage, mayFail, "database/sql sets json.RawMessage only from a []byte, not from bpchar's a string with pgx's stdlib, which gives a string (lib/pq gives a []byte, which it takes)"},
		{"database/sql", "text", pqStrings, mayFail, "pq.StringArray's Scan parses text values as an array, which fails on one that is not"},
		{"database/sql", "uuid", "[16]byte", fails, "database/sql has no conversion into [16]byte, which is no sql.Scanner"},
		{"pgx", "text[]", pqStrings, fails, "pq.StringArray's Scan parses only an array's text, and gets text[]'s binary form; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, every value scans"},
		{"pgx", "interval", "string", fails, "pgx cannot scan interval into string; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, every value scans"},
		{"pgx", "uuid[]", googleUUID, fails, "uuid.UUID's Scan takes only text, not uuid[]'s values; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, some values scan"},
		{"pgx", "timestamptz", "int64", fails, "pgx cannot scan timestamptz into int64"},
		{pgxText, "interval", "string", fits, ""},
		{pgxText, "bool", "example.com/store.Status (string)", fits, ""},
		{pgxText, "jsonb", "example.com/store.Status (string)", mayFail, "pgx unmarshals jsonb into store.Status with encoding/json, which fails on JSON of another shape (pgx reads the rows in the text format: QueryExecModeSimpleProtocol or QueryExecModeExec)"},
		{pgxText, "text[]", pqStrings, fits, ""},
		{pgxText, "timestamptz", "int64", fails, "pgx cannot scan timestamptz into int64 (pgx reads the rows in the text format: QueryExecModeSimpleProtocol or QueryExecModeExec)"},
		{pgxText, "timetz", rawMessage, fails, "pgx cannot scan timetz into json.RawMessage (pgx reads the rows in the text format: QueryExecModeSimpleProtocol or QueryExecModeExec)"},
		{"pgx", "mood", "int64", mayFail, "pgx reads mood as text and parses its label into int64, which fails on a label that does not spell one"},
		{"pgx", "jsonb", settings, mayFail, "pgx unmarshals jsonb into store.Settings with encoding/json, which fails on JSON of another shape"},
		{"pgx", "tags", "[]int64", fails, "pgx scans each element of tags into []int64: pgx cannot scan text into int64"},
		{"pgx", "int8[]", "[]example.com/store.Status (string)", fits, ""},
		{"pgx", "int8[]", "example.com/store.IDs ([]int32)", mayFail, "pgx scans each element of int8[] into store.IDs: pgx fails on int8 values out of int32's range"},
		{"database/sql", "int8[]", "[]example.com/store.Status (string)", fails, "database/sql has no conversion into []store.Status, which is no sql.Scanner"},
		// Scanners of other packages, judged by what their Scan takes.
		{"database/sql", "text", gofrsUUID, mayFail, "uuid.UUID's Scan parses text values into uuid.UUID, which fails on one that is not a UUID"},
		{"pgx", "uuid[]", gofrsUUID, fails, "uuid.UUID's Scan takes only text, not uuid[]'s values; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, some values scan"},
		{"database/sql", "text", decimalDec, mayFail, "decimal.Decimal's Scan parses text values into decimal.Decimal, which fails on one that is not a number"},
		{"pgx", "bool", decimalDec, fails, "decimal.Decimal's Scan cannot convert bool into decimal.Decimal"},
		{"pgx", "numeric", decimalDec, fits, ""},
		{"database/sql", "time", pqNullTime, mayFail, "pq.NullTime's Scan takes only a time.Time and reads time's a string as NULL, without an error with pgx's stdlib, which gives a string (lib/pq gives a time.Time, which it takes)"},
		{"pgx", "text", pqNullTime, fails, "pq.NullTime's Scan takes only a time.Time and reads text's a string as NULL, without an error"},
		{"pgx", "bool", nullString, fits, ""},
		{"database/sql", "float8", nullInt, mayFail, "null.Int's Scan parses float8 values into null.Int, which fails on one that is not a whole number"},
		{"pgx", "time", nullTime, fails, "null.Time's Scan cannot convert time into null.Time"},
		// pgx's pgtype scalars: the codec's plan for their scanner
		// interface under pgx, else their Scan.
		{"pgx", "bool", pgtypePath + "Text", fails, "pgtype.Text's Scan does not take bool's a bool; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, every value scans"},
		{"pgx", "interval", pgtypePath + "Text", fits, ""},
		{pgxText, "bool", pgtypePath + "Text", fits, ""},
		{"database/sql", "int4", pgtypePath + "Text", fails, "pgtype.Text's Scan does not take int4's an int64"},
		{"pgx", "text", pgtypePath + "Int8", mayFail, "pgtype.Int8's Scan parses text values as a whole number, which fails on one that is not"},
		{"database/sql", "float8", pgtypePath + "Int8", fails, "pgtype.Int8's Scan does not take float8's a float64"},
		{"pgx", "int8", pgtypePath + "Int4", mayFail, "pgx fails on int8 values out of pgtype.Int4's range"},
		{"database/sql", "numeric", pgtypePath + "Numeric", mayFail, "pgtype.Numeric's Scan does not take numeric's a []byte with lib/pq, which gives a []byte (pgx's stdlib gives a string, which it takes)"},
		{"pgx", "text", pgtypePath + "Timestamptz", mayFail, "pgtype.Timestamptz's Scan parses text values as a timestamptz, which fails on one that is not"},
		{"pgx", "time", pgtypePath + "Interval", fits, ""},
		{"database/sql", "int4", pgtypePath + "Interval", fails, "pgtype.Interval's Scan does not take int4's an int64"},
		{"pgx", "mood", pgtypePath + "Date", mayFail, "pgx reads mood as text and parses its label into pgtype.Date, which fails on a label that does not spell one"},
	} {
		got, why := judge(c.driver, pgTypeOf(c.typ, cat), goDestOf(c.dest))
		assert.Equal(t, c.want, got, "%s: %s into %s (%s)", c.driver, c.typ, c.dest, why)
		assert.Equal(t, c.why, why, "%s: %s into %s", c.driver, c.typ, c.dest)
	}
}

func TestGoText(t *testing.T) {
	assert.Equal(t, "[]example.com/store.Status", goText("[]example.com/store.Status (string)"))
	assert.Equal(t, "map[string]example.com/x.U", goText("map[string]example.com/x.U (string)"))
	assert.Equal(t, "example.com/x.T", goText("example.com/x.T (map[string]example.com/x.U (string))"))
	assert.Equal(t, "int64", goText("int64"))
}

func TestShortType(t *testing.T) {
	assert.Equal(t, "sql.NullString", shortType("database/sql.NullString"))
	assert.Equal(t, "store.Status", shortType("example.com/store.Status"))
	assert.Equal(t, "time.Time", shortType("time.Time"))
	assert.Equal(t, "sql.Null[store.ID]", shortType("database/sql.Null[example.com/x/store.ID]"))
	assert.Equal(t, "*int64", shortType("*int64"))
	assert.Equal(t, "pgtype.Array[uuid.UUID]", shortType("github.com/jackc/pgx/v5/pgtype.Array[github.com/google/uuid.UUID]"))
}
