// Package apply runs migration files on a PostgreSQL connection the way
// their framework runs them: statement by statement in autocommit, inside
// one transaction per file, or as one multi-statement query.
package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// Error is a statement that failed, with its place.
type Error struct {
	Path string
	Line int // line of the statement, or of the file's first for a whole-file query
	Err  error
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }

// Unwrap returns the database error.
func (e *Error) Unwrap() error { return e.Err }

// Hooks observe statements as they run; any may be nil.
type Hooks struct {
	// Before and After run around each statement sent on its own. In
	// SingleExec mode the whole section is one statement: st is its
	// first.
	Before func(f *migration.File, st *migration.Statement) error
	After  func(f *migration.File, st *migration.Statement) error
}

// File runs the up statements of f on conn with f's framework semantics.
// Down sections and down files are not run.
func File(ctx context.Context, conn *pgx.Conn, f *migration.File, hooks Hooks) error {
	if f.SyntaxError != nil {
		return &Error{Path: f.Path, Line: f.Lines.Position(f.SyntaxError.Offset).Line, Err: f.SyntaxError}
	}
	var up []*migration.Statement
	for _, st := range f.Statements {
		if st.Direction == migration.Up {
			up = append(up, st)
		}
	}
	if len(up) == 0 || f.Direction == migration.Down {
		return nil
	}
	switch f.Mode {
	case migration.SingleExec:
		start, end := up[0].Span.Start, up[len(up)-1].Extent.End
		return run(ctx, conn, f, up[0], f.Text[start:end], hooks)
	case migration.Wrapped:
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return &Error{Path: f.Path, Line: 1, Err: err}
		}
		for _, st := range up {
			if err := run(ctx, conn, f, st, st.Text(f.Text), hooks); err != nil {
				_, _ = conn.Exec(context.Background(), "ROLLBACK")
				return err
			}
		}
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return &Error{Path: f.Path, Line: 1, Err: err}
		}
		return nil
	default:
		for _, st := range up {
			if err := run(ctx, conn, f, st, st.Text(f.Text), hooks); err != nil {
				if conn.PgConn().TxStatus() != 'I' {
					_, _ = conn.Exec(context.Background(), "ROLLBACK")
				}
				return err
			}
		}
		return nil
	}
}

// run sends sql with the simple query protocol, so that a string of
// several statements runs as one implicit transaction, as migration tools
// send it.
func run(ctx context.Context, conn *pgx.Conn, f *migration.File, st *migration.Statement, sql string, hooks Hooks) error {
	fail := func(err error) error {
		return &Error{Path: f.Path, Line: f.Lines.Position(st.Span.Start).Line, Err: err}
	}
	if hooks.Before != nil {
		if err := hooks.Before(f, st); err != nil {
			return fail(err)
		}
	}
	if strings.TrimSpace(sql) != "" {
		if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
			return fail(err)
		}
	}
	if hooks.After != nil {
		if err := hooks.After(f, st); err != nil {
			return fail(err)
		}
	}
	return nil
}
