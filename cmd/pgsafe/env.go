package main

import (
	"io"
	"os"
)

// newEnv returns the environment of a real run: the process's working
// directory and environment variables.
func newEnv(stdin io.Reader, stdout, stderr io.Writer) env {
	wd, _ := os.Getwd()
	return env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, workdir: wd, isTerminal: isTerminal}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
