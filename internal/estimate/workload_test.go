package estimate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// TestOperationsLeaveTheTableAsFound times every operation of the
// calibration with Measure (five rounds on a table of 20,000 rows) on a
// seeded table of each shape, and checks that the table's rows, heap and
// index sizes come back within 5 % of the seeded ones after each
// operation's rounds: the calibration times
// every operation on the same tables, round after round, and takes their
// size once, when they are seeded. The writes to every row are the ones
// that could leave dead row versions and index entries behind.
func TestOperationsLeaveTheTableAsFound(t *testing.T) {
	target := pgtest.NewTarget(t)
	conn, _ := pgtest.Connect(t, target.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, shape := range []estimate.Shape{estimate.Narrow, estimate.Wide} {
		seeded, err := estimate.Seed(ctx, conn, "as_found_"+shape.Name, shape, 20_000)
		require.NoError(t, err)
		for _, op := range estimate.Operations {
			timings, err := estimate.Measure(ctx, conn, []estimate.Seeded{seeded}, op)
			require.NoError(t, err)
			require.Len(t, timings, 1)
			assert.Positive(t, timings[0].Took)
			size, err := estimate.TableSize(ctx, conn, seeded.Name)
			require.NoError(t, err)
			what := fmt.Sprintf("%s after %s: %+v, seeded %+v", shape.Name, op.Statement(seeded.Name), size, seeded.Size)
			assert.InEpsilon(t, seeded.Size.HeapBytes, size.HeapBytes, 0.05, what)
			assert.InEpsilon(t, seeded.Size.IndexBytes, size.IndexBytes, 0.05, what)
			assert.InEpsilon(t, seeded.Size.Rows, size.Rows, 0.05, what)
		}
		var rows int64
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+seeded.Name).Scan(&rows))
		assert.Equal(t, int64(20_000), rows, "every row is still there")
		_, err = conn.Exec(ctx, "DROP TABLE "+seeded.Name)
		require.NoError(t, err)
	}
}
