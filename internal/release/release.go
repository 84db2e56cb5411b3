// Package release asks git which migrations have shipped. A release is a
// git tag whose name matches a pattern (the config's release-tag, such
// as "v*"); a migration has shipped in every release whose tag's history
// adds it.
package release

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/git"
)

// Shipped knows which of a repository's migrations have shipped, and in
// how many releases.
type Shipped struct {
	// Pattern is the release tag pattern, as the config gives it.
	Pattern string
	dir     string // the folder relative paths are taken from
	root    string // the work tree's root, symbolic links resolved
	tags    []string
	added   map[string]bool // root-relative slash paths that a release's history adds
	counts  map[string]int  // root-relative slash paths -> releases that hold them
}

// Read asks the repository that holds dir which files under the folders
// of paths the releases (tags matching pattern) hold, and, for each of
// counted, how many releases hold it. Relative paths are taken from dir.
func Read(ctx context.Context, dir, pattern string, paths, counted []string) (*Shipped, error) {
	if pattern == "" || strings.HasPrefix(pattern, "-") {
		return nil, fmt.Errorf("%q is not a tag pattern", pattern)
	}
	top, err := git.Run(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	s := &Shipped{Pattern: pattern, dir: dir, root: resolve(strings.TrimSpace(top)), added: map[string]bool{}, counts: map[string]int{}}
	out, err := git.Run(ctx, s.root, "tag", "--list", pattern)
	if err != nil {
		return nil, err
	}
	s.tags = strings.Fields(out)
	if len(s.tags) == 0 {
		return s, nil // nothing has shipped
	}
	var specs []string
	seen := map[string]bool{}
	for _, p := range paths {
		if rel, ok := s.rel(filepath.Dir(s.abs(p))); ok && !seen[rel] {
			seen[rel] = true
			if rel == "." {
				rel = "" // the whole tree
			}
			specs = append(specs, ":(top,literal)"+rel)
		}
	}
	if len(specs) == 0 {
		return s, nil
	}
	args := append([]string{"log", "--format=", "--name-only", "-z", "--diff-filter=A", "--no-renames"}, s.refs()...)
	out, err = git.Run(ctx, s.root, append(append(args, "--"), specs...)...)
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(out, "\x00") {
		if p = strings.TrimSpace(p); p != "" {
			s.added[p] = true
		}
	}
	for _, p := range counted {
		if err := s.count(ctx, p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// count finds how many releases hold the file at path: the release tags
// that contain the commit of a release's history that added it.
func (s *Shipped) count(ctx context.Context, path string) error {
	rel, ok := s.rel(s.abs(path))
	if !ok || !s.added[rel] {
		return nil
	}
	args := append([]string{"log", "-1", "--format=%H", "--diff-filter=A", "--no-renames"}, s.refs()...)
	out, err := git.Run(ctx, s.root, append(args, "--", ":(top,literal)"+rel)...)
	if err != nil {
		return err
	}
	commit := strings.TrimSpace(out)
	if commit == "" {
		return nil
	}
	out, err = git.Run(ctx, s.root, "tag", "--list", s.Pattern, "--contains", commit)
	if err != nil {
		return err
	}
	s.counts[rel] = len(strings.Fields(out))
	return nil
}

// refs returns the release tags as git revisions.
func (s *Shipped) refs() []string {
	out := make([]string, len(s.tags))
	for i, t := range s.tags {
		out[i] = "refs/tags/" + t
	}
	return out
}

// Releases returns how many releases hold the migration at path: 0 when
// none has shipped it; for a path that Read did not count, 1 when one
// has.
func (s *Shipped) Releases(path string) int {
	rel, ok := s.rel(s.abs(path))
	if !ok || !s.added[rel] {
		return 0
	}
	if n, ok := s.counts[rel]; ok && n > 0 {
		return n
	}
	return 1
}

// Describe says how the releases are known, for messages.
func (s *Shipped) Describe() string { return fmt.Sprintf("release tags %q", s.Pattern) }

// abs returns path taken from the folder given to Read when relative.
func (s *Shipped) abs(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(s.dir, path)
}

// rel returns the slash path of abs relative to the work tree's root,
// and false when it lies outside.
func (s *Shipped) rel(abs string) (string, bool) {
	r, err := filepath.Rel(s.root, resolve(abs))
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// resolve returns path cleaned and with its symbolic links resolved, as
// git reports the work tree's root; a path that does not exist keeps the
// resolution of its folder.
func resolve(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" || dir == path {
		return filepath.Clean(path)
	}
	return filepath.Join(resolve(filepath.Clean(dir)), base)
}
