package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddSerialOrIdentityColumn reports ADD COLUMN of a serial type or with
// GENERATED ... AS IDENTITY on an existing table (hazard catalog row 17).
func AddSerialOrIdentityColumn() *Rule {
	return &Rule{
		Code: "PS021", Name: "add-serial-or-identity-column", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ADD COLUMN of type serial, bigserial or smallserial, or GENERATED ... AS IDENTITY, on an existing table.",
			Why: "Every existing row needs its own value from the sequence, so PostgreSQL calls nextval() once per row " +
				"and rewrites the whole table and all its indexes under ACCESS EXCLUSIVE: no one can read or write the " +
				"table until it finishes, which on a large table takes minutes.",
			Bad: "ALTER TABLE accounts ADD COLUMN seq bigserial;",
			Good: "ALTER TABLE accounts ADD COLUMN seq bigint;\n" +
				"CREATE SEQUENCE accounts_seq_seq OWNED BY accounts.seq;\n" +
				"ALTER TABLE accounts ALTER COLUMN seq SET DEFAULT nextval('accounts_seq_seq');\n" +
				"-- then backfill in batches, outside the DDL transaction:\n" +
				"UPDATE accounts SET seq = nextval('accounts_seq_seq') WHERE id >= 1 AND id < 10001 AND seq IS NULL;",
			Help: "add a plain bigint column, create a sequence OWNED BY it and SET DEFAULT nextval(...), backfill existing " +
				"rows in batches, then add NOT NULL and a unique index concurrently",
			Locks:       "ACCESS EXCLUSIVE on the table while it is rewritten to number every row: every query on the table waits, reads included.",
			FixSafety:   "Display-only: the recipe replaces one statement with several and a batched backfill.",
			Versions:    "All supported versions (identity columns exist from PostgreSQL 10).",
			CatalogRows: []int{17},
		},
		Check: checkAddSerialOrIdentityColumn,
	}
}

func checkAddSerialOrIdentityColumn(p *Pass) {
	table, cmds := existingTableAlter(p)
	var (
		first *pg.ColumnDef
		parts []string
		mode  locks.Mode
	)
	for _, cmd := range cmds {
		cd := addedColumn(cmd)
		if cd == nil {
			continue
		}
		var what string
		typ, _ := pgast.TypeName(cd.GetTypeName())
		switch {
		case isSerialType(typ):
			what = typ
		case columnConstraint(cd, pg.ConstrType_CONSTR_IDENTITY) != nil:
			what = "an identity column"
		default:
			continue
		}
		if first == nil {
			first = cd
		}
		parts = append(parts, cd.GetColname()+" as "+what)
		mode = max(mode, cmdLock(p, cmd))
	}
	if first == nil {
		return
	}
	// One finding for the statement, naming every column.
	verb, from := "rewrites", "its sequence"
	if len(parts) > 1 {
		verb, from = "rewrite", "their sequences"
	}
	p.Report(Diagnostic{
		Span: p.At(first.GetLocation()),
		Message: fmt.Sprintf("ADD COLUMN %s %s the table to give every existing row a value from %s; it %s",
			strings.Join(parts, ", "), verb, from, rewriteImpact(p, mode, table)),
		Lock:  mode,
		Table: Display(table),
		Fixes: []Fix{Recipe("Add a plain bigint column with a sequence default, then backfill in batches")},
	})
}

// isSerialType reports whether typ (as from pgast.TypeName) is one of the
// serial pseudo-types.
func isSerialType(typ string) bool {
	switch typ {
	case "serial", "bigserial", "smallserial", "serial2", "serial4", "serial8":
		return true
	default:
		return false
	}
}
