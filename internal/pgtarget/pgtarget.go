// Package pgtarget says where a connection goes: connection parameters
// parsed once, by pgx.ParseConfig, from a URL or a list of key=value
// settings and the PG* environment variables, and never edited as text.
//
// A throwaway database (one that trace or verify creates, runs migrations
// in and drops) is reached by a Target made with Throwaway: its database
// is set on the parsed configuration, so that no spelling of the
// connection string (a dbname query parameter that wins over the URL's
// path, a dbname setting, PGDATABASE) can send it elsewhere, and every
// connection to it checks with current_database() that it got there
// before it is handed out.
//
// Programs such as pg_dump get the parameters without the password on
// their command line: Command passes the password in a temporary password
// file that only the current user can read.
package pgtarget

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Target is a database to connect to.
type Target struct {
	config *pgx.ConnConfig
	// throwaway is the database that connections must reach, checked
	// with current_database(); "" when they are not checked.
	throwaway string
	// settings are the settings of the connection string that programs
	// such as pg_dump need besides the target (passedSettings), as the
	// connection string gives them.
	settings map[string]string
}

// passedSettings are the settings that Command passes on to a program as
// they are written in the connection string: none is a secret, and none
// says where the connection goes.
var passedSettings = []string{
	"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "sslnegotiation", "sslsni", "sslcertmode",
	"gssencmode", "krbsrvname", "channel_binding", "require_auth", "connect_timeout", "options", "application_name",
	// A service's host, port, user and database give way to the ones
	// given; its TLS settings still apply.
	"service",
}

// Parse parses a connection string, a URL or key=value settings, with
// the PG* environment variables filling in what it leaves out, as libpq
// does.
func Parse(connString string) (*Target, error) {
	config, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	settings, err := readSettings(connString)
	if err != nil {
		return nil, err
	}
	return &Target{config: config, settings: settings}, nil
}

// MustParse is Parse for connection strings that a program builds itself.
func MustParse(connString string) *Target {
	t, err := Parse(connString)
	if err != nil {
		panic(err)
	}
	return t
}

// Database returns the name of the database the target connects to.
func (t *Target) Database() string { return t.config.Database }

// Throwaway returns the target of database db on the same server, with
// the same user and settings: a database that the caller created to run
// migrations in. Every connection to it checks that it reached db.
func (t *Target) Throwaway(db string) *Target {
	c := t.config.Copy()
	c.Database = db
	return &Target{config: c, throwaway: db, settings: t.settings}
}

// WithApplicationName returns the target with application_name set to
// name on its connections, in place of the connection string's, so
// that pg_stat_activity shows which pgsafe command a session belongs to.
// The settings passed on to programs (Command) keep the connection
// string's.
func (t *Target) WithApplicationName(name string) *Target {
	c := t.config.Copy()
	if c.RuntimeParams == nil {
		c.RuntimeParams = map[string]string{}
	}
	c.RuntimeParams["application_name"] = name
	return &Target{config: c, throwaway: t.throwaway, settings: t.settings}
}

// Config returns a copy of the parsed configuration.
func (t *Target) Config() *pgx.ConnConfig { return t.config.Copy() }

// String describes the target for messages, without its password:
// user@host:port/database.
func (t *Target) String() string {
	host := t.config.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "/") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s@%s:%d/%s", t.config.User, host, t.config.Port, t.config.Database)
}

// ErrWrongDatabase is returned when a connection to a throwaway database
// reached another one.
var ErrWrongDatabase = errors.New("the connection reached another database than the throwaway one")

// Connect opens a connection to the target; to a throwaway database, it
// checks that it reached that database first.
func (t *Target) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, t.config.Copy())
	if err != nil {
		return nil, err
	}
	if t.throwaway == "" {
		return conn, nil
	}
	var got string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	if err := t.check(got); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// ConnectPg opens a low-level connection to the target, checked as
// Connect checks it, for callers that send SQL text of many statements as
// one query.
func (t *Target) ConnectPg(ctx context.Context) (*pgconn.PgConn, error) {
	conn, err := pgconn.ConnectConfig(ctx, &t.config.Copy().Config)
	if err != nil {
		return nil, err
	}
	if t.throwaway == "" {
		return conn, nil
	}
	res, err := conn.Exec(ctx, "SELECT current_database()").ReadAll()
	if err == nil && (len(res) != 1 || len(res[0].Rows) != 1) {
		err = errors.New("SELECT current_database() returned no row")
	}
	if err == nil {
		err = t.check(string(res[0].Rows[0][0]))
	}
	if err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// check returns an error unless got is the throwaway database.
func (t *Target) check(got string) error {
	if got == t.throwaway {
		return nil
	}
	return fmt.Errorf("%w: refusing to run anything in %q, where a connection to the throwaway database %q arrived (%s)", ErrWrongDatabase, got, t.throwaway, t)
}

// ConnString returns the target as key=value settings, password
// included, for programs that take a connection string only (psql, the
// migration tools in tests). pgsafe itself connects with Connect, and
// runs programs with Command.
func (t *Target) ConnString() string { return keyValues(t.params(true)) }

// keyValues writes pairs as key=value settings.
func keyValues(pairs [][2]string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p[0] + "=" + quote(p[1]))
	}
	return b.String()
}

