package rules

import (
	"fmt"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// ColumnTypeChange reports ALTER COLUMN ... TYPE on an existing table
// unless the change is binary-compatible (hazard catalog rows 20 and 21).
func ColumnTypeChange() *Rule {
	return &Rule{
		Code: "PS024", Name: "column-type-change", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ALTER COLUMN ... TYPE that rewrites an existing table.",
			Why: "Unless the old and new types are binary-compatible, PostgreSQL rewrites every row and rebuilds every " +
				"index of the table while it holds ACCESS EXCLUSIVE: no one can read or write the table until it " +
				"finishes, and the planner statistics for the column are lost until the next ANALYZE. int to bigint is " +
				"such a change. Binary-compatible changes only update the catalog: varchar(n) to varchar(m >= n), to " +
				"unconstrained varchar or to text; text to unconstrained varchar; numeric(p,s) to numeric(q >= p,s) or " +
				"to unconstrained numeric; cidr to inet; a higher timestamp or time precision; and, from PostgreSQL " +
				"12, timestamp to timestamptz and back when the session TimeZone is UTC. pgsafe takes the old type from " +
				"the earlier migrations; it treats any USING clause as a rewrite (PostgreSQL skips the rewrite only " +
				"when the expression reduces to the column itself).",
			Bad: "ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;",
			Good: "ALTER TABLE accounts ADD COLUMN balance_pgsafe_new bigint;\n" +
				"-- a BEFORE INSERT OR UPDATE trigger sets balance_pgsafe_new from balance on every write;\n" +
				"-- backfill balance_pgsafe_new in batches of the primary key, each committed on its own;\n" +
				"-- then, in one short transaction with a lock_timeout:\n" +
				"BEGIN;\n" +
				"SET LOCAL lock_timeout = '2s';\n" +
				"DROP TRIGGER zz_pgsafe_sync_balance ON accounts;\n" +
				"DROP FUNCTION accounts_balance_pgsafe_sync();\n" +
				"ALTER TABLE accounts RENAME COLUMN balance TO balance_pgsafe_old;\n" +
				"ALTER TABLE accounts RENAME COLUMN balance_pgsafe_new TO balance;\n" +
				"ALTER TABLE accounts DROP COLUMN balance_pgsafe_old;\n" +
				"COMMIT;\n" +
				"ANALYZE accounts (balance);",
			Help: "add a new column of the new type, keep it in sync with a trigger, backfill it in batches, build its " +
				"indexes concurrently, then swap the names in one short transaction and ANALYZE the table",
			Locks: "ACCESS EXCLUSIVE on the table while it and its indexes are rewritten: every query on the table waits, reads included.",
			FixSafety: "Unsafe: the change is no longer atomic, and needs no deploy in between, since the column keeps its " +
				"name and code keeps sending the values it sends. A lone ALTER COLUMN ... TYPE [USING ...] of a table " +
				"whose single-column primary key the catalog knows becomes: a new column `<col>_pgsafe_new` of the new " +
				"type; a BEFORE INSERT OR UPDATE trigger (named `zz_pgsafe_sync_<col>`, so that it fires after the " +
				"table's other BEFORE triggers) that sets it from the column, through the USING expression when there " +
				"is one, on every write; a backfill in batches of batch-size rows of the primary key, each committed " +
				"on its own; the column's indexes built again CONCURRENTLY on the new column (a UNIQUE or PRIMARY KEY " +
				"constraint's too); its CHECK and FOREIGN KEY constraints, and for a NOT NULL column a CHECK (... IS " +
				"NOT NULL), added NOT VALID and validated (a constraint that was NOT VALID stays so); then one short " +
				"transaction with a lock_timeout that drops the trigger and its function, renames the column to " +
				"`<col>_pgsafe_old` and the new one to `<col>`, hands a serial column's sequence to the new column, " +
				"drops the old column (and with it its indexes and constraints), gives the new one the old default " +
				"and NOT NULL (whose scan the validated CHECK skips), attaches the UNIQUE and PRIMARY KEY constraints " +
				"with USING INDEX, gives the indexes and constraints their names, and creates again the views that read " +
				"the column (dropped at its start, since they would stop the old column's drop); and ANALYZE of the column. " +
				"With type-change-drop = \"contract\" in the config, the swap keeps the old column instead, as " +
				"`<col>_pgsafe_old`, made nullable and stripped of its default, indexes and constraints (whose names the " +
				"new column's take), so that writes, which name the new column, never fail on it; a contract migration of " +
				"the file's tool, named to run after the file and headed by `-- pgsafe:contract after <file>`, drops it in " +
				"a later release (display-only when the tool cannot add that migration). " +
				"The original fails when a view reads the column; the rewrite does what dropping and creating the views " +
				"around it by hand would. The " +
				"primary key itself is rewritten this way unless foreign keys reference it. What changes for users: " +
				"the column moves to the end of the table (SELECT * and INSERT without a column list see another " +
				"order); until the swap, a write whose value the new type cannot hold fails, where the original ALTER " +
				"would have failed instead; the backfill's UPDATEs fire the table's other UPDATE triggers and leave a " +
				"dead version of every row for VACUUM; column privileges, statistics targets and comments on the " +
				"column, and the privileges, comments and rules of the views created again, are not carried over; nor is " +
				"what the catalog does not track: a policy, rule or trigger that names the column makes the swap's DROP " +
				"COLUMN fail (and the swap roll back), and extended statistics go with the old column. If a step fails, what the earlier steps made stays: drop the trigger, " +
				"its function and the new column before running the migration again. Display-only, saying why, when " +
				"the statement does more than the type change, when the catalog does not know the table, its primary " +
				"key, the column or how its indexes and constraints are defined, for identity and generated columns and a column that a generated column reads, " +
				"for a column that foreign keys reference, an EXCLUDE constraint uses, or a materialized view or " +
				"SQL-standard function body reads, for a view that reads the column through *, that other views read, " +
				"or that a rename or ALTER VIEW changed since its CREATE VIEW, when the file drops a view before the " +
				"change and creates it after (the rewrite would leave it missing during the backfill: leave both out), " +
				"for a partitioned table, and on PostgreSQL 11 for a NOT NULL column.",
			Versions: "All versions. timestamp to timestamptz (and back) avoids the rewrite from PostgreSQL 12, and only " +
				"when the session TimeZone is UTC. The rewrite of a NOT NULL column needs PostgreSQL 12, where a " +
				"validated CHECK lets SET NOT NULL skip its scan.",
			CatalogRows: []int{20, 21},
		},
		Check: checkColumnTypeChange,
	}
}

