package gocode

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
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
	// pending are the queries that hold a name's text, laid out after the
	// others (see layoutPending); assembled is where each was, by the
	// offset of its concatenation.
	pending   []pendingQuery
	assembled map[int]assembled
	// wrappers, when set, makes run look for wrappers instead of queries.
	wrappers map[types.Object]wrapper
}

// maxWrapperDepth bounds how many wrappers deep a query is followed.
const maxWrapperDepth = 3

// findWrappers finds the package's functions that pass a string parameter
// on as a query's SQL, then the functions that pass one on to those, up to
// maxWrapperDepth deep.
func (p *pkg) findWrappers(afs []*ast.File, files []source.File, idx []int) {
	for range maxWrapperDepth {
		found := map[types.Object]wrapper{}
		for n, i := range idx {
			x := newExtractor(p, afs[n], files[i])
			x.wrappers = found
			x.run()
		}
		added := false
		for obj, w := range found {
			if _, ok := p.wrappers[obj]; !ok {
				p.wrappers[obj] = w
				added = true
			}
		}
		if !added {
			return
		}
	}
}

// wrapperOf records the function around call as a wrapper when the SQL
// argument arg of call is one of the function's string parameters, never
// assigned. When call is itself a call of the wrapper inner, the rows are
// read as inner reads them.
func (x *extractor) wrapperOf(call *ast.CallExpr, t target, arg ast.Expr, inner *wrapper) {
	id, ok := ast.Unparen(arg).(*ast.Ident)
	if !ok {
		return
	}
	param, ok := x.p.info.Uses[id].(*types.Var)
	if !ok || len(x.p.assigns[param]) > 1 || x.p.addressed[param] {
		return
	}
	for i := len(x.stack) - 1; i >= 0; i-- {
		fd, ok := x.stack[i].(*ast.FuncDecl)
		if !ok {
			continue
		}
		fn, ok := x.p.info.Defs[fd.Name].(*types.Func)
		if !ok {
			return
		}
		sig := fn.Type().(*types.Signature)
		for j := 0; j < sig.Params().Len(); j++ {
			if sig.Params().At(j) == param {
				name := fn.Name()
				if sig.Recv() != nil {
					name = "(" + types.TypeString(sig.Recv().Type(), func(*types.Package) string { return "" }) + ")." + name
				}
				read := x.read(call, t)
				if inner != nil {
					read = inner.read
				}
				x.wrappers[fn] = wrapper{arg: j, t: t, read: read, name: name}
			}
		}
		return
	}
}

