// Package lint is the driver: it reads a migration set, replays it into a
// set-level history, runs every enabled rule over every statement with the
// schema as of that statement, applies suppressions, and returns the
// findings in file order. Application query files, when given, are checked
// against the schema the whole set leaves, by the rules that read them.
package lint

import (
	"os"
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
	"github.com/pgsafe/pgsafe/rewrite/split"
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
	// KeepTrees keeps each statement's parse tree (Statement.Node) in
	// Result.Files. By default a file's trees are released once the file is
	// checked, so that memory holds the trees of a few files at a time
	// rather than of the whole set.
	KeepTrees bool
	// Overlay holds file contents that take the place of the files on
	// disk, such as companion files that fixes created in memory.
	Overlay map[string]string
	// Queries are the application's SQL files (--queries): not migrations,
	// but queries that run against the schema the set leaves.
	Queries []source.File
	// Base is the schema the set starts from (--schema, --database-url);
	// nil for an empty database.
	Base *schema.Catalog
	// Pending reports whether a migration has not been deployed yet
	// (--changed-since); nil means every migration is pending. See
	// history.Options.
	Pending func(path string) bool

	enabled map[string]*rules.Rule // Rules by code, set by Run
}

// Skipped is an input that was read but not linted.
type Skipped struct {
	Path   string
	Reason string
}

// Result is what a run found.
type Result struct {
	// Files are the linted files in order; their statements have no parse
	// trees unless Options.KeepTrees was set.
	Files []*migration.File
	// Queries are the application query files, parsed, likewise.
	Queries     []*migration.File
	Skipped     []Skipped
	Diagnostics []rules.Diagnostic
	Statements  int
	// History is the set-level view the rules read.
	History *history.History
}

