package schema

import (
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
	f.Start, f.End = r.st.bytes()
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
