package tool

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// This file holds what the tools' Order and Check functions share.

// byBaseName orders paths by their base names compared byte by byte, as
// tools that sort file names as strings do (dbmate, popx, Atlas).
func byBaseName(paths []string) []string {
	out := append([]string(nil), paths...)
	sort.SliceStable(out, func(i, j int) bool { return filepath.Base(out[i]) < filepath.Base(out[j]) })
	return out
}

// duplicateVersions reports the files whose version, as key reads it,
// another file of the same kind already has; ok false leaves a file out.
// what names the tool for the message.
func duplicateVersions(files []Input, what string, key func(path string) (version, kind string, ok bool)) []Problem {
	type k struct{ version, kind string }
	first := map[k]string{}
	var out []Problem
	for _, f := range files {
		v, kind, ok := key(f.Path)
		if !ok {
			continue
		}
		if prev, dup := first[k{v, kind}]; dup {
			out = append(out, Problem{Path: f.Path, Message: fmt.Sprintf("%s refuses two migrations with version %s: %s has it too", what, v, filepath.Base(prev))})
			continue
		}
		first[k{v, kind}] = f.Path
	}
	return out
}

// lineStarts returns the byte offsets of the lines of text that start
// with prefix after trimming nothing: markers that must start a line.
func lineStarts(text, prefix string) []int {
	var out []int
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		line := text[off:]
		if end >= 0 {
			line = text[off : off+end]
		}
		if strings.HasPrefix(line, prefix) {
			out = append(out, off)
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return out
}
