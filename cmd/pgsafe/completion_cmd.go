package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// completionShells are the shells `pgsafe completion` writes a script for.
func completionShells() []string { return []string{"bash", "zsh", "fish"} }

func completionCommand(e env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "SHELL (bash, zsh or fish)",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("completion needs one shell: %s", strings.Join(completionShells(), ", "))
			}
			tree := completionTree(c.App)
			var script string
			switch shell := c.Args().First(); shell {
			case "bash":
				script = bashCompletion(tree)
			case "zsh":
				script = zshCompletion(tree)
			case "fish":
				script = fishCompletion(tree)
			default:
				msg := fmt.Sprintf("completion: unknown shell %q: want %s", shell, strings.Join(completionShells(), ", "))
				if s := suggest(shell, completionShells()); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				return usageError("%s", msg)
			}
			_, err := fmt.Fprint(e.stdout, script)
			return err
		},
	}
}

// compCommand is a command as the completion scripts see it.
type compCommand struct {
	path  []string // the names from the app down: ["hook", "install"]
	usage string
	flags []compFlag
	subs  []*compCommand
	// args are the values of the positional arguments; nil with files
	// true completes file names, nil without completes nothing.
	args  []string
	files bool
}

// compFlag is a flag as the completion scripts see it.
type compFlag struct {
	names   []string // "format", "f"
	usage   string
	value   bool     // takes a value
	choices []string // its values, when they are a fixed set
	files   bool     // its value is a file or glob
	repeat  bool     // may be given more than once (--select)
}

// completionTree describes app's commands and flags for the scripts: the
// root holds the app's own flags and the commands.
func completionTree(app *cli.App) *compCommand {
	root := &compCommand{flags: compFlags(nil, append(append([]cli.Flag{}, app.Flags...), cli.HelpFlag))}
	for _, c := range app.Commands {
		if !c.Hidden {
			root.subs = append(root.subs, compCmd(nil, c))
		}
	}
	// pgsafe help COMMAND.
	for _, s := range root.subs {
		if s.path[0] == "help" {
			for _, c := range root.subs {
				s.args = append(s.args, c.path[0])
			}
		}
	}
	return root
}

func compCmd(parent []string, c *cli.Command) *compCommand {
	path := append(append([]string{}, parent...), c.Name)
	cc := &compCommand{path: path, usage: plainUsage(c.Usage), flags: compFlags(path, append(append([]cli.Flag{}, c.Flags...), cli.HelpFlag))}
	for _, sub := range c.Subcommands {
		if !sub.Hidden {
			cc.subs = append(cc.subs, compCmd(path, sub))
		}
	}
	switch strings.Join(path, " ") {
	case "lint", "fix", "trace", "baseline", "plan", "init":
		cc.files = true
	case "explain":
		cc.args = ruleKeys()
	case "completion":
		cc.args = completionShells()
	default:
	}
	return cc
}

// rePlaceholder matches the placeholder that urfave/cli reads from a
// flag's usage: `FILE`.
var rePlaceholder = regexp.MustCompile("`([^`]*)`")

// compFlags describes the visible flags among flags, each once (the
// help flag may be listed twice: urfave/cli adds it to commands, and the
// app lists it itself).
func compFlags(path []string, flags []cli.Flag) []compFlag {
	var out []compFlag
	seen := map[string]bool{}
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() || seen[f.Names()[0]] {
			continue
		}
		seen[f.Names()[0]] = true
		usage := ""
		if df, ok := f.(cli.DocGenerationFlag); ok {
			usage = df.GetUsage()
		}
		_, repeat := f.(*cli.StringSliceFlag)
		cf := compFlag{names: f.Names(), usage: plainUsage(usage), value: takesValue(f), repeat: repeat}
		if cf.value {
			cf.choices = flagChoices(path, f.Names()[0])
			if m := rePlaceholder.FindStringSubmatch(usage); m != nil && cf.choices == nil {
				cf.files = strings.Contains(m[1], "FILE") || strings.Contains(m[1], "GLOB") || strings.Contains(m[1], "PATH")
			}
		}
		out = append(out, cf)
	}
	return out
}

// flagChoices returns the fixed set of values of the flag name of the
// command at path, or nil when its values are open.
func flagChoices(path []string, name string) []string {
	switch name {
	case "format":
		if len(path) == 1 && path[0] == "lint" {
			return lintFormats()
		}
		return []string{"text", "json"}
	case "color":
		return []string{"auto", "always", "never"}
	case "fail-on":
		return []string{"hint", "warning", "error", "never"}
	case "framework":
		return append([]string{"auto"}, tool.Names()...)
	case "select", "ignore":
		return ruleKeys()
	case "pg-version":
		var vs []string
		for v := 11; v <= 18; v++ {
			vs = append(vs, fmt.Sprint(v))
		}
		return vs
	default:
		return nil
	}
}

