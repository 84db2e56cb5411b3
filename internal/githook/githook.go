// Package githook installs a plain git pre-commit hook that runs pgsafe
// lint on the SQL files a commit adds or changes, for teams that do not
// use the pre-commit framework.
package githook

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/git"
)

// Script is the hook. It lints the staged .sql files (any case) as they
// are in the work tree, with the settings of the repository's
// .pgsafe.toml, and stops the commit when pgsafe exits non-zero. PGSAFE
// names the binary when it is not pgsafe on the PATH.
const Script = `#!/bin/sh
# pgsafe pre-commit hook, written by "pgsafe hook install".
# Lints the .sql files that the commit adds or changes, as they are in the
# work tree, and stops the commit on findings at or above fail-on (see
# .pgsafe.toml). Skip it once with: git commit --no-verify
pgsafe="${PGSAFE:-pgsafe}"
if ! command -v "$pgsafe" >/dev/null 2>&1; then
	echo "pgsafe pre-commit hook: $pgsafe not found; install it with: go install github.com/pgsafe/pgsafe/cmd/pgsafe@latest" >&2
	exit 1
fi
if [ -z "$(git diff --cached --name-only --diff-filter=ACMR -- ':(icase)*.sql')" ]; then
	exit 0
fi
git diff --cached --name-only --diff-filter=ACMR -z -- ':(icase)*.sql' | xargs -0 "$pgsafe" lint
`

// ErrExists is returned, wrapped, when a different pre-commit hook is
// already installed and Install was not told to replace it.
var ErrExists = errors.New("a pre-commit hook already exists")

// Install writes Script as the pre-commit hook of the repository that
// holds dir, where git looks for it (core.hooksPath and worktrees
// included), and returns the hook's path. An existing hook that differs
// from Script is replaced only when force is set; one equal to it is left
// as it is.
func Install(ctx context.Context, dir string, force bool) (string, error) {
	out, err := git.Run(ctx, dir, "rev-parse", "--git-path", "hooks/pre-commit")
	if err != nil {
		return "", err
	}
	path := strings.TrimSpace(out)
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(old) == Script:
		return path, nil
	case err == nil && !force:
		return path, fmt.Errorf("%w at %s", ErrExists, path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return path, err
	default:
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return path, err
	}
	if err := os.WriteFile(path, []byte(Script), 0o755); err != nil {
		return path, err
	}
	return path, os.Chmod(path, 0o755)
}
