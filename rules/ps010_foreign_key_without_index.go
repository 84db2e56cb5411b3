package rules

import (
	"fmt"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// ForeignKeyWithoutIndex reports a foreign key whose referencing columns
// lead no index of the referencing table once the file has run (hazard
// catalog row 11).
func ForeignKeyWithoutIndex() *Rule {
	return &Rule{
		Code: "PS010", Name: "foreign-key-without-index", Severity: Hint, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "A foreign key whose referencing columns are not the leading columns of any index.",
			Why: "PostgreSQL does not index the referencing side of a foreign key by itself. Each DELETE from the " +
				"referenced table, and each UPDATE of its key, must find the referencing rows, and without an index " +
				"whose leading columns are the foreign key's columns that is a scan of the whole referencing table, " +
				"run once per deleted row and holding row locks meanwhile. ON DELETE CASCADE makes it worse. The rule " +
				"looks at the indexes the catalog knows at the end of the file, so an index created later in the same " +
				"file counts.",
			Bad: "ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;",
			Good: "CREATE INDEX CONCURRENTLY orders_account_id_idx ON orders (account_id); -- outside a transaction\n" +
				"ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;",
			Help:      "index the referencing columns: CREATE INDEX CONCURRENTLY ON <table> (<columns>) outside a transaction",
			Locks:     "None while the migration runs; afterwards every DELETE, and every key UPDATE, on the referenced table scans the whole referencing table.",
			FixSafety: "Display-only: the index is a separate, non-transactional statement.",
			Versions: "All versions. The rule reports only when the catalog knows the referencing table, from earlier " +
				"migrations or from this file.",
			CatalogRows: []int{11},
		},
		Check: checkForeignKeyWithoutIndex,
	}
}

// foreignKey is a foreign key that a statement adds.
type foreignKey struct {
	con  *pg.Constraint
	cols []string // the referencing columns
}

func checkForeignKeyWithoutIndex(p *Pass) {
	table, fks, creates := statementForeignKeys(p)
	if len(fks) == 0 || (!creates && !knownTable(p, table)) {
		return
	}
	end := catalogAtEnd(p)
	if end.Table(table) == nil {
		return // dropped or renamed later in the file
	}
	indexes := end.Indexes(table)
	// One finding for the statement, naming every foreign key that no
	// index leads with.
	var ds []Diagnostic
	var keys, parents, helps []string
	for _, fk := range fks {
		if len(fk.cols) == 0 || leadsAnIndex(fk.cols, indexes) {
			continue
		}
		cols := columnsSQL(fk.cols)
		help := fmt.Sprintf("CREATE INDEX CONCURRENTLY ON %s %s; outside a transaction", pgast.QuoteName(table), cols)
		if creates || p.IsNew(table) {
			help = fmt.Sprintf("CREATE INDEX ON %s %s; in this migration, while the table is still empty", pgast.QuoteName(table), cols)
		}
		parent := Display(pgast.RelName(fk.con.GetPktable()))
		keys = append(keys, fmt.Sprintf("%s (to %s)", strings.Join(fk.cols, ", "), parent))
		if !slices.Contains(parents, parent) {
			parents = append(parents, parent)
		}
		helps = append(helps, help)
		ds = append(ds, Diagnostic{
			Span: p.At(fk.con.GetLocation()),
			Message: fmt.Sprintf("no index on %s starts with %s, the columns of this foreign key: each DELETE from %s, "+
				"and each UPDATE of its key, scans all of %s for referencing rows",
				Display(table), strings.Join(fk.cols, ", "), parent, Display(table)),
			Help:  help,
			Table: Display(table),
			Fixes: []Fix{Recipe("Index the foreign key's columns")},
		})
	}
	if len(ds) < 2 {
		reportJoined(p, ds)
		return
	}
	p.Report(merged(ds, fmt.Sprintf("no index on %s starts with the columns of its foreign keys %s: each DELETE from %s, "+
		"and each UPDATE of their keys, scans all of %s for referencing rows",
		Display(table), nameList(keys), nameList(parents), Display(table)),
		strings.Join(helps, " "), []Fix{Recipe("Index the foreign keys' columns")}))
}

// statementForeignKeys returns the table that the statement adds foreign
// keys to, those keys, and whether the statement creates the table.
func statementForeignKeys(p *Pass) (table string, fks []foreignKey, creates bool) {
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		table, creates = pgast.RelName(n.CreateStmt.GetRelation()), true
		add := func(c *pg.Node, column string) {
			if con := c.GetConstraint(); con.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
				fks = append(fks, foreignKey{con, pgast.ConstraintColumns(con, column)})
			}
		}
		for _, e := range n.CreateStmt.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil {
				for _, c := range cd.GetConstraints() {
					add(c, cd.GetColname())
				}
			}
			add(e, "")
		}
		for _, c := range n.CreateStmt.GetConstraints() {
			add(c, "")
		}
	case *pg.Node_AlterTableStmt:
		table = pgast.RelName(n.AlterTableStmt.GetRelation())
		for _, a := range pgast.AddedConstraints(n.AlterTableStmt) {
			if a.Constraint.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
				fks = append(fks, foreignKey{a.Constraint, a.Columns()})
			}
		}
	default:
	}
	return table, fks, creates
}

// catalogAtEnd returns the catalog as it is once this statement and the
// rest of the file, in the statement's direction, have run. For an up
// statement that is the catalog the file's up statements leave, the same
// for all of them: it is computed once per file.
func catalogAtEnd(p *Pass) *schema.Catalog {
	s := p.fileState
	if p.Stmt.Direction == migration.Up && s.upEnd != nil {
		return s.upEnd
	}
	end := p.Catalog.Clone()
	for _, st := range p.File.Statements[p.Stmt.Index:] {
		if st.Direction == p.Stmt.Direction {
			end.Apply(st.Node, p.File.Path)
		}
	}
	if p.Stmt.Direction == migration.Up {
		s.upEnd = end
	}
	return end
}

// leadsAnIndex reports whether cols, in any order, are the leading columns
// of one of indexes, so that a lookup by cols can use it.
func leadsAnIndex(cols []string, indexes []*schema.Index) bool {
	want := map[string]bool{}
	for _, c := range cols {
		want[c] = true
	}
	for _, ix := range indexes {
		if len(ix.Columns) < len(cols) {
			continue
		}
		ok := true
		for _, c := range ix.Columns[:len(cols)] {
			if !want[c] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