// URL returns the target as a postgres:// URL, password included, for
// programs that take a URL only (the migration tools in tests).
func (t *Target) URL() string {
	u := url.URL{Scheme: "postgres", Path: "/" + t.config.Database}
	var q []string
	set := func(k, v string) {
		// libpq decodes %XX only: a + stays a +.
		q = append(q, k+"="+strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
	}
	for _, p := range t.params(true) {
		switch p[0] {
		case "user", "password", "dbname":
		case "host":
			if strings.HasPrefix(p[1], "/") {
				set("host", p[1])
			} else {
				u.Host = p[1]
			}
		case "port":
			if u.Host != "" {
				u.Host = net.JoinHostPort(u.Host, p[1])
			} else {
				set("port", p[1])
			}
		default:
			set(p[0], p[1])
		}
	}
	if t.config.Password != "" {
		u.User = url.UserPassword(t.config.User, t.config.Password)
	} else {
		u.User = url.User(t.config.User)
	}
	u.RawQuery = strings.Join(q, "&")
	return u.String()
}

// params returns the target's settings: where it goes, then the passed
// settings; the password only with password.
func (t *Target) params(password bool) [][2]string {
	c := t.config
	pairs := [][2]string{{"host", c.Host}, {"port", strconv.Itoa(int(c.Port))}, {"user", c.User}, {"dbname", c.Database}}
	if password && c.Password != "" {
		pairs = append(pairs, [2]string{"password", c.Password})
	}
	for _, k := range passedSettings {
		if v, ok := t.settings[k]; ok {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	if _, ok := t.settings["sslmode"]; !ok && c.TLSConfig == nil && len(c.Fallbacks) == 0 {
		// pgx parsed no TLS at all (sslmode=disable from the environment, or a
		// Unix socket): say so, as libpq would otherwise try TLS first.
		pairs = append(pairs, [2]string{"sslmode", "disable"})
	}
	return pairs
}

// quote quotes a value of a key=value connection string as libpq reads
// it: in single quotes, with backslashes and single quotes escaped.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Command returns a command that runs program (pg_dump, psql) on the
// target with args. The command line names the database with a
// connection string of key=value settings without the password
// (--dbname=...); the password, when there is one, is in a password file
// of the current user's only (mode 0600) that PGPASSFILE names, which
// cleanup removes once the program has ended. The PG* variables that
// could send the program elsewhere, or give it another password, are
// removed from its environment (PGSERVICE and PGSERVICEFILE stay: the
// settings given override the service's). --no-password keeps it from
// asking.
func (t *Target) Command(ctx context.Context, program string, args ...string) (cmd *exec.Cmd, cleanup func(), err error) {
	cleanup = func() {}
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGPASSFILE":
		default:
			env = append(env, kv)
		}
	}
	if t.config.Password != "" {
		dir, err := os.MkdirTemp("", "pgsafe-pass-")
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		passfile := filepath.Join(dir, "pgpass")
		if err := os.WriteFile(passfile, []byte("*:*:*:*:"+passfileEscape(t.config.Password)+"\n"), 0o600); err != nil {
			cleanup()
			return nil, func() {}, err
		}
		env = append(env, "PGPASSFILE="+passfile)
	}
	argv := append([]string{"--no-password", "--dbname=" + keyValues(t.params(false))}, args...)
	cmd = exec.CommandContext(ctx, program, argv...)
	cmd.Env = env
	return cmd, cleanup, nil
}

// passfileEscape escapes a password for a line of a password file.
func passfileEscape(p string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(p)
}

// readSettings returns the passedSettings that connString gives, read as
// libpq reads a URL or key=value settings. pgx.ParseConfig has accepted
// connString before, so it is well formed.
func readSettings(connString string) (map[string]string, error) {
	out := map[string]string{}
	keep := func(k, v string) {
		for _, p := range passedSettings {
			if k == p {
				out[k] = v
			}
		}
	}
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		_, query, _ := strings.Cut(connString, "?")
		for _, kv := range strings.Split(query, "&") {
			rawKey, rawValue, _ := strings.Cut(kv, "=")
			k, err1 := url.PathUnescape(rawKey)
			v, err2 := url.PathUnescape(rawValue)
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			if k == "ssl" && v == "true" {
				k, v = "sslmode", "require"
			}
			keep(k, v)
		}
		return out, nil
	}
	s := connString
	for {
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, errors.New("a setting without '=' in the connection string")
		}
		key := strings.TrimRight(s[:eq], " \t\n\r\f\v")
		s = strings.TrimLeft(s[eq+1:], " \t\n\r\f\v")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("an unterminated quoted value in the connection string")
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && !strings.ContainsRune(" \t\n\r\f\v", rune(s[i])); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[i:]
		}
		keep(key, val.String())
	}
}
