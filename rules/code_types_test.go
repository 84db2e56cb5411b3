package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestJudgeRetype checks the judgement of a type change against a Go
// destination, per driver, as database/sql's convertAssign and pgx v5's
// scan plans decide it.
func TestJudgeRetype(t *testing.T) {
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
		// pgx hands a sql.Scanner database/sql's values.
		{"pgx", "int8", "text", "database/sql.NullInt64", mayFail},
		{"pgx", "int8", "text", "database/sql.Null[int64]", mayFail},
		// Not judged: unknown types on either side.
		{"pgx", "text", "jsonb", "int64", unknownFit},
		{"pgx", "text", "mood", "string", unknownFit},
		{"pgx", "text", "int4", "example.com/money.Amount (Scanner)", unknownFit},
		{"pgx", "text", "int4", "", unknownFit},
	} {
		got, why := judgeRetype(c.driver, c.from, c.to, c.dest)
		assert.Equal(t, c.want, got, "%s: %s to %s into %s (%s)", c.driver, c.from, c.to, c.dest, why)
		if got == fails || got == mayFail {
			assert.NotEmpty(t, why)
		} else {
			assert.Empty(t, why)
		}
	}
}

func TestShortType(t *testing.T) {
	assert.Equal(t, "sql.NullString", shortType("database/sql.NullString"))
	assert.Equal(t, "store.Status", shortType("example.com/store.Status"))
	assert.Equal(t, "time.Time", shortType("time.Time"))
	assert.Equal(t, "sql.Null[store.ID]", shortType("database/sql.Null[example.com/x/store.ID]"))
	assert.Equal(t, "*int64", shortType("*int64"))
}
