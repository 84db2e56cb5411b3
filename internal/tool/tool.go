// Package tool describes the migration tools that run pgsafe's input:
// what pgsafe knows about a tool is one Tool value, in one file of this
// package, and every other package asks that value instead of knowing a
// tool by name.
//
// A description says how the tool is recognised (markers in a file, files
// it keeps beside its migrations, or only the names of the files), how it
// names and pairs its files (versions, up and down), how it sends a file
// to the server (statement by statement, in one transaction per file, as
// one multi-statement query, or in one transaction around the whole run),
// where markers split a file into sections that run on their own terms,
// how a statement can leave the transaction it runs in, and how a new
// migration must be named and marked so that the tool runs it right after
// another. The docs' table of tools (docs/frameworks.md) is generated from
// the same values.
package tool

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Direction says whether SQL migrates up or rolls back.
type Direction int

// The directions.
const (
	Up Direction = iota
	Down
)

// String returns "up" or "down".
func (d Direction) String() string {
	if d == Down {
		return "down"
	}
	return "up"
}

// Run says how a tool sends a file, or a section of one, to the server.
type Run int

// The ways to run a file.
const (
	// Autocommit sends statements one at a time outside any transaction;
	// explicit BEGIN and COMMIT in the file still open and close
	// transactions.
	Autocommit Run = iota
	// Transaction runs the file, or section, inside one transaction that
	// the tool opens and commits.
	Transaction
	// Query sends the whole file, or section, as one query: PostgreSQL
	// runs a query string that holds several statements as one implicit
	// transaction, and one statement on its own.
	Query
	// RunTransaction runs every pending migration of a run inside one
	// transaction that the tool opens and commits at the end.
	RunTransaction
)

// String names the way to run for messages and the JSON report.
func (r Run) String() string {
	switch r {
	case Transaction:
		return "one transaction per file"
	case Query:
		return "one multi-statement query"
	case RunTransaction:
		return "one transaction per run"
	default:
		return "autocommit per statement"
	}
}

// InTransaction reports whether statements of a file run this way are
// inside a transaction block that the tool opens (Query files are so only
// when they hold several statements).
func (r Run) InTransaction() bool { return r == Transaction || r == RunTransaction }

// Section is a stretch of a file that runs on its own terms: goose's and
// dbmate's up and down sections, a Liquibase changeset.
type Section struct {
	// Start is the byte offset of the marker that starts the section.
	Start     int
	Direction Direction
	Run       Run
	// Label names the section in messages ("changeset alice:1"); "" when
	// the direction says enough.
	Label string
}

// Source says how pgsafe came to read a file with a tool.
type Source string

// The sources.
const (
	// FromConfig: the framework setting of .pgsafe.toml names the tool.
	FromConfig Source = "config"
	// FromFlag: --framework names the tool.
	FromFlag Source = "flag"
	// Detected: a marker in the files, or a file that the tool keeps
	// beside its migrations, shows the tool.
	Detected Source = "detected"
	// Guessed: only the names of the files, or nothing at all, point to
	// the tool. Rewrites whose correctness depends on how the tool runs
	// the file are not applied under a guess.
	Guessed Source = "guessed"
)

// Certain reports whether the tool is known rather than guessed.
func (s Source) Certain() bool { return s != Guessed }

// File is a migration file as a tool reads it.
type File struct {
	// Path is the file's path as the user named it.
	Path string
	// Text is the file's content.
	Text string
	// Comments are the file's comments, where markers live.
	Comments []sqlparse.Comment
	// Statements are the parse trees of the file's statements, in order;
	// nil when the file does not parse.
	Statements []*pg.Node
	// ReadFile reads a file beside the migration (a Flyway .sql.conf); it
	// sees the files that fixes create before they are written. Nil reads
	// from disk.
	ReadFile func(path string) ([]byte, error)
}

// Name is what a tool reads from a migration file's path.
type Name struct {
	// Version orders the migration among the others of its project; ""
	// for tools without versions.
	Version string
	// Title is the rest of the name: "add_index" of 3_add_index.up.sql.
	Title string
	// Direction is the file's direction, before any section marker in it
	// is read.
	Direction Direction
	// Key pairs a down migration with its up: the two files of a project
	// with the same key belong together. "" when the file pairs with no
	// other (its down, if any, is a section of the same file).
	Key string
}

