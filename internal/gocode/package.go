package gocode

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// pkg is one package's files, what go/types found in them, and the
// indexes that query resolution needs.
type pkg struct {
	fset  *token.FileSet
	files []*ast.File
	info  *types.Info
	// values maps a constant or variable to the expression that defines it
	// (when it is defined by one expression of its own).
	values map[types.Object]ast.Expr
	// assigns lists, in source order, the definition of each variable
	// and the assignments to it.
	assigns map[types.Object][]assign
	// addressed holds the variables whose address is taken.
	addressed map[types.Object]bool
	// declLib maps a variable, parameter or field to the database library
	// of its declared type (see libraryOfPath), read from the syntax, so
	// that it is known when the library's package could not be imported.
	declLib map[types.Object]string
	// declText maps a variable or field whose declared type names a
	// package outside the standard library, which go/types leaves
	// without a type, to the type's description from the syntax (see
	// declaredTypeText).
	declText map[types.Object]string
	// libs are the database libraries that the package imports.
	libs map[string]bool
	// wrappers are the package's functions that pass one of their string
	// parameters on as the SQL of a query call.
	wrappers map[types.Object]wrapper
	// pgxText is set when the package sets pgx's default exec mode to
	// one that reads the results in the text format (textByDefault).
	pgxText bool
}

// wrapper is a function that passes its parameter arg on as SQL to a
// query call: a call of the function sends the SQL given there.
type wrapper struct {
	arg  int    // index of the parameter among the call's arguments
	t    target // the query call inside
	read *Read  // how the function reads the rows, nil when unknown
	name string // the function, as (*Storage).fetchUser or fetchUser
}

// newPackage type-checks files as one package. Type errors (missing
// imports above all) do not stop it: go/types records what it can. A
// panic inside go/types leaves the package untyped (syntax alone).
func newPackage(fset *token.FileSet, files []*ast.File, imp types.Importer) *pkg {
	p := &pkg{
		fset: fset, files: files,
		values: map[types.Object]ast.Expr{}, assigns: map[types.Object][]assign{}, addressed: map[types.Object]bool{},
		declLib: map[types.Object]string{}, declText: map[types.Object]string{}, libs: map[string]bool{}, wrappers: map[types.Object]wrapper{},
	}
	p.info = newInfo()
	func() {
		defer func() {
			if recover() != nil {
				p.info = newInfo()
			}
		}()
		conf := types.Config{Importer: imp, Error: func(error) {}, FakeImportC: true}
		_, _ = conf.Check(files[0].Name.Name, fset, files, p.info)
	}()
	for _, f := range files {
		p.index(f)
	}
	return p
}

func newInfo() *types.Info {
	return &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
}

