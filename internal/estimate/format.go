package estimate

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Duration says d as a person would, rounded to what an estimate can
// claim: "40 ms", "3 seconds", "about 3 minutes" reads "3 minutes",
// "1.5 hours".
func Duration(d time.Duration) string { return duration(d, longUnits) }

// ShortDuration says d as Duration does, with short units: "40 ms",
// "3 s", "3 min", "1.5 h".
func ShortDuration(d time.Duration) string { return duration(d, shortUnits) }

// units names seconds, minutes and hours, in the singular and plural.
type units struct{ second, seconds, minute, minutes, hour, hours string }

var (
	longUnits  = units{"second", "seconds", "minute", "minutes", "hour", "hours"}
	shortUnits = units{"s", "s", "min", "min", "h", "h"}
)

func duration(d time.Duration, u units) string {
	switch {
	case d < time.Millisecond:
		return "1 ms"
	case d < time.Second:
		return fmt.Sprintf("%d ms", int(math.Round(float64(d)/float64(time.Millisecond))))
	case d < time.Minute:
		return plural(int(math.Round(d.Seconds())), u.second, u.seconds)
	case d < time.Hour:
		return plural(int(math.Round(d.Minutes())), u.minute, u.minutes)
	case d < 10*time.Hour:
		h := math.Round(d.Hours()*10) / 10
		if h == math.Trunc(h) {
			return plural(int(h), u.hour, u.hours)
		}
		return strconv.FormatFloat(h, 'f', 1, 64) + " " + u.hours
	default:
		return plural(int(math.Round(d.Hours())), u.hour, u.hours)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Rows says a row count: "10,000 rows" below a million, "48M rows" and
// "1.5M rows" above, "2.1B rows" from a billion.
func Rows(n int64) string {
	switch {
	case n == 1:
		return "1 row"
	case n < 1_000_000:
		return thousands(n) + " rows"
	case n < 1_000_000_000:
		return short(float64(n)/1e6) + "M rows"
	default:
		return short(float64(n)/1e9) + "B rows"
	}
}

// short writes x with one decimal below 10 and none from 10: "1.5", "48".
func short(x float64) string {
	if x < 10 {
		r := math.Round(x*10) / 10
		if r < 10 {
			return strings0(strconv.FormatFloat(r, 'f', 1, 64))
		}
	}
	return thousands(int64(math.Round(x)))
}

// strings0 drops a trailing ".0".
func strings0(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}

// Bytes says a size as pg_size_pretty does, in units of 1024, with one
// decimal below 10: "48 kB", "9.1 GB".
func Bytes(n int64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB"}
	x := float64(n)
	u := 0
	for x >= 1024 && u < len(units)-1 {
		x /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return short(x) + " " + units[u]
}

// Writes says a write rate: "~1,200 writes/s", "~0.5 writes/s", "no
// writes"; a negative rate is unknown (stats.Unknown).
func Writes(perSecond float64) string {
	switch {
	case perSecond < 0:
		return "writes/s unknown"
	case perSecond == 0:
		return "no writes"
	case perSecond < 10:
		return "~" + strings0(strconv.FormatFloat(math.Round(perSecond*10)/10, 'f', 1, 64)) + " writes/s"
	default:
		return "~" + thousands(int64(math.Round(perSecond))) + " writes/s"
	}
}

// Threshold writes a threshold as the config spells it: "1s", "500ms",
// "2min", "1h".
func Threshold(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dmin", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
	}
}
