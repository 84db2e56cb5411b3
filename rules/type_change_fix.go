package rules

import (
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
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
//  3. Build the column's indexes again on the new column, CONCURRENTLY,
//     under names of their own (a UNIQUE or PRIMARY KEY constraint's as a
//     unique index).
//  4. Add its CHECK and FOREIGN KEY constraints again on the new column,
//     and for a NOT NULL column a CHECK (new IS NOT NULL), NOT VALID, and
//     validate them in a later transaction.
//  5. In one short transaction with a lock_timeout: drop the views that
//     read the column, the trigger and its function; rename the column to
//     <col>_pgsafe_old and the new one to <col>; hand a serial column's
//     sequence over; drop the old column, and with it its indexes and
//     constraints; give the new one the old default and NOT NULL (whose
//     scan the validated CHECK skips); attach the keys with USING INDEX,
//     give the indexes and constraints their names, and create the views
//     again.
//  6. ANALYZE the column, whose statistics the new column lacks.
//
// With type-change-drop = "contract" (Options.TypeChangeDrop), step 5
// keeps the old column, nullable and stripped of its default, indexes and
// constraints, and the fix's Contract drops it in a later release.
//
// Only step 5 takes ACCESS EXCLUSIVE for longer than an instant, and it
// does no work that grows with the table. The indexes, constraints and
// views are written from the catalog's copies of the statements that
// made them (schema.Index.Def, schema.Constraint.Def, schema.Table.View),
// deparsed: they are new statements, not edits of the user's text.
//
// The rename's expand/contract rewrite (rename_fix.go) is built from the
// same parts: the plan (planColumnSwap), the sync trigger (syncTrigger,
// dropSync), the copy (copySteps) and the take-over (takeOver).

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
	newCol string // <col>_pgsafe_new for a type change, the new name for a rename
	oldCol string // <col>_pgsafe_old
	// rename says that the column is renamed to newCol, rather than
	// changing its type under its name.
	rename bool
	// notNull names the CHECK that proves the new column NOT NULL, "" for
	// a nullable column.
	notNull string
	// seq is the sequence the column owns (a serial column's), "" when none.
	seq string
	// indexes and constraints are those of the column, built again on the
	// new column before the swap.
	indexes     []swapIndex
	constraints []swapConstraint
	// dropViews and createViews drop the views that read the column at the
	// start of the swap and create them again, on the new column, at its
	// end, in the order the migrations created them.
	dropViews, createViews []string
}

// swapIndex is an index of the column, built concurrently on the new
// column under a name of its own, which takes the index's place (and
// name) in the swap.
type swapIndex struct {
	create string // CREATE INDEX CONCURRENTLY on the new column
	attach string // the swap's statement: a rename, or ADD CONSTRAINT ... USING INDEX
	drop   string // drops the original, to free its name while the old column stays
}

// swapConstraint is a CHECK or FOREIGN KEY of the column, added NOT VALID
// on the new column under a name of its own, validated when the original
// is, and renamed in the swap.
type swapConstraint struct {
	add      string // ALTER TABLE ... ADD CONSTRAINT ... NOT VALID
	validate string // ALTER TABLE ... VALIDATE CONSTRAINT, "" when the original is NOT VALID
	rename   string // the swap's ALTER TABLE ... RENAME CONSTRAINT
	drop     string // drops the original, to free its name while the old column stays
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
	if tc.notNull != "" || len(tc.indexes) > 0 || len(tc.constraints) > 0 {
		after = alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint)
	}
	contract := p.Options.TypeChangeDrop == DropInContract && p.Stmt.Direction != migration.Down
	steps, drop := tc.steps(p, contract)
	fx := StepsFix(p, typeChangeFixTitle, Unsafe, after, steps...)
	fx.Contract, fx.FromCatalog = drop, true
	return fx
}

