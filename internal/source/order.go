package source

import (
	"path/filepath"
	"strings"
)

// Less orders two paths the way migration tools order their files: folder
// by folder, comparing leading versions number by number (V1 before V1_1
// before V2) and the rest naturally, so that runs of digits (version
// prefixes, timestamps, v1.13 after v1.9) compare as numbers and the rest
// as text. A file sorts before the folders beside it.
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
		if c := compareNames(pa[i], pb[i]); c != 0 {
			return c < 0
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// compareNames compares two file or folder names. Names that start with a
// version (optional letters, then numbers joined by '.' or '_': "2_x",
// "V1_1__b", "v1.13", a 20-digit popx timestamp) compare by that version
// first, number by number, a shorter version before a longer one it
// prefixes, as Flyway orders V1 < V1.1 < V2; the rest of the name, and
// names without a version, compare naturally.
func compareNames(a, b string) int {
	la, va, ra := splitVersion(a)
	lb, vb, rb := splitVersion(b)
	if len(va) == 0 || len(vb) == 0 || la != lb {
		return NaturalCompare(a, b)
	}
	for i := 0; i < len(va) && i < len(vb); i++ {
		if c := compareNumbers(va[i], vb[i]); c != 0 {
			return c
		}
	}
	if len(va) != len(vb) {
		return cmp(len(va), len(vb))
	}
	return NaturalCompare(ra, rb)
}

// splitVersion splits a name into its leading letters, the numbers of the
// version that follows them, and the rest. A separator ('.' or '_') joins
// two numbers only when a digit follows it, so "2_x" has version [2] and
// rest "_x", and "V1__a" has version [1] and rest "__a". The version is nil
// when no digit follows the letters.
func splitVersion(name string) (letters string, version []string, rest string) {
	i := 0
	for i < len(name) && isLetter(name[i]) {
		i++
	}
	letters = name[:i]
	for {
		j := i
		for j < len(name) && isDigit(name[j]) {
			j++
		}
		if j == i {
			break
		}
		version = append(version, name[i:j])
		i = j
		if i+1 < len(name) && (name[i] == '.' || name[i] == '_') && isDigit(name[i+1]) {
			i++
			continue
		}
		break
	}
	return letters, version, name[i:]
}

// compareNumbers compares two digit strings as numbers of any length.
func compareNumbers(a, b string) int {
	if len(a) >= timestampDigits && len(b) >= timestampDigits {
		// Timestamp versions compare as strings, as popx, pop and dbmate
		// compare them: a version extended with more digits (as pgsafe
		// fix names the migrations it splits off) sorts right after its
		// base and before the next timestamp.
		return strings.Compare(a, b)
	}
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return cmp(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// timestampDigits is the length from which a version number is read as a
// timestamp (YYYYMMDDhhmmss has 14 digits).
const timestampDigits = 14

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
			if c := compareNumbers(a[si:i], b[sj:j]); c != 0 {
				return c
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

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

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