// Run lints files, which must be in migration order.
func Run(files []source.File, opts Options) *Result {
	opts.enabled = make(map[string]*rules.Rule, len(opts.Rules))
	for _, r := range opts.Rules {
		opts.enabled[r.Code] = r
	}
	res := &Result{}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	skip := migration.OtherDialects(paths)
	index := split.NewIndex(paths)
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

	res.Files = make([]*migration.File, len(jobs))
	jobPaths := make([]string, len(jobs))
	for i, j := range jobs {
		jobPaths[i] = j.src.Path
	}
	// Parse in parallel and replay the up migrations in order as they come
	// out of the parser, into the set's history. Rules that look across
	// files need the whole history, so the checks wait for the last
	// replay; this stage keeps the catalog each file starts from.
	builder := history.NewBuilder(jobPaths, history.Options{Base: opts.Base, Pending: opts.Pending})
	starts := make([]*schema.Catalog, len(jobs))
	p := newPipeline(len(jobs), opts.Workers)
	p.parse = func(i int) {
		res.Files[i] = migration.Read(jobs[i].src.Path, jobs[i].src.Text, migration.Options{Framework: jobs[i].fw, ReadFile: opts.readFile}, nil)
	}
	p.replay = func(i int) *schema.Catalog {
		res.Statements += len(res.Files[i].Statements)
		return builder.Add(res.Files[i])
	}
	p.check = func(i int, start *schema.Catalog) { starts[i] = start }
	p.run()
	res.Queries = make([]*migration.File, len(opts.Queries))
	parallel(len(opts.Queries), opts.Workers, func(i int) {
		q := opts.Queries[i]
		res.Queries[i] = migration.Read(q.Path, q.Text, migration.Options{Framework: migration.Psql}, nil)
	})
	res.History = builder.Finish(res.Queries)

	// Check every file in parallel, each from its own starting catalog;
	// then the query files, against the final one.
	all := append(append([]*migration.File{}, res.Files...), res.Queries...)
	perFile := make([][]rules.Diagnostic, len(all))
	parallel(len(all), opts.Workers, func(i int) {
		if i < len(res.Files) {
			perFile[i] = checkFile(all[i], starts[i], res.History, false, opts, index)
		} else {
			perFile[i] = checkFile(all[i], res.History.Final(), res.History, true, opts, index)
		}
		if !opts.KeepTrees {
			releaseTrees(all[i])
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
func checkFile(f *migration.File, cat *schema.Catalog, h *history.History, query bool, opts Options, files *split.Index) []rules.Diagnostic {
	var out []rules.Diagnostic
	report := func(d rules.Diagnostic) { out = append(out, d) }
	if f.SyntaxError != nil {
		return []rules.Diagnostic{syntaxDiagnostic(f, opts)}
	}
	for _, st := range f.Statements {
		if opts.SkipDown && st.Direction == migration.Down {
			continue
		}
		// One pass per statement, handed to each rule in turn.
		var ls []locks.Lock
		if !query {
			ls = locks.Statement(st.Node, opts.Rule.PGVersion)
		}
		pass := rules.NewPass(nil, f, st, opts.Rule, cat, ls, report)
		pass.Files, pass.History, pass.Query = files, h, query
		for _, r := range opts.Rules {
			if r.Check == nil || (query && !r.Queries) {
				continue
			}
			pass.Rule = r
			r.Check(pass)
		}
		if st.Direction == migration.Up && !query {
			cat.Replay(schema.StmtOf(f, st))
		}
	}
	out = suppress.Apply(f, out, opts.Known, opts.enabled)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Span.Start < out[j].Span.Start })
	return out
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

// releaseTrees drops the parse trees of a checked file, which are most of
// the memory a file takes; its statements keep their spans.
func releaseTrees(f *migration.File) {
	for _, st := range f.Statements {
		st.Node = nil
	}
}

// pipeline runs three stages over n files: parse (in parallel), replay
// (in file order, one file at a time) and check (in parallel, each file
// once it has been replayed). The same workers do all three, so that no
// stage waits for a CPU that another stage's goroutine holds: a worker
// that parses the next file in order also replays it and any parsed files
// after it. Checks come first, and the number of files parsed but not yet
// checked is bounded. Run's check stage only keeps each file's starting
// catalog: the rules run once the whole set is replayed, since some read
// what later migrations do, so every parse tree is held until then.
type pipeline struct {
	n       int
	workers int
	window  int // most files parsed and not yet checked
	parse   func(i int)
	replay  func(i int) *schema.Catalog // the catalog file i's check starts from
	check   func(i int, start *schema.Catalog)

	mu         sync.Mutex
	wake       *sync.Cond  // signalled when work appears, a slot frees or all is done
	nextParse  int         // the next file to parse
	nextReplay int         // the next file to replay
	parsed     []bool      // parsed, so ready for replay
	queue      []checkTask // replayed and not yet checked, in order
	inFlight   int         // parsed or being parsed, and not yet checked
	checked    int
}

type checkTask struct {
	i     int
	start *schema.Catalog
}

func newPipeline(n, workers int) *pipeline {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	// Enough files in flight to keep every worker busy, few enough that
	// their trees stay small.
	p := &pipeline{n: n, workers: workers, window: 4 * workers, parsed: make([]bool, n)}
	p.wake = sync.NewCond(&p.mu)
	return p
}

// run works through all files on the calling goroutine and workers-1
// others, and returns when every file is checked.
func (p *pipeline) run() {
	var wg sync.WaitGroup
	for w := 1; w < p.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work()
		}()
	}
	p.work()
	wg.Wait()
}

// work runs stages until every file is checked. It holds the lock except
// while it parses or checks; it does not defer the unlock, so that a panic
// in a rule surfaces as itself rather than as an unlock of an unlocked
// mutex.
func (p *pipeline) work() {
	p.mu.Lock()
	for p.checked < p.n {
		switch {
		case len(p.queue) > 0:
			t := p.queue[0]
			p.queue = p.queue[1:]
			p.mu.Unlock()
			p.check(t.i, t.start)
			p.mu.Lock()
			p.inFlight--
			p.checked++
			p.wake.Broadcast()
		case p.nextParse < p.n && p.inFlight < p.window:
			i := p.nextParse
			p.nextParse++
			p.inFlight++
			p.mu.Unlock()
			p.parse(i)
			p.mu.Lock()
			p.parsed[i] = true
			for p.nextReplay < p.n && p.parsed[p.nextReplay] {
				j := p.nextReplay
				p.queue = append(p.queue, checkTask{j, p.replay(j)})
				p.nextReplay++
			}
			p.wake.Broadcast()
		default:
			p.wake.Wait()
		}
	}
	p.mu.Unlock()
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

// readFile reads a companion file from the overlay, else from disk.
func (o Options) readFile(path string) ([]byte, error) {
	if text, ok := o.Overlay[path]; ok {
		return []byte(text), nil
	}
	return os.ReadFile(path)
}
