// Package editors holds the end-to-end tests of pgsafe's language server
// (pgsafe lsp) in real editors: Neovim's built-in LSP client driven by a Lua
// script (neovim_test.go), and the VS Code extension in editors/vscode
// checked the way a publisher checks it (vscode_test.go). Both need
// programs the default go test does not: they run with PGSAFE_HEAVY_TESTS=1
// (.ci/run), where a missing program is a failure.
package editors
