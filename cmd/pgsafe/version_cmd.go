package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// buildInfo is what the Go toolchain recorded about the pgsafe binary.
type buildInfo struct {
	// Version is the module version: "v1.2.3" for go install ...@v1.2.3,
	// a pseudo-version or "(devel)" for a build from a checkout; ""
	// when unknown (a test binary), printed as "(devel)".
	Version string
	// Revision is the VCS commit the binary was built from; "" for a
	// build outside a checkout (go install ...@version).
	Revision string
	// Time is the commit's time, RFC 3339; "" when unknown.
	Time string
	// Modified is true when the checkout had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary; "" when unknown.
	GoVersion string
}

// readBuildInfo returns what bi records; ok false (no build information)
// gives the zero buildInfo.
func readBuildInfo(bi *debug.BuildInfo, ok bool) buildInfo {
	if !ok || bi == nil {
		return buildInfo{}
	}
	b := buildInfo{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String returns the version line: "pgsafe v1.2.3", followed when known
// by the revision (12 digits, "+modified" for a dirty checkout), its time
// and the Go toolchain, as in
// "pgsafe (devel) (revision 0123456789ab+modified, 2025-01-02T03:04:05Z, go1.26.8)".
func (b buildInfo) String() string {
	v := b.Version
	if v == "" {
		v = "(devel)"
	}
	var details []string
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Modified {
			rev += "+modified"
		}
		details = append(details, "revision "+rev)
	}
	if b.Time != "" {
		details = append(details, b.Time)
	}
	if b.GoVersion != "" {
		details = append(details, b.GoVersion)
	}
	if len(details) == 0 {
		return "pgsafe " + v
	}
	return fmt.Sprintf("pgsafe %s (%s)", v, strings.Join(details, ", "))
}

func versionCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print pgsafe's version and the revision it was built from",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("version takes no arguments")
			}
			_, err := fmt.Fprintln(e.stdout, e.build)
			return err
		},
	}
}
