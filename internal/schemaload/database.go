package schemaload

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// FromDatabase reads the schema of the database at url (a postgres://
// URL or a key=value connection string) and replays it into a new
// catalog. It asks PostgreSQL for the DDL of every user object (tables
// with their columns, constraints, indexes, views, materialized views,
// functions, sequences, enums and schemas; not those of extensions),
// writes it as the statements pg_dump would, in an order that creates
// what an object reads before the object, and replays that text as
// FromDump does. Objects are named after url's database in their File.
func FromDatabase(ctx context.Context, url string) (*schema.Catalog, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var b strings.Builder
	for _, step := range []func(context.Context, *pgx.Conn, *strings.Builder) error{
		schemas, enums, sequences, tables, constraints, indexes, partitions, views, functions, sequenceOwners,
	} {
		if err := step(ctx, conn, &b); err != nil {
			return nil, err
		}
	}
	name := "database " + conn.Config().Database
	return FromDump(name, b.String())
}

// userSchema is the condition, on a pg_namespace n, for the schemas of
// user objects.
const userSchema = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'`

// notExtension is the condition, on an object with oid column c.oid in
// catalog cls, that no extension owns it.
func notExtension(oid, cls string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '%s'::regclass AND d.objid = %s AND d.deptype = 'e')`, cls, oid)
}

// query runs sql and calls row for each row, scanning into dest.
func query(ctx context.Context, conn *pgx.Conn, sql string, row func() error, dest ...any) error {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("introspect: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("introspect: %w", err)
		}
		if err := row(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("introspect: %w", err)
	}
	return nil
}

func schemas(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var name string
	return query(ctx, conn, `SELECT n.nspname FROM pg_namespace n WHERE `+userSchema+` AND n.nspname <> 'public' AND `+
		notExtension("n.oid", "pg_namespace")+` ORDER BY n.oid`,
		func() error {
			fmt.Fprintf(b, "CREATE SCHEMA %s;\n", pgast.QuoteIdent(name))
			return nil
		}, &name)
}

func enums(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var nsp, typ string
	var labels []string
	return query(ctx, conn, `SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)
		FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
		WHERE `+userSchema+` AND `+notExtension("t.oid", "pg_type")+` GROUP BY t.oid, n.nspname, t.typname ORDER BY t.oid`,
		func() error {
			quoted := make([]string, len(labels))
			for i, l := range labels {
				quoted[i] = quoteLiteral(l)
			}
			fmt.Fprintf(b, "CREATE TYPE %s AS ENUM (%s);\n", qualified(nsp, typ), strings.Join(quoted, ", "))
			return nil
		}, &nsp, &typ, &labels)
}

func sequences(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var nsp, name string
	return query(ctx, conn, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'S' AND `+userSchema+` AND `+notExtension("c.oid", "pg_class")+`
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
		ORDER BY c.oid`,
		func() error {
			fmt.Fprintf(b, "CREATE SEQUENCE %s;\n", qualified(nsp, name))
			return nil
		}, &nsp, &name)
}

// column is a column as tables reads it.
type column struct {
	name, typ          string
	notNull            bool
	def                *string
	identity, generate string
}

func tables(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	type table struct {
		nsp, name string
		partKey   *string
		cols      []column
	}
	var order []string
	byName := map[string]*table{}
	var t table
	var c column
	var attnum int
	err := query(ctx, conn, `SELECT n.nspname, cl.relname, pg_get_partkeydef(cl.oid), coalesce(a.attnum, 0), coalesce(a.attname, ''), coalesce(format_type(a.atttypid, a.atttypmod), ''), coalesce(a.attnotnull, false),
			pg_get_expr(ad.adbin, ad.adrelid), coalesce(a.attidentity::text, ''), coalesce(a.attgenerated::text, '')
		FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
		LEFT JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_attrdef ad ON ad.adrelid = cl.oid AND ad.adnum = a.attnum
		WHERE cl.relkind IN ('r', 'p', 'f') AND `+userSchema+` AND `+notExtension("cl.oid", "pg_class")+`
		ORDER BY cl.relispartition, cl.oid, a.attnum`,
		func() error {
			key := qualified(t.nsp, t.name)
			tb := byName[key]
			if tb == nil {
				cp := t
				tb = &cp
				byName[key] = tb
				order = append(order, key)
			}
			if attnum > 0 {
				tb.cols = append(tb.cols, c)
			}
			return nil
		}, &t.nsp, &t.name, &t.partKey, &attnum, &c.name, &c.typ, &c.notNull, &c.def, &c.identity, &c.generate)
	if err != nil {
		return err
	}
	for _, key := range order {
		tb := byName[key]
		defs := make([]string, len(tb.cols))
		for i, col := range tb.cols {
			defs[i] = columnDDL(col)
		}
		fmt.Fprintf(b, "CREATE TABLE %s (\n    %s\n)", key, strings.Join(defs, ",\n    "))
		if tb.partKey != nil {
			fmt.Fprintf(b, " PARTITION BY %s", *tb.partKey)
		}
		b.WriteString(";\n")
	}
	return nil
}

