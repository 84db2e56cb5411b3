package rules

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/testenv"
)

// scanColumns are the column types whose reads TestJudgementsOnPostgres
// checks, each with the values of its rows (SQL literals): values that
// some destinations take and others do not, so that a judgement of
// "may fail" meets both.
var scanColumns = []struct {
	typ    string
	values []string
}{
	{"int4", []string{"1", "-5"}},
	{"int8", []string{"1", "9000000000"}},
	{"numeric", []string{"1", "2.5", "12345678901234567890123456789012"}}, // the last one a UUID's 32 digits
	{"float8", []string{"1", "1.5"}},
	{"bool", []string{"true"}},
	{"date", []string{"'2024-01-02'"}},
	{"timestamp", []string{"'2024-01-02 03:04:05'"}},
	{"timestamptz", []string{"'2024-01-02 03:04:05+00'"}},
	// Bytes, the text "42", 16 bytes, the text "{1}", the text "t".
	{"bytea", []string{`'\x0102'`, `'\x3432'`, `'\x000102030405060708090a0b0c0d0e0f'`, `'\x7b317d'`, `'\x74'`}},
	{"text", []string{"'hello'", "'42'", "'t'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{1,2}'", "'2024-01-02'", "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05+00'", "'1 day'"}},
	{"varchar", []string{"'hello'", "'42'", "'t'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{1,2}'", "'2024-01-02'", "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05+00'", "'1 day'"}},
	{"bpchar", []string{"'hello'", "'42'", "'t'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{1,2}'", "'2024-01-02'", "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05+00'", "'1 day'"}},
	{"time", []string{"'10:00:00'", "'24:00:00'"}},
	{"timetz", []string{"'10:00:00+02'"}},
	{"interval", []string{"'1 day 02:00:00'", "'00:00:01'"}},
	{"uuid", []string{"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"}},
	{"jsonb", []string{`'{"theme": "dark"}'`, "'[1, 2]'", `'["a", "b"]'`, `'"x"'`, "'1'", "'true'", "'{}'", `'"2024-01-02T03:04:05Z"'`, "'12345678901234567890123456789012'", "'[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]'"}},
	{"json", []string{`'{"theme": "dark"}'`, "'[1, 2]'", `'["a", "b"]'`, `'"x"'`, "'1'", "'true'", "'{}'", `'"2024-01-02T03:04:05Z"'`, "'12345678901234567890123456789012'", "'[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]'"}},
	{"text[]", []string{"'{a,b}'", "'{1,2}'"}},
	{"varchar[]", []string{"'{a,b}'", "'{1,2}'"}},
	{"int4[]", []string{"'{1,2}'", "'{300}'"}},
	{"int8[]", []string{"'{1,2}'", "'{9000000000}'"}},
	{"uuid[]", []string{"'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}'"}},
	// Labels that spell nothing, and labels that spell what some
	// destinations parse. Text, too, holds what pgtype's times and
	// intervals parse.
	{"mood", []string{"'happy'", "'1'", "'t'", "'2024-01-02 03:04:05+00'", "'2024-01-02 03:04:05'", "'2024-01-02'", "'1 day'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{1}'"}},
	{"email", []string{"'hello'", "'42'", "'t'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'{1,2}'", "'2024-01-02'", "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05+00'", "'1 day'"}},
	{"score", []string{"1", "7", "9000000000"}},
	{"tags", []string{"'{a,b}'", "'{1,2}'"}},
	{"doc", []string{`'{"theme": "dark"}'`, "'[1, 2]'", `'["a", "b"]'`, `'"x"'`, "'1'", "'true'", "'{}'", `'"2024-01-02T03:04:05Z"'`, "'12345678901234567890123456789012'", "'[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]'"}},
}