// planTypeChange gathers what the rewrite needs, or says why there is no
// mechanical rewrite.
func planTypeChange(p *Pass, table string, cmd *pg.AlterTableCmd) (*columnSwap, string) {
	name := cmd.GetName()
	if !singleSubcommand(p) {
		return nil, "the statement does more than change one column's type: give the type change an ALTER TABLE of its own"
	}
	tc, why := planColumnSwap(p, table, name, columnWithSuffix(name, newColumnSuffix), false)
	if why != "" {
		return nil, why
	}
	if v := viewDroppedBefore(p); v != "" {
		return nil, fmt.Sprintf("view %s, dropped earlier in the file and created again later, would be missing while the new column is backfilled: "+
			"leave both statements out, since the rewrite creates the views that read the column again in its swap", Display(v))
	}
	cd := cmd.GetDef().GetColumnDef()
	typ, exprStart, exprEnd := newTypeText(p, cd)
	if typ == "" {
		return nil, "pgsafe cannot read the new type from the statement"
	}
	tc.typ = typ
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

// planColumnSwap gathers what copying column name of table into a new
// column newCol needs, for a type change (where newCol takes the name
// later) and a rename (where newCol is the new name), or says why there
// is no mechanical rewrite: the table, its single-column primary key, the
// column and what depends on it, the column's indexes and constraints to
// build again on newCol, and the views that read it. With rename, the
// views created again read newCol under the name they gave the column.
func planColumnSwap(p *Pass, table, name, newCol string, rename bool) (*columnSwap, string) {
	t := p.Catalog.Table(table)
	switch {
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
	case rename && key == name:
		return nil, fmt.Sprintf("%s is the primary key of %s, which the backfill walks", name, Display(table))
	case col.Identity != "":
		return nil, fmt.Sprintf("%s is an identity column", name)
	case col.Generated != "":
		return nil, fmt.Sprintf("%s is a generated column", name)
	case col.NotNull && p.Options.PGVersion < 12:
		return nil, fmt.Sprintf("%s is NOT NULL, and before PostgreSQL 12 SET NOT NULL on the new column scans the table under ACCESS EXCLUSIVE", name)
	}
	if why := unsupportedDependents(p, t, col, rename); why != "" {
		return nil, why
	}
	tc := &columnSwap{table: table, t: t, col: col, key: key, rename: rename,
		newCol: newCol, oldCol: columnWithSuffix(name, oldColumnSuffix),
		seq: ownedSequence(p, t, col)}
	if why := tc.views(p); why != "" {
		return nil, why
	}
	taken := []string{tc.newCol, tc.oldCol}
	if rename {
		taken = taken[:1]
	}
	for _, c := range taken {
		if t.Column(c) != nil {
			return nil, fmt.Sprintf("%s already has a column %s", Display(table), c)
		}
	}
	if col.NotNull {
		tc.notNull = freeConstraintName(p, table, columnWithSuffix(pgast.ObjectName(table)+"_"+name, "_pgsafe_not_null"))
	}
	keys := map[string]bool{} // the constraints rebuilt with their index
	for _, ix := range p.Catalog.Indexes(table) {
		if !ix.Uses(name) {
			continue
		}
		si, why := tc.index(p, ix)
		if why != "" {
			return nil, why
		}
		tc.indexes = append(tc.indexes, si)
		keys[ix.Constraint] = true
	}
	for _, con := range t.Constraints {
		if !containsName(con.Uses, name) {
			continue
		}
		switch con.Type {
		case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE:
			if !keys[con.Name] {
				return nil, fmt.Sprintf("pgsafe does not know the index of constraint %s", con.Name)
			}
			continue // rebuilt with its index
		case pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
		default:
			return nil, fmt.Sprintf("constraint %s uses %s, and pgsafe rebuilds only CHECK, FOREIGN KEY, UNIQUE and PRIMARY KEY constraints", con.Name, name)
		}
		sc, why := tc.constraint(p, con)
		if why != "" {
			return nil, why
		}
		tc.constraints = append(tc.constraints, sc)
	}
	return tc, ""
}

// tempName returns name with the suffix that marks what the rewrite
// builds beside the original, shortened to fit.
func tempName(name string) string { return columnWithSuffix(name, newColumnSuffix) }

// index plans building index ix again on the new column, or says why
// pgsafe cannot.
func (tc *columnSwap) index(p *Pass, ix *schema.Index) (swapIndex, string) {
	tmp := tempName(ix.Name)
	if p.Catalog.Index(indexKeyIn(tc.table, tmp)) != nil {
		return swapIndex{}, fmt.Sprintf("%s already has an index %s", Display(tc.table), tmp)
	}
	t := pgast.QuoteName(tc.table)
	if ix.Constraint != "" {
		con := tc.t.Constraint(ix.Constraint)
		kind := ""
		switch {
		case con == nil:
		case con.Type == pg.ConstrType_CONSTR_PRIMARY:
			kind = "PRIMARY KEY"
		case con.Type == pg.ConstrType_CONSTR_UNIQUE:
			kind = "UNIQUE"
		default:
		}
		if kind == "" || con.Def == nil || !simpleKey(con.Def, con.Columns) {
			return swapIndex{}, fmt.Sprintf("pgsafe does not rebuild constraint %s on the new column: only a plain UNIQUE or PRIMARY KEY of named columns", ix.Constraint)
		}
		cols := renamed(con.Columns, tc.col.Name, tc.newCol)
		return swapIndex{
			create: createIndexSQL(tmp, tc.table, cols, true, true, false),
			attach: fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;", t, pgast.QuoteIdent(con.Name), kind, pgast.QuoteIdent(tmp)),
			drop:   fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", t, pgast.QuoteIdent(con.Name)),
		}, ""
	}
	if ix.Def == nil {
		return swapIndex{}, fmt.Sprintf("pgsafe does not know how index %s is defined", ix.Name)
	}
	def := schema.RenamedInIndex(ix.Def, tc.col.Name, tc.newCol)
	def.Idxname, def.Concurrent, def.IfNotExists, def.Relation = tmp, true, true, rangeVar(tc.table)
	sql := pgast.StatementSQL(&pg.Node{Node: &pg.Node_IndexStmt{IndexStmt: def}})
	if sql == "" {
		return swapIndex{}, fmt.Sprintf("pgsafe cannot write index %s on the new column", ix.Name)
	}
	return swapIndex{
		create: sql + ";",
		attach: fmt.Sprintf("ALTER INDEX %s RENAME TO %s;", pgast.QuoteName(indexKeyIn(tc.table, tmp)), pgast.QuoteIdent(ix.Name)),
		drop:   fmt.Sprintf("DROP INDEX %s;", pgast.QuoteName(indexKeyIn(tc.table, ix.Name))),
	}, ""
}

// constraint plans adding CHECK or FOREIGN KEY con again on the new
// column, or says why pgsafe cannot.
func (tc *columnSwap) constraint(p *Pass, con *schema.Constraint) (swapConstraint, string) {
	tmp := tempName(con.Name)
	if tc.t.Constraint(tmp) != nil {
		return swapConstraint{}, fmt.Sprintf("%s already has a constraint %s", Display(tc.table), tmp)
	}
	if con.Def == nil {
		return swapConstraint{}, fmt.Sprintf("pgsafe does not know how constraint %s is defined", con.Name)
	}
	def := schema.RenamedInConstraint(con.Def, tc.col.Name, tc.newCol)
	def.Conname, def.SkipValidation, def.InitiallyValid = tmp, true, false
	if con.Type == pg.ConstrType_CONSTR_FOREIGN {
		// A foreign key written on a column names neither its column nor,
		// after a rename of the table it references, that table's name.
		def.FkAttrs = stringNodes(renamed(con.Columns, tc.col.Name, tc.newCol))
		def.Pktable = rangeVar(con.References)
	}
	t := pgast.QuoteName(tc.table)
	add := pgast.StatementSQL(&pg.Node{Node: &pg.Node_AlterTableStmt{AlterTableStmt: &pg.AlterTableStmt{
		Relation: rangeVar(tc.table), Objtype: pg.ObjectType_OBJECT_TABLE,
		Cmds: []*pg.Node{{Node: &pg.Node_AlterTableCmd{AlterTableCmd: &pg.AlterTableCmd{
			Subtype: pg.AlterTableType_AT_AddConstraint, Behavior: pg.DropBehavior_DROP_RESTRICT,
			Def: &pg.Node{Node: &pg.Node_Constraint{Constraint: def}},
		}}}},
	}}})
	if add == "" {
		return swapConstraint{}, fmt.Sprintf("pgsafe cannot write constraint %s on the new column", con.Name)
	}
	sc := swapConstraint{
		add:    add + ";",
		rename: fmt.Sprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s;", t, pgast.QuoteIdent(tmp), pgast.QuoteIdent(con.Name)),
		drop:   fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", t, pgast.QuoteIdent(con.Name)),
	}
	if con.Validated {
		sc.validate = fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", t, pgast.QuoteIdent(tmp))
	}
	return sc, ""
}

// rangeVar returns a "schema.name" key as a relation of a statement the
// fix writes, without the schema when it is the default one.
func rangeVar(key string) *pg.RangeVar {
	rv := &pg.RangeVar{Relname: pgast.ObjectName(key), Inh: true, Relpersistence: "p"}
	if s := pgast.SchemaOf(key); s != pgast.DefaultSchema {
		rv.Schemaname = s
	}
	return rv
}

// stringNodes returns names as the String nodes of a name list.
func stringNodes(names []string) []*pg.Node {
	out := make([]*pg.Node, len(names))
	for i, n := range names {
		out[i] = &pg.Node{Node: &pg.Node_String_{String_: &pg.String{Sval: n}}}
	}
	return out
}

// renamed returns list with old replaced by name, as a new slice.
func renamed(list []string, old, name string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		if s == old {
			s = name
		}
		out[i] = s
	}
	return out
}

