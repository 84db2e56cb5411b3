package estimate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/stats"
	"github.com/pgsafe/pgsafe/rules"
)

// DefaultThreshold is the estimated block below which a finding that only
// matters for how long it blocks becomes a hint.
const DefaultThreshold = time.Second

// Options configure Apply.
type Options struct {
	// Snapshot is the production snapshot (lint --stats).
	Snapshot *stats.Snapshot
	// Model prices the work; nil means Default().
	Model *Model
	// Threshold is the estimated block below which an error whose hazard
	// is its duration becomes a hint; 0 means DefaultThreshold.
	Threshold time.Duration
}

// Apply puts an Impact on every lock finding of res on a table, from the
// snapshot and the model, and lowers to hints the errors whose estimated
// block is below the threshold. It runs after the rules and before the
// report; it changes nothing when opts has no snapshot.
func Apply(res *lint.Result, opts Options) {
	if opts.Snapshot == nil || res == nil {
		return
	}
	if opts.Model == nil {
		opts.Model = Default()
	}
	if opts.Threshold <= 0 {
		opts.Threshold = DefaultThreshold
	}
	a := &applier{res: res, opts: opts, files: map[string]*migration.File{}, stmts: map[stmtKey]*statement{}}
	for _, f := range res.Files {
		a.files[f.Path] = f
	}
	// First the work of every statement with a lock finding, from all its
	// findings, so that each finding of a statement (and of the statements
	// before it in its transaction) sees the whole of it.
	for i := range res.Diagnostics {
		d := &res.Diagnostics[i]
		if s := a.statementOf(d); s != nil {
			if c, ok := findingClass(d.Rule.Code, s.deletes); ok {
				s.class = stronger(s.class, c)
			}
			if s.tables == nil && d.Lock != locks.None && d.Table != "" {
				s.tables = d.Tables()
			}
		}
	}
	for i := range res.Diagnostics {
		d := &res.Diagnostics[i]
		if d.Lock == locks.None || d.Table == "" {
			continue
		}
		a.apply(d)
	}
}

type stmtKey struct {
	path  string
	index int
}

// statement is what Apply learns about one statement with findings.
type statement struct {
	file  *migration.File
	st    *migration.Statement
	class Class
	// tables are the tables the first lock finding of the statement
	// names.
	tables []string
	// everyIndex reports REINDEX TABLE, which rebuilds every index of the
	// table: one index build each.
	everyIndex bool
	// deletes reports a DELETE, whose row locks also stop inserts that
	// reference the rows by a foreign key.
	deletes bool
	// refresh reports REFRESH MATERIALIZED VIEW without CONCURRENTLY:
	// its query, then a rewrite of the view.
	refresh bool
	// references are the tables that the foreign keys the statement
	// checks reference, one per key (ADD FOREIGN KEY validated, or
	// VALIDATE CONSTRAINT of a foreign key): each check joins the table
	// to its referenced table, whose rows it reads too.
	references []string
	// referenced are the locks the statement takes on tables as the
	// referenced end of a foreign key (locks.RoleReferenced): SHARE ROW
	// EXCLUSIVE for ADD FOREIGN KEY, ROW SHARE for VALIDATE CONSTRAINT.
	referenced []locks.Lock
}

type applier struct {
	res   *lint.Result
	opts  Options
	files map[string]*migration.File
	stmts map[stmtKey]*statement
}

// statementOf returns the statement that finding d lies in, classed by its
// parse tree; nil when the run has no such file or statement.
func (a *applier) statementOf(d *rules.Diagnostic) *statement {
	f := a.files[d.Path]
	if f == nil {
		return nil
	}
	i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Extent.End > d.Span.Start })
	if i == len(f.Statements) {
		return nil
	}
	return a.statement(f, f.Statements[i])
}

