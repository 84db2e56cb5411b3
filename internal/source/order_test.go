package source_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/source"
)

// TestSortPaths checks each list, given shuffled, comes back in the order
// its migration tool runs it.
func TestSortPaths(t *testing.T) {
	cases := []struct {
		name string
		want []string
	}{
		{"version prefixes compare as numbers", []string{
			"m/1_init.sql", "m/2_x.sql", "m/10_x.sql", "m/11_y.sql", "m/100_z.sql",
		}},
		{"leading zeros do not change the number", []string{
			"m/0001_a.sql", "m/2_b.sql", "m/0003_c.sql", "m/0010_d.sql",
		}},
		{"flyway versions", []string{
			"m/V1__a.sql", "m/V1_1__b.sql", "m/V1.2__c.sql", "m/V1_10__d.sql", "m/V2__c.sql", "m/V10__e.sql",
		}},
		{"timestamps", []string{
			"m/20190101000000_a.sql", "m/20190101000001_b.sql", "m/20200101000000_a.sql", "m/20231231235959_z.sql",
		}},
		{"20-digit popx versions, beyond 64 bits", []string{
			"m/20150101000001000000_networks.postgres.up.sql",
			"m/20190100000001000000_client.up.sql",
			"m/20190100000009000000_client.postgres.up.sql",
			"m/20190100000010000000_client.up.sql",
			"m/20211019000001000002_merge.postgres.up.sql",
			"m/20211019000001000010_merge.postgres.up.sql",
			"m/99999999999999999999_last.up.sql",
		}},
		{"same version: the rest of the name decides", []string{
			"m/1_init.down.sql", "m/1_init.up.sql", "m/2_a.up.sql", "m/2_b.up.sql",
		}},
		{"versioned folders like temporal's", []string{
			"schema/versioned/v1.0/schema.sql",
			"schema/versioned/v1.2/queue.sql",
			"schema/versioned/v1.9/a.sql",
			"schema/versioned/v1.9/b.sql",
			"schema/versioned/v1.10/a.sql",
			"schema/versioned/v1.13/a.sql",
		}},
		{"a file sorts before the folders beside it", []string{
			"m/schema.sql", "m/a/1.sql", "m/b/1.sql",
		}},
		{"names without numbers sort as text", []string{
			"m/alpha.sql", "m/beta.sql", "m/gamma.sql",
		}},
	}
	rng := rand.New(rand.NewSource(1))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 5 {
				got := append([]string(nil), tc.want...)
				rng.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
				source.SortPaths(got)
				assert.Equal(t, tc.want, got)
			}
			for i := 0; i+1 < len(tc.want); i++ {
				assert.True(t, source.Less(tc.want[i], tc.want[i+1]), "%s < %s", tc.want[i], tc.want[i+1])
				assert.False(t, source.Less(tc.want[i+1], tc.want[i]), "not %s < %s", tc.want[i+1], tc.want[i])
			}
		})
	}
}

func TestNaturalCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"a2", "a10", -1},
		{"a10", "a2", 1},
		{"a02", "a2", 0},
		{"file", "file1", -1},
		{"v1.9", "v1.13", -1},
		{"abc", "abd", -1},
		{"x", "x", 0},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, source.NaturalCompare(tc.a, tc.b), "%q vs %q", tc.a, tc.b)
	}
}

func TestTimestampVersionsCompareAsStrings(t *testing.T) {
	paths := []string{
		"m/20211019000001000003_x.up.sql",
		"m/202110190000010000021_x.postgres.autocommit.up.sql",
		"m/20211019000001000002_x.up.sql",
		"m/2021101900000100000211_x.up.sql",
	}
	source.SortPaths(paths)
	assert.Equal(t, []string{
		"m/20211019000001000002_x.up.sql",
		"m/202110190000010000021_x.postgres.autocommit.up.sql",
		"m/2021101900000100000211_x.up.sql",
		"m/20211019000001000003_x.up.sql",
	}, paths)
}