// scanDestinations are the Go destinations checked: the Go type as the
// module below writes it, and its description as gocode gives it.
var scanDestinations = []struct{ goType, desc string }{
	{"string", "string"},
	{"[]byte", "[]byte"},
	{"any", "any"},
	{"int64", "int64"},
	{"int32", "int32"},
	{"float64", "float64"},
	{"bool", "bool"},
	{"time.Time", "time.Time"},
	{"time.Duration", "time.Duration"},
	{"Mood", "example.com/scan.Mood (string)"},
	{"[]string", "[]string"},
	{"[]int64", "[]int64"},
	{"[]int32", "[]int32"},
	{"[16]byte", "[16]byte"},
	{"map[string]any", "map[string]any"},
	{"Settings", "example.com/scan.Settings (struct)"},
	{"json.RawMessage", "encoding/json.RawMessage ([]byte)"},
	{"uuid.UUID", "github.com/google/uuid.UUID"},
	{"pgtype.UUID", "github.com/jackc/pgx/v5/pgtype.UUID"},
	{"pgtype.Array[string]", "github.com/jackc/pgx/v5/pgtype.Array[string]"},
	{"pgtype.FlatArray[int64]", "github.com/jackc/pgx/v5/pgtype.FlatArray[int64]"},
	{"pq.StringArray", "github.com/lib/pq.StringArray"},
	{"pq.Int64Array", "github.com/lib/pq.Int64Array"},
	{"sql.NullString", "database/sql.NullString"},
	{"sql.NullInt64", "database/sql.NullInt64"},
	{"gofrs.UUID", "github.com/gofrs/uuid.UUID"},
	{"gofrs.NullUUID", "github.com/gofrs/uuid.NullUUID"},
	{"pgtype.Text", "github.com/jackc/pgx/v5/pgtype.Text"},
	{"pgtype.Int4", "github.com/jackc/pgx/v5/pgtype.Int4"},
	{"pgtype.Int8", "github.com/jackc/pgx/v5/pgtype.Int8"},
	{"pgtype.Numeric", "github.com/jackc/pgx/v5/pgtype.Numeric"},
	{"pgtype.Timestamptz", "github.com/jackc/pgx/v5/pgtype.Timestamptz"},
	{"pgtype.Timestamp", "github.com/jackc/pgx/v5/pgtype.Timestamp"},
	{"pgtype.Date", "github.com/jackc/pgx/v5/pgtype.Date"},
	{"pgtype.Interval", "github.com/jackc/pgx/v5/pgtype.Interval"},
	{"pgtype.Bool", "github.com/jackc/pgx/v5/pgtype.Bool"},
	{"pgtype.Float8", "github.com/jackc/pgx/v5/pgtype.Float8"},
	{"decimal.Decimal", "github.com/shopspring/decimal.Decimal"},
	{"pq.NullTime", "github.com/lib/pq.NullTime"},
	{"null.String", "gopkg.in/guregu/null.v4.String"},
	{"null.Int", "gopkg.in/guregu/null.v4.Int"},
	{"null.Time", "gopkg.in/guregu/null.v4.Time"},
}

// scanDrivers are the drivers the module reads with, by the family whose
// judgement applies: pgx's own interface in its default mode (binary
// results), pgx in the modes that read the results in the text format
// (the simple protocol, and QueryExecModeExec), and database/sql with
// lib/pq and with pgx's stdlib.
var scanDrivers = []struct{ name, family, call string }{
	{"pgx", "pgx", "viaPgx"},
	{"pgx's simple protocol", pgxText, "viaPgxSimple"},
	{"pgx's exec mode", pgxText, "viaPgxExec"},
	{"lib/pq", "database/sql", "viaPq"},
	{"pgx's stdlib", "database/sql", "viaStdlib"},
}

// scanFamilies are the families of scanDrivers.
var scanFamilies = []string{"pgx", pgxText, "database/sql"}

