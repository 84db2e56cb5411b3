package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file builds the expand/contract rewrite of a column rename (hazard
// catalog row 22). Code of the release before the rename names the old
// column and code of the release after it names the new one; both run
// while the servers are replaced, so between the two releases both
// columns exist and hold the same values:
//
//   - Expand, in place of the RENAME: add the column under the new name,
//     of the same type and collation, with no default yet; a BEFORE INSERT
//     OR UPDATE trigger that keeps the two equal in both directions; a
//     batched backfill; the old column's indexes built again concurrently
//     on the new one, its CHECK and FOREIGN KEY constraints, and NOT NULL
//     as a CHECK (new IS NOT NULL), added NOT VALID and validated; ANALYZE.
//   - Contract, a new migration to ship in a later release, once no
//     running code names the old column: in one transaction with a
//     lock_timeout, drop the views that read the old column, the trigger
//     and its function, and the old column (and with it its indexes and
//     constraints); give the new one the default and NOT NULL (whose scan
//     the validated CHECK skips), the indexes and constraints their names,
//     and create the views again, reading the new column under the name
//     they gave the old one. The schema is then the rename's, but for the
//     column's place at the end of the table.
//
// The trigger cannot see which columns an INSERT named, only the values
// the row holds once defaults are filled in. The new column therefore
// has no default until the contract: on INSERT, a NULL new column means
// the statement left it out (code that knows only the old name, or code
// that knows the new one and wants its default, which the old column's
// default gives), so it takes the old column's value; otherwise the new
// column's value wins and is copied to the old one. On UPDATE, the column
// whose value changed wins (the new one when both did); when neither
// changed, the new column takes the old one's value, which mends a row
// that the backfill has not reached yet.

// renameFixTitle is the title of the rename's fix.
const renameFixTitle = "Expand and contract: add the column under its new name, keep both in sync with a trigger, backfill it in batches, " +
	"and drop the old one in a contract migration for a later release"

// renameFix rewrites a RENAME COLUMN of a table whose single-column
// primary key the catalog knows into the expand steps, in place of the
// statement, and the contract part, a new migration (Fix.Contract). It
// is unsafe: the change is no longer atomic, the column moves to the end
// of the table, and the trigger runs on every write until the contract.
// It returns the display-only recipe, saying why, when the catalog cannot
// vouch for the steps.
func renameFix(p *Pass, table string, rn *pg.RenameStmt) Fix {
	tc, why := planRename(p, table, rn)
	if why != "" {
		return recipeBecause(renameFixTitle, why)
	}
	after := locks.RowExclusive
	if tc.notNull != "" || len(tc.indexes) > 0 || len(tc.constraints) > 0 {
		after = alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint)
	}
	steps, contract := tc.renameSteps(p)
	fx := StepsFix(p, renameFixTitle, Unsafe, after, steps...)
	fx.Contract, fx.FromCatalog = contract, true
	return fx
}

// planRename gathers what the rewrite of the rename needs, or says why
// there is no mechanical rewrite.
func planRename(p *Pass, table string, rn *pg.RenameStmt) (*columnSwap, string) {
	if p.Stmt.Direction == migration.Down {
		return nil, "a down migration undoes its up at once; expand and contract the rename in the up migration"
	}
	tc, why := planColumnSwap(p, table, rn.GetSubname(), rn.GetNewname(), true)
	if why != "" {
		return nil, why
	}
	if tc.col.Decl == "" {
		return nil, fmt.Sprintf("pgsafe does not know how the type of %s is written", tc.col.Name)
	}
	return tc, ""
}

