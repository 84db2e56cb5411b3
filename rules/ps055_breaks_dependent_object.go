package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// BreaksDependentObject reports DROP COLUMN, RENAME COLUMN, ALTER COLUMN
// TYPE, DROP TABLE and RENAME TABLE of something a view or function
// reads (hazard catalog row 38).
func BreaksDependentObject() *Rule {
	return &Rule{
		Code: "PS055", Name: "breaks-dependent-object", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "A dropped, renamed or retyped column or table that a view, materialized view or function reads.",
			Why: "PostgreSQL records what a view, a materialized view or a SQL-standard function body (BEGIN ATOMIC) " +
				"reads: dropping or retyping it fails, and DROP ... CASCADE silently drops the dependent with it, " +
				"taking away an object the application queries. A rename goes through, and the view follows it, but " +
				"its definition in the migration files still uses the old name. A function body written as a string " +
				"is not tracked at all: the change succeeds and the function fails at its next call. The finding " +
				"names each dependent with the file and line that created it; a dependent that the same migration " +
				"replaces or drops later is left out.",
			Bad: "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;\n" +
				"ALTER TABLE users DROP COLUMN email;",
			Good: "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;\n" +
				"-- later: drop the view first, and create it again without the column\n" +
				"DROP VIEW active_users;\n" +
				"ALTER TABLE users DROP COLUMN email;\n" +
				"CREATE VIEW active_users AS SELECT id FROM users WHERE active;",
			Help:        "drop or rewrite the dependent in the same migration, before the change, or keep the old column or table until nothing reads it",
			FixSafety:   "Display-only: rewriting a dependent is a design decision.",
			Versions:    "SQL-standard function bodies, which PostgreSQL tracks like views, exist from PostgreSQL 14.",
			CatalogRows: []int{38},
		},
		Check: checkBreaksDependentObject,
	}
}

// change is one change a statement makes that dependents may notice.
type change struct {
	table   *schema.Table
	col     *schema.Column // nil for the whole table
	kind    schema.ChangeKind
	cascade bool
	newName string // after a rename
}

func checkBreaksDependentObject(p *Pass) {
	// One finding for the statement: for each change, every dependent it
	// breaks, with what happens to it.
	var ds []Diagnostic
	var msgs []string
	var related []Related
	for _, ch := range dependentChanges(p) {
		num := 0
		if ch.col != nil {
			num = ch.col.Num
		}
		var parts []string
		for _, d := range p.Catalog.Dependents(ch.table.ID, num) {
			if d.Key == ch.table.Key || replacedLater(p, d) {
				continue
			}
			sev, outcome := dependentOutcome(ch, d)
			parts = append(parts, fmt.Sprintf("%s %s (%s:%d) reads: %s", d.Kind, Display(d.Name), d.File, d.Line, outcome))
			ds = append(ds, Diagnostic{Severity: sev, Table: Display(ch.table.Key)})
			related = appendDependent(related, p, d, changedName(ch))
		}
		if len(parts) > 0 {
			msgs = append(msgs, fmt.Sprintf("%s %s, which %s", ch.kind, changedName(ch), strings.Join(parts, "; which ")))
		}
	}
	if len(ds) == 0 {
		return
	}
	fix := []Fix{Recipe("Drop or rewrite the dependent first")}
	if len(ds) > 1 {
		fix = []Fix{Recipe("Drop or rewrite the dependents first")}
	}
	d := merged(ds, strings.Join(msgs, "; "), "", fix)
	if len(ds) == 1 {
		d.Message, d.Fixes = msgs[0], fix
	}
	d.Related = related
	p.Report(d)
}

// appendDependent adds to related the statement that created dependent
// d, which reads what, when the catalog knows its bytes; a dependent
// named twice (it reads two changed columns) is pointed at once.
func appendDependent(related []Related, p *Pass, d schema.Dependent, what string) []Related {
	if d.End <= d.Start {
		return related
	}
	rel := Related{Path: d.File, Span: sqlparse.Span{Start: d.Start, End: d.End}, Message: fmt.Sprintf("creates %s %s, which reads %s", d.Kind, Display(d.Name), what)}
	if rel.Path == p.File.Path {
		rel.Path = ""
	}
	for i, r := range related {
		if r.Path == rel.Path && r.Span == rel.Span {
			related[i].Message += ", " + what
			return related
		}
	}
	return append(related, rel)
}

// changedName names what a change is about: "users.email", "users".
func changedName(ch change) string {
	s := Display(ch.table.Key)
	if ch.col != nil {
		s += "." + ch.col.Name
	}
	if ch.newName != "" {
		s += " to " + ch.newName
	}
	return s
}

