package toolrun_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/toolrun"
)

// moveSeeds are the rows the move fixtures (fixtures/rules/
// contract-before-expand/<name>) get after their first migration.
var moveSeeds = map[string]string{
	"goose-column":   "INSERT INTO users SELECT g * 3, 'User' || g || '@Example.com', 'n' || g FROM generate_series(1, 2500) g",
	"golang-migrate": "INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 'name' || g FROM generate_series(1, 2500) g",
}

// moveCase is a fixed move fixture run by its tool up and down.
type moveCase struct {
	fixture string // under fixtures/rules/contract-before-expand
	tool    *toolrun.Tool
	// base is the version of the first migration, after which the seed
	// runs (none for a tool that cannot stop there); expand the last
	// version of the expand part, before the contract.
	base, expand string
	noSeed       bool
	// write is old code's write of the moved column, which must succeed
	// once the expand is rolled back alone; "" when the fixture's down
	// cannot run after the expand alone (it adds the column again
	// without IF NOT EXISTS).
	write string
}

var moveCases = []moveCase{
	{fixture: "goose-column", tool: toolrun.Goose, base: "1", expand: "2",
		write: "INSERT INTO users (id, email) VALUES (1, 'late@example.com'); UPDATE users SET email = 'x' WHERE id = 3"},
	{fixture: "golang-migrate", tool: toolrun.Migrate, base: "1", expand: "4",
		write: "INSERT INTO accounts (id, email) VALUES (100000, 'late@example.com'); UPDATE accounts SET email = 'x' WHERE id = 3"},
	{fixture: "dbmate", tool: toolrun.Dbmate, base: "20240101000000", expand: "20240102000002", noSeed: true},
}

// TestMoveRewriteUpDownUp runs the fixed migrations of each move fixture
// with its tool: up to the end (expand, then contract), down one step at
// a time back to the first migration, and up again, which must leave the
// schema of the first run up. Then, on another database, up to the end
// of the expand part only and down again: the expand's down drops the
// sync trigger first, so old code's writes of the moved column still
// work once the down has removed the new column or table.
func TestMoveRewriteUpDownUp(t *testing.T) {
	for _, mc := range moveCases {
		t.Run(mc.fixture+"/"+mc.tool.Name, func(t *testing.T) {
			path := findTool(t, mc.tool)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			dir := copyFixture(t, filepath.Join("..", "..", "fixtures", "rules", "contract-before-expand", mc.fixture), true)
			url := pgtest.NewDatabase(t)
			r := &toolrun.Run{Tool: mc.tool, Exe: path, Project: dir, Dir: dir, URL: url}
			if !mc.noSeed {
				require.NoError(t, r.UpTo(ctx, mc.base))
				exec(ctx, t, url, moveSeeds[mc.fixture])
			}
			require.NoError(t, r.Up(ctx), "up to the end")
			top, err := r.Version(ctx)
			require.NoError(t, err)
			first := dump(ctx, t, url)
			downTo := func(version string) {
				t.Helper()
				for steps := 0; ; steps++ {
					v, err := r.Version(ctx)
					require.NoError(t, err)
					if v == version {
						return
					}
					require.Less(t, steps, 10, "down never reaches %s", version)
					require.NoError(t, r.Down(ctx), "down one step from %s", v)
				}
			}
			downTo(mc.base)
			require.NoError(t, r.Up(ctx), "up again")
			again, err := r.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, top, again)
			if d := schemadiff.Diff("first up", first, "up again", dump(ctx, t, url)); d != "" {
				t.Errorf("up, down and up again leave another schema:\n%s", d)
			}

			if mc.write == "" {
				return
			}
			url = pgtest.NewDatabase(t)
			r = &toolrun.Run{Tool: mc.tool, Exe: path, Project: dir, Dir: dir, URL: url}
			require.NoError(t, r.UpTo(ctx, mc.base))
			exec(ctx, t, url, moveSeeds[mc.fixture])
			require.NoError(t, r.UpTo(ctx, mc.expand), "the expand part")
			require.True(t, queryBool(ctx, t, url, "SELECT count(*) = 1 FROM pg_trigger WHERE tgname LIKE 'zz_pgsafe_sync_%'"), "the expand creates the sync trigger")
			downTo(mc.base)
			assert.True(t, queryBool(ctx, t, url, "SELECT count(*) = 0 FROM pg_trigger WHERE tgname LIKE 'zz_pgsafe_sync_%'"), "the sync trigger outlives the expand's down")
			exec(ctx, t, url, mc.write) // fails when a trigger still writes what the down removed
		})
	}
}
