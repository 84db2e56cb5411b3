package rewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The reasons a write is refused; the errors that WriteAtomic,
// ReplaceFile and CreateFile return wrap them with details.
var (
	// ErrChanged means that the file on disk no longer holds the text
	// pgsafe read: someone edited, replaced or removed it during the run.
	ErrChanged = errors.New("changed since pgsafe read it; run again")
	// ErrReadOnly means that the file's mode gives its owner no write
	// permission: pgsafe honours that rather than replace the file.
	ErrReadOnly = errors.New("read-only")
	// ErrExists means that a file that fixes create is there already.
	ErrExists = errors.New("exists already; run again")
)

// WriteAtomic replaces the file at path with data, or creates it, so that
// readers see either the old or the new content, never a mix. See
// ReplaceFile for how; unlike ReplaceFile it does not check what the file
// holds.
func WriteAtomic(path string, data []byte) error {
	return write(context.Background(), path, data, nil, false)
}

// ReplaceFile replaces the content of the file at path, which pgsafe read
// as old, with data. It writes a temporary file in the same folder,
// syncs it, gives it the old file's owner, group and mode, and renames it
// over the file, so that readers see either the old or the new content.
//
// A symlink is written through: the file it leads to gets the new
// content, and the link stays. The write is refused, leaving the file as
// it was and no temporary file behind, when the file is read-only
// (ErrReadOnly), when it no longer holds old just before the rename
// (ErrChanged), when its owner cannot be kept, and when ctx is done
// before the rename.
func ReplaceFile(ctx context.Context, path string, old, data []byte) error {
	if old == nil {
		old = []byte{}
	}
	return write(ctx, path, data, old, false)
}

// CreateFile creates the file at path with data, atomically as
// ReplaceFile does, with mode 0644. It refuses (ErrExists) when anything
// is at path, even a broken symlink, also when it appears during the
// write: the file is linked into place, which fails rather than replace
// one.
func CreateFile(ctx context.Context, path string, data []byte) error {
	return write(ctx, path, data, nil, true)
}

// write writes data to path atomically. With old not nil, path must be a
// file that still holds old; with create, nothing may be at path.
func write(ctx context.Context, path string, data, old []byte, create bool) (err error) {
	target, info, err := resolve(path, old != nil, create)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".pgsafe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create a temporary file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if info != nil {
		if err = keepOwner(tmpName, info); err != nil {
			return err
		}
		mode = info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	}
	// After the owner: chown clears the set-user-ID and set-group-ID bits.
	if err = os.Chmod(tmpName, mode); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return err
	}
	if info != nil {
		if err = unchanged(target, info, old); err != nil {
			return err
		}
	}
	if create {
		if err = linkNew(tmpName, target); err != nil {
			return err
		}
		_ = os.Remove(tmpName)
	} else if err = os.Rename(tmpName, target); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// resolve returns the file that a write to path writes, through
// symlinks, and its information; nil information for a file to create.
// mustExist refuses a path with no file.
func resolve(path string, mustExist, create bool) (string, fs.FileInfo, error) {
	if create {
		if _, err := os.Lstat(path); err == nil {
			return "", nil, ErrExists
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, err
		}
		return path, nil, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(path); lerr == nil {
			return "", nil, fmt.Errorf("a broken symlink: %w", err)
		}
		if mustExist {
			return "", nil, fmt.Errorf("%w (it is gone)", ErrChanged)
		}
		return path, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	info, err := os.Stat(target)
	if err != nil {
		return "", nil, err
	}
	if !info.Mode().IsRegular() {
		return "", nil, fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	if info.Mode().Perm()&0o200 == 0 {
		return "", nil, fmt.Errorf("%w (mode %04o): make it writable to have pgsafe write it", ErrReadOnly, info.Mode().Perm())
	}
	return target, info, nil
}

// unchanged checks, just before the rename, that target is still the file
// described by info, with the same mode, and, when old is not nil, that
// it still holds old.
func unchanged(target string, info fs.FileInfo, old []byte) error {
	now, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w (it is gone)", ErrChanged)
		}
		return err
	}
	if !os.SameFile(info, now) || now.Mode() != info.Mode() || !sameOwner(info, now) {
		return ErrChanged
	}
	if old == nil {
		return nil
	}
	if now.Size() != int64(len(old)) {
		return ErrChanged
	}
	f, err := os.Open(target)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	cur, err := io.ReadAll(io.LimitReader(f, int64(len(old))+1))
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return ErrChanged
	}
	return nil
}

// linkNew puts the file tmp at target, failing when target exists: a hard
// link does not replace a file, where a rename would. On a file system
// without hard links it falls back on a rename after checking that
// nothing is at target.
func linkNew(tmp, target string) error {
	err := os.Link(tmp, target)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return ErrExists
	default:
	}
	if _, lerr := os.Lstat(target); lerr == nil {
		return ErrExists
	}
	return os.Rename(tmp, target)
}

// syncDir flushes a folder's entries, so that a rename survives a crash;
// where folders cannot be synced, it does nothing.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
