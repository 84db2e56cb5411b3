// Package config reads .pgsafe.toml.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the name searched for from the working directory upwards.
const FileName = ".pgsafe.toml"

// Config is the content of a .pgsafe.toml file. Zero values mean "not set".
type Config struct {
	PGVersion        int               `toml:"pg-version"`
	Framework        string            `toml:"framework"`
	Select           []string          `toml:"select"`
	Ignore           []string          `toml:"ignore"`
	Severity         map[string]string `toml:"severity"`
	Exclude          []string          `toml:"exclude"`
	IncludeDown      *bool             `toml:"include-down"`
	FailOn           string            `toml:"fail-on"`
	LockTimeout      string            `toml:"lock-timeout"`
	StatementTimeout string            `toml:"statement-timeout"`
	BatchSize        int               `toml:"batch-size"`

	// Path is the file the config was read from, "" for none.
	Path string `toml:"-"`
	text string
}

// Error is a problem in a config file, placed at a line.
type Error struct {
	Path string
	Line int // 1-based; 0 when unknown
	Msg  string
}

// Error implements error as "path:line: message".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Find returns the path of the nearest .pgsafe.toml in dir or its
// parents, or "" when there is none.
func Find(dir string) string {
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
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	return Parse(path, string(b))
}

// Parse decodes and validates config text; path is used in errors.
func Parse(path, text string) (*Config, error) {
	c := &Config{Path: path, text: text}
	md, err := toml.Decode(text, c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Path: path, Line: pe.Position.Line, Msg: pe.Message}
		}
		return nil, c.errorAt("", err.Error())
	}
	for _, k := range md.Undecoded() {
		key := k.String()
		if len(k) > 1 && k[0] == "severity" {
			continue // reported with the severity checks below
		}
		return nil, c.errorAt(k[len(k)-1], fmt.Sprintf("unknown key %q (known: pg-version, framework, select, ignore, severity, exclude, include-down, fail-on, lock-timeout, statement-timeout, batch-size)", key))
	}
	if c.PGVersion != 0 && (c.PGVersion < 11 || c.PGVersion > 18) {
		return nil, c.errorAt("pg-version", fmt.Sprintf("pg-version %d is out of range (11 to 18)", c.PGVersion))
	}
	if c.BatchSize < 0 {
		return nil, c.errorAt("batch-size", "batch-size must be positive")
	}
	return c, nil
}

// ErrorAt returns an Error placed at the line that sets key, for checks
// made after parsing (an unknown rule name, say).
func (c *Config) ErrorAt(key, msg string) error { return c.errorAt(key, msg) }

func (c *Config) errorAt(key, msg string) *Error {
	return &Error{Path: c.Path, Line: c.lineOf(key), Msg: msg}
}

// lineOf finds the line where key is set, 0 when it cannot be found.
func (c *Config) lineOf(key string) int {
	if key == "" {
		return 0
	}
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for i, line := range strings.Split(c.text, "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}
