// Package lint is the driver: it reads a migration set, replays it once
// into a set-level history, runs every enabled rule over every statement
// with the schema as of that statement, applies suppressions, and returns
// the findings in file order. Application query files, when given, are
// checked against the schema the whole set leaves, by the rules that read
// them.
package lint

import (
	"runtime"
	"sort"
	"sync"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/suppress"
	"github.com/pgsafe/pgsafe/rules"
)

// Options configure a run.
type Options struct {
	// Rules are the enabled rules, with their final severities.
	Rules []*rules.Rule
	// Known are all rules, enabled or not, for suppression comments.
	Known []*rules.Rule
	// Rule holds the settings rules read.
	Rule rules.Options
	// Framework overrides detection when not migration.Auto.
	Framework migration.Framework
	// SkipDown leaves down migrations out.
	SkipDown bool
	// Workers is the number of files parsed and checked at once; 0 means
	// one per CPU.
	Workers int
	// Queries are the application's SQL files (--queries): not migrations,
	// but queries that run against the schema the set leaves.
	Queries []source.File
	// Base is the schema the set starts from (--schema, --database-url);
	// nil for an empty database.
	Base *schema.Catalog
	// Pending reports whether a migration has not been deployed yet
	// (--since); nil means every migration is pending. See history.Options.
	Pending func(path string) bool
}

// Skipped is an input that was read but not linted.
type Skipped struct {
	Path   string
	Reason string
}

// Result is what a run found.
type Result struct {
	Files []*migration.File
	// Queries are the application query files, parsed.
	Queries     []*migration.File
	Skipped     []Skipped
	Diagnostics []rules.Diagnostic
	Statements  int
	// History is the set-level view the rules read.
	History *history.History
}

// Run lints files, which must be in migration order.
func Run(files []source.File, opts Options) *Result {
	res := &Result{}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	skip := migration.OtherDialects(paths)
	det := migration.NewDetector()
	type job struct {
		src source.File
		fw  migration.Framework
	}
	var jobs []job
	for _, f := range files {
		if why, ok := skip[f.Path]; ok {
			res.Skipped = append(res.Skipped, Skipped{f.Path, why})
			continue
		}
		fw := opts.Framework
		if fw == migration.Auto {
			fw = det.Detect(f.Path, f.Text)
		}
		if opts.SkipDown && migration.FileDirection(fw, f.Path) == migration.Down {
			res.Skipped = append(res.Skipped, Skipped{f.Path, "a down migration (down migrations are excluded)"})
			continue
		}
		jobs = append(jobs, job{f, fw})
	}

	// Parse every file in parallel: this is where the time goes.
	res.Files = make([]*migration.File, len(jobs))
	parallel(len(jobs), opts.Workers, func(i int) {
		res.Files[i] = migration.Read(jobs[i].src.Path, jobs[i].src.Text, migration.Options{Framework: jobs[i].fw}, nil)
	})

	res.Queries = make([]*migration.File, len(opts.Queries))
	parallel(len(opts.Queries), opts.Workers, func(i int) {
		q := opts.Queries[i]
		res.Queries[i] = migration.Read(q.Path, q.Text, migration.Options{Framework: migration.Psql}, nil)
	})
	for _, f := range res.Files {
		res.Statements += len(f.Statements)
	}

	// Replay the up migrations in order, once, before any check: the
	// rules that look across files read what the whole set does.
	res.History = history.Build(res.Files, res.Queries, history.Options{Base: opts.Base, Pending: opts.Pending})

	// Check every file in parallel, each from its own starting catalog;
	// then the query files, against the final one.
	all := append(append([]*migration.File{}, res.Files...), res.Queries...)
	perFile := make([][]rules.Diagnostic, len(all))
	parallel(len(all), opts.Workers, func(i int) {
		if i < len(res.Files) {
			perFile[i] = checkFile(all[i], res.History.Start(all[i].Path), res.History, false, opts)
		} else {
			perFile[i] = checkFile(all[i], res.History.Final(), res.History, true, opts)
		}
	})
	for _, ds := range perFile {
		res.Diagnostics = append(res.Diagnostics, ds...)
	}
	return res
}

// checkFile runs the rules over one file. A migration's statements are
// replayed into cat as they are checked; an application query file
// (query) is checked only by the rules that read queries, and changes
// nothing.
func checkFile(f *migration.File, cat *schema.Catalog, h *history.History, query bool, opts Options) []rules.Diagnostic {
	var out []rules.Diagnostic
	report := func(d rules.Diagnostic) { out = append(out, d) }
	if f.SyntaxError != nil {
		return []rules.Diagnostic{syntaxDiagnostic(f, opts)}
	}
	for _, st := range f.Statements {
		if opts.SkipDown && st.Direction == migration.Down {
			continue
		}
		var ls []locks.Lock
		if !query {
			ls = locks.Statement(st.Node, opts.Rule.PGVersion)
		}
		for _, r := range opts.Rules {
			if r.Check == nil || (query && !r.Queries) {
				continue
			}
			p := rules.NewPass(r, f, st, opts.Rule, cat, ls, report)
			p.History, p.Query = h, query
			r.Check(p)
		}
		if st.Direction == migration.Up && !query {
			cat.Replay(schema.StmtOf(f, st))
		}
	}
	out = suppress.Apply(f, out, opts.Known, enabled(opts.Rules))
	sort.SliceStable(out, func(i, j int) bool { return out[i].Span.Start < out[j].Span.Start })
	return out
}

func enabled(rs []*rules.Rule) map[string]*rules.Rule {
	m := make(map[string]*rules.Rule, len(rs))
	for _, r := range rs {
		m[r.Code] = r
	}
	return m
}

func syntaxDiagnostic(f *migration.File, opts Options) rules.Diagnostic {
	r := rules.Lookup(opts.Known, "syntax-error")
	if er := rules.Lookup(opts.Rules, "syntax-error"); er != nil {
		r = er
	}
	off := f.SyntaxError.Offset
	end := off + 1
	if end > len(f.Text) {
		end = len(f.Text)
	}
	if off > end {
		off = end
	}
	return rules.Diagnostic{
		Rule: r, Path: f.Path, Span: sqlparse.Span{Start: off, End: end}, Severity: r.Severity,
		Message: f.SyntaxError.Message, Help: f.SyntaxError.Hint,
	}
}

// parallel calls fn(0..n-1) on up to workers goroutines.
func parallel(n, workers int, fn func(int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
