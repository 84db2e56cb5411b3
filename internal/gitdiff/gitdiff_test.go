package gitdiff_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/gittest"
)

// branchRepo returns a repository whose branch feature forked from main
// after db/1.sql and db/2.sql, then:
//
//	main       adds db/8.sql after the fork
//	feature    commits db/3.sql and a change to db/2.sql
//	work tree  stages db/4.sql, modifies db/1.sql, adds untracked db/5.sql,
//	           ignored db/6.sql, and deletes db/7.sql (committed on feature:
//	           listed or not, a deleted file is never linted)
func branchRepo(t *testing.T) *gittest.Repo {
	r := gittest.New(t)
	r.Write(".gitignore", "db/6.sql\n")
	r.Write("db/1.sql", "SELECT 1;\n")
	r.Write("db/2.sql", "SELECT 2;\n")
	r.Commit("base")
	r.Git("checkout", "-q", "-b", "feature")
	r.Git("checkout", "-q", "main")
	r.Write("db/8.sql", "SELECT 8;\n")
	r.Commit("main moves on")
	r.Git("checkout", "-q", "feature")
	r.Write("db/2.sql", "SELECT 2, 2;\n")
	r.Write("db/3.sql", "SELECT 3;\n")
	r.Write("db/7.sql", "SELECT 7;\n")
	r.Commit("feature")
	r.Write("db/4.sql", "SELECT 4;\n")
	r.Git("add", "db/4.sql")
	r.Write("db/1.sql", "SELECT 1, 1;\n")
	r.Write("db/5.sql", "SELECT 5;\n")
	r.Write("db/6.sql", "SELECT 6;\n")
	require.NoError(t, os.Remove(filepath.Join(r.Dir, "db", "7.sql")))
	return r
}

func TestSince(t *testing.T) {
	r := branchRepo(t)
	c, err := gitdiff.Since(context.Background(), r.Dir, "main")
	require.NoError(t, err)
	want := map[string]bool{
		"db/1.sql": true, "db/2.sql": true, "db/3.sql": true, "db/4.sql": true, "db/5.sql": true,
		"db/6.sql": false, "db/8.sql": false, "db/9.sql": false,
	}
	for path, changed := range want {
		assert.Equal(t, changed, c.Contains(path), path)
		assert.Equal(t, changed, c.Contains(filepath.Join(r.Dir, path)), "absolute %s", path)
	}
}

func TestSinceFromASubfolder(t *testing.T) {
	r := branchRepo(t)
	sub := filepath.Join(r.Dir, "db")
	c, err := gitdiff.Since(context.Background(), sub, "main")
	require.NoError(t, err)
	assert.True(t, c.Contains("3.sql"), "relative to the folder given, not the root")
	assert.True(t, c.Contains("./5.sql"))
	assert.False(t, c.Contains("8.sql"))
	assert.False(t, c.Contains("db/3.sql"))
}

func TestSinceACommit(t *testing.T) {
	r := branchRepo(t)
	c, err := gitdiff.Since(context.Background(), r.Dir, "HEAD")
	require.NoError(t, err)
	assert.False(t, c.Contains("db/3.sql"), "committed before HEAD")
	assert.True(t, c.Contains("db/4.sql"), "staged")
	assert.True(t, c.Contains("db/1.sql"), "modified")
	assert.True(t, c.Contains("db/5.sql"), "untracked")
}

func TestSinceErrors(t *testing.T) {
	r := branchRepo(t)
	_, err := gitdiff.Since(context.Background(), r.Dir, "no-such-branch")
	assert.ErrorContains(t, err, `"no-such-branch" is not a commit`)
	_, err = gitdiff.Since(context.Background(), r.Dir, "--output=x")
	assert.ErrorContains(t, err, "is not a git revision")
	_, err = gitdiff.Since(context.Background(), t.TempDir(), "main")
	assert.ErrorContains(t, err, "git rev-parse --show-toplevel")
}

func TestSinceInAShallowClone(t *testing.T) {
	r := branchRepo(t)
	r.Git("add", "-A")
	r.Git("commit", "-q", "-m", "the rest")
	clone := gittest.Clone(t, "file://"+r.Dir, "--depth=1", "--no-single-branch", "--branch=feature")
	_, err := gitdiff.Since(context.Background(), clone.Dir, "origin/main")
	assert.ErrorContains(t, err, "fetch-depth: 0")
}