// Tool describes one migration tool.
type Tool struct {
	// Name is how the framework setting and --framework name the tool.
	Name string
	// About says in one sentence what the tool is.
	About string
	// Cite lists where the semantics come from: the tool's documentation
	// and source files.
	Cite []string
	// Checksums says what the tool does when a migration it has applied
	// changes afterwards; "" when it does not notice.
	Checksums string
	// SettingOnly reports that the tool is only ever assumed because a
	// setting names it: a generic runner that leaves no trace in the files.
	SettingOnly bool
	// Doc says in words what the functions below do, for the table of
	// tools in docs/frameworks.md.
	Doc Doc

	// Detect returns the evidence, in words, that the tool runs the file
	// at path: a marker in its text, or a file that the tool keeps beside
	// its migrations. "" when there is none. Nil for tools that leave no
	// trace.
	Detect func(x *Index, path, text string) string
	// Guess reports whether the file's name follows the tool's naming
	// scheme: evidence, but on its own only a guess.
	Guess func(path string) bool
	// Project returns the folder that the tool treats as one migration
	// set, for a file at path: the file's folder for most tools.
	Project func(path string) string

	// Names reads a file's path; ok is false when the tool would not run
	// a file of that name (the file is still read, as a whole, up).
	Names func(path string) (Name, bool)
	// Skip returns the files among paths that the tool never runs on
	// PostgreSQL, with the reason; nil when it runs them all.
	Skip func(paths []string) map[string]string
	// Order returns the files of one project (in pgsafe's natural order)
	// in the order the tool runs them; nil keeps the natural order, which
	// compares runs of digits as numbers.
	Order func(paths []string) []string
	// Check returns what the tool would refuse among the files of one
	// project, every file the tool sees (other databases' files too): a
	// missing marker, a duplicate version, an up without the down the
	// tool requires. Nil when pgsafe knows of nothing it refuses.
	Check func(files []Input) []Problem

	// Run says how the tool runs the file, before any section marker in
	// it is read.
	Run func(f *File) Run
	// Sections returns the sections that markers in the file start, in
	// order; nil when the whole file is one section, run as Run says, in
	// the direction of its name.
	Sections func(f *File) []Section

	// Exit says how a statement leaves the transaction the tool runs it
	// in.
	Exit Exit
	// Compound, when set, is how the tool must be told where a statement
	// that holds semicolons of its own (a function or DO body) begins and
	// ends, for a tool that splits a file at every line that ends with a
	// semicolon; nil when the tool sends statements as PostgreSQL's
	// parser splits them, or the whole file at once.
	Compound *Compound
	// Advice says, for findings, how to run a statement outside the
	// transaction it runs in.
	Advice func(a AdviceFor) string
	// Variant returns the file that PostgreSQL runs in place of the file
	// at path once it is rewritten, when the tool keeps files per database
	// and path serves every database (popx's dialect-less files): a
	// rewrite for PostgreSQL goes to the variant, and the file stays as it
	// is for the others. Nil, or false, when rewrites go to path itself.
	Variant func(path string) (string, bool)
	// Summary returns the folder's checksum file (Atlas's atlas.sum),
	// recomputed from the texts of the project's migrations, when the
	// tool keeps one; nil otherwise.
	Summary func(project string, texts map[string]string) (path, text string, ok bool)
}

// Compound is the pair of lines that enclose a statement holding
// semicolons of its own.
type Compound struct {
	Begin, End string
}

// WrapCompound returns sql, one or more statements, with every statement
// that a line ending with a semicolon would cut short enclosed in c's
// lines; sql as it is for a nil c, or SQL that does not parse.
func (c *Compound) WrapCompound(sql string) string {
	if c == nil {
		return sql
	}
	res := sqlparse.Parse(sql)
	if res.Err != nil {
		return sql
	}
	var b strings.Builder
	last := 0
	for _, st := range res.Statements {
		if !cutShort(sql, st) || enclosed(sql[:st.Span.Start], c) {
			continue
		}
		end := st.Extent.End
		b.WriteString(sql[last:st.Span.Start])
		b.WriteString(c.Begin + "\n")
		b.WriteString(sql[st.Span.Start:end])
		b.WriteString("\n" + c.End)
		last = end
	}
	b.WriteString(sql[last:])
	return b.String()
}