// dependentOutcome says what a change does to dependent d, and how bad it is.
func dependentOutcome(ch change, d schema.Dependent) (Severity, string) {
	rename := ch.kind == schema.ColumnRenamed || ch.kind == schema.TableRenamed
	switch {
	case d.Bound && rename:
		return Hint, "PostgreSQL makes it follow the rename, but its definition in that file still uses the old name, and running it again fails"
	case d.Bound && ch.cascade:
		return Error, "CASCADE drops the " + d.Kind + " too, under the code that queries it"
	case d.Bound:
		return Error, "the statement fails, since the " + d.Kind + " depends on it"
	case ch.kind == schema.ColumnRetyped:
		return Warning, "PostgreSQL does not track function bodies, so the change goes through and the function may now fail or compare values of the wrong type"
	default:
		return Error, "PostgreSQL does not track function bodies, so the change goes through and the function fails at its next call"
	}
}

// dependentChanges lists the drops, renames and type changes of the
// statement, on relations and columns the catalog knows.
func dependentChanges(p *Pass) []change {
	var out []change
	add := func(key, col string, kind schema.ChangeKind, cascade bool, newName string) {
		t := p.Catalog.Table(key)
		if t == nil {
			return
		}
		ch := change{table: t, kind: kind, cascade: cascade, newName: newName}
		if col != "" {
			if ch.col = t.Column(col); ch.col == nil {
				return
			}
		}
		out = append(out, ch)
	}
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_AlterTableStmt:
		key := pgast.RelName(n.AlterTableStmt.GetRelation())
		for _, c := range n.AlterTableStmt.GetCmds() {
			cmd := c.GetAlterTableCmd()
			switch cmd.GetSubtype() {
			case pg.AlterTableType_AT_DropColumn:
				add(key, cmd.GetName(), schema.ColumnDropped, cmd.GetBehavior() == pg.DropBehavior_DROP_CASCADE, "")
			case pg.AlterTableType_AT_AlterColumnType:
				add(key, cmd.GetName(), schema.ColumnRetyped, false, "")
			default:
			}
		}
	case *pg.Node_RenameStmt:
		key := pgast.RelName(n.RenameStmt.GetRelation())
		switch n.RenameStmt.GetRenameType() {
		case pg.ObjectType_OBJECT_COLUMN:
			add(key, n.RenameStmt.GetSubname(), schema.ColumnRenamed, false, n.RenameStmt.GetNewname())
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW:
			add(key, "", schema.TableRenamed, false, n.RenameStmt.GetNewname())
		default:
		}
	case *pg.Node_DropStmt:
		switch n.DropStmt.GetRemoveType() {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW:
			for _, key := range pgast.DropObjects(n.DropStmt) {
				add(key, "", schema.TableDropped, n.DropStmt.GetBehavior() == pg.DropBehavior_DROP_CASCADE, "")
			}
		default:
		}
	default:
	}
	return out
}

// replacedLater reports whether the current migration replaces or drops
// dependent d from this statement on (a DROP naming both the changed
// relation and its dependent included), so that d never runs broken.
func replacedLater(p *Pass, d schema.Dependent) bool {
	type replacement struct {
		index int  // of the statement
		drop  bool // a DROP, which counts from the current statement on
	}
	// The statements that replace or drop each relation (by key) and
	// each function (by signature), in order; found once for the file.
	replaced := fileIndex(p, "replaced-dependents", func() map[string][]replacement {
		out := map[string][]replacement{}
		add := func(key string, st *migration.Statement, drop bool) {
			out[key] = append(out[key], replacement{st.Index, drop})
		}
		for _, st := range p.File.Statements {
			switch n := st.Node.GetNode().(type) {
			case *pg.Node_ViewStmt:
				add("relation "+pgast.RelName(n.ViewStmt.GetView()), st, false)
			case *pg.Node_CreateTableAsStmt:
				add("relation "+pgast.RelName(n.CreateTableAsStmt.GetInto().GetRel()), st, false)
			case *pg.Node_CreateFunctionStmt:
				add("function "+schema.FunctionSignature(n.CreateFunctionStmt), st, false)
			case *pg.Node_DropStmt:
				for _, o := range n.DropStmt.GetObjects() {
					key := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
					if owa := o.GetObjectWithArgs(); owa != nil {
						key = pgast.QualifyName(pgast.Strings(owa.GetObjname()))
					}
					add("relation "+key, st, true)
				}
			default:
			}
		}
		return out
	})
	for _, k := range []string{"relation " + d.Key, "function " + d.Name} {
		rs := replaced[k]
		for i := len(rs) - 1; i >= 0 && rs[i].index >= p.Stmt.Index; i-- {
			if rs[i].index > p.Stmt.Index || rs[i].drop {
				return true
			}
		}
	}
	return false
}
