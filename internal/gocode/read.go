package gocode

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// read returns how the code reads the rows of the query that call sends,
// when the same function reads them in a way whose expectations the types
// tell; nil otherwise (reads that disagree, a Scan with a spread argument,
// a destination whose type is unknown). The read's Driver is that of the
// library that sends the query, DriverPgxText for pgx in a mode that
// reads text.
func (x *extractor) read(call *ast.CallExpr, t target) *Read {
	r := x.readRows(call, t)
	if r != nil {
		r.Driver = libSQL
		if t.lib == libPgx {
			r.Driver = libPgx
			if x.pgxTextFormat(call, t) {
				r.Driver = DriverPgxText
			}
		}
	}
	return r
}

// readRows is read without the Driver.
func (x *extractor) readRows(call *ast.CallExpr, t target) *Read {
	if t.lib == libSQLX && (strings.HasPrefix(t.name, "Select") || strings.HasPrefix(t.name, "Get")) {
		i := t.args[0] - 1 // the destination comes just before the SQL
		if i < 0 || i >= len(call.Args) {
			return nil
		}
		r := x.structRead(call, call.Args[i], "sqlx "+strings.TrimSuffix(t.name, "Context"), sqlxName)
		if r != nil {
			r.Lax = x.unsafe(call.Fun)
		}
		return r
	}
	// The result read at once: db.QueryRow(...).Scan(&a, &b).
	if r := x.chained(call, t); r != nil {
		return r
	}
	// The result assigned to a variable that the function reads:
	// rows, err := db.Query(...); ... rows.Scan(&a, &b).
	if len(x.stack) < 2 {
		return nil
	}
	as, ok := x.stack[len(x.stack)-2].(*ast.AssignStmt)
	if !ok || len(as.Rhs) != 1 || as.Rhs[0] != call || len(as.Lhs) == 0 {
		return nil
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return nil
	}
	obj := x.p.info.Defs[id]
	if obj == nil {
		obj = x.p.info.Uses[id]
	}
	body := x.enclosingBody()
	if obj == nil || body == nil {
		return nil
	}
	// The reads between the call and the next assignment to the variable
	// are of this query's rows.
	until := body.End()
	for _, a := range x.p.assigns[obj] {
		if a.pos > as.End() && a.pos < until {
			until = a.pos
		}
	}
	if strings.HasPrefix(t.name, "Prepare") && !strings.Contains(t.name, "Named") {
		return x.preparedRead(body, obj, t, call.End(), until)
	}
	var reads []*Read
	unknown := false
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || c.Pos() < call.End() || c.Pos() >= until {
			return true
		}
		if r, found := x.readOf(c, obj, t); found {
			if r == nil {
				unknown = true
			} else {
				reads = append(reads, r)
			}
		}
		return true
	})
	if unknown {
		return nil
	}
	return agree(reads)
}

// agree returns the first of reads when they all expect the same
// columns, nil when there are none or they disagree. Reads that expect
// the same columns into destinations of other types leave the types
// unknown.
func agree(reads []*Read) *Read {
	if len(reads) == 0 {
		return nil
	}
	first := reads[0]
	for _, r := range reads[1:] {
		if r == nil || first == nil || r.Destinations != first.Destinations || !slices.Equal(r.Names, first.Names) || r.Lax != first.Lax || r.Strict != first.Strict {
			return nil // the function reads the rows in two ways
		}
		if !slices.Equal(r.Types, first.Types) {
			c := *first
			c.Types = nil
			first = &c
		}
	}
	return first
}

// stmtQueries are the methods of a prepared statement (database/sql's
// and sqlx's Stmt) that run it and return rows, with the index of their
// destination (sqlx's Select and Get), -1 when they take none.
var stmtQueries = map[string]int{
	"Query": -1, "QueryRow": -1, "QueryContext": -1, "QueryRowContext": -1,
	"Queryx": -1, "QueryRowx": -1, "QueryxContext": -1, "QueryRowxContext": -1,
	"Select": 0, "Get": 0, "SelectContext": 1, "GetContext": 1,
}

