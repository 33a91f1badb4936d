// Starts the dcl language server (`dcl lsp`, JSON-RPC over stdio) for .dcl files. Highlighting
// needs none of this: it comes from syntaxes/dcl.tmLanguage.json, declared in package.json.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function createClient() {
  const config = vscode.workspace.getConfiguration('dcl');
  // `dcl.server.path`: an absolute path, or a name looked up on PATH.
  const command = config.get('server.path') || 'dcl';
  const serverOptions = { command, args: ['lsp'], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'dcl' },
      { scheme: 'untitled', language: 'dcl' },
    ],
    // The server reads `dcl.inlayHints.shapes` from these options at start and from
    // workspace/didChangeConfiguration ({"dcl": {...}}) when the setting changes.
    initializationOptions: { dcl: { inlayHints: { shapes: config.get('inlayHints.shapes', true) } } },
    synchronize: { configurationSection: 'dcl' },
  };
  return new LanguageClient('dcl', 'dcl language server', serverOptions, clientOptions);
}

async function activate(context) {
  client = createClient();
  // A new server path takes effect without reloading the window.
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (event) => {
    if (!event.affectsConfiguration('dcl.server.path')) return;
    if (client) await client.stop();
    client = createClient();
    await client.start();
  }));
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
