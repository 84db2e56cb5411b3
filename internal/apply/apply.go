// Package apply runs migration files on a PostgreSQL connection the way
// their migration tool runs them: statement by statement in autocommit,
// inside one transaction per file or section, or as one multi-statement
// query.
package apply

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/tool"
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

// Step is one statement as it runs, or one whole-file query.
type Step struct {
	File *migration.File
	// Stmt is the statement; for a whole-file query, its first.
	Stmt *migration.Statement
	// SQL is the text sent to the server.
	SQL string
	// Alone reports that the step runs outside any transaction block, so
	// that the locks it takes are released by the time After runs.
	Alone bool
	// Duration is how long the server took to run the step, including any
	// wait for locks. It is set for After only.
	Duration time.Duration
}

// Hooks observe statements as they run; any may be nil. An error from
// Before or After stops the file as a failing statement would.
type Hooks struct {
	// Before runs just before a step is sent, inside the transaction it
	// runs in; After runs right after it, before that transaction ends.
	Before func(ctx context.Context, s Step) error
	After  func(ctx context.Context, s Step) error
	// Skipped hears of statements that Options.InTransaction keeps from
	// running, with the reason.
	Skipped func(s Step, reason string)
}

// Options say how to run a file beyond its framework's semantics.
type Options struct {
	Hooks Hooks
	// Observe sends every statement on its own, so that After sees the
	// locks each statement takes while they are still held, without
	// changing what the file does: a multi-statement query's implicit
	// transaction becomes an explicit BEGIN ... COMMIT around the same
	// statements, and an autocommit statement that PostgreSQL allows in a
	// transaction block runs in one of its own. Only the statements that
	// PostgreSQL refuses in a transaction block (pgast.OutsideTransaction)
	// run alone, with Step.Alone set.
	Observe bool
	// InTransaction runs the file inside a transaction that the caller has
	// opened and will end, typically with ROLLBACK: the file's own BEGIN,
	// COMMIT and ROLLBACK are not sent, and neither are the statements that
	// cannot run in a transaction block; Hooks.Skipped hears of both.
	// Statements run one at a time, as with Observe.
	InTransaction bool
	// OneByOne runs every statement on its own, outside any transaction,
	// whatever the framework: the file's BEGIN, COMMIT and ROLLBACK are not
	// sent. It gives the effect of a file that cannot run as its framework
	// runs it (CONCURRENTLY inside a transaction, say), to compare with.
	OneByOne bool
	// PGVersion is the server's major version, which decides what may run
	// in a transaction block; 0 means a current one.
	PGVersion int
	// Direction says which statements run: the up ones (the default), or
	// the down ones, to roll the file back.
	Direction migration.Direction
}

// File runs the statements of f in opts.Direction (up by default) the way
// f's migration tool runs them, section by section: statement by
// statement, inside one transaction, or as one multi-statement query.
// A file whose own direction is the other one does not run.
func File(ctx context.Context, conn *pgx.Conn, f *migration.File, opts Options) error {
	if f.SyntaxError != nil {
		return &Error{Path: f.Path, Line: f.Lines.Position(f.SyntaxError.Offset).Line, Err: f.SyntaxError}
	}
	if opts.PGVersion == 0 {
		opts.PGVersion = math.MaxInt32
	}
	r := &runner{conn: conn, f: f, opts: opts}
	for s, sec := range f.Sections {
		if sec.Direction != opts.Direction {
			continue
		}
		var stmts []*migration.Statement
		for _, st := range f.Statements {
			if st.Section == s {
				stmts = append(stmts, st)
			}
		}
		if len(stmts) == 0 {
			continue
		}
		if err := r.section(ctx, stmts, sec.Run); err != nil {
			return err
		}
	}
	return nil
}

// section runs the statements of one section, which the tool runs as run.
func (r *runner) section(ctx context.Context, stmts []*migration.Statement, run tool.Run) error {
	switch {
	case r.opts.InTransaction:
		return r.inCallersTransaction(ctx, stmts)
	case r.opts.OneByOne:
		return r.oneByOne(ctx, stmts)
	case run == tool.Query && !r.opts.Observe:
		// One query. A single statement runs outside any transaction.
		start, end := stmts[0].Span.Start, stmts[len(stmts)-1].Extent.End
		return r.step(ctx, Step{File: r.f, Stmt: stmts[0], SQL: r.f.Text[start:end], Alone: len(stmts) == 1})
	case run == tool.Query && len(stmts) > 1:
		return r.transaction(ctx, stmts, true)
	case run.InTransaction():
		// A run-wide transaction is run here as one per file: the schema it
		// leaves is the same.
		if err := r.exec(ctx, "BEGIN"); err != nil {
			return &Error{Path: r.f.Path, Line: r.f.Lines.Position(stmts[0].Span.Start).Line, Err: err}
		}
		return r.transaction(ctx, stmts, false)
	default:
		// Autocommit, or a query of one statement, which runs as
		// autocommit does.
		return r.autocommit(ctx, stmts)
	}
}

// runner runs the statements of one file.
type runner struct {
	conn *pgx.Conn
	f    *migration.File
	opts Options
}

// inTx reports whether the connection is inside a transaction block.
func (r *runner) inTx() bool { return r.conn.PgConn().TxStatus() != 'I' }

