// Package lint is the driver: it reads a migration set, replays it into a
// set-level history, runs every enabled rule over every statement with the
// schema as of that statement, applies suppressions, and returns the
// findings in file order. Application query files, when given, are checked
// against the schema the whole set leaves, by the rules that read them.
//
// Files are parsed in parallel and checked in migration order as they come
// out of the parser, each statement just before the history replays it,
// so that the set is replayed once and a file's parse trees are released
// as soon as it is checked. The parts of checks that need the whole set
// (what later migrations change, column moves, application queries) are
// deferred by the rules (rules.Pass.Later) and run after the last file.
package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/suppress"
	"github.com/pgsafe/pgsafe/internal/tool"
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
	// Tools are the settings that name the migration tools that run the
	// files (--framework, the config's framework and frameworks); files
	// that none covers get the tool that their folder shows.
	Tools []tool.Setting
	// SkipDown leaves down migrations out.
	SkipDown bool
	// DownWarnOnly reports the findings in down migrations at warning at
	// most (config down-migrations = "warn-only").
	DownWarnOnly bool
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
	// Code holds, by path, the Go source of the query files whose text is
	// the SQL that pgsafe found in Go code (--code; see gocode.File): the
	// SQL aligned byte for byte with the source, everything else blanked.
	// Their findings are placed, and their excerpts shown, in the source.
	Code map[string]string
	// CodeQueries holds, by path, the queries found in the Go files of
	// Code. A fix of a finding in Go code is written into the string
	// literal of its query, with Go's quoting (gocode.Query.Quote), when
	// the query is one literal in place; otherwise, or without the file's
	// queries, it is display-only, with the reason in Fix.Why. When set,
	// the rules learn from it how the code reads each query's rows
	// (rules.Options.CodeReads).
	CodeQueries map[string][]gocode.Query
	// Base is the schema the set starts from (--schema, --database-url);
	// nil for an empty database.
	Base *schema.Catalog
	// Reuse holds files that an earlier run read with their parse trees
	// (KeepTrees), by path: a file whose text and tool are the same is
	// not parsed again. The fix engine's rounds use it.
	Reuse map[string]*migration.File
	// Recheck, when set, limits the rules to the migrations it accepts;
	// the others are only replayed into the schema, and report nothing
	// (their findings are those of the earlier run that checked them).
	Recheck func(path string) bool
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

// Folder is a migration set of the run and the tool that runs it.
type Folder struct {
	// Path is the folder the tool treats as one set.
	Path   string
	Choice tool.Choice
	// Files is the number of the run's files in it.
	Files int
}

