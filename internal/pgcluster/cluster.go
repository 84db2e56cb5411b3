// Package pgcluster starts and stops throwaway PostgreSQL clusters on a
// loopback port, for `pgsafe trace`, `pgsafe fix --verify` and tests.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries are found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (looked in PATH, `pg_config --bindir` and /usr/lib/postgresql/*/bin); " +
	"install them (Debian: apt-get install postgresql) or pass --database-url")

// FindBinDir returns a folder holding initdb, pg_ctl and postgres: from
// PATH, then `pg_config --bindir`, then /usr/lib/postgresql/*/bin, newest
// major version first.
func FindBinDir() (string, error) {
	for _, dir := range binDirs("pg_ctl") {
		if hasServer(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

// binDirs lists the folders that may hold PostgreSQL programs, in the
// order FindBinDir tries them: those of program on PATH (through
// symbolic links too), `pg_config --bindir`, then
// /usr/lib/postgresql/*/bin, newest major version first.
func binDirs(program string) []string {
	var candidates []string
	if p, err := exec.LookPath(program); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versioned, func(i, j int) bool { return majorOf(versioned[i]) > majorOf(versioned[j]) })
	return append(candidates, versioned...)
}

// FindProgram returns the path of a PostgreSQL client program, such as
// pg_dump, of major version minMajor or newer, looking where FindBinDir
// looks. Client programs such as pg_dump refuse servers newer than
// themselves, hence the version.
func FindProgram(name string, minMajor int) (string, error) {
	found := ""
	for _, dir := range binDirs(name) {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue
		}
		out, err := exec.Command(path, "--version").Output()
		if err != nil {
			continue
		}
		found = strings.TrimSpace(string(out))
		if programMajor(found) >= minMajor {
			return path, nil
		}
	}
	if found != "" {
		return "", fmt.Errorf("%s of PostgreSQL %d or newer is needed, found only %q; install the client programs of the server's version", name, minMajor, found)
	}
	return "", fmt.Errorf("%s not found (looked in PATH, `pg_config --bindir` and /usr/lib/postgresql/*/bin); install the PostgreSQL client programs (Debian: apt-get install postgresql-client)", name)
}

// programMajor reads the major version from a --version line such as
// "pg_dump (PostgreSQL) 15.14 (Debian 15.14-1)"; 0 when there is none.
func programMajor(line string) int {
	_, rest, ok := strings.Cut(line, ") ")
	if !ok {
		return 0
	}
	digits := strings.FieldsFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if len(digits) == 0 {
		return 0
	}
	v, _ := strconv.Atoi(digits[0])
	return v
}

func majorOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func hasServer(dir string) bool {
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if info, err := os.Stat(filepath.Join(dir, b)); err != nil || info.IsDir() {
			return false
		}
	}
	return true
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	BinDir string
	Dir    string // data and socket folder, removed by Stop
	Port   int
	cred   *syscall.Credential
}

// URL returns a connection URL for database db (superuser postgres).
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// WithDatabase returns the connection string raw, a URL or a list of
// key=value settings, pointing at database db instead.
func WithDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return strings.TrimSuffix(raw, " ") + " dbname=" + db
	}
	u.Path = "/" + db
	return u.String()
}

// Start initialises a cluster in a new temporary folder and starts it on
// a free loopback port. As root, the server runs as the postgres user,
// since initdb refuses to run as root.
//
// Cancelling ctx, as Ctrl-C does in the CLI, stops initdb or pg_ctl; a
// server that had already started is stopped and the folder removed
// before Start returns. pg_ctl starts the server in a session of its own,
// so a terminal's Ctrl-C does not reach it: the caller stops it with Stop.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgsafe-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{BinDir: bin, Dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs a postgres user to run the server: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	if c.Port, err = freePort(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(ctx, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		_ = os.RemoveAll(dir)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", c.Port, dir)
	if out, err := c.run(ctx, "pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		// pg_ctl may have been stopped after the server started.
		_ = c.Stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pg_ctl start: %w: %s%s", err, out, log)
	}
	return c, nil
}

// Bin returns the path of the PostgreSQL program name (such as pg_dump)
// beside the server's.
func (c *Cluster) Bin(name string) string { return filepath.Join(c.BinDir, name) }

// Stop stops the server, if it runs, and removes its folder.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.run(ctx, "pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(c.Dir); err == nil {
		err = rmErr
	}
	return err
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
