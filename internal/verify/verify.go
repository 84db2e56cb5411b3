// Package verify proves a rewrite on PostgreSQL: it applies the original
// and the rewritten migrations to two fresh databases, each file the way
// its framework runs it, compares the schemas they leave, and checks that
// no statement of the rewrite blocks writes while it scans or rewrites a
// table that existed before its file. With seeded rows, a probe measures
// how long single-row writes to the touched tables wait in each run.
//
// Roles, tablespaces and databases belong to a whole cluster, not to a
// database: a role that the original creates would be there, already,
// for the rewrite on the same server. Each run therefore gets a cluster of
// its own (Options.Servers, ephemeral clusters). On a server that the
// user names, which the runs must share, Run refuses migrations that
// create or change such objects, and drops those that the runs created
// nonetheless (in a DO block, say), and says so in the report.
package verify

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/seed"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/trace"
	"github.com/pgsafe/pgsafe/internal/workload"
)

// Set is one migration set.
type Set struct {
	// Files are the migrations in order, with their parse trees; their
	// up statements run, and with Options.Rollback their down statements
	// roll the set back.
	Files []*migration.File
	// Changed holds the paths of the files that the fix changed or
	// created; only their statements are judged.
	Changed map[string]bool
	// Created holds the paths of the files that the fix created.
	Created map[string]bool
	// Refused is what the set's migration tools would refuse in it
	// (tool.Check): a file without its markers, a duplicate version.
	Refused []tool.Problem
}

// Target is a statement of the original that a fix rewrote: its file, a
// line it spans, and the table whose lock the fix weakens, as the fix
// report names it. A fix found in a later round gives a line of the file
// as that round read it; a target whose statement does not lock Table is
// taken for such a line and ignored.
type Target struct {
	Path  string
	Line  int
	Table string
}

// Options configure Run.
type Options struct {
	// Servers gives each run a server of its own: it returns the
	// connection string of a database of a server (an ephemeral cluster)
	// that no other run uses, for the run named "original", "rewrite" or
	// "original_alone", on which Run creates the run's database. The
	// caller stops the servers after Run.
	Servers func(ctx context.Context, run string) (string, error)
	// AdminURL, when Servers is nil, connects to a database of the server
	// the user names, on which every run creates its database (dropped
	// afterwards). The runs share its roles, tablespaces and databases:
	// Run refuses migrations that change them (ClusterWideError), and
	// drops those that appear during the runs all the same
	// (Report.ServerObjects).
	AdminURL string
	// PgDump is the pg_dump program that dumps the schemas; "" finds one
	// as new as the server.
	PgDump string
	// SeedRows is the number of rows to fill each table with before the
	// file after the one that creates it; 0 runs on empty tables, without
	// the probe.
	SeedRows int
	// PGVersion is the version the lock model is asked about; 0 means the
	// server's.
	PGVersion int
	// Targets are the original statements that fixes rewrote. A statement
	// of the rewrite with the same text is judged as one the fix wrote.
	Targets []Target
	// Schema is the schema the migrations start from, as
	// `pg_dump --schema-only` prints it; both databases get it first.
	Schema string
	// Rollback rolls both sets back after they ran up, one version at a
	// time, the latest first, and compares the schemas after each step.
	Rollback bool
}

// Report is the outcome of a verification.
type Report struct {
	Server string
	// Where describes the server for the text report, such as "an
	// ephemeral cluster".
	Where    string
	SeedRows int
	// Seeded is what seeding did in the original's database (the
	// rewrite's gets the same rows).
	Seeded seed.Report
	// OriginalFails is the error that stops the original when its
	// framework runs it; the original's figures then come from its
	// statements run one at a time.
	OriginalFails string
	// OriginalErr and RewriteErr are the errors that stopped a run.
	OriginalErr, RewriteErr string
	// SchemaDiff is the difference between the schemas, "" when equal.
	SchemaDiff string
	// ColumnOrder lists the tables whose columns the rewrite leaves in
	// another order, when that is the one difference between the schemas
	// (SchemaDiff is then ""): a rewrite through a new column, such as an
	// online type change, adds it after the others. It does not fail the
	// verification; the fix says so.
	ColumnOrder []string
	// Original lists the statements of the original that block writes
	// while they scan or rewrite a table that existed before.
	Original []Statement
	// Rewrite lists the statements of the changed files of the rewrite.
	Rewrite []Statement
	// Writes are the probe's figures per table.
	Writes []Writes
	// Refused is what the migration tools would refuse in the rewrite
	// and not in the original.
	Refused []tool.Problem
	// Rollback is what rolling both sets back found, when it ran.
	Rollback *Rollback
	// ServerObjects says what the runs changed of the roles, tablespaces
	// and databases of a server they shared (Options.AdminURL), and what
	// Run did about it: one sentence each.
	ServerObjects []string
	// Runs are the original's run (the one compared with) and the
	// rewrite's, as traced, with the probe's figures: for a timeline of
	// each. They are not part of the JSON.
	Runs []TracedRun
}

