// Package gitdiff asks git which files a change adds or modifies.
package gitdiff

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/git"
)

// Changes is a set of files of a repository's work tree.
type Changes struct {
	dir   string          // the folder relative paths are taken from
	files map[string]bool // absolute paths, symbolic links resolved
}

// Since returns the files added or changed since ref, seen from the
// repository that holds dir:
//
//   - committed on HEAD since it forked from ref (git diff ref...HEAD),
//   - staged or modified in the work tree but not committed,
//   - untracked and not ignored.
//
// Files deleted since ref are left out. Paths later given to Contains are taken
// from dir when relative.
func Since(ctx context.Context, dir, ref string) (*Changes, error) {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("%q is not a git revision", ref)
	}
	top, err := git.Run(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	root := resolve(strings.TrimSpace(top))
	if _, err := git.Run(ctx, root, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%q is not a commit in %s", ref, root)
	}
	c := &Changes{dir: dir, files: map[string]bool{}}
	for _, args := range [][]string{
		{"diff", "--name-only", "-z", "--diff-filter=d", ref + "...HEAD", "--"},
		{"diff", "--name-only", "-z", "--diff-filter=d", "HEAD", "--"},
		{"ls-files", "-z", "--others", "--exclude-standard", "--full-name"},
	} {
		out, err := git.Run(ctx, root, args...)
		if err != nil {
			if strings.Contains(err.Error(), "no merge base") {
				err = fmt.Errorf("%w (in a shallow clone, fetch the history first: git fetch --unshallow, or actions/checkout with fetch-depth: 0)", err)
			}
			return nil, err
		}
		for _, p := range strings.Split(out, "\x00") {
			if p != "" {
				c.files[filepath.Join(root, filepath.FromSlash(p))] = true
			}
		}
	}
	return c, nil
}

// Contains reports whether path, absolute or relative to the folder given
// to Since, is among the changed files.
func (c *Changes) Contains(path string) bool {
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	return c.files[resolve(path)]
}

// resolve returns path cleaned and with its symbolic links resolved, as
// git reports the work tree's root; a path that cannot be resolved comes
// back cleaned.
func resolve(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return filepath.Clean(path)
}
