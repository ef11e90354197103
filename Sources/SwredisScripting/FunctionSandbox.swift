import CLua

/// The library environment of Redis 7.0's function engine (`function_lua.c`): library code runs with a globals
/// table whose lookups, while a library loads, see only a `redis` holding `register_function`, `log`, the log
/// levels and the version (anything else raises "Script attempted to access nonexistent global variable"), and at
/// run time see the interpreter's usual sealed globals. Callbacks defined by a library keep that environment, so the
/// switch is a flag, not a second table.
enum FunctionSandbox {
    /// Returns the environment, `begin()` (loading starts, registrations cleared) and `finish()` (loading ends,
    /// returns the registrations: `{name, callback, flags = {flag = true}, description}` in order). Arguments: the
    /// sealed globals, `redis.log` and the sealed tables' two error functions.
    static let source = #"""
        local globals, log, readonly, missing = ...
        local type, tostring, error, pairs, ipairs, select = type, tostring, error, pairs, ipairs, select
        local lower, find = string.lower, string.find
        local setmetatable = setmetatable
        local loading, registered = false, {}
        local knownFlags = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true,
          ['no-cluster'] = true, ['allow-cross-slot-keys'] = true}
        local function fail(text) error({err = 'ERR ' .. text}) end
        local function nameLike(value) return type(value) == 'string' or type(value) == 'number' end
        local function register(...)
          if not loading then fail('redis.register_function can only be called on FUNCTION LOAD command') end
          local count = select('#', ...)
          local name, callback, flags, description
          if count == 1 then
            local named = ...
            if type(named) ~= 'table' then
              fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
            end
            for key, value in pairs(named) do
              if not nameLike(key) then fail('named argument key given to redis.register_function is not a string') end
              key = lower(tostring(key))
              if key == 'function_name' then
                if not nameLike(value) then fail('function_name argument given to redis.register_function must be a string') end
                name = tostring(value)
              elseif key == 'description' then
                if not nameLike(value) then fail('description argument given to redis.register_function must be a string') end
                description = tostring(value)
              elseif key == 'callback' then
                if type(value) ~= 'function' then fail('callback argument given to redis.register_function must be a function') end
                callback = value
              elseif key == 'flags' then
                if type(value) ~= 'table' then
                  fail('flags argument to redis.register_function must be a table representing function flags')
                end
                flags = {}
                for _, flag in pairs(value) do
                  if type(flag) ~= 'string' or not knownFlags[lower(flag)] then fail('unknown flag given') end
                  flags[lower(flag)] = true
                end
              else
                fail('unknown argument given to redis.register_function')
              end
            end
            if name == nil then fail('redis.register_function must get a function name argument') end
            if callback == nil then fail('redis.register_function must get a callback argument') end
          elseif count == 2 then
            local first, second = ...
            if not nameLike(first) then fail('first argument to redis.register_function must be a string') end
            if type(second) ~= 'function' then fail('second argument to redis.register_function must be a function') end
            name, callback = tostring(first), second
          else
            fail('wrong number of arguments to redis.register_function')
          end
          if not find(name, '^[%w_]+$') then
            fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
          end
          for _, entry in ipairs(registered) do
            if entry.name == name then fail('Function already exists in the library') end
          end
          registered[#registered + 1] = {name = name, callback = callback, flags = flags or {}, description = description}
        end
        -- `readonly` and `missing` are the C functions of the sealed globals, used directly as metamethods: the error
        -- names the user's line and, as in Redis, the raising function is C.
        local api = {}
        local apiFields = {register_function = register, log = log, LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2,
          LOG_WARNING = 3, REDIS_VERSION = globals.redis.REDIS_VERSION, REDIS_VERSION_NUM = globals.redis.REDIS_VERSION_NUM}
        setmetatable(apiFields, {__index = missing})
        setmetatable(api, {__index = apiFields, __newindex = readonly})
        local loadingIndex = setmetatable({redis = api}, {__index = missing})
        -- At run time lookups go straight to the sealed globals (their own errors then name the user's line).
        local environmentMeta = {__index = globals, __newindex = readonly}
        local environment = setmetatable({}, environmentMeta)
        local function begin()
          loading, registered = true, {}
          environmentMeta.__index = loadingIndex
        end
        local function finish()
          local result = registered
          loading, registered = false, {}
          environmentMeta.__index = globals
          return result
        end
        return environment, begin, finish
        """#

    /// Runs `source` on `state` and keeps the environment, `begin` and `finish` in the registry.
    static func install(on state: OpaquePointer) -> Bool {
        guard luaL_loadbuffer(state, source, source.utf8.count, "@function_sandbox") == 0 else { return false }
        lua_pushvalue(state, LUA_GLOBALSINDEX)
        lua_getfield(state, LUA_GLOBALSINDEX, "redis")
        lua_getfield(state, -1, "log")
        lua_remove(state, -2)
        clua_push_protection_errors(state)
        guard lua_pcall(state, 4, 3, 0) == 0 else { return false }
        lua_setfield(state, clua_registryindex(), "swredis.functions.finish")
        lua_setfield(state, clua_registryindex(), "swredis.functions.begin")
        lua_setfield(state, clua_registryindex(), "swredis.functions.environment")
        return true
    }
}
