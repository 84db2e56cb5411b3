// Package trace runs migrations on a real PostgreSQL and records what
// each statement does there: the locks it takes, read from pg_locks for
// the migration's backend; the tables it rewrites (their relfilenode
// changes) and scans (pg_stat_xact_user_tables); and how long it takes.
// It compares the locks with the static model of package locks, so that a
// claim of the model that PostgreSQL contradicts shows up as a mismatch.
//
// Locks are read as eugene reads them: inside the transaction, after each
// statement, as the (relation, mode) pairs the backend holds that it did
// not hold before the statement. Files run with their framework's
// semantics through package apply's observe mode, which gives an
// autocommit statement a transaction of its own when that changes
// nothing. The statements that PostgreSQL refuses in a transaction block
// (CREATE INDEX CONCURRENTLY, VACUUM, ...) run alone; their locks are
// sampled from a second connection while they run, which can miss a lock
// held only briefly.
package trace

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/seed"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// Options configure a trace.
type Options struct {
	// PGVersion is the PostgreSQL major version whose locks the static
	// model predicts; 0 means the server's.
	PGVersion int
	// Rollback runs every file inside one transaction that is rolled back
	// at the end, so that the database is left as it was: for a database
	// the user names. The files' own BEGIN, COMMIT and ROLLBACK, and the
	// statements that cannot run in a transaction block, are not run;
	// they are listed with Capture Skipped. Locks are then held until the
	// end of the run, and a lock that an earlier file took is not listed
	// again for a later one.
	Rollback bool
	// OneByOne runs every statement on its own, as apply.Options.OneByOne
	// says, instead of as the framework runs the file.
	OneByOne bool
	// BeforeFile, when set, runs before each file, outside its
	// transaction; an error stops the trace.
	BeforeFile func(ctx context.Context, f *migration.File) error
	// SampleEvery is how often the locks of a statement that runs alone
	// are read; 0 means every millisecond.
	SampleEvery time.Duration
	// sampled, when not nil, is told after each read of the locks of a
	// statement that runs alone of those seen so far, for tests that
	// hold the statement up until its locks were seen.
	sampled func(held)
}

// Result is what a trace recorded.
type Result struct {
	// Server is the server's version, such as "15.14".
	Server string
	// ServerMajor is the server's major version.
	ServerMajor int
	// ModelVersion is the PostgreSQL major version the model was asked
	// about.
	ModelVersion int
	// RolledBack reports that the run was rolled back (Options.Rollback).
	RolledBack bool
	Files      []*File
	// Holds are the locks the migration's backend held over time, on
	// relations that existed before the statement that locked them, for
	// a timeline (package timeline).
	Holds []Hold
	// Load is the load the run carried (package workload), nil when it
	// carried none.
	Load *Load
}

// Load is the load a run carried: generated rows in its tables, and
// single-row writes to the tables the migrations lock while they ran.
type Load struct {
	// Rows is how many rows each table was given.
	Rows int
	// Seeded says which tables were filled, and which could not be.
	Seeded seed.Report
	// Writes are what the writes to each table saw, by table.
	Writes []probe.Result
}

// File is one migration file as it ran.
type File struct {
	Path string
	// Tool runs the file; Run is how it runs the file's up section.
	Tool       *tool.Tool
	Run        tool.Run
	Statements []*Statement
	// Start is when the file started, after Options.BeforeFile.
	Start time.Time
}

// Capture says how a statement's locks were read.
type Capture string

// The ways locks are captured.
const (
	// CaptureTransaction: read from pg_locks by the migration's backend,
	// inside the transaction the statement ran in, before it ended.
	CaptureTransaction Capture = "transaction"
	// CaptureSampled: the statement ran alone, outside any transaction
	// block; its locks were sampled from a second connection while it ran,
	// which may miss locks held only briefly. Scans are not counted.
	CaptureSampled Capture = "sampled"
	// CaptureSkipped: the statement did not run (Options.Rollback).
	CaptureSkipped Capture = "skipped"
)

// Statement is what one statement did.
type Statement struct {
	Line int
	SQL  string
	// Capture says how the locks were read.
	Capture Capture
	// Note says why a skipped statement did not run, or that sampling
	// saw nothing.
	Note string `json:",omitempty"`
	// Duration is the time the server took, including lock waits.
	Duration time.Duration
	// Start is when the statement was sent; zero when it did not run.
	Start time.Time
	// Locks are the locks the statement took, the strongest new mode per
	// relation, relations that existed before it first.
	Locks []Lock
	// Scans are the tables and materialized views that existed before the
	// statement and that it rewrote or read whole.
	Scans []Scan
	// Mismatches are the locks that the static model did not predict.
	Mismatches []Mismatch
}

