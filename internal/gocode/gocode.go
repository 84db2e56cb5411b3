// Package gocode reads Go source files and finds the SQL that they pass to
// database calls, so that the checks that pgsafe runs on query files
// (--queries) also run on the queries that services keep in their code.
//
// The SQL of a file comes back aligned with the Go source (see File.SQL):
// every position in it is the position of the same byte in the Go file, so
// findings on the SQL are reported at the Go file's line and column, and a
// fix can edit a query's string literal in place.
//
// What the SQL cannot show, and how it stands in instead:
//   - a part whose value is not known (a non-constant operand of a
//     concatenation, a fmt.Sprintf verb) is an '_', which PostgreSQL reads
//     as a name, so that most such queries still parse; the query is
//     Partial;
//   - a constant or variable inside a concatenation, such as columns in
//     "SELECT " + columns + " FROM t", has its text elsewhere (in another line, or another
//     file of the package), which cannot be put in place: the query's SQL,
//     put together, is laid out over the Go source of the concatenation
//     instead, going on over the blank bytes after it where it is longer
//     (see assemble), and the query names the constants (Query.Names) and
//     is no Literal. When it does not fit before another query or the end
//     of the file, or a variable may have changed, the name is an unknown
//     part as above. A constant or variable that is the whole query, or
//     the whole format of a fmt.Sprintf, is followed to its text in place;
//   - a variable is followed to the assignment that reaches the call (the
//     last one before it in a block around it); when another assignment in
//     a branch, a += or a pointer to it may have changed it, the query is
//     Partial;
//   - sqlx's '?' (Rebind, In) and :name (Named methods) placeholders are
//     each a '0', where PostgreSQL would have $1;
//   - two literals joined in the middle of a word ("SELECT a" + "bc") read
//     as two words: the Go source has bytes between them.
//
// A query passed to a function or method of the same package that passes
// its string parameter on to a query call (a helper such as
// fetchUser(query string, args ...any)) is found at the helper's callers,
// with the helper's read of the rows.
package gocode

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"path/filepath"

	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// File is what one Go file sends to the database.
type File struct {
	Path string
	// SQL is the file's queries aligned with the Go source: the same
	// length, every byte that is not part of a query's SQL text a space
	// (newlines kept, so lines and columns match), the SQL of each query
	// in place of its string literal(s) (the quotes blanked; each escape
	// sequence of an interpreted string in the bytes it spans, its meaning
	// kept where it fits: whitespace as spaces, \" as a quote and a space
	// next to its identifier, see escapeSQL), and a ';' where
	// each query's last literal closes. Positions in SQL are positions in
	// the Go file, so the existing query-file checks report at the Go
	// file's line and column.
	SQL string
	// Queries are in source order of their SQL. Two queries share a span
	// when one constant or variable is passed to two calls. The SQL of a
	// Partial query may not parse even with its stand-ins (an unknown
	// list of columns followed by a known one, two verbs side by side),
	// nor may a complete query's (Query.SyntaxError), and then neither
	// does SQL as a whole: Checkable leaves such queries out.
	Queries []Query
}

// Query is one SQL string passed to a database call.
type Query struct {
	// Start and End are byte offsets of the query's SQL in File.SQL (= in
	// the Go source): from the first byte of its first literal's text to
	// the last byte of its last literal's text, quotes excluded.
	Start, End int
	// Call is what receives the query, e.g. "database/sql (*DB).QueryContext",
	// "sqlx Select", "pgx Query", "gorm Raw".
	Call string
	// Partial is set when parts of the SQL are unknown: fmt.Sprintf verbs,
	// non-constant operands, escapes that could not be kept in place.
	// Those parts stand in the SQL as described at Extract.
	Partial bool
	// Literal is set when the SQL is exactly one string literal in place
	// (a fix may edit it).
	Literal bool
	// Raw is set when that literal is a raw (backquoted) string.
	Raw bool
	// Names are the constants and variables whose text the SQL holds, as
	// "name (file.go:line)", when it is a concatenation with such names
	// in it. Such SQL is not in place: it is laid out, put together, over
	// the Go source of the concatenation and, when longer, the blank bytes
	// after it (see assemble).
	Names []string
	// SyntaxError is PostgreSQL's error for a complete (not Partial)
	// query whose SQL does not parse, its Offset in the Go source; nil
	// for the others. Such a query is reported on its own, where it is,
	// and left out of Checkable so that the file's other queries are
	// still checked.
	SyntaxError *sqlparse.SyntaxError
	// Read is how the code reads the result, nil when unknown.
	Read *Read
	// Stmt is the Go statement that sends the query, as byte offsets in
	// the Go source: the innermost statement around the call (at package
	// level, the declaration around it). A pgsafe:ignore line comment
	// above it, or at the end of its last line, covers the query's
	// findings (see Scopes).
	Stmt sqlparse.Span
}