// partitions attaches each partition to its parent once both have their
// own constraints and indexes, so that the partition gets what it
// inherits (and keeps what it has) as when the partition was created.
func partitions(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var parent, child, bound string
	return query(ctx, conn, `SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname), quote_ident(n.nspname) || '.' || quote_ident(c.relname),
			pg_get_expr(c.relpartbound, c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_inherits i ON i.inhrelid = c.oid
		JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
		WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND `+userSchema+` ORDER BY c.oid`,
		func() error {
			fmt.Fprintf(b, "ALTER TABLE ONLY %s ATTACH PARTITION %s %s;\n", parent, child, bound)
			return nil
		}, &parent, &child, &bound)
}

// columnDDL writes a column definition as pg_dump does.
func columnDDL(c column) string {
	s := pgast.QuoteIdent(c.name) + " " + c.typ
	switch {
	case c.generate == "s" && c.def != nil:
		s += " GENERATED ALWAYS AS (" + *c.def + ") STORED"
	case c.def != nil:
		s += " DEFAULT " + *c.def
	default:
	}
	switch c.identity {
	case "a":
		s += " GENERATED ALWAYS AS IDENTITY"
	case "d":
		s += " GENERATED BY DEFAULT AS IDENTITY"
	default:
	}
	if c.notNull {
		s += " NOT NULL"
	}
	return s
}

func constraints(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var table, name, def string
	// Keys first, so that foreign keys find what they reference; inherited
	// constraints come with their parent.
	return query(ctx, conn, `SELECT quote_ident(n.nspname) || '.' || quote_ident(cl.relname), c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE c.contype IN ('p', 'u', 'x', 'c', 'f') AND c.conislocal AND `+userSchema+` AND `+notExtension("cl.oid", "pg_class")+`
		ORDER BY CASE c.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END, c.oid`,
		func() error {
			fmt.Fprintf(b, "ALTER TABLE ONLY %s ADD CONSTRAINT %s %s;\n", table, pgast.QuoteIdent(name), def)
			return nil
		}, &table, &name, &def)
}

func indexes(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var def string
	return query(ctx, conn, `SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
		JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE `+userSchema+` AND `+notExtension("cl.oid", "pg_class")+`
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
		ORDER BY i.indexrelid`,
		func() error {
			b.WriteString(def + ";\n")
			return nil
		}, &def)
}

func views(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	type view struct {
		key, kind, def string
		reads          []string
	}
	var order []string
	all := map[string]*view{}
	var v view
	var oid uint32
	var reads []string
	err := query(ctx, conn, `SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, pg_get_viewdef(c.oid),
			coalesce((SELECT array_agg(DISTINCT quote_ident(rn.nspname) || '.' || quote_ident(r.relname))
				FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
				JOIN pg_class r ON r.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
				JOIN pg_namespace rn ON rn.oid = r.relnamespace
				WHERE rw.ev_class = c.oid AND r.oid <> c.oid AND r.relkind IN ('v', 'm')), '{}')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('v', 'm') AND `+userSchema+` AND `+notExtension("c.oid", "pg_class")+` ORDER BY c.oid`,
		func() error {
			cp := v
			cp.reads = reads
			all[cp.key] = &cp
			order = append(order, cp.key)
			return nil
		}, &oid, &v.key, &v.kind, &v.def, &reads)
	if err != nil {
		return err
	}
	// Create each view after the views it reads.
	done := map[string]bool{}
	var emit func(key string, path map[string]bool)
	emit = func(key string, path map[string]bool) {
		vw := all[key]
		if vw == nil || done[key] || path[key] {
			return
		}
		path[key] = true
		deps := append([]string{}, vw.reads...)
		sort.Strings(deps)
		for _, d := range deps {
			emit(d, path)
		}
		done[key] = true
		kind := "VIEW"
		if vw.kind == "m" {
			kind = "MATERIALIZED VIEW"
		}
		fmt.Fprintf(b, "CREATE %s %s AS\n%s\n", kind, key, strings.TrimSpace(vw.def))
		if !strings.HasSuffix(strings.TrimSpace(vw.def), ";") {
			b.WriteString(";\n")
		}
	}
	for _, key := range order {
		emit(key, map[string]bool{})
	}
	return nil
}

func functions(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var def string
	return query(ctx, conn, `SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE p.prokind IN ('f', 'p') AND `+userSchema+` AND `+notExtension("p.oid", "pg_proc")+` ORDER BY p.oid`,
		func() error {
			b.WriteString(strings.TrimSpace(def) + ";\n")
			return nil
		}, &def)
}

func sequenceOwners(ctx context.Context, conn *pgx.Conn, b *strings.Builder) error {
	var seq, table, col string
	return query(ctx, conn, `SELECT quote_ident(sn.nspname) || '.' || quote_ident(s.relname),
			quote_ident(tn.nspname) || '.' || quote_ident(t.relname), quote_ident(a.attname)
		FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
		JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
		AND `+strings.ReplaceAll(userSchema, "n.", "sn.")+` ORDER BY s.oid`,
		func() error {
			fmt.Fprintf(b, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", seq, table, col)
			return nil
		}, &seq, &table, &col)
}

// qualified writes schema.name, quoted where needed.
func qualified(nsp, name string) string { return pgast.QuoteIdent(nsp) + "." + pgast.QuoteIdent(name) }

// quoteLiteral writes s as a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