// statement returns what Apply knows of statement st of f, reading its
// class off its parse tree the first time.
func (a *applier) statement(f *migration.File, st *migration.Statement) *statement {
	k := stmtKey{f.Path, st.Index}
	if s := a.stmts[k]; s != nil {
		return s
	}
	s := &statement{file: f, st: st, class: Unknown}
	node := st.Node
	if node == nil {
		// The driver releases the trees once a file is checked: parse the
		// statement again, alone.
		if r := sqlparse.Parse(f.Text[st.Span.Start:st.Span.End]); r.Err == nil && len(r.Statements) == 1 {
			node = r.Statements[0].Node
		}
	}
	if node != nil {
		s.class = StatementClass(node)
		s.everyIndex = node.GetReindexStmt().GetKind() == pg.ReindexObjectType_REINDEX_OBJECT_TABLE
		s.deletes = node.GetDeleteStmt() != nil
		s.refresh = node.GetRefreshMatViewStmt() != nil && !node.GetRefreshMatViewStmt().GetConcurrent()
		s.references = foreignKeyChecks(node)
		// Only the locks on referenced tables are kept, and these do not
		// depend on the server's version.
		for _, l := range locks.Statement(node, 0) {
			if l.Role == locks.RoleReferenced {
				s.referenced = append(s.referenced, l)
			}
		}
		if at := node.GetAlterTableStmt(); at != nil && s.class == Validation {
			a.validatedForeignKeys(s, at)
		}
	}
	a.stmts[k] = s
	return s
}

// duration returns the estimated time statement s takes on the
// production tables its lock findings name, one after another, and false
// when it cannot be priced (no lock finding, a table the snapshot does
// not know, or work of an unknown class).
func (a *applier) duration(s *statement) (time.Duration, bool) {
	if len(s.tables) == 0 {
		return 0, false
	}
	var total time.Duration
	for _, table := range s.tables {
		size, ok := a.size(table, s.file.Path, s.st.Index)
		if !ok {
			return 0, false
		}
		t, missing := a.work(s, size)
		if missing != "" || !a.opts.Model.Has(s.class) {
			return 0, false
		}
		total += t * time.Duration(a.builds(s, table))
	}
	return total, true
}

// work returns the time statement s's work of its class takes on a table
// of size, once: for a foreign key check, the sum of one check per key,
// each against the rows of the table it references. missing names a
// referenced table whose rows neither the snapshot nor the migration set
// knows, which leaves the work unpriced; it is "" otherwise.
func (a *applier) work(s *statement, size Size) (took time.Duration, missing string) {
	if s.class != ForeignKeyCheck || len(s.references) == 0 {
		t, _ := a.opts.Model.Estimate(s.class, size)
		return t, ""
	}
	for _, ref := range s.references {
		refSize, ok := a.size(ref, s.file.Path, s.st.Index)
		if !ok {
			return 0, ref
		}
		size.ReferencedRows = refSize.Rows
		t, _ := a.opts.Model.Estimate(s.class, size)
		took += t
	}
	return took, ""
}

// builds returns how many times statement s does its work on table: once,
// or for REINDEX TABLE once per index the snapshot lists.
func (a *applier) builds(s *statement, table string) int {
	if t := lookup(a.opts.Snapshot, table); s.everyIndex && t != nil && len(t.Indexes) > 1 {
		return len(t.Indexes)
	}
	return 1
}

// size returns the size of table as the snapshot has it, an empty size
// for a table that the set creates before statement stmt of path, and
// false when neither knows it or the snapshot has no row count.
func (a *applier) size(table, path string, stmt int) (Size, bool) {
	if t := lookup(a.opts.Snapshot, table); t != nil {
		return Size{Rows: t.Rows, HeapBytes: t.HeapBytes, IndexBytes: t.IndexBytes}, t.Rows >= 0
	}
	if a.createdBefore(table, path, stmt) != "" {
		return Size{}, true
	}
	return Size{}, false
}

