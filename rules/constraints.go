package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// This file holds what the constraint rules share: finding the ALTER TABLE
// of an existing table, naming constraints as PostgreSQL does, and the
// NOT NULL scan shortcut.

// alterExisting returns the statement's ALTER TABLE and its table's key,
// or nil when the statement is not an ALTER TABLE, or alters a table that
// an earlier statement of the file created (new and empty, so its lock
// hazards do not apply).
func alterExisting(p *Pass) (*pg.AlterTableStmt, string) {
	st := p.Stmt.Node.GetAlterTableStmt()
	if st == nil || st.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
		return nil, ""
	}
	table := pgast.RelName(st.GetRelation())
	if table == "" || p.IsNew(table) {
		return nil, ""
	}
	return st, table
}

// addedConstraints returns the constraints of type ct that the
// statement's ALTER TABLE adds to an existing table, and that table's key.
func addedConstraints(p *Pass, ct pg.ConstrType) ([]pgast.AddedConstraint, string) {
	st, table := alterExisting(p)
	if st == nil {
		return nil, ""
	}
	var out []pgast.AddedConstraint
	for _, a := range pgast.AddedConstraints(st) {
		if a.Constraint.GetContype() == ct {
			out = append(out, a)
		}
	}
	return out, table
}

// addedClause names an added constraint for a message: "ADD UNIQUE" for a
// table constraint, "ADD COLUMN email ... UNIQUE" for a column one. kind is
// the constraint's keyword, e.g. "UNIQUE".
func addedClause(a pgast.AddedConstraint, kind string) string {
	if a.Column != nil {
		return "ADD COLUMN " + a.Column.GetColname() + " ... " + kind
	}
	return "ADD " + kind
}

// constraintName returns the constraint's name, or the name PostgreSQL
// gives it when it has none: table_columns_key, table_pkey, and so on,
// with a number appended, as PostgreSQL does, when a constraint that the
// catalog knows on the table already has that name.
func constraintName(p *Pass, table string, con *pg.Constraint, cols []string) string {
	if con.GetConname() != "" {
		return con.GetConname()
	}
	return freeConstraintName(p, table, defaultConstraintName(table, con, cols))
}

// defaultConstraintName returns the name PostgreSQL gives an unnamed
// constraint when no other constraint has it.
func defaultConstraintName(table string, con *pg.Constraint, cols []string) string {
	base := pgast.ObjectName(table)
	if con.GetContype() == pg.ConstrType_CONSTR_CHECK {
		cols = nil
		if c := pgast.SoleColumn(con.GetRawExpr()); c != "" {
			cols = []string{c}
		}
	}
	if len(cols) > 0 {
		base += "_" + strings.Join(cols, "_")
	}
	switch con.GetContype() {
	case pg.ConstrType_CONSTR_PRIMARY:
		return pgast.ObjectName(table) + "_pkey"
	case pg.ConstrType_CONSTR_UNIQUE:
		return base + "_key"
	case pg.ConstrType_CONSTR_FOREIGN:
		return base + "_fkey"
	case pg.ConstrType_CONSTR_EXCLUSION:
		return base + "_excl"
	default:
		return base + "_check"
	}
}

// alterCmdMode returns the lock that an ALTER TABLE subcommand of the given
// subtype takes, from the lock model.
func alterCmdMode(p *Pass, subtype pg.AlterTableType) locks.Mode {
	return locks.AlterTableCmdMode(&pg.AlterTableCmd{Subtype: subtype}, p.Options.PGVersion)
}

// validateLater says how to validate a NOT VALID constraint afterwards,
// with the lock VALIDATE takes.
func validateLater(p *Pass, table, name string) string {
	return fmt.Sprintf("then, in a later transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s; (it takes only %s, so reads and writes continue while it checks the rows)",
		pgast.QuoteName(table), pgast.QuoteIdent(name), alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint))
}

// notNullCheck returns a CHECK (col IS NOT NULL) constraint of t, the
// validated one when there is one, and nil when there is none.
func notNullCheck(t *schema.Table, col string) *schema.Constraint {
	if t == nil {
		return nil
	}
	var found *schema.Constraint
	for _, c := range t.Constraints {
		if c.Type == pg.ConstrType_CONSTR_CHECK && c.NotNullOf == col {
			if c.Validated {
				return c
			}
			found = c
		}
	}
	return found
}

// notNullScanSkipped reports whether making column col of t NOT NULL
// skips the table scan: from PostgreSQL 12, a validated CHECK (col IS NOT
// NULL) proves it, and a column already NOT NULL needs no check at all.
func notNullScanSkipped(p *Pass, t *schema.Table, col string) bool {
	if t == nil {
		return false
	}
	if c := t.Column(col); c != nil && c.NotNull {
		return true
	}
	ck := notNullCheck(t, col)
	return p.Options.PGVersion >= 12 && ck != nil && ck.Validated
}

// setNotNullRecipe says how to make column col of table NOT NULL without
// a long ACCESS EXCLUSIVE lock on the target version.
func setNotNullRecipe(p *Pass, table, col string) string {
	t, c := pgast.QuoteName(table), pgast.QuoteIdent(col)
	ck := pgast.QuoteIdent(pgast.ObjectName(table) + "_" + col + "_not_null")
	switch {
	case p.Options.PGVersion >= 18:
		return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID; commit, then ALTER TABLE %s VALIDATE CONSTRAINT %s; in a later transaction",
			t, ck, c, t, ck)
	case p.Options.PGVersion >= 12:
		return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; commit; ALTER TABLE %s VALIDATE CONSTRAINT %s; commit; "+
			"then ALTER TABLE %s ALTER COLUMN %s SET NOT NULL; which skips the scan because the validated CHECK proves it, and ALTER TABLE %s DROP CONSTRAINT %s; "+
			"as a statement of its own (in the same ALTER TABLE, the CHECK is dropped before SET NOT NULL can use it)",
			t, ck, c, t, ck, t, c, t, ck)
	default:
		return fmt.Sprintf("PostgreSQL 11 cannot set NOT NULL without a scan: ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; commit; "+
			"ALTER TABLE %s VALIDATE CONSTRAINT %s; and keep the CHECK in place of NOT NULL until you run PostgreSQL 12 or later",
			t, ck, c, t, ck)
	}
}

// withLockTimeout prefixes sql with the SET lock_timeout that keeps a
// brief exclusive lock from queueing behind long transactions.
func withLockTimeout(p *Pass, sql string) string {
	timeout := p.Options.LockTimeout
	if timeout == "" {
		timeout = "2s"
	}
	return fmt.Sprintf("SET lock_timeout = '%s'; %s", timeout, sql)
}
