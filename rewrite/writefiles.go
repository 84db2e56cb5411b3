package rewrite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errInterrupted marks the files left unwritten when the run was stopped.
var errInterrupted = errors.New("interrupted before it was written")

// Write writes the files of res that fixes change or create, each
// atomically (ReplaceFile, CreateFile), and records on each whether it
// was written (Written, WriteErr). Files with a syntax error are never
// touched.
//
// The files that one fix writes (a migration and the new migration its
// statements move to) form a group, written all or none: the new files
// first, so that no statement is ever only in a file that failed, and
// when one file of a group fails, those of the group written already are
// put back. Every group is tried, whatever happened to the others; once
// ctx is done, the groups not yet written are left alone.
//
// Write returns nil when every file was written, ctx's error when ctx
// stopped it, and otherwise an error that counts the files not written.
func (res *Result) Write(ctx context.Context) error {
	groups := res.writeGroups()
	total, failed := 0, 0
	for _, g := range groups {
		total += len(g)
		if err := ctx.Err(); err != nil {
			for _, f := range g {
				f.WriteErr = errInterrupted
			}
		} else {
			writeGroup(ctx, g)
		}
		for _, f := range g {
			if !f.Written {
				failed++
			}
		}
	}
	switch {
	case failed == 0:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("%d of %d %s not written", failed, total, plural(total, "file"))
	}
}

// writeGroups returns the files to write, grouped by the fixes that tie
// them, in the order of res.Files, each group's created files first.
func (res *Result) writeGroups() [][]*File {
	parent := map[string]string{}
	var find func(string) string
	find = func(p string) string {
		if q, ok := parent[p]; ok && q != p {
			r := find(q)
			parent[p] = r
			return r
		}
		return p
	}
	union := func(a, b string) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[rb] = ra
		}
	}
	for _, a := range res.Applied {
		for _, nf := range a.NewFiles {
			union(a.Path, nf)
		}
	}
	index := map[string]int{}
	var groups [][]*File
	for _, f := range res.Files {
		if !f.Changed() || f.SyntaxError {
			continue
		}
		root := find(f.Path)
		i, ok := index[root]
		if !ok {
			i = len(groups)
			index[root] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	for _, g := range groups {
		created := make([]*File, 0, len(g))
		var existing []*File
		for _, f := range g {
			if f.Created {
				created = append(created, f)
			} else {
				existing = append(existing, f)
			}
		}
		copy(g, append(created, existing...))
	}
	return groups
}

// writeGroup writes the files of one group, or none of them.
func writeGroup(ctx context.Context, g []*File) {
	var failed *File
	for _, f := range g {
		if err := precheck(f); err != nil {
			f.WriteErr, failed = err, f
			break
		}
	}
	type undo struct {
		f    *File
		back func() error
	}
	var done []undo
	if failed == nil {
		for _, f := range g {
			back, err := writeOne(ctx, f)
			if err != nil {
				f.WriteErr, failed = err, f
				break
			}
			f.Written = true
			done = append(done, undo{f, back})
		}
	}
	if failed == nil {
		return
	}
	for i := len(done) - 1; i >= 0; i-- {
		u := done[i]
		if err := u.back(); err != nil {
			u.f.WriteErr = fmt.Errorf("written, then not put back after %s failed: %w", failed.Path, err)
			continue
		}
		u.f.Written = false
	}
	for _, f := range g {
		if f.WriteErr != nil {
			continue
		}
		if errors.Is(failed.WriteErr, context.Canceled) || errors.Is(failed.WriteErr, context.DeadlineExceeded) {
			f.WriteErr = errInterrupted
		} else {
			f.WriteErr = fmt.Errorf("not written with the fixes that tie it to %s, which could not be written", failed.Path)
		}
	}
	if errors.Is(failed.WriteErr, context.Canceled) || errors.Is(failed.WriteErr, context.DeadlineExceeded) {
		failed.WriteErr = errInterrupted
	}
}

// precheck refuses, before anything of its group is written, a file
// that will not be written: one to create that is there already, one to
// replace that is read-only or has changed since it was read.
func precheck(f *File) error {
	if f.Created {
		if _, err := os.Lstat(f.Path); err == nil {
			return ErrExists
		}
		return nil
	}
	target, info, err := resolve(f.Path, true, false)
	if err != nil {
		return err
	}
	return unchanged(target, info, []byte(f.Original))
}

// writeOne writes one file and returns how to put back what was there.
func writeOne(ctx context.Context, f *File) (func() error, error) {
	if !f.Created {
		err := ReplaceFile(ctx, f.Path, []byte(f.Original), []byte(f.Fixed))
		return func() error {
			return ReplaceFile(context.Background(), f.Path, []byte(f.Fixed), []byte(f.Original))
		}, err
	}
	made, err := makeParents(filepath.Dir(f.Path))
	removeParents := func() {
		for _, d := range made {
			_ = os.Remove(d)
		}
	}
	if err != nil {
		removeParents()
		return nil, err
	}
	if err := CreateFile(ctx, f.Path, []byte(f.Fixed)); err != nil {
		removeParents()
		return nil, err
	}
	return func() error {
		if err := os.Remove(f.Path); err != nil {
			return err
		}
		removeParents()
		return nil
	}, nil
}

// makeParents creates dir and the folders above it that are missing, and
// returns those it created, deepest first.
func makeParents(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	err := os.MkdirAll(dir, 0o755)
	return missing, err
}
