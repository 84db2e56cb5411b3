package rules

import (
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferJsonb reports columns of type json, in CREATE TABLE, ADD COLUMN or
// ALTER COLUMN TYPE (hazard catalog row 19).
func PreferJsonb() *Rule {
	return &Rule{
		Code: "PS023", Name: "prefer-jsonb", Severity: Hint, Fixable: true,
		Doc: Doc{
			Summary: "A column of type json rather than jsonb.",
			Why: "json stores the text as written and re-parses it on every access. It has no equality operator, so " +
				"SELECT DISTINCT, GROUP BY, UNION and = on the column fail, and it cannot be indexed with GIN. jsonb is " +
				"parsed once, compares by value and supports containment operators and indexes.",
			Bad:  "CREATE TABLE events (id bigint PRIMARY KEY, payload json);",
			Good: "CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);",
			Help: "use jsonb, unless the application needs the exact text back (key order, duplicate keys, whitespace)",
			FixSafety: "Unsafe: replaces json with jsonb in the type name. jsonb drops duplicate keys, reorders keys and " +
				"normalises whitespace, so check that no code depends on the exact text.",
			CatalogRows: []int{19},
		},
		Check: checkPreferJsonb,
	}
}

func checkPreferJsonb(p *Pass) {
	// One finding for the statement, naming every json column; its fix
	// edits them all, or is left out when one cannot be edited.
	var ds []Diagnostic
	var cols []string
	var edits []Edit
	fixable := true
	add := func(column string, tn *pg.TypeName, table string) {
		typ, _ := pgast.TypeName(tn)
		if typ != "json" && typ != "json[]" {
			return
		}
		cols = append(cols, column)
		ds = append(ds, Diagnostic{Span: p.At(tn.GetLocation()), Table: Display(table)})
		e, ok := jsonTypeEdit(p, tn)
		fixable = fixable && ok
		edits = append(edits, e)
	}
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		table := pgast.RelName(n.CreateStmt.GetRelation())
		for _, e := range n.CreateStmt.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil {
				add(cd.GetColname(), cd.GetTypeName(), table)
			}
		}
	case *pg.Node_AlterTableStmt:
		table := pgast.RelName(n.AlterTableStmt.GetRelation())
		for _, c := range n.AlterTableStmt.GetCmds() {
			cmd := c.GetAlterTableCmd()
			cd := cmd.GetDef().GetColumnDef()
			switch cmd.GetSubtype() {
			case pg.AlterTableType_AT_AddColumn:
				add(cd.GetColname(), cd.GetTypeName(), table)
			case pg.AlterTableType_AT_AlterColumnType:
				add(cmd.GetName(), cd.GetTypeName(), table)
			default:
			}
		}
	default:
	}
	if len(ds) == 0 {
		return
	}
	d := merged(ds, "", "", nil)
	d.Message = "column " + cols[0] + " is json: it has no equality operator (DISTINCT, GROUP BY and = fail) and is re-parsed on every access; jsonb is not"
	if len(cols) > 1 {
		d.Message = "columns " + nameList(cols) + " are json: json has no equality operator (DISTINCT, GROUP BY and = fail) and is re-parsed on every access; jsonb is not"
	}
	if fixable {
		sort.Slice(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
		d.Fixes = []Fix{{Title: "Use jsonb", Safety: Unsafe, Edits: edits}}
	}
	p.Report(d)
}

// jsonTypeEdit returns the edit that turns the type name json, written at
// tn's location as json, JSON or "json" (optionally after pg_catalog.),
// into jsonb. It returns false when the text there is anything else.
func jsonTypeEdit(p *Pass, tn *pg.TypeName) (Edit, bool) {
	start := int(tn.GetLocation())
	if start < p.Stmt.Span.Start || start >= p.Stmt.Span.End {
		return Edit{}, false
	}
	text := p.File.Text[start:p.Stmt.Span.End]
	if strings.HasPrefix(strings.ToLower(text), "pg_catalog.") {
		start += len("pg_catalog.")
		text = text[len("pg_catalog."):]
	}
	word := "json"
	if strings.HasPrefix(text, `"json"`) {
		return Insert(start+len(`"json`), "b"), true
	}
	if len(text) < len(word) || !strings.EqualFold(text[:len(word)], word) {
		return Edit{}, false
	}
	if len(text) > len(word) && isIdentByte(text[len(word)]) {
		return Edit{}, false
	}
	b := "b"
	if text[len(word)-1] == 'N' {
		b = "B"
	}
	return Insert(start+len(word), b), true
}

// isIdentByte reports whether c can continue an unquoted SQL identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