// Lock is a lock that a statement took on one relation.
type Lock struct {
	Relation string // "schema.name"
	Kind     string // "table", "index", "sequence", ...
	Mode     locks.Mode
	// New reports that the statement created the relation; NewInFile that
	// the file did, in this statement or an earlier one.
	New, NewInFile bool
	// Model is the strongest lock the static model allows on the
	// relation, through the table it belongs to for an index, a
	// partition or an owned sequence; None for a new relation.
	Model locks.Mode
}

// Scan is a table or materialized view that a statement rewrote or read.
type Scan struct {
	Relation string
	// Rewritten reports that its relfilenode changed: the statement wrote
	// a new copy of it (TRUNCATE, which starts an empty one, is not a
	// rewrite). Scanned reports that the statement's transaction started
	// a sequential or index scan of it; it is false when the statement ran
	// alone, where scans are not counted.
	Rewritten, Scanned bool
	// Held is the strongest lock the backend held on it meanwhile.
	Held locks.Mode
	// NewInFile reports that the file created it.
	NewInFile bool
}

// Mismatch is a lock stronger than the static model predicts.
type Mismatch struct {
	Relation string
	Took     locks.Mode
	Model    locks.Mode
}

// Run runs the up migrations of files, in order, on the database of
// target, and records what each statement does. On failure it returns
// what it recorded up to the failing statement, and the error.
func Run(ctx context.Context, target *pgtarget.Target, files []*migration.File, opts Options) (*Result, error) {
	conn, err := target.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	t := &tracer{conn: conn, target: target, opts: opts, res: &Result{RolledBack: opts.Rollback}, holds: newHolds()}
	defer t.closeSampler()
	defer func() { t.res.Holds = t.holds.finish() }()
	if err := conn.QueryRow(ctx, `SELECT split_part(current_setting('server_version'), ' ', 1),
		current_setting('server_version_num')::int / 10000, pg_backend_pid()`).Scan(&t.res.Server, &t.res.ServerMajor, &t.pid); err != nil {
		return nil, err
	}
	t.res.ModelVersion = opts.PGVersion
	if t.res.ModelVersion == 0 {
		t.res.ModelVersion = t.res.ServerMajor
	}
	if opts.Rollback {
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return nil, err
		}
		defer func() { _, _ = conn.Exec(context.Background(), "ROLLBACK") }()
	}
	for _, f := range files {
		if err := t.file(ctx, f); err != nil {
			return t.res, err
		}
	}
	return t.res, nil
}

// tracer records one run.
type tracer struct {
	conn   *pgx.Conn
	target *pgtarget.Target
	pid    uint32
	opts   Options
	res    *Result

	file0   *snapshot // the relations when the current file started
	current *File
	// Set by before for after.
	snap    *snapshot
	model   *model
	held    held
	sampler *sampler
	// sampleConn is the second connection for sampling, opened when a
	// statement first runs alone.
	sampleConn *pgx.Conn
	// holds follows the locks over time.
	holds *holds
}

func (t *tracer) file(ctx context.Context, f *migration.File) error {
	if t.opts.BeforeFile != nil {
		if err := t.opts.BeforeFile(ctx, f); err != nil {
			return err
		}
	}
	var err error
	if t.file0, err = takeSnapshot(ctx, t.conn); err != nil {
		return err
	}
	t.current = &File{Path: f.Path, Tool: f.Tool, Run: f.Run, Start: time.Now()}
	t.res.Files = append(t.res.Files, t.current)
	return apply.File(ctx, t.conn, f, apply.Options{
		Observe:       true,
		InTransaction: t.opts.Rollback,
		OneByOne:      t.opts.OneByOne,
		PGVersion:     t.res.ServerMajor,
		Hooks:         apply.Hooks{Before: t.before, After: t.after, Skipped: t.skipped},
	})
}

// before reads the catalog and the locks held before a statement runs,
// and starts sampling when it runs alone.
func (t *tracer) before(ctx context.Context, s apply.Step) error {
	var err error
	if t.snap, err = takeSnapshot(ctx, t.conn); err != nil {
		return err
	}
	var fks locks.ForeignKeys
	if reachesForeignKeys(s.Stmt.Node) {
		if fks, err = foreignKeys(ctx, t.conn, t.snap); err != nil {
			return err
		}
	}
	t.model = predict(s.Stmt.Node, t.res.ModelVersion, t.snap, fks)
	if s.Alone {
		if t.sampleConn == nil {
			if t.sampleConn, err = t.target.Connect(ctx); err != nil {
				return fmt.Errorf("a second connection to sample locks: %w", err)
			}
		}
		every := t.opts.SampleEvery
		if every == 0 {
			every = time.Millisecond
		}
		t.sampler = startSampler(ctx, t.sampleConn, t.pid, every, t.opts.sampled)
		// Outside any transaction block, the backend holds no lock.
		t.holds.release(nil)
		return nil
	}
	if t.held, err = heldLocks(ctx, t.conn, t.pid); err != nil {
		return err
	}
	t.holds.release(t.held)
	return nil
}

