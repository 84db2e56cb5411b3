package rules_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// rewriteCases pair a statement with the rule that judges whether it
// rewrites table t (or rebuilds its indexes). setup runs first, in an
// earlier migration.
var rewriteCases = []struct {
	rule, setup, sql string
}{
	// PS020 add-column-volatile-default
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n uuid DEFAULT gen_random_uuid()"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n timestamptz DEFAULT clock_timestamp()"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n text DEFAULT md5(random()::text)"},
	{"add-column-volatile-default", "CREATE SEQUENCE s;", "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s')"},
	{"add-column-volatile-default", "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$;", "ALTER TABLE t ADD COLUMN n int DEFAULT f()"},
	{"add-column-volatile-default", `CREATE EXTENSION IF NOT EXISTS "uuid-ossp";`, "ALTER TABLE t ADD COLUMN n uuid DEFAULT uuid_generate_v4()"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n timestamptz DEFAULT now()"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n timestamptz DEFAULT CURRENT_TIMESTAMP"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n text DEFAULT lower('X' || 'y')"},
	{"add-column-volatile-default", "", "ALTER TABLE t ADD COLUMN n jsonb DEFAULT '{}'::jsonb"},
	// PS021 add-serial-or-identity-column
	{"add-serial-or-identity-column", "", "ALTER TABLE t ADD COLUMN n serial"},
	{"add-serial-or-identity-column", "", "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY"},
	{"add-serial-or-identity-column", "", "ALTER TABLE t ADD COLUMN n bigint"},
	// PS022 add-stored-generated-column
	{"add-stored-generated-column", "", "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS (i * 2) STORED"},
	// PS024 column-type-change
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN i TYPE bigint"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN i TYPE int"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN vc TYPE varchar(20)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN vc TYPE varchar(5)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN vc TYPE varchar"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN vc TYPE text"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN tx TYPE varchar"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN tx TYPE varchar(20)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN tx TYPE text USING tx || ''"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN num TYPE numeric(12,2)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN num TYPE numeric"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN num TYPE numeric(12,3)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN num TYPE numeric(8,2)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN net TYPE inet"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(6)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ts TYPE timestamp"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(1)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN tm TYPE time(4)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ch TYPE char(8)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ch TYPE varchar(4)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN ch TYPE bpchar"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN vb TYPE bit varying(8)"},
	{"column-type-change", "", "ALTER TABLE t ALTER COLUMN j TYPE jsonb USING j::jsonb"},
	{"column-type-change", "SET TimeZone = 'UTC';", "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz"},
	{"column-type-change", "CREATE EXTENSION IF NOT EXISTS citext; ALTER TABLE t ADD COLUMN ci citext;", "ALTER TABLE t ALTER COLUMN ci TYPE text"},
	{"column-type-change", "CREATE EXTENSION IF NOT EXISTS citext; ALTER TABLE t ADD COLUMN ci citext; CREATE INDEX t_ci_idx ON t (ci);", "ALTER TABLE t ALTER COLUMN ci TYPE text"},
	// PS030 vacuum-full-or-cluster
	{"vacuum-full-or-cluster", "", "VACUUM FULL t"},
	{"vacuum-full-or-cluster", "", "VACUUM (FULL 0) t"},
	{"vacuum-full-or-cluster", "", "VACUUM t"},
	{"vacuum-full-or-cluster", "", "CLUSTER t USING t_pkey"},
	// PS032 set-logged-or-unlogged
	{"set-logged-or-unlogged", "", "ALTER TABLE t SET UNLOGGED"},
	{"set-logged-or-unlogged", "ALTER TABLE t SET UNLOGGED;", "ALTER TABLE t SET LOGGED"},
}

// rewriteBase is table t, created fresh for every case.
const rewriteBase = `CREATE TABLE t (id bigint PRIMARY KEY, i int, vc varchar(10), tx text, num numeric(10,2),
  net cidr, ts timestamp(3), tm time(2), ch char(4), vb bit varying(4), j json);
INSERT INTO t VALUES (1, 1, 'a', 'b', 1.5, '10.0.0.0/8', now(), now(), 'c', B'1', '{}');
`

// TestRewriteClaimsOnPostgres runs each statement on a real PostgreSQL and
// checks that the rule reports an error exactly when the statement gives
// table t or one of its indexes a new file (a rewrite or rebuild). A
// warning is for a change that rewrites only under a condition the rule
// cannot see, and the case then must not rewrite.
func TestRewriteClaimsOnPostgres(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, version := pgtest.Connect(t, dbURL)
	files := func() string {
		var s string
		require.NoError(t, conn.QueryRow(ctx, `SELECT string_agg(c.relname || ':' || pg_relation_filenode(c.oid), ' ' ORDER BY c.relname)
			FROM pg_class c WHERE c.oid = 't'::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 't'::regclass)`).Scan(&s))
		return s
	}
	for _, tc := range rewriteCases {
		t.Run(tc.rule+"/"+tc.sql, func(t *testing.T) {
			_, err := conn.Exec(ctx, "RESET TimeZone; DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
			require.NoError(t, err)
			_, err = conn.Exec(ctx, rewriteBase+tc.setup)
			if err != nil && strings.Contains(err.Error(), "extension") {
				t.Skipf("setup needs an extension this server lacks: %v", err)
			}
			require.NoError(t, err)
			before := files()
			_, err = conn.Exec(ctx, tc.sql)
			require.NoError(t, err)
			rewrote := files() != before

			r := rules.Lookup(rules.All(), tc.rule)
			require.NotNil(t, r)
			res := lint.Run([]source.File{
				{Path: "1_setup.sql", Text: rewriteBase + tc.setup},
				{Path: "2_change.sql", Text: tc.sql + ";\n"},
			}, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: version}})
			worst := rules.Severity(0)
			for _, d := range res.Diagnostics {
				if d.Path == "2_change.sql" && d.Severity > worst {
					worst = d.Severity
				}
			}
			assert.Equal(t, rewrote, worst == rules.Error,
				"PostgreSQL %d rewrote: %v; %s reported: %v", version, rewrote, tc.rule, worst)
		})
	}

	// The warning's condition: the same change rewrites in another time zone.
	t.Run("column-type-change/timestamptz outside UTC", func(t *testing.T) {
		_, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"+rewriteBase+"SET TimeZone = 'America/New_York';")
		require.NoError(t, err)
		before := files()
		_, err = conn.Exec(ctx, "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz")
		require.NoError(t, err)
		assert.NotEqual(t, before, files(), "timestamp to timestamptz should rewrite outside UTC")
	})
}
