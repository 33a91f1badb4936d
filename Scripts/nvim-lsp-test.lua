-- Headless Neovim (0.7 or later) as a real LSP client of `dcl lsp` (run by nvim-lsp-test.sh):
-- opens Examples/dcccl_mnist.dcl, waits for its diagnostics, hovers the first convolution line
-- of `cnn` and reads back its shape, then types a half name and completes it. Exits 0 when
-- every step saw what it expected, 1 otherwise (with the reason on standard error).

local dcl = os.getenv('DCL') or 'dcl'
local root = os.getenv('DCL_ROOT') or '.'
local file = root .. '/Examples/dcccl_mnist.dcl'

local function fail(message)
  io.stderr:write('nvim-lsp-test: FAIL: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local published = false
local default_handler = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  published = true
  return default_handler(err, result, ctx, config)
end

vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'dcl',
  cmd = { dcl, 'lsp' },
  root_dir = root .. '/Examples',
  flags = { debounce_text_changes = 0 },
})
if not id then fail('could not start `' .. dcl .. ' lsp`') end
vim.lsp.buf_attach_client(buf, id)
local client = vim.lsp.get_client_by_id(id)

-- 1. Diagnostics: published for the example, and none of them errors.
if not vim.wait(60000, function() return published end, 50) then fail('no diagnostics published within 60 s') end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  if d.severity == vim.diagnostic.severity.ERROR then fail('unexpected error: ' .. d.message) end
end
io.stdout:write('diagnostics: published, no errors\n')

-- 2. Hover the first conv2d line of `cnn`: 28×28 padded 3×3 conv then 2×2 pool → [N, 32, 14, 14].
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local conv
for i, l in ipairs(lines) do
  if l:find('conv2d%(32') then conv = i - 1; break end
end
if not conv then fail('no `conv2d(32` line in the example') end
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = conv, character = 6 } }
local hover = client.request_sync('textDocument/hover', params, 30000, buf)
if not hover or hover.err or not hover.result then fail('hover failed: ' .. vim.inspect(hover)) end
local text = hover.result.contents.value
if not text:find('[N, 32, 14, 14]', 1, true) then fail('hover does not show the shape: ' .. text) end
io.stdout:write('hover: ' .. text:match('[^\n]*') .. '\n')

-- 3. Type `let probe = mnis` on a new last line and complete it: `mnist` is a binding of the file.
local last = #lines
vim.api.nvim_buf_set_lines(buf, last, last, false, { 'let probe = mnis' })
local cparams = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = last, character = 16 } }
local completion = client.request_sync('textDocument/completion', cparams, 30000, buf)
if not completion or completion.err or not completion.result then fail('completion failed: ' .. vim.inspect(completion)) end
local found = false
for _, item in ipairs(completion.result.items or completion.result) do
  if item.label == 'mnist' then found = true end
end
if not found then fail('`mnist` is not among the completions') end
io.stdout:write('completion: mnist\n')

vim.lsp.stop_client(id)
vim.cmd('qall!')
