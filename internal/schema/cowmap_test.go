package schema

import (
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func contents(c *cowMap[int]) map[string]int {
	out := map[string]int{}
	c.each(func(k string, v int) { out[k] = v })
	return out
}

// TestCowMapHandlesAreIndependent writes, deletes and shares at random
// and checks every handle against a plain map that is copied on share.
func TestCowMapHandlesAreIndependent(t *testing.T) {
	type pair struct {
		cow  *cowMap[int]
		want map[string]int
	}
	handles := []pair{{&cowMap[int]{}, map[string]int{}}}
	seed := uint32(1)
	next := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	for step := 1; step <= 20000; step++ {
		h := handles[next(len(handles))]
		k := "k" + strconv.Itoa(next(100))
		switch op := next(10); {
		case op < 5:
			h.cow.set(k, step)
			h.want[k] = step
		case op < 8:
			h.cow.del(k)
			delete(h.want, k)
		case len(handles) < 50:
			n := h.cow.share()
			w := map[string]int{}
			for k, v := range h.want {
				w[k] = v
			}
			handles = append(handles, pair{&n, w})
		default:
		}
		assert.Equal(t, h.want[k], h.cow.get(k), "step %d key %s", step, k)
	}
	for i, h := range handles {
		assert.Equal(t, h.want, contents(h.cow), "handle %d", i)
		vals := h.cow.values()
		var want []int
		for _, v := range h.want {
			want = append(want, v)
		}
		sort.Ints(vals)
		sort.Ints(want)
		assert.Equal(t, want, vals, "handle %d", i)
	}
}
