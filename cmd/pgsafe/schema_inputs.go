package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/pgsafe/pgsafe/internal/pgtarget"
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
		opts := source.Options{Exclude: s.source.Exclude, MaxFileSize: s.source.MaxFileSize, OnRead: s.source.OnRead}
		var err error
		if s.lint.Queries, loadErrs, err = source.LoadContext(ctx, s.schema.queries, opts); err != nil {
			return nil, interrupted()
		}
	}
	var err error
	switch {
	case s.schema.schema != "":
		text, rerr := s.readSchemaFile(ctx, e)
		if rerr != nil {
			return nil, rerr
		}
		if s.lint.Base, err = schemaload.FromDump(s.schema.schema, text); err != nil {
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
		return s.readSchemaFile(ctx, e)
	case s.schema.databaseURL != "" && includeDatabase:
		target, err := pgtarget.Parse(s.schema.databaseURL)
		if err != nil {
			return "", usageError("--database-url: %v", err)
		}
		sql, err := schemadiff.SchemaSQL(ctx, target)
		if err != nil {
			return "", &exitError{code: exitUsage, err: fmt.Errorf("--database-url: reading the starting schema: %w", err)}
		}
		return sql, nil
	default:
		return "", nil
	}
}

// readSchemaFile reads the --schema file as inputs are read: a regular
// file within the size limit.
func (s *settings) readSchemaFile(ctx context.Context, e env) (string, error) {
	path := s.schema.schema
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.workdir, path)
	}
	f, err := source.ReadFile(ctx, path, source.Options{MaxFileSize: s.source.MaxFileSize, OnRead: s.source.OnRead})
	if ctx.Err() != nil {
		return "", interrupted()
	}
	var se *source.Error
	if errors.As(err, &se) {
		return "", usageError("--schema %s: %v", s.schema.schema, se.Err)
	}
	if err != nil {
		return "", usageError("--schema: %v", err)
	}
	return f.Text, nil
}
