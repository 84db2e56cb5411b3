// Package ruletest runs rules over fixture files annotated with
// `-- want "regexp"` comments, in the manner of analysistest.
//
// A fixture is a .sql file, or a folder of .sql files linted together as
// one migration set in migration order; the .sql files under a queries/
// subfolder of a set are its application queries (--queries). A
// `-- want "re" ["re"...]` comment expects, on its own line, one
// diagnostic per regexp whose "code name: message" matches. Every
// diagnostic must be wanted. The first line of a fixture may set options:
//
//	-- test: pg-version=12 framework=goose skip-down lock-timeout=5s statement-timeout=30s pending=3_b.sql,4_c.sql released=1_a.sql:2 contract-releases=2
//
// pending names the migrations (by base name) not yet deployed, as
// --changed-since would find them; without it every migration is pending.
// released=0002_a.sql:1,0003_b.sql:0 says how many releases have shipped
// each migration (by base name; unnamed ones none), as release tags
// would; contract-releases=2 sets the config key of that name.
package ruletest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

var update = flag.Bool("update", false, "rewrite the .golden files of fixtures")

// queriesDir is the subfolder of a fixture set that holds its
// application queries.
const queriesDir = "queries"

var (
	reWant   = regexp.MustCompile(`--\s*want((?:\s+"(?:[^"\\]|\\.)*")+)`)
	reQuoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	reHeader = regexp.MustCompile(`^--\s*test:(.*)$`)
)

// Options returns lint options for a fixture's files; the first file's
// first line may set them. A fixture stands for a project whose settings
// name its tool: without framework=, each folder's files are read with
// the tool that detection finds (a guess included) as if the config named
// it; `guessed` leaves guesses as they are.
func Options(t testing.TB, enabled []*rules.Rule, files []source.File) (opts lint.Options) {
	opts = lint.Options{Rules: enabled, Known: rules.All(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000}}
	guessed := false
	defer func() {
		if opts.Tools == nil && !guessed {
			opts.Tools = detected(files)
		}
	}()
	if len(files) == 0 {
		return opts
	}
	first, _, _ := strings.Cut(files[0].Text, "\n")
	m := reHeader.FindStringSubmatch(strings.TrimSpace(first))
	if m == nil {
		return opts
	}
	for _, f := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "pg-version":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("bad pg-version %q", v)
			}
			opts.Rule.PGVersion = n
		case "framework":
			tl, err := tool.Lookup(v)
			if err != nil {
				t.Fatal(err)
			}
			opts.Tools = []tool.Setting{{Tool: tl, Source: tool.FromFlag}}
		case "guessed":
			guessed = true
		case "skip-down":
			opts.SkipDown = true
		case "lock-timeout":
			opts.Rule.LockTimeout = v
		case "statement-timeout":
			opts.Rule.StatementTimeout = v
		case "type-change-drop":
			opts.Rule.TypeChangeDrop = v
		case "pending":
			names := map[string]bool{}
			for _, n := range strings.Split(v, ",") {
				names[n] = true
			}
			opts.Pending = func(path string) bool { return names[filepath.Base(path)] }
		case "released":
			counts := map[string]int{}
			for _, nc := range strings.Split(v, ",") {
				name, count, _ := strings.Cut(nc, ":")
				n, err := strconv.Atoi(count)
				if err != nil {
					t.Fatalf("bad released %q: want name:count", nc)
				}
				counts[name] = n
			}
			opts.Rule.Releases = func(path string) int { return counts[filepath.Base(path)] }
			opts.Rule.ReleaseSource = "the test's releases"
		case "contract-releases":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("bad contract-releases %q", v)
			}
			opts.Rule.ContractReleases = n
		default:
			t.Fatalf("unknown test option %q", k)
		}
	}
	return opts
}

// detected returns settings that name, for each folder of files, the tool
// that detection finds there.
func detected(files []source.File) []tool.Setting {
	inputs := make([]tool.Input, len(files))
	paths := make([]string, len(files))
	for i, f := range files {
		inputs[i] = tool.Input{Path: f.Path, Text: f.Text}
		paths[i] = f.Path
	}
	var out []tool.Setting
	seen := map[string]bool{}
	for i, c := range tool.Choose(inputs, nil, tool.NewIndex(paths)) {
		dir := filepath.Dir(files[i].Path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		out = append(out, tool.Setting{Tool: c.Tool, Source: tool.FromConfig, Pattern: dir,
			Match: func(path string) bool { return filepath.Dir(path) == dir }})
	}
	return out
}

// Run lints every fixture under dir with rule r enabled (plus the
// suppression rules) and checks the diagnostics against the want comments.
// It returns the number of fixtures run.
func Run(t *testing.T, dir string, r *rules.Rule) int {
	t.Helper()
	paths, err := Fixtures(dir)
	if err != nil {
		t.Fatalf("fixtures for %s: %v", r, err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			files := Load(t, path)
			opts := Options(t, Enabled(r), files)
			opts.Queries = LoadQueries(t, path)
			res := lint.Run(files, opts)
			Check(t, append(append([]source.File{}, files...), opts.Queries...), res.Diagnostics)
			goldens := CheckFixes(t, files, opts)
			if info, err := os.Stat(path); err == nil && info.IsDir() {
				checkStaleGoldens(t, path, goldens)
			}
		})
	}
	return len(paths)
}

// Fixtures returns the fixtures in a rule's folder, in name order: its
// .sql files and its sub-folders.
func Fixtures(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".sql") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths, nil
}

