package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/history"
)

// DropColumn reports ALTER TABLE ... DROP COLUMN on an existing table
// (hazard catalog row 24).
func DropColumn() *Rule {
	return &Rule{
		Code: "PS027", Name: "drop-column", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "DROP COLUMN on an existing table.",
			Why: "Code still running on the old schema breaks: ORMs that cache the column list (Rails, Django, Hibernate) " +
				"name the column in every INSERT and SELECT, SELECT * shifts its columns, and CASCADE silently drops " +
				"the views that use the column. The drop also removes the column's indexes and foreign keys, and takes " +
				"a brief ACCESS EXCLUSIVE lock. The old column of a swap is not reported: one renamed away earlier in the " +
				"same transaction from a name that another column took, since code never named it; nor a drop in a file " +
				"marked `-- pgsafe:contract after <expand file>` whose expand file runs before it: the contract of an " +
				"expand/contract change, whose release contract-pending watches.",
			Bad: "ALTER TABLE accounts DROP COLUMN legacy_id;",
			Good: "-- release 1: stop the application using the column (e.g. Rails ignored_columns)\n" +
				"-- release 2:\n" +
				"DROP INDEX CONCURRENTLY IF EXISTS accounts_legacy_id_idx;\n" +
				"ALTER TABLE accounts DROP COLUMN legacy_id;",
			Help: "first deploy code that no longer reads or writes the column (tell the ORM to ignore it), drop its " +
				"indexes concurrently and its foreign keys, then drop the column with a lock_timeout",
			Locks:       "ACCESS EXCLUSIVE, briefly; what breaks is the code still running that reads or writes the column (SELECT * included).",
			FixSafety:   "Display-only: the recipe needs a code deploy first.",
			Versions:    "All versions.",
			CatalogRows: []int{24},
		},
		Check: checkDropColumn,
	}
}

func checkDropColumn(p *Pass) {
	table, cmds := existingTableAlter(p)
	var ds []Diagnostic
	var cols, cascaded []string
	for _, cmd := range cmds {
		if cmd.GetSubtype() != pg.AlterTableType_AT_DropColumn || swappedAway(p, table, cmd.GetName()) {
			continue // code never named a column swapped away in this transaction
		}
		cols = append(cols, cmd.GetName())
		if cmd.GetBehavior() == pg.DropBehavior_DROP_CASCADE {
			cascaded = append(cascaded, cmd.GetName())
		}
		ds = append(ds, Diagnostic{Lock: cmdLock(p, cmd), Table: Display(table)})
	}
	if len(ds) == 0 {
		return
	}
	d := merged(ds, "", "", nil)
	msg := fmt.Sprintf("dropping %s %s of %s breaks code still running on the old schema (ORM column caches, SELECT *)",
		plural(len(cols), "column", "columns"), nameList(cols), Display(table))
	switch {
	case len(cascaded) == 0:
	case len(cols) == 1:
		msg += ", and CASCADE also drops every view and constraint that uses it"
	default:
		msg += fmt.Sprintf(", and CASCADE also drops every view and constraint that uses %s", nameList(cascaded))
	}
	d.Message = msg + "; it " + LockImpact(d.Lock, table, "briefly")
	d.Fixes = []Fix{Recipe("Deploy code that ignores the column first, then drop it")}
	if len(cols) > 1 {
		d.Fixes = []Fix{Recipe("Deploy code that ignores the columns first, then drop them")}
	}
	if expand := contractExpand(p); expand != "" {
		// A declared contract, whose expand file runs before it in the
		// set: contract-pending sees to its release.
		path := p.File.Path
		p.Later(func(h *history.History, report func(Diagnostic)) {
			if !declaredContract(h, path, expand) {
				report(d)
			}
		})
		return
	}
	p.Report(d)
}