// apply sets d.Impact and, when the estimate says so, lowers d's
// severity. A finding that names several tables ("orders, countries")
// is priced on each: its figures are those of the table it blocks
// longest, and its note gives every table's.
func (a *applier) apply(d *rules.Diagnostic) {
	s := a.statementOf(d)
	tables := d.Tables()
	var im *rules.Impact
	var notes []string
	lowerable, priced := true, 0
	for _, table := range tables {
		t, ok := a.price(d, s, table)
		lowerable = lowerable && ok
		notes = append(notes, t.Note)
		if t.Estimated {
			priced++
		}
		if im == nil || (t.Estimated && (!im.Estimated || t.Block > im.Block)) {
			im = t
		}
	}
	d.Impact = im
	if len(tables) > 1 {
		lead := im.Note
		switch {
		case priced == len(tables):
			lead += fmt.Sprintf(", the longest of the %d tables it locks", len(tables))
		case im.Estimated:
			lead += fmt.Sprintf(", the longest that can be priced of the %d tables it locks", len(tables))
		default:
		}
		others := []string{lead}
		for _, n := range notes {
			if n != im.Note {
				others = append(others, n)
			}
		}
		im.Note = strings.Join(others, "; ")
	}
	if lowerable && d.Severity == rules.Error && im.Block < a.opts.Threshold {
		im.Lowered, d.Severity = d.Severity, rules.Hint
		im.Note += fmt.Sprintf(": below the %s threshold, so a hint rather than an error", Threshold(a.opts.Threshold))
	}
}

// price returns the figures and the estimate of finding d, of statement
// s, on one of the tables it names, and whether the estimate may lower
// its severity: the work grows with the table, and the estimate is not
// a floor.
func (a *applier) price(d *rules.Diagnostic, s *statement, table string) (*rules.Impact, bool) {
	im := &rules.Impact{Table: table}
	class := Unknown
	if s != nil {
		class = s.class
	}
	im.Operation = class.Describe()
	if s != nil && s.refresh {
		im.Operation = "refresh of the materialized view"
	}
	var size Size
	if t := lookup(a.opts.Snapshot, table); t != nil {
		im.Known = true
		im.Rows, im.Bytes, im.WritesPerSecond = t.Rows, t.TotalBytes(), t.WritesPerSecond
		size = Size{Rows: t.Rows, HeapBytes: t.HeapBytes, IndexBytes: t.IndexBytes}
	} else if s != nil {
		if by := a.createdBefore(table, d.Path, s.st.Index); by != "" {
			im.New = true
			im.Note = fmt.Sprintf("%s is not in the snapshot and is created earlier in this migration set (%s), so it is empty when this runs", table, by)
		}
	}
	if !im.Known && !im.New {
		im.Note = fmt.Sprintf("%s is not in the snapshot (%s): a table created since it was taken, or one it does not cover; no estimate", table, snapshotName(a.opts.Snapshot))
		return im, false
	}
	switch {
	case (class == Unknown || s == nil) && im.New:
		im.Note += "; no estimate of how long (the model has no price for this statement's work)"
		return im, false
	case class == Unknown || s == nil:
		im.Note = a.figures(d, s, im) + a.alsoLocked(d, s, im) + ": no estimate of how long (the model has no price for this statement's work)"
		return im, false
	case !a.opts.Model.Has(class):
		why := fmt.Sprintf("no estimate of how long (the cost model has no price for %s, work it was calibrated before pgsafe priced: calibrate again)", im.Operation)
		if im.New {
			im.Note += "; " + why
		} else {
			im.Note = a.figures(d, s, im) + a.alsoLocked(d, s, im) + ": " + why
		}
		return im, false
	case im.Rows < 0:
		im.Note = a.figures(d, s, im) + a.alsoLocked(d, s, im) + ": no estimate of how long (the snapshot has no row count for it: never analyzed)"
		return im, false
	default:
	}
	block, missing := a.work(s, size)
	if missing != "" {
		im.Note = a.figures(d, s, im) + a.alsoLocked(d, s, im) + fmt.Sprintf(": no estimate of how long (the %s reads %s too, and %s)",
			im.Operation, missing, a.unknownRows(missing))
		return im, false
	}
	block *= time.Duration(a.builds(s, table))
	// The lock is held to the end of the statement's transaction: add the
	// statements after it there that the model can price, and note those
	// with findings that it cannot (the estimate is then a floor).
	rest, unpriced := false, false
	if tx := s.st.Tx; tx != nil {
		for _, next := range s.file.Statements[s.st.Index+1:] {
			if next.Tx == nil || next.Tx.ID != tx.ID {
				break
			}
			ns := a.stmts[stmtKey{s.file.Path, next.Index}]
			if ns == nil {
				continue
			}
			if t, ok := a.duration(ns); ok {
				block += t
				rest = true
				unpriced = unpriced || ns.refresh // its query is not priced
			} else if ns.class != Instant {
				unpriced = true
			}
		}
	}
	// A refresh first runs the view's query, which the model cannot
	// price: what it prices is the writing of the new contents.
	floor := unpriced || s.refresh
	im.Block, im.Estimated, im.AtLeast = block, true, floor
	how := fmt.Sprintf("for about %s (%s", Duration(block), im.Operation)
	if floor {
		how = fmt.Sprintf("for at least %s (%s", Duration(block), im.Operation)
	}
	switch {
	case unpriced:
		how += ", and the rest of its transaction, where a statement cannot be priced"
	case rest:
		how += ", and the rest of its transaction"
	default:
	}
	how += ")"
	if s.refresh {
		how += ": the estimate is for writing new contents about as large as the view's current ones, as a table rewrite; " +
			"running the view's query comes first and is not priced"
	}
	if im.New {
		im.Note += ": " + verb(d, s) + " it" + a.alsoLocked(d, s, im) + " " + how
	} else {
		im.Note = a.figures(d, s, im) + a.alsoLocked(d, s, im) + " " + how
	}
	im.Note += rowLocksStop(d, s)
	return im, class.Sized() && !floor
}

