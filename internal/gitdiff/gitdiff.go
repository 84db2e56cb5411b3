// Package gitdiff asks git which files are not yet deployed: those that
// differ from a ref (a release tag, the production branch), for --since.
// It runs the git binary, so that it sees what the user's git sees.
package gitdiff

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Changed returns the absolute, cleaned paths of the files in the git
// work tree that holds dir which differ from ref: changed, added or
// deleted since ref (committed or not, as git diff --name-only ref shows
// them), or untracked and not ignored.
func Changed(ctx context.Context, dir, ref string) (map[string]bool, error) {
	root, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	root = strings.TrimSpace(root)
	diff, err := git(ctx, root, "diff", "--name-only", "-z", ref, "--")
	if err != nil {
		return nil, err
	}
	untracked, err := git(ctx, root, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, list := range []string{diff, untracked} {
		for _, p := range strings.Split(list, "\x00") {
			if p != "" {
				out[filepath.Join(root, filepath.FromSlash(p))] = true
			}
		}
	}
	return out, nil
}

// git runs git in dir and returns its standard output; an error carries
// git's message.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.String(), nil
}
