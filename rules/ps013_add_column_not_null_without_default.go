package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddColumnNotNullWithoutDefault reports ADD COLUMN ... NOT NULL with no
// DEFAULT on an existing table (hazard catalog row 14).
func AddColumnNotNullWithoutDefault() *Rule {
	return &Rule{
		Code: "PS013", Name: "add-column-not-null-without-default", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table.",
			Why: "Every existing row would hold NULL in the new column, so PostgreSQL rejects the statement as soon as " +
				"the table has one row: the migration works on an empty development database and fails in production. " +
				"Even where it succeeds, code still running on the old schema does not know the column, and its " +
				"INSERTs start failing the moment the column exists. A primary key column is NOT NULL too. Identity, " +
				"serial and generated columns fill themselves and are not reported.",
			Bad: "ALTER TABLE accounts ADD COLUMN plan text NOT NULL;",
			Good: "ALTER TABLE accounts ADD COLUMN plan text;\n" +
				"ALTER TABLE accounts ALTER COLUMN plan SET DEFAULT 'free';\n" +
				"-- backfill in batches, then make it NOT NULL (see set-not-null)\n" +
				"-- or, where a constant default is right for old rows and old code:\n" +
				"ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';",
			Help: "add the column as nullable, set a DEFAULT, backfill it in batches, then make it NOT NULL; or give it " +
				"a constant DEFAULT",
			Locks:     "ACCESS EXCLUSIVE, briefly; the statement fails as soon as the table has a row, and old code's INSERTs fail once it succeeds.",
			FixSafety: "Display-only: the default value and the backfill need a human decision.",
			Versions: "All versions. From PostgreSQL 11, ADD COLUMN with a constant DEFAULT rewrites nothing. Tables " +
				"created earlier in the same file are exempt.",
			CatalogRows: []int{14},
		},
		Check: checkAddColumnNotNullWithoutDefault,
	}
}

func checkAddColumnNotNullWithoutDefault(p *Pass) {
	st, table := alterExisting(p)
	if st == nil {
		return
	}
	mode := p.LockOn(table)
	for _, cmd := range pgast.AlterCmds(st, pg.AlterTableType_AT_AddColumn) {
		cd := cmd.GetDef().GetColumnDef()
		if cd == nil || !notNullWithoutValue(cd) {
			continue
		}
		col := cd.GetColname()
		p.Report(Diagnostic{
			Span: p.At(cd.GetLocation()),
			Message: fmt.Sprintf("ADD COLUMN %s NOT NULL without a DEFAULT fails as soon as %s has a row, and once it "+
				"exists, INSERTs from code still running on the old schema fail", col, Display(table)),
			Help: fmt.Sprintf("add it nullable, ALTER TABLE %s ALTER COLUMN %s SET DEFAULT ...; backfill the old rows in batches, "+
				"then make it NOT NULL without a long lock (see set-not-null); or give it a constant DEFAULT that suits old rows and old code",
				pgast.QuoteName(table), pgast.QuoteIdent(col)),
			Lock:  mode,
			Table: Display(table),
			Fixes: []Fix{Recipe("Add the column nullable with a default, backfill, then set NOT NULL")},
		})
	}
}

// notNullWithoutValue reports whether a column definition is NOT NULL (or
// a primary key) with nothing to fill existing rows: no DEFAULT, identity,
// generated expression or serial type.
func notNullWithoutValue(cd *pg.ColumnDef) bool {
	notNull := cd.GetIsNotNull()
	for _, c := range cd.GetConstraints() {
		switch c.GetConstraint().GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL, pg.ConstrType_CONSTR_PRIMARY:
			notNull = true
		case pg.ConstrType_CONSTR_DEFAULT, pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
			return false
		default:
		}
	}
	if cd.GetRawDefault() != nil || cd.GetIdentity() != "" || cd.GetGenerated() != "" {
		return false
	}
	name, _ := pgast.TypeName(cd.GetTypeName())
	switch name {
	case "serial", "serial2", "serial4", "serial8", "smallserial", "bigserial":
		return false
	default:
	}
	return notNull
}
