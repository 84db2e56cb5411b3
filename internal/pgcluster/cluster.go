// Package pgcluster starts and stops throwaway PostgreSQL clusters, for
// `pgsafe trace`, `pgsafe fix --verify` and tests.
//
// A cluster listens on a Unix socket only, in a folder that only the
// server's account can enter (mode 0700), with trust authentication there:
// no other local user can reach it. Clusters live under one folder per
// user, os.TempDir()/pgsafe-clusters-<uid>; each holds a lock file that
// its pgsafe process keeps locked while it runs. A cluster whose process
// was killed (SIGKILL, a crash, go test's timeout) is found by the next
// Start from its unlocked lock file: Start stops its server and removes
// its folder.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
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

// Options configure Start.
type Options struct {
	// TCP also makes the cluster listen on a free port of 127.0.0.1, for
	// clients that cannot reach a Unix socket (JDBC): there, and on the
	// socket too, the postgres user must give Password (scram-sha-256).
	TCP bool
	// Password is the postgres user's password; set, every connection
	// must give it. With TCP and no password, Start makes a random one.
	Password string
	// Root is the folder under which the cluster's folder is made, and
	// where the clusters of killed runs are looked for; "" means Root().
	// The server's account must be able to pass through every folder
	// above it.
	Root string
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	BinDir string
	// Dir holds the data folder, the log and the server's Unix socket; it
	// is removed by Stop. Only the server's account can enter it.
	Dir string
	// Port is the number of the socket (.s.PGSQL.<Port>), and with
	// Options.TCP the port on 127.0.0.1.
	Port int
	// Password is the postgres user's password, "" when the socket
	// trusts its users.
	Password string
	// TCP reports that the cluster listens on 127.0.0.1:Port too.
	TCP bool
	// Stale lists the folders of clusters left behind by killed runs
	// that Start removed, with their servers stopped.
	Stale []string
	cred  *syscall.Credential
	lock  *os.File
}

// ConnString returns the settings of a connection to database db over
// the cluster's Unix socket, as the superuser postgres.
func (c *Cluster) ConnString(db string) string {
	s := fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", quote(c.Dir), c.Port, quote(db))
	if c.Password != "" {
		s += " password=" + quote(c.Password)
	}
	return s
}

