package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/resolve"
)

// SelectStarInFunction reports * and t.* in the statements of a function
// or procedure body, RETURNING * included (hazard catalog row 38).
func SelectStarInFunction() *Rule {
	return &Rule{
		Code: "PS051", Name: "select-star-in-function", Severity: Hint, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "SELECT *, t.* or RETURNING * in a function or procedure body (SQL or PL/pgSQL).",
			Why: "A function body stored as a string is bound to the tables only when it runs, so its * stands for " +
				"whatever columns the tables have by then, not those they had when the function was written: a " +
				"column added or dropped by a later migration changes what the function returns, and a function " +
				"declared to return a fixed row type or a record list then fails with a return type mismatch. A " +
				"SQL-standard body (BEGIN ATOMIC) freezes its * like a view. The finding rises to a warning when a " +
				"later migration of the set changes the columns the * takes.",
			Bad:  "CREATE FUNCTION recent_orders() RETURNS SETOF orders LANGUAGE sql AS $$ SELECT * FROM orders WHERE at > now() - interval '1 day' $$;",
			Good: "CREATE FUNCTION recent_orders() RETURNS TABLE (id bigint, total numeric) LANGUAGE sql AS $$ SELECT id, total FROM orders WHERE at > now() - interval '1 day' $$;",
			Help: "name the columns the function needs instead of *",
			FixSafety: "Safe in a SQL body (dollar-quoted, quoted without escapes, or SQL-standard) when the catalog knows " +
				"every column the * stands for: it writes them as they are at that point of the migration history. " +
				"Display-only in PL/pgSQL, where SELECT * INTO a row variable may rely on the *.",
			CatalogRows: []int{38},
		},
		Check: checkSelectStarInFunction,
	}
}

func checkSelectStarInFunction(p *Pass) {
	queries, body := functionQueries(p)
	var bs []binding // one finding for the statement, naming every star
	for _, q := range queries {
		for _, st := range resolve.Statement(q.node, p.Catalog).Stars {
			span := q.at(p, st)
			bs = append(bs, binding{st.Tables, Diagnostic{
				Span: span,
				Message: fmt.Sprintf("%s in %s takes the columns %s has when the function runs, not those it had "+
					"when it was written: a column added or dropped changes what it returns",
					starWhat(p, st, span, q.exact), functionName(p), starTables(st)),
				Help:  starHelp(st),
				Fixes: []Fix{starFix(st, span, q.exact && body.Language == "sql")},
			}, nil, nil, false})
		}
	}
	reportBindings(p, bs)
}
