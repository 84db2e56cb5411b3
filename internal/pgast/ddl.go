package pgast

import (
	"strings"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// AddedConstraint is a constraint that an ALTER TABLE subcommand adds: a
// table constraint (ADD CONSTRAINT) or a constraint written on a column
// that ADD COLUMN adds.
type AddedConstraint struct {
	Constraint *pg.Constraint
	// Column is the added column of a column constraint, nil for a table
	// constraint.
	Column *pg.ColumnDef
}

// Columns returns the columns the constraint is on: the key columns of a
// table constraint (the referencing columns of a foreign key), or the
// added column of a column constraint. It is empty for a table CHECK.
func (a AddedConstraint) Columns() []string {
	return ConstraintColumns(a.Constraint, a.Column.GetColname())
}

// ConstraintColumns returns the columns that con is on: its key columns,
// the referencing columns of a foreign key, or column when con is a
// column constraint written on column ("" for a table constraint).
func ConstraintColumns(con *pg.Constraint, column string) []string {
	cols := Strings(con.GetKeys())
	if con.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
		cols = Strings(con.GetFkAttrs())
	}
	if len(cols) == 0 && column != "" {
		cols = []string{column}
	}
	return cols
}

// SoleColumn returns the column that expr refers to when it refers to
// exactly one, else "". PostgreSQL names an unnamed CHECK constraint
// after that column ("t_c_check"), and after none ("t_check") when its
// expression uses several columns or none, even for a column constraint.
func SoleColumn(expr *pg.Node) string {
	if cols := ColumnRefs(expr); len(cols) == 1 {
		return cols[0]
	}
	return ""
}

// ColumnRefs returns the distinct columns that an expression refers to,
// in order of first use.
func ColumnRefs(expr *pg.Node) []string {
	var out []string
	Walk(expr, func(n *pg.Node) bool {
		if cr := n.GetColumnRef(); cr != nil {
			c := LastString(cr.GetFields())
			for _, o := range out {
				if o == c {
					return false
				}
			}
			out = append(out, c)
			return false
		}
		return true
	})
	return out
}

// AddedConstraints lists, in order, the constraints that the subcommands
// of st add, both ADD CONSTRAINT and those on columns of ADD COLUMN.
func AddedConstraints(st *pg.AlterTableStmt) []AddedConstraint {
	var out []AddedConstraint
	for _, n := range st.GetCmds() {
		cmd := n.GetAlterTableCmd()
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AddConstraint:
			if con := cmd.GetDef().GetConstraint(); con != nil {
				out = append(out, AddedConstraint{Constraint: con})
			}
		case pg.AlterTableType_AT_AddColumn:
			cd := cmd.GetDef().GetColumnDef()
			for _, c := range cd.GetConstraints() {
				if con := c.GetConstraint(); con != nil {
					out = append(out, AddedConstraint{Constraint: con, Column: cd})
				}
			}
		default:
		}
	}
	return out
}

// AlterCmds returns the subcommands of st that have the given subtype.
func AlterCmds(st *pg.AlterTableStmt, subtype pg.AlterTableType) []*pg.AlterTableCmd {
	var out []*pg.AlterTableCmd
	for _, n := range st.GetCmds() {
		if cmd := n.GetAlterTableCmd(); cmd != nil && cmd.GetSubtype() == subtype {
			out = append(out, cmd)
		}
	}
	return out
}

// ReindexConcurrent reports whether a REINDEX statement has the
// CONCURRENTLY option, written either way: REINDEX INDEX CONCURRENTLY i
// or REINDEX (CONCURRENTLY) INDEX i.
func ReindexConcurrent(st *pg.ReindexStmt) bool {
	for _, p := range st.GetParams() {
		if d := p.GetDefElem(); d != nil && d.GetDefname() == "concurrently" {
			return d.GetArg() == nil || !isFalse(d.GetArg())
		}
	}
	return false
}