// figures says what the lock stops on a table the snapshot knows, with
// the table's size and traffic: "blocks writes to orders (48M rows, 9.1
// GB, ~1,200 writes/s)".
func (a *applier) figures(d *rules.Diagnostic, s *statement, im *rules.Impact) string {
	rows := "rows unknown"
	if im.Rows >= 0 {
		rows = Rows(im.Rows)
	}
	return fmt.Sprintf("%s %s (%s, %s, %s)", verb(d, s), im.Table, rows, Bytes(im.Bytes), Writes(im.WritesPerSecond))
}

// alsoLocked says what the locks that statement s takes on the tables
// its foreign keys reference stop, with those tables' figures, for
// finding d on im.Table: " and to customers (2M rows, 150 MB, ~300
// writes/s)" after "blocks writes to orders (...)". Such a lock is held
// as long as the lock on the table itself, to the end of the transaction:
// the estimate covers both. A referenced table that the lock model says
// is locked under a mode that blocks no reads or writes (ROW SHARE, for
// VALIDATE CONSTRAINT) is said so. "" when s locks no other table.
func (a *applier) alsoLocked(d *rules.Diagnostic, s *statement, im *rules.Impact) string {
	if s == nil {
		return ""
	}
	own := verb(d, s)
	var out string
	for _, l := range s.referenced {
		if pgast.DisplayName(l.Relation) == im.Table || slicesContainsDisplay(d.Tables(), l.Relation) {
			continue
		}
		name := pgast.DisplayName(l.Relation)
		b := a.heldOn(s, l).Blocks()
		var v string
		switch {
		case b.Reads || b.Writes:
			v = "blocks " + a.heldOn(s, l).Stops() + " to"
		default:
			out += fmt.Sprintf(", and holds %s on %s (%s), which blocks no reads or writes, only ALTER TABLE, DROP, TRUNCATE and VACUUM FULL of it",
				a.heldOn(s, l), name, a.tableFigures(name, d.Path, s.st.Index))
			continue
		}
		if v == own {
			out += fmt.Sprintf(" and to %s (%s)", name, a.tableFigures(name, d.Path, s.st.Index))
		} else {
			out += fmt.Sprintf(" and %s %s (%s)", strings.TrimPrefix(v, "blocks "), name, a.tableFigures(name, d.Path, s.st.Index))
		}
	}
	return out
}

