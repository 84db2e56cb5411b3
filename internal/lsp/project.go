package lsp

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// project is one migration set: the .sql files under a root folder that
// share a config, linted together as pgsafe lint lints them. Its fields
// are guarded by server.mu, except those of a check, which checkMu
// guards.
type project struct {
	s    *server
	root string
	// cfgPath is the set's .pgsafe.toml, "" for none.
	cfgPath string

	kickc chan struct{} // a check is wanted
	done  chan struct{} // closed when the project is dropped

	// Guarded by server.mu.
	gen         int  // bumped on every change of a file of the set
	dirty       bool // a file changed since the last check started
	full        bool // the next check checks every file
	reloadFiles bool // the next check reads the files on disk again
	code        bool // the set checks Go code (Settings.Code), as last loaded
	timer       *time.Timer
	// overtake cancels the check that is running, when one is: a change
	// to a file of the set makes its result stale, so it stops rather
	// than run to its end (see checkLocked).
	overtake context.CancelFunc
	// disk holds the set's files as last read from disk, by path; nil
	// until read.
	disk  map[string]string
	order []string // disk's paths in the order source.Load found them
	// codeDisk holds the Go files that the config's code globs read, as
	// last read from disk, by path (Settings.CodeFiles); codeOrder, their
	// paths in that order.
	codeDisk  map[string]string
	codeOrder []string

	checkMu sync.Mutex // one check at a time; guards the fields below
	// settings are the set's resolved settings; nil when the config is
	// bad (cfgErr says why) or not read yet.
	settings *Settings
	cfgErr   error
	loaded   bool // settings and disk were read
	// The last check: the gen it saw, its result (with parse trees, for
	// the next check to reuse), and its findings and texts by path.
	checkedGen int
	last       *lint.Result
	diags      map[string][]rules.Diagnostic
	texts      map[string]string
	versions   map[string]int // the versions of the open documents it read
	// queryFiles are the config's application query files (Lint.Queries
	// without the SQL found in Go code).
	queryFiles []source.File
	// goTexts are the Go texts (open buffers in place of files) that
	// goFound was found in, by path.
	goTexts map[string]string
	goFound gocode.Checked
	// checkOpts are the options of the last check, with the SQL found in
	// the Go code it read, for the fixes that code actions make.
	checkOpts lint.Options
}

func newProject(s *server, root string) *project {
	return &project{
		s:       s,
		root:    root,
		cfgPath: config.Find(root),
		kickc:   make(chan struct{}, 1),
		done:    make(chan struct{}),
		full:    true,
		dirty:   true,
	}
}

// kick asks for a check; it never blocks.
func (p *project) kick() {
	select {
	case p.kickc <- struct{}{}:
	default:
	}
}

// close stops the project's goroutine and the check it runs; the caller
// holds server.mu.
func (p *project) close() {
	if p.timer != nil {
		p.timer.Stop()
	}
	p.overtaken()
	select {
	case <-p.done:
	default:
		close(p.done)
	}
}

// overtaken stops the check that is running, if any: a file of the set
// changed, so that its result would be stale. The caller holds
// server.mu.
func (p *project) overtaken() {
	if p.overtake != nil {
		p.overtake()
		p.overtake = nil
	}
}

// errOvertaken is the error of a check that a change to a file of its
// set stopped.
var errOvertaken = errors.New("a newer change to the migration set overtook the check")

// saved notes that the file at path was saved: its text on disk is now
// that of its buffer. The caller holds server.mu.
func (p *project) saved(path string) {
	if d := p.s.docs[path]; d != nil && isGo(path) {
		if _, ok := p.codeDisk[path]; ok {
			p.codeDisk[path] = d.text
		}
		return
	}
	if d := p.s.docs[path]; d != nil && p.disk != nil {
		if _, ok := p.disk[path]; !ok {
			p.order = append(p.order, path)
		}
		p.disk[path] = d.text
	}
}

