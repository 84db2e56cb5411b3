package release_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gittest"
	"github.com/pgsafe/pgsafe/internal/release"
)

// releasedRepo returns a repository whose history is:
//
//	v1.0.0      db/1.sql, db/2.sql
//	v1.1.0      db/3.sql
//	(untagged)  db/4.sql committed after v1.1.0, and a tag "nightly"
//	work tree   db/5.sql, never committed
func releasedRepo(t *testing.T) *gittest.Repo {
	r := gittest.New(t)
	r.Write("db/1.sql", "SELECT 1;\n")
	r.Write("db/2.sql", "SELECT 2;\n")
	r.Write("README", "x\n")
	r.Commit("one")
	r.Git("tag", "v1.0.0")
	r.Write("db/3.sql", "SELECT 3;\n")
	r.Commit("three")
	r.Git("tag", "-a", "-m", "annotated", "v1.1.0")
	r.Write("db/4.sql", "SELECT 4;\n")
	r.Commit("four")
	r.Git("tag", "nightly")
	r.Write("db/5.sql", "SELECT 5;\n")
	return r
}

func TestReleases(t *testing.T) {
	r := releasedRepo(t)
	paths := []string{"db/1.sql", "db/2.sql", "db/3.sql", "db/4.sql", "db/5.sql"}
	s, err := release.Read(context.Background(), r.Dir, "v*", paths, []string{"db/1.sql", "db/3.sql", "db/4.sql"})
	require.NoError(t, err)
	assert.Equal(t, 2, s.Releases("db/1.sql"), "in v1.0.0 and v1.1.0")
	assert.Equal(t, 1, s.Releases("db/2.sql"), "shipped; not counted")
	assert.Equal(t, 1, s.Releases("db/3.sql"), "in the annotated v1.1.0")
	assert.Equal(t, 0, s.Releases("db/4.sql"), "only the nightly tag, which is no release, holds it")
	assert.Equal(t, 0, s.Releases("db/5.sql"), "not committed")
	assert.Equal(t, 2, s.Releases(filepath.Join(r.Dir, "db", "1.sql")), "absolute")
	assert.Equal(t, 0, s.Releases("elsewhere/1.sql"))
	assert.Equal(t, `release tags "v*"`, s.Describe())
}

func TestReleasesFromASubfolder(t *testing.T) {
	r := releasedRepo(t)
	s, err := release.Read(context.Background(), filepath.Join(r.Dir, "db"), "v1.0.*", []string{"1.sql", "3.sql"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Releases("1.sql"))
	assert.Equal(t, 0, s.Releases("3.sql"), "v1.1.0 does not match v1.0.*")
}

func TestReleasesWithoutTags(t *testing.T) {
	r := releasedRepo(t)
	s, err := release.Read(context.Background(), r.Dir, "release-*", []string{"db/1.sql"}, []string{"db/1.sql"})
	require.NoError(t, err)
	assert.Equal(t, 0, s.Releases("db/1.sql"))
}

func TestReleasesAtTheRoot(t *testing.T) {
	r := releasedRepo(t)
	s, err := release.Read(context.Background(), r.Dir, "v*", []string{"README"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Releases("README"))
}

func TestReadErrors(t *testing.T) {
	r := releasedRepo(t)
	_, err := release.Read(context.Background(), r.Dir, "--all", nil, nil)
	assert.ErrorContains(t, err, "is not a tag pattern")
	_, err = release.Read(context.Background(), t.TempDir(), "v*", nil, nil)
	assert.ErrorContains(t, err, "git rev-parse --show-toplevel")
}