func checkColumnTypeChange(p *Pass) {
	var ds []Diagnostic // one finding for the statement, naming every column
	table, cmds := existingTableAlter(p)
	for _, cmd := range cmds {
		if cmd.GetSubtype() != pg.AlterTableType_AT_AlterColumnType {
			continue
		}
		cd := cmd.GetDef().GetColumnDef()
		newType, newMods := pgast.TypeName(cd.GetTypeName())
		mode := cmdLock(p, cmd)
		head := fmt.Sprintf("ALTER COLUMN %s TYPE %s", cmd.GetName(), sqlType(newType, newMods))
		d := Diagnostic{
			Span:  p.At(cd.GetLocation()),
			Lock:  mode,
			Table: Display(table),
			Fixes: []Fix{typeChangeFix(p, table, cmd)},
		}
		var col *schema.Column
		if t := p.Catalog.Table(table); t != nil {
			col = t.Column(cmd.GetName())
		}
		switch {
		case cd.GetRawDefault() != nil:
			d.Message = fmt.Sprintf("%s USING ... rewrites the table: a USING clause recomputes every row; it %s",
				head, rewriteImpact(p, mode, table))
		case col == nil:
			d.Message = fmt.Sprintf("%s rewrites the table unless the change is binary-compatible (%s); pgsafe does not know the column's current type; a rewrite %s",
				head, compatibleSources(newType, newMods), rewriteImpact(p, mode, table))
		default:
			if !describeTypeChange(p, &d, head, col, newType, newMods, table, mode) {
				continue
			}
		}
		ds = append(ds, d)
	}
	reportJoined(p, ds)
}

// describeTypeChange fills in d for a change of col to newType(newMods)
// whose old type the catalog knows, and returns false when the change
// needs no report.
func describeTypeChange(p *Pass, d *Diagnostic, head string, col *schema.Column, newType string, newMods []int32, table string, mode locks.Mode) bool {
	from := sqlType(col.Type, col.Mods)
	switch typeChangeKind(col.Type, col.Mods, newType, newMods) {
	case changeCompatible:
		return false
	case changeOpclass:
		var ixs []string
		for _, ix := range p.Catalog.Indexes(table) {
			for _, c := range ix.Columns {
				if c == col.Name {
					ixs = append(ixs, ix.Name)
					break
				}
			}
		}
		if len(ixs) == 0 {
			return false
		}
		d.Message = fmt.Sprintf("%s (from %s) does not rewrite the table but rebuilds the indexes on %s (%s), whose operator class changes; it %s",
			head, from, col.Name, strings.Join(ixs, ", "), LockImpact(mode, table, "while the indexes rebuild"))
		d.Help = "build new indexes concurrently with the new type's operator class and drop the old ones, or accept the rebuild on a small table"
		d.Fixes = nil
	case changeTimeZone:
		if p.Options.PGVersion < 12 {
			d.Message = fmt.Sprintf("%s (from %s) rewrites the table before PostgreSQL 12; it %s",
				head, from, rewriteImpact(p, mode, table))
			return true
		}
		d.Severity = Warning
		d.Message = fmt.Sprintf("%s (from %s) skips the rewrite only if the session TimeZone is UTC; in any other time zone it rewrites the table and %s",
			head, from, rewriteImpact(p, mode, table))
		d.Help = "run SET LOCAL TimeZone = 'UTC' in the same transaction before the ALTER, with a lock_timeout"
		d.Fixes = []Fix{Recipe("Set TimeZone to UTC for the migration")}
	default:
		d.Message = fmt.Sprintf("%s (from %s) rewrites the table: the types are not binary-compatible; it %s",
			head, from, rewriteImpact(p, mode, table))
	}
	return true
}