// TestJudgementsOnPostgres holds pgsafe's judgements of column types
// against Go destinations (judge, judgeRetype) to what the real drivers
// do: it builds a Go module with pgx v5, lib/pq and google/uuid, which
// scans every row of a table of each type of scanColumns into each
// destination of scanDestinations, with each driver (pgx also in its
// simple protocol and its exec mode), on a real
// PostgreSQL. A judgement of fits needs every row to scan with every
// driver of its family, fails needs none to, and mayFail needs some
// that do and some that do not (rows, or the drivers of database/sql);
// each change of a column from one type to another is then judged as
// the rows of the old and the new type scan. Pairs that pgsafe does not
// judge are only counted.
func TestJudgementsOnPostgres(t *testing.T) {
	testenv.Heavy(t, "builds a Go module with pgx, lib/pq and google/uuid, and scans real rows with it")
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to build the module: ", err)
	}
	url := pgtest.NewDatabase(t)
	conn, _ := pgtest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := conn.Exec(ctx, userTypesSQL)
	require.NoError(t, err)

	// One table of rows for each type; one check for each row, destination
	// and driver, numbered in that order.
	type check struct{ col, row, dest, driver int }
	var checks []check
	var calls strings.Builder
	for ci, c := range scanColumns {
		table := fmt.Sprintf("t%d", ci)
		_, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (i int PRIMARY KEY, v %s)", table, c.typ))
		require.NoError(t, err, c.typ)
		for ri, v := range c.values {
			_, err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s VALUES (%d, %s)", table, ri, v))
			require.NoError(t, err, "%s %s", c.typ, v)
			for di, d := range scanDestinations {
				for vi, drv := range scanDrivers {
					checks = append(checks, check{ci, ri, di, vi})
					fmt.Fprintf(&calls, "\t\tfunc() error { return %s[%s](%q) },\n", drv.call, d.goType,
						fmt.Sprintf("SELECT v FROM %s WHERE i = %d", table, ri))
				}
			}
		}
	}
	out := runScanModule(t, url, calls.String())

	// ok[check] is whether the scan succeeded; errs keeps the messages.
	ok := make([]bool, len(checks))
	errs := make([]string, len(checks))
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		parts := strings.SplitN(line, "\t", 3)
		require.GreaterOrEqual(t, len(parts), 2, "output line %q", line)
		i, err := strconv.Atoi(parts[0])
		require.NoError(t, err, line)
		ok[i] = parts[1] == "ok"
		if len(parts) == 3 {
			errs[i] = parts[2]
		}
		seen++
	}
	require.Equal(t, len(checks), seen, "one line for each check")

	// actual[family][col][dest] is how the real drivers fill the
	// destination from the column's rows.
	cat := userTypes(t)
	actual := map[string][][]fit{}
	examples := map[string][][]string{} // a failure's message, for the report
	for _, f := range scanFamilies {
		actual[f] = make([][]fit, len(scanColumns))
		examples[f] = make([][]string, len(scanColumns))
		for ci := range scanColumns {
			actual[f][ci] = make([]fit, len(scanDestinations))
			examples[f][ci] = make([]string, len(scanDestinations))
		}
	}
	type tally struct{ good, bad int }
	tallies := map[[3]int]*tally{} // family (index in scanFamilies), col, dest
	for i, c := range checks {
		fam := slices.Index(scanFamilies, scanDrivers[c.driver].family)
		k := [3]int{fam, c.col, c.dest}
		if tallies[k] == nil {
			tallies[k] = &tally{}
		}
		if ok[i] {
			tallies[k].good++
		} else {
			tallies[k].bad++
			if examples[scanDrivers[c.driver].family][c.col][c.dest] == "" {
				examples[scanDrivers[c.driver].family][c.col][c.dest] = scanDrivers[c.driver].name + ": " + errs[i]
			}
		}
	}
	for k, n := range tallies {
		family := scanFamilies[k[0]]
		switch {
		case n.bad == 0:
			actual[family][k[1]][k[2]] = fits
		case n.good == 0:
			actual[family][k[1]][k[2]] = fails
		default:
			actual[family][k[1]][k[2]] = mayFail
		}
	}

	judged, unjudged := 0, []string(nil)
	for _, family := range scanFamilies {
		for ci, c := range scanColumns {
			for di, d := range scanDestinations {
				want := actual[family][ci][di]
				got, why := judge(family, pgTypeOf(c.typ, cat), goDestOf(d.desc))
				if got == unknownFit {
					unjudged = append(unjudged, fmt.Sprintf("%s: %s into %s (%s)", family, c.typ, d.goType, actual[family][ci][di]))
					continue
				}
				judged++
				assert.Equal(t, want, got, "%s: %s into %s: pgsafe says %q; the drivers: %s", family, c.typ, d.goType, why, examples[family][ci][di])
			}
		}
	}
	t.Logf("%d checks of %d rows; %d judgements held to the drivers; %d pairs not judged: %s",
		len(checks), seen, judged, len(unjudged), strings.Join(unjudged, "; "))

	// Changes from one type to another, judged as the rows scan.
	retypes := 0
	for _, family := range scanFamilies {
		for from := range scanColumns {
			for to := range scanColumns {
				for di, d := range scanDestinations {
					dest := goDestOf(d.desc)
					if b, _ := judge(family, pgTypeOf(scanColumns[from].typ, cat), dest); b == unknownFit {
						continue // judged against nothing known: judgeRetype warns of what the new type may do
					}
					got, _ := judgeRetype(family, scanColumns[from].typ, scanColumns[to].typ, d.desc, cat)
					if got == unknownFit {
						continue
					}
					retypes++
					before, after := actual[family][from][di], actual[family][to][di]
					want := after
					if before >= after {
						want = fits // no worse than the code meets today
					}
					assert.Equal(t, want, got, "%s: %s to %s into %s", family, scanColumns[from].typ, scanColumns[to].typ, d.goType)
				}
			}
		}
	}
	t.Logf("%d type changes held to the drivers", retypes)
}

