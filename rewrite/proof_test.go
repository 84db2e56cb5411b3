package rewrite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// TestFixesOnPostgres proves the rewrites on a real PostgreSQL. For every
// rule fixture whose fixes change it (the fixtures with goldens), it runs
// the original migrations on one fresh database and the fixed ones on
// another, each file the way its framework runs it, after the same setup,
// and checks that both succeed and leave the same schema, as
// `pg_dump --schema-only` shows it.
//
// A fixture X.sql, or a fixture folder X, needs a setup file X.sql.setup
// or X.setup beside it; see readSetup for what it holds.
func TestFixesOnPostgres(t *testing.T) {
	// knownBroken lists the fixtures (named as under fixtures/rules) whose
	// fixed migrations are known to fail or to leave another schema, with
	// the reason. Their proof still runs; it must keep failing, so that
	// the entry goes once the rewrite is mended.
	detachCheck := "DETACH PARTITION ... CONCURRENTLY leaves a CHECK constraint that copies the partition bound " +
		"(events_2019_at_check) on the detached table, which a plain DETACH PARTITION does not; the fix does not drop it"
	knownBroken := map[string]string{
		"require-concurrent-detach-partition/basic.sql": detachCheck,
		"require-concurrent-detach-partition/pg14.sql":  detachCheck,
	}

	fixtures := fixedFixtures(t)
	require.NotEmpty(t, fixtures, "no rule fixture has fixes")
	server := serverMajor(t)
	pgDump := pgDumpPath(t)
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			st := readSetup(t, fx.path+".setup")
			if v := fx.opts.Rule.PGVersion; v > server {
				t.Skipf("the fixture targets PostgreSQL %d and the server is %d", v, server)
			}
			err := prove(t, fx, st, pgDump)
			reason, broken := knownBroken[fx.name]
			switch {
			case broken && err == nil:
				t.Errorf("knownBroken lists this fixture (%s), but its proof passes: remove the entry", reason)
			case broken:
				t.Skipf("known broken: %s\n%v", reason, err)
			case err != nil:
				t.Error(err)
			default:
			}
		})
	}
	for name := range knownBroken {
		if !slices.ContainsFunc(fixtures, func(fx fixture) bool { return fx.name == name }) {
			t.Errorf("knownBroken lists %s, which is not a fixture with fixes", name)
		}
	}
}

// fixture is a rule fixture that its rule's fixes change.
type fixture struct {
	name  string // the path under fixtures/rules, such as "set-not-null/basic"
	path  string // the .sql file or the folder
	opts  lint.Options
	files []source.File   // the originals, in migration order
	fixed []*rewrite.File // every original, fixed, then the files the fixes create
}

// dir returns the folder that the fixture's files are named from.
func (fx fixture) dir() string {
	if strings.HasSuffix(fx.path, ".sql") {
		return filepath.Dir(fx.path)
	}
	return fx.path
}

// fixedFixtures returns the fixtures whose fixes change them, fixed the
// way the rule tests fix them to compare with the goldens.
func fixedFixtures(t *testing.T) []fixture {
	root := filepath.Join("..", "fixtures", "rules")
	var out []fixture
	for _, r := range rules.All() {
		if r.Check == nil {
			continue
		}
		paths, err := ruletest.Fixtures(filepath.Join(root, r.Name))
		require.NoError(t, err, "fixtures of %s", r)
		for _, path := range paths {
			files := ruletest.Load(t, path)
			opts := ruletest.Options(t, ruletest.Enabled(r), files)
			res, err := ruletest.Fix(files, opts)
			require.NoError(t, err, "fixing %s", path)
			if !slices.ContainsFunc(res.Files, (*rewrite.File).Changed) {
				continue
			}
			name, err := filepath.Rel(root, path)
			require.NoError(t, err)
			out = append(out, fixture{name: filepath.ToSlash(name), path: path, opts: opts, files: files, fixed: res.Files})
		}
	}
	return out
}