// typeChange classifies a column type change.
type typeChange int

// The kinds of type change.
const (
	changeRewrite    typeChange = iota // rewrites the table and its indexes
	changeCompatible                   // catalog-only
	changeOpclass                      // catalog-only, but indexes on the column are rebuilt
	changeTimeZone                     // catalog-only from 12 when TimeZone is UTC
)

// typeChangeKind classifies changing a column of type from(fromMods) to
// to(toMods), type names as from pgast.TypeName, following PostgreSQL's
// binary-coercible casts and the length-coercion support functions that
// ATColumnChangeRequiresRewrite sees through.
func typeChangeKind(from string, fromMods []int32, to string, toMods []int32) typeChange {
	switch {
	case from == to:
		return sameTypeChange(from, fromMods, toMods)
	case from == "varchar" && to == "text",
		from == "text" && to == "varchar" && len(toMods) == 0,
		from == "cidr" && to == "inet":
		return changeCompatible
	case (from == "citext" && to == "text") || (from == "text" && to == "citext"),
		from == "varchar" && to == "citext",
		from == "citext" && to == "varchar" && len(toMods) == 0:
		return changeOpclass
	case (from == "timestamp" && to == "timestamptz") || (from == "timestamptz" && to == "timestamp"):
		if precisionKept(fromMods, toMods) {
			return changeTimeZone
		}
		return changeRewrite
	default:
		return changeRewrite
	}
}

// sameTypeChange classifies a change of type modifiers only.
func sameTypeChange(typ string, fromMods, toMods []int32) typeChange {
	if len(toMods) == 0 || equalMods(fromMods, toMods) {
		return changeCompatible // no length coercion is applied
	}
	switch typ {
	case "varchar", "varbit":
		if len(fromMods) > 0 && toMods[0] >= fromMods[0] {
			return changeCompatible
		}
	case "numeric":
		if len(fromMods) > 0 && toMods[0] >= fromMods[0] && modAt(toMods, 1) == modAt(fromMods, 1) {
			return changeCompatible
		}
	case "timestamp", "timestamptz", "time", "timetz":
		if precisionKept(fromMods, toMods) {
			return changeCompatible
		}
	default:
	}
	return changeRewrite
}

// precisionKept reports whether a temporal precision change from fromMods
// to toMods loses nothing: the new precision is unconstrained, the
// maximum (6), or no lower than a constrained old one.
func precisionKept(fromMods, toMods []int32) bool {
	if len(toMods) == 0 || toMods[0] >= 6 {
		return true
	}
	return len(fromMods) > 0 && toMods[0] >= fromMods[0]
}

func equalMods(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// modAt returns the i-th type modifier, 0 when absent (numeric's scale).
func modAt(mods []int32, i int) int32 {
	if i < len(mods) {
		return mods[i]
	}
	return 0
}

// compatibleSources says which old types make a change to to(toMods)
// binary-compatible, for when the catalog does not know the old type.
func compatibleSources(to string, toMods []int32) string {
	switch to {
	case "text":
		return "the column is varchar or already text"
	case "varchar":
		if len(toMods) == 0 {
			return "the column is text or varchar"
		}
		return fmt.Sprintf("the column is varchar(n) with n <= %d", toMods[0])
	case "numeric":
		if len(toMods) == 0 {
			return "the column is numeric"
		}
		return fmt.Sprintf("the column is numeric with precision <= %d and scale %d", toMods[0], modAt(toMods, 1))
	case "inet":
		return "the column is cidr or already inet"
	case "timestamp", "timestamptz":
		return "the column already is " + to + " with no higher precision, or is the other of timestamp and timestamptz and the session TimeZone is UTC"
	case "time", "timetz":
		return "the column already is " + to + " with no higher precision"
	default:
		return "the column already is " + sqlType(to, toMods)
	}
}

// sqlType writes a type as SQL users know it: "integer" for int4,
// "varchar(40)" with its modifiers.
func sqlType(name string, mods []int32) string {
	base, array := strings.CutSuffix(name, "[]")
	switch base {
	case "int2":
		base = "smallint"
	case "int4":
		base = "integer"
	case "int8":
		base = "bigint"
	case "float4":
		base = "real"
	case "float8":
		base = "double precision"
	case "bool":
		base = "boolean"
	case "bpchar":
		base = "char"
	default:
	}
	if len(mods) > 0 {
		parts := make([]string, len(mods))
		for i, m := range mods {
			parts[i] = strconv.Itoa(int(m))
		}
		base += "(" + strings.Join(parts, ",") + ")"
	}
	if array {
		base += "[]"
	}
	return base
}