// cutShort reports whether a line of statement st of text, before its
// last, ends with a semicolon (comments aside), where a tool that splits
// at such lines would cut it.
func cutShort(text string, st *sqlparse.Statement) bool {
	lines := strings.Split(text[st.Span.Start:st.Span.End], "\n")
	for _, l := range lines[:len(lines)-1] {
		if endsWithSemicolon(l) {
			return true
		}
	}
	return false
}

// endsWithSemicolon reports whether the last word of line before any
// "--" comment ends with a semicolon, as goose's parser reads lines.
func endsWithSemicolon(line string) bool {
	prev := ""
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, "--") {
			break
		}
		prev = w
	}
	return strings.HasSuffix(prev, ";")
}

// enclosed reports whether text, the part of a file before a statement,
// leaves the statement inside c's lines: its last Begin line comes after
// its last End line.
func enclosed(text string, c *Compound) bool {
	return lastLine(text, c.Begin) > lastLine(text, c.End)
}

// lastLine returns the offset of the last line of text that is line,
// white space aside; -1 when none is.
func lastLine(text, line string) int {
	at := -1
	off := 0
	for _, l := range strings.SplitAfter(text, "\n") {
		if strings.TrimSpace(l) == line {
			at = off
		}
		off += len(l)
	}
	return at
}

// Problem is something a tool would refuse in a file.
type Problem struct {
	Path string
	// Offset is the byte offset in the file that the problem is at; 0
	// for the file as a whole.
	Offset  int
	Message string
}

// Doc is a tool's documentation, kept as data beside its description.
// Each field is a phrase for a cell of the docs' table of tools.
type Doc struct {
	// Detected says what shows the tool: markers, files beside the
	// migrations; what names alone suggest it.
	Detected string
	// Files says how the tool names and orders its migrations.
	Files string
	// Downs says where a migration's rollback lives.
	Downs string
	// Runs says how the tool sends a file to the server.
	Runs string
	// Leave says how pgsafe takes a statement out of the tool's
	// transaction, or why it cannot.
	Leave string
	// Refuses says what the tool refuses that pgsafe checks (PS911).
	Refuses string
}

// AdviceFor is the situation of a statement that must leave its
// transaction.
type AdviceFor struct {
	// Run is how the statement's section runs.
	Run Run
	// Explicit reports that the transaction is a BEGIN ... COMMIT of the
	// file's own.
	Explicit  bool
	Direction Direction
	Path      string
}

// Exit is how a part of a file leaves the transaction that the tool runs
// it in.
type Exit struct {
	// NoTransaction returns the edits that mark a whole file to run
	// statement by statement, outside any transaction the tool opens, and
	// the mark in words ("-- +goose NO TRANSACTION"); or an error saying
	// why the file cannot be marked. Nil when the tool has no such mark.
	NoTransaction func(f *File) (mark string, edits []Edit, err error)
	// Blocks reports that the statements of a marked file can still be
	// grouped in explicit BEGIN ... COMMIT blocks, so that the rest of
	// the file keeps its atomicity; false when a marked file must hold
	// nothing that needs a transaction.
	Blocks bool
	// Versions names n new migrations, numbered to run right after the
	// file at path, in order, and before any later migration; nil when
	// the tool has no room for new files.
	Versions func(path string, n int, x *Index) ([]Version, error)
	// MarkSection returns the edits that make one section of a file run
	// without the tool's transaction (a Liquibase changeset's
	// runInTransaction:false, a dbmate block's transaction:false), for a
	// section that then holds one statement; false when the tool has no
	// such mark for it.
	MarkSection func(f *File, sec Section) ([]Edit, bool)
	// Units returns the text of new units of a file, for tools that run
	// parts of one file as units of their own (Liquibase changesets): the
	// steps become units that go right after section sec, in the same
	// file. Nil when the tool has no such units.
	Units func(f *File, sec Section, steps []UnitStep) (string, error)
	// NoTxWhy says why a step that must run outside any transaction has
	// no place with this tool, although steps that only need a
	// transaction of their own do (pop runs every migration in one); ""
	// otherwise.
	NoTxWhy string
	// Stuck says why a statement cannot leave the tool's transaction at
	// all, for tools with no way out; "" otherwise.
	Stuck string
}