// TCPURL returns the URL of database db on 127.0.0.1, for a cluster
// started with Options.TCP; "" otherwise.
func (c *Cluster) TCPURL(db string) string {
	if !c.TCP {
		return ""
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword("postgres", c.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// quote quotes a value of key=value connection settings.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// lockName is the lock file in a cluster's folder that its process holds
// locked (flock) while it runs.
const lockName = "pgsafe.lock"

// Root returns the folder under which the current user's clusters live.
func Root() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("pgsafe-clusters-%d", os.Geteuid()))
}

// maxSocketPath is the longest path of a Unix socket (sun_path holds 108
// bytes on Linux, 104 on macOS, the terminating NUL included).
const maxSocketPath = 103

// Start initialises a cluster in a new folder under Root and starts it.
// It first removes the clusters of runs that were killed (Cluster.Stale).
// As root, the server runs as the postgres user, since initdb refuses to
// run as root.
//
// Cancelling ctx, as Ctrl-C does in the CLI, stops initdb or pg_ctl; a
// server that had already started is stopped and the folder removed
// before Start returns. pg_ctl starts the server in a session of its own,
// so a terminal's Ctrl-C does not reach it: the caller stops it with Stop.
func Start(ctx context.Context, opts ...Options) (*Cluster, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{BinDir: bin, TCP: o.TCP, Password: o.Password}
	if c.TCP && c.Password == "" {
		c.Password = randomHex(16)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to run the server: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	root := o.Root
	if root == "" {
		root = Root()
	}
	if err := ensureRoot(root); err != nil {
		return nil, err
	}
	c.Stale = RemoveStale(root)
	if err := c.makeDir(root); err != nil {
		return nil, err
	}
	if err := c.initAndStart(ctx); err != nil {
		_ = c.Stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return c, nil
}

// ensureRoot creates root, or checks that the folder there is the
// current user's own and that no one else can write to it; others may
// only pass through it (mode 0711), for the server's account when it is
// not the current user's.
func ensureRoot(root string) error {
	if err := os.Mkdir(root, 0o711); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	info, err := os.Lstat(root)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || int(st.Uid) != os.Geteuid() || info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s must be a folder of the current user's that no one else can write to: remove it", root)
	}
	if info.Mode().Perm() != 0o711 {
		return os.Chmod(root, 0o711)
	}
	return nil
}

// makeDir makes the cluster's folder under root, with its lock file
// locked, and gives it to the server's account with mode 0700. The
// folder gets its final name only once the lock is held, so that
// RemoveStale never sees it unlocked while this process lives.
func (c *Cluster) makeDir(root string) error {
	tmp, err := os.MkdirTemp(root, fmt.Sprintf(".new-%d-", os.Getpid()))
	if err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(tmp, lockName), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			_, err = fmt.Fprintf(lock, "%d\n", os.Getpid())
		}
		if err != nil {
			_ = lock.Close()
		}
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	c.lock = lock
	c.Dir = filepath.Join(root, fmt.Sprintf("%d-%s", os.Getpid(), randomHex(4)))
	if err := os.Rename(tmp, c.Dir); err != nil {
		_ = os.RemoveAll(tmp)
		_ = lock.Close()
		return err
	}
	if c.cred != nil {
		if err := os.Chown(c.Dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return err
		}
	}
	if err := os.Chmod(c.Dir, 0o700); err != nil {
		return err
	}
	if n := len(filepath.Join(c.Dir, ".s.PGSQL.65535")); n > maxSocketPath {
		return fmt.Errorf("%s is too long a folder for a Unix socket (%d bytes, at most %d): set TMPDIR to a shorter one", c.Dir, n, maxSocketPath)
	}
	return nil
}

// initAndStart runs initdb, writes the settings and starts the server.
func (c *Cluster) initAndStart(ctx context.Context) error {
	var err error
	if c.Port, err = freePort(); err != nil {
		return err
	}
	data := filepath.Join(c.Dir, "data")
	args := []string{"-D", data, "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"}
	if c.Password == "" {
		args = append(args, "--auth-local=trust", "--auth-host=reject")
	} else {
		pwfile := filepath.Join(c.Dir, "pwfile")
		if err := os.WriteFile(pwfile, []byte(c.Password+"\n"), 0o600); err != nil {
			return err
		}
		defer func() { _ = os.Remove(pwfile) }()
		if c.cred != nil {
			if err := os.Chown(pwfile, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return err
			}
		}
		args = append(args, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--pwfile="+pwfile)
	}
	if out, err := c.run(ctx, "initdb", args...); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	listen := ""
	if c.TCP {
		listen = "127.0.0.1"
	}
	conf := fmt.Sprintf(`
# pgsafe: a throwaway cluster, reachable through its socket folder only
listen_addresses = %s
port = %d
unix_socket_directories = %s
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
`, quote(listen), c.Port, quote(c.Dir))
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if out, err := c.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w: %s%s", err, out, log)
	}
	return nil
}

// Bin returns the path of the PostgreSQL program name (such as pg_dump)
// beside the server's.
func (c *Cluster) Bin(name string) string { return filepath.Join(c.BinDir, name) }

// Stop stops the server, if it runs, and removes its folder.
func (c *Cluster) Stop() error {
	if c.Dir == "" {
		return nil
	}
	var err error
	data := filepath.Join(c.Dir, "data")
	if isFile(filepath.Join(data, "postmaster.pid")) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var out []byte
		if out, err = c.run(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			err = fmt.Errorf("pg_ctl stop: %w: %s", err, out)
		}
	}
	if rmErr := os.RemoveAll(c.Dir); err == nil {
		err = rmErr
	}
	if c.lock != nil {
		_ = c.lock.Close()
	}
	return err
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return runAs(ctx, c.cred, c.Dir, filepath.Join(c.BinDir, name), args...)
}

// runAs runs program with args in dir, as cred when it is not nil.
func runAs(ctx context.Context, cred *syscall.Credential, dir, program string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd.CombinedOutput()
}

// RemoveStale removes the clusters under root whose process is gone: a
// folder whose lock file is not locked, its server stopped first; and a
// folder still being made (.new-<pid>-...) whose process is gone. It
// returns the folders removed. The clusters of running processes, this
// one's included, are left alone.
func RemoveStale(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() {
			continue
		}
		if rest, ok := strings.CutPrefix(e.Name(), ".new-"); ok {
			pid, _, _ := strings.Cut(rest, "-")
			if n, err := strconv.Atoi(pid); err == nil && !processAlive(n) {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			_ = lock.Close() // its process runs
			continue
		}
		stopServer(filepath.Join(dir, "data"))
		if os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
		_ = lock.Close()
	}
	return removed
}

// stopServer stops the server of the data folder data, if one runs
// there: with pg_ctl, as the folder's owner; where pg_ctl cannot, by
// sending SIGQUIT (an immediate shutdown) to the postmaster that
// postmaster.pid names, once /proc shows that it runs in data.
func stopServer(data string) {
	info, err := os.Stat(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	var cred *syscall.Credential
	if st, ok := info.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && st.Uid != 0 {
		cred = &syscall.Credential{Uid: st.Uid, Gid: st.Gid}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if bin, err := FindBinDir(); err == nil {
		if _, err := runAs(ctx, cred, data, filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"); err == nil {
			return
		}
	}
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err != nil || cwd != data {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	for ctx.Err() == nil && processAlive(pid) {
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// processAlive reports whether process pid runs: it exists and, where
// /proc tells, is not a zombie that no one has reaped yet.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) || !isDir("/proc/self")
	}
	// The state follows the command's name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
