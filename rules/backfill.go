package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file builds batched backfills: a DO block that walks a table's
// single-column primary key in ranges of Options.BatchSize rows, updates
// one range, commits, and moves on from the end of that range, so that it
// never rescans from the start of the table. COMMIT in a DO block needs
// the block to run outside a transaction, so the step is NoTransaction.

// primaryKeyColumn returns the single column of table's primary key, ""
// when the catalog does not know one.
func primaryKeyColumn(p *Pass, table string) string {
	t := p.Catalog.Table(table)
	if t == nil {
		return ""
	}
	for _, c := range t.Constraints {
		if c.Type == pg.ConstrType_CONSTR_PRIMARY && len(c.Columns) == 1 {
			return c.Columns[0]
		}
	}
	return ""
}

// DefaultBatchSize is the number of rows per batch of a batched backfill
// when Options.BatchSize is unset. A batch holds the lock of every row it
// updates until it commits, and a write to one of them waits that long:
// with the sync trigger of a column copy, a batch of 10,000 rows took 100
// to 300 ms on a busy 2-core machine (TestOnlineTypeChange), and a batch
// of 1,000 a tenth of that. pgroll's backfill batches 1,000 rows too.
const DefaultBatchSize = 1000

// batchedUpdate returns a DO block that runs "UPDATE table SET set WHERE
// <key range> [AND extra]" one batch at a time, committing after each.
func batchedUpdate(p *Pass, table, key, set, extra string) string {
	t := pgast.QuoteName(table)
	return batchedLoop(p, table, key, "-- pgsafe: batched backfill; each batch commits on its own, so the statement is no longer atomic.",
		func(where string) string {
			if extra != "" {
				where += " AND " + extra
			}
			return fmt.Sprintf("UPDATE %s SET %s WHERE %s;", t, set, where)
		})
}

// batchedLoop returns a DO block, led by comment, that walks table's
// single-column primary key key in batches of Options.BatchSize rows and
// runs the statement that stmt returns for each batch's range condition,
// committing after each.
func batchedLoop(p *Pass, table, key, comment string, stmt func(where string) string) string {
	size := p.Options.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	t, k := pgast.QuoteName(table), pgast.QuoteIdent(key)
	where := fmt.Sprintf("%s >= batch_start AND %s <= batch_end", k, k)
	lines := []string{
		comment,
		"DO $pgsafe$",
		"DECLARE",
		fmt.Sprintf("  batch_start %s.%s%%TYPE;", t, k),
		fmt.Sprintf("  batch_end %s.%s%%TYPE;", t, k),
		"BEGIN",
		fmt.Sprintf("  SELECT min(%s) INTO batch_start FROM %s;", k, t),
		"  WHILE batch_start IS NOT NULL LOOP",
		fmt.Sprintf("    SELECT max(%s) INTO batch_end FROM (SELECT %s FROM %s WHERE %s >= batch_start ORDER BY %s LIMIT %d) AS batch;", k, k, t, k, k, size),
		"    " + stmt(where),
		"    COMMIT;",
		fmt.Sprintf("    SELECT min(%s) INTO batch_start FROM %s WHERE %s > batch_end;", k, t, k),
		"  END LOOP;",
		"END",
		"$pgsafe$;",
	}
	return strings.Join(lines, "\n")
}

// textBetween returns the file's text from byte offset start up to the
// first of the later offsets in ends that lies after start (or the end of
// the statement), trimmed.
func textBetween(p *Pass, start int, ends ...int) string {
	end := p.Stmt.Span.End
	for _, e := range ends {
		if e > start && e < end {
			end = e
		}
	}
	if start < p.Stmt.Span.Start || start > end {
		return ""
	}
	return strings.TrimSpace(p.File.Text[start:end])
}

// backfillColumnFix rewrites a lone ADD COLUMN whose default must be
// computed per row: add the column bare, SET DEFAULT for new rows, fill
// the existing rows in batches, then NOT NULL the online way when the
// column asked for it. It is unsafe: the change is no longer atomic.
func backfillColumnFix(p *Pass, table string, cd *pg.ColumnDef, title string) Fix {
	def := columnConstraint(cd, pg.ConstrType_CONSTR_DEFAULT)
	key := primaryKeyColumn(p, table)
	if !singleSubcommand(p) || def == nil || key == "" || key == cd.GetColname() || cd.GetCollClause() != nil || cd.GetTypeName() == nil {
		return Recipe(title)
	}
	notNull := false
	var starts []int
	for _, c := range cd.GetConstraints() {
		con := c.GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_DEFAULT:
		case pg.ConstrType_CONSTR_NOTNULL:
			notNull = true
		case pg.ConstrType_CONSTR_NULL:
		default:
			return Recipe(title) // other constraints keep the recipe
		}
		starts = append(starts, int(con.GetLocation()))
	}
	typ := textBetween(p, int(cd.GetTypeName().GetLocation()), starts...)
	// The DEFAULT constraint's location is its keyword; the expression
	// follows it and runs to the next constraint.
	expr := ""
	if loc := int(def.GetLocation()); loc >= 0 && strings.EqualFold(textBetween(p, loc, loc+len("DEFAULT")), "DEFAULT") {
		expr = textBetween(p, loc+len("DEFAULT"), starts...)
	}
	if typ == "" || expr == "" {
		return Recipe(title)
	}
	t, c := pgast.QuoteName(table), pgast.QuoteIdent(cd.GetColname())
	steps := []Step{
		{SQL: fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", t, c, typ, t, c, expr)},
		{SQL: batchedUpdate(p, table, key, fmt.Sprintf("%s = %s", c, expr), c+" IS NULL"), NoTransaction: true},
	}
	if notNull {
		proof := notNullSteps(p, table, []string{cd.GetColname()})
		if proof == nil {
			return Recipe(title)
		}
		steps = append(steps, proof...)
	}
	return StepsFix(p, title, Unsafe, cmdLock(p, p.Stmt.Node.GetAlterTableStmt().GetCmds()[0].GetAlterTableCmd()), steps...)
}
