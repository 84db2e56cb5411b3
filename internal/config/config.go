// Package config reads .pgsafe.toml.
//
// Every problem in a file is reported as an *Error that names the file and,
// where the key can be found, the line that sets it.
package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/bmatcuk/doublestar/v4"

	"github.com/pgsafe/pgsafe/internal/source"
)

// FileName is the name searched for from the working directory upwards.
const FileName = ".pgsafe.toml"

// Config is the content of a .pgsafe.toml file. Zero values mean "not set".
type Config struct {
	// PGVersion is the target PostgreSQL major version, 11 to 18.
	PGVersion int `toml:"pg-version"`
	// Framework names the migration tool, or "auto".
	Framework string `toml:"framework"`
	// Frameworks maps doublestar globs, relative to Dir, of the migration
	// folders or files to the tools that run them; they win over
	// Framework. FrameworkOrder lists the globs in file order.
	Frameworks     map[string]string `toml:"frameworks"`
	FrameworkOrder []string          `toml:"-"`
	// Select lists the only rules to run, by code or name.
	Select []string `toml:"select"`
	// Ignore lists rules not to run, by code or name.
	Ignore []string `toml:"ignore"`
	// Severity maps a rule code or name to "hint", "warning" or "error".
	Severity map[string]string `toml:"severity"`
	// Exclude holds doublestar globs of paths to skip.
	Exclude []string `toml:"exclude"`
	// IncludeDown is nil when unset; false leaves down migrations out.
	// DownMigrations supersedes it.
	IncludeDown *bool `toml:"include-down"`
	// DownMigrations says what lint does with down migrations: "lint"
	// (report them like the ups), "warn-only" (report them, at warning at
	// most) or "skip" (leave them out); "" when unset.
	DownMigrations string `toml:"down-migrations"`
	// FailOn is "hint", "warning", "error" or "never".
	FailOn string `toml:"fail-on"`
	// LockTimeout is the lock_timeout value fixes write, e.g. "2s".
	LockTimeout string `toml:"lock-timeout"`
	// StatementTimeout is the statement_timeout value fixes write.
	StatementTimeout string `toml:"statement-timeout"`
	// BatchSize is the number of rows per batch in backfill fixes.
	BatchSize int `toml:"batch-size"`
	// TypeChangeDrop says where the online rewrite of a column type
	// change drops the old column: "swap" (in the swap's transaction) or
	// "contract" (in a contract migration); "" when unset (swap).
	TypeChangeDrop string `toml:"type-change-drop"`
	// Queries holds doublestar globs of the application's SQL files,
	// relative to Dir.
	Queries []string `toml:"queries"`
	// Code holds doublestar globs of the application's Go files, relative
	// to Dir, whose SQL is checked like the query files'.
	Code []string `toml:"code"`
	// Schema is a pg_dump --schema-only file the migrations start from,
	// relative to Dir.
	Schema string `toml:"schema"`
	// DatabaseURL names a database whose schema the migrations start from.
	DatabaseURL string `toml:"database-url"`
	// ChangedSince is a git ref: lint reports only on the migrations
	// changed since it, and they form one release window; the
	// --changed-since flag wins.
	ChangedSince string `toml:"changed-since"`
	// MaxFileSize is the size limit on an input, such as "64MiB"; see
	// source.ParseSize.
	MaxFileSize string `toml:"max-file-size"`
	// ReleaseTag is a glob of the git tags that mark releases, such as
	// "v*": a migration has shipped once such a tag holds it.
	ReleaseTag string `toml:"release-tag"`
	// ContractReleases is how many releases must hold an expand
	// migration before its contract migration may ship; 0 when unset
	// (one).
	ContractReleases int `toml:"contract-releases"`
	// Stats is a production snapshot (`pgsafe stats` output), relative to
	// Dir: lock findings on its tables carry their size, traffic and
	// estimated blocking time.
	Stats string `toml:"stats"`
	// BlockThreshold is the estimated block below which an error whose
	// hazard is how long it blocks becomes a hint, such as "1s"; "" when
	// unset (1s). See BlockThresholdDuration.
	BlockThreshold string `toml:"block-threshold"`
	// CostModel is a cost model written by the calibration command,
	// relative to Dir; "" for the model pgsafe embeds.
	CostModel string `toml:"cost-model"`

	// Path is the file the config was read from, "" for none.
	Path string `toml:"-"`
	// Dir is the absolute folder of the file, which the paths it names are
	// relative to; "" for none.
	Dir  string `toml:"-"`
	text string
	set  map[string]bool // top-level keys the file sets
}

