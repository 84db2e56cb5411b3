// Package toolrun runs a project's migrations with the migration tool
// itself (goose, golang-migrate's migrate, dbmate, sqitch, pop's soda,
// drizzle-kit, Liquibase), for tests that check that the files pgsafe
// writes run the way pgsafe says the tool runs them: up to the end, back
// one step at a time, and up again.
//
// What the tests need to know about driving a tool (its commands, where
// its project keeps the migrations, what it records in the database) is
// one Tool value, in one file of this package per tool.
package toolrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Tool is a migration tool's command line, as a team runs it.
type Tool struct {
	// Name is the command, and the tool's name in PGSAFE_MIGRATION_TOOLS.
	Name string
	// Framework is the tool as pgsafe reads its files (--framework).
	Framework *tool.Tool
	// Migrations are the folders of a project, relative to its root, that
	// hold the SQL files the tool runs: what pgsafe is given.
	Migrations []string
	// Bookkeeping is where the tool records what it applied: left out
	// when schemas are compared.
	Bookkeeping Bookkeeping
	// Rollback reports that the tool rolls back one migration at a time;
	// Down fails with ErrNoRollback for tools that do not.
	Rollback bool

	up      func(ctx context.Context, r *Run) error
	upTo    func(ctx context.Context, r *Run, version string) error
	down    func(ctx context.Context, r *Run) error
	version func(ctx context.Context, r *Run) (string, error)
}

// Bookkeeping names the schemas and tables where a tool records the
// migrations it applied.
type Bookkeeping struct {
	Schemas []string
	Tables  []string // schema-qualified
}

// DumpArgs returns the pg_dump options that leave the bookkeeping out.
func (b Bookkeeping) DumpArgs() []string {
	var args []string
	for _, s := range b.Schemas {
		args = append(args, "--exclude-schema="+s)
	}
	for _, t := range b.Tables {
		args = append(args, "--exclude-table="+t)
	}
	return args
}

// ErrNoRollback is returned by Down for tools that cannot roll back.
var ErrNoRollback = errors.New("the tool has no rollback")

// EnvInstalled names the environment variable that lists the tools that
// the CI script installed, separated by spaces: the tests run the tools it
// names, and only those (running them is slow), and fail when one of
// them is missing.
const EnvInstalled = "PGSAFE_MIGRATION_TOOLS"

// All returns every tool this package drives.
func All() []*Tool {
	return []*Tool{Goose, Migrate, Dbmate, Sqitch, Soda, Drizzle, Liquibase}
}

// Find returns the path of t's command: on PATH, or where `go install`
// puts programs ($GOBIN, $GOPATH/bin, ~/go/bin).
func Find(t *Tool) (string, error) {
	if p, err := exec.LookPath(t.Name); err == nil {
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
		p := filepath.Join(d, t.Name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in the Go bin folders", t.Name)
}

// Installed reports whether the CI script says it installed t.
func Installed(t *Tool) bool {
	for _, name := range strings.Fields(os.Getenv(EnvInstalled)) {
		if name == t.Name {
			return true
		}
	}
	return false
}

// Run is a tool at work on one project and one database.
type Run struct {
	Tool *Tool
	// Exe is the path of the tool's command (see Find).
	Exe string
	// Project is the project's root folder: the tool runs there and finds
	// its config files there.
	Project string
	// Dir is the migrations folder, for tools that are told where it is;
	// "" means the project's first Migrations folder.
	Dir string
	// URL is the database, postgres://user@127.0.0.1:port/db.
	URL string
}

// Up runs every pending migration.
func (r *Run) Up(ctx context.Context) error { return r.Tool.up(ctx, r) }

// UpTo runs the pending migrations up to and including version, for
// tools that can stop at one.
func (r *Run) UpTo(ctx context.Context, version string) error {
	if r.Tool.upTo == nil {
		return fmt.Errorf("%s cannot stop at version %s", r.Tool.Name, version)
	}
	return r.Tool.upTo(ctx, r, version)
}

// Down rolls back exactly one migration, the last one applied.
func (r *Run) Down(ctx context.Context) error {
	if !r.Tool.Rollback {
		return fmt.Errorf("%s: %w", r.Tool.Name, ErrNoRollback)
	}
	return r.Tool.down(ctx, r)
}

// Version returns the last migration applied, as the tool names it; ""
// when none is.
func (r *Run) Version(ctx context.Context) (string, error) { return r.Tool.version(ctx, r) }

// dir returns the migrations folder.
func (r *Run) dir() string {
	if r.Dir != "" {
		return r.Dir
	}
	return filepath.Join(r.Project, r.Tool.Migrations[0])
}

// command runs the tool in the project's root with args and, on top of
// the process's environment, env; it returns the tool's output, and an
// error holding that output when the tool fails.
func (r *Run) command(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.Exe, args...)
	cmd.Dir = r.Project
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", r.Tool.Name, strings.Join(redact(args, r.URL), " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// redact returns args for messages: the URL is long and says nothing.
func redact(args []string, url string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, url, "$DATABASE_URL")
	}
	return out
}

// queryString runs a query that returns one text value on the database;
// "" when it returns no row or NULL, or when the relation it reads does
// not exist yet.
func queryString(ctx context.Context, dbURL, sql string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var v *string
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		if errors.Is(err, pgx.ErrNoRows) || strings.Contains(err.Error(), "SQLSTATE 42P01") || strings.Contains(err.Error(), "SQLSTATE 3F000") {
			return "", nil
		}
		return "", err
	}
	if v == nil {
		return "", nil
	}
	return *v, nil
}

// parseURL splits a postgres:// URL into what JDBC and sqitch want.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("want a postgres:// URL, not %s", u.Scheme)
	}
	return u, nil
}
