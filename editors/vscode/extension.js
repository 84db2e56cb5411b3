// pgsafe for VS Code: starts `pgsafe lsp` (the language server, over stdio)
// for SQL files, sends it the Go files too (for the SQL they send, which
// the config's code globs have it check), and restarts it when its
// settings change. Everything else,
// the diagnostics, quick fixes and hovers, comes from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** The server's command line, from the pgsafe.* settings. */
function serverOptions() {
  const config = vscode.workspace.getConfiguration('pgsafe');
  // No transport: stdio, without the --stdio argument vscode-languageclient
  // would add with TransportKind.stdio (pgsafe lsp takes none).
  return {
    command: config.get('path') || 'pgsafe',
    args: ['lsp', ...config.get('args', [])],
  };
}

function clientOptions() {
  const debounceMs = vscode.workspace.getConfiguration('pgsafe').get('debounceMs');
  return {
    // The server reads its settings at initialize; changing them restarts it.
    initializationOptions: typeof debounceMs === 'number' ? { debounceMs } : {},
    documentSelector: [
      { scheme: 'file', language: 'sql' },
      { scheme: 'untitled', language: 'sql' },
      // The server publishes findings only for the Go files that the
      // config's code globs read; other Go files get none.
      { scheme: 'file', language: 'go' },
    ],
    // No file watchers here: the server registers its own for .pgsafe.toml
    // and the migrations (workspace/didChangeWatchedFiles), which VS Code
    // allows, and reloads its config when one changes.
  };
}

async function start() {
  client = new LanguageClient('pgsafe', 'pgsafe', serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (err) {
    const path = vscode.workspace.getConfiguration('pgsafe').get('path') || 'pgsafe';
    vscode.window.showErrorMessage(
      `pgsafe: could not start "${path} lsp": ${err.message}. ` +
        'Install pgsafe (go install github.com/pgsafe/pgsafe/cmd/pgsafe@latest) or set pgsafe.path.',
    );
  }
}

/** Stops the server, if it runs (a client that failed to start cannot be stopped). */
async function stop() {
  const running = client;
  client = undefined;
  if (running && running.isRunning()) {
    await running.dispose();
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('pgsafe.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (['pgsafe.path', 'pgsafe.args', 'pgsafe.debounceMs'].some((s) => e.affectsConfiguration(s))) {
        restart();
      }
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
