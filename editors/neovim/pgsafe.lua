-- pgsafe's language server in Neovim: diagnostics, quick fixes and hovers
-- on SQL files, and the findings on the SQL in Go files that the config's
-- `code` globs read, from `pgsafe lsp` (pgsafe must be on PATH).
--
-- Copy this file to ~/.config/nvim/plugin/pgsafe.lua, or paste it into
-- init.lua. It needs no plugin: Neovim 0.11 and later configure the server
-- with vim.lsp.config, older ones (0.7 to 0.10) start it from a FileType
-- autocommand. The server's root is the folder holding .pgsafe.toml, else
-- the git repository, else the file's folder. A Go file gets findings only
-- under a .pgsafe.toml (the config's code globs say which Go files are
-- read); before 0.11 the server is not started for other Go files.
--
-- See docs/editors.md. internal/editors/neovim_test.go runs this file in
-- a real Neovim.

-- The server reloads .pgsafe.toml when it hears of a change. Neovim tells
-- it of changes on disk only where it watches files, which 0.7 does not and
-- later versions do not everywhere, so a save in Neovim is passed on here.
vim.api.nvim_create_autocmd('BufWritePost', {
  group = vim.api.nvim_create_augroup('pgsafe-config', { clear = true }),
  pattern = '.pgsafe.toml',
  callback = function(args)
    local changes = { { uri = vim.uri_from_bufnr(args.buf), type = 2 } } -- 2: Changed
    for _, client in pairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
      if client.name == 'pgsafe' and vim.fn.has('nvim-0.11') == 1 then
        client:notify('workspace/didChangeWatchedFiles', { changes = changes })
      elseif client.name == 'pgsafe' then
        client.notify('workspace/didChangeWatchedFiles', { changes = changes })
      end
    end
  end,
})

if vim.fn.has('nvim-0.11') == 1 then
  vim.lsp.config('pgsafe', {
    cmd = { 'pgsafe', 'lsp' },
    filetypes = { 'sql', 'go' },
    root_markers = { '.pgsafe.toml', '.git' },
  })
  vim.lsp.enable('pgsafe')
  return
end

local cmd = { 'pgsafe', 'lsp' }

-- Neovim before 0.11 applies documentChanges, file creations included, but
-- older versions (0.7's, for one) do not announce it; pgsafe offers the fixes
-- that split a migration into a new file only to clients that do.
local capabilities = vim.lsp.protocol.make_client_capabilities()
capabilities.workspace.workspaceEdit.documentChanges = true

-- root_dir returns the folder of the nearest .pgsafe.toml above the
-- buffer's file, else of the nearest .git, else the file's own folder; for
-- a Go file, only the folder of the nearest .pgsafe.toml (nil without one).
local function root_dir(buf)
  local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h')
  local config = vim.fn.findfile('.pgsafe.toml', dir .. ';')
  if config ~= '' then
    return vim.fn.fnamemodify(config, ':p:h')
  end
  if vim.bo[buf].filetype == 'go' then
    return nil
  end
  local git = vim.fn.finddir('.git', dir .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return dir
end

local clients = {} -- root folder -> client id, for Neovim 0.7

vim.api.nvim_create_autocmd('FileType', {
  group = vim.api.nvim_create_augroup('pgsafe', { clear = true }),
  pattern = { 'sql', 'go' },
  callback = function(args)
    local root = root_dir(args.buf)
    if not root then
      return -- a Go file outside every pgsafe project
    end
    local config = {
      name = 'pgsafe',
      cmd = cmd,
      root_dir = root,
      capabilities = capabilities,
    }
    if vim.lsp.start then
      -- 0.8 to 0.10: reuses the running server of the same root.
      vim.lsp.start(config)
      return
    end
    local id = clients[config.root_dir]
    if not id or vim.lsp.client_is_stopped(id) then
      id = vim.lsp.start_client(config)
      clients[config.root_dir] = id
    end
    vim.lsp.buf_attach_client(args.buf, id)
  end,
})
