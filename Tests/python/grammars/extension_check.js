// Runs editors/vscode/extension.js under node with stand-ins for the `vscode` and
// `vscode-languageclient/node` modules (npm is not reachable here): activation starts
// `<dcl.server.path> lsp` over stdio for dcl documents, a changed server path restarts the client
// with the new command, other setting changes do not, and deactivation stops it.
// Usage: node extension_check.js PATH/TO/extension.js — exits 1 with a message on a mismatch.
'use strict';
const assert = require('assert');
const Module = require('module');

const calls = [];
let onChange;
const settings = { 'server.path': '/opt/dcl/bin/dcl', 'inlayHints.shapes': false };
const vscode = {
  workspace: {
    getConfiguration: (section) => ({
      get: (key, fallback) => (section === 'dcl' && key in settings ? settings[key] : fallback),
    }),
    onDidChangeConfiguration: (handler) => { onChange = handler; return { dispose() {} }; },
  },
};
class LanguageClient {
  constructor(id, name, server, client) { this.options = { id, name, server, client }; calls.push(['new', this.options]); }
  async start() { calls.push(['start', this.options.server.command]); }
  async stop() { calls.push(['stop', this.options.server.command]); }
}
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient, TransportKind: { stdio: 'stdio' } };
  return load.call(this, request, ...rest);
};

(async () => {
  const extension = require(process.argv[2]);
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.strictEqual(context.subscriptions.length, 1, 'the configuration listener is disposed with the extension');
  const [kind, options] = calls[0];
  assert.strictEqual(kind, 'new');
  assert.deepStrictEqual(options.server, { command: '/opt/dcl/bin/dcl', args: ['lsp'], transport: 'stdio' });
  assert.deepStrictEqual(options.client.documentSelector.map((s) => s.language), ['dcl', 'dcl']);
  assert.deepStrictEqual(options.client.initializationOptions, { dcl: { inlayHints: { shapes: false } } });
  assert.deepStrictEqual(calls[1], ['start', '/opt/dcl/bin/dcl']);

  await onChange({ affectsConfiguration: () => false });
  assert.strictEqual(calls.length, 2, 'an unrelated setting change leaves the server alone');
  settings['server.path'] = 'dcl-nightly';
  await onChange({ affectsConfiguration: (key) => key === 'dcl.server.path' });
  assert.deepStrictEqual(calls.slice(2).map((c) => c[0]), ['stop', 'new', 'start']);
  assert.strictEqual(calls[3][1].server.command, 'dcl-nightly');
  await extension.deactivate();
  assert.deepStrictEqual(calls[calls.length - 1], ['stop', 'dcl-nightly']);
  console.log('ok');
})().catch((error) => { console.error(error.message); process.exit(1); });