// Result is what a run found.
type Result struct {
	// Folders are the run's migration sets with their tools, in path
	// order.
	Folders []Folder
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

// Run lints files, which must be in migration order. A down migration
// that pairs with an up migration of the run is checked right after it,
// against the schema that its rollback meets.
func Run(files []source.File, opts Options) *Result {
	res, _ := RunContext(context.Background(), files, opts)
	return res
}

// RunContext is Run that stops once ctx is done, and then returns ctx's
// error and no result. It looks at ctx between files (before a file is
// parsed, and before it is checked), between the statements of a file,
// and between the checks deferred to the end of the set; a statement
// being parsed or checked runs to its end. A language server cancels the
// check that a newer edit overtakes this way.
func RunContext(ctx context.Context, files []source.File, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stop := stopper(ctx)
	if opts.CodeQueries != nil {
		opts.Rule.CodeReads = codeReads(opts.CodeQueries)
	}
	if opts.Rule.Releases == nil && opts.Pending != nil {
		// What is pending has not shipped; the rest has, in one release
		// at least.
		pending := opts.Pending
		opts.Rule.Releases = func(path string) int {
			if pending(path) {
				return 0
			}
			return 1
		}
		if opts.Rule.ReleaseSource == "" {
			opts.Rule.ReleaseSource = "the pending migrations"
		}
	}
	opts.enabled = make(map[string]*rules.Rule, len(opts.Rules))
	for _, r := range opts.Rules {
		opts.enabled[r.Code] = r
	}
	res := &Result{}
	paths := make([]string, len(files))
	inputs := make([]tool.Input, len(files))
	for i, f := range files {
		paths[i] = f.Path
		inputs[i] = tool.Input{Path: f.Path, Text: f.Text}
	}
	x := tool.NewIndex(paths)
	choices := tool.Choose(inputs, opts.Tools, x)
	files, choices = inToolOrder(files, choices)
	res.Folders = folders(files, choices)
	refused := refusals(files, choices, opts)
	skip := skipped(files, choices)
	type job struct {
		src    source.File
		choice tool.Choice
		name   tool.Name
	}
	var jobs []job
	for i, f := range files {
		if why, ok := skip[f.Path]; ok {
			res.Skipped = append(res.Skipped, Skipped{f.Path, why})
			continue
		}
		name, _ := choices[i].Tool.NameOf(f.Path)
		if opts.SkipDown && name.Direction == tool.Down {
			res.Skipped = append(res.Skipped, Skipped{f.Path, "a down migration (down migrations are excluded)"})
			continue
		}
		jobs = append(jobs, job{f, choices[i], name})
	}
	// A down migration goes right after its up, so that it is checked
	// against the schema that its rollback meets.
	order := make([]int, 0, len(jobs))
	ups := map[string]int{} // pairing key -> index in order of its up
	var downs []int
	for i, j := range jobs {
		if j.name.Direction == tool.Down && j.name.Key != "" {
			downs = append(downs, i)
			continue
		}
		order = append(order, i)
		if j.name.Key != "" {
			ups[j.name.Key] = len(order) - 1
		}
	}
	for _, d := range downs {
		at, ok := ups[jobs[d].name.Key]
		if !ok {
			order = append(order, d)
			continue
		}
		order = append(order[:at+1], append([]int{d}, order[at+1:]...)...)
		for k, v := range ups {
			if v > at {
				ups[k] = v + 1
			}
		}
		ups[jobs[d].name.Key] = at + 1
	}
	ordered := make([]job, len(order))
	for k, i := range order {
		ordered[k] = jobs[i]
	}
	jobs = ordered

	res.Files = make([]*migration.File, len(jobs))
	jobPaths, jobTexts := make([]string, len(jobs)), make([]string, len(jobs))
	for i, j := range jobs {
		jobPaths[i], jobTexts[i] = j.src.Path, j.src.Text
	}
	// Parse in parallel; check and replay the up migrations in order as
	// they come out of the parser, each statement against the catalog as
	// it is just before it runs, into the set's history; then release the
	// file's trees. What rules defer until the whole set is known runs
	// after the last file.
	builder := history.NewBuilder(jobPaths, history.Options{Base: opts.Base, Pending: opts.Pending, Texts: jobTexts})
	n := len(jobs) + len(opts.Queries)
	perFile := make([][]rules.Diagnostic, n)
	var deferred []func(*history.History)
	p := newPipeline(len(jobs), opts.Workers)
	p.parse = func(i int) {
		if stop() {
			return
		}
		j := jobs[i]
		if old := opts.Reuse[j.src.Path]; old != nil && old.Text == j.src.Text && old.Choice == j.choice && (old.SyntaxError != nil || len(old.Statements) == 0 || old.Statements[0].Node != nil) {
			res.Files[i] = old
			return
		}
		res.Files[i] = migration.Read(j.src.Path, j.src.Text, migration.Options{Choice: j.choice, ReadFile: opts.readFile})
	}
	checked := make([]bool, n)
	p.sequence = func(i int) {
		if stop() {
			return
		}
		f := res.Files[i]
		res.Statements += len(f.Statements)
		builder.Begin(f)
		c := checker{opts: opts, stop: stop, catalog: builder.Catalog, replay: builder.Statement}
		c.report = func(d rules.Diagnostic) { perFile[i] = append(perFile[i], d) }
		c.later = func(fn func(*history.History)) { deferred = append(deferred, fn) }
		checked[i] = opts.Recheck == nil || opts.Recheck(f.Path)
		if checked[i] {
			c.check(f)
		} else {
			c.replayOnly(f)
		}
		if !opts.KeepTrees {
			releaseTrees(f)
		}
	}
	p.run()
	if stop() {
		return nil, ctx.Err()
	}
	res.Queries = make([]*migration.File, len(opts.Queries))
	parallel(len(opts.Queries), opts.Workers, func(i int) {
		if stop() {
			return
		}
		q := opts.Queries[i]
		res.Queries[i] = migration.ReadSQL(q.Path, q.Text)
		if src, ok := opts.Code[q.Path]; ok && len(src) == len(q.Text) {
			res.Queries[i].Source = src
			res.Queries[i].Lines = sqlparse.NewLines(src)
		}
	})
	if stop() {
		return nil, ctx.Err()
	}
	res.History = builder.Finish(res.Queries)
	for _, fn := range deferred {
		if stop() {
			return nil, ctx.Err()
		}
		fn(res.History)
	}

	// The application query files read the schema the whole set leaves,
	// and change nothing; their checks need not wait for anything.
	finals := make([]*schema.Catalog, len(res.Queries)) // cloned here: clones of one catalog are not made concurrently
	for i := range finals {
		finals[i] = res.History.Final()
	}
	for i := range res.Queries {
		checked[len(jobs)+i] = true
	}
	parallel(len(res.Queries), opts.Workers, func(i int) {
		k := len(jobs) + i
		final := finals[i]
		c := checker{opts: opts, stop: stop, query: true, catalog: func() *schema.Catalog { return final }}
		c.report = func(d rules.Diagnostic) { perFile[k] = append(perFile[k], d) }
		c.later = func(fn func(*history.History)) { fn(res.History) }
		c.check(res.Queries[i])
		if res.Queries[i].Source != "" {
			codeSyntaxErrors(res.Queries[i], opts, c.report)
		}
		if !opts.KeepTrees {
			releaseTrees(res.Queries[i])
		}
	})
	if stop() {
		return nil, ctx.Err()
	}
	all := append(append([]*migration.File{}, res.Files...), res.Queries...)
	parallel(n, opts.Workers, func(i int) {
		if !checked[i] {
			return
		}
		var scopes map[int][]sqlparse.Span
		if all[i].Source != "" {
			scopes = gocode.Scopes(all[i].Source, opts.CodeQueries[all[i].Path])
		}
		ds := suppress.ApplyScoped(all[i], perFile[i], opts.Known, opts.enabled, scopes)
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].Span.Start < ds[j].Span.Start })
		if i < len(jobs) {
			markDown(all[i], ds, opts.DownWarnOnly)
		}
		if all[i].Source != "" {
			codeFixes(ds, all[i].Source, opts.CodeQueries[all[i].Path])
		}
		perFile[i] = ds
	})
	res.Diagnostics = guessedHints(res, opts)
	for i, f := range res.Files {
		perFile[i] = append(refused[f.Path], perFile[i]...)
	}
	for _, ds := range perFile {
		res.Diagnostics = append(res.Diagnostics, ds...)
	}
	return res, nil
}

