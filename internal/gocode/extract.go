package gocode

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"

	"github.com/pgsafe/pgsafe/internal/source"
)

// extractor finds the queries of one Go file.
type extractor struct {
	p       *pkg
	tf      *token.File
	af      *ast.File
	src     source.File
	sql     []byte
	written map[int]bool // part starts already in sql
	queries []Query
	stack   []ast.Node // the nodes around the current one, outermost first
}

func newExtractor(p *pkg, af *ast.File, src source.File) *extractor {
	return &extractor{p: p, tf: p.fset.File(af.Pos()), af: af, src: src, sql: blank(src.Text), written: map[int]bool{}}
}

// blank returns text with every byte but '\n' replaced by a space.
func blank(text string) []byte {
	b := make([]byte, len(text))
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			b[i] = '\n'
		} else {
			b[i] = ' '
		}
	}
	return b
}

// run finds the file's query calls.
func (x *extractor) run() {
	ast.Inspect(x.af, func(n ast.Node) bool {
		if n == nil {
			x.stack = x.stack[:len(x.stack)-1]
			return true
		}
		x.stack = append(x.stack, n)
		if call, ok := n.(*ast.CallExpr); ok {
			x.call(call)
		}
		return true
	})
	sort.SliceStable(x.queries, func(i, j int) bool { return x.queries[i].Start < x.queries[j].Start })
}

func (x *extractor) offset(p token.Pos) int { return x.tf.Offset(p) }

// target is a recognised query call: its library, method name, label and
// the possible indexes of its SQL argument, in order of preference.
type target struct {
	lib, name, label string
	args             []int
	receiverExpr     ast.Expr // the expression the method is called on
}

// call records the query that call passes, if it is a query call.
func (x *extractor) call(call *ast.CallExpr) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	t, ok := x.target(sel)
	if !ok {
		return
	}
	t.receiverExpr = sel.X
	for _, i := range t.args {
		if i >= len(call.Args) || !x.isString(call.Args[i]) {
			continue
		}
		v, ok := x.resolve(call.Args[i], true, 0)
		if !ok {
			continue
		}
		if style := placeholders(t.lib, t.name); style != 0 {
			v = rebind(v, style)
			v.literal = false
		}
		x.add(v, t.label, x.read(call, t))
		return
	}
}

// target recognises a query call by the method or function it calls.
func (x *extractor) target(sel *ast.SelectorExpr) (target, bool) {
	name := sel.Sel.Name
	// A package-level function, such as sqlx.Select.
	if id, ok := sel.X.(*ast.Ident); ok {
		if pn, ok := x.p.info.Uses[id].(*types.PkgName); ok {
			lib := libraryOfPath(pn.Imported().Path())
			if i, ok := functions[lib][name]; ok {
				return target{lib: lib, name: name, label: lib + " " + name, args: []int{i}}, true
			}
			return target{}, false
		}
	}
	// A method of a typed receiver: the method's package says.
	if s, ok := x.p.info.Selections[sel]; ok {
		fn, ok := s.Obj().(*types.Func)
		if !ok || fn.Pkg() == nil {
			return target{}, false
		}
		lib := libraryOfPath(fn.Pkg().Path())
		i, ok := methods[lib][name]
		if !ok {
			return target{}, false
		}
		recv := receiverName(fn)
		if recv == "Stmt" || recv == "NamedStmt" {
			return target{}, false // a prepared statement's SQL is in Prepare
		}
		label := lib + " " + name
		switch lib {
		case libSQL:
			label = "database/sql (*" + recv + ")." + name
		case libPgx:
			if recv == "Batch" {
				label = "pgx Batch.Queue"
			}
		}
		return target{lib: lib, name: name, label: label, args: []int{i}}, true
	}
	if tv, ok := x.p.info.Types[sel.X]; ok && known(tv.Type) {
		return target{}, false // typed, and not a database library's method
	}
	// An untyped receiver: its declared type, else the libraries that the
	// package imports, else database/sql's method names.
	libs := orderedLibs
	if lib := x.p.declLib[x.receiverObject(sel.X)]; lib != "" {
		libs = []string{lib}
	} else {
		var imported []string
		for _, lib := range orderedLibs {
			if x.p.libs[lib] {
				imported = append(imported, lib)
			}
		}
		libs = append(imported, libSQL)
	}
	for _, lib := range libs {
		i, ok := methods[lib][name]
		if !ok {
			continue
		}
		args := []int{i}
		if lib == libSQL || lib == libSQLX {
			if _, ok := sqlMethods[name]; ok && i == 0 {
				// Without types, Query(ctx, sql) (pgx) and Query(sql)
				// look alike: take the first string.
				args = []int{0, 1}
			}
		}
		label := lib + " " + name
		if lib == libPgx && name == "Queue" {
			label = "pgx Batch.Queue"
		}
		return target{lib: lib, name: name, label: label, args: args}, true
	}
	return target{}, false
}

// receiverObject returns the variable, parameter or field that a
// receiver expression names, or nil.
func (x *extractor) receiverObject(e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return x.p.info.Uses[e]
	case *ast.SelectorExpr:
		return x.p.info.Uses[e.Sel]
	case *ast.CallExpr:
		// db.Unsafe().Select(...), db.WithContext(ctx).Raw(...)
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			return x.receiverObject(sel.X)
		}
	}
	return nil
}

// receiverName returns the name of a method's receiver type.
func receiverName(fn *types.Func) string {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return ""
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

// add places a query's SQL in the file's SQL and records it.
func (x *extractor) add(v value, call string, read *Read) {
	if len(v.parts) == 0 {
		return
	}
	for _, p := range v.parts {
		if x.written[p.start] {
			continue
		}
		x.written[p.start] = true
		copy(x.sql[p.start:], p.text)
	}
	last := v.parts[len(v.parts)-1]
	end := last.start + len(last.text)
	semi := last.close
	if semi < 0 {
		// The query ends with a stand-in: the ';' goes on the next blank.
		semi = end
		for semi < len(x.sql) && x.sql[semi] != ' ' {
			semi++
		}
	}
	if semi < len(x.sql) {
		x.sql[semi] = ';'
	}
	q := Query{Start: v.parts[0].start, End: end, Call: call, Partial: v.partial, Read: read}
	if len(v.parts) == 1 && v.literal {
		q.Literal, q.Raw = true, v.raw
	}
	x.queries = append(x.queries, q)
}

func (x *extractor) file() File {
	return File{Path: x.src.Path, SQL: string(x.sql), Queries: x.queries}
}

// known reports whether t is a type that go/types could work out: not
// invalid, nor a pointer to one (what a type of a package that could not
// be imported becomes).
func known(t types.Type) bool {
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem()
	}
	return t != nil && t != types.Typ[types.Invalid]
}
