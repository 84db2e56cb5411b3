package corpus_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/testenv"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
)

// copyTree copies every file under src into a new temporary folder,
// leaving out the folders skip names (relative to src).
func copyTree(t *testing.T, src string, skip ...string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			for _, s := range skip {
				if rel == s {
					return filepath.SkipDir
				}
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	return dst
}

// corpusTools names the tools of the corpus's migration sets, as their
// projects would in .pgsafe.toml; the rest is left to detection.
func corpusTools(root string) []tool.Setting {
	under := func(tl *tool.Tool, dir string) tool.Setting {
		prefix := filepath.Join(root, filepath.FromSlash(dir)) + string(filepath.Separator)
		return tool.Setting{Tool: tl, Source: tool.FromConfig, Pattern: dir, Match: func(p string) bool { return strings.HasPrefix(p, prefix) }}
	}
	return []tool.Setting{
		under(tool.Popx, "ory__hydra/persistence/sql/migrations"),
		under(tool.Popx, "ory__kratos/persistence/sql/migrations/sql"),
		under(tool.Popx, "ory__keto/internal/persistence/sql/migrations/sql"),
		under(tool.Pop, "supabase__auth/migrations"),
	}
}

// fixTree runs `pgsafe fix --write` semantics on every .sql file under
// root and returns the result.
func fixTree(t *testing.T, root string, tools []tool.Setting) *rewrite.Result {
	t.Helper()
	files := loadTree(t, root)
	opts := allRules()
	opts.Tools = tools
	res, err := rewrite.Fix(files, opts, rewrite.Options{})
	require.NoError(t, err, "fix converges on the whole corpus")
	for _, f := range res.Files {
		if f.Changed() && !f.SyntaxError {
			require.NoError(t, os.MkdirAll(filepath.Dir(f.Path), 0o755))
			require.NoError(t, rewrite.WriteAtomic(f.Path, []byte(f.Fixed)))
		}
	}
	return res
}

// loadTree reads every .sql file under root; the one file of the
// regression suite that is not UTF-8 is the only one that may not load.
func loadTree(t *testing.T, root string) []source.File {
	t.Helper()
	files, errs := source.Load([]string{root}, source.Options{})
	for _, err := range errs {
		assert.Contains(t, err.Error(), "collate.windows.win1252.sql: not valid UTF-8")
	}
	return files
}

// refusals returns what each set's tool would refuse, by file, for the
// sets the settings name.
func refusals(t *testing.T, root string, tools []tool.Setting) []string {
	t.Helper()
	files := loadTree(t, root)
	opts := allRules()
	opts.Tools = tools
	var out []string
	for _, d := range lint.Run(files, opts).Diagnostics {
		if d.Rule.Code == "PS911" {
			rel, _ := filepath.Rel(root, d.Path)
			out = append(out, rel+": "+d.Message)
		}
	}
	sort.Strings(out)
	return out
}

// TestFixWholeCorpus rewrites a copy of the whole corpus as `pgsafe fix
// --write` does, once with the migration sets' tools named and once with
// detection alone: fix converges, a second fix changes nothing, every file
// that parsed still parses, and the tools refuse nothing new. Each takes
// half a minute: unless PGSAFE_HEAVY_TESTS=1, only the first runs, and
// on the migration sets alone, without libpg_query's regression suite.
func TestFixWholeCorpus(t *testing.T) {
	src := corpus.Locate(t)
	var skip []string
	if !testenv.IsHeavy() {
		skip = []string{"pganalyze__libpg_query"}
	}
	for _, named := range []bool{true, false} {
		name := "detected"
		if named {
			name = "tools named"
		}
		t.Run(name, func(t *testing.T) {
			if !named {
				testenv.Heavy(t, "fixes the whole corpus a second time")
			}
			root := copyTree(t, src, skip...)
			var tools []tool.Setting
			if named {
				tools = corpusTools(root)
			}
			before := refusals(t, root, tools)
			parsedBefore := map[string]bool{}
			paths, err := corpus.Files(root)
			require.NoError(t, err)
			for _, p := range paths {
				b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
				require.NoError(t, err)
				parsedBefore[p] = sqlparse.Valid(string(b))
			}

			res := fixTree(t, root, tools)
			changed, created := 0, 0
			for _, f := range res.Files {
				switch {
				case f.Created:
					created++
				case f.Changed():
					changed++
				default:
				}
			}
			t.Logf("%d fixes in %d rounds: %d files changed, %d created", len(res.Applied), res.Rounds, changed, created)
			if named {
				assert.Positive(t, created, "the named tools let fix split migrations")
			}

			again := fixTree(t, root, tools)
			for _, f := range again.Files {
				assert.False(t, f.Changed(), "%s changes again", f.Path)
			}
			after, err := corpus.Files(root)
			require.NoError(t, err)
			for _, p := range after {
				b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
				require.NoError(t, err)
				if ok, seen := parsedBefore[p]; !seen || ok {
					assert.True(t, sqlparse.Valid(string(b)), "%s does not parse after the fix", p)
				}
			}
			assert.Equal(t, before, refusals(t, root, tools), "the tools refuse what they refused before, and nothing more")
		})
	}
}

// TestFixConvergesOnHydrasNidFile: the Hydra generator source that adds
// the network id to every table, alone, converges in a few rounds.
func TestFixConvergesOnHydrasNidFile(t *testing.T) {
	src := filepath.Join(corpus.Locate(t), "ory__hydra", "persistence", "sql", "src", "20220210000001_nid")
	dir := copyTree(t, src)
	path := filepath.Join(dir, "20220210000001000000_nid.postgres.up.sql")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	opts := allRules()
	opts.Tools = []tool.Setting{{Tool: tool.Popx, Source: tool.FromConfig}}
	res, err := rewrite.Fix([]source.File{{Path: path, Text: string(b)}}, opts, rewrite.Options{Unsafe: true})
	require.NoError(t, err)
	assert.LessOrEqual(t, res.Rounds, 5)
	t.Logf("%d fixes in %d rounds, %d files", len(res.Applied), res.Rounds, len(res.Files))
	// Guessed, the same file converges too.
	res, err = rewrite.Fix([]source.File{{Path: path, Text: string(b)}}, allRules(), rewrite.Options{Unsafe: true})
	require.NoError(t, err)
	assert.LessOrEqual(t, res.Rounds, 5)
}
