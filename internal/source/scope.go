package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// scope is where the files found under a folder the user named (or under
// the fixed part of a glob) may lead through symlinks: into the folder
// itself, or into the git repository that holds it.
type scope struct {
	named string   // the folder as the user named it, for messages
	repo  string   // the repository's root as found, "" outside one
	roots []string // resolved folders a found file may resolve into
}

// newScope returns the scope of the folder dir.
func newScope(dir string) *scope {
	if dir == "" {
		dir = "."
	}
	sc := &scope{named: dir}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return sc
	}
	addRoot := func(p string) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			sc.roots = append(sc.roots, r)
		}
	}
	addRoot(abs)
	starts := []string{abs}
	if r, err := filepath.EvalSymlinks(abs); err == nil && r != abs {
		starts = append(starts, r)
	}
	for _, s := range starts {
		if repo := repoRoot(s); repo != "" {
			if sc.repo == "" {
				sc.repo = repo
			}
			addRoot(repo)
		}
	}
	return sc
}

// repoRoot returns the nearest folder at or above dir, an absolute path,
// that holds a .git entry (a folder, or a file in a worktree or
// submodule), or "" when there is none.
func repoRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// check returns nil when path, a file found in the scope, resolves
// inside it, and otherwise an error that names where it leads.
func (sc *scope) check(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if link, lerr := os.Readlink(path); lerr == nil {
			return fmt.Errorf("a broken symlink to %s: %w", link, describe(err))
		}
		return describe(err)
	}
	for _, root := range sc.roots {
		if within(root, target) {
			return nil
		}
	}
	where := fmt.Sprintf("outside %s, the folder named", sc.named)
	if sc.repo != "" {
		where = "outside the repository " + sc.repo
	}
	how := "resolves through a symlink to " + target
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		if link, err := os.Readlink(path); err == nil {
			how = "a symlink to " + link
			if link != target {
				how += " (" + target + ")"
			}
		}
	}
	return fmt.Errorf("%s, %s: not read; name the file on the command line to read it anyway", how, where)
}

// within reports whether path lies in or at root; both are absolute
// and resolved.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
