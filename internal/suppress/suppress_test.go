package suppress_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/suppress"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

func comment(text string) sqlparse.Comment {
	return sqlparse.Comment{Span: sqlparse.Span{Start: 0, End: len(text)}, Text: text, Block: strings.HasPrefix(text, "/*")}
}

func TestParse(t *testing.T) {
	tests := []struct {
		text   string
		ok     bool
		file   bool
		rules  []string
		reason string
	}{
		{"-- pgsafe:ignore PS001 the table is empty", true, false, []string{"PS001"}, "the table is empty"},
		{"--pgsafe:ignore require-concurrent-index  built   offline ", true, false, []string{"require-concurrent-index"}, "built offline"},
		{"/* pgsafe:ignore PS001 empty table */", true, false, []string{"PS001"}, "empty table"},
		{"/*\n * pgsafe:ignore-file PS001\n * seeded in the same release\n */", true, true, []string{"PS001"}, "seeded in the same release"},
		{"-- pgsafe:ignore-file PS001 reason", true, true, []string{"PS001"}, "reason"},
		{"-- pgsafe:ignore PS001,PS900 two rules", true, false, []string{"PS001", "PS900"}, "two rules"},
		{"-- pgsafe:ignore PS001, PS900 two rules", true, false, []string{"PS001", "PS900"}, "two rules"},
		{"-- pgsafe:ignore PS001 ,PS900 two rules", true, false, []string{"PS001", "PS900"}, "two rules"},
		{"-- pgsafe:ignore PS001 , PS900, unused-suppression three", true, false, []string{"PS001", "PS900", "unused-suppression"}, "three"},
		{"-- pgsafe:ignore PS001", true, false, []string{"PS001"}, ""},
		{"-- pgsafe:ignore", true, false, nil, ""},
		{"-- pgsafe:ignore-file", true, true, nil, ""},
		{"-- pgsafe:ignored PS001 reason", false, false, nil, ""},
		{"-- pgsafe:ignore-files PS001 reason", false, false, nil, ""},
		{"-- see pgsafe:ignore PS001 reason", false, false, nil, ""},
		{"-- an ordinary comment", false, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d, ok := suppress.Parse(comment(tt.text))
			require.Equal(t, tt.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tt.file, d.File)
			assert.Equal(t, tt.rules, d.Rules)
			assert.Equal(t, tt.reason, d.Reason)
		})
	}
}

// tested are the rules these tests run: require-concurrent-index stands
// for every checking rule, so that rules added later do not change the
// findings.
var tested = map[string]bool{"PS000": true, "PS001": true, "PS900": true, "PS901": true}

// lintText lints one file named name with the tested rules enabled except
// those in disabled, and returns its findings as "line code message"
// strings. Every rule is known to the suppression comments.
func lintText(t *testing.T, name, text string, disabled ...string) []string {
	t.Helper()
	all := rules.All()
	var enabled []*rules.Rule
	for _, r := range all {
		skip := !tested[r.Code]
		for _, d := range disabled {
			if r.Code == d || r.Name == d {
				skip = true
			}
		}
		if !skip {
			enabled = append(enabled, r)
		}
	}
	res := lint.Run([]source.File{{Path: name, Text: text}}, lint.Options{
		Rules: enabled, Known: all, Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000},
	})
	require.Len(t, res.Files, 1)
	require.Nil(t, res.Files[0].SyntaxError, "fixture must parse")
	var out []string
	for _, d := range res.Diagnostics {
		out = append(out, fmt.Sprintf("%d %s %s", res.Files[0].Lines.Position(d.Span.Start).Line, d.Rule.Code, d.Message))
	}
	return out
}