// Read is how the code reads a query's rows.
type Read struct {
	// Line and Column (1-based, column in bytes) are those of the reading
	// call, e.g. rows.Scan.
	Line, Column int
	// Call is the reading call: "rows.Scan", "sqlx Select",
	// "pgx.RowToStructByName", ...
	Call string
	// Destinations is the number of Scan's destinations; 0 for struct reads.
	Destinations int
	// Names are, for struct reads, the column names that the struct
	// expects (db tags, else the library's field-name mapping), in field
	// order.
	Names []string
	// Lax is set when extra columns, which the struct has no field for,
	// are tolerated (sqlx Unsafe, GORM). pgx's RowToStructByNameLax is not
	// lax that way: it tolerates fields without a column (see Strict).
	Lax bool
	// Strict is set when every field of the struct needs a column: pgx's
	// RowToStructByName ("T must have the same number of named public
	// fields as row has fields"), which a dropped or renamed column breaks.
	Strict bool
	// Driver is the library whose rules turn the column values into the
	// destinations: "pgx" (pgx's type map, reading the binary format of
	// its default mode), DriverPgxText (pgx reading the text format:
	// QueryExecModeSimpleProtocol or QueryExecModeExec, passed to the
	// call or set as the default in the files read, see textByDefault) or
	// "database/sql" (its convertAssign, which sqlx and GORM use too).
	Driver string
	// Types are the Go types of the destinations: one per Scan
	// destination, or, for struct reads, one per field beside Names; each
	// as typeText describes it ("int64", "*string",
	// "database/sql.NullString", "time.Time", "[]byte", "[]string",
	// "any", "example.com/store.Status (string)"), or, for a type of a
	// package outside the standard library, which go/types does not
	// know, as its declaration writes it ("github.com/google/uuid.UUID",
	// see declaredTypeText); "" where the type is not known. Nil when no destination's type is known (a package that
	// does not type-check, destinations that are not pointers).
	Types []string
}

// Extract reads files (Go sources, by path and text) and returns one File
// per Go file that sends SQL, in input order, plus one error per file that
// does not parse (file:line:col: message).
//
// Files are grouped into packages (same folder, same package clause) and
// each package is type-checked with go/types and the standard (gc)
// importer, which reads the standard library's compiled export data (see
// stdImporter). A package whose imports cannot all be read (third-party
// modules are not: their export data is not where the importer looks) is
// still checked: what comes from the missing packages has no type, and
// the rest does. Where a call's receiver
// has a type, the method it calls says whether it is a query method (of
// database/sql, sqlx, pgx v4/v5 or GORM, also through embedding) and where
// its SQL argument is; a typed receiver of any other type is not a query.
// Where the receiver has no type, the call is recognised by its method name
// and the database libraries that the package imports (see calls.go), and
// the SQL is the first of the method's possible arguments that is a string
// expression.
//
// The SQL of a query is found in string literals, constants and variables
// assigned once from them (also through several names), concatenations of
// those, and fmt.Sprintf with such a format. Parts that are not known
// stand in the SQL as described at sprintf and standIn, and make the query
// Partial.
func Extract(files []source.File) ([]File, []error) {
	return extract(files, stdImporter)
}

// extract is Extract with the importer that reads the packages that the
// parsed files import.
func extract(files []source.File, newImporter func(*token.FileSet, []*ast.File) types.Importer) ([]File, []error) {
	fset := token.NewFileSet()
	var errs []error
	parsed := make([]*ast.File, len(files))
	type key struct{ dir, name string }
	groups := map[key][]int{}
	var order []key
	for i, f := range files {
		af, err := parser.ParseFile(fset, f.Path, f.Text, parser.SkipObjectResolution)
		if err != nil {
			errs = append(errs, parseError(err))
			continue
		}
		parsed[i] = af
		k := key{filepath.Dir(f.Path), af.Name.Name}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	results := make([]*File, len(files))
	var imp types.Importer
	for _, k := range order {
		var afs []*ast.File
		for _, i := range groups[k] {
			afs = append(afs, parsed[i])
		}
		if mayQuery(afs) {
			imp = &cachedImporter{imp: newImporter(fset, parsed), done: map[string]imported{}}
			break
		}
	}
	for _, k := range order {
		idx := groups[k]
		var afs []*ast.File
		for _, i := range idx {
			afs = append(afs, parsed[i])
		}
		if !mayQuery(afs) {
			continue // no call by a query method's name: nothing to type-check
		}
		p := newPackage(fset, afs, imp)
		p.pgxText = textByDefault(afs)
		p.findWrappers(afs, files, idx)
		for n, i := range idx {
			x := newExtractor(p, afs[n], files[i])
			x.run()
			if len(x.queries) > 0 {
				f := x.file()
				f.findSyntaxErrors()
				results[i] = &f
			}
		}
	}
	var out []File
	for _, f := range results {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out, errs
}

// mayQuery reports whether files call a method or function by the name
// of a query method or function of a database library.
func mayQuery(files []*ast.File) bool {
	found := false
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if found {
				return false
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && queryName(sel.Sel.Name) {
					found = true
				}
			}
			return true
		})
	}
	return found
}

// queryName reports whether name is the name of a query method or
// function of a database library.
func queryName(name string) bool {
	for _, m := range methods {
		if _, ok := m[name]; ok {
			return true
		}
	}
	for _, m := range functions {
		if _, ok := m[name]; ok {
			return true
		}
	}
	return false
}

// parseError turns a go/parser error into one that starts with the first
// problem's file:line:col.
func parseError(err error) error {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		return fmt.Errorf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
	}
	return err
}

// cachedImporter remembers what importing each path gave, failures
// included: the standard importer asks the go command for every package
// it does not have, each time it is asked.
type cachedImporter struct {
	imp  types.Importer
	done map[string]imported
}

type imported struct {
	pkg *types.Package
	err error
}

// Import implements types.Importer.
func (c *cachedImporter) Import(path string) (*types.Package, error) {
	if r, ok := c.done[path]; ok {
		return r.pkg, r.err
	}
	pkg, err := c.imp.Import(path)
	c.done[path] = imported{pkg, err}
	return pkg, err
}