// transaction runs statements inside a transaction already open (the
// runner's, for a wrapped file) or, when implicit, inside the implicit
// transaction of a multi-statement query, made explicit. A COMMIT in the
// file ends it: what follows runs as it would after that COMMIT.
func (r *runner) transaction(ctx context.Context, up []*migration.Statement, implicit bool) error {
	for _, st := range up {
		if implicit && !r.inTx() && st.Node.GetTransactionStmt() == nil {
			if err := r.exec(ctx, "BEGIN"); err != nil {
				return r.fail(st, err)
			}
		}
		if err := r.statement(ctx, st); err != nil {
			return err
		}
	}
	if r.inTx() {
		if err := r.exec(ctx, "COMMIT"); err != nil {
			return &Error{Path: r.f.Path, Line: 1, Err: err}
		}
	}
	return nil
}

// autocommit runs statements one at a time outside any transaction, but
// for the transactions the file opens itself.
func (r *runner) autocommit(ctx context.Context, up []*migration.Statement) error {
	for _, st := range up {
		if err := r.statement(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// statement runs one statement in the transaction state the connection is
// in. Outside a transaction block, with Observe, a statement that may run
// in one gets a transaction of its own.
func (r *runner) statement(ctx context.Context, st *migration.Statement) error {
	s := Step{File: r.f, Stmt: st, SQL: st.Text(r.f.Text)}
	if r.inTx() || st.Node.GetTransactionStmt() != nil {
		return r.step(ctx, s)
	}
	if !r.opts.Observe || !r.wrappable(st.Node) {
		s.Alone = true
		return r.step(ctx, s)
	}
	if err := r.exec(ctx, "BEGIN"); err != nil {
		return r.fail(st, err)
	}
	if err := r.step(ctx, s); err != nil {
		return err
	}
	if err := r.exec(ctx, "COMMIT"); err != nil {
		return r.fail(st, err)
	}
	return nil
}

// oneByOne runs each statement on its own, leaving out the file's
// transaction statements.
func (r *runner) oneByOne(ctx context.Context, up []*migration.Statement) error {
	for _, st := range up {
		if t := st.Node.GetTransactionStmt(); t != nil && endsTransaction(t.GetKind()) {
			continue
		}
		if err := r.statement(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// wrappable reports whether running node in a transaction block of its
// own does what running it alone does: PostgreSQL allows it there, it does
// not commit from inside (a DO block with COMMIT, a procedure), and it is
// not one of the statements that fail outside a transaction block (LOCK,
// SAVEPOINT, DECLARE without HOLD), which a block would let pass.
func (r *runner) wrappable(node *pg.Node) bool {
	if pgast.OutsideTransaction(node, r.opts.PGVersion) != "" || pgast.EndsTransactions(node) {
		return false
	}
	switch node.GetNode().(type) {
	case *pg.Node_LockStmt, *pg.Node_DeclareCursorStmt, *pg.Node_TransactionStmt:
		return false
	default:
		return true
	}
}

// inCallersTransaction runs statements inside the caller's transaction,
// skipping what would end it or cannot run in it.
func (r *runner) inCallersTransaction(ctx context.Context, up []*migration.Statement) error {
	for _, st := range up {
		s := Step{File: r.f, Stmt: st, SQL: st.Text(r.f.Text)}
		reason := ""
		if t := st.Node.GetTransactionStmt(); t != nil && endsTransaction(t.GetKind()) {
			reason = "it would end the transaction that keeps the run from committing"
		} else if form := pgast.OutsideTransaction(st.Node, r.opts.PGVersion); form != "" {
			reason = form + " cannot run inside a transaction block, and the run must not commit"
		} else if pgast.EndsTransactions(st.Node) {
			reason = "it commits from inside (a DO block with COMMIT, or a procedure), and the run must not commit"
		}
		if reason != "" {
			if r.opts.Hooks.Skipped != nil {
				r.opts.Hooks.Skipped(s, reason)
			}
			continue
		}
		if err := r.step(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// endsTransaction reports whether a transaction statement of kind k starts
// or ends a transaction (rather than working on a savepoint).
func endsTransaction(k pg.TransactionStmtKind) bool {
	switch k {
	case pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return false
	default:
		return true
	}
}

// step sends one step with the simple query protocol, so that a string
// of several statements runs as one implicit transaction, as migration
// tools send it, and runs the hooks around it. A failure inside a
// transaction that the runner opened rolls it back.
func (r *runner) step(ctx context.Context, s Step) error {
	if h := r.opts.Hooks.Before; h != nil {
		if err := h(ctx, s); err != nil {
			return r.fail(s.Stmt, err)
		}
	}
	if strings.TrimSpace(s.SQL) != "" {
		start := time.Now()
		_, err := r.conn.PgConn().Exec(ctx, s.SQL).ReadAll()
		s.Duration = time.Since(start)
		if err != nil {
			return r.fail(s.Stmt, err)
		}
	}
	if h := r.opts.Hooks.After; h != nil {
		if err := h(ctx, s); err != nil {
			return r.fail(s.Stmt, err)
		}
	}
	return nil
}

// fail wraps err with the statement's place and, unless the caller owns
// the transaction, rolls back the one that is open.
func (r *runner) fail(st *migration.Statement, err error) error {
	if !r.opts.InTransaction && r.inTx() {
		_, _ = r.conn.Exec(context.Background(), "ROLLBACK")
	}
	return &Error{Path: r.f.Path, Line: r.f.Lines.Position(st.Span.Start).Line, Err: err}
}

func (r *runner) exec(ctx context.Context, sql string) error {
	_, err := r.conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}
