package tool

import (
	"crypto/sha256"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// reAtlasSumIgnore matches a first line that keeps a file out of
// atlas.sum.
var reAtlasSumIgnore = regexp.MustCompile(`^[ -~]*atlas:sum +ignore\b`)

// atlasSum computes atlas.sum for the migration files of a folder, as
// Atlas's migrate hash does (ariga/atlas sql/migrate/dir.go, NewHashFile):
// the top-level *.sql files in byte order feed one running SHA-256, name
// then content, and each file's line holds the running hash after it; the
// first line hashes every name with its line's hash. A file whose first
// line says -- atlas:sum ignore adds only its name.
func atlasSum(project string, texts map[string]string) (string, string, bool) {
	var names []string
	for p := range texts {
		if filepath.Dir(p) == project && strings.HasSuffix(p, ".sql") {
			names = append(names, filepath.Base(p))
		}
	}
	sort.Strings(names)
	running := sha256.New()
	total := sha256.New()
	var b strings.Builder
	for _, n := range names {
		text := texts[filepath.Join(project, n)]
		running.Write([]byte(n))
		if reAtlasSumIgnore.MatchString(firstLine(text)) {
			continue
		}
		running.Write([]byte(text))
		h := base64.StdEncoding.EncodeToString(running.Sum(nil))
		total.Write([]byte(n))
		total.Write([]byte(h))
		b.WriteString(n + " h1:" + h + "\n")
	}
	out := "h1:" + base64.StdEncoding.EncodeToString(total.Sum(nil)) + "\n" + b.String()
	return filepath.Join(project, "atlas.sum"), out, true
}
