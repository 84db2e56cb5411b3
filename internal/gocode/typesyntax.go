package gocode

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// declaredTypeText describes a declared type from its syntax, in the form
// typeText gives, for a type that names a package outside the standard
// library: those are not imported (see stdImporter), so go/types leaves
// the type invalid, yet the rules know some of them by name
// ("github.com/google/uuid.UUID", "[]github.com/google/uuid.UUID",
// "github.com/jackc/pgx/v5/pgtype.Array[string]",
// "github.com/lib/pq.StringArray"). imports maps a file's package names
// to their paths. It is "" for a type that names no such package
// (go/types describes those), or that it cannot write out.
func declaredTypeText(typ ast.Expr, imports map[string]string) string {
	text, foreign := syntaxText(typ, imports)
	if !foreign {
		return ""
	}
	return text
}

// syntaxText writes out the type expression e, and reports whether it
// names a package outside the standard library; "" when some part of it
// cannot be written out (a type of the package's own, a function type).
func syntaxText(e ast.Expr, imports map[string]string) (string, bool) {
	switch v := e.(type) {
	case *ast.ParenExpr:
		return syntaxText(v.X, imports)
	case *ast.Ident:
		if obj := types.Universe.Lookup(v.Name); obj != nil {
			if _, ok := obj.(*types.TypeName); ok {
				return v.Name, false
			}
		}
		return "", false
	case *ast.SelectorExpr:
		pkg, ok := v.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		path := imports[pkg.Name]
		if path == "" {
			return "", false
		}
		return path + "." + v.Sel.Name, !isStd(path)
	case *ast.StarExpr:
		return wrapped("*", v.X, imports)
	case *ast.ArrayType:
		switch n := v.Len.(type) {
		case nil:
			return wrapped("[]", v.Elt, imports)
		case *ast.BasicLit:
			if n.Kind == token.INT {
				return wrapped("["+n.Value+"]", v.Elt, imports)
			}
		}
		return "", false
	case *ast.MapType:
		k, fk := syntaxText(v.Key, imports)
		val, fv := syntaxText(v.Value, imports)
		if k == "" || val == "" {
			return "", false
		}
		return "map[" + k + "]" + val, fk || fv
	case *ast.IndexExpr:
		return generic(v.X, []ast.Expr{v.Index}, imports)
	case *ast.IndexListExpr:
		return generic(v.X, v.Indices, imports)
	case *ast.InterfaceType:
		if v.Methods == nil || len(v.Methods.List) == 0 {
			return "any", false
		}
		return "", false
	default:
		return "", false
	}
}

// wrapped writes out the type e after prefix ("*", "[]", "[16]").
func wrapped(prefix string, e ast.Expr, imports map[string]string) (string, bool) {
	inner, foreign := syntaxText(e, imports)
	if inner == "" {
		return "", false
	}
	return prefix + inner, foreign
}

// generic writes out an instantiated generic type: base[args].
func generic(base ast.Expr, args []ast.Expr, imports map[string]string) (string, bool) {
	b, foreign := syntaxText(base, imports)
	if b == "" {
		return "", false
	}
	texts := make([]string, len(args))
	for i, a := range args {
		t, f := syntaxText(a, imports)
		if t == "" {
			return "", false
		}
		texts[i], foreign = t, foreign || f
	}
	return b + "[" + strings.Join(texts, ",") + "]", foreign
}

// destinationText describes the type of a Scan destination, &v or
// &x.f, as typeText does; where go/types has no type for it (one of a
// package that was not imported), from the syntax of the variable's or
// field's declaration (see declaredTypeText).
func (x *extractor) destinationText(dest ast.Expr) string {
	if tv, ok := x.p.info.Types[dest]; ok && tv.Type != nil {
		if p, ok := types.Unalias(tv.Type).(*types.Pointer); ok {
			if text := typeText(p.Elem()); text != "" {
				return text
			}
		}
	}
	u, ok := ast.Unparen(dest).(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return ""
	}
	var id *ast.Ident
	switch v := ast.Unparen(u.X).(type) {
	case *ast.Ident:
		id = v
	case *ast.SelectorExpr:
		id = v.Sel
	default:
		return ""
	}
	if obj := x.p.info.Uses[id]; obj != nil {
		return x.p.declText[obj]
	}
	return ""
}
