package rules

import (
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferRobustStmts reports CREATE and DROP statements without IF [NOT]
// EXISTS that run outside a transaction with more statements after them,
// where a failed migration leaves them applied and a retry fails on them.
func PreferRobustStmts() *Rule {
	return &Rule{
		Code: "PS060", Name: "prefer-robust-stmts", Severity: Hint, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "A CREATE or DROP without IF [NOT] EXISTS runs outside a transaction, so a retried migration fails on it.",
			Why: "A migration that runs outside a transaction (goose's NO TRANSACTION, dbmate's transaction:false, a " +
				"golang-migrate file of one statement, popx's autocommit files, psql scripts without BEGIN) keeps every " +
				"statement that succeeded when a later one fails: a CREATE INDEX CONCURRENTLY that hit lock_timeout, a " +
				"deploy killed halfway. The fix is to run the migration again, and then the statements that already ran " +
				"fail with \"already exists\" or \"does not exist\", so someone has to repair the database by hand during " +
				"the incident. With IF NOT EXISTS and IF EXISTS, the migration can simply be run again. As in squawk, " +
				"statements inside a transaction are not reported, since a failure rolls everything back; nor is the " +
				"last statement of a file (or of its up or down part), whose failure leaves nothing behind, unless it " +
				"builds an index CONCURRENTLY, which leaves an invalid index when it fails.",
			Bad:  "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\nDROP INDEX CONCURRENTLY accounts_old_email_idx;",
			Good: "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);\nDROP INDEX CONCURRENTLY IF EXISTS accounts_old_email_idx;",
			Help: "add IF NOT EXISTS to CREATE TABLE, INDEX, SEQUENCE, SCHEMA and EXTENSION and to ADD COLUMN, and IF EXISTS " +
				"to DROP and to DROP COLUMN or CONSTRAINT, so that the migration can run again after a failure",
			FixSafety: "Safe: adds IF NOT EXISTS or IF EXISTS where the grammar allows it. On a retry, an object of the " +
				"same name is then kept as it is, even if its definition differs; after a failed CREATE INDEX " +
				"CONCURRENTLY that is an invalid index, which must be dropped (DROP INDEX CONCURRENTLY) before the retry. " +
				"An unnamed index, and a CREATE SCHEMA that also creates objects, get the advice only. ADD CONSTRAINT, " +
				"CREATE VIEW, FUNCTION, TYPE and TRIGGER are not reported: they have no IF NOT EXISTS (use CREATE OR " +
				"REPLACE where it exists).",
			Versions: "All versions.",
		},
		Check: checkPreferRobustStmts,
	}
}

// laterCanFail reports whether a statement of the file runs after the
// current one in the same direction: if it fails, the current one stays
// applied. The last statement leaves nothing behind when it fails, unless
// it builds an index CONCURRENTLY, which leaves an invalid index.
func laterCanFail(p *Pass) bool {
	for _, st := range p.File.Statements[p.Stmt.Index+1:] {
		if st.Direction == p.Stmt.Direction && !st.TxControl && !st.Setting {
			return true
		}
	}
	return false
}

// robustPart is one part of a statement that lacks IF [NOT] EXISTS.
type robustPart struct {
	what   string // "CREATE TABLE accounts", "DROP COLUMN legacy"
	create bool   // the part creates; else it drops
	edit   *Edit  // inserts the clause; nil when pgsafe cannot place it
}