// after records what the statement did.
func (t *tracer) after(ctx context.Context, s apply.Step) error {
	end := time.Now()
	st := &Statement{Line: s.File.Lines.Position(s.Stmt.Span.Start).Line, SQL: s.SQL, Duration: s.Duration, Start: end.Add(-s.Duration)}
	fileIndex, stmtIndex := len(t.res.Files)-1, len(t.current.Statements)
	var took, heldNow held
	if s.Alone {
		seen, samples, err := t.sampler.finish()
		t.sampler = nil
		if err != nil {
			return fmt.Errorf("sampling locks: %w", err)
		}
		st.Capture = CaptureSampled
		took, heldNow = seen, seen
		if len(seen) == 0 {
			st.Note = fmt.Sprintf("no lock seen in %d samples: the statement ran between them", samples)
		}
	} else {
		now, err := heldLocks(ctx, t.conn, t.pid)
		if err != nil {
			return err
		}
		st.Capture = CaptureTransaction
		took, heldNow = now.since(t.held), now
	}
	after, err := takeSnapshot(ctx, t.conn)
	if err != nil {
		return err
	}
	truncate := s.Stmt.Node.GetTruncateStmt() != nil
	for oid, modes := range took {
		r, existed := t.snap.byOID[oid]
		if !existed {
			if r = after.byOID[oid]; r == nil {
				continue // not a user relation, or one the statement created and dropped
			}
		}
		l := Lock{Relation: r.name, Kind: kindName(r.kind), Mode: modes.strongest(), New: !existed, NewInFile: t.file0.byOID[oid] == nil}
		if existed {
			l.Model = t.model.mode(oid)
			if t.model.mismatch(oid, l.Mode) {
				st.Mismatches = append(st.Mismatches, Mismatch{Relation: r.name, Took: l.Mode, Model: l.Model})
			}
		}
		st.Locks = append(st.Locks, l)
		if existed {
			t.holds.take(r, modes, l.NewInFile, fileIndex, stmtIndex, st.Start, end, s.Alone)
		}
	}
	t.holds.ended(end)
	for oid, b := range t.snap.byOID {
		a := after.byOID[oid]
		if a == nil || (b.kind != 'r' && b.kind != 'm') {
			continue
		}
		sc := Scan{
			Relation:  b.name,
			Rewritten: a.file != b.file && !truncate,
			Scanned:   !s.Alone && a.scans > b.scans,
			Held:      heldNow[oid].strongest(),
			NewInFile: t.file0.byOID[oid] == nil,
		}
		if sc.Rewritten || sc.Scanned {
			st.Scans = append(st.Scans, sc)
		}
	}
	sortStatement(st)
	t.current.Statements = append(t.current.Statements, st)
	return nil
}

// skipped records a statement that Options.Rollback kept from running.
func (t *tracer) skipped(s apply.Step, reason string) {
	t.current.Statements = append(t.current.Statements, &Statement{
		Line: s.File.Lines.Position(s.Stmt.Span.Start).Line, SQL: s.SQL, Capture: CaptureSkipped, Note: reason,
	})
}

func (t *tracer) closeSampler() {
	if t.sampler != nil {
		_, _, _ = t.sampler.finish()
	}
	if t.sampleConn != nil {
		_ = t.sampleConn.Close(context.Background())
	}
}

// reachesForeignKeys reports whether locks.Related may find locks for
// node, so that the foreign keys are worth reading.
func reachesForeignKeys(node *pg.Node) bool {
	switch node.GetNode().(type) {
	case *pg.Node_DropStmt, *pg.Node_TruncateStmt, *pg.Node_AlterTableStmt:
		return true
	default:
		return false
	}
}

// sortStatement orders locks with relations that existed first, then by
// name; scans and mismatches by name.
func sortStatement(st *Statement) {
	sort.Slice(st.Locks, func(i, j int) bool {
		a, b := st.Locks[i], st.Locks[j]
		if a.New != b.New {
			return !a.New
		}
		return a.Relation < b.Relation
	})
	sort.Slice(st.Scans, func(i, j int) bool { return st.Scans[i].Relation < st.Scans[j].Relation })
	sort.Slice(st.Mismatches, func(i, j int) bool { return st.Mismatches[i].Relation < st.Mismatches[j].Relation })
}

// Mismatches returns every model mismatch of the run, with its place.
func (r *Result) Mismatches() []string {
	var out []string
	for _, f := range r.Files {
		for _, st := range f.Statements {
			for _, m := range st.Mismatches {
				out = append(out, fmt.Sprintf("%s:%d: %s took %s on %s; the model predicts %s",
					f.Path, st.Line, oneLine(st.SQL), m.Took, m.Relation, orNone(m.Model)))
			}
		}
	}
	return out
}

// oneLine returns sql on one line, each run of white space made a single
// space.
func oneLine(sql string) string {
	return strings.Join(strings.Fields(sql), " ")
}

func orNone(m locks.Mode) string {
	if m == locks.None {
		return "no lock"
	}
	return m.String()
}