// heldOn returns the strongest lock held on the relation of l, a lock
// statement s takes on a referenced table, while s runs: l's, or a
// stronger one that an earlier statement of its transaction took there
// as the referenced end of a foreign key (the ADD ... NOT VALID before
// its VALIDATE holds SHARE ROW EXCLUSIVE).
func (a *applier) heldOn(s *statement, l locks.Lock) locks.Mode {
	mode := l.Mode
	tx := s.st.Tx
	if tx == nil {
		return mode
	}
	for _, st := range s.file.Statements[:s.st.Index] {
		if st.Tx == nil || st.Tx.ID != tx.ID {
			continue
		}
		for _, e := range a.statement(s.file, st).referenced {
			if e.Relation == l.Relation && e.Mode > mode {
				mode = e.Mode
			}
		}
	}
	return mode
}

// slicesContainsDisplay reports whether names, as findings show tables,
// include the table of key.
func slicesContainsDisplay(names []string, key string) bool {
	for _, n := range names {
		if pgast.KeyOfDisplay(n) == key {
			return true
		}
	}
	return false
}

// tableFigures gives a table's size and traffic as the snapshot has it,
// "2M rows, 150 MB, ~300 writes/s", or says that it has not: the table is
// created earlier in the set, or unknown.
func (a *applier) tableFigures(table, path string, stmt int) string {
	if t := lookup(a.opts.Snapshot, table); t != nil {
		rows := "rows unknown"
		if t.Rows >= 0 {
			rows = Rows(t.Rows)
		}
		return fmt.Sprintf("%s, %s, %s", rows, Bytes(t.TotalBytes()), Writes(t.WritesPerSecond))
	}
	if by := a.createdBefore(table, path, stmt); by != "" {
		return "created earlier in this migration set, so empty"
	}
	return "not in the snapshot"
}

// unknownRows says why the rows of table, which a foreign key check
// reads, are not known.
func (a *applier) unknownRows(table string) string {
	if lookup(a.opts.Snapshot, table) != nil {
		return "the snapshot has no row count for it: never analyzed"
	}
	return fmt.Sprintf("it is not in the snapshot (%s)", snapshotName(a.opts.Snapshot))
}

// verb says what d's lock on the table stops, "blocks writes to", or for
// a statement s that writes every row under a lock that lets writes
// through, that it locks the rows.
func verb(d *rules.Diagnostic, s *statement) string {
	b := d.Lock.Blocks()
	switch {
	case rowLocks(d, s):
		return "locks every row of"
	case b.Reads || b.Writes:
		return "blocks " + d.Lock.Stops() + " to"
	case b.DDL:
		return "blocks schema changes, VACUUM and ANALYZE (not reads or writes) on"
	default:
		return "holds " + d.Lock.String() + " on"
	}
}

// rowLocks reports whether what finding d blocks is the rows that its
// statement s writes: s updates or deletes every row, and d's lock on the
// table lets other writes through (ROW EXCLUSIVE, not the ACCESS
// EXCLUSIVE of a schema change earlier in the transaction).
func rowLocks(d *rules.Diagnostic, s *statement) bool {
	return s != nil && (s.class == RowUpdates || s.class == RowDeletes) && !d.Lock.Blocks().Writes
}

// rowLocksStop says, for a finding whose statement locks every row (see
// rowLocks), what waits for those row locks, as PostgreSQL 15 showed it
// (docs/stats.md): "" for other findings.
func rowLocksStop(d *rules.Diagnostic, s *statement) string {
	switch {
	case !rowLocks(d, s):
		return ""
	case s.class == RowDeletes:
		return ": until its transaction ends, updates, deletes and SELECT ... FOR UPDATE, FOR SHARE or FOR KEY SHARE of any of its rows wait, " +
			"and so do inserts that reference its rows by a foreign key or repeat a unique key of theirs, and schema changes of the table; " +
			"reads and other inserts go on"
	default:
		return ": until its transaction ends, updates, deletes and SELECT ... FOR UPDATE or FOR SHARE of any of its rows wait, " +
			"and so do inserts that repeat a unique key of its rows and schema changes of the table (and, when it sets a key column, " +
			"inserts that reference its rows by a foreign key); reads and other inserts go on"
	}
}

