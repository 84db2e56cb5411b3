-- An editing session in Neovim with pgsafe's language server, driven by
-- neovim_test.go. It reads the scenario from the JSON file named by
-- $PGSAFE_NVIM_SCENARIO:
--
--   setup     the Lua file that sets the server up, as a user's config
--             does (editors/neovim/pgsafe.lua, which runs pgsafe from PATH)
--   root      the project folder (where .pgsafe.toml is)
--   file      the migration (or Go file) to open, relative to root
--   filetype  the filetype Neovim gives it: sql (when empty) or go
--   code      the rule code whose diagnostic the session waits for
--   hover     true to hover on the statement the diagnostic is on, and on
--             the rule code of a pgsafe:ignore comment the action writes
--   config    if set, the new text of .pgsafe.toml: the session writes it
--             from Neovim instead of applying a code action, and waits for
--             the diagnostic to go
--   action    a piece of the title of the code action to apply at the
--             diagnostic (the match ignores case)
--   timeout   milliseconds each wait may last before it counts as a failure
--   out       the JSON file to write the results to
--
-- It opens the file the way a user does (:edit; the sql or go filetype
-- starts the server), waits for the diagnostics, hovers, picks the code action from the
-- list Neovim offers (vim.ui.select, which is what a user's picker
-- replaces), lets Neovim apply the edit, writes every changed buffer to disk
-- and waits for the diagnostics of the new text. Every wait is vim.wait on
-- the event itself; the timeout only bounds a failure.
--
-- The results: diagnostics, hover (the lines of the hover window; with
-- hover_directive, those of the hover on the rule code of a pgsafe:ignore
-- comment the action wrote), actions
-- (the titles and kinds offered), chosen, edit (the WorkspaceEdit applied),
-- buffers (path -> text of every buffer written), diagnostics_after, log
-- (the LSP log file) and error (why the session stopped, if it did).

local scenario = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('PGSAFE_NVIM_SCENARIO')), '\n'))
-- The log holds every message exchanged with the server, for the test to
-- print when the session fails.
vim.lsp.set_log_level('debug')
local result = { log = vim.lsp.get_log_path() }

local function fail(msg)
  error(msg, 0)
end

-- server_exit says how the server exited, once it has. The setup file
-- starts the server as users do; the session adds an on_exit callback to
-- the configuration it passes.
local server_exit = nil
local function watch(config)
  local on_exit = config.on_exit
  config.on_exit = function(code, signal, ...)
    server_exit = 'exit code ' .. tostring(code) .. ', signal ' .. tostring(signal)
    if on_exit then
      on_exit(code, signal, ...)
    end
  end
  return config
end
for _, name in ipairs({ 'start', 'start_client' }) do
  local start = vim.lsp[name]
  if start then
    vim.lsp[name] = function(config, ...)
      return start(watch(config), ...)
    end
  end
end

-- wait blocks until predicate() holds, processing events meanwhile; what
-- names the event in the failure message. It ends early when the server
-- exits.
local function wait(what, predicate)
  local done = vim.wait(scenario.timeout, function()
    return server_exit ~= nil or predicate()
  end, 10)
  if server_exit then
    fail('the server exited (' .. server_exit .. ') while waiting for ' .. what)
  end
  if not done then
    fail('no ' .. what .. ' within ' .. scenario.timeout .. ' ms')
  end
end

-- plain copies the fields of Neovim's diagnostics that the test checks.
local function plain(diagnostics)
  local out = {}
  for _, d in ipairs(diagnostics) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(out, {
      code = d.code or lsp.code,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      source = d.source,
      message = d.message,
      href = (lsp.codeDescription or {}).href,
    })
  end
  table.sort(out, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return tostring(a.code) < tostring(b.code)
  end)
  return out
end

local function has_code(diagnostics, code)
  for _, d in ipairs(diagnostics) do
    if d.code == code or (((d.user_data or {}).lsp or {}).code == code) then
      return true
    end
  end
  return false
end

-- Every WorkspaceEdit Neovim applies goes through this function, whether the
-- action carries it or the server sends it with workspace/applyEdit.
local applied = nil
local apply_workspace_edit = vim.lsp.util.apply_workspace_edit
vim.lsp.util.apply_workspace_edit = function(edit, ...)
  apply_workspace_edit(edit, ...)
  applied = edit
