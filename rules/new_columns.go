package rules

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Helpers shared by the style rules about column types (PS061 to PS064).
// They judge only the columns a statement creates: the columns of CREATE
// TABLE and of ALTER TABLE ... ADD COLUMN. A column that already holds
// data is never reported, because changing its type is a rewrite
// (column-type-change) that costs more than the type saves; and down
// migrations, which recreate what the up removed, are left alone.

// newColumn is a column that the current statement creates.
type newColumn struct {
	def   *pg.ColumnDef
	table string // the table key
	// key reports that the column is a primary key, identity or serial
	// column, references another table, or is named id or *_id: a column
	// whose values come from a sequence or copy one.
	key bool
}

// newColumns returns the columns that the current statement creates, in
// statement order; none in a down migration.
func newColumns(p *Pass) []newColumn {
	if p.Stmt.Direction == migration.Down {
		return nil
	}
	var out []newColumn
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		table := pgast.RelName(n.CreateStmt.GetRelation())
		keys := map[string]bool{}
		for _, e := range n.CreateStmt.GetTableElts() {
			con := e.GetConstraint()
			switch con.GetContype() {
			case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_FOREIGN:
				for _, c := range pgast.ConstraintColumns(con, "") {
					keys[c] = true
				}
			default:
			}
		}
		for _, e := range n.CreateStmt.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil && cd.GetTypeName() != nil {
				out = append(out, newColumn{def: cd, table: table, key: keys[cd.GetColname()] || isKeyColumn(cd)})
			}
		}
	case *pg.Node_AlterTableStmt:
		st := n.AlterTableStmt
		if st.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
			return nil
		}
		table := pgast.RelName(st.GetRelation())
		for _, c := range st.GetCmds() {
			if cd := addedColumn(c.GetAlterTableCmd()); cd != nil && cd.GetTypeName() != nil {
				out = append(out, newColumn{def: cd, table: table, key: isKeyColumn(cd)})
			}
		}
	default:
	}
	return out
}

// isKeyColumn reports whether column cd is a key by its own definition:
// a serial type, an identity, a primary key or a reference, or the name
// id or *_id.
func isKeyColumn(cd *pg.ColumnDef) bool {
	typ, _ := pgast.TypeName(cd.GetTypeName())
	name := cd.GetColname()
	if isSerialType(typ) || name == "id" || strings.HasSuffix(name, "_id") {
		return true
	}
	for _, t := range []pg.ConstrType{pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_FOREIGN, pg.ConstrType_CONSTR_IDENTITY} {
		if columnConstraint(cd, t) != nil {
			return true
		}
	}
	return false
}

// typeWindow is how many bytes after a type name's start typeTokens
// scans first, and typeTokensUsed the most tokens its callers read (a
// qualifier, the type's words and its modifiers).
const typeWindow, typeTokensUsed = 256, 12

// typeTokens returns the scanner tokens of the current statement from
// type name tn's location on (at least the first typeTokensUsed of them), past a "pg_catalog." qualifier, and the
// file offset where the type name starts (the qualifier's, when there is
// one); nil when the location lies outside the statement.
func typeTokens(p *Pass, tn *pg.TypeName) ([]Token, int) {
	start := int(tn.GetLocation())
	if start < p.Stmt.Span.Start || start >= p.Stmt.Span.End {
		return nil, start
	}
	// A type name and its modifiers are a few tokens: scanning a window
	// after it, not the rest of the statement, keeps a CREATE TABLE of
	// many columns linear. The window's last token may be cut short, so
	// it is dropped; a window that does not scan (it ends inside a
	// literal or a comment) falls back to the rest of the statement.
	end := p.Stmt.Span.End
	var toks []Token
	if end-start > typeWindow {
		if toks = ScanTokens(p.File.Text[start:start+typeWindow], start); len(toks) > 0 {
			toks = toks[:len(toks)-1]
		}
	}
	if len(toks) < typeTokensUsed {
		toks = ScanTokens(p.File.Text[start:end], start)
	}
	if len(toks) > 2 && strings.EqualFold(p.Text(toks[0].Span), "pg_catalog") && p.Text(toks[1].Span) == "." {
		toks = toks[2:]
	}
	return toks, start
}

// typeWordsEdit returns the edit that replaces the leading words of type
// name tn, and any pg_catalog qualifier, with repl, in upper case when
// the first word was written in upper case. words are the lower-case words the type must start with
// (such as "character", "varying"); a type written otherwise (quoted, or
// spelt differently) gets no edit. The edit covers the words and, when
// withMods is set, the parenthesised modifiers after them.
func typeWordsEdit(p *Pass, tn *pg.TypeName, words []string, withMods bool, repl string) (Edit, bool) {
	toks, start := typeTokens(p, tn)
	if len(toks) < len(words) {
		return Edit{}, false
	}
	for i, w := range words {
		if strings.ToLower(p.Text(toks[i].Span)) != w {
			return Edit{}, false
		}
	}
	end := toks[len(words)-1].Span.End
	if rest := toks[len(words):]; withMods && len(rest) >= 3 && p.Text(rest[0].Span) == "(" {
		for _, t := range rest[1:] {
			if p.Text(t.Span) == ")" {
				end = t.Span.End
				break
			}
		}
	}
	first := p.Text(toks[0].Span)
	if first == strings.ToUpper(first) {
		repl = strings.ToUpper(repl)
	}
	return Edit{Start: start, End: end, NewText: repl}, true
}

// columnFinding is a column that a style rule reports, with the edit
// that fixes it, nil when pgsafe cannot make one.
type columnFinding struct {
	col  newColumn
	what string // how the message names the column: "id (serial)"
	edit *Edit
}

// reportColumns reports the columns a rule found in the current
// statement as one finding, at the type of the first, with one fix
// holding every column's edit when each has one. message receives what
// the findings name, joined: "id (serial), owner_id (integer)"; plural
// reports that there are several.
func reportColumns(p *Pass, found []columnFinding, title string, message func(names string, plural bool) string) {
	if len(found) == 0 {
		return
	}
	var names []string
	var edits []Edit
	for _, f := range found {
		names = append(names, f.what)
		if f.edit != nil {
			edits = append(edits, *f.edit)
		}
	}
	d := Diagnostic{
		Span:    p.At(found[0].col.def.GetTypeName().GetLocation()),
		Table:   Display(found[0].col.table),
		Message: message(strings.Join(names, ", "), len(found) > 1),
	}
	if len(edits) == len(found) {
		d.Fixes = []Fix{{Title: title, Safety: Unsafe, Edits: edits}}
	}
	p.Report(d)
}
