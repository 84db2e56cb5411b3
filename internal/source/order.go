package source

import (
	"path/filepath"
	"strings"
)

// Less orders two paths the way migration tools order their files: folder
// by folder, comparing names naturally, so that runs of digits (version
// prefixes, timestamps, v1.13 after v1.9) compare as numbers and the rest
// as text.
func Less(a, b string) bool {
	pa := strings.Split(filepath.ToSlash(a), "/")
	pb := strings.Split(filepath.ToSlash(b), "/")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		// A file sorts before the folders beside it.
		lastA, lastB := i == len(pa)-1, i == len(pb)-1
		if lastA != lastB {
			return lastA
		}
		if c := NaturalCompare(pa[i], pb[i]); c != 0 {
			return c < 0
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// NaturalCompare compares a and b with digit runs read as numbers of any
// length. It returns -1, 0 or 1.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmp(len(na), len(nb))
			}
			if na != nb {
				return strings.Compare(na, nb)
			}
			continue
		}
		if ca != cb {
			return cmp(int(ca), int(cb))
		}
		i++
		j++
	}
	return cmp(len(a)-i, len(b)-j)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	default:
		return 0
	}
}
