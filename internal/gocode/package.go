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
	// reassigned counts the assignments to a variable after its
	// definition, and the times its address is taken.
	reassigned map[types.Object]int
	// declLib maps a variable, parameter or field to the database library
	// of its declared type (see libraryOfPath), read from the syntax, so
	// that it is known when the library's package could not be imported.
	declLib map[types.Object]string
	// libs are the database libraries that the package imports.
	libs map[string]bool
}

// newPackage type-checks files as one package. Type errors (missing
// imports above all) do not stop it: go/types records what it can. A
// panic inside go/types leaves the package untyped (syntax alone).
func newPackage(fset *token.FileSet, files []*ast.File, imp types.Importer) *pkg {
	p := &pkg{
		fset: fset, files: files,
		values: map[types.Object]ast.Expr{}, reassigned: map[types.Object]int{},
		declLib: map[types.Object]string{}, libs: map[string]bool{},
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
		name := path[strings.LastIndex(path, "/")+1:]
		if lib := libraryOfPath(path); lib != "" {
			p.libs[lib] = true
			name = libraryPackageName(path)
		}
		if s.Name != nil {
			name = s.Name.Name
		}
		imports[name] = path
	}
	declare := func(names []*ast.Ident, typ ast.Expr) {
		lib := libraryOfType(typ, imports)
		if lib == "" {
			return
		}
		for _, n := range names {
			if obj := p.info.Defs[n]; obj != nil {
				p.declLib[obj] = lib
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			declare(n.Names, n.Type)
		case *ast.ValueSpec:
			if n.Type != nil {
				declare(n.Names, n.Type)
			}
			if len(n.Values) == len(n.Names) {
				for i, name := range n.Names {
					if obj := p.info.Defs[name]; obj != nil {
						p.values[obj] = n.Values[i]
					}
				}
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := ast.Unparen(l).(*ast.Ident)
				if !ok {
					continue
				}
				if obj := p.info.Defs[id]; obj != nil && n.Tok == token.DEFINE {
					if len(n.Lhs) == len(n.Rhs) {
						p.values[obj] = n.Rhs[i]
					}
					continue
				}
				if obj := p.info.Uses[id]; obj != nil {
					p.reassigned[obj]++
				}
			}
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
				if obj := p.info.Uses[id]; obj != nil {
					p.reassigned[obj]++
				}
			}
		}
		return true
	})
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

// libraryPackageName is the package name that an import path of a
// database library declares (pgx/v5 declares pgx).
func libraryPackageName(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	return last
}