// ruleKeys returns every rule's code and name.
func ruleKeys() []string {
	var out []string
	for _, r := range rules.All() {
		out = append(out, r.Code, r.Name)
	}
	return out
}

// plainUsage returns a usage text without urfave/cli's placeholder
// backticks, on one line.
func plainUsage(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "")), " ")
}

// dashedNames returns the flag's names as written: --format, -f.
func (f compFlag) dashedNames() []string {
	var out []string
	for _, n := range f.names {
		out = append(out, dashed(n))
	}
	return out
}

// walk calls fn on c and every command below it, parents first.
func (c *compCommand) walk(fn func(*compCommand)) {
	fn(c)
	for _, s := range c.subs {
		s.walk(fn)
	}
}

// bashCompletion returns the bash script: a completion function over the
// command words typed so far, falling back to file names (complete -o
// default) where pgsafe reads paths.
func bashCompletion(root *compCommand) string {
	var b strings.Builder
	b.WriteString(`# bash completion for pgsafe.
# Load it in the current shell:  source <(pgsafe completion bash)
# or install it for your user:   pgsafe completion bash > ~/.local/share/bash-completion/completions/pgsafe

_pgsafe() {
    local cur prev word cmd i
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    if (( COMP_CWORD > 0 )); then
        prev="${COMP_WORDS[COMP_CWORD-1]}"
    fi
    # The command (and subcommand) typed so far: the first words that are
    # not flags.
    cmd=""
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${COMP_WORDS[i]}"
        [[ $word == -* ]] && continue
        case "$cmd" in
`)
	b.WriteString("            \"\") cmd=\"$word\" ;;\n")
	root.walk(func(c *compCommand) {
		if len(c.path) > 0 && len(c.subs) > 0 {
			fmt.Fprintf(&b, "            %s) cmd=\"%s $word\" ;;\n", bashQuote(strings.Join(c.path, " ")), strings.Join(c.path, " "))
		}
	})
	b.WriteString(`            *) break ;;
        esac
    done
    case "$cmd" in
`)
	root.walk(func(c *compCommand) {
		fmt.Fprintf(&b, "        %s)\n", bashQuote(strings.Join(c.path, " ")))
		var open []string
		for _, f := range c.flags {
			if !f.value {
				continue
			}
			pat := strings.Join(f.dashedNames(), "|")
			if f.choices != nil {
				fmt.Fprintf(&b, "            case \"$prev\" in %s) COMPREPLY=( $(compgen -W %s -- \"$cur\") ); return 0 ;; esac\n", pat, bashQuote(strings.Join(f.choices, " ")))
			} else {
				open = append(open, pat)
			}
		}
		if len(open) > 0 {
			// A value without a fixed set: files (complete -o default).
			fmt.Fprintf(&b, "            case \"$prev\" in %s) return 0 ;; esac\n", strings.Join(open, "|"))
		}
		fmt.Fprintf(&b, "            if [[ $cur == -* ]]; then\n                COMPREPLY=( $(compgen -W %s -- \"$cur\") )\n", bashQuote(strings.Join(flagWords(c), " ")))
		var positional []string
		for _, s := range c.subs {
			positional = append(positional, s.path[len(s.path)-1])
		}
		positional = append(positional, c.args...)
		if len(positional) > 0 {
			fmt.Fprintf(&b, "            else\n                COMPREPLY=( $(compgen -W %s -- \"$cur\") )\n", bashQuote(strings.Join(positional, " ")))
		}
		b.WriteString("            fi\n            ;;\n")
	})
	b.WriteString(`    esac
    return 0
}

complete -o default -F _pgsafe pgsafe
`)
	return b.String()
}

func flagWords(c *compCommand) []string {
	var out []string
	for _, f := range c.flags {
		out = append(out, f.dashedNames()...)
	}
	return out
}

// bashQuote quotes s for bash in single quotes.
func bashQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// zshCompletion returns the zsh script: a _pgsafe function per command
// built on _arguments, which works both autoloaded from $fpath and
// sourced.
func zshCompletion(root *compCommand) string {
	var b strings.Builder
	b.WriteString(`#compdef pgsafe
# zsh completion for pgsafe.
# Install it where zsh autoloads completions:  pgsafe completion zsh > "${fpath[1]}/_pgsafe"
# or load it in the current shell:            source <(pgsafe completion zsh)

`)
	root.walk(func(c *compCommand) {
		fn := zshFunc(c)
		fmt.Fprintf(&b, "%s() {\n", fn)
		if len(c.subs) > 0 {
			b.WriteString("    local curcontext=\"$curcontext\" state line ret=1\n    typeset -A opt_args\n    local -a commands\n    commands=(\n")
			for _, s := range c.subs {
				fmt.Fprintf(&b, "        %s\n", zshQuote(s.path[len(s.path)-1]+":"+s.usage))
			}
			b.WriteString("    )\n    _arguments -C \\\n")
			for _, f := range c.flags {
				fmt.Fprintf(&b, "        %s \\\n", zshFlagSpec(f))
			}
			b.WriteString("        '1: :->command' \\\n        '*:: :->args' && ret=0\n")
			b.WriteString("    case $state in\n        command)\n            _describe -t commands 'pgsafe command' commands && ret=0\n            ;;\n        args)\n            case $words[1] in\n")
			for _, s := range c.subs {
				fmt.Fprintf(&b, "                %s) %s && ret=0 ;;\n", s.path[len(s.path)-1], zshFunc(s))
			}
			b.WriteString("            esac\n            ;;\n    esac\n    return ret\n}\n\n")
			return
		}
		var specs []string
		for _, f := range c.flags {
			specs = append(specs, zshFlagSpec(f))
		}
		switch {
		case c.args != nil:
			specs = append(specs, zshQuote("*:argument:("+strings.Join(c.args, " ")+")"))
		case c.files:
			specs = append(specs, "'*:path:_files'")
		default:
		}
		b.WriteString("    _arguments \\\n        " + strings.Join(specs, " \\\n        ") + "\n")
		b.WriteString("}\n\n")
	})
	b.WriteString(`if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _pgsafe "$@"
else
    compdef _pgsafe pgsafe
fi
`)
	return b.String()
}

