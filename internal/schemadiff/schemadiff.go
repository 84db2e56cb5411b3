// Package schemadiff compares the schemas of databases as
// `pg_dump --schema-only` prints them, normalised so that equal schemas
// give equal text.
package schemadiff

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pgsafe/pgsafe/rewrite"
)

// Dump returns the normalised schema of the database at url, as the
// pg_dump program at pgDump prints it without owners and privileges.
func Dump(ctx context.Context, pgDump, url string) (string, error) {
	cmd := exec.CommandContext(ctx, pgDump, "--schema-only", "--no-owner", "--no-privileges", "--dbname="+url)
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
