package rules

import (
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// This file builds the online rewrite of a column type change (hazard
// catalog row 20), which needs no deploy in between: the type changes
// under the same name, and code that reads or writes the column keeps
// working with the values it already sends.
//
//  1. Add <col>_pgsafe_new of the new type, and a BEFORE INSERT OR UPDATE
//     trigger that sets it from the column (through the USING expression
//     when there is one) on every write.
//  2. Backfill the rows written before the trigger, in batches of the
//     table's primary key that each commit (batchedUpdate).
//  3. Prove NOT NULL with a CHECK added NOT VALID and validated later.
//  4. In one short transaction with a lock_timeout: drop the trigger and
//     its function, rename the column to <col>_pgsafe_old and the new one
//     to <col>, drop the old column, and give the new one the old default
//     and NOT NULL (whose scan the validated CHECK skips).
//  5. ANALYZE the column, whose statistics the new column lacks.
//
// Only step 4 takes ACCESS EXCLUSIVE for longer than an instant, and it
// does no work that grows with the table.

// Names that the rewrite gives the objects it creates. The trigger's name
// starts with "zz_" because PostgreSQL fires BEFORE triggers in name
// order: it must see the row after the table's other BEFORE triggers
// have changed it.
const (
	newColumnSuffix = "_pgsafe_new"
	oldColumnSuffix = "_pgsafe_old"
	syncSuffix      = "_pgsafe_sync"
	triggerPrefix   = "zz_pgsafe_sync_"
)

// typeChangeFixTitle is the title of the type change's fix.
const typeChangeFixTitle = "Add a column of the new type, keep it in sync with a trigger, backfill it in batches, and swap the names in one short transaction"

// recipeBecause is the display-only recipe of title, saying why pgsafe
// cannot apply it.
func recipeBecause(title, why string) Fix {
	return Recipe(title + " (" + why + ")")
}

// columnSwap is what the rewrite of one ALTER COLUMN ... TYPE needs to
// know.
type columnSwap struct {
	table  string // "schema.name" key
	t      *schema.Table
	col    *schema.Column
	key    string // the single-column primary key the backfill walks
	typ    string // the new type as the user wrote it, COLLATE included
	using  string // the USING expression with columns read from NEW, "" for none
	value  string // the USING expression as the user wrote it, or the column
	newCol string // <col>_pgsafe_new
	oldCol string // <col>_pgsafe_old
}

// typeChangeFix rewrites a lone ALTER TABLE ... ALTER COLUMN ... TYPE of a
// table whose primary key the catalog knows into the online steps
// described above. It is unsafe: the change is no longer atomic, the
// column moves to the end of the table, and the trigger runs the
// conversion on every write until the swap. It returns the display-only
// recipe, saying why, when the catalog cannot vouch for the steps.
func typeChangeFix(p *Pass, table string, cmd *pg.AlterTableCmd) Fix {
	tc, why := planTypeChange(p, table, cmd)
	if why != "" {
		return recipeBecause(typeChangeFixTitle, why)
	}
	// The report names the lock of the work that grows with the table:
	// the backfill's, or that of VALIDATE and concurrent index builds.
	// The other steps take ACCESS EXCLUSIVE only for an instant.
	after := locks.RowExclusive
	if tc.col.NotNull {
		after = alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint)
	}
	return StepsFix(p, typeChangeFixTitle, Unsafe, after, tc.steps(p)...)
}