// Load reads the migrations of the fixture at path, in migration order.
func Load(t testing.TB, path string) []source.File {
	t.Helper()
	files, errs := source.Load([]string{path}, source.Options{Exclude: []string{"**/" + queriesDir + "/**"}})
	if len(errs) > 0 || len(files) == 0 {
		t.Fatalf("load %s: %v", path, errs)
	}
	return files
}

// LoadQueries reads the application queries of the fixture set at path,
// the files of its queries/ folder; nil when it has none.
func LoadQueries(t testing.TB, path string) []source.File {
	t.Helper()
	dir := filepath.Join(path, queriesDir)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil
	}
	files, errs := source.Load([]string{dir}, source.Options{})
	if len(errs) > 0 {
		t.Fatalf("load %s: %v", dir, errs)
	}
	return files
}

// Enabled returns the rules that a fixture of r runs: r and the rules
// that check suppression comments.
func Enabled(r *rules.Rule) []*rules.Rule {
	enabled := []*rules.Rule{r}
	for _, name := range []string{"invalid-suppression", "unused-suppression"} {
		if m := rules.Lookup(rules.All(), name); m.Code != r.Code {
			enabled = append(enabled, m)
		}
	}
	return enabled
}

// Fix applies every fix of a fixture, unsafe ones included, as the
// goldens record them.
func Fix(files []source.File, opts lint.Options) (*rewrite.Result, error) {
	return rewrite.Fix(files, opts, rewrite.Options{Unsafe: true})
}

type key struct {
	path string
	line int
}

// Check compares diagnostics with the want comments in files.
func Check(t *testing.T, files []source.File, diags []rules.Diagnostic) {
	t.Helper()
	wants := map[key][]*regexp.Regexp{}
	lineOf := map[string]func(int) int{}
	for _, f := range files {
		text := f.Text
		lineOf[f.Path] = func(off int) int { return strings.Count(text[:off], "\n") + 1 }
		for i, line := range strings.Split(f.Text, "\n") {
			m := reWant.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			for _, q := range reQuoted.FindAllStringSubmatch(m[1], -1) {
				re, err := regexp.Compile(strings.ReplaceAll(q[1], `\"`, `"`))
				if err != nil {
					t.Fatalf("%s:%d: bad want regexp: %v", f.Path, i+1, err)
				}
				k := key{f.Path, i + 1}
				wants[k] = append(wants[k], re)
			}
		}
	}
	var unexpected []string
	for _, d := range diags {
		k := key{d.Path, lineOf[d.Path](d.Span.Start)}
		text := fmt.Sprintf("%s %s: %s", d.Rule.Code, d.Rule.Name, d.Message)
		matched := false
		for i, re := range wants[k] {
			if re.MatchString(text) {
				wants[k] = append(wants[k][:i], wants[k][i+1:]...)
				matched = true
				break
			}
		}
		if !matched {
			unexpected = append(unexpected, fmt.Sprintf("%s:%d: unexpected diagnostic: %s", k.path, k.line, text))
		}
	}
	var missing []string
	for k, res := range wants {
		for _, re := range res {
			missing = append(missing, fmt.Sprintf("%s:%d: no diagnostic matched %q", k.path, k.line, re))
		}
	}
	sort.Strings(unexpected)
	sort.Strings(missing)
	for _, s := range append(unexpected, missing...) {
		t.Error(s)
	}
}

// CheckFixes applies every fix (unsafe ones included) to a fixture and
// its application queries (opts.Queries), and compares each changed or
// created file with "<path>.golden". It also
// checks that fixing the fixed files changes nothing, and that every
// output parses. With -update it writes the goldens instead. It returns
// the paths of the goldens that the fixture should have.
func CheckFixes(t *testing.T, files []source.File, opts lint.Options) []string {
	t.Helper()
	res, err := Fix(files, opts)
	if err != nil {
		t.Fatalf("fix: %v", err)
	}
	isQuery := map[string]bool{}
	for _, q := range opts.Queries {
		isQuery[q.Path] = true
	}
	var fixed, fixedQueries []source.File
	var goldens []string
	for _, f := range res.Files {
		golden := f.Path + ".golden"
		if isQuery[f.Path] {
			fixedQueries = append(fixedQueries, source.File{Path: f.Path, Text: f.Fixed})
		} else {
			fixed = append(fixed, source.File{Path: f.Path, Text: f.Fixed})
		}
		if !f.Changed() {
			if _, err := os.Stat(golden); err == nil {
				t.Errorf("%s: a golden exists but no fix changed the file", golden)
			}
			continue
		}
		goldens = append(goldens, golden)
		if *update {
			if err := os.WriteFile(golden, []byte(f.Fixed), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: fixes changed the file but there is no golden (run go test -update): %v", f.Path, err)
			continue
		}
		if string(want) != f.Fixed {
			t.Errorf("%s: fixed output differs from %s:\n--- want\n%s\n--- got\n%s", f.Path, golden, want, f.Fixed)
		}
	}
	opts.Queries = fixedQueries
	again, err := Fix(fixed, opts)
	if err != nil {
		t.Fatalf("fixing the fixed files: %v", err)
	}
	for _, f := range again.Files {
		if f.Changed() {
			t.Errorf("%s: fixing the fixed file changed it again (fixes are not idempotent)", f.Path)
		}
	}
	return goldens
}

// checkStaleGoldens fails for a .golden file in a fixture folder that is
// not one of goldens: no file that the fixes change or create has its
// name. With -update it removes such a file.
func checkStaleGoldens(t *testing.T, dir string, goldens []string) {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range found {
		if slices.Contains(goldens, g) {
			continue
		}
		if *update {
			if err := os.Remove(g); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: no file of the fixture is fixed into this golden; remove it (go test -update does)", g)
	}
}