// zshFunc returns the name of the zsh function of the command c.
func zshFunc(c *compCommand) string {
	name := "_pgsafe"
	for _, p := range c.path {
		name += "_" + strings.ReplaceAll(p, "-", "_")
	}
	return name
}

// zshFlagSpec returns the _arguments spec of f, quoted: the names
// exclude each other, the description is in brackets, and a value
// completes from its choices or file names.
func zshFlagSpec(f compFlag) string {
	desc := strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(f.usage)
	var spec string
	if len(f.names) > 1 {
		spec = "(" + strings.Join(f.dashedNames(), " ") + ")"
		spec = zshQuote(spec) + "{" + strings.Join(f.dashedNames(), ",") + "}"
	} else {
		spec = f.dashedNames()[0]
	}
	// A repeatable flag (--select) may be given more than once.
	if f.repeat {
		spec = "'*'" + spec
	}
	rest := "[" + desc + "]"
	if f.value {
		switch {
		case f.choices != nil:
			rest += ":value:(" + strings.Join(f.choices, " ") + ")"
		case f.files:
			rest += ":file:_files"
		default:
			rest += ":value: "
		}
	}
	return spec + zshQuote(rest)
}

// zshQuote quotes s for zsh in single quotes.
func zshQuote(s string) string { return bashQuote(s) }

// fishCompletion returns the fish script: one complete line per command
// and flag, conditioned on the command words typed so far.
func fishCompletion(root *compCommand) string {
	var b strings.Builder
	b.WriteString(`# fish completion for pgsafe.
# Install it for your user:  pgsafe completion fish > ~/.config/fish/completions/pgsafe.fish
# or load it in the current shell:  pgsafe completion fish | source

complete -c pgsafe -f
`)
	root.walk(func(c *compCommand) {
		cond := fishCondition(c)
		for _, s := range c.subs {
			fmt.Fprintf(&b, "complete -c pgsafe -n %s -a %s -d %s\n", fishQuote(cond), fishQuote(s.path[len(s.path)-1]), fishQuote(s.usage))
		}
		for _, f := range c.flags {
			line := "complete -c pgsafe -n " + fishQuote(cond)
			for _, n := range f.names {
				if len([]rune(n)) == 1 {
					line += " -s " + n
				} else {
					line += " -l " + n
				}
			}
			switch {
			case !f.value:
			case f.choices != nil:
				line += " -x -a " + fishQuote(strings.Join(f.choices, " "))
			case f.files:
				line += " -r -F"
			default:
				line += " -x"
			}
			b.WriteString(line + " -d " + fishQuote(f.usage) + "\n")
		}
		switch {
		case c.args != nil:
			fmt.Fprintf(&b, "complete -c pgsafe -n %s -a %s\n", fishQuote(cond), fishQuote(strings.Join(c.args, " ")))
		case c.files:
			fmt.Fprintf(&b, "complete -c pgsafe -n %s -F\n", fishQuote(cond))
		default:
		}
	})
	return b.String()
}

// fishCondition returns the fish condition under which the completions
// of c apply: its command words were typed, and none of its
// subcommands' yet.
func fishCondition(c *compCommand) string {
	if len(c.path) == 0 {
		return "__fish_use_subcommand"
	}
	var parts []string
	for _, p := range c.path {
		parts = append(parts, "__fish_seen_subcommand_from "+p)
	}
	if len(c.subs) > 0 {
		var names []string
		for _, s := range c.subs {
			names = append(names, s.path[len(s.path)-1])
		}
		sort.Strings(names)
		parts = append(parts, "not __fish_seen_subcommand_from "+strings.Join(names, " "))
	}
	return strings.Join(parts, "; and ")
}

// fishQuote quotes s for fish in single quotes, where only \ and ' are
// special.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