func isFalse(n *pg.Node) bool {
	s, ok := ConstString(n)
	if !ok {
		s = n.GetString_().GetSval()
	}
	switch strings.ToLower(s) {
	case "false", "off", "0", "no":
		return true
	default:
		return false
	}
}

// Concurrently names the CONCURRENTLY form that node uses ("CREATE INDEX
// CONCURRENTLY", "DROP INDEX CONCURRENTLY", "REINDEX CONCURRENTLY",
// "DETACH PARTITION CONCURRENTLY"), and returns "" for any other
// statement. These forms cannot run inside a transaction block.
func Concurrently(node *pg.Node) string {
	switch n := node.GetNode().(type) {
	case *pg.Node_IndexStmt:
		if n.IndexStmt.GetConcurrent() {
			return "CREATE INDEX CONCURRENTLY"
		}
	case *pg.Node_DropStmt:
		if n.DropStmt.GetConcurrent() && n.DropStmt.GetRemoveType() == pg.ObjectType_OBJECT_INDEX {
			return "DROP INDEX CONCURRENTLY"
		}
	case *pg.Node_ReindexStmt:
		if ReindexConcurrent(n.ReindexStmt) {
			return "REINDEX CONCURRENTLY"
		}
	case *pg.Node_AlterTableStmt:
		for _, cmd := range AlterCmds(n.AlterTableStmt, pg.AlterTableType_AT_DetachPartition) {
			if cmd.GetDef().GetPartitionCmd().GetConcurrent() {
				return "DETACH PARTITION CONCURRENTLY"
			}
		}
	default:
	}
	return ""
}

// IndexColumns returns the key columns of an index statement in order,
// with "" for an expression.
func IndexColumns(st *pg.IndexStmt) []string {
	out := make([]string, 0, len(st.GetIndexParams()))
	for _, p := range st.GetIndexParams() {
		out = append(out, p.GetIndexElem().GetName())
	}
	return out
}

// DropObjects returns the "schema.name" keys of the objects a DROP
// statement names, qualified as QualifyName does.
func DropObjects(st *pg.DropStmt) []string {
	out := make([]string, 0, len(st.GetObjects()))
	for _, o := range st.GetObjects() {
		out = append(out, QualifyName(Strings(o.GetList().GetItems())))
	}
	return out
}