func newExtractor(p *pkg, af *ast.File, src source.File) *extractor {
	return &extractor{p: p, tf: p.fset.File(af.Pos()), af: af, src: src, sql: blank(src.Text), written: map[int]bool{}, assembled: map[int]assembled{}}
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
	x.layoutPending()
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
	var (
		t  target
		ok bool
		w  *wrapper
	)
	switch fun := call.Fun.(type) {
	case *ast.SelectorExpr:
		if wr, isW := x.p.wrappers[x.p.info.Uses[fun.Sel]]; isW {
			t, ok, w = wr.t, true, &wr
		} else {
			t, ok = x.target(fun)
			t.receiverExpr = fun.X
		}
	case *ast.Ident:
		if wr, isW := x.p.wrappers[x.p.info.Uses[fun]]; isW {
			t, ok, w = wr.t, true, &wr
		}
	}
	if !ok {
		return
	}
	args := t.args
	if w != nil {
		args = []int{w.arg}
	}
	for _, i := range args {
		if i >= len(call.Args) || !x.isString(call.Args[i]) {
			continue
		}
		if x.wrappers != nil {
			x.wrapperOf(call, t, call.Args[i], w)
			return
		}
		if w != nil {
			v, ok := x.resolve(call.Args[i], true, 0)
			if !ok {
				return
			}
			if style := placeholders(t.lib, t.name); style != 0 {
				v = rebind(v, style)
				v.literal = false
			}
			x.add(v, t.label+" via "+w.name, w.read)
			return
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
			return x.interfaceTarget(fn)
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
		if _, isNamed := deref(tv.Type).(*types.Named); !isNamed || x.hasMethod(tv.Type, name) {
			return target{}, false // typed, and not a database library's method
		}
		// A type of the package whose method go/types could not find
		// (it comes from an embedded type of a missing package, or from
		// a file not given): recognised by name, as untyped.
	}
	// An untyped receiver: its declared type, else where its value comes
	// from, else the libraries that the package imports, else
	// database/sql's method names.
	var libs []string
	if lib := x.p.declLib[x.receiverObject(sel.X)]; lib != "" {
		libs = []string{lib}
	} else if lib, known := x.origin(sel.X, 0); known {
		if lib == "" {
			return target{}, false // made by another package, such as a query builder
		}
		libs = []string{lib}
	} else {
		for _, lib := range orderedLibs {
			if x.p.libs[lib] {
				libs = append(libs, lib)
			}
		}
		libs = append(libs, libSQL)
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
		if lib == libSQLX && (strings.HasPrefix(name, "Select") || strings.HasPrefix(name, "Get")) {
			if d := args[0] - 1; d < 0 || x.isStringTyped(x.argAt(sel, d)) {
				continue // a destination is no string: a query builder's Select("id")
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

// interfaceTarget recognises a call of a method of the package's own
// interface that mirrors a database library's method (an interface kept
// for tests, such as Query(ctx context.Context, sql string, args ...any)):
// the method's name is a query method of a library that the package
// imports, and its parameter at that method's SQL index is a string.
func (x *extractor) interfaceTarget(fn *types.Func) (target, bool) {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return target{}, false
	}
	if _, isIface := sig.Recv().Type().Underlying().(*types.Interface); !isIface {
		return target{}, false
	}
	for _, lib := range orderedLibs {
		i, ok := methods[lib][fn.Name()]
		if !ok || !x.p.libs[lib] || i >= sig.Params().Len() {
			continue
		}
		if b, ok := sig.Params().At(i).Type().Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			return target{lib: lib, name: fn.Name(), label: lib + " " + fn.Name(), args: []int{i}}, true
		}
	}
	return target{}, false
}

// hasMethod reports whether go/types finds the method name on t.
func (x *extractor) hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	return obj != nil
}

// argAt returns the argument i of the call whose function is sel, nil
// when there is none.
func (x *extractor) argAt(sel *ast.SelectorExpr, i int) ast.Expr {
	if len(x.stack) == 0 {
		return nil
	}
	call, ok := x.stack[len(x.stack)-1].(*ast.CallExpr)
	if !ok || call.Fun != sel || i >= len(call.Args) {
		return nil
	}
	return call.Args[i]
}

// isStringTyped reports whether go/types knows e to be a string.
func (x *extractor) isStringTyped(e ast.Expr) bool {
	if e == nil {
		return false
	}
	tv, ok := x.p.info.Types[e]
	if !ok || !known(tv.Type) {
		return false
	}
	b, ok := tv.Type.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// origin returns the database library that an untyped receiver's value
// comes from, read from the syntax: a variable assigned from a call or a
// composite literal of a package (pgx.Connect(...), &pgx.Batch{},
// sqlbuilder.NewSelectBuilder()). known is false when it cannot be told;
// lib is "" when the value comes from a package that is no database
// library.
func (x *extractor) origin(e ast.Expr, depth int) (lib string, known bool) {
	if depth > maxDepth {
		return "", false
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if pn, ok := x.p.info.Uses[e].(*types.PkgName); ok {
			return libraryOfPath(pn.Imported().Path()), true
		}
		obj := x.p.info.Uses[e]
		if obj == nil {
			return "", false
		}
		a, _, ok := x.p.reaching(obj, e.Pos())
		if !ok {
			return "", false
		}
		return x.origin(a.rhs, depth+1)
	case *ast.UnaryExpr:
		return x.origin(e.X, depth+1)
	case *ast.CompositeLit:
		if e.Type == nil {
			return "", false
		}
		return x.origin(e.Type, depth+1)
	case *ast.SelectorExpr:
		return x.origin(e.X, depth+1)
	case *ast.CallExpr:
		return x.origin(e.Fun, depth+1)
	case *ast.IndexExpr:
		return x.origin(e.X, depth+1)
	}
	return "", false
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

// add places a query's SQL in the file's SQL and records it: in place,
// or, when it holds a name's text, once the others are (layoutPending).
func (x *extractor) add(v value, call string, read *Read) {
	if len(v.parts) == 0 {
		return
	}
	if v.remote() {
		x.pending = append(x.pending, pendingQuery{v: v, call: call, read: read, stmt: x.statement()})
		return
	}
	x.addInPlace(v, call, read, x.statement())
}

// statement returns the Go code that sends the current call's query, as
// a span of the Go source: from the start of the innermost statement
// around the call (at package level, the declaration around it) to the
// end of the part of that statement that holds the call, so that the
// span of a query sent in an if's condition ends with the condition, not
// with the if's body. A pgsafe:ignore comment above the span or at the
// end of its last line covers the query (see Scopes).
func (x *extractor) statement() sqlparse.Span {
	for i := len(x.stack) - 1; i >= 0; i-- {
		switch n := x.stack[i].(type) {
		case ast.Stmt, *ast.GenDecl:
			end := n.End()
			if i+1 < len(x.stack) {
				end = x.stack[i+1].End()
			}
			return sqlparse.Span{Start: x.offset(n.Pos()), End: x.offset(end)}
		}
	}
	return sqlparse.Span{Start: -1, End: -1}
}

// addInPlace places a query's SQL, its literals where they are in the
// source, in the file's SQL and records it.
func (x *extractor) addInPlace(v value, call string, read *Read, stmt sqlparse.Span) {
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
	q := Query{Start: v.parts[0].start, End: end, Call: call, Partial: v.partial, Read: read, Stmt: stmt}
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