// preparedRead is how the function reads the rows of a prepared
// statement held in obj, between from and until: the reads of each
// stmt.Query(...), stmt.QueryRow(...) or stmt.Select(...), which must
// agree; nil when the statement only runs Exec, or is read in several
// ways, or passed elsewhere.
func (x *extractor) preparedRead(body *ast.BlockStmt, obj types.Object, t target, from, until token.Pos) *Read {
	var reads []*Read
	saved := x.stack
	defer func() { x.stack = saved }()
	path := []ast.Node{}
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			path = path[:len(path)-1]
			return true
		}
		path = append(path, n)
		c, ok := n.(*ast.CallExpr)
		if !ok || c.Pos() < from || c.Pos() >= until {
			return true
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || x.p.info.Uses[id] != obj {
			return true
		}
		dest, ok := stmtQueries[sel.Sel.Name]
		if !ok {
			return true
		}
		// Read the statement's call as a query call of its own: the
		// same patterns, with a stack that leads to it.
		x.stack = append(append([]ast.Node(nil), saved[:len(saved)-1]...), path...)
		lib := libSQL
		if dest >= 0 {
			lib = libSQLX
		}
		reads = append(reads, x.read(c, target{lib: lib, name: sel.Sel.Name, args: []int{dest + 1}}))
		return true
	})
	return agree(reads)
}

// chained reads a call's result read in the same expression:
// QueryRow(...).Scan(...), QueryRowx(...).StructScan(&v), gorm's
// Raw(...).Scan(&v).
func (x *extractor) chained(call *ast.CallExpr, t target) *Read {
	if len(x.stack) < 3 {
		return nil
	}
	sel, ok := x.stack[len(x.stack)-2].(*ast.SelectorExpr)
	if !ok || sel.X != call {
		return nil
	}
	outer, ok := x.stack[len(x.stack)-3].(*ast.CallExpr)
	if !ok || outer.Fun != sel {
		return nil
	}
	switch {
	case t.lib == libGorm && (sel.Sel.Name == "Scan" || sel.Sel.Name == "Find") && len(outer.Args) == 1:
		r := x.structRead(outer, outer.Args[0], "gorm "+sel.Sel.Name, gormName)
		if r != nil {
			r.Lax = true
		}
		return r
	case sel.Sel.Name == "Scan":
		return x.scanRead(outer, t.name+"(...).Scan")
	case sel.Sel.Name == "StructScan" && len(outer.Args) == 1:
		return x.structRead(outer, outer.Args[0], "sqlx StructScan", sqlxName)
	}
	return nil
}

// readOf returns the read that c makes of the rows held in obj; found is
// false when c does not read them. A read whose expectations are unknown
// is found with a nil Read.
func (x *extractor) readOf(c *ast.CallExpr, obj types.Object, t target) (r *Read, found bool) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	if id, ok := sel.X.(*ast.Ident); ok && x.p.info.Uses[id] == obj {
		switch sel.Sel.Name {
		case "Scan":
			return x.scanRead(c, id.Name+".Scan"), true
		case "StructScan":
			if len(c.Args) != 1 {
				return nil, true
			}
			r := x.structRead(c, c.Args[0], "sqlx StructScan", sqlxName)
			if r != nil {
				r.Lax = x.unsafe(t.receiverExpr)
			}
			return r, true
		case "MapScan", "SliceScan", "Values":
			return nil, true
		}
		return nil, false
	}
	// pgx.CollectRows(rows, pgx.RowToStructByName[T]) and its kin.
	if !strings.HasPrefix(sel.Sel.Name, "Collect") || len(c.Args) != 2 {
		return nil, false
	}
	if id, ok := c.Args[0].(*ast.Ident); !ok || x.p.info.Uses[id] != obj {
		return nil, false
	}
	return x.pgxRowTo(c, c.Args[1]), true
}

// pgxRowTo reads pgx's row-to-struct functions: RowToStructByName[T]
// (fields by db tag, else by name, case-insensitively), its Lax form
// (extra columns tolerated), and RowToStructByPos[T] (fields by position,
// as many destinations as fields); their AddrOf forms likewise.
func (x *extractor) pgxRowTo(c *ast.CallExpr, fn ast.Expr) *Read {
	ix, ok := fn.(*ast.IndexExpr)
	if !ok {
		return nil
	}
	sel, ok := ix.X.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	name := strings.Replace(sel.Sel.Name, "AddrOf", "", 1)
	if name != "RowToStructByName" && name != "RowToStructByNameLax" && name != "RowToStructByPos" {
		return nil // another row function: its expectations are not known
	}
	tv, ok := x.p.info.Types[ix.Index]
	if !ok || !known(tv.Type) {
		return nil
	}
	st := structOf(tv.Type)
	if st == nil {
		return nil
	}
	pos := x.p.fset.Position(c.Pos())
	r := &Read{Line: pos.Line, Column: pos.Column, Call: "pgx." + sel.Sel.Name}
	names, fieldTypes := fields(st, pgxName, x.p.declText)
	if name == "RowToStructByPos" {
		r.Destinations = len(names)
	} else {
		r.Names = names
		r.Strict = name == "RowToStructByName"
	}
	r.Types = anyKnown(fieldTypes)
	return r
}

