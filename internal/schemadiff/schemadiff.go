// Package schemadiff compares the schemas of databases as
// `pg_dump --schema-only` prints them, normalised so that equal schemas
// give equal text, and copies a schema from one database to another.
package schemadiff

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/rewrite"
)

// Dump returns the normalised schema of the database at url, as the
// pg_dump program at pgDump prints it without owners and privileges;
// args are more pg_dump options, such as --exclude-table.
func Dump(ctx context.Context, pgDump, url string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, pgDump, append([]string{"--schema-only", "--no-owner", "--no-privileges", "--dbname=" + url}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return Normalise(string(out)), nil
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

// SchemaSQL returns the schema of the database at url as SQL that
// recreates it: `pg_dump --schema-only` without owners and privileges,
// from a pg_dump as new as the server.
func SchemaSQL(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
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
	cmd := exec.CommandContext(ctx, pgDump, "--schema-only", "--no-owner", "--no-privileges", "--dbname="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Load runs schema, SQL such as `pg_dump --schema-only` prints, on the
// database at url, as one query. Lines that start with a backslash are
// psql's commands (\restrict, \connect) and are left out.
func Load(ctx context.Context, url, schema string) error {
	var keep []string
	for _, line := range strings.Split(schema, "\n") {
		if !strings.HasPrefix(line, `\`) {
			keep = append(keep, line)
		}
	}
	conn, err := pgconn.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, strings.Join(keep, "\n")).ReadAll(); err != nil {
		return fmt.Errorf("loading the starting schema: %w", err)
	}
	return nil
}
