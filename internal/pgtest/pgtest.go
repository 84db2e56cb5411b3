// Package pgtest gives tests a real PostgreSQL: the server named by
// PGSAFE_TEST_DATABASE_URL (set by .ci/run), or one throwaway cluster
// started for the whole test binary. Without either, tests skip with a
// message, except under CI=true, where that is a failure.
//
// The throwaway cluster listens on 127.0.0.1 too, with a random password
// (scram-sha-256), for the migration tools that only speak TCP; a test
// binary that dies without stopping it leaves it to the next Start to
// remove (see package pgcluster).
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
)

// EnvURL names the environment variable holding the server's URL.
const EnvURL = "PGSAFE_TEST_DATABASE_URL"

var (
	once    sync.Once
	baseURL string
	base    *pgtarget.Target
	cluster *pgcluster.Cluster
	initErr error
	counter atomic.Int64
)

// URL returns the URL of a server's maintenance database ("postgres").
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		baseURL = os.Getenv(EnvURL)
		if baseURL == "" {
			cluster, initErr = pgcluster.Start(context.Background(), pgcluster.Options{TCP: true})
			if initErr != nil {
				return
			}
			baseURL = cluster.TCPURL("postgres")
		}
		if base, initErr = pgtarget.Parse(baseURL); initErr != nil {
			baseURL = ""
		}
	})
	if baseURL == "" {
		Missing(t, fmt.Sprintf("no PostgreSQL for this test: set %s or install the server binaries (%v)", EnvURL, initErr))
	}
	return baseURL
}

// Target returns the target of the server's maintenance database, as URL
// names it.
func Target(t testing.TB) *pgtarget.Target {
	t.Helper()
	URL(t)
	return base
}

// PasswordTarget returns the target of a server's maintenance database
// where connections must give a password: the server of URL when it asks
// for one (the throwaway cluster does, and .ci/run's server), otherwise a
// cluster started for the test, with a password.
func PasswordTarget(t testing.TB) *pgtarget.Target {
	t.Helper()
	target := Target(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := target.Config()
	if c.Password != "" {
		c.Password = ""
		conn, err := pgx.ConnectConfig(ctx, c)
		if err != nil {
			return target
		}
		_ = conn.Close(ctx)
	}
	cl, err := pgcluster.Start(ctx, pgcluster.Options{Password: "pgtest-" + strconv.Itoa(os.Getpid())})
	if err != nil {
		Missing(t, fmt.Sprintf("a server that asks for a password: %v", err))
	}
	t.Cleanup(func() { _ = cl.Stop() })
	p, err := pgtarget.Parse(cl.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Missing skips the test because something it needs is missing, or fails
// it under CI=true, where every test must run.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Stop stops a cluster that URL started. Call it from TestMain after
// m.Run.
func Stop() {
	if cluster != nil {
		_ = cluster.Stop()
	}
}

// NewDatabase creates an empty database for the test, dropped when the
// test ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewTarget(t).URL()
}

// NewTarget creates an empty database for the test, dropped when the
// test ends, and returns its target, which checks that connections reach
// it.
func NewTarget(t testing.TB) *pgtarget.Target {
	t.Helper()
	admin := Target(t)
	name := fmt.Sprintf("pgsafe_test_%d_%d", os.Getpid(), counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := admin.Connect(ctx)
	if err != nil {
		t.Fatalf("connect to %s: %v", admin, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := admin.Connect(ctx)
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return admin.Throwaway(name)
}

// Connect opens a connection to the database at url, closed when the test
// ends, and returns it with the server's major version.
func Connect(t testing.TB, url string) (*pgx.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	var major int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&major); err != nil {
		t.Fatalf("server version: %v", err)
	}
	return conn, major
}