// scanRead is a Scan call's read: its number of destinations, unknown
// when they are spread from a slice.
func (x *extractor) scanRead(c *ast.CallExpr, label string) *Read {
	if c.Ellipsis.IsValid() {
		return nil
	}
	pos := x.p.fset.Position(c.Pos())
	dests := make([]string, len(c.Args))
	for i, a := range c.Args {
		dests[i] = x.destinationText(a)
	}
	return &Read{Line: pos.Line, Column: pos.Column, Call: label, Destinations: len(c.Args), Types: anyKnown(dests)}
}

// structRead is a read into dest (a struct, a slice of structs, pointers
// to those; a scannable value reads one column), with column names given
// by name.
func (x *extractor) structRead(c *ast.CallExpr, dest ast.Expr, label string, m mapping) *Read {
	tv, ok := x.p.info.Types[dest]
	if !ok || !known(tv.Type) {
		return nil
	}
	t := deref(tv.Type)
	if s, ok := t.Underlying().(*types.Slice); ok {
		t = deref(s.Elem())
	}
	if !known(t) {
		return nil
	}
	pos := x.p.fset.Position(c.Pos())
	r := &Read{Line: pos.Line, Column: pos.Column, Call: label}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || scannable(t) {
		if _, isBasic := t.Underlying().(*types.Basic); isBasic || scannable(t) {
			r.Destinations = 1
			r.Types = anyKnown([]string{typeText(t)})
			return r
		}
		return nil
	}
	var fieldTypes []string
	r.Names, fieldTypes = fields(st, m, x.p.declText)
	if len(r.Names) == 0 {
		return nil
	}
	r.Types = anyKnown(fieldTypes)
	return r
}

// scannable reports whether a struct is read as one value: it
// implements sql.Scanner, or has no exported fields (time.Time).
func scannable(t types.Type) bool {
	if hasScan(t) {
		return true
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Exported() {
			return false
		}
	}
	return true
}

func deref(t types.Type) types.Type {
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			return t
		}
		t = p.Elem()
	}
}

func structOf(t types.Type) *types.Struct {
	st, _ := deref(t).Underlying().(*types.Struct)
	return st
}

// fields returns the column names that a struct's fields take, in
// field order, and the fields' types beside them (see typeText):
// exported fields, embedded structs without a name of their own
// flattened, fields named "-" skipped. A field whose type go/types does
// not know gets its description from declared (see pkg.declText).
func fields(st *types.Struct, m mapping, declared map[types.Object]string) (names, fieldTypes []string) {
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		tag := reflect.StructTag(st.Tag(i))
		n := m.tag(tag)
		if n == "-" {
			continue
		}
		if f.Embedded() && n == "" {
			if inner := structOf(f.Type()); inner != nil && !scannable(deref(f.Type())) {
				in, it := fields(inner, m, declared)
				names, fieldTypes = append(names, in...), append(fieldTypes, it...)
				continue
			}
		}
		if !f.Exported() {
			continue
		}
		if n == "" {
			n = m.field(f.Name())
		}
		text := typeText(f.Type())
		if text == "" {
			text = declared[f]
		}
		names, fieldTypes = append(names, n), append(fieldTypes, text)
	}
	return names, fieldTypes
}