// stopper returns a function that reports whether ctx is done, for the
// places a run looks at it: a context that is never done (Background)
// costs nothing there.
func stopper(ctx context.Context) func() bool {
	done := ctx.Done()
	return func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

// codeReads returns a rules.Options.CodeReads over the queries found in
// Go code, by path: the read of the first query whose SQL overlaps the
// statement's span.
func codeReads(queries map[string][]gocode.Query) func(string, sqlparse.Span) *rules.CodeRead {
	return func(path string, span sqlparse.Span) *rules.CodeRead {
		for _, q := range queries[path] {
			if q.End <= span.Start || q.Start >= span.End || q.Read == nil {
				continue
			}
			r := q.Read
			return &rules.CodeRead{Line: r.Line, Call: r.Call, Destinations: r.Destinations, Names: r.Names, Lax: r.Lax, Strict: r.Strict,
				Driver: r.Driver, Types: r.Types}
		}
		return nil
	}
}

// codeFixes turns the fixes of ds, findings in Go code whose queries are
// qs, into edits of the Go source: an edit of a query's SQL is written
// into its string literal, quoted for it (gocode.Query.Quote). The SQL
// and the source src are aligned, so the offsets stay (an edge that
// falls inside an escape sequence moves out of it: gocode.Query.EditSpan).
// A fix whose edits do not all lie in one literal query, or that the
// literal cannot hold, becomes display-only, with the reason in Why.
func codeFixes(ds []rules.Diagnostic, src string, qs []gocode.Query) {
	for i := range ds {
		fixes := make([]rules.Fix, len(ds[i].Fixes))
		for j, fx := range ds[i].Fixes {
			fixes[j] = codeFix(fx, src, qs)
		}
		ds[i].Fixes = fixes
	}
}

// codeFix is codeFixes for one fix.
func codeFix(fx rules.Fix, src string, qs []gocode.Query) rules.Fix {
	advice := func(why string) rules.Fix {
		return rules.Fix{Title: fx.Title, Safety: rules.DisplayOnly, Why: why}
	}
	if fx.Safety == rules.DisplayOnly || len(fx.Edits) == 0 || len(fx.Steps) > 0 || fx.Contract != "" || fx.Down != "" || len(fx.Also) > 0 {
		return advice(fx.Why)
	}
	edits := make([]rules.Edit, len(fx.Edits))
	for k, e := range fx.Edits {
		if e.Path != "" {
			return advice("the fix edits another file than the Go code")
		}
		q, ok := gocode.QueryAt(qs, e.Start, e.End)
		if !ok {
			return advice("the edit is not in the SQL of one query")
		}
		text, err := q.Quote(e.NewText)
		if err != nil {
			return advice(err.Error())
		}
		if e.Start, e.End, err = q.EditSpan(src, e.Start, e.End); err != nil {
			return advice(err.Error())
		}
		e.NewText = text
		edits[k] = e
	}
	fx.Edits = edits
	return fx
}

// markDown sets Down on the findings ds of file f that lie in its down
// statements (a finding outside every statement goes by the file's
// direction), and with warnOnly caps their severity at warning.
func markDown(f *migration.File, ds []rules.Diagnostic, warnOnly bool) {
	for k := range ds {
		d := &ds[k]
		dir := f.Direction
		i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Span.End > d.Span.Start })
		if i < len(f.Statements) && f.Statements[i].Span.Start <= d.Span.Start {
			dir = f.Statements[i].Direction
		}
		d.Down = dir == migration.Down
		if d.Down && warnOnly && d.Severity > rules.Warning {
			d.Severity = rules.Warning
		}
	}
}

