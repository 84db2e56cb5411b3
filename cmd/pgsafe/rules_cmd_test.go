package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/rules"
)

// reFlag finds a command-line flag named in prose: "--changed-since".
var reFlag = regexp.MustCompile(`(?:^|[\s(\x60])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)`)

// TestRuleDocsNameRealFlags fails when a rule's documentation tells users
// to pass a flag that no pgsafe command has.
func TestRuleDocsNameRealFlags(t *testing.T) {
	flags := map[string]bool{}
	app := newApp(env{})
	for _, f := range app.Flags {
		for _, n := range f.Names() {
			flags[n] = true
		}
	}
	for _, c := range app.Commands {
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				flags[n] = true
			}
		}
	}
	require.True(t, flags["changed-since"], "the flags of the commands were read")
	// Other programs' flags and markers that rule docs quote.
	others := map[string]bool{
		"tablespace": true, // pg_repack --tablespace
		"liquibase":  true, // the "--liquibase formatted sql" header
	}
	named := 0
	for _, r := range rules.All() {
		for what, text := range map[string]string{"Summary": r.Doc.Summary, "Why": r.Doc.Why, "Help": r.Doc.Help, "FixSafety": r.Doc.FixSafety, "Versions": r.Doc.Versions} {
			for _, m := range reFlag.FindAllStringSubmatch(text, -1) {
				named++
				assert.True(t, flags[m[1]] || others[m[1]], "%s Doc.%s names --%s, which no pgsafe command has", r, what, m[1])
			}
		}
	}
	assert.Positive(t, named, "no rule names a flag: the pattern finds nothing")
}