// Version is a new migration to create, as a tool must name and mark it.
type Version struct {
	// Path of the new up migration.
	Path string
	// Body wraps a step's SQL in the file's markers; noTx says the step
	// must run outside any transaction, and alone.
	Body func(sql string, noTx bool) string
	// NoTxPath is the path for a step that must run outside any
	// transaction, when the tool says so in the name (popx's
	// .autocommit.); "" uses Path.
	NoTxPath string
	// Companions are the files that go with it, by path: a down
	// migration, a Flyway .sql.conf. A value may depend on noTx.
	Companions func(noTx bool) map[string]string
}

// UnitStep is SQL for a new unit of a file (a Liquibase changeset).
type UnitStep struct {
	SQL  string
	NoTx bool
}

// Edit replaces bytes [Start, End) of the file at Path with NewText; a
// Path that does not exist yet names a file to create.
type Edit struct {
	Path       string
	Start, End int
	NewText    string
}

// dir returns the folder of path.
func dir(path string) string { return filepath.Dir(path) }

// all lists every tool, in the order detection tries them.
var all = []*Tool{
	Goose, Dbmate, Liquibase, Atlas, Drizzle, Sqitch, Prisma, Flyway, Pop, Popx, Sqlx, GolangMigrate,
	TransactionPerFile, SingleTransaction, Psql,
}

// All returns every tool, in the order detection tries them.
func All() []*Tool { return append([]*Tool(nil), all...) }

// Names returns the names of every tool, sorted.
func Names() []string {
	out := make([]string, len(all))
	for i, t := range all {
		out[i] = t.Name
	}
	sort.Strings(out)
	return out
}

// Lookup returns the tool named name, and an error naming the known ones
// when there is none. "" and "auto" return nil and no error: detect it.
func Lookup(name string) (*Tool, error) {
	if name == "" || name == "auto" {
		return nil, nil
	}
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown framework %q (want auto, %s)", name, strings.Join(Names(), ", "))
}

// String returns the tool's name.
func (t *Tool) String() string { return t.Name }

// ProjectOf returns the folder that t treats as one migration set for
// the file at path.
func (t *Tool) ProjectOf(path string) string {
	if t.Project != nil {
		return t.Project(path)
	}
	return dir(path)
}

// NameOf reads path with t's naming scheme; a file the scheme does not
// name is read as a whole up migration of its own.
func (t *Tool) NameOf(path string) (Name, bool) {
	if t.Names != nil {
		if n, ok := t.Names(path); ok {
			return n, true
		}
	}
	return Name{Title: filepath.Base(path)}, false
}

// OrderOf returns the files of one project in the order t runs them.
func (t *Tool) OrderOf(paths []string) []string {
	if t.Order == nil {
		return paths
	}
	return t.Order(paths)
}

// CheckOf returns what t would refuse among the files of one project.
func (t *Tool) CheckOf(files []Input) []Problem {
	if t.Check == nil {
		return nil
	}
	return t.Check(files)
}

// RunOf returns how t runs f before any section marker is read.
func (t *Tool) RunOf(f *File) Run {
	if t.Run == nil {
		return Autocommit
	}
	return t.Run(f)
}

// SectionsOf returns the sections of f: those its markers start, or one
// section over the whole file in the direction of its name.
func (t *Tool) SectionsOf(f *File) []Section {
	if t.Sections != nil {
		if secs := t.Sections(f); len(secs) > 0 {
			return secs
		}
	}
	n, _ := t.NameOf(f.Path)
	return []Section{{Start: 0, Direction: n.Direction, Run: t.RunOf(f)}}
}

// AdviceOn returns how to run a statement outside its transaction with t.
func (t *Tool) AdviceOn(a AdviceFor) string {
	if t.Advice != nil {
		if s := t.Advice(a); s != "" {
			return s
		}
	}
	return genericAdvice(a)
}

// genericAdvice is the advice that holds for every tool.
func genericAdvice(a AdviceFor) string {
	switch {
	case a.Explicit:
		return "move it out of the BEGIN ... COMMIT block, so that it runs on its own"
	case a.Run == Query:
		return "send it alone, as a query of its own"
	default:
		return "run it outside the transaction the migration tool opens"
	}
}

// readCompanion reads a file beside a migration through f's reader, or
// from disk when f has none.
func (f *File) readCompanion(path string) ([]byte, bool) {
	read := f.ReadFile
	if read == nil {
		read = readFileOS
	}
	b, err := read(path)
	return b, err == nil
}
