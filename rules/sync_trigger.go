package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// syncObjects are the sync trigger of an online rewrite and its function,
// quoted, on table (a "schema.name" key): zz_pgsafe_sync_<what> and
// <table>_<what>_pgsafe_sync, in the table's schema, each cut to
// PostgreSQL's 63 bytes. The type change and the rename name them after
// the column, a move after what its copy fills.
type syncObjects struct {
	table, fn, trigger string
}

// newSyncObjects names the sync trigger on table for what.
func newSyncObjects(table, what string) syncObjects {
	return syncObjects{
		table:   pgast.QuoteName(table),
		fn:      pgast.QuoteName(pgast.SchemaOf(table) + "." + columnWithSuffix(pgast.ObjectName(table)+"_"+what, syncSuffix)),
		trigger: pgast.QuoteIdent(columnWithSuffix(triggerPrefix+what, "")),
	}
}

// function returns the lines that create the trigger's function, which
// runs body (lines of PL/pgSQL, indented as they should appear) and
// returns ret (NEW for a BEFORE trigger, NULL for an AFTER one).
func (s syncObjects) function(body []string, ret string) []string {
	out := []string{fmt.Sprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $pgsafe$", s.fn), "BEGIN"}
	out = append(out, body...)
	return append(out, "  RETURN "+ret+";", "END", "$pgsafe$;")
}

// drop returns the statements that drop the trigger and its function;
// ifExists makes them idempotent, for a down migration that may run after
// the contract has dropped them.
func (s syncObjects) drop(ifExists bool) []string {
	ie := ""
	if ifExists {
		ie = "IF EXISTS "
	}
	return []string{fmt.Sprintf("DROP TRIGGER %s%s ON %s;", ie, s.trigger, s.table), fmt.Sprintf("DROP FUNCTION %s%s();", ie, s.fn)}
}
