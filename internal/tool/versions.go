package tool

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// ErrNoRoom is wrapped by the errors of Exit.Versions and Exit.NoTransaction
// when a tool leaves no room for what a rewrite needs; callers fall back
// to a display-only recipe that says why.
var ErrNoRoom = errors.New("cannot split the migration mechanically")

// noRoom returns an error wrapping ErrNoRoom.
func noRoom(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNoRoom}, args...)...)
}

// leadingDigits returns the number of ASCII digits s starts with.
func leadingDigits(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// SplitVersion splits a file name that starts with a numeric version and
// '_' into the version and what follows the '_'; ok is false when base
// does not start that way or nothing follows.
func SplitVersion(base string) (version, rest string, ok bool) {
	d := leadingDigits(base)
	if d == 0 || d+1 >= len(base) || base[d] != '_' {
		return "", "", false
	}
	return base[:d], base[d+1:], true
}

// numericVersions returns v+1 .. v+n, zero-padded to v's width, when no
// migration uses them: integer versions leave no other room.
func numericVersions(v string, n int, existing []string) ([]string, error) {
	base, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return nil, noRoom("bad version %s", v)
	}
	taken := map[string]bool{}
	for _, e := range existing {
		if en, ok := new(big.Int).SetString(e, 10); ok {
			taken[en.String()] = true
		}
	}
	out := make([]string, n)
	for i := range out {
		next := new(big.Int).Add(base, big.NewInt(int64(i+1)))
		if taken[next.String()] {
			return nil, noRoom("version %s is taken, so no version fits right after %s", next, v)
		}
		out[i] = fmt.Sprintf("%0*s", len(v), next.String())
	}
	return out, nil
}

// stringVersions returns n versions that sort, as strings (popx and pop
// compare versions as strings), right after v, in order, and before the
// next existing version: v with a number of fixed width appended (v1 ..
// v9, or v01 .. v12 for more than nine). When the next version itself
// starts with v (a split of an earlier run, v1), the new ones go between:
// v01, v02, ... existing must be sorted.
func stringVersions(v string, n int, existing []string) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	next := ""
	from, _ := slices.BinarySearch(existing, v)
	for _, e := range existing[from:] {
		if e > v {
			next = e
			break
		}
	}
	zeros := ""
	if rest, ok := strings.CutPrefix(next, v); ok && next != "" {
		// v+X < next needs X below rest: leading zeros one longer than
		// rest's.
		z := len(rest) - len(strings.TrimLeft(rest, "0"))
		if z == len(rest) {
			return nil, noRoom("no free versions between %s and %s", v, next)
		}
		zeros = strings.Repeat("0", z+1)
	}
	width := len(strconv.Itoa(n))
	out := make([]string, n)
	for i := range out {
		out[i] = v + zeros + fmt.Sprintf("%0*d", width, i+1)
	}
	return out, nil
}

// flywayVersions appends a version part (1.2 -> 1.2.1, 1.2.2), using a
// deeper part (1.2.0.1) when a version sits in between.
func flywayVersions(v string, n int, existing []string) ([]string, error) {
	for depth := 0; depth < 4; depth++ {
		var out []string
		ok := true
		for i := 1; i <= n; i++ {
			cand := v + strings.Repeat("_0", depth) + fmt.Sprintf("_%d", i)
			for _, e := range existing {
				if flywayCompare(e, cand) == 0 || (flywayCompare(e, v) > 0 && flywayCompare(e, cand) < 0) {
					ok = false
				}
			}
			out = append(out, cand)
		}
		if ok {
			return out, nil
		}
	}
	return nil, noRoom("no free Flyway versions right after %s", v)
}

// flywayCompare compares two Flyway versions part by part, numerically.
func flywayCompare(a, b string) int {
	pa := strings.FieldsFunc(a, func(r rune) bool { return r == '.' || r == '_' })
	pb := strings.FieldsFunc(b, func(r rune) bool { return r == '.' || r == '_' })
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := big.NewInt(0), big.NewInt(0)
		if i < len(pa) {
			x.SetString(pa[i], 10)
		}
		if i < len(pb) {
			y.SetString(pb[i], 10)
		}
		if c := x.Cmp(y); c != 0 {
			return c
		}
	}
	return 0
}
