package gocode

import "strings"

// The database libraries, by the names that Call strings give them.
const (
	libSQL  = "database/sql"
	libSQLX = "sqlx"
	libPgx  = "pgx"
	libGorm = "gorm"
)

// libraryOfPath returns the database library that an import path belongs
// to, or "".
func libraryOfPath(path string) string {
	switch {
	case path == "database/sql":
		return libSQL
	case path == "github.com/jmoiron/sqlx" || strings.HasPrefix(path, "github.com/jmoiron/sqlx/"):
		return libSQLX
	case strings.HasPrefix(path, "github.com/jackc/pgx/v4") || strings.HasPrefix(path, "github.com/jackc/pgx/v5"):
		return libPgx
	case path == "gorm.io/gorm" || path == "github.com/jinzhu/gorm":
		return libGorm
	}
	return ""
}

// sqlMethods are database/sql's query methods (of DB, Tx and Conn), with
// the index of their SQL argument.
var sqlMethods = map[string]int{
	"Query": 0, "QueryRow": 0, "Exec": 0, "Prepare": 0,
	"QueryContext": 1, "QueryRowContext": 1, "ExecContext": 1, "PrepareContext": 1,
}

// methods maps each library to its query methods and the index of their
// SQL argument. sqlx's DB and Tx embed database/sql's, so they have its
// methods too.
var methods = map[string]map[string]int{
	libSQL: sqlMethods,
	libSQLX: merge(sqlMethods, map[string]int{
		"Select": 1, "Get": 1, "SelectContext": 2, "GetContext": 2,
		"NamedExec": 0, "NamedExecContext": 1, "NamedQuery": 0, "NamedQueryContext": 1,
		"Queryx": 0, "QueryxContext": 1, "QueryRowx": 0, "QueryRowxContext": 1,
		"MustExec": 0, "MustExecContext": 1,
		"Preparex": 0, "PreparexContext": 1, "PrepareNamed": 0, "PrepareNamedContext": 1,
	}),
	// pgx's Conn, Pool and Tx take a context first; Prepare takes a
	// statement name before the SQL; Batch.Queue takes the SQL first.
	libPgx:  {"Query": 1, "QueryRow": 1, "Exec": 1, "QueryFunc": 1, "Prepare": 2, "Queue": 0},
	libGorm: {"Raw": 0, "Exec": 0},
}

// functions maps each library to its package-level functions that take
// SQL, and the index of the SQL argument.
var functions = map[string]map[string]int{
	libSQLX: {
		"Select": 2, "Get": 2, "SelectContext": 3, "GetContext": 3,
		"NamedExec": 1, "NamedExecContext": 2, "NamedQuery": 1, "NamedQueryContext": 2,
		"MustExec": 1, "MustExecContext": 2,
	},
}

// rewriters are sqlx's functions and methods that return the SQL that
// they are given with its placeholders rewritten (Rebind: '?' to $n;
// In: a list for each '?'; Named: :name to '?'), with the index of that
// argument. They are no queries of their own: a query call that sends
// their result sends the SQL given to them.
var rewriters = struct{ methods, functions map[string]int }{
	methods:   map[string]int{"Rebind": 0},
	functions: map[string]int{"Rebind": 1, "In": 0, "Named": 0},
}

// placeholders says which bind parameters a library method's SQL uses
// when they are not PostgreSQL's $n: sqlx's Rebind and In take '?',
// its Named methods and function take :name.
func placeholders(lib, name string) byte {
	if lib != libSQLX {
		return 0
	}
	switch {
	case name == "Rebind" || name == "In":
		return '?'
	case strings.Contains(name, "Named"):
		return ':'
	}
	return 0
}

// orderedLibs is the order in which a call with an untyped receiver is
// matched against the libraries that its package imports: the library
// whose methods are a superset first.
var orderedLibs = []string{libSQLX, libPgx, libGorm, libSQL}

func merge(a, b map[string]int) map[string]int {
	m := map[string]int{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