// views plans dropping the views that read the column at the start of
// the swap and creating them again at its end, reading the new column,
// or says why pgsafe cannot: for a view whose definition it does not
// know, that reads a whole row (*), or that other views, materialized
// views or SQL-standard function bodies read in turn; for a materialized
// view or such a function reading the column itself.
func (tc *columnSwap) views(p *Pass) string {
	for _, d := range p.Catalog.Dependents(tc.t.ID, tc.col.Num) {
		if !d.Bound || d.Key == tc.t.Key {
			continue // a string body binds when called: it reads the new column
		}
		v := p.Catalog.Table(d.Key)
		switch {
		case d.Kind != schema.KindView.String() || v == nil:
			return fmt.Sprintf("%s %s reads %s", d.Kind, Display(d.Name), tc.col.Name)
		case v.View == nil:
			return fmt.Sprintf("view %s reads %s, and pgsafe does not know its definition as it stands (a rename or an ALTER VIEW changed it)", Display(d.Key), tc.col.Name)
		case readsWholeRow(v.View.GetQuery()):
			return fmt.Sprintf("view %s reads %s through *, which a view created again would expand to the columns in their new order", Display(d.Key), tc.col.Name)
		}
		for _, dd := range p.Catalog.Dependents(v.ID, 0) {
			if dd.Bound && dd.Key != v.Key {
				return fmt.Sprintf("view %s reads %s, and %s %s reads the view", Display(d.Key), tc.col.Name, dd.Kind, Display(dd.Name))
			}
		}
		def := proto.Clone(v.View).(*pg.ViewStmt)
		def.View, def.Replace = rangeVar(d.Key), false
		if tc.rename && !renameInView(def, tc.table, tc.col.Name, tc.newCol) {
			return fmt.Sprintf("view %s reads %s, and pgsafe renames a column only in a view that reads the table alone (no join, subquery, WITH or UNION)", Display(d.Key), tc.col.Name)
		}
		sql := pgast.StatementSQL(&pg.Node{Node: &pg.Node_ViewStmt{ViewStmt: def}})
		if sql == "" {
			return fmt.Sprintf("pgsafe cannot write view %s again", Display(d.Key))
		}
		tc.dropViews = append(tc.dropViews, fmt.Sprintf("DROP VIEW %s;", pgast.QuoteName(d.Key)))
		tc.createViews = append(tc.createViews, sql+";")
	}
	return ""
}