func checkPreferRobustStmts(p *Pass) {
	if p.Stmt.Tx != nil {
		return
	}
	parts, table := robustParts(p)
	if len(parts) == 0 || !p.Stmt.Concurrently && !laterCanFail(p) {
		return
	}
	var creates, drops []string
	var edits []Edit
	unnamed := false
	for _, part := range parts {
		switch {
		case part.create:
			creates = append(creates, part.what)
		default:
			drops = append(drops, part.what)
		}
		if part.edit == nil {
			unnamed = unnamed || strings.HasPrefix(part.what, "CREATE INDEX ON")
			continue
		}
		edits = append(edits, *part.edit)
	}
	var clauses []string
	if len(creates) > 0 {
		clauses = append(clauses, strings.Join(creates, ", ")+" without IF NOT EXISTS")
	}
	if len(drops) > 0 {
		clauses = append(clauses, strings.Join(drops, ", ")+" without IF EXISTS")
	}
	msg := strings.Join(clauses, " and ") + " outside a transaction: if the migration fails after this statement, it stays applied, " +
		"and running the migration again fails here"
	if unnamed {
		msg += "; an unnamed index is built a second time instead"
	}
	d := Diagnostic{Message: msg, Table: Display(table)}
	title := "Add IF NOT EXISTS / IF EXISTS so that the migration can run again"
	if len(edits) == len(parts) {
		sort.Slice(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
		d.Fixes = []Fix{{Title: title, Safety: Safe, Edits: edits}}
	} else {
		d.Fixes = []Fix{Recipe(title)}
	}
	p.Report(d)
}

// robustParts returns the parts of the current statement that lack IF
// [NOT] EXISTS, and the table the statement is on ("" when none).
func robustParts(p *Pass) ([]robustPart, string) {
	after := func(kw string) *Edit {
		at, ok := p.Keyword(kw)
		if !ok {
			return nil
		}
		e := Insert(at.End, " IF NOT EXISTS")
		return &e
	}
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		if n.CreateStmt.GetIfNotExists() {
			return nil, ""
		}
		table := pgast.RelName(n.CreateStmt.GetRelation())
		return []robustPart{{what: "CREATE TABLE " + Display(table), create: true, edit: after("table")}}, table
	case *pg.Node_IndexStmt:
		ix := n.IndexStmt
		if ix.GetIfNotExists() {
			return nil, ""
		}
		table := pgast.RelName(ix.GetRelation())
		if ix.GetIdxname() == "" {
			return []robustPart{{what: "CREATE INDEX ON " + Display(table), create: true}}, table
		}
		kw := "index"
		if ix.GetConcurrent() {
			kw = "concurrently"
		}
		return []robustPart{{what: "CREATE INDEX " + ix.GetIdxname(), create: true, edit: after(kw)}}, table
	case *pg.Node_CreateSeqStmt:
		if n.CreateSeqStmt.GetIfNotExists() {
			return nil, ""
		}
		return []robustPart{{what: "CREATE SEQUENCE " + Display(pgast.RelName(n.CreateSeqStmt.GetSequence())), create: true, edit: after("sequence")}}, ""
	case *pg.Node_CreateSchemaStmt:
		st := n.CreateSchemaStmt
		if st.GetIfNotExists() {
			return nil, ""
		}
		part := robustPart{what: "CREATE SCHEMA " + st.GetSchemaname(), create: true}
		if len(st.GetSchemaElts()) == 0 {
			part.edit = after("schema")
		}
		return []robustPart{part}, ""
	case *pg.Node_CreateExtensionStmt:
		if n.CreateExtensionStmt.GetIfNotExists() {
			return nil, ""
		}
		return []robustPart{{what: "CREATE EXTENSION " + n.CreateExtensionStmt.GetExtname(), create: true, edit: after("extension")}}, ""
	case *pg.Node_AlterTableStmt:
		if n.AlterTableStmt.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
			return nil, ""
		}
		return alterTableParts(p, n.AlterTableStmt), pgast.RelName(n.AlterTableStmt.GetRelation())
	case *pg.Node_DropStmt:
		return dropParts(p, n.DropStmt), ""
	default:
		return nil, ""
	}
}

