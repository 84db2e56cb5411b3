package rules

import (
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Options are the settings that rules read.
type Options struct {
	// PGVersion is the target PostgreSQL major version, 11 to 18.
	PGVersion int
	// LockTimeout is the lock_timeout value that fixes write, e.g. "2s".
	LockTimeout string
	// StatementTimeout is the statement_timeout value that fixes write.
	StatementTimeout string
	// BatchSize is the number of rows per batch in backfill fixes; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Releases returns how many releases have shipped the migration at
	// path (0: not shipped yet), for the contract reminder
	// (contract-pending); nil when pgsafe cannot tell what has shipped.
	Releases func(path string) int
	// ReleaseSource says how Releases knows, for messages that read
	// "going by ...": `release tags "v*"`, say, or "--changed-since main".
	ReleaseSource string
	// ContractReleases is how many releases must ship an expand migration
	// before its contract migration may ship; 0 means 1.
	ContractReleases int
	// TypeChangeDrop says where the online rewrite of a type change drops
	// the old column: DropInSwap ("" too) or DropInContract.
	TypeChangeDrop string
	// CodeReads returns how the application's code reads the rows of the
	// query in statement span of the query file at path, when that file
	// is SQL found in Go code (--code); nil when unknown.
	CodeReads func(path string, span sqlparse.Span) *CodeRead
}

// CodeRead is how application code reads a query's rows.
type CodeRead struct {
	// Line is the line of the reading call in the query's file.
	Line int
	// Call is the reading call: "rows.Scan", "sqlx Select"...
	Call string
	// Destinations is the number of Scan's destinations; 0 for struct
	// reads.
	Destinations int
	// Names are, for struct reads, the column names the struct expects.
	Names []string
	// Lax is set when the reader tolerates extra columns.
	Lax bool
	// Strict is set when every field of the struct needs a column (pgx
	// RowToStructByName), so that dropping or renaming one breaks it.
	Strict bool
	// Driver is the library whose rules fill the destinations from the
	// column values: "pgx", "pgx (text format)" (pgx in its simple
	// protocol or QueryExecModeExec, see gocode.DriverPgxText) or
	// "database/sql" (also under sqlx and GORM).
	Driver string
	// Types are the Go types of the destinations, one per Scan
	// destination or, for struct reads, one per name of Names, described
	// as gocode.Read.Types describes them ("int64", "*string",
	// "database/sql.NullString", "example.com/store.Status (string)");
	// "" where unknown, nil when none is known. A column's type change is
	// judged against them.
	Types []string
}

// The values of Options.TypeChangeDrop (config key type-change-drop).
const (
	// DropInSwap drops the old column in the swap's transaction.
	DropInSwap = "swap"
	// DropInContract keeps it, unused, under <col>_pgsafe_old, and drops it
	// in a contract migration.
	DropInContract = "contract"
)

// Pass gives a rule one statement of a file and the context around it.
type Pass struct {
	Rule    *Rule
	File    *migration.File
	Stmt    *migration.Statement
	Options Options
	// Catalog is the schema as of just before Stmt runs: every earlier up
	// migration of the set and every earlier statement of this file applied.
	Catalog *schema.Catalog
	// Locks are the table locks Stmt takes, from the lock model.
	Locks []locks.Lock
	// Query reports that File is an application query file (--queries)
	// rather than a migration: Catalog is then the schema after the whole
	// set, and only rules with Queries set see it.
	Query bool

	report func(Diagnostic)
	// fileState is shared with the other passes over the file.
	fileState *FileState
}

// NewPass returns a pass for one statement; report receives what the
// rules find. The lint driver gives it the file's state (SetFileState)
// and sets Rule before handing the pass to each rule in turn; rules must
// not keep the pass.
func NewPass(r *Rule, f *migration.File, st *migration.Statement, opts Options, cat *schema.Catalog, ls []locks.Lock, report func(Diagnostic)) *Pass {
	return &Pass{Rule: r, File: f, Stmt: st, Options: opts, Catalog: cat, Locks: ls, report: report}
}

// Report records a diagnostic, filling in the rule, path and default
// severity, and the statement's span when d has none.
func (p *Pass) Report(d Diagnostic) { p.report(complete(d, p.Rule, p.File.Path, p.Stmt.Span)) }

// complete fills in what a rule leaves out of a diagnostic of rule about
// the statement at span of the file at path.
func complete(d Diagnostic, rule *Rule, path string, span sqlparse.Span) Diagnostic {
	d.Rule = rule
	d.Path = path
	if d.Severity == 0 {
		d.Severity = rule.Severity
	}
	if d.Span == (sqlparse.Span{}) {
		d.Span = span
	}
	return d
}

// Later defers the rest of the current rule's check until the whole
// migration set has been read: fn runs with the finished history (later
// changes to a table, column moves within a release window, the
// application queries' bindings), and its report fills in diagnostics as
// Report does. fn runs after the pass has moved on, so it must capture
// what it needs from the pass rather than read the pass.
func (p *Pass) Later(fn func(h *history.History, report func(Diagnostic))) {
	rule, path, span, report := p.Rule, p.File.Path, p.Stmt.Span, p.report
	p.fileState.later(func(h *history.History) {
		fn(h, func(d Diagnostic) { report(complete(d, rule, path, span)) })
	})
}

// Text returns the source text of span s.
func (p *Pass) Text(s sqlparse.Span) string { return p.File.Text[s.Start:s.End] }

// StmtText returns the current statement's source text.
func (p *Pass) StmtText() string { return p.Text(p.Stmt.Span) }

// At returns a span within the current statement from the byte offset
// loc, relative to the file (as in node Location fields), running to the
// end of the statement. A negative loc gives the whole statement.
func (p *Pass) At(loc int32) sqlparse.Span {
	if loc < 0 || int(loc) < p.Stmt.Span.Start || int(loc) >= p.Stmt.Span.End {
		return p.Stmt.Span
	}
	return sqlparse.Span{Start: int(loc), End: p.Stmt.Span.End}
}

// IsNew reports whether the table key (as from pgast.RelName) was created
// earlier in this file, so that it is new and empty: its lock hazards do
// not apply.
func (p *Pass) IsNew(table string) bool { return p.File.IsNew(table, p.Stmt.Index) }

// Before returns the statements of the file that run before this one.
func (p *Pass) Before() []*migration.Statement { return p.File.Statements[:p.Stmt.Index] }

// SameTx returns the earlier statements that run in the current
// statement's transaction; none in autocommit. Reading them all for every
// statement makes a check quadratic in the transaction's size: to gather
// something from them, use earlier.
func (p *Pass) SameTx() []*migration.Statement {
	if p.Stmt.Tx == nil {
		return nil
	}
	stmts := txStatements(p)
	n := p.Stmt.Index - stmts[0].Index
	return stmts[:n:n]
}

// LockOn returns the strongest lock the statement takes on table.
func (p *Pass) LockOn(table string) locks.Mode { return locks.Strongest(p.Locks, table) }

// Line returns the 1-based line where statement st of the file starts.
func (p *Pass) Line(st *migration.Statement) int { return p.File.Lines.Position(st.Span.Start).Line }

// RelatedTo points a finding at st, a statement of the current file that
// its message names, with what st is to the finding.
func (p *Pass) RelatedTo(st *migration.Statement, message string) Related {
	return Related{Span: st.Span, Message: message}
}

// knownTable reports whether the catalog knows table fully: the replayed
// migrations created it.
func knownTable(p *Pass, table string) bool {
	t := p.Catalog.Table(table)
	return t != nil && !t.Unknown
}
