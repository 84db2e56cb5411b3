package editors

import (
	"archive/zip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The VS Code extension in editors/vscode: package.json as VS Code reads
// it, and the .vsix that vsce packages from it.

// vscodeManifest is the part of the extension's package.json the tests
// check.
type vscodeManifest struct {
	Name             string            `json:"name"`
	Publisher        string            `json:"publisher"`
	License          string            `json:"license"`
	Main             string            `json:"main"`
	Engines          map[string]string `json:"engines"`
	ActivationEvents []string          `json:"activationEvents"`
	Dependencies     map[string]string `json:"dependencies"`
	Contributes      struct {
		Configuration struct {
			Properties map[string]struct {
				MarkdownDescription string `json:"markdownDescription"`
			} `json:"properties"`
		} `json:"configuration"`
		Commands []struct {
			Command string `json:"command"`
		} `json:"commands"`
	} `json:"contributes"`
}

func extensionDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "editors", "vscode")
}

func readManifest(t *testing.T, dir string) vscodeManifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	require.NoError(t, err)
	var m vscodeManifest
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// TestVSCodeManifest checks what VS Code needs to start the extension for
// SQL files, and that every setting it contributes is documented.
func TestVSCodeManifest(t *testing.T) {
	dir := extensionDir(t)
	m := readManifest(t, dir)
	assert.NotEmpty(t, m.Engines["vscode"], "engines.vscode")
	assert.Contains(t, m.ActivationEvents, "onLanguage:sql")
	assert.FileExists(t, filepath.Join(dir, filepath.FromSlash(m.Main)), "main")
	assert.Contains(t, m.Dependencies, "vscode-languageclient")
	assert.Equal(t, "Apache-2.0", m.License, "pgsafe's license (LICENSE)")

	main, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m.Main)))
	require.NoError(t, err)
	for _, c := range m.Contributes.Commands {
		assert.Contains(t, string(main), "'"+c.Command+"'", "main registers the command it contributes")
	}

	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	editorsDoc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "editors.md"))
	require.NoError(t, err)
	require.NotEmpty(t, m.Contributes.Configuration.Properties)
	for name, p := range m.Contributes.Configuration.Properties {
		assert.NotEmpty(t, p.MarkdownDescription, "%s has a description", name)
		assert.Contains(t, string(readme), "`"+name+"`", "editors/vscode/README.md documents %s", name)
		assert.Contains(t, string(editorsDoc), "`"+name+"`", "docs/editors.md documents %s", name)
	}
}

// copyExtension copies the extension's files to dst, with the files its
// symbolic links point to (LICENSE), leaving out what npm and vsce write.
func copyExtension(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(d.Name(), ".vsix") {
			return nil
		}
		data, err := os.ReadFile(path) // follows a symbolic link
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	require.NoError(t, err)
}

// TestVSCodePackage checks the extension the way a publisher does: npm ci
// from the committed package-lock.json, then vsce package, in a copy of the
// extension outside the repository (node_modules is never written into the
// checkout; npm's own cache makes the install fast after the first run).
// It checks the .vsix holds the extension, its license and its runtime
// dependencies, and not the packaging tools.
func TestVSCodePackage(t *testing.T) {
	npm := requireProgram(t, "npm", "installs and packages the VS Code extension with npm")
	node := requireProgram(t, "node", "installs and packages the VS Code extension with npm")
	src := extensionDir(t)
	work := t.TempDir()
	copyExtension(t, src, work)

	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
		return string(out)
	}
	run(npm, "ci", "--prefer-offline", "--no-audit", "--no-fund")
	run(node, "--check", "extension.js")
	run(node, "-e", "require.resolve('vscode-languageclient/node')")

	m := readManifest(t, work)
	var client struct {
		Engines map[string]string `json:"engines"`
	}
	data, err := os.ReadFile(filepath.Join(work, "node_modules", "vscode-languageclient", "package.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &client))
	assert.Equal(t, client.Engines["vscode"], m.Engines["vscode"],
		"engines.vscode is the VS Code version vscode-languageclient needs")

	vsix := filepath.Join(t.TempDir(), "pgsafe.vsix")
	run(npm, "exec", "--no", "--", "vsce", "package", "--out", vsix)

	r, err := zip.OpenReader(vsix)
	require.NoError(t, err)
	defer func() { _ = r.Close() }()
	entries := map[string]*zip.File{}
	for _, f := range r.File {
		entries[f.Name] = f
	}
	for _, name := range []string{
		"extension.vsixmanifest",
		"extension/package.json",
		"extension/" + strings.TrimPrefix(m.Main, "./"),
		"extension/readme.md",
		"extension/LICENSE.txt",
		"extension/node_modules/vscode-languageclient/package.json",
	} {
		assert.Contains(t, entries, name)
	}
	for name := range entries {
		assert.False(t, strings.HasPrefix(name, "extension/node_modules/@vscode/vsce/"), "the packaging tool is not shipped: %s", name)
		assert.False(t, strings.Contains(name, ".vscodeignore"), "%s", name)
	}
	if f := entries["extension/LICENSE.txt"]; f != nil {
		rc, err := f.Open()
		require.NoError(t, err)
		license, err := io.ReadAll(rc)
		require.NoError(t, err)
		_ = rc.Close()
		want, err := os.ReadFile(filepath.Join(repoRoot(t), "LICENSE"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(license), "the extension ships pgsafe's LICENSE")
	}
}
