package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/source"
)

// configGroup is the part of lint's inputs that one config governs: the
// inputs whose nearest .pgsafe.toml it is. Each group is linted as a
// migration set of its own, with its own settings, and the findings of
// all of them make one report.
type configGroup struct {
	// path is the absolute path of the .pgsafe.toml, "" for none.
	path string
	// cfg is the config read from path.
	cfg *config.Config
	// args are the inputs: those given on the command line whose nearest
	// config is path, and the folders under them that hold a config of
	// their own (for that config's group).
	args []string
	// flag reports that --config named the config: it governs every
	// input.
	flag bool
}

// skipDirs are folders that are never searched for configs: they hold
// no migrations.
var skipDirs = map[string]bool{".git": true}

// configGroups splits lint's inputs by the config nearest to each, as
// ruff finds a file's config: from the input's folder upward; and a folder
// given as input that holds a folder with a .pgsafe.toml of its own (a
// monorepo's db/.pgsafe.toml, linted from the root) hands that folder to
// that config's group. With --config, one group reads every input under
// that config. Groups come in the order of their first input.
func configGroups(c *cli.Context, e env) ([]*configGroup, error) {
	args := c.Args().Slice()
	if flag := c.String("config"); flag != "" {
		cfg, err := loadConfig(flag, args, c.String("stdin-filename"), e)
		if err != nil {
			return nil, err
		}
		return []*configGroup{{path: cfg.Path, cfg: cfg, args: args, flag: true}}, nil
	}
	var groups []*configGroup
	byPath := map[string]*configGroup{}
	group := func(path string) (*configGroup, error) {
		if g := byPath[path]; g != nil {
			return g, nil
		}
		cfg := &config.Config{}
		if path != "" {
			var err error
			if cfg, err = config.LoadAs(path, displayPath(path, e)); err != nil {
				return nil, &exitError{code: exitUsage, err: err}
			}
		}
		g := &configGroup{path: path, cfg: cfg}
		byPath[path] = g
		groups = append(groups, g)
		return g, nil
	}
	for _, arg := range args {
		g, err := group(config.Find(searchDir(arg, c.String("stdin-filename"), e.workdir)))
		if err != nil {
			return nil, err
		}
		g.args = append(g.args, arg)
		for _, dir := range nestedConfigDirs(arg, e.workdir) {
			path := filepath.Join(absPath(dir, e.workdir), config.FileName)
			if path == g.path {
				continue
			}
			inner, err := group(path)
			if err != nil {
				return nil, err
			}
			inner.args = append(inner.args, dir)
		}
	}
	return groups, nil
}

// nestedConfigDirs returns the folders under the folder arg (as arg
// names them) that hold a .pgsafe.toml, outermost first; none when arg is
// not a folder.
func nestedConfigDirs(arg, workdir string) []string {
	if arg == "-" || strings.ContainsAny(arg, "*?[{") {
		return nil
	}
	root := absPath(arg, workdir)
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil
	}
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // unreadable folders are reported when the files are read
		}
		if p != root && skipDirs[d.Name()] {
			return filepath.SkipDir
		}
		if p == root {
			return nil
		}
		if info, err := os.Lstat(filepath.Join(p, config.FileName)); err == nil && info.Mode().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.Join(arg, rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// own returns the files of g: those whose nearest config is g's, leaving
// out those of the run's other groups (all holds every group's config
// path), which are linted there. A file under a config that no group
// holds (a glob reaching into another migration set) is an error, as lint
// cannot read it under the right settings. With --config, every file is
// g's.
func (g *configGroup) own(c *cli.Context, files []source.File, all map[string]bool, e env) ([]source.File, error) {
	if g.flag {
		return files, nil
	}
	nearest := map[string]string{} // by folder
	out := files[:0:0]
	for _, f := range files {
		if f.Path == "-" || f.Path == "<stdin>" || f.Path == c.String("stdin-filename") {
			out = append(out, f)
			continue
		}
		dir := filepath.Dir(absPath(f.Path, e.workdir))
		got, ok := nearest[dir]
		if !ok {
			got = config.Find(dir)
			nearest[dir] = got
		}
		switch {
		case got == g.path:
			out = append(out, f)
		case all[got]:
			// Linted in the group of its own config.
		default:
			return nil, usageError("%s is under %s, but this run reads %s: lint that folder in a run of its own, or name one config with --config", f.Path, configName(got, e), configName(g.path, e))
		}
	}
	return out, nil
}