// run checks the set each time it is kicked, and publishes the
// diagnostics of its open documents.
func (p *project) run() {
	for {
		select {
		case <-p.done:
			return
		case <-p.s.ctx.Done():
			return
		case <-p.kickc:
		}
		c, err := p.check(p.s.ctx)
		switch {
		case errors.Is(err, errOvertaken), p.s.ctx.Err() != nil:
			// The change that stopped it has kicked the next check.
			continue
		case err != nil:
			p.s.logf("checking %s: %v", p.root, err)
			continue
		}
		p.checkMu.Lock()
		p.s.mu.Lock()
		stale := p.gen != c.gen
		closed := false
		select {
		case <-p.done:
			closed = true
		default:
		}
		if !stale && !closed {
			p.s.publishCheck(p, c)
		}
		p.s.mu.Unlock()
		p.checkMu.Unlock()
	}
}

// checked is what a check saw: its gen and the versions of the open
// documents it read.
type checked struct {
	gen      int
	versions map[string]int
}

// check lints the set when a file changed since the last check: only the
// changed files and those after them are checked again, the others keep
// their findings (lint.Options.Recheck).
func (p *project) check(ctx context.Context) (checked, error) {
	p.checkMu.Lock()
	defer p.checkMu.Unlock()
	return p.checkLocked(ctx)
}

// checkLocked is check for a caller that holds checkMu. A change to a
// file of the set while it runs stops it (errOvertaken), as does ctx
// (ctx's error); either way it records nothing, and the next check does
// its work.
func (p *project) checkLocked(ctx context.Context) (checked, error) {
	s := p.s
	s.mu.Lock()
	gen, dirty, full, reload := p.gen, p.dirty, p.full, p.reloadFiles || !p.loaded
	if !dirty && !full && !reload && p.last != nil {
		s.mu.Unlock()
		return checked{gen: p.checkedGen, versions: p.versions}, nil
	}
	p.dirty, p.full, p.reloadFiles = false, false, false
	checkCtx, cancel := context.WithCancel(ctx)
	p.overtake = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		p.overtake = nil
		s.mu.Unlock()
		cancel()
	}()
	// codeChanged is set when the Go code's SQL changed: every
	// migration is checked again, with the parse trees of the last check.
	codeChanged := false
	// stopped gives the next check the work that this one leaves.
	stopped := func() (checked, error) {
		s.mu.Lock()
		p.dirty, p.full = true, p.full || full || codeChanged
		p.reloadFiles = p.reloadFiles || !p.loaded
		s.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return checked{}, err
		}
		return checked{}, errOvertaken
	}

	if reload {
		full = true
		if err := p.load(checkCtx); err != nil {
			return checked{}, err
		}
		if checkCtx.Err() != nil {
			return stopped()
		}
	}

	s.mu.Lock()
	versions := map[string]int{}
	var files []source.File
	seen := map[string]bool{}
	// Open buffers of Flyway's .sql.conf files take the place of the
	// companion files on disk.
	overlay := map[string]string{}
	for path, d := range s.docs {
		if strings.HasSuffix(path, ".sql.conf") && within(path, p.root) {
			overlay[path] = d.text
		}
	}
	for _, path := range p.order {
		text := p.disk[path]
		if d := s.docs[path]; d != nil {
			text = d.text
			versions[path] = d.version
		}
		seen[path] = true
		files = append(files, source.File{Path: path, Text: text})
	}
	// The Go code, open buffers in place of the files on disk.
	goFiles := make([]source.File, 0, len(p.codeOrder))
	for _, path := range p.codeOrder {
		text := p.codeDisk[path]
		if d := s.docs[path]; d != nil {
			text = d.text
			versions[path] = d.version
		}
		goFiles = append(goFiles, source.File{Path: path, Text: text})
	}
	// Open documents of the set that are not on disk yet.
	for path, d := range s.docs {
		if !seen[path] && isSQL(path) && s.rootOf(path) == p.root && p.owns(path) {
			files = append(files, source.File{Path: path, Text: d.text})
			versions[path] = d.version
		}
	}
	s.mu.Unlock()

	if p.settings == nil {
		p.record(gen, versions, nil, map[string][]rules.Diagnostic{}, files)
		return checked{gen: gen, versions: versions}, nil
	}

	opts := p.settings.Lint
	opts.KeepTrees = true
	if len(overlay) > 0 {
		opts.Overlay = overlay
		full = true // the companions of reused files may have changed
	}
	if p.settings.Code {
		// What the code reads decides the findings of every migration
		// that changes the tables it reads.
		codeChanged = p.findCode(goFiles)
		opts.Queries = append(slices.Clone(p.queryFiles), p.goFound.SQL...)
		opts.Code, opts.CodeQueries = p.goFound.Sources, p.goFound.Queries
	}
	p.checkOpts = opts
	var recheck func(string) bool
	if p.last != nil && !full {
		recheck = p.recheckAfter(files)
		if codeChanged {
			recheck = func(string) bool { return true }
		}
		opts.Reuse = map[string]*migration.File{}
		for _, f := range p.last.Files {
			opts.Reuse[f.Path] = f
		}
		opts.Recheck = recheck
	}
	res, err := lint.RunContext(checkCtx, files, opts)
	if err != nil {
		return stopped()
	}
	if p.settings.Finish != nil {
		p.settings.Finish(res)
	}
	// The fixes that split a file are placed (rewrite.Place) when a code
	// action asks for them: placing every finding's takes longer than the
	// check.
	diags := map[string][]rules.Diagnostic{}
	for _, d := range res.Diagnostics {
		diags[d.Path] = append(diags[d.Path], d)
	}
	if recheck != nil {
		// The files not checked again keep their findings; the driver's
		// own (the tool refuses or was guessed) are fresh.
		for _, f := range res.Files {
			if recheck(f.Path) {
				continue
			}
			for _, d := range p.diags[f.Path] {
				if !driverFinding(d.Rule) {
					diags[f.Path] = append(diags[f.Path], d)
				}
			}
		}
	}
	p.record(gen, versions, res, diags, files)
	return checked{gen: gen, versions: versions}, ctx.Err()
}

