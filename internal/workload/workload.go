// Package workload runs migrations the way they meet production: every
// table filled with generated rows before the files that follow its
// creation (package seed), so that scans and rewrites take real time, and
// a writer updating one row of each table the migrations lock, again and
// again, while they run (package probe), so that the wait they cause is
// measured rather than predicted. The run itself is a trace (package
// trace), which records the locks.
package workload

import (
	"context"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/seed"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// Options say how much load a run carries.
type Options struct {
	// Rows is how many rows each table gets; 0 runs the migrations on
	// the tables as they are, with no writer.
	Rows int
	// Tables are the tables the writer writes to, "schema.name" (Tables
	// finds them).
	Tables []string
}

// Trace runs files on the database of target with a trace (topts), under
// the load opts gives, and returns the trace with the load in its Load
// (nil without one): the tables seeded and what the writes to each table
// saw. A trace that fails part way returns what it recorded with the
// error, as trace.Run does, the load included.
func Trace(ctx context.Context, target *pgtarget.Target, files []*migration.File, topts trace.Options, opts Options) (*trace.Result, error) {
	if opts.Rows <= 0 {
		return trace.Run(ctx, target, files, topts)
	}
	conn, err := target.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	load := &trace.Load{Rows: opts.Rows}
	s := seed.New(opts.Rows)
	before := topts.BeforeFile
	topts.BeforeFile = func(ctx context.Context, f *migration.File) error {
		if before != nil {
			if err := before(ctx, f); err != nil {
				return err
			}
		}
		return s.Fill(ctx, conn, &load.Seeded)
	}
	p := probe.Start(ctx, target, opts.Tables)
	res, err := trace.Run(ctx, target, files, topts)
	load.Writes = p.Stop()
	if res != nil {
		res.Load = load
	}
	return res, err
}

// Tables returns the tables that the up statements of files lock, as the
// lock model of PostgreSQL version names them ("schema.name"), each once,
// in the order they are first locked; indexes are left out.
func Tables(version int, files []*migration.File) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		for _, st := range f.Statements {
			if st.Direction != migration.Up {
				continue
			}
			for _, l := range locks.Statement(st.Node, version) {
				if l.Role != locks.RoleIndex && !seen[l.Relation] {
					seen[l.Relation] = true
					out = append(out, l.Relation)
				}
			}
		}
	}
	return out
}
