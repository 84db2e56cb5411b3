package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/pgsafe/pgsafe/internal/baseline"
	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/source"
)

// schemaInputs are what the schema rules read besides the migrations:
// the application's query files, the git ref of the release window, and
// the schema the migrations start from.
type schemaInputs struct {
	queries     []string // globs or paths, as source.Load takes them
	since       string   // git ref, "" for none
	schema      string   // pg_dump --schema-only file, "" for none
	databaseURL string   // database to introspect, "" for none
}

// loadSchemaInputs reads the schema inputs into s.lint. Query files that
// cannot be read come back as input errors, like migrations that cannot;
// a baseline or git ref that cannot be used stops the run.
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
		if s.lint.Base, err = baseline.FromDump(s.schema.schema, string(text)); err != nil {
			return nil, usageError("--schema: %v", err)
		}
	case s.schema.databaseURL != "":
		if s.lint.Base, err = baseline.FromDatabase(ctx, s.schema.databaseURL); err != nil {
			return nil, usageError("--database-url: %v", err)
		}
	default:
	}
	if s.schema.since != "" {
		changed, gerr := gitdiff.Changed(ctx, e.workdir, s.schema.since)
		if gerr != nil {
			return nil, usageError("--since: %v", gerr)
		}
		s.lint.Pending = func(path string) bool { return changed[realPath(e.workdir, path)] }
	}
	return loadErrs, nil
}

// realPath returns path made absolute from workdir, with symbolic links
// resolved as git resolves them.
func realPath(workdir, path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(workdir, path)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return filepath.Clean(path)
}