// setup is what a fixture's setup file says: the SQL that creates what
// the fixture uses but does not create itself and seeds rows, and what to
// expect of the run.
type setup struct {
	// before runs on the empty database; after[name] runs right after the
	// migration file with that base name, to seed tables it creates.
	before string
	after  map[string]string
	// instead[name] is SQL that the original runs in one transaction in
	// place of the migration file with that base name: the change the
	// original would have to make by hand, where the file as written
	// fails by design and the fix makes it work (a type change of a
	// column that a view reads, which the fix creates again).
	instead map[string]string
	// originalFails says the original cannot succeed by design (a
	// CONCURRENTLY statement in a transaction, say). The proof then checks
	// that it fails and compares the fix with the original's statements
	// run one by one, outside any transaction.
	originalFails bool
	// allowed are errors that statements of the fixture may raise, in the
	// original and in the fix alike. Such an error does not stop the run,
	// as psql goes on without ON_ERROR_STOP, and both runs must raise the
	// same ones. Lint fixtures hold statements that fail on purpose.
	allowed []*regexp.Regexp
	// schema rewrites the original's dump before the comparison, for a fix
	// that changes the schema on purpose (json to jsonb): the fix must then
	// change exactly that.
	schema []substitution
	// lastColumns are columns that the fix moves to the end of their
	// table, as a rewrite through a new column does: the original's dump
	// lists them last before the comparison.
	lastColumns []tableColumn
	// sameData says that both runs must leave the same rows in every
	// table, compared as JSON whatever the order of the columns.
	sameData bool
}

// tableColumn is a column of a table as pg_dump names them:
// "public.accounts" and "balance".
type tableColumn struct{ table, column string }

// substitution replaces the matches of re with repl.
type substitution struct {
	re   *regexp.Regexp
	repl string
}

var (
	reDirective = regexp.MustCompile(`^--\s*(expect|after|instead of):\s*(.*?)\s*$`)
	reArgument  = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
)

// readSetup reads a setup file: SQL with directive lines.
//
//	-- expect: original fails
//	-- expect: error "regexp"           (an error statements may raise)
//	-- expect: schema "regexp" "text"   (the fix makes this change to the schema)
//	-- expect: column last "public.t" "c" (the fix moves column c to the end of table t)
//	-- expect: same data                (both runs leave the same rows in every table)
//	-- after: 001_schema.sql            (the SQL below runs after that migration)
//	-- instead of: 002_change.sql       (the original runs the SQL below in place of that migration)
//
// A fixture with fixes and no setup file fails: every golden is proven.
func readSetup(t *testing.T, path string) *setup {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the fixture has fixes but no setup file %s to prove them on PostgreSQL: write one", path)
	}
	require.NoError(t, err)
	st := &setup{after: map[string]string{}, instead: map[string]string{}}
	var chunk strings.Builder
	target, instead := "", false
	flush := func() {
		switch {
		case target == "":
			st.before += chunk.String()
		case instead:
			st.instead[target] += chunk.String()
		default:
			st.after[target] += chunk.String()
		}
		chunk.Reset()
	}
	for i, line := range strings.SplitAfter(string(b), "\n") {
		m := reDirective.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			chunk.WriteString(line)
			continue
		}
		var args []string
		for _, q := range reArgument.FindAllStringSubmatch(m[2], -1) {
			args = append(args, strings.ReplaceAll(q[1], `\"`, `"`))
		}
		bad := func(err error) { t.Fatalf("%s:%d: %q: %v", path, i+1, strings.TrimSpace(line), err) }
		switch {
		case m[1] == "after" || m[1] == "instead of":
			flush()
			target, instead = m[2], m[1] == "instead of"
		case m[2] == "original fails":
			st.originalFails = true
		case strings.HasPrefix(m[2], "error ") && len(args) == 1:
			re, err := regexp.Compile(args[0])
			if err != nil {
				bad(err)
			}
			st.allowed = append(st.allowed, re)
		case m[2] == "same data":
			st.sameData = true
		case strings.HasPrefix(m[2], "column last ") && len(args) == 2:
			st.lastColumns = append(st.lastColumns, tableColumn{args[0], args[1]})
		case strings.HasPrefix(m[2], "schema ") && len(args) == 2:
			re, err := regexp.Compile(args[0])
			if err != nil {
				bad(err)
			}
			st.schema = append(st.schema, substitution{re, args[1]})
		default:
			bad(errors.New(`want "original fails", error "regexp", schema "regexp" "replacement", column last "table" "column" or same data`))
		}
	}
	flush()
	return st
}

