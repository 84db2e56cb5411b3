package lint_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// replayAndApply lints the migration set under dir as the CLI reads it,
// applies its up statements one by one to a fresh database, and returns
// the catalog the replay leaves and the catalog of pg_dump --schema-only
// of the database.
func replayAndApply(t *testing.T, dir string) (replayed, dumped *schema.Catalog) {
	t.Helper()
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	res := lint.Run(files, lint.Options{Known: rules.All(), SkipDown: true})
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	for _, f := range res.Files {
		require.Nil(t, f.SyntaxError, f.Path)
		for _, st := range f.Statements {
			if st.Direction != migration.Up {
				continue
			}
			_, err := conn.Exec(ctx, st.Text(f.Text), pgx.QueryExecModeSimpleProtocol)
			require.NoError(t, err, "%s:%d", f.Path, f.Lines.Position(st.Span.Start).Line)
		}
	}
	return res.History.Final(), loadDumpText(t, pgDump(t, url))
}

// loadDumpText replays the text of a dump.
func loadDumpText(t *testing.T, text string) *schema.Catalog {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dump.sql")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return loadDump(t, path)
}

// pgDump runs pg_dump --schema-only on the database at url, skipping the
// test when pg_dump is not installed.
func pgDump(t *testing.T, url string) string {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
		if len(matches) == 0 {
			t.Skip("pg_dump is not installed")
		}
		bin = matches[len(matches)-1]
	}
	out, err := exec.Command(bin, "--schema-only", "--no-owner", "--no-privileges", url).Output()
	require.NoError(t, err)
	return string(out)
}

// TestTemporalReplayMatchesPostgres applies Temporal's two PostgreSQL
// migration sets (the main schema and visibility) to a real PostgreSQL
// and compares every table of pg_dump's schema with the replay.
func TestTemporalReplayMatchesPostgres(t *testing.T) {
	root := filepath.Join(corpus.Locate(t), "temporalio__temporal", "schema", "postgresql", "v12")
	for _, set := range []string{"temporal", "visibility"} {
		t.Run(set, func(t *testing.T) {
			got, want := replayAndApply(t, filepath.Join(root, set, "versioned"))
			assert.Empty(t, schema.Diff(got, want))
			t.Logf("%s: %d relations compared", set, len(want.Tables()))
		})
	}
}
