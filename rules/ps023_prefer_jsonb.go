package rules

import (
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// PreferJsonb reports columns of type json, in CREATE TABLE, ADD COLUMN or
// ALTER COLUMN TYPE (hazard catalog row 19).
func PreferJsonb() *Rule {
	return &Rule{
		Code: "PS023", Name: "prefer-jsonb", Severity: Hint, FixAvailability: FixAlways,
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

// jsonTypeEdit returns the edit that turns the type name json at tn's
// location into jsonb: the last name of the dotted name written there
// (json, JSON, "json", pg_catalog.json, "pg_catalog"."json", with
// comments or spaces around the dot). It returns false when that name is
// not json.
func jsonTypeEdit(p *Pass, tn *pg.TypeName) (Edit, bool) {
	start := int(tn.GetLocation())
	if start < p.Stmt.Span.Start || start >= p.Stmt.Span.End {
		return Edit{}, false
	}
	var last sqlparse.Span
	for i, t := range ScanTokens(p.File.Text[start:p.Stmt.Span.End], start) {
		if i%2 == 1 { // after a name: a dot goes on to the next name
			if p.File.Text[t.Span.Start:t.Span.End] != "." {
				break
			}
			continue
		}
		last = t.Span
	}
	name := p.File.Text[last.Start:last.End]
	switch {
	case name == `"json"`:
		return Insert(last.End-1, "b"), true
	case strings.EqualFold(name, "json"):
		b := "b"
		if name[len(name)-1] == 'N' {
			b = "B"
		}
		return Insert(last.End, b), true
	default:
		return Edit{}, false
	}
}
