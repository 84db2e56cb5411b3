package gocode

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
)

// reads returns each query's Read.
func reads(f File) []*Read {
	var out []*Read
	for _, q := range f.Queries {
		out = append(out, q.Read)
	}
	return out
}

func TestScanReads(t *testing.T) {
	src := `package store

import (
	"context"
	"database/sql"
)

func f(ctx context.Context, db *sql.DB) error {
	var a, b, c int
	if err := db.QueryRowContext(ctx, "SELECT * FROM one").Scan(&a, &b); err != nil {
		return err
	}
	rows, err := db.Query("SELECT * FROM two")
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := rows.Scan(&a, &b, &c); err != nil {
			return err
		}
	}
	row := db.QueryRow("SELECT * FROM three")
	dest := []any{&a}
	_ = row.Scan(dest...)
	mixed, _ := db.Query("SELECT * FROM four")
	_ = mixed.Scan(&a)
	_ = mixed.Scan(&a, &b)
	_, _ = db.Exec("DELETE FROM five")
	return nil
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 5)
	r := reads(f)
	assert.Equal(t, &Read{Line: 10, Column: 12, Call: "QueryRowContext(...).Scan", Destinations: 2, Driver: "database/sql", Types: []string{"int", "int"}}, r[0])
	assert.Equal(t, &Read{Line: 18, Column: 13, Call: "rows.Scan", Destinations: 3, Driver: "database/sql", Types: []string{"int", "int", "int"}}, r[1])
	assert.Nil(t, r[2], "destinations spread from a slice are unknown")
	assert.Nil(t, r[3], "two reads that disagree")
	assert.Nil(t, r[4], "Exec reads no rows")
}

const structs = `
type Base struct {
	ID int ` + "`db:\"id\"`" + `
}

type Client struct {
	Base
	Name     string ` + "`db:\"client_name\"`" + `
	Secret   string ` + "`db:\"-\"`" + `
	UserID   int
	internal int
}
`

func TestSqlxReads(t *testing.T) {
	src := `package store

import "github.com/jmoiron/sqlx"
` + structs + `
func f(db *sqlx.DB) {
	var cs []Client
	var c Client
	var names []string
	_ = db.Select(&cs, "SELECT * FROM clients")
	_ = db.Unsafe().Get(&c, "SELECT * FROM clients WHERE id = 1")
	_ = db.Select(&names, "SELECT name FROM clients")
	rows, _ := db.Queryx("SELECT * FROM clients")
	for rows.Next() {
		_ = rows.StructScan(&c)
	}
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 4)
	r := reads(f)
	want := []string{"id", "client_name", "userid"}
	types := []string{"int", "string", "int"}
	assert.Equal(t, &Read{Line: 21, Column: 6, Call: "sqlx Select", Names: want, Driver: "database/sql", Types: types}, r[0])
	assert.Equal(t, &Read{Line: 22, Column: 6, Call: "sqlx Get", Names: want, Lax: true, Driver: "database/sql", Types: types}, r[1])
	assert.Equal(t, &Read{Line: 23, Column: 6, Call: "sqlx Select", Destinations: 1, Driver: "database/sql", Types: []string{"string"}}, r[2])
	assert.Equal(t, &Read{Line: 26, Column: 7, Call: "sqlx StructScan", Names: want, Driver: "database/sql", Types: types}, r[3])
}

func TestPgxReads(t *testing.T) {
	src := `package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)
` + structs + `
func f(ctx context.Context, conn *pgx.Conn) {
	rows, _ := conn.Query(ctx, "SELECT * FROM clients")
	_, _ = pgx.CollectRows(rows, pgx.RowToStructByName[Client])
	lax, _ := conn.Query(ctx, "SELECT * FROM clients")
	_, _ = pgx.CollectOneRow(lax, pgx.RowToAddrOfStructByNameLax[Client])
	pos, _ := conn.Query(ctx, "SELECT * FROM clients")
	_, _ = pgx.CollectRows(pos, pgx.RowToStructByPos[Client])
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 3)
	r := reads(f)
	want := []string{"id", "client_name", "userid"}
	types := []string{"int", "string", "int"}
	// RowToStructByName needs a column for every field; its Lax form takes
	// fields without a column, but no extra columns either.
	assert.Equal(t, &Read{Line: 23, Column: 9, Call: "pgx.RowToStructByName", Names: want, Strict: true, Driver: "pgx", Types: types}, r[0])
	assert.Equal(t, &Read{Line: 25, Column: 9, Call: "pgx.RowToAddrOfStructByNameLax", Names: want, Driver: "pgx", Types: types}, r[1])
	assert.Equal(t, &Read{Line: 27, Column: 9, Call: "pgx.RowToStructByPos", Destinations: 3, Driver: "pgx", Types: types}, r[2])
}

// TestPgxTextFormat: a pgx query in a mode that reads text (the mode
// passed as the first argument after the SQL) is read by DriverPgxText,
// one in another mode by pgx; a default set in the package (the config's
// field, a connection string) holds for its queries that name no mode,
// and one set in another package does not.
func TestPgxTextFormat(t *testing.T) {
	query := `package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

func f(ctx context.Context, conn *pgx.Conn) {
	var a, b, c int
	_ = conn.QueryRow(ctx, "SELECT * FROM one", pgx.QueryExecModeSimpleProtocol, 1).Scan(&a)
	_ = conn.QueryRow(ctx, "SELECT * FROM two", pgx.QueryExecModeExec).Scan(&b)
	_ = conn.QueryRow(ctx, "SELECT * FROM three", pgx.QueryExecModeCacheDescribe).Scan(&c)
	_ = conn.QueryRow(ctx, "SELECT * FROM four", 1).Scan(&c)
}
`
	drivers := func(f File) []string {
		var out []string
		for _, r := range reads(f) {
			require.NotNil(t, r)
			out = append(out, r.Driver)
		}
		return out
	}
	assert.Equal(t, []string{DriverPgxText, DriverPgxText, "pgx", "pgx"}, drivers(extractOne(t, query)))

	for _, setup := range []string{
		"func open(cfg *pgx.ConnConfig) { cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol }",
		"var cfg = pgx.ConnConfig{DefaultQueryExecMode: pgx.QueryExecModeExec}",
		"const url = \"postgres://db/app?default_query_exec_mode=simple_protocol\"",
	} {
		files, errs := Extract([]source.File{
			{Path: "store/store.go", Text: query},
			{Path: "store/conn.go", Text: "package store\n\nimport \"github.com/jackc/pgx/v5\"\n\n" + setup + "\n"},
			{Path: "other/store.go", Text: strings.Replace(query, "package store", "package other", 1)},
		})
		require.Empty(t, errs)
		require.Len(t, files, 2)
		assert.Equal(t, []string{DriverPgxText, DriverPgxText, "pgx", DriverPgxText}, drivers(files[0]), setup)
		assert.Equal(t, []string{DriverPgxText, DriverPgxText, "pgx", "pgx"}, drivers(files[1]), "another package: %s", setup)
	}
	files, errs := Extract([]source.File{
		{Path: "store/store.go", Text: query},
		{Path: "store/conn.go", Text: "package store\n\nimport \"github.com/jackc/pgx/v5\"\n\nfunc open(cfg *pgx.ConnConfig) { cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe }\n"},
	})
	require.Empty(t, errs)
	assert.Equal(t, []string{DriverPgxText, DriverPgxText, "pgx", "pgx"}, drivers(files[0]), "a default that reads binary")
}

func TestGormReads(t *testing.T) {
	src := `package store

import "gorm.io/gorm"

type Client struct {
	ID       int
	UserID   int
	HTTPHost string
	Name     string ` + "`gorm:\"column:client_name;not null\"`" + `
}

func f(db *gorm.DB) {
	var cs []Client
	db.Raw("SELECT * FROM clients").Scan(&cs)
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	assert.Equal(t, &Read{Line: 14, Column: 2, Call: "gorm Scan",
		Names: []string{"id", "user_id", "http_host", "client_name"}, Lax: true, Driver: "database/sql",
		Types: []string{"int", "int", "string", "string"}}, f.Queries[0].Read)
}

func TestUnknownDestinationTypeIsNoRead(t *testing.T) {
	src := `package store

import (
	"github.com/jmoiron/sqlx"
	"example.com/models"
)

func f(db *sqlx.DB) {
	var cs []models.Client
	_ = db.Select(&cs, "SELECT * FROM clients")
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	assert.Nil(t, f.Queries[0].Read, "a struct from a package that cannot be imported")
}

func TestReadsStopAtTheNextQuery(t *testing.T) {
	src := `package store

import "database/sql"

func f(db *sql.DB) {
	var a, b int
	rows, _ := db.Query("SELECT a FROM one")
	for rows.Next() {
		_ = rows.Scan(&a)
	}
	rows, _ = db.Query("SELECT a, b FROM two")
	for rows.Next() {
		_ = rows.Scan(&a, &b)
	}
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 2)
	assert.Equal(t, &Read{Line: 9, Column: 7, Call: "rows.Scan", Destinations: 1, Driver: "database/sql", Types: []string{"int"}}, f.Queries[0].Read)
	assert.Equal(t, &Read{Line: 13, Column: 7, Call: "rows.Scan", Destinations: 2, Driver: "database/sql", Types: []string{"int", "int"}}, f.Queries[1].Read)
}

func TestPreparedStatementReads(t *testing.T) {
	src := `package store

import "database/sql"

func f(db *sql.DB) error {
	var a, b int
	stmt, err := db.Prepare("SELECT * FROM clients WHERE id = $1")
	if err != nil {
		return err
	}
	for _, id := range []int{1, 2} {
		if err := stmt.QueryRow(id).Scan(&a, &b); err != nil {
			return err
		}
	}
	rows, _ := stmt.Query(3)
	for rows.Next() {
		_ = rows.Scan(&a, &b)
	}
	ins, _ := db.Prepare("INSERT INTO clients (id) VALUES ($1)")
	_, _ = ins.Exec(1)
	bad, _ := db.Prepare("SELECT * FROM two")
	_ = bad.QueryRow().Scan(&a)
	_ = bad.QueryRow().Scan(&a, &b)
	return nil
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 3)
	assert.Equal(t, &Read{Line: 12, Column: 13, Call: "QueryRow(...).Scan", Destinations: 2, Driver: "database/sql", Types: []string{"int", "int"}}, f.Queries[0].Read,
		"the statement's two reads agree")
	assert.Nil(t, f.Queries[1].Read, "Exec reads no rows")
	assert.Nil(t, f.Queries[2].Read, "two reads that disagree")
}

// TestDestinationTypes checks the Go types recorded for a read's
// destinations: from go/types where the package type-checks (the
// standard library's types, the package's own); from the declaration's
// syntax where a type comes from a package that cannot be imported
// (third-party ones), "" where there is none.
func TestDestinationTypes(t *testing.T) {
	src := `package store

import (
	"database/sql"
	"time"

	"example.com/money"
)

type Status string

type ID int64

type Point struct{ X, Y float64 }

func (p *Point) Scan(src any) error { return nil }

type Row struct {
	ID      ID
	Name    *string
	Created time.Time
	Note    sql.NullString
	Amount  money.Amount
	Raw     []byte
}

func f(db *sql.DB) error {
	var (
		id     int64
		name   *string
		note   sql.NullString
		at     time.Time
		raw    []byte
		any_   any
		status Status
		n      sql.Null[int32]
		p      Point
		amount money.Amount
		r      Row
		dest   any = &id
	)
	if err := db.QueryRow("SELECT * FROM a").Scan(&id, &name, &note, &at, &raw, &any_, &status, &n, &p, &amount, dest, &r.Name); err != nil {
		return err
	}
	return nil
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	r := f.Queries[0].Read
	require.NotNil(t, r)
	assert.Equal(t, "database/sql", r.Driver)
	assert.Equal(t, []string{
		"int64", "*string", "database/sql.NullString", "time.Time", "[]byte", "any",
		"store.Status (string)", "database/sql.Null[int32]", "store.Point (Scanner)",
		"example.com/money.Amount", // of a package that cannot be imported: as declared
		"",                         // not a pointer: what it holds is not known
		"*string",
	}, r.Types)

	structs := `package store

import (
	"time"

	"example.com/money"
	"github.com/jackc/pgx/v5"
)

type ID int64

type Row struct {
	ID      ID ` + "`db:\"id\"`" + `
	Created *time.Time
	Amount  money.Amount
}

func g(conn *pgx.Conn) {
	rows, _ := conn.Query(nil, "SELECT * FROM a")
	_, _ = pgx.CollectRows(rows, pgx.RowToStructByName[Row])
}
`
	f = extractOne(t, structs)
	require.Len(t, f.Queries, 1)
	r = f.Queries[0].Read
	require.NotNil(t, r)
	assert.Equal(t, "pgx", r.Driver)
	assert.Equal(t, []string{"id", "created", "amount"}, r.Names)
	assert.Equal(t, []string{"store.ID (int64)", "*time.Time", "example.com/money.Amount"}, r.Types, "beside the names; pgx untyped, the struct typed")

	// The package does not type-check fully: sqlx cannot be imported, so
	// the receiver has no type, and neither does a destination of its.
	untyped := `package store

import "github.com/jmoiron/sqlx"

func h(db *sqlx.DB) {
	var id int64
	var v sqlx.NullJSON
	w, u := sqlx.New(), sqlx.New()
	rows, _ := db.Queryx("SELECT * FROM a")
	_ = rows.Scan(&id, &v)
	_ = db.QueryRowx("SELECT * FROM b").Scan(&w, &u)
}
`
	f = extractOne(t, untyped)
	require.Len(t, f.Queries, 2)
	assert.Equal(t, &Read{Line: 10, Column: 6, Call: "rows.Scan", Destinations: 2, Driver: "database/sql", Types: []string{"int64", "github.com/jmoiron/sqlx.NullJSON"}}, f.Queries[0].Read)
	assert.Equal(t, &Read{Line: 11, Column: 6, Call: "QueryRowx(...).Scan", Destinations: 2, Driver: "database/sql"}, f.Queries[1].Read,
		"no type known, none declared: none recorded")
}

// TestDestinationTypesOfDrivers checks the descriptions of the
// destinations whose conversions depend on the driver's own types:
// slices, arrays, maps and structs that go/types knows, and the types of
// third-party packages (uuid, pgtype, pq), which it does not, from the
// declarations' syntax.
func TestDestinationTypesOfDrivers(t *testing.T) {
	src := `package store

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	pq "github.com/lib/pq"
)

type Settings struct{ Theme string }

type Row struct {
	ID    uuid.UUID
	Tags  pgtype.FlatArray[string]
	Roles *pq.StringArray
}

func f(db *sql.DB) error {
	var (
		tags     []string
		ids      []int64
		raw      [16]byte
		doc      map[string]any
		msg      json.RawMessage
		settings Settings
		id       uuid.UUID
		pid      pgtype.UUID
		arr      pgtype.Array[string]
		roles    pq.StringArray
		ids2     []uuid.UUID
		took     time.Duration
		r        Row
	)
	return db.QueryRow("SELECT * FROM a").Scan(&tags, &ids, &raw, &doc, &msg, &settings, &id, &pid, &arr, &roles, &ids2, &took, &r.ID, &r.Roles)
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	r := f.Queries[0].Read
	require.NotNil(t, r)
	assert.Equal(t, []string{
		"[]string", "[]int64", "[16]byte", "map[string]any", "encoding/json.RawMessage ([]byte)",
		"store.Settings (struct)", "github.com/google/uuid.UUID", "github.com/jackc/pgx/v5/pgtype.UUID",
		"github.com/jackc/pgx/v5/pgtype.Array[string]", "github.com/lib/pq.StringArray",
		"[]github.com/google/uuid.UUID", "time.Duration", "github.com/google/uuid.UUID", "*github.com/lib/pq.StringArray",
	}, r.Types)
}

// TestDestinationTypesOfOtherPackages: the declarations of destinations
// of gofrs/uuid, shopspring/decimal, lib/pq's NullTime, pgx's pgtype
// scalars and gopkg.in/guregu/null.v4 (whose package name is null, not
// null.v4) are described by their import paths.
func TestDestinationTypesOfOtherPackages(t *testing.T) {
	src := `package store

import (
	"database/sql"

	"github.com/gofrs/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
	"gopkg.in/guregu/null.v4"
)

func f(db *sql.DB) error {
	var (
		id     uuid.UUID
		parent uuid.NullUUID
		price  decimal.Decimal
		seen   pq.NullTime
		name   null.String
		count  null.Int
		at     null.Time
		total  pgtype.Numeric
		label  pgtype.Text
	)
	return db.QueryRow("SELECT * FROM a").Scan(&id, &parent, &price, &seen, &name, &count, &at, &total, &label)
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	r := f.Queries[0].Read
	require.NotNil(t, r)
	assert.Equal(t, []string{
		"github.com/gofrs/uuid.UUID", "github.com/gofrs/uuid.NullUUID", "github.com/shopspring/decimal.Decimal",
		"github.com/lib/pq.NullTime", "gopkg.in/guregu/null.v4.String", "gopkg.in/guregu/null.v4.Int",
		"gopkg.in/guregu/null.v4.Time", "github.com/jackc/pgx/v5/pgtype.Numeric", "github.com/jackc/pgx/v5/pgtype.Text",
	}, r.Types)
}
