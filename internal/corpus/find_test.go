package corpus_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
)

func mkdirs(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		require.NoError(t, os.MkdirAll(p, 0o755))
	}
}

func TestFind(t *testing.T) {
	noEnv := func(string) string { return "" }
	root := t.TempDir()
	shared := filepath.Join(root, "shared", "corpus")

	// A checkout beside shared/, and a worktree two levels further down.
	main := filepath.Join(root, "main")
	wt := filepath.Join(root, "wt", "d2")
	mkdirs(t, shared, filepath.Join(main, "internal", "lint"), filepath.Join(wt, "internal", "lint"))
	for _, m := range []string{main, wt} {
		require.NoError(t, os.WriteFile(filepath.Join(m, "go.mod"), []byte("module x\n"), 0o644))
	}
	for _, start := range []string{main, filepath.Join(main, "internal", "lint"), filepath.Join(wt, "internal", "lint")} {
		got, err := corpus.Find(start, noEnv)
		require.NoError(t, err, start)
		assert.Equal(t, shared, got, start)
	}

	other := t.TempDir()
	env := func(k string) string {
		if k == corpus.EnvVar {
			return other
		}
		return ""
	}
	got, err := corpus.Find(wt, env)
	require.NoError(t, err)
	assert.Equal(t, other, got, "the environment variable wins")

	_, err = corpus.Find(wt, func(string) string { return filepath.Join(other, "missing") })
	assert.True(t, errors.Is(err, corpus.ErrNotFound), "%v", err)

	lone := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(lone, "go.mod"), []byte("module x\n"), 0o644))
	if _, statErr := os.Stat(filepath.Join(filepath.Dir(lone), "shared", "corpus")); statErr == nil {
		t.Skip("a shared/corpus exists above the temporary folder")
	}
	_, err = corpus.Find(lone, noEnv)
	assert.True(t, errors.Is(err, corpus.ErrNotFound), "%v", err)
}