// createdBefore returns the migration that creates table in the set
// before statement stmt of path, and has not been deployed (so the table
// is empty when the statement runs); "" when none does.
func (a *applier) createdBefore(table, path string, stmt int) string {
	h := a.res.History
	if h == nil {
		return ""
	}
	key := pgast.KeyOfDisplay(table)
	at, ok := h.Index(path)
	if !ok {
		return ""
	}
	for _, ev := range h.Events(h.RelationID(key)) {
		if ev.Kind != schema.TableCreated || ev.Key != key || !h.IsPending(ev.Path) {
			continue
		}
		if i, ok := h.Index(ev.Path); ok && (i < at || (i == at && ev.Stmt < stmt)) {
			return ev.Path
		}
	}
	return ""
}

// foreignKeyChecks returns the tables that the foreign keys an ALTER
// TABLE adds validated reference, one per key: each key's check joins the
// table to its referenced table. A foreign key on a column the statement
// adds checks rows only when the column has a default, which is not
// priced; nil for other statements.
func foreignKeyChecks(node *pg.Node) []string {
	at := node.GetAlterTableStmt()
	if at == nil {
		return nil
	}
	var out []string
	for _, cmd := range at.GetCmds() {
		c := cmd.GetAlterTableCmd()
		if c.GetSubtype() != pg.AlterTableType_AT_AddConstraint {
			continue
		}
		if con := c.GetDef().GetConstraint(); con.GetContype() == pg.ConstrType_CONSTR_FOREIGN && !con.GetSkipValidation() {
			out = append(out, pgast.DisplayName(pgast.RelName(con.GetPktable())))
		}
	}
	return out
}

// validatedForeignKeys reads, for statement s, an ALTER TABLE at that
// validates constraints, which of them are foreign keys, from the schema
// the migration set builds: the check of each is a join with the table it
// references, which it locks in ROW SHARE (as PostgreSQL 15 showed:
// docs/stats.md), and s is priced as a foreign key check.
func (a *applier) validatedForeignKeys(s *statement, at *pg.AlterTableStmt) {
	if a.res.History == nil {
		return
	}
	key := pgast.RelName(at.GetRelation())
	t := a.res.History.Final().Table(key)
	if t == nil {
		return
	}
	for _, cmd := range at.GetCmds() {
		c := cmd.GetAlterTableCmd()
		if c.GetSubtype() != pg.AlterTableType_AT_ValidateConstraint {
			continue
		}
		for _, con := range t.Constraints {
			if con.Name == c.GetName() && con.Type == pg.ConstrType_CONSTR_FOREIGN && con.References != "" {
				s.references = append(s.references, pgast.DisplayName(con.References))
				if con.References != key {
					s.referenced = append(s.referenced, locks.Lock{Relation: con.References, Mode: locks.RowShare, Role: locks.RoleReferenced})
				}
			}
		}
	}
	if len(s.references) > 0 {
		s.class = ForeignKeyCheck
	}
}

// lookup finds a table as findings show it in the snapshot.
func lookup(s *stats.Snapshot, table string) *stats.Table {
	schemaName, name, _ := strings.Cut(pgast.KeyOfDisplay(table), ".")
	return s.Lookup(schemaName, name)
}

// snapshotName says which snapshot, for messages: "taken 2026-12-05 of
// app".
func snapshotName(s *stats.Snapshot) string {
	out := "taken " + s.TakenAt.UTC().Format("2006-01-02")
	if s.Database != "" {
		out += " of " + s.Database
	}
	return out
}