// TracedRun is one set's run as traced.
type TracedRun struct {
	// Name says which set ran, and how: "original", "original, one
	// statement at a time" or "rewrite".
	Name string
	// Trace is what the trace recorded, up to a failure; nil when the run
	// did not start.
	// Trace.Load has the probe's figures, by table, with --seed-rows.
	Trace *trace.Result
}

// Rollback is the outcome of rolling both sets back, version by version.
type Rollback struct {
	// Steps counts the rewrite's versions rolled back; Versions those
	// whose down migration holds statements (the versions that the fix
	// creates have downs that undo nothing: the down migration of the
	// version they come from undoes them).
	Steps, Versions int
	// Err is the error of the first rollback that failed, with the
	// version; "" when every one ran.
	Err string
	// Version and Diff are the version after whose rollback the schemas
	// first differed, and how; "" when they never did.
	Version, Diff string
	// OriginalStops is the error of the original's own down migration
	// that stopped the rollback (a history whose downs do not go all the
	// way back), with the version; the versions before it are not
	// compared.
	OriginalStops string
}

// Statement is a judged statement.
type Statement struct {
	Path string
	Line int
	SQL  string
	// Table and Mode are the strongest lock the statement holds on a
	// table that existed before its file; Table is "" when none.
	Table string
	Mode  locks.Mode
	// Scanned and Rewritten list the tables that existed before the file
	// and that the statement read whole or rewrote.
	Scanned, Rewritten []string
	// Blocks reports that it holds a lock that blocks writes (SHARE or
	// stronger) on a table it scans or rewrites.
	Blocks bool
	// Written reports that the fix wrote the statement: its text is new,
	// or it is a statement a fix rewrote around. Only those fail the
	// verification when they block; others are left as they were.
	Written bool
}

// Writes compares the longest single-row write to one table.
type Writes struct {
	Table string
	// Original and Rewrite are the longest single-row write in each run.
	Original, Rewrite time.Duration
	// OriginalWrites and RewriteWrites count the writes that changed a
	// row; OriginalBlocked and RewriteBlocked those that took longer than
	// probe.BlockedAfter.
	OriginalWrites, RewriteWrites   int
	OriginalBlocked, RewriteBlocked int
	// OriginalErr and RewriteErr are the last errors of failed writes.
	OriginalErr, RewriteErr string
}

// Failures says why the verification fails; none when it passes.
func (r *Report) Failures() []string {
	var out []string
	seeded := ""
	if r.SeedRows > 0 {
		seeded = " (the rows --seed-rows generates may not suit a migration that converts data: try without it)"
	}
	if r.OriginalErr != "" {
		out = append(out, "the original migrations fail, even one statement at a time, so there is nothing to compare with: "+r.OriginalErr+seeded)
	}
	if r.RewriteErr != "" {
		out = append(out, "the rewritten migrations fail: "+r.RewriteErr+seeded)
	}
	if r.OriginalErr == "" && r.RewriteErr == "" && r.SchemaDiff != "" {
		out = append(out, "the rewrite leaves another schema than the original")
	}
	for _, p := range r.Refused {
		out = append(out, fmt.Sprintf("%s: the migration tool refuses it: %s", p.Path, p.Message))
	}
	if rb := r.Rollback; rb != nil {
		if rb.Err != "" {
			out = append(out, "rolling the rewrite back fails: "+rb.Err)
		}
		if rb.Diff != "" {
			out = append(out, fmt.Sprintf("after rolling back %s, the rewrite leaves another schema than the original", rb.Version))
		}
	}
	for _, st := range r.Rewrite {
		if st.Written && st.Blocks {
			out = append(out, fmt.Sprintf("%s:%d still blocks writes to %s (%s) while it %s", st.Path, st.Line, displayTables(st), st.Mode, scanVerb(st)))
		}
	}
	return out
}

