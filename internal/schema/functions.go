package schema

import (
	"sort"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/funcbody"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// createFunction replays CREATE [OR REPLACE] FUNCTION or PROCEDURE. A
// replaced function keeps its ID.
func (r *replay) createFunction(st *pg.CreateFunctionStmt) {
	f := &Function{
		Key: pgast.QualifyName(pgast.Strings(st.GetFuncname())), Args: argTypes(st.GetParameters()), Procedure: st.GetIsProcedure(),
		Body: funcbody.Of(st, r.st.SQL, r.st.Base), File: r.st.Path, Line: r.st.Line,
	}
	if st.GetReturnType() != nil {
		f.Returns, _ = typeName(st.GetReturnType())
	}
	if old := r.c.functions.get(f.Signature()); old != nil {
		f.ID = old.ID
	} else {
		f.ID = r.c.newID()
	}
	if f.Body.Atomic {
		var refs []resolve.Ref
		for _, q := range f.Body.Queries {
			refs = append(refs, resolve.Statement(q.Node, r.c).Names()...)
		}
		f.Reads = r.bind(refs)
	}
	r.c.functions.set(f.Signature(), f)
}

// FunctionSignature returns the signature of the function st creates,
// as Function.Signature gives it: "schema.name(type, ...)".
func FunctionSignature(st *pg.CreateFunctionStmt) string {
	return signature(pgast.QualifyName(pgast.Strings(st.GetFuncname())), argTypes(st.GetParameters()))
}

// argTypes returns the types of the input parameters, which make a
// function's identity with its name.
func argTypes(params []*pg.Node) []string {
	out := []string{}
	for _, p := range params {
		fp := p.GetFunctionParameter()
		switch fp.GetMode() {
		case pg.FunctionParameterMode_FUNC_PARAM_OUT, pg.FunctionParameterMode_FUNC_PARAM_TABLE:
			continue
		default:
		}
		name, _ := typeName(fp.GetArgType())
		out = append(out, name)
	}
	return out
}

// functionsNamed returns the functions an ObjectWithArgs names: the one
// with those argument types, or every overload when it gives none.
func (c *Catalog) functionsNamed(owa *pg.ObjectWithArgs) []*Function {
	key := pgast.QualifyName(pgast.Strings(owa.GetObjname()))
	if owa.GetArgsUnspecified() {
		return c.Functions(key)
	}
	var args []string
	for _, a := range owa.GetObjargs() {
		name, _ := typeName(a.GetTypeName())
		args = append(args, name)
	}
	if f := c.functions.get(signature(key, args)); f != nil {
		return []*Function{f}
	}
	return nil
}

// Dependent is a view or function that depends on a table or column.
type Dependent struct {
	// Kind is "view", "materialized view", "function" or "procedure".
	Kind string
	// Key is the "schema.name" of the view or function, and Name the
	// view's key or the function's signature.
	Key, Name string
	// File and Line say where it was created.
	File string
	Line int
	// Bound reports that PostgreSQL records the dependency (a view, a
	// materialized view or a SQL-standard function body): dropping or
	// changing the type of what it reads fails, or CASCADE drops it. A
	// string body is bound only when called, so PostgreSQL lets the change
	// through and the function fails at its next call.
	Bound bool
}

// Dependents returns the views, materialized views and functions that
// read column col of table (the table's ID and the column's Num), or any
// part of table when col is 0, sorted by file and line. Functions with a
// string body are bound by name against c, as PostgreSQL would bind them
// if called now.
func (c *Catalog) Dependents(table, col int) []Dependent {
	var out []Dependent
	for _, t := range c.tables.m {
		if t.Kind != KindTable && dependsOn(t.Reads, table, col) {
			out = append(out, Dependent{Kind: t.Kind.String(), Key: t.Key, Name: t.Key, File: t.File, Line: t.Line, Bound: true})
		}
	}
	for _, f := range c.functions.m {
		kind := "function"
		if f.Procedure {
			kind = "procedure"
		}
		switch {
		case f.Body.Atomic && dependsOn(f.Reads, table, col):
			out = append(out, Dependent{Kind: kind, Key: f.Key, Name: f.Signature(), File: f.File, Line: f.Line, Bound: true})
		case !f.Body.Atomic && c.bodyReads(f, table, col):
			out = append(out, Dependent{Kind: kind, Key: f.Key, Name: f.Signature(), File: f.File, Line: f.Line})
		default:
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Name < b.Name
	})
	return out
}

// bodyReads reports whether a string body, bound by name against c,
// names column col of table (any part of it when col is 0).
func (c *Catalog) bodyReads(f *Function, table, col int) bool {
	for _, q := range f.Body.Queries {
		for _, ref := range resolve.Statement(q.Node, c).Names() {
			if ref.ID == table && (col == 0 || ref.Num == col) {
				return true
			}
		}
	}
	return false
}
