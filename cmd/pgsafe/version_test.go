package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBuildInfo(t *testing.T) {
	for _, tt := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "pgsafe (devel)"},
		{"test binary", &debug.BuildInfo{}, true, "pgsafe (devel)"},
		{
			"go install at a version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, true,
			"pgsafe v1.2.3 (go1.26.8)",
		},
		{
			"checkout with changes", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				{Key: "vcs.time", Value: "2025-01-02T03:04:05Z"},
				{Key: "vcs.modified", Value: "true"},
			}}, true,
			"pgsafe (devel) (revision 0123456789ab+modified, 2025-01-02T03:04:05Z, go1.26.8)",
		},
		{
			"clean checkout", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20250102030405-0123456789ab"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				{Key: "vcs.modified", Value: "false"},
			}}, true,
			"pgsafe v0.0.0-20250102030405-0123456789ab (revision 0123456789ab)",
		},
	} {
		assert.Equal(t, tt.want, readBuildInfo(tt.bi, tt.ok).String(), tt.name)
	}
}

func TestVersionCommandAndFlag(t *testing.T) {
	e := env{workdir: t.TempDir(), build: buildInfo{Version: "v1.2.3", Revision: "abc"}}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-V"}} {
		code, stdout, stderr := runArgs(t, e, args...)
		assert.Equal(t, exitOK, code, stderr)
		assert.Equal(t, "pgsafe v1.2.3 (revision abc)\n", stdout, "%v", args)
	}
	code, _, stderr := runArgs(t, e, "version", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: version takes no arguments\n", stderr)
}

func TestRealBuildInfo(t *testing.T) {
	// The environment of a real run reads the test binary's build info:
	// whatever the toolchain records, the line names pgsafe and a version.
	e := newEnv(nil, nil, nil)
	assert.Regexp(t, `^pgsafe (\(devel\)|v\S+)( \(.*\))?$`, e.build.String())
}
