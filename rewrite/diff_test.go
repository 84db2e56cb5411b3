package rewrite

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

func TestUnifiedGolden(t *testing.T) {
	old := "BEGIN;\nCREATE INDEX i ON t (c);\nCOMMIT;\n"
	new := "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n"
	var b bytes.Buffer
	require.NoError(t, Unified(&b, "a/x.sql", "b/x.sql", old, new, DiffOptions{}))
	assert.Equal(t, "--- a/x.sql\n+++ b/x.sql\n@@ -1,3 +1,3 @@\n BEGIN;\n-CREATE INDEX i ON t (c);\n COMMIT;\n+CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n", b.String())
}

func TestUnifiedNewFile(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Unified(&b, "/dev/null", "b/y.sql", "", "a\nb\n", DiffOptions{}))
	assert.Equal(t, "--- /dev/null\n+++ b/y.sql\n@@ -0,0 +1,2 @@\n+a\n+b\n", b.String())
}

func TestUnifiedEqualWritesNothing(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Unified(&b, "a", "b", "x\n", "x\n", DiffOptions{}))
	assert.Empty(t, b.String())
}

// TestUnifiedAppliesWithPatch checks the hunk writer against GNU patch:
// for random edits of a text, patch applied to the old text must give the
// new text exactly.
func TestUnifiedAppliesWithPatch(t *testing.T) {
	patchBin, err := exec.LookPath("patch")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GNU patch is not installed")
		}
		t.Skip("GNU patch is not installed")
	}
	rng := rand.New(rand.NewSource(1))
	words := []string{"SELECT 1;", "CREATE INDEX i ON t (c);", "-- comment", "", "COMMIT;", "BEGIN;", "ALTER TABLE t ADD c int;"}
	for round := 0; round < 60; round++ {
		var oldLines []string
		for i := 0; i < 5+rng.Intn(40); i++ {
			oldLines = append(oldLines, words[rng.Intn(len(words))])
		}
		newLines := append([]string(nil), oldLines...)
		for k := 0; k < 1+rng.Intn(6); k++ {
			pos := rng.Intn(len(newLines) + 1)
			switch rng.Intn(3) {
			case 0:
				newLines = append(newLines[:pos], append([]string{words[rng.Intn(len(words))] + " /* new */"}, newLines[pos:]...)...)
			case 1:
				if pos < len(newLines) {
					newLines = append(newLines[:pos], newLines[pos+1:]...)
				}
			default:
				if pos < len(newLines) {
					newLines[pos] = "UPDATE t SET c = 1;"
				}
			}
		}
		old := strings.Join(oldLines, "\n") + "\n"
		new := strings.Join(newLines, "\n")
		if rng.Intn(2) == 0 {
			new += "\n"
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "m.sql")
		require.NoError(t, os.WriteFile(file, []byte(old), 0o644))
		var d bytes.Buffer
		require.NoError(t, Unified(&d, "a/m.sql", "b/m.sql", old, new, DiffOptions{}))
		cmd := exec.Command(patchBin, "-s", "-p1", "-d", dir)
		cmd.Stdin = &d
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "round %d: patch failed: %s\n%s", round, out, d.String())
		got, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.Equal(t, new, string(got), "round %d:\n%s", round, d.String())
	}
}

func TestApplyEditsRejectsOverlap(t *testing.T) {
	_, err := ApplyEdits("abcdef", nil)
	require.NoError(t, err)
	got, err := ApplyEdits("abcdef", []rules.Edit{{Start: 4, End: 5, NewText: "X"}, {Start: 1, End: 2, NewText: "Y"}})
	require.NoError(t, err)
	assert.Equal(t, "aYcdXf", got)
	_, err = ApplyEdits("abcdef", []rules.Edit{{Start: 1, End: 3}, {Start: 2, End: 4}})
	assert.Error(t, err)
}

func TestApplyEditsKeepsTheByteOrderMarkFirst(t *testing.T) {
	text := sqlparse.BOM + "SELECT 1;"
	got, err := ApplyEdits(text, []rules.Edit{{Start: 0, End: 0, NewText: "BEGIN;\n"}, {Start: len(text), End: len(text), NewText: " -- one"}})
	require.NoError(t, err)
	assert.Equal(t, sqlparse.BOM+"BEGIN;\nSELECT 1; -- one", got)
}

func TestEditSetOverlaps(t *testing.T) {
	s := editSet{}
	s.add([]rules.Edit{
		{Path: "a.sql", Start: 10, End: 20},
		{Path: "a.sql", Start: 30, End: 30},
		{Path: "a.sql", Start: editBlock - 2, End: 3 * editBlock},
	})
	for _, tc := range []struct {
		e    rules.Edit
		want bool
	}{
		{rules.Edit{Path: "a.sql", Start: 0, End: 10}, false},
		{rules.Edit{Path: "a.sql", Start: 19, End: 21}, true},
		{rules.Edit{Path: "a.sql", Start: 20, End: 20}, false},
		{rules.Edit{Path: "a.sql", Start: 10, End: 10}, true},
		{rules.Edit{Path: "a.sql", Start: 30, End: 30}, true},
		{rules.Edit{Path: "a.sql", Start: 30, End: 31}, true},
		{rules.Edit{Path: "a.sql", Start: 31, End: 40}, false},
		{rules.Edit{Path: "b.sql", Start: 12, End: 13}, false},
		{rules.Edit{Path: "a.sql", Start: 2*editBlock + 5, End: 2*editBlock + 5}, true},
		{rules.Edit{Path: "a.sql", Start: 3 * editBlock, End: 3*editBlock + 1}, false},
	} {
		assert.Equal(t, tc.want, s.overlaps(tc.e), "%+v", tc.e)
	}
}
