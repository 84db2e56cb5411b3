package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

// DefaultMaxFileSize is the size limit on an input when Options sets
// none: 64 MiB, far above any hand-written migration (the largest in the
// corpora pgsafe is tested on are a few hundred KiB), low enough that a
// mistaken input (a database dump, /dev/zero) is refused before it
// fills the memory.
const DefaultMaxFileSize = 64 << 20

// readChunk is how much is read between two checks for cancellation.
const readChunk = 4 << 20

// ReadFile reads the file at path as Load reads the files it finds: it
// refuses a file that is not a regular file or is larger than the size
// limit, and text that is not UTF-8. Errors are *Error values naming
// path, or ctx's error.
func ReadFile(ctx context.Context, path string, opts Options) (File, error) {
	f, err := readFile(ctx, path, opts)
	if cerr := ctx.Err(); cerr != nil {
		return File{}, cerr
	}
	return f, err
}

// readFile reads one input file. It checks what path is before opening
// it, so that a named pipe is never opened (opening one waits for a
// writer), opens it without waiting in case it was replaced since, and
// checks again what it opened.
func readFile(ctx context.Context, path string, opts Options) (File, error) {
	if opts.OnRead != nil {
		opts.OnRead(path)
	}
	limit := maxSize(opts)
	info, err := os.Stat(path)
	if err != nil {
		return File{}, &Error{Path: path, Err: describe(err)}
	}
	if err := checkRegular(info, limit); err != nil {
		return File{}, &Error{Path: path, Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return File{}, &Error{Path: path, Err: describe(err)}
	}
	defer func() { _ = f.Close() }()
	opened, err := f.Stat()
	if err != nil {
		return File{}, &Error{Path: path, Err: describe(err)}
	}
	if err := checkRegular(opened, limit); err != nil {
		return File{}, &Error{Path: path, Err: err}
	}
	b, err := readAll(ctx, f, limit, opened.Size())
	if err != nil {
		return File{}, &Error{Path: path, Err: describe(err)}
	}
	if err := checkText(b); err != nil {
		return File{}, &Error{Path: path, Err: err}
	}
	return File{Path: path, Text: string(b)}, nil
}

// checkRegular refuses what is not a regular file, and a file larger
// than limit.
func checkRegular(info fs.FileInfo, limit int64) error {
	mode := info.Mode()
	if !mode.IsRegular() {
		return fmt.Errorf("not a regular file but %s: not read (pgsafe reads regular files, and standard input as -)", kind(mode))
	}
	if info.Size() > limit {
		return tooLarge(limit)
	}
	return nil
}

// kind names the type of a file that is not a regular file.
func kind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}

func tooLarge(limit int64) error {
	return fmt.Errorf("larger than %s, the limit on an input (--max-file-size)", FormatSize(limit))
}

func maxSize(opts Options) int64 {
	if opts.MaxFileSize > 0 {
		return opts.MaxFileSize
	}
	return DefaultMaxFileSize
}

// readAll reads r to its end, at most limit bytes, checking ctx between
// chunks. sizeHint is the expected size, 0 when unknown.
func readAll(ctx context.Context, r io.Reader, limit, sizeHint int64) ([]byte, error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= limit {
		buf.Grow(int(sizeHint) + 1)
	}
	lr := io.LimitReader(r, limit+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, err := io.CopyN(&buf, lr, readChunk)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
}

// readStdin reads standard input with the size limit. The read runs on
// a goroutine of its own, so that a pipe that never closes does not keep
// a cancelled run from returning.
func readStdin(ctx context.Context, opts Options) (File, error) {
	name := opts.StdinName
	if name == "" {
		name = "<stdin>"
	}
	if opts.Stdin == nil {
		return File{}, &Error{Path: name, Err: errors.New("no standard input")}
	}
	if opts.OnRead != nil {
		opts.OnRead(name)
	}
	type read struct {
		b   []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		b, err := readAll(ctx, opts.Stdin, maxSize(opts), 0)
		done <- read{b, err}
	}()
	var r read
	select {
	case r = <-done:
	case <-ctx.Done():
		return File{}, ctx.Err()
	}
	if r.err != nil {
		return File{}, &Error{Path: name, Err: r.err}
	}
	if err := checkText(r.b); err != nil {
		return File{}, &Error{Path: name, Err: err}
	}
	return File{Path: name, Text: string(r.b)}, nil
}

// checkText rejects binary and non-UTF-8 content, naming where it starts.
func checkText(b []byte) error {
	if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == 0:
			return fmt.Errorf("binary file (NUL byte at line %d, column %d); pgsafe reads SQL text", line, col)
		case r == utf8.RuneError && size <= 1:
			return fmt.Errorf("not valid UTF-8 (byte 0x%02x at line %d, column %d); save the file as UTF-8", b[i], line, col)
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return nil
}

// sizeUnits are the units ParseSize accepts, largest first.
var sizeUnits = []struct {
	name string
	n    int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// ParseSize reads a size such as "64MiB", "512 KiB", "1GiB" or "1000"
// (bytes). Units are B, KiB, MiB and GiB, in any case; the size must be
// positive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(t) > len(u.name) && strings.EqualFold(t[len(t)-len(u.name):], u.name) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.name)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size: want a positive whole number of bytes, KiB, MiB or GiB, such as 64MiB", s)
	}
	return n * mult, nil
}

// FormatSize writes n bytes in the largest unit that divides it: "64 MiB",
// "1536 KiB", "100 bytes".
func FormatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n >= u.n && n%u.n == 0 {
			return fmt.Sprintf("%d %s", n/u.n, u.name)
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
