// Package seed fills tables with generated rows, so that the statements
// of a migration scan, check and rewrite real data. Values are generated
// from each column's type as the catalog gives it, row n of every table
// from the number n, so that two databases with the same schema get the
// same rows.
package seed

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Filled is a table that got rows. The JSON reports of trace and fix
// --verify list it as it is.
type Filled struct {
	Table string `json:"table"` // "schema.name"
	Rows  int64  `json:"rows"`
}

// Skipped is a table that could not be filled, with the reason.
type Skipped struct {
	Table  string `json:"table"`
	Reason string `json:"reason"`
}

// Report says what Fill did.
type Report struct {
	Filled  []Filled
	Skipped []Skipped
}

// Seeder fills the empty tables it has not tried yet, Rows rows each.
type Seeder struct {
	Rows  int
	tried map[uint32]bool
}

// New returns a Seeder that fills tables with rows rows each.
func New(rows int) *Seeder { return &Seeder{Rows: rows, tried: map[uint32]bool{}} }

// Fill fills every user table on conn that it has not tried before and
// that has no rows, referenced tables before the tables that reference
// them, and adds what it did to rep. A table it cannot fill is skipped,
// with the reason, and tried no more; conn must not be in a transaction.
func (s *Seeder) Fill(ctx context.Context, conn *pgx.Conn, rep *Report) error {
	tables, err := readTables(ctx, conn)
	if err != nil {
		return err
	}
	for _, t := range order(tables) {
		if s.tried[t.oid] {
			continue
		}
		s.tried[t.oid] = true
		empty, err := isEmpty(ctx, conn, t.name)
		if err != nil {
			return err
		}
		if !empty {
			continue
		}
		filled := map[uint32]bool{}
		for _, fk := range t.fks {
			if ref := tables[fk.ref]; ref != nil && fk.ref != t.oid {
				if empty, err := isEmpty(ctx, conn, ref.name); err != nil {
					return err
				} else if !empty {
					filled[fk.ref] = true
				}
			}
		}
		sql, why := insertSQL(t, tables, filled, s.Rows)
		if why == "" {
			var tag pgconn.CommandTag
			if tag, err = conn.Exec(ctx, sql); err == nil {
				_, err = conn.Exec(ctx, "ANALYZE "+t.name)
			}
			if err == nil {
				rep.Filled = append(rep.Filled, Filled{t.display, tag.RowsAffected()})
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			why = firstLine(err)
		}
		rep.Skipped = append(rep.Skipped, Skipped{t.display, why})
	}
	return nil
}

func isEmpty(ctx context.Context, conn *pgx.Conn, table string) (bool, error) {
	var has bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM "+table+")").Scan(&has)
	return !has, err
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// table is a user table and what generating rows for it needs.
type table struct {
	oid     uint32
	name    string // quoted "schema"."name", ready for SQL
	display string // schema.name
	columns []*column
	fks     []*foreignKey
}

// column is a column that rows need a value for.
type column struct {
	name     string // quoted
	typ      string // format_type, ready for a cast
	typName  string // the base type's name, such as "int4" or "uuid"
	category string // pg_type.typcategory of the base type
	notNull  bool
	enum     bool
	// skip says the column takes its default or is generated.
	skip bool
}

// foreignKey is a foreign key of a table: columns of it reference
// columns of table ref.
type foreignKey struct {
	cols    []string // quoted, of the table
	ref     uint32
	refCols []string // quoted, of ref
}

// readTables reads the user tables that are not partitions, with their
// columns and foreign keys.
func readTables(ctx context.Context, conn *pgx.Conn) (map[uint32]*table, error) {
	tables := map[uint32]*table{}
	rows, err := conn.Query(ctx, `
		SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), n.nspname || '.' || c.relname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
			AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		t := &table{}
		if err := rows.Scan(&t.oid, &t.name, &t.display); err != nil {
			rows.Close()
			return nil, err
		}
		tables[t.oid] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.Query(ctx, `
		SELECT a.attrelid, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
			bt.typname, bt.typcategory, a.attnotnull, bt.typtype = 'e',
			a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
		FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
		WHERE a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attrelid, a.attnum`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid uint32
		c := &column{}
		if err := rows.Scan(&oid, &c.name, &c.typ, &c.typName, &c.category, &c.notNull, &c.enum, &c.skip); err != nil {
			rows.Close()
			return nil, err
		}
		if t := tables[oid]; t != nil {
			t.columns = append(t.columns, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.Query(ctx, `
		SELECT c.conrelid, c.confrelid,
			array(SELECT quote_ident(attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n ORDER BY k.i),
			array(SELECT quote_ident(attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n ORDER BY k.i)
		FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		fk := &foreignKey{}
		var from uint32
		if err := rows.Scan(&from, &fk.ref, &fk.cols, &fk.refCols); err != nil {
			rows.Close()
			return nil, err
		}
		if t := tables[from]; t != nil {
			t.fks = append(t.fks, fk)
		}
	}
	return tables, rows.Err()
}

// order returns the tables with each after the tables its foreign keys
// reference, as far as cycles allow, and by name otherwise.
func order(tables map[uint32]*table) []*table {
	var names []*table
	for _, t := range tables {
		names = append(names, t)
	}
	sort.Slice(names, func(i, j int) bool { return names[i].display < names[j].display })
	var out []*table
	state := map[uint32]int{} // 1 visiting, 2 done
	var visit func(t *table)
	visit = func(t *table) {
		if state[t.oid] != 0 {
			return
		}
		state[t.oid] = 1
		for _, fk := range t.fks {
			if ref := tables[fk.ref]; ref != nil && ref != t {
				visit(ref)
			}
		}
		state[t.oid] = 2
		out = append(out, t)
	}
	for _, t := range names {
		visit(t)
	}
	return out
}

// errNoValue is returned by value for a type it cannot generate.
var errNoValue = errors.New("no generated value")

// insertSQL returns the INSERT that fills t with rows rows, or why t
// cannot be filled. The columns of a foreign key to a table in filled
// take that table's rows in turn; those of any other foreign key stay
// NULL, and the table cannot be filled when they may not be.
func insertSQL(t *table, tables map[uint32]*table, filled map[uint32]bool, rows int) (string, string) {
	fkCol := map[string]string{}
	var joins []string
	for i, fk := range t.fks {
		if !filled[fk.ref] {
			for _, c := range fk.cols {
				if notNull(t, c) {
					return "", fmt.Sprintf("column %s references %s, which has no rows", c, tables[fk.ref].display)
				}
			}
			continue
		}
		ref := tables[fk.ref].name
		alias := fmt.Sprintf("f%d", i)
		cols := make([]string, len(fk.refCols))
		for j, c := range fk.refCols {
			cols[j] = fmt.Sprintf("%s AS c%d", c, j)
			fkCol[fk.cols[j]] = fmt.Sprintf("%s.c%d", alias, j)
		}
		joins = append(joins, fmt.Sprintf(
			"JOIN (SELECT %s, row_number() OVER () AS rn FROM %s) %s ON %s.rn = (g - 1) %% (SELECT count(*) FROM %s) + 1",
			strings.Join(cols, ", "), ref, alias, alias, ref))
	}
	var names, values []string
	for _, c := range t.columns {
		if v, ok := fkCol[c.name]; ok {
			names, values = append(names, c.name), append(values, v)
			continue
		}
		if c.skip || isForeignKeyColumn(t, c.name) {
			continue
		}
		v, err := value(c)
		switch {
		case err == nil:
			names, values = append(names, c.name), append(values, v)
		case c.notNull:
			return "", fmt.Sprintf("no value can be generated for column %s of type %s", c.name, c.typ)
		default:
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("INSERT INTO %s SELECT FROM generate_series(1, %d) g", t.name, rows), ""
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %d) g %s",
		t.name, strings.Join(names, ", "), strings.Join(values, ", "), rows, strings.Join(joins, " ")), ""
}

func isForeignKeyColumn(t *table, name string) bool {
	for _, fk := range t.fks {
		for _, c := range fk.cols {
			if c == name {
				return true
			}
		}
	}
	return false
}

func notNull(t *table, name string) bool {
	for _, c := range t.columns {
		if c.name == name {
			return c.notNull
		}
	}
	return false
}

// value returns an SQL expression of row number g for column c, distinct
// for each g where the type allows, or errNoValue.
func value(c *column) (string, error) {
	cast := func(expr string) string { return "(" + expr + ")::" + c.typ }
	if c.enum {
		return fmt.Sprintf("(enum_range(NULL::%[1]s))[1 + g %% array_length(enum_range(NULL::%[1]s), 1)]::%[1]s", c.typ), nil
	}
	switch c.typName {
	case "int2":
		return cast("g % 32767"), nil
	case "uuid":
		return cast("md5(g::text)"), nil
	case "json", "jsonb":
		return cast("json_build_object('n', g)"), nil
	case "bytea":
		return cast("convert_to(g::text, 'UTF8')"), nil
	case "bool":
		return cast("g % 2 = 0"), nil
	case "date":
		return cast("date '2000-01-01' + g"), nil
	case "money":
		return cast("g::numeric"), nil
	case "xml":
		return cast("'<n>' || g || '</n>'"), nil
	case "tsvector":
		return cast("to_tsvector('simple', 'w' || g)"), nil
	case "point":
		return cast("point(g, g)"), nil
	case "inet", "cidr":
		return cast("'10.0.0.0'::inet + g"), nil
	default:
	}
	switch c.category {
	case "N":
		return cast("g"), nil
	case "S":
		return cast("'v' || g"), nil
	case "D":
		return cast("timestamp '2000-01-01' + g * interval '1 second'"), nil
	case "T":
		return cast("g * interval '1 second'"), nil
	case "A":
		return cast("'{}'"), nil
	default:
		return "", errNoValue
	}
}