// inToolOrder returns files in the order their tools run them: the
// files of each project, in the places they take, in the order the
// project's tool gives them (sqitch's plan, drizzle's journal, dbmate's
// and Atlas's string order of names).
func inToolOrder(files []source.File, choices []tool.Choice) ([]source.File, []tool.Choice) {
	type key struct {
		t       *tool.Tool
		project string
	}
	groups := map[key][]int{}
	var keys []key
	for i, f := range files {
		k := key{choices[i].Tool, choices[i].Tool.ProjectOf(f.Path)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	outF := make([]source.File, len(files))
	outC := make([]tool.Choice, len(files))
	for _, k := range keys {
		idx := groups[k]
		byPath := map[string]int{}
		paths := make([]string, len(idx))
		for j, i := range idx {
			paths[j] = files[i].Path
			byPath[files[i].Path] = i
		}
		ordered := k.t.OrderOf(paths)
		for j, p := range ordered {
			outF[idx[j]], outC[idx[j]] = files[byPath[p]], choices[byPath[p]]
		}
	}
	return outF, outC
}

// refusals returns, by file, what each project's tool would refuse in
// it (rule PS911), for the tools that are known rather than guessed; a
// refusal of a file the run does not lint (atlas.sum, a journal) goes on
// the project's first file.
func refusals(files []source.File, choices []tool.Choice, opts Options) map[string][]rules.Diagnostic {
	r := opts.enabled["PS911"]
	if r == nil {
		return nil
	}
	inputs := make([]tool.Input, len(files))
	known := map[string]string{}
	firstOf := map[string]string{} // project -> its first file
	for i, f := range files {
		inputs[i] = tool.Input{Path: f.Path, Text: f.Text}
		known[f.Path] = f.Text
		project := choices[i].Tool.ProjectOf(f.Path)
		if _, ok := firstOf[project]; !ok {
			firstOf[project] = f.Path
		}
	}
	out := map[string][]rules.Diagnostic{}
	for _, p := range tool.CheckAll(inputs, choices) {
		path, msg, off := p.Path, p.Message, p.Offset
		if _, ok := known[path]; !ok {
			msg = filepath.Base(path) + ": " + msg
			d := filepath.Dir(path)
			path, off = firstOf[d], 0
			if path == "" {
				path = firstOf[filepath.Dir(d)] // meta/_journal.json
			}
			if path == "" {
				continue
			}
		}
		end := off
		if text := known[path]; off < len(text) {
			end = off + 1
			if nl := strings.IndexByte(text[off:], '\n'); nl > 0 {
				end = off + nl
			}
		}
		out[path] = append(out[path], rules.Diagnostic{Rule: r, Path: path, Span: sqlparse.Span{Start: off, End: end}, Severity: r.Severity, Message: msg, Help: r.Doc.Help})
	}
	return out
}

// folders groups the run's files by the set their tool treats as one.
func folders(files []source.File, choices []tool.Choice) []Folder {
	type key struct {
		path string
		c    tool.Choice
	}
	count := map[key]int{}
	var keys []key
	for i, f := range files {
		k := key{choices[i].Tool.ProjectOf(f.Path), choices[i]}
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	out := make([]Folder, len(keys))
	for i, k := range keys {
		out[i] = Folder{Path: k.path, Choice: k.c, Files: count[k]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// skipped returns the files that their tools never run on PostgreSQL,
// with the reason.
func skipped(files []source.File, choices []tool.Choice) map[string]string {
	byTool := map[*tool.Tool][]string{}
	for i, f := range files {
		if choices[i].Tool.Skip != nil {
			byTool[choices[i].Tool] = append(byTool[choices[i].Tool], f.Path)
		}
	}
	out := map[string]string{}
	for t, paths := range byTool {
		for p, why := range t.Skip(paths) {
			out[p] = why
		}
	}
	return out
}

// guessedHints reports, once per set whose tool is only a guess, which
// tool pgsafe assumed and how to name it, on the first linted file of
// the set.
func guessedHints(res *Result, opts Options) []rules.Diagnostic {
	r := opts.enabled["PS910"]
	if r == nil {
		return nil
	}
	var out []rules.Diagnostic
	for _, fo := range res.Folders {
		if fo.Choice.Source.Certain() {
			continue
		}
		for _, f := range res.Files {
			if f.Choice == fo.Choice && f.Tool.ProjectOf(f.Path) == fo.Path {
				out = append(out, rules.Diagnostic{
					Rule: r, Path: f.Path, Severity: r.Severity,
					Message: fmt.Sprintf("pgsafe assumes %s runs %s (guessed from %s): findings follow that tool's transactions, and fix leaves rewrites that depend on them as advice", fo.Choice.Tool.Name, displayFolder(fo.Path), fo.Choice.Evidence),
					Help:    fmt.Sprintf("if %s runs these files, say so: framework = %q in .pgsafe.toml (or this folder in its [frameworks] table), or --framework %s", fo.Choice.Tool.Name, fo.Choice.Tool.Name, fo.Choice.Tool.Name),
				})
				break
			}
		}
	}
	return out
}

// displayFolder names a folder for messages.
func displayFolder(path string) string {
	if path == "." {
		return "the files here"
	}
	return path + "/"
}

// checker runs the rules over the statements of one file.
type checker struct {
	opts Options
	// stop reports that the run is cancelled: the statements not checked
	// yet are left alone.
	stop func() bool
	// query reports an application query file, which only the rules that
	// read queries check, and which changes no schema.
	query bool
	// catalog returns the schema as of the statement being checked.
	catalog func() *schema.Catalog
	// replay applies a checked migration statement to the catalog; nil
	// for query files.
	replay func(*migration.Statement)
	report func(rules.Diagnostic)
	later  func(func(*history.History))
}

// check checks f's statements in order, replaying each into the catalog
// once the rules have seen it.
func (c checker) check(f *migration.File) {
	if f.SyntaxError != nil {
		c.report(syntaxDiagnostic(f, c.opts))
		return
	}
	state := rules.NewFileState(f, c.opts.Rule.PGVersion, c.later)
	// A rollback runs against the schema that the up migrations leave:
	// down statements are checked against a copy of the catalog as of
	// their start, replayed into that copy and never into the history.
	var down *schema.Catalog
	for _, st := range f.Statements {
		if c.stop() {
			return
		}
		if c.opts.SkipDown && st.Direction == migration.Down {
			continue
		}
		cat := c.catalog()
		if st.Direction == migration.Down && !c.query {
			if down == nil {
				down = cat.Clone()
			}
			cat = down
		}
		// One pass per statement, handed to each rule in turn.
		var ls []locks.Lock
		if !c.query {
			ls = state.Locks(st)
		}
		pass := rules.NewPass(nil, f, st, c.opts.Rule, cat, ls, c.report)
		pass.Query = c.query
		pass.SetFileState(state)
		for _, r := range c.opts.Rules {
			if r.Check == nil || (c.query && !r.Queries) {
				continue
			}
			pass.Rule = r
			r.Check(pass)
		}
		switch {
		case down != nil && st.Direction == migration.Down:
			down.Replay(schema.StmtOf(f, st))
		case c.replay != nil:
			c.replay(st)
		default:
		}
	}
}

// replayOnly replays f's up statements into the schema without running
// the rules, for a file that an earlier run checked.
func (c checker) replayOnly(f *migration.File) {
	if f.SyntaxError != nil || c.replay == nil {
		return
	}
	for _, st := range f.Statements {
		if st.Direction == migration.Up {
			c.replay(st)
		}
	}
}

func syntaxDiagnostic(f *migration.File, opts Options) rules.Diagnostic {
	return syntaxErrorAt(f.Path, f.Text, f.SyntaxError, opts)
}

// syntaxErrorAt is the syntax-error finding for err in the text of path.
func syntaxErrorAt(path, text string, err *sqlparse.SyntaxError, opts Options) rules.Diagnostic {
	r := rules.Lookup(opts.Known, "syntax-error")
	if er := rules.Lookup(opts.Rules, "syntax-error"); er != nil {
		r = er
	}
	off := err.Offset
	end := off + 1
	if end > len(text) {
		end = len(text)
	}
	if off > end {
		off = end
	}
	return rules.Diagnostic{
		Rule: r, Path: path, Span: sqlparse.Span{Start: off, End: end}, Severity: r.Severity,
		Message: err.Message, Help: err.Hint,
	}
}

// codeSyntaxErrors reports the syntax error of each complete query of
// the Go file f (Options.CodeQueries) that PostgreSQL cannot parse, at
// its place in the Go source, as a query file's syntax error is. Such a
// query is left out of f's SQL (gocode.File.Checkable), so the file's
// other queries are checked; one error per span, as two calls may send
// one constant.
func codeSyntaxErrors(f *migration.File, opts Options, report func(rules.Diagnostic)) {
	seen := map[int]bool{}
	for _, q := range opts.CodeQueries[f.Path] {
		if q.SyntaxError == nil || seen[q.SyntaxError.Offset] {
			continue
		}
		seen[q.SyntaxError.Offset] = true
		report(syntaxErrorAt(f.Path, f.Text, q.SyntaxError, opts))
	}
}

// releaseTrees drops the parse trees of a checked file, which are most of
// the memory a file takes; its statements keep their spans.
func releaseTrees(f *migration.File) {
	for _, st := range f.Statements {
		st.Node = nil
	}
}

// pipeline runs two stages over n files: parse, in parallel, and
// sequence, in file order, one file at a time, each file as soon as it
// and every file before it are parsed. The same workers do both, so that
// no stage waits for a CPU that another stage's goroutine holds: a
// worker takes the sequence stage whenever the next file is ready and no
// other worker has it, and parses otherwise. The number of files parsed
// but not yet sequenced is bounded, so that only a few files' parse trees
// are held at once.
type pipeline struct {
	n        int
	workers  int
	window   int // most files parsed or being parsed and not yet sequenced
	parse    func(i int)
	sequence func(i int)

	mu         sync.Mutex
	wake       *sync.Cond // signalled when a file is parsed, a slot frees or all is done
	nextParse  int        // the next file to parse
	nextSeq    int        // the next file to sequence
	parsed     []bool     // parsed, so ready to sequence
	sequencing bool       // a worker runs the sequence stage
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
	p := &pipeline{n: n, workers: workers, window: 16 * workers, parsed: make([]bool, n)}
	p.wake = sync.NewCond(&p.mu)
	return p
}

// run works through all files on the calling goroutine and workers-1
// others, and returns when every file is sequenced.
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

// work runs stages until every file is sequenced. It holds the lock
// except while it parses or sequences; it does not defer the unlock, so
// that a panic in a rule surfaces as itself rather than as an unlock of
// an unlocked mutex.
func (p *pipeline) work() {
	p.mu.Lock()
	for p.nextSeq < p.n {
		switch {
		case !p.sequencing && p.parsed[p.nextSeq]:
			p.sequencing = true
			for p.nextSeq < p.n && p.parsed[p.nextSeq] {
				i := p.nextSeq
				p.mu.Unlock()
				p.sequence(i)
				p.mu.Lock()
				p.nextSeq++
				p.wake.Broadcast()
			}
			p.sequencing = false
		case p.nextParse < p.n && p.nextParse-p.nextSeq < p.window:
			i := p.nextParse
			p.nextParse++
			p.mu.Unlock()
			p.parse(i)
			p.mu.Lock()
			p.parsed[i] = true
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