// findCode finds the SQL that the Go files send (gocode.Check) when
// their texts differ from those of the last search, and reports whether
// they did. Only the folders (Go packages) that hold a changed file are
// searched again: a package's SQL depends on its own files alone. A file
// that does not parse sends nothing, as in pgsafe lint; its error is
// logged. The caller holds checkMu.
func (p *project) findCode(files []source.File) bool {
	changed := map[string]bool{} // folders
	now := make(map[string]bool, len(files))
	for _, f := range files {
		now[f.Path] = true
		if text, ok := p.goTexts[f.Path]; !ok || text != f.Text {
			changed[filepath.Dir(f.Path)] = true
		}
	}
	for path := range p.goTexts {
		if !now[path] {
			changed[filepath.Dir(path)] = true
		}
	}
	if len(changed) == 0 {
		return false
	}
	var again []source.File
	for _, f := range files {
		if changed[filepath.Dir(f.Path)] {
			again = append(again, f)
		}
	}
	found, errs := gocode.Check(again)
	for _, err := range errs {
		p.s.logf("%v", err)
	}
	old := p.goFound
	oldSQL := make(map[string]source.File, len(old.SQL))
	for _, f := range old.SQL {
		oldSQL[f.Path] = f
	}
	newSQL := make(map[string]source.File, len(found.SQL))
	for _, f := range found.SQL {
		newSQL[f.Path] = f
	}
	next := gocode.Checked{Sources: map[string]string{}, Queries: map[string][]gocode.Query{}}
	for _, f := range files { // in the order the globs read them
		from, sql := old, oldSQL
		if changed[filepath.Dir(f.Path)] {
			from, sql = found, newSQL
		}
		q, ok := sql[f.Path]
		if !ok {
			continue // sends no SQL
		}
		next.SQL = append(next.SQL, q)
		next.Sources[f.Path] = from.Sources[f.Path]
		next.Queries[f.Path] = from.Queries[f.Path]
	}
	p.goFound = next
	p.goTexts = make(map[string]string, len(files))
	for _, f := range files {
		p.goTexts[f.Path] = f.Text
	}
	return true
}