// typeText describes a destination's Go type for the rules, which judge
// it without go/types: a basic type by its name ("int64", "string"), a
// pointer as "*" and its element, a slice, an array or a map as Go
// writes it ("[]byte", "[]string", "[16]byte", "map[string]any"), an
// empty interface as "any", a struct literal type as "struct", a named
// type by its package path and name ("time.Time",
// "database/sql.NullString", "database/sql.Null[int64]"); a named type
// of another package gets what decides how drivers fill it in
// parentheses: "(Scanner)" when it implements sql.Scanner (its Scan
// method decides), else its underlying type
// ("example.com/store.Status (string)", "encoding/json.RawMessage
// ([]byte)", "example.com/store.Settings (struct)"). It is "" when the
// type is not known, or is none of these.
func typeText(t types.Type) string {
	if !known(t) {
		return ""
	}
	t = types.Unalias(t)
	switch v := t.(type) {
	case *types.Pointer:
		if e := typeText(v.Elem()); e != "" {
			return "*" + e
		}
		return ""
	case *types.Basic:
		if v.Info()&types.IsUntyped != 0 {
			return ""
		}
		return v.Name()
	case *types.Slice:
		if b, ok := types.Unalias(v.Elem()).(*types.Basic); ok && b.Kind() == types.Byte {
			return "[]byte"
		}
		if e := typeText(v.Elem()); e != "" {
			return "[]" + e
		}
		return ""
	case *types.Array:
		if b, ok := types.Unalias(v.Elem()).(*types.Basic); ok && b.Kind() == types.Byte {
			return fmt.Sprintf("[%d]byte", v.Len())
		}
		if e := typeText(v.Elem()); e != "" {
			return fmt.Sprintf("[%d]%s", v.Len(), e)
		}
		return ""
	case *types.Map:
		k, e := typeText(v.Key()), typeText(v.Elem())
		if k == "" || e == "" {
			return ""
		}
		return "map[" + k + "]" + e
	case *types.Struct:
		return "struct"
	case *types.Interface:
		if v.Empty() {
			return "any"
		}
		return ""
	case *types.Named:
		name := types.TypeString(v, nil)
		if pkg := v.Obj().Pkg(); pkg != nil && (pkg.Path() == "database/sql" || pkg.Path() == "time") {
			return name
		}
		if hasScan(v) {
			return name + " (Scanner)"
		}
		if u := typeText(v.Underlying()); u != "" {
			return name + " (" + u + ")"
		}
		return ""
	default:
		return ""
	}
}

// hasScan reports whether a pointer to t has a Scan method, as
// sql.Scanner asks.
func hasScan(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(t), false, nil, "Scan")
	_, ok := obj.(*types.Func)
	return ok
}

// anyKnown returns ts, nil when none of them is known.
func anyKnown(ts []string) []string {
	for _, t := range ts {
		if t != "" {
			return ts
		}
	}
	return nil
}

// mapping is how a library names the column of a struct field: by a
// tag, else by the field's name.
type mapping struct {
	tag   func(reflect.StructTag) string // "" when the tag names none, "-" to skip the field
	field func(string) string
}

// sqlxName is sqlx's mapping: the db tag's name, else the field name in
// lower case (sqlx's default mapper, strings.ToLower).
var sqlxName = mapping{tag: dbTag, field: strings.ToLower}

// pgxName is pgx v5's mapping: the db tag's name, else the field name,
// which pgx matches case-insensitively (given here in lower case).
var pgxName = mapping{tag: dbTag, field: strings.ToLower}

// gormName is GORM's mapping: the gorm tag's column, else the field name
// in snake case (GORM's default naming strategy).
var gormName = mapping{tag: gormTag, field: snake}

func dbTag(tag reflect.StructTag) string { return tagName(tag.Get("db")) }

// gormTag returns the column that a gorm tag names ("column:name"), "-"
// for a field GORM ignores.
func gormTag(tag reflect.StructTag) string {
	g := tag.Get("gorm")
	if g == "-" {
		return "-"
	}
	for _, opt := range strings.Split(g, ";") {
		if k, v, ok := strings.Cut(opt, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "column") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// tagName is the name in a db tag ("name,omitempty" names name).
func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// snake turns a Go name into snake case the way GORM does: UserID is
// user_id, HTTPServer is http_server.
func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// unsafe reports whether a call's receiver chain goes through sqlx's
// Unsafe(), directly (db.Unsafe().Select) or through a variable assigned
// from it.
func (x *extractor) unsafe(e ast.Expr) bool {
	for depth := 0; e != nil && depth < maxDepth; depth++ {
		switch v := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = v.X
		case *ast.CallExpr:
			if sel, ok := v.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Unsafe" {
				return true
			}
			e = v.Fun
		case *ast.Ident:
			def, ok := x.p.values[x.p.info.Uses[v]]
			if !ok {
				return false
			}
			e = def
		default:
			return false
		}
	}
	return false
}

// enclosingBody returns the body of the innermost function around the
// current node.
func (x *extractor) enclosingBody() *ast.BlockStmt {
	for i := len(x.stack) - 1; i >= 0; i-- {
		switch f := x.stack[i].(type) {
		case *ast.FuncDecl:
			return f.Body
		case *ast.FuncLit:
			return f.Body
		}
	}
	return nil
}
