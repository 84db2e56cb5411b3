package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddColumnVolatileDefault reports ADD COLUMN with a DEFAULT that calls a
// volatile function on an existing table (hazard catalog rows 15 and 16).
func AddColumnVolatileDefault() *Rule {
	return &Rule{
		Code: "PS020", Name: "add-column-volatile-default", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ADD COLUMN with a volatile DEFAULT, such as gen_random_uuid() or clock_timestamp(), on an existing table.",
			Why: "A volatile default must be computed once per existing row, so PostgreSQL rewrites the whole table and " +
				"rebuilds every index while it holds ACCESS EXCLUSIVE: every read and write of the table waits, for " +
				"minutes on a large table. A constant or STABLE default (a literal, now(), CURRENT_TIMESTAMP) is stored " +
				"once in the catalog instead and is instant. A function pgsafe does not know, including your own, counts " +
				"as volatile, because PostgreSQL makes functions VOLATILE unless they are declared otherwise.",
			Bad: "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();",
			Good: "ALTER TABLE accounts ADD COLUMN token uuid;\n" +
				"ALTER TABLE accounts ALTER COLUMN token SET DEFAULT gen_random_uuid();\n" +
				"-- then, in batches, outside the DDL transaction:\n" +
				"UPDATE accounts SET token = gen_random_uuid() WHERE id >= 1 AND id < 10001 AND token IS NULL;",
			Help: "add the column without a default, then SET DEFAULT (applies to new rows only), then backfill existing " +
				"rows in batches; add NOT NULL afterwards with a validated CHECK",
			Locks: "ACCESS EXCLUSIVE on the table while it is rewritten to give every row its own value: every query on the table waits, reads included.",
			FixSafety: "Unsafe (the change is no longer atomic): for an ALTER TABLE with this one ADD COLUMN on a table whose " +
				"single-column primary key the catalog knows, adds the column bare, SETs the DEFAULT for new rows, fills the " +
				"existing rows in batches of batch-size rows (a DO block that walks the key and commits after each batch, outside " +
				"a transaction), then makes the column NOT NULL the online way when it asked for that. Display-only otherwise.",
			Versions: "All versions. Constant and STABLE defaults are metadata-only from PostgreSQL 11, the oldest " +
				"version pgsafe supports, so only volatile ones are reported.",
			CatalogRows: []int{15, 16},
		},
		Check: checkAddColumnVolatileDefault,
	}
}

func checkAddColumnVolatileDefault(p *Pass) {
	table, cmds := existingTableAlter(p)
	type hit struct {
		cd        *pg.ColumnDef
		name, why string
		mode      locks.Mode
	}
	var hits []hit
	for _, cmd := range cmds {
		cd := addedColumn(cmd)
		def := columnConstraint(cd, pg.ConstrType_CONSTR_DEFAULT)
		if def == nil {
			continue
		}
		fc, known := pgast.FirstVolatileCall(def.GetRawExpr())
		if fc == nil {
			continue
		}
		name := pgast.FuncName(fc)
		why := name + "() is VOLATILE"
		if !known {
			why = name + "() is not a function pgsafe knows to be IMMUTABLE or STABLE, and functions are VOLATILE unless declared otherwise"
		}
		hits = append(hits, hit{cd, name, why, cmdLock(p, cmd)})
	}
	switch len(hits) {
	case 0:
		return
	case 1:
		h := hits[0]
		p.Report(Diagnostic{
			Span: p.At(h.cd.GetLocation()),
			Message: fmt.Sprintf("ADD COLUMN %s DEFAULT %s() rewrites the table: %s, so every existing row gets its own value; it %s",
				h.cd.GetColname(), h.name, h.why, rewriteImpact(p, h.mode, table)),
			Lock:  h.mode,
			Table: Display(table),
			Fixes: []Fix{backfillColumnFix(p, table, h.cd, "Add the column without a default, SET DEFAULT, then backfill in batches")},
		})
		return
	}
	// One finding for the statement, naming every column.
	var cols, whys []string
	mode := hits[0].mode
	for _, h := range hits {
		cols = append(cols, fmt.Sprintf("%s DEFAULT %s()", h.cd.GetColname(), h.name))
		whys = append(whys, h.why)
		mode = max(mode, h.mode)
	}
	p.Report(Diagnostic{
		Span: p.At(hits[0].cd.GetLocation()),
		Message: fmt.Sprintf("ADD COLUMN %s rewrite the table: %s, so every existing row gets its own values; it %s",
			strings.Join(cols, ", "), strings.Join(whys, "; "), rewriteImpact(p, mode, table)),
		Lock:  mode,
		Table: Display(table),
		Fixes: []Fix{Recipe("Add each column without a default in an ALTER TABLE of its own, SET DEFAULT, then backfill in batches")},
	})
}
