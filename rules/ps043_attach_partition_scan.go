package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// AttachPartitionScan reports ALTER TABLE ... ATTACH PARTITION when the
// catalog shows no validated CHECK constraint on the partition that would
// let PostgreSQL skip its scan (hazard catalog row 30).
func AttachPartitionScan() *Rule {
	return &Rule{
		Code: "PS043", Name: "attach-partition-scan", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ATTACH PARTITION scans the partition under ACCESS EXCLUSIVE because no validated CHECK constraint proves its bounds.",
			Why: "To attach a table as a partition, PostgreSQL checks that every row fits the partition bounds. Unless a " +
				"validated CHECK constraint on the table already implies the bounds, it scans the whole table while " +
				"holding ACCESS EXCLUSIVE on it, and it also scans the parent's default partition, if there is one, " +
				"under ACCESS EXCLUSIVE, which stops inserts that fall into the default partition. Before PostgreSQL 12 " +
				"the parent itself is locked ACCESS EXCLUSIVE for the whole scan, which stops every read and write of " +
				"every partition. ATTACH also builds, under the same lock, any of the parent's indexes the table lacks.",
			Bad: "ALTER TABLE events ATTACH PARTITION events_2024\n  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
			Good: "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bounds\n" +
				"  CHECK (created_at IS NOT NULL AND created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;\n" +
				"ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bounds;\n" +
				"-- next migration: the scan is skipped\n" +
				"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n" +
				"ALTER TABLE events_2024 DROP CONSTRAINT events_2024_bounds;",
			Help: "add a CHECK constraint matching the bounds as NOT VALID, VALIDATE it (SHARE UPDATE EXCLUSIVE), create " +
				"the parent's indexes on the table concurrently, then attach (the scan is skipped) and drop the constraint",
			Locks: "ACCESS EXCLUSIVE on the attached table and on the default partition while they are scanned; SHARE UPDATE EXCLUSIVE on the parent (ACCESS EXCLUSIVE before PostgreSQL 12, which stops every query on it).",
			FixSafety: "Display-only: the recipe names the bounds of the statement, but the partition key is not known to " +
				"pgsafe and must be filled in.",
			Versions:    "The parent is locked SHARE UPDATE EXCLUSIVE from PostgreSQL 12 and ACCESS EXCLUSIVE before.",
			CatalogRows: []int{30},
		},
		Check: checkAttachPartitionScan,
	}
}

func checkAttachPartitionScan(p *Pass) {
	at := p.Stmt.Node.GetAlterTableStmt()
	if at == nil {
		return
	}
	parent := pgast.RelName(at.GetRelation())
	for _, c := range at.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() != pg.AlterTableType_AT_AttachPartition {
			continue
		}
		pc := cmd.GetDef().GetPartitionCmd()
		part := pgast.RelName(pc.GetName())
		if part == "" || p.IsNew(part) || boundsProven(p, part) {
			continue
		}
		partName, parentName := Display(part), Display(parent)
		msg := fmt.Sprintf("ATTACH PARTITION scans every row of %s to check the partition bounds, holding ACCESS EXCLUSIVE "+
			"on %s (and on any default partition of %s, which it scans too) for the whole scan", partName, partName, parentName)
		if locks.Strongest(p.Locks, parent) == locks.AccessExclusive {
			msg += fmt.Sprintf("; before PostgreSQL 12 it also takes ACCESS EXCLUSIVE on %s, which blocks reads and "+
				"writes of every partition meanwhile", parentName)
		}
		p.Report(Diagnostic{
			Message: msg,
			Help:    attachRecipe(p, pc),
			Lock:    locks.AccessExclusive,
			Table:   partName,
			Fixes:   []Fix{Recipe("Prove the bounds with a validated CHECK constraint on " + partName + " before attaching it")},
		})
	}
}

// boundsProven reports whether a validated CHECK constraint on table part,
// other than a bare "c IS NOT NULL" (which alone implies no bounds), may
// let PostgreSQL skip the scan. The catalog answers for tables it knows;
// for a table created outside the linted migrations, the earlier
// statements of the file are the only evidence.
func boundsProven(p *Pass, part string) bool {
	if t := p.Catalog.Table(part); t != nil {
		return hasValidatedCheck(t)
	}
	// The tables that earlier statements of the direction give a
	// validated CHECK, gathered once for the file.
	proven := earlierInFile(p, "attach-partition-bounds-"+p.Stmt.Direction.String(), func(acc *map[string]bool, st *migration.Statement) {
		at := st.Node.GetAlterTableStmt()
		if at == nil || st.Direction != p.Stmt.Direction {
			return
		}
		for _, c := range at.GetCmds() {
			cmd := c.GetAlterTableCmd()
			con := cmd.GetDef().GetConstraint()
			switch cmd.GetSubtype() {
			case pg.AlterTableType_AT_AddConstraint:
				if con.GetContype() != pg.ConstrType_CONSTR_CHECK || con.GetSkipValidation() || schema.NotNullCheckColumn(con.GetRawExpr()) != "" {
					continue
				}
			case pg.AlterTableType_AT_ValidateConstraint:
			default:
				continue
			}
			if *acc == nil {
				*acc = map[string]bool{}
			}
			(*acc)[pgast.RelName(at.GetRelation())] = true
		}
	})
	return (*proven)[part]
}