// prove runs the original and the fixed migrations of fx on fresh
// databases and returns how they disagree, or nil.
func prove(t *testing.T, fx fixture, st *setup, pgDump string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var originals, fixed []namedText
	for _, f := range fx.files {
		originals = append(originals, namedText{f.Path, f.Text})
	}
	for _, f := range fx.fixed {
		fixed = append(fixed, namedText{f.Path, f.Fixed})
	}
	before := migrations(t, fx, originals)
	after := migrations(t, fx, fixed)

	orig := &runner{url: pgtest.NewDatabase(t), setup: st, original: true}
	err := orig.run(ctx, before)
	switch {
	case st.originalFails && err == nil:
		return errors.New("the setup says that the original fails, but it succeeds")
	case st.originalFails:
		t.Logf("the original fails, as expected: %v", err)
		orig = &runner{url: pgtest.NewDatabase(t), setup: st, oneByOne: true, original: true}
		if err := orig.run(ctx, before); err != nil {
			return fmt.Errorf("the original, each statement on its own outside a transaction: %w", err)
		}
	case err != nil:
		return fmt.Errorf("the original: %w", err)
	default:
	}
	fix := &runner{url: pgtest.NewDatabase(t), setup: st}
	if err := fix.run(ctx, after); err != nil {
		return fmt.Errorf("the fixed migrations: %w", err)
	}
	if !slices.Equal(orig.raised, fix.raised) {
		return fmt.Errorf("the original and the fix raise different errors:\noriginal: %q\nfix:      %q", orig.raised, fix.raised)
	}
	want, err := schemaDump(ctx, pgDump, orig.url)
	if err != nil {
		return err
	}
	for _, s := range st.schema {
		want = s.re.ReplaceAllString(want, s.repl)
	}
	for _, c := range st.lastColumns {
		if want, err = columnLast(want, c); err != nil {
			return err
		}
	}
	got, err := schemaDump(ctx, pgDump, fix.url)
	if err != nil {
		return err
	}
	if want != got {
		var diff strings.Builder
		if err := rewrite.Unified(&diff, "original", "fixed", want, got, rewrite.DiffOptions{}); err != nil {
			return err
		}
		return fmt.Errorf("the fix leaves another schema than the original:\n%s", diff.String())
	}
	if st.sameData {
		return sameData(ctx, orig.url, fix.url)
	}
	return nil
}

// columnLast moves column c to the end of the columns of its CREATE TABLE
// in dump, before the table's constraints.
func columnLast(dump string, c tableColumn) (string, error) {
	lines := strings.Split(dump, "\n")
	start := slices.Index(lines, "CREATE TABLE "+c.table+" (")
	if start < 0 {
		return "", fmt.Errorf("column last: no CREATE TABLE %s in the original's schema", c.table)
	}
	end := start + 1
	for end < len(lines) && !strings.HasPrefix(lines[end], ")") {
		end++
	}
	items := make([]string, 0, end-start-1)
	for _, l := range lines[start+1 : end] {
		items = append(items, strings.TrimSuffix(l, ","))
	}
	at := slices.IndexFunc(items, func(l string) bool { return strings.HasPrefix(l, "    "+c.column+" ") })
	if at < 0 {
		return "", fmt.Errorf("column last: no column %s in CREATE TABLE %s of the original's schema", c.column, c.table)
	}
	moved := items[at]
	items = slices.Delete(items, at, at+1)
	last := len(items)
	for last > 0 && strings.HasPrefix(items[last-1], "    CONSTRAINT ") {
		last--
	}
	items = slices.Insert(items, last, moved)
	for i := range items[:len(items)-1] {
		items[i] += ","
	}
	out := slices.Concat(lines[:start+1], items, lines[end:])
	return strings.Join(out, "\n"), nil
}