// index records the package's definitions, assignments, declared
// database types and imported database libraries.
func (p *pkg) index(f *ast.File) {
	imports := map[string]string{} // local name -> path
	for _, s := range f.Imports {
		path, _ := strconv.Unquote(s.Path.Value)
		name := libraryPackageName(path)
		if lib := libraryOfPath(path); lib != "" {
			p.libs[lib] = true
		}
		if s.Name != nil {
			name = s.Name.Name
		}
		imports[name] = path
	}
	declare := func(names []*ast.Ident, typ ast.Expr) {
		lib, text := libraryOfType(typ, imports), declaredTypeText(typ, imports)
		for _, n := range names {
			obj := p.info.Defs[n]
			if obj == nil {
				continue
			}
			if lib != "" {
				p.declLib[obj] = lib
			}
			if text != "" {
				p.declText[obj] = text
			}
		}
	}
	var stack []ast.Node // the nodes around the current one
	record := func(obj types.Object, pos token.Pos, rhs ast.Expr, op bool) {
		a := assign{pos: pos, rhs: rhs, op: op}
		for i := len(stack) - 1; i >= 0; i-- {
			if isScope(stack[i]) {
				a.scope = stack[i]
				break
			}
		}
		p.assigns[obj] = append(p.assigns[obj], a)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.Field:
			declare(n.Names, n.Type)
		case *ast.ValueSpec:
			if n.Type != nil {
				declare(n.Names, n.Type)
			}
			for i, name := range n.Names {
				obj := p.info.Defs[name]
				if obj == nil {
					continue
				}
				var rhs ast.Expr
				if len(n.Values) == len(n.Names) {
					rhs = n.Values[i]
					p.values[obj] = rhs
				}
				record(obj, n.End(), rhs, false)
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := ast.Unparen(l).(*ast.Ident)
				if !ok {
					continue
				}
				var rhs ast.Expr
				switch {
				case len(n.Lhs) == len(n.Rhs):
					rhs = n.Rhs[i]
				case i == 0 && len(n.Rhs) == 1:
					// query, args, err := sqlx.In(...): the first result
					// of a call; resolve knows which calls return SQL.
					rhs = n.Rhs[0]
				}
				op := n.Tok != token.DEFINE && n.Tok != token.ASSIGN
				// The value is the variable's from the statement's end:
				// query = fmt.Sprintf(query, ...) reads the one before.
				if obj := p.info.Defs[id]; obj != nil {
					if rhs != nil {
						p.values[obj] = rhs
					}
					record(obj, n.End(), rhs, false)
				} else if obj := p.info.Uses[id]; obj != nil {
					record(obj, n.End(), rhs, op)
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok {
					if obj := p.info.Uses[id]; obj != nil {
						record(obj, id.Pos(), nil, false)
					}
				}
			}
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
				if obj := p.info.Uses[id]; obj != nil {
					p.addressed[obj] = true
				}
			}
		}
		return true
	})
}

// assign is a definition of a variable or an assignment to it.
type assign struct {
	pos   token.Pos
	rhs   ast.Expr // the value assigned, nil when not one expression of its own
	op    bool     // an assignment operation such as +=
	scope ast.Node // the innermost block, case or function around it
}

// isScope reports whether n is a node whose statements run together: a
// block, a switch or select case, a function.
func isScope(n ast.Node) bool {
	switch n.(type) {
	case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause, *ast.FuncDecl, *ast.FuncLit, *ast.File:
		return true
	}
	return false
}

// reaching returns the assignment whose value a variable holds where it
// is used at pos: the last assignment before pos in a block around pos.
// changed is set when the value may differ: an assignment in a block that
// does not enclose pos lies between the two, the reaching assignment
// appends (+=, then the assignment before it is returned), or the
// variable's address is taken.
func (p *pkg) reaching(obj types.Object, pos token.Pos) (a assign, changed, ok bool) {
	list := p.assigns[obj]
	changed = p.addressed[obj]
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		if c.pos >= pos {
			continue
		}
		if c.scope != nil && (c.scope.Pos() > pos || pos >= c.scope.End()) {
			changed = true // in a branch that may or may not have run
			continue
		}
		if c.op {
			changed = true
			continue
		}
		return c, changed, c.rhs != nil
	}
	return assign{}, changed, false
}

// libraryOfType returns the database library of a declared type such as
// *sql.DB, sqlx.Tx or *pgxpool.Pool, or "".
func libraryOfType(typ ast.Expr, imports map[string]string) string {
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	sel, ok := typ.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return libraryOfPath(imports[id.Name])
}

// libraryPackageName is the package name that an import path
// declares, as far as the path tells: its last element, but for a major
// version suffix (pgx/v5 declares pgx).
func libraryPackageName(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && isVersion(last) {
		last = parts[len(parts)-2]
	}
	if strings.HasPrefix(path, "gopkg.in/") {
		// gopkg.in/guregu/null.v4 is package null.
		if name, version, ok := strings.Cut(last, "."); ok && isVersion(version) {
			last = name
		}
	}
	return last
}

// isVersion reports whether s is a major version's element: v2, v5...
func isVersion(s string) bool {
	return len(s) > 1 && s[0] == 'v' && strings.Trim(s[1:], "0123456789") == ""
}
