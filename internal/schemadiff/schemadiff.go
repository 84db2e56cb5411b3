// Package schemadiff compares the schemas of databases as
// `pg_dump --schema-only` prints them, normalised so that equal schemas
// give equal text, and copies a schema from one database to another.
package schemadiff

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/rewrite"
)

// Dump returns the normalised schema of the database of target, as the
// pg_dump program at pgDump prints it without owners and privileges;
// args are more pg_dump options, such as --exclude-table.
func Dump(ctx context.Context, pgDump string, target *pgtarget.Target, args ...string) (string, error) {
	out, err := pgDumpSchema(ctx, pgDump, target, args...)
	if err != nil {
		return "", err
	}
	return Normalise(out), nil
}

// pgDumpSchema runs `pg_dump --schema-only --no-owner --no-privileges`
// on target, with args, and returns what it prints. The password is not
// on pg_dump's command line (see pgtarget.Target.Command).
func pgDumpSchema(ctx context.Context, pgDump string, target *pgtarget.Target, args ...string) (string, error) {
	cmd, cleanup, err := target.Command(ctx, pgDump, append([]string{"--schema-only", "--no-owner", "--no-privileges"}, args...)...)
	if err != nil {
		return "", err
	}
	defer cleanup()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Normalise drops what differs between dumps of equal schemas: comment
// and blank lines, and the \restrict and \unrestrict lines that recent
// pg_dump releases write with a random key.
func Normalise(dump string) string {
	var keep []string
	for _, line := range strings.Split(dump, "\n") {
		if line == "" || strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\restrict`) || strings.HasPrefix(line, `\unrestrict`) {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// Diff returns a unified diff from schema a to schema b, labelled with
// their names, or "" when they are equal.
func Diff(nameA, a, nameB, b string) string {
	if a == b {
		return ""
	}
	var w strings.Builder
	if err := rewrite.Unified(&w, nameA, nameB, a+"\n", b+"\n", rewrite.DiffOptions{}); err != nil {
		return err.Error()
	}
	return w.String()
}

// SchemaSQL returns the schema of the database of target as SQL that
// recreates it: `pg_dump --schema-only` without owners and privileges,
// from a pg_dump as new as the server.
func SchemaSQL(ctx context.Context, target *pgtarget.Target) (string, error) {
	conn, err := target.Connect(ctx)
	if err != nil {
		return "", err
	}
	var major int
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&major)
	_ = conn.Close(context.Background())
	if err != nil {
		return "", err
	}
	pgDump, err := pgcluster.FindProgram("pg_dump", major)
	if err != nil {
		return "", err
	}
	return pgDumpSchema(ctx, pgDump, target)
}

// Load runs schema, SQL such as `pg_dump --schema-only` prints, on the
// database of target, as one query. Lines that start with a backslash are
// psql's commands (\restrict, \connect) and are left out.
func Load(ctx context.Context, target *pgtarget.Target, schema string) error {
	var keep []string
	for _, line := range strings.Split(schema, "\n") {
		if !strings.HasPrefix(line, `\`) {
			keep = append(keep, line)
		}
	}
	conn, err := target.ConnectPg(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, strings.Join(keep, "\n")).ReadAll(); err != nil {
		return fmt.Errorf("loading the starting schema: %w", err)
	}
	return nil
}

// snapshotSQL lists what a schema holds, one line per object, in a
// stable order: relations, columns (by position among the live ones),
// constraints (NOT VALID ones said so), indexes (invalid ones said so),
// views' definitions, functions, sequences and types.
const snapshotSQL = `
WITH ns AS (
	SELECT oid, nspname FROM pg_namespace
	WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'
), rel AS (
	SELECT c.oid, c.relkind, ns.nspname || '.' || c.relname AS name FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
)
SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
	SELECT 'relation ' || relkind::text || ' ' || name AS line FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
	UNION ALL
	SELECT 'column ' || r.name || ' ' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' || a.attname || ' '
		|| format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
		|| coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
		|| CASE a.attidentity WHEN 'a' THEN ' IDENTITY ALWAYS' WHEN 'd' THEN ' IDENTITY BY DEFAULT' ELSE '' END
		|| CASE a.attgenerated WHEN 's' THEN ' STORED' ELSE '' END
	FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid
	LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
	UNION ALL
	SELECT 'constraint ' || r.name || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
	FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
	FROM pg_index i JOIN rel r ON r.oid = i.indexrelid
	UNION ALL
	SELECT 'view ' || name || ' ' || pg_get_viewdef(oid) FROM rel WHERE relkind IN ('v', 'm')
	UNION ALL
	SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(pg_get_functiondef(p.oid))
	FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
	UNION ALL
	SELECT 'trigger ' || r.name || ' ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'type ' || ns.nspname || '.' || t.typname || ' ' || t.typtype::text || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
	FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd')
) lines`

// Snapshot returns a text that lists what the schema of conn's database
// holds, one object a line, for comparing schemas often and fast (a
// query, where Dump runs pg_dump): equal schemas give equal snapshots.
func Snapshot(ctx context.Context, conn *pgx.Conn) (string, error) {
	var out string
	err := conn.QueryRow(ctx, snapshotSQL).Scan(&out)
	return out, err
}
