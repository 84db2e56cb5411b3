package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/resolve"
)

// SelectStarInQuery reports * and t.* in the application's queries
// (--queries), RETURNING * included (hazard catalog row 38).
func SelectStarInQuery() *Rule {
	return &Rule{
		Code: "PS052", Name: "select-star-in-query", Severity: Hint, FixAvailability: FixSometimes, Queries: true,
		Doc: Doc{
			Summary: "SELECT *, t.* or RETURNING * in an application query file (--queries) or in Go code (--code).",
			Why: "The application decodes the rows it reads into a struct or a list of fields. A * returns whatever " +
				"columns the table has when the query runs, so a migration that adds, drops or renames a column " +
				"changes the result under code that was built for the old shape: a strict decoder fails on the new " +
				"column, a positional one reads the wrong field. During a rolling deploy the old code runs against " +
				"the new schema. The finding rises to a warning when a pending migration of the set changes the " +
				"columns the * takes, and that migration is reported too (breaks-application-query). In Go code " +
				"(--code), where pgsafe sees how the rows are read, it is an error when such a change breaks the " +
				"read: a Scan with as many destinations as the columns were, or a struct (sqlx, pgx " +
				"RowToStructByName) without a field for a column the change adds or renames, or a destination " +
				"whose Go type cannot take the column's new type. A type change that the destination takes " +
				"does not raise the finding.",
			Bad:  "-- name: GetUser :one\nSELECT * FROM users WHERE id = $1;",
			Good: "-- name: GetUser :one\nSELECT id, email, created_at FROM users WHERE id = $1;",
			Help: "name the columns the code reads instead of *",
			FixSafety: "Safe when the catalog knows every column the * stands for: it writes them as they are after the " +
				"whole migration set. In Go code (--code), the columns are written into the query's string literal, " +
				"quoted for it (\\\" in an interpreted string); a query that is not one fully known literal at the call " +
				"(several parts, fmt.Sprintf), or a raw string that cannot hold a backquote, keeps the fix as advice. " +
				"When pending migrations change the columns the * stands for, the list after the set is not what the " +
				"code reads today: the fix writes the columns that Go code scans today when the changes only add " +
				"columns (or change types) and the Scan has a destination for each of the others, and, for a read " +
				"into a struct, the columns the struct has fields for as they are named today, in the order of the " +
				"*, unless a pending migration drops one of them. A pending type change alone keeps the fix. It is " +
				"display-only otherwise, with the reason, and when the catalog does not know every column.",
			CatalogRows: []int{38},
		},
		Check: checkSelectStarInQuery,
	}
}

func checkSelectStarInQuery(p *Pass) {
	if !p.Query {
		return
	}
	q := statementQuery(p)
	var read *CodeRead // how Go code reads the rows, for a query's only star
	stars := resolve.Statement(q.node, p.Catalog).Stars
	if p.Options.CodeReads != nil && len(stars) == 1 && !stars[0].Returning {
		read = p.Options.CodeReads(p.File.Path, p.Stmt.Span)
	}
	var bs []binding // one finding for the statement, naming every star
	for _, st := range stars {
		span := q.at(p, st)
		bs = append(bs, binding{st.Tables, Diagnostic{
			Span: span,
			Message: fmt.Sprintf("%s returns whatever columns %s has when the query runs, so the code that decodes "+
				"the rows breaks when a migration changes them", starWhat(p, st, span, true), starTables(st)),
			Help:  starHelp(st),
			Fixes: []Fix{starFix(st, span, true)},
		}, read, &st, true})
	}
	reportBindings(p, bs)
}
