package main

import (
	"io"
	"os"
	"runtime/debug"
)

// newEnv returns the environment of a real run: the process's working
// directory and environment variables, and the version the build records.
func newEnv(stdin io.Reader, stdout, stderr io.Writer) env {
	wd, _ := os.Getwd()
	return env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, workdir: wd, isTerminal: isTerminal, version: version(),
		build: readBuildInfo(debug.ReadBuildInfo())}
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

// version returns pgsafe's module version as the Go toolchain recorded it
// ("v1.2.3" for go install ...@v1.2.3), or "(devel)" for a build from a
// checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
