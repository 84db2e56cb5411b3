// Package history is the set-level view of a migration set. It replays
// the up migrations in order once and keeps what rules that look beyond
// one statement need: every change to every relation's columns and where
// it happens, the column moves within a release window, and the
// application queries that bind to a table's column set.
//
// A Builder replays the set statement by statement, so that a driver can
// check each statement against the catalog as it is just before it runs
// while the history grows; what needs the whole set (later changes, the
// final catalog, the queries' bindings) is read once Finish has returned.
// A History is immutable once finished.
package history

import (
	"path/filepath"
	"sync"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Options configure Build.
type Options struct {
	// Base is the catalog the set starts from (a --schema or
	// --database-url baseline); nil starts from an empty catalog.
	Base *schema.Catalog
	// Pending reports whether a migration has not been deployed yet, for
	// --changed-since. Pending migrations form one release window. Nil
	// means that every migration is pending and each is its own window.
	Pending func(path string) bool
	// Texts are the migrations' texts, in the order of their paths, when
	// the caller has them: a release window none of whose files mentions
	// DROP cannot drop what a copy copied, so its copies need not be
	// resolved. Nil resolves every copy.
	Texts []string
}

// Site is where a statement lies in the set.
type Site struct {
	Path string
	Stmt int // the statement's index in its file
	Line int // 1-based line where the statement starts
	Span sqlparse.Span
	file int // the file's index in the set
}

// Before reports whether s runs before o.
func (s Site) Before(o Site) bool {
	return s.file < o.file || (s.file == o.file && s.Stmt < o.Stmt)
}

// Event is a change to a relation or its columns, where it happens.
type Event struct {
	schema.Change
	Site
}

// ChangesColumns reports whether the change changes the relation's column
// set, which a query bound to it by * or by position depends on: a
// column added, dropped, renamed or retyped, or the relation dropped or
// renamed. Creating it does not.
func (e Event) ChangesColumns() bool { return e.Kind != schema.TableCreated }

// History is what a migration set does, statement by statement.// History is what a migration set does, statement by statement.
type History struct {
	files []*migration.File
	index map[string]int // file path -> index in files
	final *schema.Catalog
	// today is the schema that the deployed code was built for (see
	// Today), made once when first asked for.
	today     *schema.Catalog
	todayOnce sync.Once
	events    map[int][]Event    // by relation ID, in order
	bySite    map[[2]int][]Event // by file and statement index
	keys      map[string]int     // relation key -> the last relation ID it named
	pending   []bool
	windows   []int
	// dropWindows holds the windows that may drop a column or table; nil
	// when any may.
	dropWindows map[int]bool
	moves       map[[2]int][]Move // by the file and statement index of the drop
	uses        map[int][]Use     // application query uses, by relation ID
	queries     []*migration.File
}

// Build replays migrations (in migration order) and indexes them, then
// binds the application queries to the final catalog.
func Build(migrations, queries []*migration.File, opts Options) *History {
	paths := make([]string, len(migrations))
	for i, f := range migrations {
		paths[i] = f.Path
	}
	b := NewBuilder(paths, opts)
	for _, f := range migrations {
		b.Add(f)
	}
	return b.Finish(queries)
}

// Builder builds a History statement by statement, for a driver that
// replays each migration as soon as it is parsed.
type Builder struct {
	h    *History
	cat  *schema.Catalog
	mv   *moveFinder
	file *migration.File // the file Begin started
}

// NewBuilder starts the history of the migrations at paths, in migration
// order; each of them must then be passed to Add, or to Begin and its
// statements to Statement, in that order.
func NewBuilder(paths []string, opts Options) *Builder {
	h := &History{
		index: map[string]int{}, pending: make([]bool, len(paths)),
		events: map[int][]Event{}, bySite: map[[2]int][]Event{}, keys: map[string]int{}, moves: map[[2]int][]Move{}, uses: map[int][]Use{},
	}
	for i, p := range paths {
		h.index[p] = i
		h.pending[i] = opts.Pending == nil || opts.Pending(p)
	}
	h.windows = windows(paths, h.pending, opts.Pending != nil)
	h.dropWindows = dropWindows(h.windows, opts.Texts)
	cat := schema.New()
	if opts.Base != nil {
		cat = opts.Base.Clone()
	}
	for _, t := range cat.Tables() {
		h.keys[t.Key] = t.ID
	}
	return &Builder{h: h, cat: cat, mv: newMoveFinder(h)}
}

// Add replays the up statements of the next migration.
func (b *Builder) Add(f *migration.File) {
	b.Begin(f)
	for _, st := range f.Statements {
		b.Statement(st)
	}
}

// Begin starts the next migration, whose statements the caller then
// passes to Statement in order.
func (b *Builder) Begin(f *migration.File) {
	b.h.files = append(b.h.files, f)
	b.file = f
}

// Catalog returns the catalog as the statements so far leave it. It is
// the builder's own: callers may read and clone it, not change it.
func (b *Builder) Catalog() *schema.Catalog { return b.cat }

// Statement replays statement st of the file Begin started, when it is an
// up statement, and records its changes.
func (b *Builder) Statement(st *migration.Statement) {
	if st.Direction != migration.Up {
		return
	}
	h, f, i := b.h, b.file, len(b.h.files)-1
	site := Site{Path: f.Path, Stmt: st.Index, Line: f.Lines.Position(st.Span.Start).Line, Span: st.Span, file: i}
	b.mv.statement(b.cat, st, site)
	for _, ch := range b.cat.Replay(schema.StmtOf(f, st)) {
		ev := Event{Change: ch, Site: site}
		h.events[ch.Table] = append(h.events[ch.Table], ev)
		h.bySite[[2]int{i, st.Index}] = append(h.bySite[[2]int{i, st.Index}], ev)
		h.keys[ch.Key] = ch.Table
		b.mv.change(b.cat, ev)
	}
}

// Finish binds the application queries to the final catalog and returns
// the history, which no longer changes.
func (b *Builder) Finish(queries []*migration.File) *History {
	b.h.final, b.h.queries = b.cat, queries
	b.h.bindQueries()
	return b.h
}

// Final returns a copy of the catalog after the whole set.
func (h *History) Final() *schema.Catalog { return h.final.Clone() }

// IsMigration reports whether path is a migration of the set (rather
// than an application query file).
func (h *History) IsMigration(path string) bool {
	_, ok := h.index[path]
	return ok
}

// Index returns the position of migration path in the set's order, and
// false when path is not a migration of the set. Paths that differ only
// in form ("db/./1.sql", "db/1.sql") name one migration.
func (h *History) Index(path string) (int, bool) {
	if i, ok := h.index[path]; ok {
		return i, true
	}
	clean := filepath.Clean(path)
	for i, f := range h.files {
		if filepath.Clean(f.Path) == clean {
			return i, true
		}
	}
	return 0, false
}

// IsPending reports whether migration path has not been deployed yet.
func (h *History) IsPending(path string) bool {
	i, ok := h.index[path]
	return ok && h.pending[i]
}

// Events returns the changes to relation id, in order.
func (h *History) Events(id int) []Event { return h.events[id] }

// At returns the changes that statement stmt of migration path makes.
func (h *History) At(path string, stmt int) []Event {
	i, ok := h.index[path]
	if !ok {
		return nil
	}
	return h.bySite[[2]int{i, stmt}]
}

// Changes returns the changes that migration path makes, statement by
// statement, in order.
func (h *History) Changes(path string) []Event {
	i, ok := h.Index(path)
	if !ok {
		return nil
	}
	var out []Event
	for st := range h.files[i].Statements {
		out = append(out, h.bySite[[2]int{i, st}]...)
	}
	return out
}

// LaterChanges returns the changes to relation id's column set (see
// Event.ChangesColumns) made by migrations after migration path, or by
// any pending migration when path is an application query file.
func (h *History) LaterChanges(id int, path string) []Event {
	i, isMigration := h.index[path]
	var out []Event
	for _, ev := range h.events[id] {
		later := (isMigration && ev.file > i) || (!isMigration && h.pending[ev.file])
		if later && ev.ChangesColumns() {
			out = append(out, ev)
		}
	}
	return out
}

// RelationID returns the ID of the relation that key names at the end of
// the set, or of the last relation that had the key (one dropped or
// renamed since); 0 when the set never knew it.
func (h *History) RelationID(key string) int {
	if t := h.final.Table(key); t != nil {
		return t.ID
	}
	return h.keys[key]
}
