package docgen_test

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/docgen"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

var update = flag.Bool("update", false, "rewrite docs/rules from the rules' documentation")

// docsDir is docs/rules at the root of the module.
var docsDir = filepath.Join("..", "..", "docs", "rules")

// TestDocsUpToDate fails when a page under docs/rules differs from what
// the rules generate. Run `go test ./internal/docgen -update` to rewrite
// them. Pages of retired rules stay: codes are never reused.
func TestDocsUpToDate(t *testing.T) {
	all := rules.All()
	require.NoError(t, rules.Validate(all))
	want := map[string]string{"README.md": docgen.Index(all)}
	for _, r := range all {
		want[r.Code+".md"] = docgen.Page(r)
	}
	if *update {
		require.NoError(t, os.MkdirAll(docsDir, 0o755))
		for name, text := range want {
			require.NoError(t, os.WriteFile(filepath.Join(docsDir, name), []byte(text), 0o644))
		}
		return
	}
	for name, text := range want {
		got, err := os.ReadFile(filepath.Join(docsDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("docs/rules/%s is missing; run `go test ./internal/docgen -update`", name)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, text, string(got), "docs/rules/%s is stale; run `go test ./internal/docgen -update`", name)
	}
}

func TestPage(t *testing.T) {
	r := &rules.Rule{
		Code: "PS123", Name: "some-rule", Severity: rules.Warning, FixAvailability: rules.FixSometimes,
		Doc: rules.Doc{
			Summary: "Summary.", Why: "Why.", Bad: "\nBAD;\n", Good: "GOOD;", Help: "help",
			Locks: "SHARE for the build.", FixSafety: "Safe.", Versions: "From 12.", CatalogRows: []int{3, 4},
		},
	}
	want := "# PS123 some-rule\n\nSummary.\n\n- Default severity: `warning`\n" +
		"- Fix: `sometimes`: `pgsafe fix` applies it to some statements and shows a recipe for the others, or its safety depends on the statement; see Fix safety\n" +
		"- Locks: SHARE for the build.\n\n" +
		"## Why\n\nWhy.\n\n## Bad\n\n```sql\nBAD;\n```\n\n## Good\n\n```sql\nGOOD;\n```\n\n" +
		"## How to fix\n\nhelp\n\n## Fix safety\n\nSafe.\n\n## PostgreSQL versions\n\nFrom 12.\n\n" +
		"## Suppress\n\n```sql\n-- pgsafe:ignore some-rule <reason>\n```\n"
	assert.Equal(t, want, docgen.Page(r))

	bare := &rules.Rule{Code: "PS124", Name: "bare", Severity: rules.Hint, FixAvailability: rules.FixNone, Doc: rules.Doc{Summary: "S.", Why: "W.", Help: "h", FixSafety: "No fix."}}
	page := docgen.Page(bare)
	assert.Contains(t, page, "- Fix: `none`: the findings carry no fix\n")
	for _, absent := range []string{"## Bad", "## Good", "## PostgreSQL versions", "Hazard catalog rows", "- Locks:"} {
		assert.NotContains(t, page, absent)
	}
}

func TestIndexLinksEveryRule(t *testing.T) {
	all := rules.All()
	index := docgen.Index(all)
	for _, r := range all {
		assert.Contains(t, index, "| ["+r.Code+"]("+r.Code+".md) | `"+r.Name+"` | "+r.Severity.String()+" | "+string(r.FixAvailability)+" |")
	}
	assert.Equal(t, len(all), strings.Count(index, "\n| ["))
}

func TestIndexEscapesCells(t *testing.T) {
	r := &rules.Rule{Code: "PS125", Name: "pipes", Severity: rules.Hint, Doc: rules.Doc{Summary: "a | b\nc"}}
	assert.Contains(t, docgen.Index([]*rules.Rule{r}), `| a \| b c |`)
}

// TestFrameworksDocUpToDate fails when the table of tools in
// docs/frameworks.md differs from what the tools' descriptions generate.
func TestFrameworksDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "frameworks.md")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	want, ok := docgen.WithTools(string(b), tool.All())
	require.True(t, ok, "docs/frameworks.md has no %s ... %s part", docgen.ToolsBegin, docgen.ToolsEnd)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, string(b), "docs/frameworks.md is stale; run `go test ./internal/docgen -update`")
	for _, tl := range tool.All() {
		d := tl.Doc
		for what, v := range map[string]string{"Detected": d.Detected, "Files": d.Files, "Downs": d.Downs, "Runs": d.Runs, "Leave": d.Leave, "Refuses": d.Refuses} {
			assert.NotEmpty(t, v, "%s has no Doc.%s", tl.Name, what)
		}
		assert.NotEmpty(t, tl.Cite, "%s cites no source", tl.Name)
	}
}
