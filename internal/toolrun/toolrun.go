// Package toolrun runs a folder of migrations with the migration tool
// itself (goose, golang-migrate's migrate, dbmate), for tests that check
// that files pgsafe writes run the way pgsafe says the tool runs them.
package toolrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tool is a migration tool's command.
type Tool string

// The tools.
const (
	Goose   Tool = "goose"
	Migrate Tool = "migrate" // golang-migrate, built with -tags postgres
	Dbmate  Tool = "dbmate"
)

// EnvInstalled names the environment variable that lists the tools that
// the CI script installed, separated by spaces: a test may skip when a
// tool is missing, unless the CI script installed it.
const EnvInstalled = "PGSAFE_MIGRATION_TOOLS"

// Find returns the path of tool: on PATH, or where `go install` puts
// programs ($GOBIN, $GOPATH/bin, ~/go/bin).
func Find(tool Tool) (string, error) {
	if p, err := exec.LookPath(string(tool)); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		dirs = append(dirs, filepath.Join(d, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, string(tool))
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in the Go bin folders", tool)
}

// Installed reports whether the CI script says it installed tool.
func Installed(tool Tool) bool {
	for _, t := range strings.Fields(os.Getenv(EnvInstalled)) {
		if t == string(tool) {
			return true
		}
	}
	return false
}

// Up runs every up migration of dir on the database at url with the tool
// at path, and returns the tool's output with the error when it fails.
func Up(ctx context.Context, tool Tool, path, dir, url string) error {
	return UpTo(ctx, tool, path, dir, url, "")
}

// UpTo runs the up migrations of dir up to and including version, or all
// of them when version is "". dbmate cannot stop at a version.
func UpTo(ctx context.Context, tool Tool, path, dir, url, version string) error {
	var args []string
	switch {
	case tool == Goose && version == "":
		args = []string{"-dir", dir, "postgres", url, "up"}
	case tool == Goose:
		args = []string{"-dir", dir, "postgres", url, "up-to", version}
	case tool == Migrate && version == "":
		args = []string{"-path", dir, "-database", url, "up"}
	case tool == Migrate:
		args = []string{"-path", dir, "-database", url, "goto", version}
	case tool == Dbmate && version == "":
		args = []string{"--url", url, "--migrations-dir", dir, "--no-dump-schema", "up"}
	case tool == Dbmate:
		return fmt.Errorf("dbmate cannot stop at version %s", version)
	default:
		return fmt.Errorf("unknown tool %q", tool)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", tool, args[len(args)-1], err, out.String())
	}
	return nil
}