end

-- A user picks the action from a list; this picker takes the first whose
-- title contains scenario.action.
local picked = false
vim.ui.select = function(items, opts, on_choice)
  result.actions = {}
  local choice
  for _, item in ipairs(items) do
    -- Neovim 0.7 lists {client_id, action}; later versions {ctx, action}
    -- or {action = ..., ctx = ...}.
    local action = item.action or item[2]
    table.insert(result.actions, { title = action.title, kind = action.kind })
    if not choice and action.title:lower():find(scenario.action:lower(), 1, true) then
      choice = item
      result.chosen = action.title
    end
  end
  picked = true
  on_choice(choice)
end

-- offers fails the session unless the server attached to buf announced
-- the capability (a field of ServerCapabilities, e.g. hoverProvider):
-- without it, Neovim sends no request and there is no event to wait for.
local function offers(buf, capability)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in ipairs(get({ bufnr = buf })) do
    if client.name == 'pgsafe' and (client.server_capabilities or {})[capability] then
      return
    end
  end
  fail('the server does not announce ' .. capability)
end

-- hover shows the hover at the cursor as a user does (K), and returns the
-- lines of the window Neovim opens, which it closes.
local function hover(buf)
  offers(buf, 'hoverProvider')
  vim.lsp.buf.hover()
  local float
  wait('hover window', function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        float = win
        return true
      end
    end
    return false
  end)
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false)
  vim.api.nvim_win_close(float, true)
  return lines
end

local function session()
  vim.cmd('filetype on')
  dofile(scenario.setup)
  vim.cmd('cd ' .. vim.fn.fnameescape(scenario.root))
  vim.cmd('edit ' .. vim.fn.fnameescape(scenario.file))
  local buf = vim.api.nvim_get_current_buf()
  local filetype = scenario.filetype
  if filetype == nil or filetype == vim.NIL or filetype == '' then
    filetype = 'sql'
  end
  if vim.bo[buf].filetype ~= filetype then
    fail('filetype of ' .. scenario.file .. ' is "' .. vim.bo[buf].filetype .. '", not ' .. filetype)
  end

  wait('diagnostic ' .. scenario.code, function()
    return has_code(vim.diagnostic.get(buf), scenario.code)
  end)
  result.diagnostics = plain(vim.diagnostic.get(buf))

  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if has_code({ d }, scenario.code) then
      target = d
      break
    end
  end
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })

  if scenario.hover then
    result.hover = hover(buf)
  end

  if scenario.config ~= vim.NIL and scenario.config ~= nil then
    vim.cmd('edit .pgsafe.toml')
    vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(scenario.config, '\n', { trimempty = true }))
    vim.cmd('silent write')
    wait('diagnostics without ' .. scenario.code .. ' after the config changed', function()
      return not has_code(vim.diagnostic.get(buf), scenario.code)
    end)
    result.diagnostics_after = plain(vim.diagnostic.get(buf))
    return
  end

  offers(buf, 'codeActionProvider')
  vim.lsp.buf.code_action()
  wait('code action list', function()
    return picked
  end)
  if not result.chosen then
    fail('no code action whose title contains "' .. scenario.action .. '"')
  end
  wait('edit of the code action', function()
    return applied ~= nil
  end)
  result.edit = applied

  result.buffers = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(b)
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified and name ~= '' then
      vim.api.nvim_buf_call(b, function()
        vim.cmd('silent write')
      end)
      result.buffers[name] = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') .. '\n'
    end
  end

  wait('diagnostics without ' .. scenario.code .. ' after the edit', function()
    return not has_code(vim.diagnostic.get(buf), scenario.code)
  end)
  result.diagnostics_after = plain(vim.diagnostic.get(buf))

  -- With hover, the session also hovers on the rule code of a
  -- pgsafe:ignore comment the action wrote.
  if scenario.hover then
    for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      local col = line:find('pgsafe:ignore ' .. scenario.code, 1, true)
      if col then
        vim.api.nvim_set_current_buf(buf)
        vim.api.nvim_win_set_cursor(0, { i, col - 1 + #'pgsafe:ignore ' })
        result.hover_directive = hover(buf)
        break
      end
    end
  end
end

local ok, err = xpcall(session, debug.traceback)
if not ok then
  result.error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(result) }, scenario.out)
vim.cmd('qall!')
