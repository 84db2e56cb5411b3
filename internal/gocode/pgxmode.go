package gocode

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// This file works out whether pgx reads a query's rows in the text
// format: pgx v5's QueryExecModeSimpleProtocol and QueryExecModeExec
// have every result in the text format, its other modes (the default,
// QueryExecModeCacheStatement, among them) the types it has a codec for
// in the binary format. pgx fills some destinations differently from
// text (a bool or a timestamp fills a string), so the read's Driver says
// which (DriverPgxText).

// DriverPgxText is the Read.Driver of a read by pgx in a mode that has
// the results in the text format.
const DriverPgxText = "pgx (text format)"

// textModes are the names of pgx v5's query exec modes, and whether each
// reads the results in the text format.
var textModes = map[string]bool{
	"QueryExecModeCacheStatement": false,
	"QueryExecModeCacheDescribe":  false,
	"QueryExecModeDescribeExec":   false,
	"QueryExecModeExec":           true,
	"QueryExecModeSimpleProtocol": true,
}

// connStringTextModes are the values of the connection string parameter
// default_query_exec_mode (pgx's ParseConfig) that read text.
var connStringTextModes = []string{"default_query_exec_mode=simple_protocol", "default_query_exec_mode=exec"}

// modeName returns the exec mode that e names (pgx.QueryExecModeExec, or
// QueryExecModeExec through a dot import), "" when it names none.
func modeName(e ast.Expr) string {
	var name string
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		name = e.Sel.Name
	case *ast.Ident:
		name = e.Name
	default:
		return ""
	}
	if _, ok := textModes[name]; !ok {
		return ""
	}
	return name
}

// textByDefault reports whether files set pgx's default exec mode to one
// that reads text: an assignment to a DefaultQueryExecMode field
// (config.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol, also
// through ConnConfig), such a field in a composite literal, or a string
// literal that holds default_query_exec_mode=simple_protocol or =exec (a
// connection string). pgsafe does not follow the configuration to the
// connections that the queries use: where a package sets it, it holds
// for every pgx query of the package that names no mode of its own. A
// default set in another package (a main that opens the pool) is not
// applied: it may be another pool's, and judging a read as text that
// pgx reads in binary would hide a break.
func textByDefault(files []*ast.File) bool {
	found := false
	for _, f := range files {
		if f == nil {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if found {
				return false
			}
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "DefaultQueryExecMode" && i < len(n.Rhs) && textModes[modeName(n.Rhs[i])] {
						found = true
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "DefaultQueryExecMode" && textModes[modeName(n.Value)] {
					found = true
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil {
						for _, m := range connStringTextModes {
							if strings.Contains(s, m) {
								found = true
							}
						}
					}
				}
			}
			return !found
		})
	}
	return found
}

// pgxTextFormat reports whether the pgx query call reads its rows in the
// text format: the mode passed as the first argument after the SQL, else
// the default that the package sets (pkg.pgxText).
func (x *extractor) pgxTextFormat(call *ast.CallExpr, t target) bool {
	if len(t.args) > 0 {
		if i := t.args[0] + 1; i < len(call.Args) {
			if name := modeName(call.Args[i]); name != "" {
				return textModes[name]
			}
		}
	}
	return x.p.pgxText
}