// hasValidatedCheck reports whether t has a validated CHECK constraint
// other than a bare "c IS NOT NULL".
func hasValidatedCheck(t *schema.Table) bool {
	for _, c := range t.Constraints {
		if c.Type == pg.ConstrType_CONSTR_CHECK && c.Validated && c.NotNullOf == "" {
			return true
		}
	}
	return false
}

// attachRecipe spells out the recipe for one ATTACH PARTITION with the
// statement's own bounds; the partition key is left as a placeholder.
func attachRecipe(p *Pass, pc *pg.PartitionCmd) string {
	part := Display(pgast.RelName(pc.GetName()))
	con := pc.GetName().GetRelname() + "_bounds"
	check := boundsCheck(p, pc.GetBound())
	if check == "" {
		return fmt.Sprintf("add to %s a CHECK constraint that matches the partition bounds as NOT VALID, VALIDATE it "+
			"(SHARE UPDATE EXCLUSIVE), create the parent's indexes on %s concurrently, then attach (the scan is skipped) "+
			"and drop the constraint", part, part)
	}
	return fmt.Sprintf("ALTER TABLE %[1]s ADD CONSTRAINT %[2]s CHECK (%[3]s) NOT VALID; then, in its own transaction, "+
		"ALTER TABLE %[1]s VALIDATE CONSTRAINT %[2]s; (SHARE UPDATE EXCLUSIVE); create the parent's indexes on %[1]s "+
		"concurrently; then attach, which skips the scan; then ALTER TABLE %[1]s DROP CONSTRAINT %[2]s;", part, con, check)
}

// boundsCheck returns a CHECK expression equivalent to a single-column
// range or list bound, with "<key>" for the partition key, or "" when the
// bound has another shape (hash, default, several columns, NULL in a list).
func boundsCheck(p *Pass, b *pg.PartitionBoundSpec) string {
	if b == nil || b.GetIsDefault() || int(b.GetLocation()) < p.Stmt.Span.Start || int(b.GetLocation()) >= p.Stmt.Span.End {
		return ""
	}
	groups := parenGroups(p.File.Text[b.GetLocation():p.Stmt.Span.End])
	const key = "<key>"
	switch b.GetStrategy() {
	case "r":
		if len(groups) != 2 || len(groups[0]) != 1 || len(groups[1]) != 1 {
			return ""
		}
		terms := []string{key + " IS NOT NULL"}
		if lo := groups[0][0]; !strings.EqualFold(lo, "MINVALUE") {
			terms = append(terms, key+" >= "+lo)
		}
		if hi := groups[1][0]; !strings.EqualFold(hi, "MAXVALUE") {
			terms = append(terms, key+" < "+hi)
		}
		return strings.Join(terms, " AND ")
	case "l":
		if len(groups) != 1 {
			return ""
		}
		for _, v := range groups[0] {
			if strings.EqualFold(v, "NULL") {
				return ""
			}
		}
		return key + " IS NOT NULL AND " + key + " IN (" + strings.Join(groups[0], ", ") + ")"
	default:
		return ""
	}
}

// parenGroups returns, for each top-level parenthesised group of text, the
// source text of its comma-separated elements, read from pg_query's tokens
// so that commas and parentheses inside literals do not count.
func parenGroups(text string) [][]string {
	res, err := pg.Scan(text)
	if err != nil {
		return nil
	}
	var groups [][]string
	depth, elemStart := 0, -1
	for _, t := range res.GetTokens() {
		switch t.GetToken() {
		case pg.Token_ASCII_40: // (
			depth++
			if depth == 1 {
				groups = append(groups, nil)
				elemStart = int(t.GetEnd())
			}
		case pg.Token_ASCII_41: // )
			if depth == 1 && len(groups) > 0 {
				groups[len(groups)-1] = append(groups[len(groups)-1], strings.TrimSpace(text[elemStart:t.GetStart()]))
			}
			depth--
		case pg.Token_ASCII_44: // ,
			if depth == 1 && len(groups) > 0 {
				groups[len(groups)-1] = append(groups[len(groups)-1], strings.TrimSpace(text[elemStart:t.GetStart()]))
				elemStart = int(t.GetEnd())
			}
		default:
		}
	}
	return groups
}