// dropKeywords are, for the kinds of object that DROP ... IF EXISTS
// takes, the keyword that IF EXISTS follows.
var dropKeywords = map[pg.ObjectType]string{
	pg.ObjectType_OBJECT_TABLE: "table", pg.ObjectType_OBJECT_INDEX: "index", pg.ObjectType_OBJECT_SEQUENCE: "sequence",
	pg.ObjectType_OBJECT_VIEW: "view", pg.ObjectType_OBJECT_MATVIEW: "view", pg.ObjectType_OBJECT_SCHEMA: "schema",
	pg.ObjectType_OBJECT_TYPE: "type", pg.ObjectType_OBJECT_DOMAIN: "domain", pg.ObjectType_OBJECT_EXTENSION: "extension",
	pg.ObjectType_OBJECT_FOREIGN_TABLE: "table", pg.ObjectType_OBJECT_TRIGGER: "trigger",
	pg.ObjectType_OBJECT_FUNCTION: "function", pg.ObjectType_OBJECT_PROCEDURE: "procedure",
}

// dropParts returns the part of a DROP statement without IF EXISTS.
func dropParts(p *Pass, st *pg.DropStmt) []robustPart {
	kw, ok := dropKeywords[st.GetRemoveType()]
	if !ok || st.GetMissingOk() {
		return nil
	}
	if st.GetRemoveType() == pg.ObjectType_OBJECT_INDEX && st.GetConcurrent() {
		kw = "concurrently"
	}
	what := "DROP " + strings.ToUpper(dropObjectWord(st.GetRemoveType()))
	if names := pgast.DropObjects(st); len(names) > 0 {
		for i := range names {
			names[i] = Display(names[i])
		}
		what += " " + strings.Join(names, ", ")
	}
	part := robustPart{what: what}
	if at, ok := p.Keyword(kw); ok {
		e := Insert(at.End, " IF EXISTS")
		part.edit = &e
	}
	return []robustPart{part}
}

// dropObjectWord names a kind of object as DROP spells it.
func dropObjectWord(t pg.ObjectType) string {
	switch t {
	case pg.ObjectType_OBJECT_MATVIEW:
		return "materialized view"
	case pg.ObjectType_OBJECT_FOREIGN_TABLE:
		return "foreign table"
	default:
		return dropKeywords[t]
	}
}

// alterTableParts returns the ADD COLUMN, DROP COLUMN and DROP
// CONSTRAINT subcommands of st without IF [NOT] EXISTS.
func alterTableParts(p *Pass, st *pg.AlterTableStmt) []robustPart {
	toks := ScanTokens(p.StmtText(), p.Stmt.Span.Start)
	next := 0 // the token after the last subcommand placed
	var out []robustPart
	for _, c := range st.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd.GetMissingOk() {
			continue
		}
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AddColumn:
			cd := cmd.GetDef().GetColumnDef()
			part := robustPart{what: "ADD COLUMN " + cd.GetColname(), create: true}
			if loc := int(cd.GetLocation()); loc >= p.Stmt.Span.Start && loc < p.Stmt.Span.End {
				e := Insert(loc, "IF NOT EXISTS ")
				part.edit = &e
			}
			out = append(out, part)
		case pg.AlterTableType_AT_DropColumn, pg.AlterTableType_AT_DropConstraint:
			word := "column"
			if cmd.GetSubtype() == pg.AlterTableType_AT_DropConstraint {
				word = "constraint"
			}
			part := robustPart{what: "DROP " + strings.ToUpper(word) + " " + cmd.GetName()}
			if at, ok := droppedNameToken(p, toks, next, word, cmd.GetName()); ok {
				e := Insert(toks[at].Span.Start, "IF EXISTS ")
				part.edit = &e
				next = at + 1
			}
			out = append(out, part)
		default:
		}
	}
	return out
}

// droppedNameToken returns the index of the token that names the dropped
// column or constraint name in "DROP [word] name", searching toks from
// index from on.
func droppedNameToken(p *Pass, toks []Token, from int, word, name string) (int, bool) {
	for i := from; i+1 < len(toks); i++ {
		if !strings.EqualFold(p.Text(toks[i].Span), "drop") {
			continue
		}
		at := i + 1
		if strings.EqualFold(p.Text(toks[at].Span), word) && at+1 < len(toks) {
			at++
		}
		if identValue(p.Text(toks[at].Span)) == name {
			return at, true
		}
	}
	return 0, false
}