// QuoteIdent returns name as it must be written in SQL: unchanged when it
// is a lower-case identifier that is not a reserved word, else in double
// quotes.
func QuoteIdent(name string) string {
	if isSimpleIdent(name) && !isReservedWord(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// isSimpleIdent reports whether name matches [a-z_][a-z0-9_$]*, the
// identifiers SQL takes unquoted as they are.
func isSimpleIdent(name string) bool {
	if name == "" || !isLowerStart(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isLowerStart(c) && c != '$' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// isLowerStart reports whether c can start an unquoted lower-case name.
func isLowerStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') }

// reserved caches isReservedWord's answers: the same names come back
// in every statement that names a table's columns.
var reserved sync.Map // string -> bool

// isReservedWord reports whether word is a keyword that cannot be used as
// a plain column or table name, asking PostgreSQL's own scanner.
func isReservedWord(word string) bool {
	if v, ok := reserved.Load(word); ok {
		return v.(bool)
	}
	isReserved := false
	if res, err := pg.Scan(word); err == nil && len(res.GetTokens()) == 1 {
		switch res.GetTokens()[0].GetKeywordKind() {
		case pg.KeywordKind_NO_KEYWORD, pg.KeywordKind_UNRESERVED_KEYWORD:
		default:
			isReserved = true
		}
	}
	reserved.Store(word, isReserved)
	return isReserved
}

// QuoteName returns a "schema.name" key as SQL: quoted where needed, and
// without the schema when it is DefaultSchema.
func QuoteName(key string) string {
	schema, name, ok := strings.Cut(key, ".")
	if !ok {
		return QuoteIdent(key)
	}
	if schema == DefaultSchema {
		return QuoteIdent(name)
	}
	return QuoteIdent(schema) + "." + QuoteIdent(name)
}

// QuoteList returns names quoted and joined with ", ", as in a column
// list.
func QuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// SchemaOf returns the schema of a "schema.name" key, DefaultSchema when
// it has none.
func SchemaOf(key string) string {
	if i := strings.IndexByte(key, '.'); i > 0 {
		return key[:i]
	}
	return DefaultSchema
}

// ObjectName returns the name part of a "schema.name" key.
func ObjectName(key string) string {
	if i := strings.IndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// OutsideTransaction names the statement form that PostgreSQL refuses to
// run inside a transaction block on major version version
// (PreventInTransactionBlock): the CONCURRENTLY forms, VACUUM, CREATE and
// DROP DATABASE and TABLESPACE, ALTER SYSTEM, CLUSTER of every table,
// REINDEX SYSTEM and DATABASE, CREATE and DROP SUBSCRIPTION, DISCARD ALL,
// and ALTER TYPE ... ADD VALUE before PostgreSQL 12. It returns "" for a
// statement that can run in one.
func OutsideTransaction(node *pg.Node, version int) string {
	if form := Concurrently(node); form != "" {
		return form
	}
	switch n := node.GetNode().(type) {
	case *pg.Node_VacuumStmt:
		if n.VacuumStmt.GetIsVacuumcmd() {
			return "VACUUM"
		}
	case *pg.Node_CreatedbStmt:
		return "CREATE DATABASE"
	case *pg.Node_DropdbStmt:
		return "DROP DATABASE"
	case *pg.Node_CreateTableSpaceStmt:
		return "CREATE TABLESPACE"
	case *pg.Node_DropTableSpaceStmt:
		return "DROP TABLESPACE"
	case *pg.Node_AlterSystemStmt:
		return "ALTER SYSTEM"
	case *pg.Node_ClusterStmt:
		if n.ClusterStmt.GetRelation() == nil {
			return "CLUSTER without a table"
		}
	case *pg.Node_ReindexStmt:
		switch n.ReindexStmt.GetKind() {
		case pg.ReindexObjectType_REINDEX_OBJECT_SYSTEM, pg.ReindexObjectType_REINDEX_OBJECT_DATABASE:
			return "REINDEX SYSTEM or DATABASE"
		default:
		}
	case *pg.Node_CreateSubscriptionStmt:
		return "CREATE SUBSCRIPTION"
	case *pg.Node_DropSubscriptionStmt:
		return "DROP SUBSCRIPTION"
	case *pg.Node_DiscardStmt:
		if n.DiscardStmt.GetTarget() == pg.DiscardMode_DISCARD_ALL {
			return "DISCARD ALL"
		}
	case *pg.Node_AlterEnumStmt:
		if version < 12 && n.AlterEnumStmt.GetNewVal() != "" && n.AlterEnumStmt.GetOldVal() == "" {
			return "ALTER TYPE ... ADD VALUE"
		}
	default:
	}
	return ""
}

// EndsTransactions reports whether node may commit or roll back the
// transaction it runs in from inside: a procedure (CALL), or a DO block
// whose body holds COMMIT or ROLLBACK. PostgreSQL allows that only
// outside a transaction block, so such a statement cannot be wrapped in
// one.
func EndsTransactions(node *pg.Node) bool {
	switch n := node.GetNode().(type) {
	case *pg.Node_CallStmt:
		return true
	case *pg.Node_DoStmt:
		for _, a := range n.DoStmt.GetArgs() {
			d := a.GetDefElem()
			if d.GetDefname() != "as" {
				continue
			}
			body := d.GetArg().GetString_().GetSval()
			res, err := pg.Scan(body)
			if err != nil {
				return true // cannot tell: assume it may
			}
			for _, t := range res.GetTokens() {
				if t.GetToken() == pg.Token_COMMIT || t.GetToken() == pg.Token_ROLLBACK {
					return true
				}
			}
		}
	default:
	}
	return false
}