// Keys returns every top-level key a config file may set, in the order
// the documentation lists them. docs/pgsafe.schema.json describes the
// same keys; a test keeps the two in step.
func Keys() []string {
	return []string{"pg-version", "framework", "frameworks", "select", "ignore", "severity", "exclude", "down-migrations", "include-down", "fail-on", "lock-timeout", "statement-timeout", "batch-size", "type-change-drop", "queries", "code", "schema", "database-url", "changed-since", "release-tag", "contract-releases", "stats", "block-threshold", "cost-model", "max-file-size"}
}

// Error is a problem in a config file, placed at a line.
type Error struct {
	Path string
	Line int // 1-based; 0 when unknown
	Msg  string
	// Start and Len are the bytes of the file that the error is about,
	// when known (a TOML syntax error); Len is 0 otherwise.
	Start, Len int
}

// Error implements error as "path:line: message".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Find returns the path of the nearest .pgsafe.toml in dir or its
// parents, or "" when there is none. A relative dir is taken from the
// process's working directory.
func Find(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for {
		p := filepath.Join(dir, FileName)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	return LoadAs(path, path)
}

// LoadAs reads and validates the config file at path, naming it display
// in errors (a path relative to the working directory, say). It reads the
// file as inputs are read: a named pipe or a device in its place is
// refused, not opened (the file is searched for in every folder above the
// working directory, so a repository could plant one).
func LoadAs(path, display string) (*Config, error) {
	f, err := source.ReadFile(context.Background(), path, source.Options{})
	if err != nil {
		var se *source.Error
		if errors.As(err, &se) {
			err = se.Err
		}
		return nil, &Error{Path: display, Msg: err.Error()}
	}
	c, err := Parse(display, f.Text)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		c.Dir = filepath.Dir(abs)
	}
	return c, nil
}