// renameSteps writes the rename's expand steps and its contract.
func (tc *columnSwap) renameSteps(p *Pass) ([]Step, string) {
	t := pgast.QuoteName(tc.table)
	oldCol, newCol := pgast.QuoteIdent(tc.col.Name), pgast.QuoteIdent(tc.newCol)
	expand := append([]string{
		fmt.Sprintf("-- pgsafe: the rename, expanded: %s is a column of its own, which a trigger keeps equal to %s both ways until the contract migration drops %s.",
			tc.newCol, tc.col.Name, tc.col.Name),
		fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;", t, newCol, tc.col.Decl),
	}, tc.syncTrigger(
		"  IF TG_OP = 'INSERT' THEN",
		fmt.Sprintf("    -- %s is NULL when the INSERT left it out: it takes %s, set or defaulted.", tc.newCol, tc.col.Name),
		fmt.Sprintf("    IF NEW.%s IS NULL THEN", newCol),
		fmt.Sprintf("      NEW.%s := NEW.%s;", newCol, oldCol),
		"    ELSE",
		fmt.Sprintf("      NEW.%s := NEW.%s;", oldCol, newCol),
		"    END IF;",
		"  -- On UPDATE, the column that changed wins; when neither did, the old one is copied.",
		fmt.Sprintf("  ELSIF NEW.%s IS DISTINCT FROM OLD.%s THEN", newCol, newCol),
		fmt.Sprintf("    NEW.%s := NEW.%s;", oldCol, newCol),
		"  ELSE",
		fmt.Sprintf("    NEW.%s := NEW.%s;", newCol, oldCol),
		"  END IF;",
	)...)
	steps := tc.copySteps(p, strings.Join(expand, "\n"),
		fmt.Sprintf("%s = %s", newCol, oldCol), fmt.Sprintf("%s IS NULL AND %s IS NOT NULL", newCol, oldCol))
	steps = append(steps, Step{SQL: fmt.Sprintf("ANALYZE %s (%s);", t, newCol)})
	contract := []string{
		fmt.Sprintf("-- pgsafe: the contract of the rename of %s.%s to %s, in one short transaction: drop the old column, which no running code names any more.",
			pgast.ObjectName(tc.table), tc.col.Name, tc.newCol),
		fmt.Sprintf("SET LOCAL lock_timeout = '%s';", lockTimeoutValue(p)),
	}
	contract = append(contract, tc.dropViews...)
	contract = append(contract, tc.dropSync()...)
	contract = append(contract, tc.takeOver(tc.newCol, tc.col.Name, false)...)
	return steps, strings.Join(contract, "\n")
}

// renameInView renames column old of table to name in a view's query, in
// place, keeping the name of every output column: an output column that
// was the bare column is named old. It returns false, changing nothing
// that matters, for a query it cannot rename in with certainty: anything
// but a plain SELECT from table alone, without WITH, a set operation, a
// join or a subquery, where a column of that name could be another
// relation's.
func renameInView(def *pg.ViewStmt, table, old, name string) bool {
	sel := def.GetQuery().GetSelectStmt()
	if sel == nil || sel.GetOp() != pg.SetOperation_SETOP_NONE || sel.GetWithClause() != nil || len(sel.GetFromClause()) != 1 {
		return false
	}
	rv := sel.GetFromClause()[0].GetRangeVar()
	if rv == nil || pgast.RelName(rv) != table {
		return false
	}
	qualifiers := map[string]bool{rv.GetRelname(): true}
	if a := rv.GetAlias().GetAliasname(); a != "" {
		qualifiers = map[string]bool{a: true}
	}
	ok := true
	pgast.Walk(def.GetQuery(), func(n *pg.Node) bool {
		if n.GetSubLink() != nil || n.GetRangeSubselect() != nil || n.GetJoinExpr() != nil || n.GetRangeFunction() != nil {
			ok = false
		}
		return ok
	})
	if !ok {
		return false
	}
	// The output columns that are the bare column keep its name.
	for _, target := range sel.GetTargetList() {
		rt := target.GetResTarget()
		if rt != nil && rt.GetName() == "" && refersTo(rt.GetVal().GetColumnRef(), old, qualifiers) {
			rt.Name = old
		}
	}
	pgast.Walk(def.GetQuery(), func(n *pg.Node) bool {
		cr := n.GetColumnRef()
		if cr == nil {
			return true
		}
		if refersTo(cr, old, qualifiers) {
			fields := cr.GetFields()
			fields[len(fields)-1] = &pg.Node{Node: &pg.Node_String_{String_: &pg.String{Sval: name}}}
		}
		return false
	})
	return true
}

// refersTo reports whether cr names column col, bare or qualified by one
// of qualifiers (or by the schema and table name).
func refersTo(cr *pg.ColumnRef, col string, qualifiers map[string]bool) bool {
	if cr == nil {
		return false
	}
	fields := pgast.Strings(cr.GetFields())
	if len(fields) != len(cr.GetFields()) || len(fields) == 0 || fields[len(fields)-1] != col {
		return false
	}
	switch len(fields) {
	case 1:
		return true
	case 2, 3:
		return qualifiers[fields[len(fields)-2]]
	default:
		return false
	}
}