// runScanModule builds the Go module that runs calls (one func() error
// per line, in check order) against the database at url, runs it, and
// returns its output: "N\tok" or "N\terr\tmessage" for check N. The
// module requires pgsafe's own pgx, lib/pq and google/uuid; the go
// command takes them from the module cache, or the module proxy.
func runScanModule(t *testing.T, url, calls string) string {
	t.Helper()
	dir := t.TempDir()
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	require.NoError(t, err)
	_, requires, _ := strings.Cut(string(mod), "\n")
	sum, err := os.ReadFile(filepath.Join("..", "go.sum"))
	require.NoError(t, err)
	files := map[string]string{
		"go.mod": "module example.com/scan\n" + requires + "\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgithub.com/lib/pq v1.10.9\n" +
			"\tgithub.com/gofrs/uuid v4.4.0+incompatible\n\tgithub.com/shopspring/decimal v1.4.0\n\tgopkg.in/guregu/null.v4 v4.0.0\n)\n",
		"go.sum":  string(sum),
		"main.go": strings.Replace(scanModuleMain, "\t\t// CALLS\n", calls, 1),
	}
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	bin := filepath.Join(dir, "scan")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	b, err := build.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", b)
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "DATABASE_URL="+url)
	out, err := run.Output()
	require.NoError(t, err, "the scan module: %s", out)
	return string(out)
}

// scanModuleMain is the module's program; the checks replace "// CALLS".
const scanModuleMain = `// Command scan scans rows into Go destinations with pgx, and with
// database/sql over lib/pq and over pgx's stdlib, and prints each
// outcome.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	gofrs "github.com/gofrs/uuid"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
	"gopkg.in/guregu/null.v4"
)

// Mood is a string type of the application's own.
type Mood string

// Settings is a struct that JSON fills.
type Settings struct {
	Theme string ` + "`json:\"theme\"`" + `
}

var (
	ctx       = context.Background()
	conn      *pgx.Conn
	pqDB      *sql.DB
	stdlibDB  *sql.DB
	_         = []any{json.RawMessage{}, uuid.UUID{}, pgtype.UUID{}, pq.StringArray{}, time.Time{}, gofrs.UUID{}, decimal.Decimal{}, null.String{}}
)

// lost reports whether a Scan into d set it NULL from a value that was
// not (no row of the test is NULL): pq.NullTime's Scan does, without an
// error, for any value that is not a time.Time.
func lost(d any) error {
	if nt, ok := d.(*pq.NullTime); ok && !nt.Valid {
		return fmt.Errorf("pq.NullTime read a value as NULL")
	}
	return nil
}

func viaPgx[T any](query string) error {
	var d T
	if err := conn.QueryRow(ctx, query).Scan(&d); err != nil {
		return err
	}
	return lost(&d)
}

func viaPgxSimple[T any](query string) error {
	var d T
	if err := conn.QueryRow(ctx, query, pgx.QueryExecModeSimpleProtocol).Scan(&d); err != nil {
		return err
	}
	return lost(&d)
}

func viaPgxExec[T any](query string) error {
	var d T
	if err := conn.QueryRow(ctx, query, pgx.QueryExecModeExec).Scan(&d); err != nil {
		return err
	}
	return lost(&d)
}

func viaPq[T any](query string) error {
	var d T
	if err := pqDB.QueryRow(query).Scan(&d); err != nil {
		return err
	}
	return lost(&d)
}

func viaStdlib[T any](query string) error {
	var d T
	if err := stdlibDB.QueryRow(query).Scan(&d); err != nil {
		return err
	}
	return lost(&d)
}

func main() {
	url := os.Getenv("DATABASE_URL")
	var err error
	if conn, err = pgx.Connect(ctx, url); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if pqDB, err = sql.Open("postgres", url); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if stdlibDB, err = sql.Open("pgx", url); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	checks := []func() error{
		// CALLS
	}
	for i, check := range checks {
		if err := check(); err != nil {
			fmt.Printf("%d\terr\t%s\n", i, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Printf("%d\tok\n", i)
		}
	}
}
`