// Rel returns path, a path the file names, relative to the file's folder
// when the file has one and path is relative.
func (c *Config) Rel(path string) string {
	if c.Dir == "" || path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// Parse decodes and validates config text; path is used in errors.
func Parse(path, text string) (*Config, error) {
	c := &Config{Path: path, text: text, set: map[string]bool{}}
	var raw map[string]toml.Primitive
	md, err := toml.Decode(text, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			// The parser counts a newline it stops at as the start of the
			// next line; place the error on the line that holds the byte.
			line := pe.Position.Line
			if pe.Position.Start >= 0 && pe.Position.Start < len(text) {
				line = strings.Count(text[:pe.Position.Start], "\n") + 1
			}
			e := &Error{Path: path, Line: line, Msg: pe.Message}
			if pe.Position.Start >= 0 && pe.Position.Start+pe.Position.Len <= len(text) {
				e.Start, e.Len = pe.Position.Start, pe.Position.Len
			}
			return nil, e
		}
		return nil, c.errorAt(err.Error())
	}
	// Decode key by key, in file order, so that a bad value is reported at
	// the line of its key.
	for _, k := range md.Keys() {
		key := k[0]
		if c.set[key] {
			continue
		}
		c.set[key] = true
		if err := c.decode(md, key, raw[key]); err != nil {
			return nil, err
		}
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// decode decodes the value of the top-level key into c.
func (c *Config) decode(md toml.MetaData, key string, v toml.Primitive) error {
	var dst any
	var want string
	switch key {
	case "pg-version":
		dst, want = &c.PGVersion, "an integer from 11 to 18"
	case "framework":
		dst, want = &c.Framework, "a string"
	case "select":
		dst, want = &c.Select, "an array of rule codes or names"
	case "ignore":
		dst, want = &c.Ignore, "an array of rule codes or names"
	case "exclude":
		dst, want = &c.Exclude, "an array of glob strings"
	case "include-down":
		dst, want = &c.IncludeDown, "true or false"
	case "down-migrations":
		dst, want = &c.DownMigrations, `"lint", "warn-only" or "skip"`
	case "fail-on":
		dst, want = &c.FailOn, `"hint", "warning", "error" or "never"`
	case "lock-timeout":
		dst, want = &c.LockTimeout, `a duration string such as "2s"`
	case "statement-timeout":
		dst, want = &c.StatementTimeout, `a duration string such as "5min"`
	case "batch-size":
		dst, want = &c.BatchSize, "a positive integer"
	case "type-change-drop":
		dst, want = &c.TypeChangeDrop, `"swap" or "contract"`
	case "queries":
		dst, want = &c.Queries, "an array of glob strings"
	case "code":
		dst, want = &c.Code, "an array of glob strings"
	case "schema":
		dst, want = &c.Schema, "a file path string"
	case "database-url":
		dst, want = &c.DatabaseURL, "a connection URL string"
	case "changed-since":
		dst, want = &c.ChangedSince, "a git ref string"
	case "max-file-size":
		dst, want = &c.MaxFileSize, `a size string such as "64MiB"`
	case "release-tag":
		dst, want = &c.ReleaseTag, `a git tag glob such as "v*"`
	case "contract-releases":
		dst, want = &c.ContractReleases, "a positive integer"
	case "stats":
		dst, want = &c.Stats, "a file path string"
	case "block-threshold":
		dst, want = &c.BlockThreshold, `a duration string such as "1s"`
	case "cost-model":
		dst, want = &c.CostModel, "a file path string"
	case "severity":
		return c.decodeSeverity(md, v)
	case "frameworks":
		return c.decodeFrameworks(md, v)
	default:
		return c.errorAt(fmt.Sprintf("unknown key %q (known: %s)", key, strings.Join(Keys(), ", ")), key)
	}
	if err := md.PrimitiveDecode(v, dst); err != nil {
		return c.errorAt(fmt.Sprintf("%s must be %s, not %s", key, want, typeName(md, key)), key)
	}
	return nil
}

// decodeSeverity decodes the [severity] table, entry by entry.
func (c *Config) decodeSeverity(md toml.MetaData, v toml.Primitive) error {
	var entries map[string]toml.Primitive
	// PrimitiveDecode accepts any non-table value as an empty map, so
	// check the type first; a table made by dotted keys has no type.
	if t := md.Type("severity"); (t != "" && t != "Hash" && t != "Inline Table") || md.PrimitiveDecode(v, &entries) != nil {
		return c.errorAt(fmt.Sprintf(`severity must be a table of rule = "hint", "warning" or "error", not %s`, typeName(md, "severity")), "severity")
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.lineOf("severity", keys[i]) < c.lineOf("severity", keys[j]) })
	c.Severity = make(map[string]string, len(entries))
	for _, k := range keys {
		var s string
		if err := md.PrimitiveDecode(entries[k], &s); err != nil {
			return c.errorAt(fmt.Sprintf(`severity of %s must be "hint", "warning" or "error", not %s`, k, typeName(md, "severity", k)), "severity", k)
		}
		switch s {
		case "hint", "warning", "error":
		default:
			return c.errorAt(fmt.Sprintf(`severity of %s must be "hint", "warning" or "error", not %q`, k, s), "severity", k)
		}
		c.Severity[k] = s
	}
	return nil
}

// decodeFrameworks decodes the [frameworks] table: glob = "tool".
func (c *Config) decodeFrameworks(md toml.MetaData, v toml.Primitive) error {
	var entries map[string]toml.Primitive
	if t := md.Type("frameworks"); (t != "" && t != "Hash" && t != "Inline Table") || md.PrimitiveDecode(v, &entries) != nil {
		return c.errorAt(fmt.Sprintf(`frameworks must be a table of "glob" = "tool", not %s`, typeName(md, "frameworks")), "frameworks")
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.lineOf("frameworks", keys[i]) < c.lineOf("frameworks", keys[j]) })
	c.Frameworks = make(map[string]string, len(entries))
	for _, k := range keys {
		var s string
		if err := md.PrimitiveDecode(entries[k], &s); err != nil {
			return c.errorAt(fmt.Sprintf("frameworks: the tool for %q must be a string, not %s", k, typeName(md, "frameworks", k)), "frameworks", k)
		}
		if !doublestar.ValidatePattern(k) {
			return c.errorAt(fmt.Sprintf("frameworks: bad glob pattern %q", k), "frameworks", k)
		}
		c.Frameworks[k] = s
		c.FrameworkOrder = append(c.FrameworkOrder, k)
	}
	return nil
}

