package locks_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// TestStopsAndDescribe words what each mode makes other sessions wait
// for, from the conflict table.
func TestStopsAndDescribe(t *testing.T) {
	for _, c := range []struct {
		mode            locks.Mode
		stops, describe string
	}{
		{locks.AccessExclusive, "reads and writes", "blocks reads and writes"},
		{locks.Share, "writes", "blocks writes"},
		{locks.ShareRowExclusive, "writes", "blocks writes"},
		{locks.ShareUpdateExclusive, "schema changes", "blocks no reads or writes, only schema changes and VACUUM"},
		{locks.AccessShare, "", "blocks only ACCESS EXCLUSIVE requests"},
		{locks.None, "", "takes no table lock"},
	} {
		assert.Equal(t, c.stops, c.mode.Stops(), c.mode.String())
		assert.Equal(t, c.describe, c.mode.Describe(), c.mode.String())
	}
}