// record keeps a check's outcome.
func (p *project) record(gen int, versions map[string]int, res *lint.Result, diags map[string][]rules.Diagnostic, files []source.File) {
	p.checkedGen, p.versions, p.last, p.diags = gen, versions, res, diags
	p.texts = make(map[string]string, len(files))
	for _, f := range files {
		p.texts[f.Path] = f.Text
	}
}

// recheckAfter returns which files of files the check must check again:
// the first whose text differs from the last check's, every file after
// it in migration order (they see the schema it leaves), and files the
// last check did not read.
func (p *project) recheckAfter(files []source.File) func(string) bool {
	text := make(map[string]string, len(files))
	for _, f := range files {
		text[f.Path] = f.Text
	}
	again := map[string]bool{}
	read := map[string]bool{}
	changed := false
	for _, f := range p.last.Files { // in migration order
		read[f.Path] = true
		t, ok := text[f.Path]
		changed = changed || !ok || t != p.texts[f.Path]
		again[f.Path] = changed
	}
	return func(path string) bool { return again[path] || !read[path] }
}

// load reads the set's config, resolves its settings and reads its
// files from disk.
func (p *project) load(ctx context.Context) error {
	p.loaded = true
	p.settings, p.cfgErr = nil, nil
	cfg := &config.Config{}
	if p.cfgPath != "" {
		var err error
		if cfg, err = config.Load(p.cfgPath); err != nil {
			p.cfgErr = err
		}
	}
	if p.cfgErr == nil {
		p.settings, p.cfgErr = p.s.opts.Resolve(ctx, p.root, cfg)
	}
	if ctx.Err() != nil {
		// Stopped, not a bad config: the next check loads it again.
		p.loaded, p.settings, p.cfgErr = false, nil, nil
		return nil
	}
	if p.cfgErr != nil {
		p.settings = nil
		p.s.mu.Lock()
		p.disk, p.order, p.code = map[string]string{}, nil, false
		p.codeDisk, p.codeOrder = nil, nil
		p.s.mu.Unlock()
		return nil
	}
	files, errs := source.Load([]string{p.root}, p.settings.Source)
	for _, err := range errs {
		p.s.logf("%v", err)
	}
	disk := map[string]string{}
	var order []string
	nearest := map[string]string{} // config by folder
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		cfg, ok := nearest[dir]
		if !ok {
			cfg = config.Find(dir)
			nearest[dir] = cfg
		}
		if cfg != p.cfgPath {
			continue
		}
		disk[f.Path] = f.Text
		order = append(order, f.Path)
	}
	if prep := p.settings.Prepare; prep != nil {
		owned := make([]source.File, 0, len(order))
		for _, path := range order {
			owned = append(owned, source.File{Path: path, Text: disk[path]})
		}
		opts, err := prep(ctx, owned)
		if ctx.Err() != nil {
			p.loaded, p.settings = false, nil
			return nil
		}
		if err != nil {
			p.settings, p.cfgErr = nil, err
		} else {
			p.settings.Lint = opts
		}
	}
	codeDisk := map[string]string{}
	var codeOrder []string
	p.queryFiles, p.goTexts, p.goFound = nil, nil, gocode.Checked{}
	if p.settings != nil && p.settings.Code {
		// The SQL in Lint was found in the files on disk: until a buffer
		// differs, it is the SQL to check.
		lo := p.settings.Lint
		p.goTexts = map[string]string{}
		for _, f := range p.settings.CodeFiles {
			codeDisk[f.Path] = f.Text
			codeOrder = append(codeOrder, f.Path)
			p.goTexts[f.Path] = f.Text
		}
		p.goFound = gocode.Checked{Sources: lo.Code, Queries: lo.CodeQueries}
		for _, q := range lo.Queries {
			if _, ok := lo.Code[q.Path]; ok {
				p.goFound.SQL = append(p.goFound.SQL, q)
			} else {
				p.queryFiles = append(p.queryFiles, q)
			}
		}
	}
	p.s.mu.Lock()
	p.disk, p.order = disk, order
	p.codeDisk, p.codeOrder = codeDisk, codeOrder
	p.code = p.settings != nil && p.settings.Code
	p.s.mu.Unlock()
	return nil
}