// sameData compares the rows of every table of the two databases, each
// row as JSON (whose keys have one order whatever the columns' order),
// and says where they first differ.
func sameData(ctx context.Context, origURL, fixURL string) error {
	rows := func(url string) (map[string]string, error) {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return nil, err
		}
		defer func() { _ = conn.Close(ctx) }()
		var tables []string
		rs, err := conn.Query(ctx, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
			WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			var t string
			if err := rs.Scan(&t); err != nil {
				return nil, err
			}
			tables = append(tables, t)
		}
		if err := rs.Err(); err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, t := range tables {
			var text string
			q := fmt.Sprintf(`SELECT coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '') FROM (SELECT to_jsonb(t) AS r FROM %s t) s`, t)
			if err := conn.QueryRow(ctx, q).Scan(&text); err != nil {
				return nil, err
			}
			out[t] = text
		}
		return out, nil
	}
	want, err := rows(origURL)
	if err != nil {
		return fmt.Errorf("reading the original's rows: %w", err)
	}
	got, err := rows(fixURL)
	if err != nil {
		return fmt.Errorf("reading the fix's rows: %w", err)
	}
	for t, w := range want {
		if g := got[t]; g != w {
			var diff strings.Builder
			if err := rewrite.Unified(&diff, "original", "fixed", w+"\n", g+"\n", rewrite.DiffOptions{}); err != nil {
				return err
			}
			return fmt.Errorf("the fix leaves other rows in %s than the original:\n%s", t, diff.String())
		}
	}
	return nil
}

// namedText is a migration file's path and text.
type namedText struct{ path, text string }

// migrations writes files into a folder of their own, named as they are
// under fx's folder, and reads back the ones PostgreSQL runs, in
// migration order, the way their framework runs them: down migrations,
// files for other databases and files that a .postgres. variant replaces
// are left out. A folder of their own lets the framework's detection see
// exactly these files, and a Flyway .conf that a fix creates.
func migrations(t *testing.T, fx fixture, files []namedText) []*migration.File {
	t.Helper()
	dir := t.TempDir()
	texts := map[string]string{}
	var paths []string
	for _, f := range files {
		rel, err := filepath.Rel(fx.dir(), f.path)
		require.NoError(t, err)
		path := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(f.text), 0o644))
		if strings.HasSuffix(path, ".sql") {
			texts[path] = f.text
			paths = append(paths, path)
		}
	}
	source.SortPaths(paths)
	srcs := make([]source.File, len(paths))
	for i, path := range paths {
		srcs[i] = source.File{Path: path, Text: texts[path]}
	}
	opts := lint.Options{Tools: fx.opts.Tools, KeepTrees: true, SkipDown: true}
	if opts.Tools == nil {
		opts.Tools = ruletest.Options(t, nil, srcs).Tools
	}
	var out []*migration.File
	for _, f := range lint.Run(srcs, opts).Files {
		require.Nil(t, f.SyntaxError, "%s does not parse", f.Path)
		if f.Direction == migration.Up {
			out = append(out, f)
		}
	}
	return out
}

// runner runs migrations on one database.
type runner struct {
	url   string
	setup *setup
	// oneByOne runs every up statement on its own, outside any
	// transaction, whatever the framework: BEGIN and COMMIT are left out.
	oneByOne bool
	// original runs the setup's SQL instead of the files it replaces.
	original bool
	// raised collects the errors that the setup allows, in order.
	raised []string
	// sent, when set, hears of every query sent to a migration's
	// connection: where it comes from, its SQL, when it started and ended.
	sent func(where, sql string, start, end time.Time)
}

// run runs the setup and then the up sections of files, in order, each
// file on a connection of its own.
func (r *runner) run(ctx context.Context, files []*migration.File) error {
	if err := r.exec(ctx, "the setup", r.setup.before); err != nil {
		return err
	}
	done := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f.Path)
		if sql, ok := r.setup.instead[base]; ok && r.original {
			if err := r.exec(ctx, "the setup instead of "+base, "BEGIN;\n"+sql+"\nCOMMIT;"); err != nil {
				return err
			}
			done["instead of "+base] = true
		} else if err := r.file(ctx, f); err != nil {
			return err
		}
		if sql, ok := r.setup.after[base]; ok {
			if err := r.exec(ctx, "the setup after "+base, sql); err != nil {
				return err
			}
			done[base] = true
		}
	}
	for base := range r.setup.after {
		if !done[base] {
			return fmt.Errorf("the setup runs SQL after %s, which is not among the migrations", base)
		}
	}
	for base := range r.setup.instead {
		if r.original && !done["instead of "+base] {
			return fmt.Errorf("the setup runs SQL instead of %s, which is not among the migrations", base)
		}
	}
	return nil
}

