package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the stdout, stderr and exit_code goldens of fixtures/cli")

// The files of a CLI case folder, fixtures/cli/<case>/, that are not
// inputs:
//
//	args       the arguments after "pgsafe", separated by white space;
//	           lines starting with # are comments (required)
//	env        KEY=VALUE lines added to the environment (optional)
//	stdin      what the run reads on standard input (optional)
//	workdir    the folder, relative to the case, to run in (optional)
//	tty        present when standard output should count as a terminal
//	stdout     the expected standard output (golden)
//	stderr     the expected standard error (golden; absent when empty)
//	exit_code  the expected exit code (golden)
//	want/      files the run writes, each compared with the file of the
//	           same path in the case folder after the run (goldens; to
//	           add one, create it empty and run with -update)
//
// Every other file is an input. The case is copied to a temporary folder
// and run there, so that relative paths in the output do not depend on
// where the test runs, and no .pgsafe.toml above the checkout is found.
var controlFiles = map[string]bool{
	"args": true, "env": true, "stdin": true, "workdir": true, "tty": true,
	"stdout": true, "stderr": true, "exit_code": true, "want": true,
}

func TestCLI(t *testing.T) {
	// Absolute, because each case changes the working directory.
	root, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "cli"))
	require.NoError(t, err)
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) { runCase(t, filepath.Join(root, e.Name())) })
	}
	require.NotZero(t, n, "no cases under %s", root)
}

func runCase(t *testing.T, dir string) {
	args := readArgs(t, filepath.Join(dir, "args"))
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				vars[k] = v
			}
		}
	}
	var stdin io.Reader = strings.NewReader("")
	if b, err := os.ReadFile(filepath.Join(dir, "stdin")); err == nil {
		stdin = bytes.NewReader(b)
	}
	tty := exists(filepath.Join(dir, "tty"))

	caseRoot := filepath.Join(t.TempDir(), filepath.Base(dir))
	copyInputs(t, dir, caseRoot)
	work := caseRoot
	if b, err := os.ReadFile(filepath.Join(dir, "workdir")); err == nil {
		work = filepath.Join(work, strings.TrimSpace(string(b)))
	}
	t.Chdir(work)

	var stdout, stderr bytes.Buffer
	code := runEnv(context.Background(), append([]string{"pgsafe"}, args...), env{
		stdin: stdin, stdout: &stdout, stderr: &stderr,
		getenv:     func(k string) string { return vars[k] },
		workdir:    work,
		isTerminal: func(io.Writer) bool { return tty },
	})

	if *update {
		writeGolden(t, filepath.Join(dir, "stdout"), stdout.String(), true)
		writeGolden(t, filepath.Join(dir, "stderr"), stderr.String(), false)
		writeGolden(t, filepath.Join(dir, "exit_code"), strconv.Itoa(code)+"\n", true)
		checkWritten(t, dir, caseRoot)
		return
	}
	checkWritten(t, dir, caseRoot)
	wantOut, err := os.ReadFile(filepath.Join(dir, "stdout"))
	require.NoError(t, err, "run with -update to create the goldens")
	wantErr, err := os.ReadFile(filepath.Join(dir, "stderr"))
	if !errors.Is(err, fs.ErrNotExist) {
		require.NoError(t, err)
	}
	wantCode, err := os.ReadFile(filepath.Join(dir, "exit_code"))
	require.NoError(t, err)
	assert.Equal(t, string(wantOut), stdout.String(), "stdout")
	assert.Equal(t, string(wantErr), stderr.String(), "stderr")
	assert.Equal(t, strings.TrimSpace(string(wantCode)), strconv.Itoa(code), "exit code")
}

func readArgs(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err, "a case needs an args file")
	var args []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		args = append(args, strings.Fields(line)...)
	}
	return args
}

// checkWritten compares each file under the case's want folder with the
// file the run left at the same path in caseRoot, or with -update copies
// the latter over the former.
func checkWritten(t *testing.T, dir, caseRoot string) {
	want := filepath.Join(dir, "want")
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(want, p)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(caseRoot, rel))
		if !assert.NoError(t, err, "the run writes %s", rel) {
			return nil
		}
		if *update {
			return os.WriteFile(p, got, 0o644)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.Equal(t, string(b), string(got), "written file %s", rel)
		return nil
	})
	if !errors.Is(err, fs.ErrNotExist) {
		require.NoError(t, err)
	}
}

// copyInputs copies every file of case folder src except the control
// files and folders at its top into dst, keeping modes.
func copyInputs(t *testing.T, src, dst string) {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case controlFiles[rel] && d.IsDir():
			return filepath.SkipDir
		case controlFiles[rel]:
			return nil
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		default:
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	require.NoError(t, err)
}

// writeGolden writes a golden file; an empty optional golden is removed.
func writeGolden(t *testing.T, path, content string, required bool) {
	if content == "" && !required {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			require.NoError(t, err)
		}
		return
	}
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestColorEnabled(t *testing.T) {
	for _, tt := range []struct {
		mode    string
		noColor string
		tty     bool
		want    bool
	}{
		{"auto", "", true, true},
		{"auto", "", false, false},
		{"auto", "1", true, false},
		{"", "", true, true},
		{"always", "1", false, true},
		{"never", "", true, false},
	} {
		e := env{getenv: func(k string) string {
			if k == "NO_COLOR" {
				return tt.noColor
			}
			return ""
		}, isTerminal: func(io.Writer) bool { return tt.tty }}
		got, err := colorEnabled(tt.mode, e)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "--color=%s NO_COLOR=%q tty=%v", tt.mode, tt.noColor, tt.tty)
	}
	_, err := colorEnabled("sometimes", env{})
	assert.Error(t, err)
}

func TestRunUsesRealEnvironment(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"pgsafe", "rules"}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout.String(), "PS001")
	assert.Empty(t, stderr.String())
}

func TestColorEnvironment(t *testing.T) {
	for _, tt := range []struct {
		mode string
		vars map[string]string
		tty  bool
		want bool
	}{
		{"auto", map[string]string{"FORCE_COLOR": "1"}, false, true},
		{"auto", map[string]string{"FORCE_COLOR": "true"}, false, true},
		{"auto", map[string]string{"FORCE_COLOR": "0"}, false, false},
		{"auto", map[string]string{"FORCE_COLOR": "false"}, false, false},
		{"auto", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"auto", map[string]string{"CLICOLOR_FORCE": "0"}, true, true}, // not forced: the terminal decides
		{"never", map[string]string{"FORCE_COLOR": "1"}, true, false},
		{"auto", map[string]string{"FORCE_COLOR": "1", "NO_COLOR": "1"}, true, false},
		{"auto", map[string]string{"TERM": "dumb"}, true, false},
		{"auto", map[string]string{"TERM": "xterm-256color"}, true, true},
		{"auto", map[string]string{"TERM": "dumb", "FORCE_COLOR": "1"}, false, true},
		{"always", map[string]string{"TERM": "dumb"}, false, true},
	} {
		e := env{getenv: func(k string) string { return tt.vars[k] }, isTerminal: func(io.Writer) bool { return tt.tty }}
		got, err := colorEnabled(tt.mode, e)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "--color=%s %v tty=%v", tt.mode, tt.vars, tt.tty)
	}
}
