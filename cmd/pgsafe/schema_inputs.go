package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/schemaload"
	"github.com/pgsafe/pgsafe/internal/source"
)

// schemaInputs are what the schema rules read besides the migrations:
// the application's query files and the schema the migrations start from.
// (The release window comes from lint's --changed-since.)
type schemaInputs struct {
	queries     []string // globs or paths, as source.Load takes them
	schema      string   // pg_dump --schema-only file, "" for none
	databaseURL string   // database to introspect, "" for none
}

// loadSchemaInputs reads the schema inputs into s.lint. Query files that
// cannot be read come back as input errors, like migrations that cannot;
// a starting schema that cannot be read stops the run.
func (s *settings) loadSchemaInputs(ctx context.Context, e env) ([]error, error) {
	var loadErrs []error
	if len(s.schema.queries) > 0 {
		s.lint.Queries, loadErrs = source.Load(s.schema.queries, source.Options{Exclude: s.source.Exclude})
	}
	var err error
	switch {
	case s.schema.schema != "":
		path := s.schema.schema
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.workdir, path)
		}
		text, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, usageError("--schema: %v", rerr)
		}
		if s.lint.Base, err = schemaload.FromDump(s.schema.schema, string(text)); err != nil {
			return nil, usageError("--schema: %v", err)
		}
	case s.schema.databaseURL != "":
		if s.lint.Base, err = schemaload.FromDatabase(ctx, s.schema.databaseURL); err != nil {
			return nil, usageError("--database-url: %v", err)
		}
	default:
	}
	return loadErrs, nil
}

// startingSchemaSQL returns the schema the migrations start from as SQL
// that recreates it, for the commands that run them: the --schema file,
// or with includeDatabase the schema of the --database-url database,
// dumped with pg_dump. It returns "" when there is none.
func (s *settings) startingSchemaSQL(ctx context.Context, e env, includeDatabase bool) (string, error) {
	switch {
	case s.schema.schema != "":
		path := s.schema.schema
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.workdir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", usageError("--schema: %v", err)
		}
		return string(b), nil
	case s.schema.databaseURL != "" && includeDatabase:
		sql, err := schemadiff.SchemaSQL(ctx, s.schema.databaseURL)
		if err != nil {
			return "", &exitError{code: exitUsage, err: fmt.Errorf("--database-url: reading the starting schema: %w", err)}
		}
		return sql, nil
	default:
		return "", nil
	}
}
