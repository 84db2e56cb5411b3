package tool

import (
	"path/filepath"
	"regexp"
	"strings"
)

// Atlas is ariga/atlas versioned migrations: VERSION_NAME.sql files with
// an atlas.sum beside them, each file in one transaction unless it says
// -- atlas:txmode none.
var Atlas = &Tool{
	Name:  "atlas",
	About: "Atlas versioned migrations (`atlas migrate apply`): `VERSION_NAME.sql` files and `atlas.sum`; each file in one transaction by default, statement by statement with `-- atlas:txmode none`.",
	Doc: Doc{
		Detected: "`atlas.sum` in the folder, or an `-- atlas:` directive",
		Files:    "`VERSION_NAME.sql`, names compared as strings; `atlas.sum` hashes the folder",
		Downs:    "none (the community CLI has no `migrate down`)",
		Runs:     "statement by statement, each file in one transaction; statement by statement without one when the file's header says `-- atlas:txmode none` (followed by a blank line)",
		Leave:    "`-- atlas:txmode none` when nothing else in the file needs the transaction; otherwise new versions right after the file, `-- atlas:txmode none` on a step that needs no transaction; `atlas.sum` rewritten",
		Refuses:  "two files with one version, an `atlas.sum` that does not match the files",
	},
	Cite: []string{
		"https://atlasgo.io/versioned/apply#transaction-configuration (--tx-mode, -- atlas:txmode)",
		"https://atlasgo.io/concepts/migration-directory-integrity (atlas.sum)",
		"ariga/atlas sql/migrate/dir.go (HashFile, directives)",
	},
	Checksums: "`atlas migrate apply` refuses a directory whose atlas.sum does not match its files; pgsafe rewrites atlas.sum with every change it writes. Atlas also records the hash of each applied file.",
	Detect: func(x *Index, path, text string) string {
		if x.Exists(filepath.Join(filepath.Dir(path), "atlas.sum")) {
			return "atlas.sum in the folder"
		}
		if strings.Contains(text, "atlas:") && reAtlasDirective.MatchString(text) {
			return "-- atlas: directives"
		}
		return ""
	},
	Names: numberedNames,
	Order: byBaseName,
	Check: atlasCheck,
	Run: func(f *File) Run {
		if m := reAtlasTxMode.FindStringSubmatch(atlasHeader(f.Text)); m != nil && m[1] == "none" {
			return Autocommit
		}
		return Transaction
	},
	Exit: Exit{
		NoTransaction: func(f *File) (string, []Edit, error) {
			if reAtlasTxMode.MatchString(atlasHeader(f.Text)) {
				return "", nil, noRoom("the file already sets -- atlas:txmode")
			}
			return "-- atlas:txmode none", []Edit{{Path: f.Path, Start: 0, End: 0, NewText: "-- atlas:txmode none\n\n"}}, nil
		},
		Versions: numberedVersions(func(stem, _ string) Version {
			return Version{
				Path: stem + ".sql",
				Body: func(sql string, noTx bool) string {
					if noTx {
						return "-- atlas:txmode none\n\n" + sql
					}
					return sql
				},
			}
		}),
	},
	Advice: func(a AdviceFor) string {
		if a.Run == Transaction && !a.Explicit {
			return "move it into a migration file of its own that starts with `-- atlas:txmode none`, and run `atlas migrate hash`"
		}
		return ""
	},
	Summary: atlasSum,
}

var (
	reAtlasDirective = regexp.MustCompile(`(?m)^[ -~]*atlas:[a-z]+`)
	reAtlasTxMode    = regexp.MustCompile(`(?m)^[ -~]*atlas:txmode +(\w+)`)
)

// atlasHeader returns the file directives' block, as Atlas reads it
// (ariga/atlas sql/migrate/dir.go, LocalFile.Directive): the comment lines
// ("--" or "#") at the very start of the file, when a blank line (spaces
// and tabs only) separates them from the SQL; "" otherwise, and Atlas
// then ignores the directives.
func atlasHeader(text string) string {
	end := 0
	for end < len(text) {
		line := text[end:]
		if nl := strings.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl+1]
		}
		body := strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(body, "--") || strings.HasPrefix(body, "#"):
			end += len(line)
		case strings.Trim(body, " \t") == "" && end > 0:
			return text[:end]
		default:
			return ""
		}
	}
	return ""
}

// atlasCheck reports what `atlas migrate apply` refuses: two files with
// one version (Atlas panics on the second), and an atlas.sum that does not
// match the files (the checksum error).
func atlasCheck(files []Input) []Problem {
	out := duplicateVersions(files, "Atlas", func(path string) (string, string, bool) {
		base := strings.TrimSuffix(baseName(path), ".sql")
		v, _, _ := strings.Cut(base, "_")
		return v, "", strings.HasSuffix(path, ".sql")
	})
	texts := map[string]string{}
	dirs := map[string]bool{}
	for _, f := range files {
		texts[f.Path] = f.Text
		dirs[filepath.Dir(f.Path)] = true
	}
	for d := range dirs {
		b, err := readFileOS(filepath.Join(d, "atlas.sum"))
		if err != nil {
			continue
		}
		if _, want, _ := atlasSum(d, texts); want != string(b) {
			out = append(out, Problem{Path: filepath.Join(d, "atlas.sum"), Message: "atlas migrate apply refuses a folder whose atlas.sum does not match its files: run `atlas migrate hash`"})
		}
	}
	return out
}