// OK reports whether the verification passes.
func (r *Report) OK() bool { return len(r.Failures()) == 0 }

// Run applies original and rewrite to two new databases and compares
// them. It returns an error when it cannot run at all (a server cannot be
// reached, pg_dump fails, the runs would share cluster-wide objects);
// migrations that fail are in the report.
func Run(ctx context.Context, original, rewrite Set, opts Options) (rep *Report, err error) {
	dbs := &databases{schema: opts.Schema, servers: opts.Servers, admins: map[string]*admin{},
		prefix: fmt.Sprintf("pgsafe_verify_%d_%08x", os.Getpid(), rand.Uint32())}
	if dbs.servers == nil {
		if found := clusterWide(opts.Rollback, original, rewrite); len(found) > 0 {
			return nil, &ClusterWideError{Statements: found}
		}
		dbs.shared = opts.AdminURL
		dbs.named = mentions(original, rewrite)
		dbs.servers = func(context.Context, string) (string, error) { return opts.AdminURL, nil }
	}
	defer func() {
		objects := dbs.drop()
		switch {
		case rep != nil:
			rep.ServerObjects = objects
		case err != nil && len(objects) > 0:
			err = fmt.Errorf("%w (%s)", err, strings.Join(objects, "; "))
		default:
		}
	}()
	first, err := dbs.admin(ctx, "original")
	if err != nil {
		return nil, err
	}
	rep = &Report{SeedRows: opts.SeedRows}
	var major int
	if err := first.conn.QueryRow(ctx, `SELECT split_part(current_setting('server_version'), ' ', 1),
		current_setting('server_version_num')::int / 10000`).Scan(&rep.Server, &major); err != nil {
		return nil, err
	}
	if opts.PgDump == "" {
		if opts.PgDump, err = pgcluster.FindProgram("pg_dump", major); err != nil {
			return nil, err
		}
	}
	targets := touchedTables(major, original, rewrite)
	runs := []*run{
		{set: original, name: "original"},
		{set: rewrite, name: "rewrite"},
	}
	for _, r := range runs {
		if err := r.apply(ctx, dbs, opts, targets); err != nil {
			return nil, err
		}
	}
	rep.Refused = newProblems(original.Refused, rewrite.Refused)
	if runs[0].err != "" {
		// An original that cannot run as its framework runs it (CONCURRENTLY
		// in a transaction) is what some fixes mend: compare with its
		// statements run one at a time.
		rep.OriginalFails = runs[0].err
		alone := &run{set: original, name: "original_alone", oneByOne: true}
		if err := alone.apply(ctx, dbs, opts, targets); err != nil {
			return nil, err
		}
		runs[0] = alone
	}
	rep.OriginalErr, rep.RewriteErr = runs[0].err, runs[1].err
	if load := runs[0].trace.Load; load != nil {
		rep.Seeded = load.Seeded
	}
	for _, r := range runs {
		rep.Runs = append(rep.Runs, TracedRun{Name: r.title(), Trace: r.trace})
	}
	if rep.OriginalErr == "" && rep.RewriteErr == "" {
		a, err := schemadiff.Dump(ctx, opts.PgDump, runs[0].target)
		if err != nil {
			return nil, err
		}
		b, err := schemadiff.Dump(ctx, opts.PgDump, runs[1].target)
		if err != nil {
			return nil, err
		}
		rep.SchemaDiff = schemadiff.Diff("original", a, "rewrite", b)
		if moved, ok := schemadiff.ColumnOrder(a, b); rep.SchemaDiff != "" && ok {
			rep.SchemaDiff, rep.ColumnOrder = "", moved
		}
	}
	for _, st := range judge(runs[0].trace, nil, nil, nil) {
		if st.Blocks {
			rep.Original = append(rep.Original, st)
		}
	}
	rep.Rewrite = judge(runs[1].trace, rewrite.Changed, upTexts(original), writtenTexts(original, opts.Targets, major))
	rep.Writes = compareWrites(runs[0].writes(), runs[1].writes())
	if opts.Rollback && rep.OriginalErr == "" && rep.RewriteErr == "" {
		if rep.Rollback, err = rollBack(ctx, runs[0].target, runs[1].target, original, rewrite, major); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// newProblems returns the problems of b that a does not have.
func newProblems(a, b []tool.Problem) []tool.Problem {
	seen := map[string]bool{}
	for _, p := range a {
		seen[p.Path+"\x00"+p.Message] = true
	}
	var out []tool.Problem
	for _, p := range b {
		if !seen[p.Path+"\x00"+p.Message] {
			out = append(out, p)
		}
	}
	return out
}

// databases creates the databases of a verification, each starting from
// the schema, on the server that servers gives its run, and drops them.
type databases struct {
	servers func(ctx context.Context, run string) (string, error)
	// shared is the connection string of the server that every run
	// shares, "" when each has its own.
	shared string
	schema string
	prefix string
	// admins are the connections to the servers, by connection string.
	admins map[string]*admin
	// order lists the admins in the order they were opened.
	order []*admin
	// sharedAdmin is the connection to the shared server, and before the
	// roles it held before the first run.
	sharedAdmin *admin
	before      map[string]string
	// named reports whether the migrations name a role (see mentions).
	named func(string) bool
}

// admin is a connection to a server's maintenance database, and the
// databases created there.
type admin struct {
	target  *pgtarget.Target
	conn    *pgx.Conn
	created []string
}

// admin returns the connection to the server of run, opened on first
// use.
func (d *databases) admin(ctx context.Context, run string) (*admin, error) {
	connString, err := d.servers(ctx, run)
	if err != nil {
		return nil, err
	}
	if a := d.admins[connString]; a != nil {
		return a, nil
	}
	target, err := pgtarget.Parse(connString)
	if err != nil {
		return nil, err
	}
	conn, err := target.Connect(ctx)
	if err != nil {
		return nil, err
	}
	a := &admin{target: target, conn: conn}
	d.admins[connString] = a
	d.order = append(d.order, a)
	if connString == d.shared {
		d.sharedAdmin = a
		if d.before, err = serverRoles(ctx, conn); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// create creates the database prefix_run on the server of run and returns
// its target, which checks that connections reach it.
func (d *databases) create(ctx context.Context, run string) (*pgtarget.Target, error) {
	a, err := d.admin(ctx, run)
	if err != nil {
		return nil, err
	}
	db := d.prefix + "_" + run
	if _, err := a.conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return nil, fmt.Errorf("creating a database to verify in: %w", err)
	}
	a.created = append(a.created, db)
	target := a.target.Throwaway(db)
	if d.schema != "" {
		if err := schemadiff.Load(ctx, target, d.schema); err != nil {
			return nil, err
		}
	}
	return target, nil
}

// drop drops the databases created and closes the connections. On a
// shared server, it then drops the roles that appeared during the runs
// and that the migrations name, and returns what it did, one sentence
// each.
func (d *databases) drop() []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []string
	for _, a := range d.order {
		for _, db := range a.created {
			_, _ = a.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
		}
		a.created = nil
		if a == d.sharedAdmin && d.before != nil {
			out = dropNewRoles(ctx, a.conn, d.before, d.named)
		}
		_ = a.conn.Close(ctx)
	}
	d.order, d.admins, d.sharedAdmin = nil, map[string]*admin{}, nil
	return out
}

// run is the application of one set to a database of its own.
type run struct {
	set  Set
	name string // of the database, after the prefix
	// oneByOne runs every statement on its own (trace.Options.OneByOne).
	oneByOne bool
	target   *pgtarget.Target
	trace    *trace.Result
	err      string
}

// writes returns what the probe saw during the run, nil without one.
func (r *run) writes() []probe.Result {
	if r.trace == nil || r.trace.Load == nil {
		return nil
	}
	return r.trace.Load.Writes
}

// title names the run for people.
func (r *run) title() string {
	if r.oneByOne {
		return "original, one statement at a time"
	}
	return r.name
}

// apply creates the run's database and runs the set there with the
// trace, seeding and probing as opts say.
func (r *run) apply(ctx context.Context, dbs *databases, opts Options, targets []string) error {
	var err error
	if r.target, err = dbs.create(ctx, r.name); err != nil {
		return err
	}
	topts := trace.Options{PGVersion: opts.PGVersion, OneByOne: r.oneByOne}
	res, err := workload.Trace(ctx, r.target, r.set.Files, topts, workload.Options{Rows: opts.SeedRows, Tables: targets})
	r.trace = res
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if res == nil {
			return err
		}
		r.err = err.Error()
	}
	return nil
}

// touchedTables returns the tables that the statements of the changed
// files lock, in either set, as the lock model names them.
func touchedTables(version int, sets ...Set) []string {
	var files []*migration.File
	for _, s := range sets {
		for _, f := range s.Files {
			if s.Changed[f.Path] {
				files = append(files, f)
			}
		}
	}
	return workload.Tables(version, files)
}

// writtenTexts returns the normalised texts of the original statements
// that targets point at.
func writtenTexts(original Set, targets []Target, version int) map[string]bool {
	out := map[string]bool{}
	for _, t := range targets {
		for _, f := range original.Files {
			if f.Path != t.Path {
				continue
			}
			for _, st := range f.Statements {
				first, last := f.Lines.Position(st.Span.Start).Line, f.Lines.Position(st.Span.End).Line
				if first <= t.Line && t.Line <= last && locksTable(st.Node, version, t.Table) {
					out[normalise(st.Text(f.Text))] = true
				}
			}
		}
	}
	return out
}

// locksTable reports whether the lock model has node lock table, named
// as messages name it; an empty table matches any statement.
func locksTable(node *pg.Node, version int, table string) bool {
	if table == "" {
		return true
	}
	for _, l := range locks.Statement(node, version) {
		if pgast.DisplayName(l.Relation) == table || l.Relation == table {
			return true
		}
	}
	return false
}

// upTexts returns the normalised texts of the up statements of s.
func upTexts(s Set) map[string]bool {
	out := map[string]bool{}
	for _, f := range s.Files {
		for _, st := range f.Statements {
			if st.Direction == migration.Up {
				out[normalise(st.Text(f.Text))] = true
			}
		}
	}
	return out
}

// judge returns the statements of res in the files of changed (all when
// changed is nil) with their strongest lock on a table that existed
// before their file. A statement is Written when its text is not among
// originalTexts, or is among written.
func judge(res *trace.Result, changed, originalTexts, written map[string]bool) []Statement {
	if res == nil {
		return nil
	}
	var out []Statement
	for _, f := range res.Files {
		if changed != nil && !changed[f.Path] {
			continue
		}
		for _, st := range f.Statements {
			if st.Capture == trace.CaptureSkipped {
				continue
			}
			j := Statement{Path: f.Path, Line: st.Line, SQL: st.SQL}
			// The lock held on a table the statement scans comes first.
			for _, s := range st.Scans {
				if s.NewInFile {
					continue
				}
				if s.Held > j.Mode {
					j.Table, j.Mode = s.Relation, s.Held
				}
				if s.Rewritten {
					j.Rewritten = append(j.Rewritten, s.Relation)
				} else {
					j.Scanned = append(j.Scanned, s.Relation)
				}
				if s.Held.BlocksWrites() {
					j.Blocks = true
				}
			}
			for _, l := range st.Locks {
				if !l.NewInFile && (l.Kind == "table" || l.Kind == "partitioned table" || l.Kind == "materialized view") && l.Mode > j.Mode {
					j.Table, j.Mode = l.Relation, l.Mode
				}
			}
			if changed != nil {
				j.Written = !originalTexts[normalise(st.SQL)] || written[normalise(st.SQL)]
			}
			out = append(out, j)
		}
	}
	return out
}

// normalise makes statement texts that differ only in white space equal.
func normalise(sql string) string { return strings.Join(strings.Fields(sql), " ") }

// compareWrites pairs the probe's figures of the two runs by table,
// keeping the tables that were written to in either.
func compareWrites(original, rewrite []probe.Result) []Writes {
	byTable := map[string]*Writes{}
	var out []*Writes
	get := func(t string) *Writes {
		if w := byTable[t]; w != nil {
			return w
		}
		w := &Writes{Table: t}
		byTable[t] = w
		out = append(out, w)
		return w
	}
	for _, r := range original {
		w := get(r.Table)
		w.Original, w.OriginalWrites, w.OriginalBlocked, w.OriginalErr = r.Longest, r.Writes, r.Blocked, r.Err
	}
	for _, r := range rewrite {
		w := get(r.Table)
		w.Rewrite, w.RewriteWrites, w.RewriteBlocked, w.RewriteErr = r.Longest, r.Writes, r.Blocked, r.Err
	}
	var kept []Writes
	for _, w := range out {
		if w.OriginalWrites > 0 || w.RewriteWrites > 0 {
			kept = append(kept, *w)
		}
	}
	return kept
}

func displayTables(st Statement) string {
	return strings.Join(append(append([]string{}, st.Rewritten...), st.Scanned...), ", ")
}

func scanVerb(st Statement) string {
	if len(st.Rewritten) > 0 {
		return "rewrites it"
	}
	return "scans it"
}