// file runs the up statements of f the way its framework sends them,
// section by section (a Liquibase changeset, a dbmate block), each as its
// section runs.
func (r *runner) file(ctx context.Context, f *migration.File) error {
	var groups [][]*migration.Statement
	for _, st := range f.Statements {
		if st.Direction != migration.Up {
			continue
		}
		if n := len(groups); n > 0 && groups[n-1][0].Section == st.Section {
			groups[n-1] = append(groups[n-1], st)
		} else {
			groups = append(groups, []*migration.Statement{st})
		}
	}
	if len(groups) == 0 {
		return nil
	}
	conn, err := pgconn.Connect(ctx, r.url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	for _, up := range groups {
		run := f.Run
		if sec := up[0].Section; sec >= 0 && sec < len(f.Sections) && len(f.Sections) > 1 {
			run = f.Sections[sec].Run
		}
		if err := r.section(ctx, conn, f, up, run); err != nil {
			return err
		}
	}
	return nil
}

// section runs the up statements up of one section of f as run says.
func (r *runner) section(ctx context.Context, conn *pgconn.PgConn, f *migration.File, up []*migration.Statement, run tool.Run) error {
	where := func(st *migration.Statement) string {
		return fmt.Sprintf("%s:%d", filepath.Base(f.Path), f.Lines.Position(st.Span.Start).Line)
	}
	each := func() error {
		for _, st := range up {
			if r.oneByOne && st.Node.GetTransactionStmt() != nil {
				continue
			}
			if err := r.send(ctx, conn, where(st), st.Text(f.Text)); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case r.oneByOne || run == tool.Autocommit:
		return each()
	case run == tool.Query:
		// One simple-protocol query: several statements share an implicit
		// transaction, and one statement runs outside any.
		return r.send(ctx, conn, where(up[0]), f.Text[up[0].Extent.Start:up[len(up)-1].Extent.End])
	default: // Wrapped: the runner's transaction, one statement at a time.
		if err := r.send(ctx, conn, "BEGIN of "+filepath.Base(f.Path), "BEGIN"); err != nil {
			return err
		}
		if err := each(); err != nil {
			return err
		}
		return r.send(ctx, conn, "COMMIT of "+filepath.Base(f.Path), "COMMIT")
	}
}

// exec runs setup SQL on a connection of its own.
func (r *runner) exec(ctx context.Context, where, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil
	}
	conn, err := pgconn.Connect(ctx, r.url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// send runs sql as one simple-protocol query. An error the setup allows
// is recorded and the run goes on.
func (r *runner) send(ctx context.Context, conn *pgconn.PgConn, where, sql string) error {
	start := time.Now()
	_, err := conn.Exec(ctx, sql).ReadAll()
	if r.sent != nil {
		r.sent(where, sql, start, time.Now())
	}
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		for _, re := range r.setup.allowed {
			if re.MatchString(pgErr.Message) {
				r.raised = append(r.raised, pgErr.Message)
				return nil
			}
		}
	}
	return fmt.Errorf("%s: %w\n%s", where, err, sql)
}

// schemaDump returns `pg_dump --schema-only --no-owner` of the database
// at url without comments, blank lines and the random \restrict and
// \unrestrict lines.
func schemaDump(ctx context.Context, pgDump, url string) (string, error) {
	out, err := exec.CommandContext(ctx, pgDump, "--schema-only", "--no-owner", "--dbname", url).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("pg_dump: %w", err)
	}
	var b strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\restrict`) || strings.HasPrefix(line, `\unrestrict`) {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String(), nil
}

// serverMajor returns the major version of the test server.
func serverMajor(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var v int
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&v))
	return v
}

// pgDumpPath finds pg_dump beside the newest PostgreSQL server binaries,
// else on PATH.
func pgDumpPath(t *testing.T) string {
	t.Helper()
	if dir, err := pgcluster.FindBinDir(); err == nil {
		if p := filepath.Join(dir, "pg_dump"); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath("pg_dump")
	if err != nil {
		pgtest.Missing(t, "no pg_dump to compare schemas with: install the PostgreSQL client")
	}
	return p
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