// planTypeChange gathers what the rewrite needs, or says why there is no
// mechanical rewrite.
func planTypeChange(p *Pass, table string, cmd *pg.AlterTableCmd) (*columnSwap, string) {
	name := cmd.GetName()
	t := p.Catalog.Table(table)
	switch {
	case !singleSubcommand(p):
		return nil, "the statement does more than change one column's type: give the type change an ALTER TABLE of its own"
	case t == nil || t.Unknown:
		return nil, fmt.Sprintf("pgsafe does not know every column and constraint of %s from the migrations", Display(table))
	case t.Kind != schema.KindTable || t.Partitioned || t.PartitionOf != "":
		return nil, fmt.Sprintf("%s is partitioned or a partition, whose indexes cannot be built concurrently", Display(table))
	}
	col := t.Column(name)
	key := primaryKeyColumn(p, table)
	switch {
	case col == nil:
		return nil, fmt.Sprintf("pgsafe does not know the column %s of %s", name, Display(table))
	case key == "":
		return nil, fmt.Sprintf("%s has no single-column primary key that pgsafe knows, to backfill in batches by", Display(table))
	case key == name:
		return nil, fmt.Sprintf("%s is the primary key of %s", name, Display(table))
	case col.Identity != "":
		return nil, fmt.Sprintf("%s is an identity column", name)
	case col.Generated != "":
		return nil, fmt.Sprintf("%s is a generated column", name)
	case col.NotNull && p.Options.PGVersion < 12:
		return nil, fmt.Sprintf("%s is NOT NULL, and before PostgreSQL 12 SET NOT NULL on the new column scans the table under ACCESS EXCLUSIVE", name)
	}
	if why := unsupportedDependents(p, t, col); why != "" {
		return nil, why
	}
	cd := cmd.GetDef().GetColumnDef()
	typ, exprStart, exprEnd := newTypeText(p, cd)
	if typ == "" {
		return nil, "pgsafe cannot read the new type from the statement"
	}
	tc := &columnSwap{table: table, t: t, col: col, key: key, typ: typ,
		newCol: columnWithSuffix(name, newColumnSuffix), oldCol: columnWithSuffix(name, oldColumnSuffix)}
	for _, taken := range []string{tc.newCol, tc.oldCol} {
		if t.Column(taken) != nil {
			return nil, fmt.Sprintf("%s already has a column %s", Display(table), taken)
		}
	}
	tc.value = pgast.QuoteIdent(name)
	if expr := cd.GetRawDefault(); expr != nil {
		value, using, ok := usingExpression(p, table, expr, exprStart, exprEnd)
		if !ok {
			return nil, "pgsafe cannot rewrite the USING expression to read the new row in a trigger"
		}
		tc.value, tc.using = value, using
	}
	return tc, ""
}

// unsupportedDependents says why what depends on col keeps the rewrite
// from being mechanical, "" when nothing does.
func unsupportedDependents(p *Pass, t *schema.Table, col *schema.Column) string {
	for _, d := range p.Catalog.Dependents(t.ID, col.Num) {
		if d.Bound && d.Key != t.Key {
			return fmt.Sprintf("%s %s reads %s", d.Kind, Display(d.Name), col.Name)
		}
	}
	for _, ix := range p.Catalog.Indexes(t.Key) {
		if ix.Uses(col.Name) {
			return fmt.Sprintf("index %s covers %s", ix.Name, col.Name)
		}
	}
	for _, con := range t.Constraints {
		if con.Type != pg.ConstrType_CONSTR_CHECK || con.NotNullOf == "" {
			if containsName(con.Uses, col.Name) {
				return fmt.Sprintf("constraint %s uses %s", con.Name, col.Name)
			}
		}
	}
	for _, key := range p.Catalog.ReferencedBy(t.Key) {
		for _, con := range p.Catalog.Table(key).Constraints {
			if con.References == t.Key && containsName(con.RefColumns, col.Name) {
				return fmt.Sprintf("foreign key %s of %s references %s: its column must change type too", con.Name, Display(key), col.Name)
			}
		}
	}
	if seq := ownedSequence(p, t, col); seq != "" {
		return fmt.Sprintf("sequence %s belongs to %s", Display(seq), col.Name)
	}
	return ""
}

// ownedSequence returns the key of the sequence that col owns (a serial
// column's), "" when none.
func ownedSequence(p *Pass, t *schema.Table, col *schema.Column) string {
	return p.Catalog.SequenceOwnedBy(t.Key + "." + col.Name)
}

