package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/schemaload"
	"github.com/pgsafe/pgsafe/internal/source"
)

// schemaInputs are what the schema rules read besides the migrations:
// the application's query files, its Go code, and the schema the
// migrations start from.
// (The release window comes from lint's --changed-since.)
type schemaInputs struct {
	queries     []string // globs or paths, as source.Load takes them
	code        []string // Go files: globs, folders or paths
	schema      string   // pg_dump --schema-only file, "" for none
	databaseURL string   // database to introspect, "" for none
}

// loadSchemaInputs reads the schema inputs into s.lint. Query files and
// Go files that cannot be read, and Go files that do not parse, come back
// as input errors, like migrations that cannot be read; a starting schema
// that cannot be read stops the run.
func (s *settings) loadSchemaInputs(ctx context.Context, e env) ([]error, error) {
	var loadErrs []error
	if len(s.schema.queries) > 0 {
		opts := source.Options{Exclude: s.source.Exclude, MaxFileSize: s.source.MaxFileSize, OnRead: s.source.OnRead}
		var err error
		if s.lint.Queries, loadErrs, err = source.LoadContext(ctx, s.schema.queries, opts); err != nil {
			return nil, interrupted()
		}
	}
	if len(s.schema.code) > 0 {
		codeErrs, err := s.loadCode(ctx)
		if err != nil {
			return nil, err
		}
		loadErrs = append(loadErrs, codeErrs...)
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

// loadCode reads the Go files of --code (folders are walked for *.go
// files; a glob or a folder leaves out _test.go files, which are read
// when named; - reads one from standard input, named by
// --stdin-filename, as an editor sends its buffer), finds the SQL they send with gocode, and adds each file
// that sends some to s.lint.Queries as its SQL text, with its Go source
// in s.lint.Code; every Go file read is kept in s.codeFiles (the
// language server finds the SQL again with its unsaved buffers). It returns the files that cannot be read or do not
// parse as errors.
func (s *settings) loadCode(ctx context.Context) ([]error, error) {
	opts := source.Options{
		Exclude: s.source.Exclude, MaxFileSize: s.source.MaxFileSize, OnRead: s.source.OnRead,
		Stdin: s.source.Stdin, StdinName: s.source.StdinName,
		Ext: ".go", SkipFound: []string{"*_test.go"},
	}
	files, errs, err := source.LoadContext(ctx, s.schema.code, opts)
	if err != nil {
		return nil, interrupted()
	}
	s.codeFiles = files
	found, parseErrs := gocode.Check(files)
	errs = append(errs, parseErrs...)
	if s.lint.Code == nil {
		s.lint.Code, s.lint.CodeQueries = map[string]string{}, map[string][]gocode.Query{}
	}
	s.lint.Queries = append(s.lint.Queries, found.SQL...)
	for path, src := range found.Sources {
		s.lint.Code[path] = src
		s.lint.CodeQueries[path] = found.Queries[path]
	}
	return errs, nil
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
