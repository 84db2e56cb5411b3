package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// suggest returns the candidate closest to input, for a "did you mean"
// hint, or "" when none is close enough. A candidate is close when input
// is a prefix of it and of no other candidate, or when it lies within an
// edit distance (insertions, deletions, substitutions and swaps of two
// neighbouring letters) of 2, and less than input's length, of it: "lnt"
// gives "lint", "vresion" gives "version", "migrate" gives nothing. The
// closest wins; ties go to the first in candidates' order.
func suggest(input string, candidates []string) string {
	if input == "" {
		return ""
	}
	var prefixed []string
	for _, c := range candidates {
		if strings.HasPrefix(c, input) && c != input {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(input, c)
		if d < bestDist && d < len([]rune(input)) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance returns the optimal string alignment distance between a
// and b, in runes: the fewest insertions, deletions, substitutions and
// swaps of adjacent runes that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j].
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// commandNames returns the names and aliases of cmds, hidden ones left
// out.
func commandNames(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Names()...)
		}
	}
	return out
}

// unknownCommand returns the usage error for an unknown command name
// under parent ("pgsafe", "pgsafe hook"), with the closest command.
func unknownCommand(parent, name string, cmds []*cli.Command) error {
	if s := suggest(name, commandNames(cmds)); s != "" {
		return usageError("unknown command %q for %s: did you mean %q? (see `%s --help`)", name, parent, s, parent)
	}
	return usageError("unknown command %q for %s (see `%s --help`)", name, parent, parent)
}

// reUndefinedFlag matches the error of Go's flag package for a flag that
// is not defined.
var reUndefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)

// flagUsageError turns a flag parsing error of the command line name
// ("pgsafe lint") into a usage error: an unknown flag is named as the
// user would write it, with the closest flag among flags.
func flagUsageError(err error, name string, flags []cli.Flag) error {
	m := reUndefinedFlag.FindStringSubmatch(err.Error())
	if m == nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w (see `%s --help`)", err, name)}
	}
	unknown := m[1]
	var names []string
	for _, f := range append(append([]cli.Flag{}, flags...), cli.HelpFlag) {
		for _, n := range f.Names() {
			if len(n) > 1 {
				names = append(names, n)
			}
		}
	}
	msg := "unknown flag " + dashed(unknown)
	if s := suggest(unknown, names); s != "" {
		msg += fmt.Sprintf(": did you mean %s?", dashed(s))
	}
	return usageError("%s (see `%s --help`)", msg, name)
}

// dashed returns a flag name as written on the command line: -f, --format.
func dashed(name string) string {
	if len([]rune(name)) == 1 {
		return "-" + name
	}
	return "--" + name
}