func containsName(list []string, name string) bool {
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

// columnWithSuffix returns name with suffix, shortened so that the whole
// fits PostgreSQL's 63 bytes.
func columnWithSuffix(name, suffix string) string {
	const maxIdent = 63
	if len(name)+len(suffix) > maxIdent {
		name = truncateBytes(name, maxIdent-len(suffix))
	}
	return name + suffix
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// newTypeText returns the new type of an ALTER COLUMN ... TYPE as the
// user wrote it, with its COLLATE clause, and the bytes [exprStart,
// exprEnd) of its USING expression (empty when it has none).
func newTypeText(p *Pass, cd *pg.ColumnDef) (typ string, exprStart, exprEnd int) {
	start := int(cd.GetTypeName().GetLocation())
	toks := ScanTokens(p.StmtText(), p.Stmt.Span.Start)
	if len(toks) == 0 {
		return "", 0, 0
	}
	// The statement's text ends with its last token: a comment that
	// follows would swallow the semicolon the steps add.
	last := toks[len(toks)-1].Span.End
	end, using := last, last
	if cd.GetRawDefault() != nil {
		// No type name holds the word USING: the first one after the type's
		// start introduces the expression.
		found := false
		for _, tok := range toks {
			if tok.Kind == pg.Token_USING && tok.Span.Start > start {
				end, using, found = tok.Span.Start, tok.Span.End, true
				break
			}
		}
		if !found {
			return "", 0, 0
		}
	}
	if start < p.Stmt.Span.Start || start >= end {
		return "", 0, 0
	}
	return strings.TrimSpace(p.File.Text[start:end]), using, last
}

// usingExpression returns the USING expression as the user wrote it, for
// the backfill's UPDATE, and with every column it reads taken from NEW,
// for the trigger. PostgreSQL allows no subquery in USING, so every column
// reference names a column of the table, bare or qualified by its name.
func usingExpression(p *Pass, table string, expr *pg.Node, start, end int) (string, string, bool) {
	if start < p.Stmt.Span.Start || start >= end {
		return "", "", false
	}
	text := p.File.Text[start:end]
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	ok := true
	pgast.Walk(expr, func(n *pg.Node) bool {
		switch {
		case n.GetSubLink() != nil:
			ok = false
		case n.GetColumnRef() != nil:
			cr := n.GetColumnRef()
			fields := cr.GetFields()
			at := int(cr.GetLocation()) - start
			if at < 0 || at >= len(text) || len(fields) == 0 || fields[len(fields)-1].GetString_() == nil {
				ok = false
				return false
			}
			switch len(fields) {
			case 1:
				edits = append(edits, edit{at, at, "NEW."})
			case 2:
				if pgast.Strings(fields[:1])[0] != pgast.ObjectName(table) {
					ok = false
					return false
				}
				// Replace the qualifier: find the dot before the column name.
				dot := strings.IndexByte(text[at:], '.')
				if dot < 0 {
					ok = false
					return false
				}
				edits = append(edits, edit{at, at + dot, "NEW"})
			default:
				ok = false
			}
			return false
		default:
		}
		return ok
	})
	if !ok {
		return "", "", false
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(text[last:e.at])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(text[last:])
	return strings.TrimSpace(text), strings.TrimSpace(b.String()), true
}

// steps writes the rewrite's steps.
func (tc *columnSwap) steps(p *Pass) []Step {
	t := pgast.QuoteName(tc.table)
	col, newCol, oldCol := pgast.QuoteIdent(tc.col.Name), pgast.QuoteIdent(tc.newCol), pgast.QuoteIdent(tc.oldCol)
	fn := pgast.QuoteName(pgast.SchemaOf(tc.table) + "." + columnWithSuffix(pgast.ObjectName(tc.table)+"_"+tc.col.Name, syncSuffix))
	trigger := pgast.QuoteIdent(columnWithSuffix(triggerPrefix+tc.col.Name, ""))
	from := "NEW." + col
	if tc.using != "" {
		from = tc.using
	}
	expand := strings.Join([]string{
		"-- pgsafe: the type change, online: a new column, kept in sync with the old one by a trigger until the swap below.",
		fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;", t, newCol, tc.typ),
		fmt.Sprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $pgsafe$", fn),
		"BEGIN",
		fmt.Sprintf("  NEW.%s := %s;", newCol, from),
		"  RETURN NEW;",
		"END",
		"$pgsafe$;",
		fmt.Sprintf("CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();", trigger, t, fn),
	}, "\n")
	steps := []Step{
		{SQL: expand},
		{SQL: batchedUpdate(p, tc.table, tc.key, fmt.Sprintf("%s = %s", newCol, tc.value), newCol+" IS NULL"), NoTransaction: true},
	}
	notNull := ""
	if tc.col.NotNull {
		notNull = pgast.QuoteIdent(freeConstraintName(p, tc.table, columnWithSuffix(pgast.ObjectName(tc.table)+"_"+tc.col.Name, "_pgsafe_not_null")))
		steps = append(steps,
			Step{SQL: fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;", t, notNull, newCol)},
			Step{SQL: fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", t, notNull)})
	}
	swap := []string{
		"-- pgsafe: the swap, in one short transaction: nothing here grows with the table.",
		fmt.Sprintf("SET LOCAL lock_timeout = '%s';", lockTimeoutValue(p)),
		fmt.Sprintf("DROP TRIGGER %s ON %s;", trigger, t),
		fmt.Sprintf("DROP FUNCTION %s();", fn),
		fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", t, col, oldCol),
		fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", t, newCol, col),
		fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s;", t, oldCol),
	}
	if tc.col.Default != "" {
		swap = append(swap, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", t, col, tc.col.Default))
	}
	if notNull != "" {
		// The CHECK is dropped by a statement of its own: in the same ALTER
		// TABLE, PostgreSQL would drop it before SET NOT NULL looks for it.
		swap = append(swap,
			fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", t, col),
			fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", t, notNull))
	}
	steps = append(steps, Step{SQL: strings.Join(swap, "\n")}, Step{SQL: fmt.Sprintf("ANALYZE %s (%s);", t, col)})
	return steps
}

// lockTimeoutValue is the lock_timeout that fixes write.
func lockTimeoutValue(p *Pass) string {
	if p.Options.LockTimeout != "" {
		return p.Options.LockTimeout
	}
	return "2s"
}