// readsGo reports whether the set checks the SQL of the Go file at path
// (its code globs read it). The caller holds server.mu.
func (p *project) readsGo(path string) bool {
	_, ok := p.codeDisk[path]
	return p.code && ok
}

// owns reports whether the file at path belongs to the set: its nearest
// config is the set's (a folder with a config of its own is a set of its
// own).
func (p *project) owns(path string) bool {
	return config.Find(filepath.Dir(path)) == p.cfgPath
}

// configError returns the config error to show on a config file: its
// path, where it is (a line, or bytes, of the file), and its message.
// An error that is not placed in a file (a --schema file that cannot be
// read) goes on the first line of the set's config, fallback.
func configError(err error, fallback string) (path string, at config.Error, msg string) {
	var ce *config.Error
	if errors.As(err, &ce) {
		path = ce.Path
		if !filepath.IsAbs(path) {
			path = fallback
		}
		return path, *ce, ce.Msg
	}
	return fallback, config.Error{}, err.Error()
}

// driverFinding reports whether r is one of the driver's own rules,
// whose findings every lint.Run makes afresh for every file (as in the
// fix engine's rounds).
func driverFinding(r *rules.Rule) bool {
	return r.Code == "PS910" || r.Code == "PS911"
}

// withFresh runs fn with the set's last check, checking first when a
// file changed since: code actions and hovers answer from the text the
// editor shows. fn may read the check's fields (texts, diags, last,
// settings) until it returns.
func (p *project) withFresh(ctx context.Context, fn func(checked) error) error {
	p.checkMu.Lock()
	defer p.checkMu.Unlock()
	c, err := p.checkLocked(ctx)
	if errors.Is(err, errOvertaken) {
		// The answer would be about text the editor no longer shows.
		return &rpcError{Code: codeContentModified, Message: "the migration set changed while the request was answered"}
	}
	if err != nil {
		return err
	}
	return fn(c)
}

// textOf returns the text that the last check read at path, for
// placing what a finding names there: a migration's, an application
// query file's, or the Go source of a file of the config's code globs.
func (p *project) textOf(path string) (string, bool) {
	if text, ok := p.texts[path]; ok {
		return text, true
	}
	if p.last != nil {
		for _, q := range p.last.Queries {
			if q.Path != path {
				continue
			}
			if q.Source != "" {
				return q.Source, true
			}
			return q.Text, true
		}
	}
	return "", false
}

// file returns the last check's read of the file at path, with its parse
// trees; nil when it did not read it as a migration.
func (p *project) file(path string) *migration.File {
	if p.last == nil {
		return nil
	}
	for _, f := range p.last.Files {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// placed returns the findings of the file at path with the fixes that
// replace a statement placed, as pgsafe lint shows them (rewrite.Place):
// where their steps go, in new migrations when the file's tool needs
// them. The caller holds checkMu.
func (p *project) placed(path string) []rules.Diagnostic {
	ds := make([]rules.Diagnostic, len(p.diags[path]))
	for i, d := range p.diags[path] {
		d.Fixes = slices.Clone(d.Fixes)
		ds[i] = d
	}
	if p.last == nil {
		return ds
	}
	view := *p.last
	view.Diagnostics = ds
	rewrite.Place(&view)
	return view.Diagnostics
}
