package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file builds the mechanical fixes of the constraint rules. Each
// applies only to an ALTER TABLE with a single subcommand; anything else
// keeps its display-only recipe.

// singleSubcommand reports whether the statement is an ALTER TABLE with
// exactly one subcommand.
func singleSubcommand(p *Pass) bool {
	return len(p.Stmt.Node.GetAlterTableStmt().GetCmds()) == 1
}

// namedConstraintText returns the statement text with the table
// constraint con named explicitly (PostgreSQL's default name) when it is
// unnamed, so that a later step can refer to it.
func namedConstraintText(p *Pass, con *pg.Constraint, name string) string {
	text := p.StmtText()
	if con.GetConname() != "" {
		return text
	}
	k := int(con.GetLocation()) - p.Stmt.Span.Start
	if k < 0 || k > len(text) {
		return text
	}
	return text[:k] + "CONSTRAINT " + pgast.QuoteIdent(name) + " " + text[k:]
}

// notValidFix adds a foreign key or CHECK constraint NOT VALID, and
// validates it in a later transaction, where VALIDATE takes only SHARE
// UPDATE EXCLUSIVE.
func notValidFix(p *Pass, a pgast.AddedConstraint, table, name, title string) Fix {
	if !singleSubcommand(p) || a.Column != nil {
		return Recipe(title)
	}
	add := namedConstraintText(p, a.Constraint, name) + " NOT VALID;"
	validate := fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", pgast.QuoteName(table), pgast.QuoteIdent(name))
	return StepsFix(p, title, Safe, alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint),
		Step{SQL: add}, Step{SQL: validate})
}

// notNullSteps returns the steps that make columns NOT NULL without a
// long exclusive lock: from 18 a NOT NULL constraint added NOT VALID and
// validated later; on 12 to 17 a CHECK (c IS NOT NULL) added NOT VALID,
// validated later, then SET NOT NULL (which skips its scan thanks to the
// CHECK) and the CHECK dropped. It returns nil on 11, which has no
// shortcut.
func notNullSteps(p *Pass, table string, cols []string) []Step {
	if p.Options.PGVersion < 12 || len(cols) == 0 {
		return nil
	}
	t := pgast.QuoteName(table)
	// The CHECK is dropped by a statement of its own: in the ALTER TABLE
	// that sets NOT NULL, PostgreSQL drops it before SET NOT NULL looks
	// for a constraint that proves the column, and scans the table.
	var add, validate, set, drop []string
	for _, c := range cols {
		name := pgast.QuoteIdent(freeConstraintName(p, table, pgast.ObjectName(table)+"_"+c+"_not_null"))
		col := pgast.QuoteIdent(c)
		if p.Options.PGVersion >= 18 {
			add = append(add, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID;", t, name, col))
			validate = append(validate, fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", t, name))
			continue
		}
		add = append(add, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;", t, name, col))
		validate = append(validate, fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", t, name))
		set = append(set, fmt.Sprintf("ALTER COLUMN %s SET NOT NULL", col))
		drop = append(drop, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", t, name))
	}
	steps := []Step{{SQL: strings.Join(add, "\n")}, {SQL: strings.Join(validate, "\n")}}
	if len(set) > 0 {
		steps = append(steps, Step{SQL: fmt.Sprintf("ALTER TABLE %s %s;", t, strings.Join(set, ", "))}, Step{SQL: strings.Join(drop, "\n")})
	}
	return steps
}

// uniqueIndexSteps returns the steps that build a unique index
// concurrently, outside a transaction, and then attach it as constraint
// name (kind "UNIQUE" or "PRIMARY KEY") with USING INDEX, which takes
// only a brief lock.
func uniqueIndexSteps(table, name, kind string, cols []string) []Step {
	ix := createIndexSQL(name, table, cols, true, true, false)
	attach := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;",
		pgast.QuoteName(table), pgast.QuoteIdent(name), kind, pgast.QuoteIdent(name))
	return []Step{{SQL: ix, NoTransaction: true}, {SQL: attach}}
}

// simpleKey reports whether a UNIQUE or PRIMARY KEY constraint is plain
// enough for USING INDEX: named columns, no INCLUDE, no index options, no
// NULLS NOT DISTINCT, not deferrable.
func simpleKey(con *pg.Constraint, cols []string) bool {
	if len(cols) == 0 || len(con.GetIncluding()) > 0 || len(con.GetOptions()) > 0 || con.GetIndexspace() != "" ||
		con.GetNullsNotDistinct() || con.GetDeferrable() || con.GetIndexname() != "" {
		return false
	}
	for _, c := range cols {
		if c == "" {
			return false
		}
	}
	return true
}

// lockAfterUsingIndex is the lock the USING INDEX step takes, from the
// lock model.
func lockAfterUsingIndex(p *Pass) locks.Mode {
	return alterCmdMode(p, pg.AlterTableType_AT_AddIndexConstraint)
}

// freeConstraintName returns base, or base with a numeric suffix, so that
// no constraint the catalog knows on table has that name.
func freeConstraintName(p *Pass, table, base string) string {
	t := p.Catalog.Table(table)
	name := base
	for i := 1; t != nil && t.Constraint(name) != nil; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	return name
}
