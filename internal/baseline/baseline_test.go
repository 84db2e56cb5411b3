package baseline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/baseline"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// run lints files (alternating path and text) with PS001.
func run(t *testing.T, pathsAndTexts ...string) *lint.Result {
	t.Helper()
	var files []source.File
	for i := 0; i < len(pathsAndTexts); i += 2 {
		files = append(files, source.File{Path: pathsAndTexts[i], Text: pathsAndTexts[i+1]})
	}
	all := rules.All()
	return lint.Run(files, lint.Options{
		Rules: []*rules.Rule{rules.Lookup(all, "PS001")}, Known: all, Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000},
	})
}

func TestRecordAndMatch(t *testing.T) {
	work := t.TempDir()
	old := run(t, "db/1.sql", "CREATE INDEX a ON t (c);\n", "db/2.sql", "SELECT 1;\nCREATE INDEX b ON t (c);\n")
	b := baseline.Record(old, "baseline.json", work)
	require.Len(t, b.Findings, 2)
	assert.Equal(t, baseline.Finding{Fingerprint: b.Findings[1].Fingerprint, Code: "PS001", Rule: "require-concurrent-index", Path: "db/2.sql", Line: 2, Message: old.Diagnostics[1].Message}, b.Findings[1])
	assert.Equal(t, []bool{true, true}, b.Recorded(old, "baseline.json", work))

	// Later: a statement is added above the known finding of db/2.sql,
	// and a new migration adds a finding of its own.
	later := run(t,
		"db/1.sql", "CREATE INDEX a ON t (c);\n",
		"db/2.sql", "-- reviewed\nSELECT 1;\nSELECT 2;\n\nCREATE INDEX b ON t (c);\n",
		"db/3.sql", "CREATE INDEX b ON t (c);\n")
	assert.Equal(t, []bool{true, true, false}, b.Recorded(later, "baseline.json", work),
		"the moved finding is known; the same statement in a new file is not")
}

func TestPathsRelativeToTheBaselineFile(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "services", "api")
	b := baseline.Record(run(t, "db/1.sql", "CREATE INDEX a ON t (c);\n"), "../../pgsafe-baseline.json", sub)
	require.Len(t, b.Findings, 1)
	assert.Equal(t, "services/api/db/1.sql", b.Findings[0].Path)

	// The same file, linted from the root with the baseline named from there.
	fromRoot := run(t, "services/api/db/1.sql", "CREATE INDEX a ON t (c);\n")
	assert.Equal(t, []bool{true}, b.Recorded(fromRoot, "pgsafe-baseline.json", root))
	abs := run(t, filepath.Join(sub, "db", "1.sql"), "CREATE INDEX a ON t (c);\n")
	assert.Equal(t, []bool{true}, b.Recorded(abs, filepath.Join(root, "pgsafe-baseline.json"), "/elsewhere"), "absolute paths work from anywhere")
}

func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, baseline.DefaultPath)
	b := baseline.Record(run(t, "1.sql", "CREATE INDEX a ON t (c);\n"), path, dir)
	var buf bytes.Buffer
	require.NoError(t, b.Write(&buf))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	got, err := baseline.Read(path)
	require.NoError(t, err)
	assert.Equal(t, b, got)

	buf.Reset()
	require.NoError(t, baseline.Record(run(t, "1.sql", "SELECT 1;\n"), path, dir).Write(&buf))
	assert.Equal(t, "{\n  \"version\": 1,\n  \"findings\": []\n}\n", buf.String(), "no findings is an empty list")
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := baseline.Read(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("[1, 2]"), 0o644))
	_, err = baseline.Read(bad)
	assert.ErrorContains(t, err, "not a pgsafe baseline")

	future := filepath.Join(dir, "future.json")
	require.NoError(t, os.WriteFile(future, []byte(`{"version": 2, "findings": []}`), 0o644))
	_, err = baseline.Read(future)
	assert.ErrorContains(t, err, "baseline version 2, want 1")
}