// reDuration matches the durations PostgreSQL accepts for lock_timeout and
// statement_timeout: a number with an optional unit (milliseconds without).
var reDuration = regexp.MustCompile(`^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$`)

// validate checks the values that decoding alone cannot.
func (c *Config) validate() error {
	if (c.PGVersion != 0 || c.set["pg-version"]) && (c.PGVersion < 11 || c.PGVersion > 18) {
		return c.errorAt(fmt.Sprintf("pg-version %d is out of range (11 to 18)", c.PGVersion), "pg-version")
	}
	if c.BatchSize < 0 || (c.BatchSize == 0 && c.set["batch-size"]) {
		return c.errorAt(fmt.Sprintf("batch-size must be a positive integer, not %d", c.BatchSize), "batch-size")
	}
	switch c.TypeChangeDrop {
	case "", "swap", "contract":
	default:
		return c.errorAt(fmt.Sprintf(`type-change-drop must be "swap" or "contract", not %q`, c.TypeChangeDrop), "type-change-drop")
	}
	switch c.DownMigrations {
	case "", "lint", "warn-only", "skip":
	default:
		return c.errorAt(fmt.Sprintf(`down-migrations must be "lint", "warn-only" or "skip", not %q`, c.DownMigrations), "down-migrations")
	}
	if c.set["down-migrations"] && c.set["include-down"] {
		return c.errorAt(`include-down and down-migrations both say what to do with down migrations; keep down-migrations (include-down = false is down-migrations = "skip")`, "include-down")
	}
	switch c.FailOn {
	case "", "hint", "warning", "error", "never":
	default:
		return c.errorAt(fmt.Sprintf(`fail-on must be "hint", "warning", "error" or "never", not %q`, c.FailOn), "fail-on")
	}
	for _, kv := range [][2]string{{"lock-timeout", c.LockTimeout}, {"statement-timeout", c.StatementTimeout}} {
		key, v := kv[0], kv[1]
		if !c.set[key] {
			continue
		}
		if !reDuration.MatchString(strings.TrimSpace(v)) || strings.Trim(v, "0.usmindh ") == "" {
			return c.errorAt(fmt.Sprintf(`%s must be a positive duration such as "2s", "500ms" or "1min", not %q`, key, v), key)
		}
	}
	for _, list := range []struct {
		key  string
		pats []string
	}{{"exclude", c.Exclude}, {"queries", c.Queries}, {"code", c.Code}} {
		for _, pat := range list.pats {
			if !doublestar.ValidatePattern(pat) {
				return c.errorAt(fmt.Sprintf("%s: bad glob pattern %q", list.key, pat), list.key)
			}
		}
	}
	if c.set["max-file-size"] {
		if _, err := source.ParseSize(c.MaxFileSize); err != nil {
			return c.errorAt("max-file-size: "+err.Error(), "max-file-size")
		}
	}
	if c.set["release-tag"] && (c.ReleaseTag == "" || strings.HasPrefix(c.ReleaseTag, "-")) {
		return c.errorAt(fmt.Sprintf(`release-tag must be a git tag glob such as "v*", not %q`, c.ReleaseTag), "release-tag")
	}
	if c.ContractReleases < 0 || (c.ContractReleases == 0 && c.set["contract-releases"]) {
		return c.errorAt(fmt.Sprintf("contract-releases must be a positive integer, not %d", c.ContractReleases), "contract-releases")
	}
	if c.set["schema"] && c.set["database-url"] {
		return c.errorAt("schema and database-url both name a starting schema; keep one", "database-url")
	}
	if c.set["block-threshold"] {
		if _, err := ParseThreshold(c.BlockThreshold); err != nil {
			return c.errorAt("block-threshold: "+err.Error(), "block-threshold")
		}
	}
	return nil
}