// codes keeps the "line code" part of lintText's results.
func codes(findings []string) []string {
	var out []string
	for _, f := range findings {
		fields := strings.Fields(f)
		out = append(out, fields[0]+" "+fields[1])
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name     string
		sql      string
		disabled []string
		want     []string // "line code"
	}{
		{
			name: "no suppression",
			sql:  "CREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n",
			want: []string{"1 PS001", "2 PS001"},
		},
		{
			name: "line comment covers the next statement only",
			sql:  "-- pgsafe:ignore PS001 t is empty until this release ships\nCREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n",
			want: []string{"3 PS001"},
		},
		{
			name: "block comment",
			sql:  "/* pgsafe:ignore PS001 t is empty */\nCREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n",
			want: []string{"3 PS001"},
		},
		{
			name: "by name",
			sql:  "-- pgsafe:ignore require-concurrent-index t is empty\nCREATE INDEX a ON t (c);\n",
			want: nil,
		},
		{
			name: "comment between the keywords of the statement above does not count for it",
			sql:  "CREATE INDEX a\n-- pgsafe:ignore PS001 reason\nON t (c);\nCREATE INDEX b ON t (c);\n",
			want: []string{"1 PS001"},
		},
		{
			name: "ignore-file covers every statement, wherever it stands",
			sql:  "CREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n-- pgsafe:ignore-file PS001 t is created empty by the release before\n",
			want: nil,
		},
		{
			name: "ignore-file in a block comment",
			sql:  "/* pgsafe:ignore-file require-concurrent-index\n   t is created empty by the release before */\nCREATE INDEX a ON t (c);\nCREATE INDEX b ON t (c);\n",
			want: nil,
		},
		{
			name: "several rules, one of them used",
			sql:  "-- pgsafe:ignore PS001, unused-suppression reviewed\nCREATE INDEX a ON t (c);\n",
			want: nil,
		},
		{
			name: "missing reason is reported but still suppresses",
			sql:  "-- pgsafe:ignore PS001\nCREATE INDEX a ON t (c);\n",
			want: []string{"1 PS900"},
		},
		{
			name: "no rule named",
			sql:  "-- pgsafe:ignore\nCREATE INDEX a ON t (c);\n",
			want: []string{"1 PS900", "2 PS001"},
		},
		{
			name: "unknown rule",
			sql:  "-- pgsafe:ignore PS999 a typo\nCREATE INDEX a ON t (c);\n",
			want: []string{"1 PS900", "2 PS001"},
		},
		{
			name: "unknown rule beside a known one",
			sql:  "-- pgsafe:ignore PS001, no-such-rule reviewed\nCREATE INDEX a ON t (c);\n",
			want: []string{"1 PS900"},
		},
		{
			name: "unused suppression",
			sql:  "-- pgsafe:ignore PS001 built on an empty table\nCREATE INDEX CONCURRENTLY a ON t (c);\n",
			want: []string{"1 PS901"},
		},
		{
			name: "unused ignore-file",
			sql:  "-- pgsafe:ignore-file PS001 empty\nSELECT 1;\n",
			want: []string{"1 PS901"},
		},
		{
			name: "suppression at the end of the file has no statement",
			sql:  "CREATE INDEX a ON t (c);\n-- pgsafe:ignore PS001 reason\n",
			want: []string{"1 PS001", "2 PS901"},
		},
		{
			name:     "a suppression for a disabled rule is not unused",
			sql:      "-- pgsafe:ignore PS001 empty\nSELECT 1;\n",
			disabled: []string{"PS001"},
			want:     nil,
		},
		{
			name:     "invalid-suppression disabled",
			sql:      "-- pgsafe:ignore PS001\nCREATE INDEX a ON t (c);\n",
			disabled: []string{"invalid-suppression"},
			want:     nil,
		},
		{
			name:     "unused-suppression disabled",
			sql:      "-- pgsafe:ignore PS001 empty\nSELECT 1;\n",
			disabled: []string{"PS901"},
			want:     nil,
		},
		{
			name: "inside a string literal",
			sql:  "SELECT '-- pgsafe:ignore-file PS001 not a comment';\nSELECT '/* pgsafe:ignore PS001 nor this */';\nCREATE INDEX a ON t (c);\n",
			want: []string{"3 PS001"},
		},
		{
			name: "inside a dollar-quoted body",
			sql:  "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n  -- pgsafe:ignore-file PS001 inside the function\n  /* pgsafe:ignore PS001 also inside */\n  NULL;\nEND\n$body$;\nCREATE INDEX a ON t (c);\n",
			want: []string{"8 PS001"},
		},
		{
			name: "inside a quoted identifier",
			sql:  "CREATE TABLE \"-- pgsafe:ignore-file PS001 x\" (c int);\nCREATE INDEX a ON t (c);\n",
			want: []string{"2 PS001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lintText(t, "m.sql", tt.sql, tt.disabled...)
			assert.Equal(t, tt.want, codes(got), "findings: %q", got)
		})
	}
}

func TestMessages(t *testing.T) {
	got := lintText(t, "m.sql", "-- pgsafe:ignore PS001\nCREATE INDEX a ON t (c);\n")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "gives no reason")

	// The reason an editor's "ignore this rule here" action leaves to be
	// replaced is no reason; a reason that merely mentions <...> is one.
	got = lintText(t, "m.sql", "-- pgsafe:ignore PS001 "+suppress.PlaceholderReason+"\nCREATE INDEX a ON t (c);\n")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "still gives the placeholder <say why this is safe here> as its reason")
	got = lintText(t, "m.sql", "-- pgsafe:ignore PS001 the table <users> is empty here\nCREATE INDEX a ON t (c);\n")
	assert.Empty(t, got)

	got = lintText(t, "m.sql", "-- pgsafe:ignore PS999 typo\nCREATE INDEX a ON t (c);\n")
	require.NotEmpty(t, got)
	assert.Contains(t, got[0], `unknown rule "PS999"`)

	got = lintText(t, "m.sql", "-- pgsafe:ignore PS001, require-concurrent-index twice\nSELECT 1;\n")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "pgsafe:ignore PS001, require-concurrent-index suppresses no finding")
}

func TestApplyWithoutKnownRules(t *testing.T) {
	f := migration.ReadSQL("m.sql", "-- pgsafe:ignore\nSELECT 1;\n")
	out := suppress.Apply(f, nil, nil, nil)
	assert.Empty(t, out, "nothing to report with, and no panic")
}