// readsWholeRow reports whether a query reads a whole row: a * in a
// target list or a function argument (t.*).
func readsWholeRow(q *pg.Node) bool {
	found := false
	pgast.Walk(q, func(n *pg.Node) bool {
		if n.GetAStar() != nil {
			found = true
		}
		return !found
	})
	return found
}

// unsupportedDependents says why what depends on col keeps the rewrite
// from being mechanical, "" when nothing does.
func unsupportedDependents(p *Pass, t *schema.Table, col *schema.Column, rename bool) string {
	for _, other := range t.Columns {
		if other.Generated != "" && generatedReads(other.Generated, col.Name) {
			return fmt.Sprintf("generated column %s reads %s", other.Name, col.Name)
		}
	}
	for _, key := range append(p.Catalog.ReferencedBy(t.Key), t.Key) {
		for _, con := range p.Catalog.Table(key).Constraints {
			if con.Type == pg.ConstrType_CONSTR_FOREIGN && con.References == t.Key && containsName(con.RefColumns, col.Name) {
				if rename {
					return fmt.Sprintf("foreign key %s of %s references %s", con.Name, Display(key), col.Name)
				}
				return fmt.Sprintf("foreign key %s of %s references %s: its column must change type too", con.Name, Display(key), col.Name)
			}
		}
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

// sync returns the column's sync trigger and function.
func (tc *columnSwap) sync() syncObjects { return newSyncObjects(tc.table, tc.col.Name) }

// syncTrigger returns the statements that create the sync trigger, whose
// function runs body (lines of PL/pgSQL before RETURN NEW).
func (tc *columnSwap) syncTrigger(body ...string) []string {
	s := tc.sync()
	return append(s.function(body, "NEW"),
		fmt.Sprintf("CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();", s.trigger, s.table, s.fn))
}

// dropSync returns the statements that drop the sync trigger and its
// function.
func (tc *columnSwap) dropSync() []string { return tc.sync().drop(false) }

// copySteps returns the steps that fill the new column once expand (the
// first step) has added it with its trigger: the batched backfill, which
// sets set on the rows where where holds; the column's indexes built
// again on it; its constraints added NOT VALID, then validated.
func (tc *columnSwap) copySteps(p *Pass, expand, set, where string) []Step {
	t := pgast.QuoteName(tc.table)
	newCol := pgast.QuoteIdent(tc.newCol)
	steps := []Step{
		{SQL: expand},
		{SQL: batchedUpdate(p, tc.table, tc.key, set, where), NoTransaction: true},
	}
	// The indexes are built once the rows are there: building them first
	// would update them for every row of the backfill.
	for _, ix := range tc.indexes {
		steps = append(steps, Step{SQL: ix.create, NoTransaction: true})
	}
	var add, validate []string
	if tc.notNull != "" {
		nn := pgast.QuoteIdent(tc.notNull)
		add = append(add, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;", t, nn, newCol))
		validate = append(validate, fmt.Sprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", t, nn))
	}
	for _, c := range tc.constraints {
		add = append(add, c.add)
		if c.validate != "" {
			validate = append(validate, c.validate)
		}
	}
	if len(add) > 0 {
		steps = append(steps, Step{SQL: strings.Join(add, "\n")})
	}
	if len(validate) > 0 {
		steps = append(steps, Step{SQL: strings.Join(validate, "\n")})
	}
	return steps
}

// takeOver returns the statements, in the transaction that retires the
// old column old (under the lock_timeout, after the views that read it
// are dropped), that give column final, the copy under its final name,
// what the old column had: its sequence, its default and NOT NULL (whose
// scan the validated CHECK skips), its indexes and constraints under
// their names, and the views that read it. With keep, the old column
// stays, nullable and without a default, indexes or constraints, for a
// contract migration to drop; otherwise it is dropped, and with it its
// indexes and constraints.
func (tc *columnSwap) takeOver(final, old string, keep bool) []string {
	t, col := pgast.QuoteName(tc.table), pgast.QuoteIdent(final)
	var out []string
	if tc.seq != "" {
		// Before the old column goes: it would take its sequence along.
		out = append(out, fmt.Sprintf("ALTER SEQUENCE %s OWNED BY %s.%s;", pgast.QuoteName(tc.seq), t, col))
	}
	if keep {
		// Writes that leave the old column out must not fail, and its
		// indexes and constraints hold the names the copies take.
		// A primary key's NOT NULL goes with the key, dropped first.
		o := pgast.QuoteIdent(old)
		for _, c := range tc.constraints {
			out = append(out, c.drop)
		}
		for _, ix := range tc.indexes {
			out = append(out, ix.drop)
		}
		if tc.col.NotNull {
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", t, o))
		}
		if tc.col.Default != "" {
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", t, o))
		}
	} else {
		// Dropping the old column drops its indexes and constraints, and
		// frees their names.
		out = append(out, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s;", t, pgast.QuoteIdent(old)))
	}
	if tc.col.Default != "" {
		out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", t, col, tc.col.Default))
	}
	if tc.notNull != "" {
		// The CHECK is dropped by a statement of its own: in the same ALTER
		// TABLE, PostgreSQL would drop it before SET NOT NULL looks for it.
		// A primary key USING INDEX below finds the column NOT NULL already.
		out = append(out,
			fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", t, col),
			fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", t, pgast.QuoteIdent(tc.notNull)))
	}
	for _, ix := range tc.indexes {
		out = append(out, ix.attach)
	}
	for _, c := range tc.constraints {
		out = append(out, c.rename)
	}
	return append(out, tc.createViews...)
}

// steps writes the type change's steps; with contract, the swap keeps
// the old column as <col>_pgsafe_old and the returned contract drops it.
func (tc *columnSwap) steps(p *Pass, contract bool) ([]Step, string) {
	t, col, newCol := pgast.QuoteName(tc.table), pgast.QuoteIdent(tc.col.Name), pgast.QuoteIdent(tc.newCol)
	from := "NEW." + col
	if tc.using != "" {
		from = tc.using
	}
	expand := append([]string{
		"-- pgsafe: the type change, online: a new column, kept in sync with the old one by a trigger until the swap below.",
		fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;", t, newCol, tc.typ),
	}, tc.syncTrigger(fmt.Sprintf("  NEW.%s := %s;", newCol, from))...)
	steps := tc.copySteps(p, strings.Join(expand, "\n"), fmt.Sprintf("%s = %s", newCol, tc.value), newCol+" IS NULL")
	swap := []string{
		"-- pgsafe: the swap, in one short transaction: nothing here grows with the table.",
		fmt.Sprintf("SET LOCAL lock_timeout = '%s';", lockTimeoutValue(p)),
	}
	// The views that read the old column would stop its drop; they read
	// the new one once created again below.
	swap = append(swap, tc.dropViews...)
	swap = append(swap, tc.dropSync()...)
	swap = append(swap,
		fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", t, col, pgast.QuoteIdent(tc.oldCol)),
		fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", t, newCol, col),
	)
	swap = append(swap, tc.takeOver(tc.col.Name, tc.oldCol, contract)...)
	steps = append(steps, Step{SQL: strings.Join(swap, "\n")}, Step{SQL: fmt.Sprintf("ANALYZE %s (%s);", t, col)})
	if !contract {
		return steps, ""
	}
	return steps, strings.Join([]string{
		fmt.Sprintf("-- pgsafe: the contract of the type change of %s.%s: drop the old column, which nothing reads or writes since the swap.", pgast.ObjectName(tc.table), tc.col.Name),
		fmt.Sprintf("SET LOCAL lock_timeout = '%s';", lockTimeoutValue(p)),
		fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s;", t, pgast.QuoteIdent(tc.oldCol)),
	}, "\n")
}

// lockTimeoutValue is the lock_timeout that fixes write.
func lockTimeoutValue(p *Pass) string {
	if p.Options.LockTimeout != "" {
		return p.Options.LockTimeout
	}
	return "2s"
}

// viewDroppedBefore returns a view that a statement of the file before
// the current one drops and one after it creates again, as a migration
// that changes a column's type by hand does around the change; "" when
// there is none.
func viewDroppedBefore(p *Pass) string {
	dropped := map[string]bool{}
	for _, st := range p.Before() {
		if d := st.Node.GetDropStmt(); d != nil && d.GetRemoveType() == pg.ObjectType_OBJECT_VIEW {
			for _, key := range pgast.DropObjects(d) {
				dropped[key] = true
			}
		}
	}
	if len(dropped) == 0 {
		return ""
	}
	for _, st := range p.File.Statements[p.Stmt.Index+1:] {
		if v := st.Node.GetViewStmt(); v != nil && dropped[pgast.RelName(v.GetView())] {
			return pgast.RelName(v.GetView())
		}
	}
	return ""
}

// generatedReads reports whether the expression of a generated column,
// as the catalog records it, reads column col; true when it does not
// parse, to be safe.
func generatedReads(expr, col string) bool {
	res, err := pg.Parse("SELECT " + expr)
	if err != nil || len(res.GetStmts()) != 1 {
		return true
	}
	return containsName(pgast.ColumnRefs(res.GetStmts()[0].GetStmt()), col)
}