// reThreshold matches a block threshold: a number and a unit.
var reThreshold = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)\s*$`)

// ParseThreshold parses a block threshold such as "1s", "500ms", "2min"
// or "1h": a positive number and a unit, ms, s, min or h.
func ParseThreshold(s string) (time.Duration, error) {
	m := reThreshold.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf(`want a positive duration with a unit, such as "1s", "500ms" or "2min", not %q`, s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf(`want a positive duration with a unit, such as "1s", "500ms" or "2min", not %q`, s)
	}
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "min": time.Minute, "h": time.Hour}[m[2]]
	return time.Duration(n * float64(unit)), nil
}

// typeName describes the TOML type of the value at key for messages.
func typeName(md toml.MetaData, key ...string) string {
	switch t := md.Type(key...); t {
	case "String":
		return "a string"
	case "Integer":
		return "an integer"
	case "Float":
		return "a number with a fraction"
	case "Boolean":
		return "a boolean"
	case "Array":
		return "an array, or an array holding other types"
	case "Hash", "Inline Table":
		return "a table"
	case "":
		return "this value"
	default:
		return "a " + strings.ToLower(t)
	}
}

// ErrorAt returns an Error with msg, placed at the line that sets the
// dotted key path (as in "severity", "PS001"), for checks made after
// parsing such as an unknown rule name.
func (c *Config) ErrorAt(msg string, key ...string) error { return c.errorAt(msg, key...) }

func (c *Config) errorAt(msg string, key ...string) *Error {
	return &Error{Path: c.Path, Line: c.lineOf(key...), Msg: msg}
}

// lineOf returns the 1-based line that sets the key path (or a key under
// it), or the line of its closest enclosing table or key; 0 when none is
// found. It reads table
// headers, dotted and quoted keys; it does not parse values, so the text
// of a multi-line string could match.
func (c *Config) lineOf(path ...string) int {
	if len(path) == 0 {
		return 0
	}
	// The first line that sets the path or a key under it wins; failing
	// that, the line of the deepest enclosing table or key.
	best, bestLen := 0, 0
	var table []string
	for i, line := range strings.Split(c.text, "\n") {
		line = strings.TrimSpace(line)
		var full []string
		switch {
		case strings.HasPrefix(line, "["):
			name := strings.TrimLeft(line, "[")
			if end := strings.Index(name, "]"); end >= 0 {
				name = name[:end]
			}
			table = splitKey(name)
			full = table
		case strings.Contains(line, "=") && !strings.HasPrefix(line, "#"):
			k, _, _ := strings.Cut(line, "=")
			full = append(append([]string{}, table...), splitKey(k)...)
		default:
			continue
		}
		n := commonPrefix(full, path)
		if n == len(path) {
			return i + 1
		}
		if n == len(full) && n > bestLen { // an enclosing table or key
			best, bestLen = i+1, n
		}
	}
	return best
}

// splitKey splits a TOML key such as `a."b.c" . d` into its parts.
func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(k); i++ {
		ch := k[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
