package config_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// schemaPath is the JSON Schema of .pgsafe.toml that editors read.
var schemaPath = filepath.Join("..", "..", "docs", "pgsafe.schema.json")

// loadSchema returns the schema compiled, and its raw document.
func loadSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	const url = "https://pgsafe.test/pgsafe.schema.json"
	require.NoError(t, c.AddResource(url, doc))
	s, err := c.Compile(url)
	require.NoError(t, err)
	return s, doc.(map[string]any)
}

// schemaValid reports whether the TOML text is valid against s.
func schemaValid(t *testing.T, s *jsonschema.Schema, text string) error {
	t.Helper()
	var v map[string]any
	_, err := toml.Decode(text, &v)
	require.NoError(t, err, text)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return s.Validate(inst)
}

// tomlLine returns `key = value` for a value decoded from JSON.
func tomlLine(t *testing.T, key string, v any) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, toml.NewEncoder(&buf).Encode(map[string]any{key: fromJSON(v)}))
	return buf.String()
}

// fromJSON turns the json.Number values of a decoded JSON document into
// integers, as TOML writes them.
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromJSON(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = fromJSON(e)
		}
		return out
	default:
		return v
	}
}

// TestSchemaKeysMatchLoader checks that the schema describes exactly the
// keys the loader accepts.
func TestSchemaKeysMatchLoader(t *testing.T) {
	_, doc := loadSchema(t)
	props := doc["properties"].(map[string]any)
	var inSchema []string
	for k := range props {
		inSchema = append(inSchema, k)
	}
	keys := config.Keys()
	sort.Strings(inSchema)
	sorted := append([]string{}, keys...)
	sort.Strings(sorted)
	assert.Equal(t, sorted, inSchema, "docs/pgsafe.schema.json and config.Keys() name the same keys")
	assert.Equal(t, false, doc["additionalProperties"], "the schema refuses unknown keys, as the loader does")

	// The loader knows each key: a key it did not know would be an
	// "unknown key" error whatever its value.
	for _, k := range keys {
		_, err := config.Parse("x.toml", k+" = 0\n")
		if err != nil {
			assert.NotContains(t, err.Error(), "unknown key", k)
		}
	}
	_, err := config.Parse("x.toml", "no-such-key = 1\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown key")
}

// TestSchemaExamplesLoad checks that every example value in the schema
// loads, and is valid against the schema itself.
func TestSchemaExamplesLoad(t *testing.T) {
	s, doc := loadSchema(t)
	for key, p := range doc["properties"].(map[string]any) {
		examples, _ := p.(map[string]any)["examples"].([]any)
		require.NotEmpty(t, examples, "%s has examples", key)
		for _, ex := range examples {
			text := tomlLine(t, key, ex)
			_, err := config.Parse("x.toml", text)
			assert.NoError(t, err, "the loader accepts %s", text)
			assert.NoError(t, schemaValid(t, s, text), "the schema accepts %s", text)
		}
	}
}

// TestSchemaAgreesWithLoaderOnBadValues checks values that the loader
// refuses against the schema: it refuses them too.
func TestSchemaAgreesWithLoaderOnBadValues(t *testing.T) {
	s, _ := loadSchema(t)
	for _, text := range []string{
		"pg-version = 10",
		"pg-version = 19",
		`pg-version = "15"`,
		`select = "PS001"`,
		`severity = { PS001 = "fatal" }`,
		"include-down = 1",
		`down-migrations = "sometimes"`,
		"down-migrations = \"skip\"\ninclude-down = false",
		`fail-on = "sometimes"`,
		`lock-timeout = "soon"`,
		`statement-timeout = "5 minutes"`,
		"batch-size = 0",
		`type-change-drop = "later"`,
		`max-file-size = "big"`,
		`max-file-size = "64MB"`,
		"schema = \"s.sql\"\ndatabase-url = \"postgres://x\"",
		"lock_timeout = \"2s\"",
	} {
		_, err := config.Parse("x.toml", text+"\n")
		assert.Error(t, err, "the loader refuses %s", text)
		assert.Error(t, schemaValid(t, s, text), "the schema refuses %s", text)
	}
	// Tool names are checked when the settings are resolved, by
	// tool.Lookup.
	_, err := tool.Lookup("rails")
	require.Error(t, err)
	for _, text := range []string{`framework = "rails"`, `frameworks = { "db" = "rails" }`} {
		assert.Error(t, schemaValid(t, s, text), "the schema refuses %s", text)
	}
}

// TestSchemaFrameworks checks that the schema's tool names are the
// loader's.
func TestSchemaFrameworks(t *testing.T) {
	_, doc := loadSchema(t)
	props := doc["properties"].(map[string]any)
	want := append([]any{"auto"}, toAny(tool.Names())...)
	assert.ElementsMatch(t, want, props["framework"].(map[string]any)["enum"])
	assert.ElementsMatch(t, want, props["frameworks"].(map[string]any)["additionalProperties"].(map[string]any)["enum"])
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TestDocumentedExampleIsValid checks the example in
// docs/configuration.md against the loader and the schema.
func TestDocumentedExampleIsValid(t *testing.T) {
	s, _ := loadSchema(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```toml\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, m, "docs/configuration.md has a toml example")
	for _, block := range m {
		text := block[1]
		_, err := config.Parse("example.toml", text)
		assert.NoError(t, err, text)
		assert.NoError(t, schemaValid(t, s, text), text)
	}
}
