#include <math.h>
#include <stdint.h>
#include <string.h>

#include "clua.h"

static clua_dispatcher dispatcher;

void clua_set_dispatcher(clua_dispatcher function) { dispatcher = function; }

static int clua_trampoline(lua_State *L) {
    void *context = lua_touserdata(L, lua_upvalueindex(1));
    int function = (int)lua_tointeger(L, lua_upvalueindex(2));
    int results = dispatcher(L, context, function);
    if (results == CLUA_RAISE) return lua_error(L);
    return results;
}

void clua_push_function(lua_State *L, void *context, int function) {
    lua_pushlightuserdata(L, context);
    lua_pushinteger(L, function);
    lua_pushcclosure(L, clua_trampoline, 2);
}

/* Opens a library and makes it the global `name` (Debian's lua-cjson returns its table without setting one). */
static void clua_open(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (name[0] != '\0' && lua_type(L, -1) == LUA_TTABLE) {
        lua_setfield(L, LUA_GLOBALSINDEX, name);
    } else {
        lua_pop(L, 1);
    }
}

void clua_open_libraries(lua_State *L) {
    clua_open(L, "", luaopen_base);
    clua_open(L, LUA_TABLIBNAME, luaopen_table);
    clua_open(L, LUA_STRLIBNAME, luaopen_string);
    clua_open(L, LUA_MATHLIBNAME, luaopen_math);
    clua_open(L, LUA_DBLIBNAME, luaopen_debug);
    clua_open(L, "cjson", luaopen_cjson);
    clua_open(L, "bit", luaopen_bit);
    clua_open(L, "cmsgpack", clua_open_cmsgpack);
    clua_open(L, "struct", clua_open_struct);
}

/* ---- Redis's rand48 (the sequence math.random yields in redis-server). ---- */

static uint64_t rand48_state = 0x1234ABCD330EULL;

static int32_t clua_lrand48(void) {
    rand48_state = (rand48_state * 0x5DEECE66DULL + 0xBULL) & 0xFFFFFFFFFFFFULL;
    return (int32_t)(rand48_state >> 17);
}

static int clua_random(lua_State *L) {
    const int32_t max = 2147483647;
    lua_Number r = (lua_Number)(clua_lrand48() % max) / (lua_Number)max;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int upper = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= upper, 1, "interval is empty");
        lua_pushnumber(L, floor(r * upper) + 1);
        break;
    }
    case 2: {
        int lower = luaL_checkint(L, 1);
        int upper = luaL_checkint(L, 2);
        luaL_argcheck(L, lower <= upper, 2, "interval is empty");
        lua_pushnumber(L, floor(r * ((lua_Number)upper - lower + 1)) + lower);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int clua_randomseed(lua_State *L) {
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    rand48_state = ((uint64_t)(uint32_t)seed << 16) | 0x330EULL;
    return 0;
}

void clua_install_redis_random(lua_State *L) {
    lua_getfield(L, LUA_GLOBALSINDEX, LUA_MATHLIBNAME);
    lua_pushcfunction(L, clua_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, clua_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
}

/* ---- pcall as Redis 7.0 has it. ---- */

/* A pcall error that is a table with an `err` string (or number) becomes that value, as in Redis's pcall. */
static void clua_unwrap_error_table(lua_State *L) {
    if (!lua_istable(L, -1)) return;
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
    } else {
        lua_pop(L, 1);
    }
}

static int clua_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0) {
        /* Redis's luaRedisPcall calls lua_pcall with -1 arguments here, which ends up calling its boolean. */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "attempt to call a boolean value");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
        lua_remove(L, 1);
        clua_unwrap_error_table(L);
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

/* The yieldable pcall and coroutine functions are installed with the busy hook below. */

/* ---- Read-only globals. ----
   Every protected table T is replaced by an empty proxy whose metatable reads from T and refuses writes; the
   registry maps each proxy to its table so rawset/setmetatable refuse it too and pairs/next/rawget see T. */

static const char *const proxies_key = "swredis.readonly.proxies";

static int clua_readonly_write(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

static int clua_missing_global(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

/* Pushes the table a proxy stands for, or the value at `index` itself. */
static void clua_push_real(lua_State *L, int index) {
    lua_getfield(L, LUA_REGISTRYINDEX, proxies_key);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 2);
        lua_pushvalue(L, index);
    } else {
        lua_remove(L, -2);
    }
}

static int clua_is_proxy(lua_State *L, int index) {
    lua_getfield(L, LUA_REGISTRYINDEX, proxies_key);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    int proxy = !lua_isnil(L, -1);
    lua_pop(L, 2);
    return proxy;
}

/* Compiles `length` bytes of text as a chunk; precompiled bytecode (which stock Lua accepts and Redis's does not)
   is read as text after a leading space, so it fails to parse as it does in Redis. */
static int clua_load_text(lua_State *L, const char *text, size_t length, const char *name) {
    int status;
    if (length > 0 && text[0] == LUA_SIGNATURE[0]) {
        luaL_Buffer buffer;
        luaL_buffinit(L, &buffer);
        luaL_addchar(&buffer, ' ');
        luaL_addlstring(&buffer, text, length);
        luaL_pushresult(&buffer);
        size_t padded_length;
        const char *padded = lua_tolstring(L, -1, &padded_length);
        status = luaL_loadbuffer(L, padded, padded_length, name);
        lua_remove(L, -2);
    } else {
        status = luaL_loadbuffer(L, text, length, name);
    }
    if (status == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int clua_safe_loadstring(lua_State *L) {
    size_t length;
    const char *text = luaL_checklstring(L, 1, &length);
    const char *name = luaL_optstring(L, 2, text);
    return clua_load_text(L, text, length, name);
}

static int clua_safe_load(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    lua_settop(L, 2);
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
        size_t piece_length;
        const char *piece = lua_tolstring(L, -1, &piece_length);
        if (piece_length == 0) {
            lua_pop(L, 1);
            break;
        }
        luaL_addvalue(&buffer);
    }
    luaL_pushresult(&buffer);
    size_t length;
    const char *text = lua_tolstring(L, -1, &length);
    return clua_load_text(L, text, length, name);
}

static int clua_sealed_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (clua_is_proxy(L, 1)) {
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int clua_sealed_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (clua_is_proxy(L, 1)) {
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    int t = lua_type(L, 2);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (luaL_getmetafield(L, 1, "__metatable")) {
        return luaL_error(L, "cannot change a protected metatable");
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int clua_sealed_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    clua_push_real(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int clua_sealed_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    clua_push_real(L, 1);
    lua_replace(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int clua_sealed_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, clua_sealed_next);
    clua_push_real(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Pushes a read-only proxy of the table at `table` (an absolute index) and records it as that table's. */
static void clua_push_proxy(lua_State *L, int table) {
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, table);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, clua_readonly_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, proxies_key);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, table);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* Replaces the table at the top of the stack with its read-only proxy (tables it holds are sealed first). */
static void clua_seal_top(lua_State *L, int depth) {
    int table = lua_gettop(L);
    if (depth < 4) {
        lua_pushnil(L);
        while (lua_next(L, table)) {
            if (lua_istable(L, -1) && !clua_is_proxy(L, -1) && !lua_rawequal(L, -1, table)) {
                lua_pushvalue(L, -2); /* key */
                lua_insert(L, -2);
                clua_seal_top(L, depth + 1);
                lua_rawset(L, table); /* replacing the value of an existing key keeps the traversal valid */
            } else {
                lua_pop(L, 1);
            }
        }
    }
    clua_push_proxy(L, table);
    lua_replace(L, table);
}

void clua_seal_globals(lua_State *L) {
    static const char *const removed[] = {
        "dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy", "module", "require", "debug", NULL,
    };
    for (int i = 0; removed[i] != NULL; i++) {
        lua_pushnil(L);
        lua_setfield(L, LUA_GLOBALSINDEX, removed[i]);
    }
    lua_pushcfunction(L, clua_safe_loadstring);
    lua_setfield(L, LUA_GLOBALSINDEX, "loadstring");
    lua_pushcfunction(L, clua_safe_load);
    lua_setfield(L, LUA_GLOBALSINDEX, "load");
    lua_pushcfunction(L, clua_sealed_rawset);
    lua_setfield(L, LUA_GLOBALSINDEX, "rawset");
    lua_pushcfunction(L, clua_sealed_rawget);
    lua_setfield(L, LUA_GLOBALSINDEX, "rawget");
    lua_pushcfunction(L, clua_sealed_setmetatable);
    lua_setfield(L, LUA_GLOBALSINDEX, "setmetatable");
    lua_pushcfunction(L, clua_sealed_next);
    lua_setfield(L, LUA_GLOBALSINDEX, "next");
    lua_pushcfunction(L, clua_sealed_pairs);
    lua_setfield(L, LUA_GLOBALSINDEX, "pairs");

    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, proxies_key);

    /* The real globals: library tables sealed in place, reads of missing names raise Redis's error. */
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int globals = lua_gettop(L);
    lua_pushnil(L);
    lua_setfield(L, globals, "_G");
    static const char *const libraries[] = {
        "string", "table", "math", "cjson", "bit", "cmsgpack", "struct", "coroutine", "redis", NULL,
    };
    for (int i = 0; libraries[i] != NULL; i++) {
        lua_getfield(L, globals, libraries[i]);
        if (lua_istable(L, -1)) {
            clua_seal_top(L, 1);
            lua_setfield(L, globals, libraries[i]);
        } else {
            lua_pop(L, 1);
        }
    }
    /* Strings find their methods through the sealed string table. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_getfield(L, globals, "string");
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, clua_missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, globals);

    /* The proxy becomes the globals table every chunk loaded from now on sees. */
    clua_push_proxy(L, globals);
    lua_pushvalue(L, -1);
    lua_setfield(L, globals, "_G");
    lua_pushvalue(L, globals);
    lua_setfield(L, LUA_REGISTRYINDEX, "swredis.globals");
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1);
}

void clua_set_sealed_global(lua_State *L, const char *name) {
    lua_getfield(L, LUA_REGISTRYINDEX, "swredis.globals");
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* ---- Long scripts ---- */

#include <time.h>

/* Lua 5.1.5's `struct lua_State` (lstate.h), which its public headers do not expose, down to the fields the yield
   check reads. `clua_yield_supported` verifies it against the running library before anything relies on it. */
struct clua_state_mirror {
    void *next;
    unsigned char tt;
    unsigned char marked;
    unsigned char status;
    void *top;
    void *base;
    void *l_G;
    void *ci;
    const void *savedpc;
    void *stack_last;
    void *stack;
    void *end_ci;
    void *base_ci;
    int stacksize;
    int size_ci;
    unsigned short nCcalls;
    unsigned short baseCcalls;
    unsigned char hookmask;
    unsigned char allowhook;
    int basehookcount;
    int hookcount;
    lua_Hook hook;
};

/* lua_yield refuses (with an error) when a C call sits between the running code and the resume. */
static int clua_can_yield(lua_State *L) {
    const struct clua_state_mirror *mirror = (const struct clua_state_mirror *)L;
    return mirror->nCcalls <= mirror->baseCcalls;
}

static struct {
    long long started;
    long long threshold;
    int allow_yield;
    int timed_out;
    int killed;
    /* The hook (or a pcall or resume passing its yield on) has just yielded: the resumer passes it on too. */
    int hook_yield;
    /* pcalls running on threads of their own, nested. */
    int pcall_depth;
    /* The run's thread, and the coroutine of it where the hook last yielded (where SCRIPT KILL strikes). */
    lua_State *main_thread;
    lua_State *yielded_thread;
} busy;

/* pcall and coroutine.resume under the hook (see "pcall and coroutines the busy hook can yield through" below). */
#define CLUA_PCALL_DEPTH 64
#define CLUA_CHAIN_LIMIT 256

enum clua_waiter { CLUA_WAITS_IN_PCALL, CLUA_WAITS_IN_RESUME };

/* The threads between the script thread and the one the hook yielded in, outermost first, and what the thread
   above each waits in. */
static struct {
    lua_State *thread;
    enum clua_waiter waiter;
} chain[CLUA_CHAIN_LIMIT];
static int chain_length;

static long long clua_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Instructions between checks, as Redis's hook counts them. */
#define CLUA_BUSY_CHECK_EVERY 100000

/* A count in 1...CLUA_BUSY_CHECK_EVERY (xorshift32; the values only need to vary). */
static int clua_next_check_count(void) {
    static unsigned int state = 2463534242u;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return (int)(state % CLUA_BUSY_CHECK_EVERY) + 1;
}

static void clua_busy_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (busy.killed) {
        /* From now on every line raises again, here and in the script's own code, so pcall cannot hold on. */
        lua_sethook(L, clua_busy_hook, LUA_MASKLINE, 0);
        if (busy.main_thread != NULL && busy.main_thread != L) {
            lua_sethook(busy.main_thread, clua_busy_hook, LUA_MASKLINE, 0);
        }
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "ERR Script killed by user with SCRIPT KILL...");
        lua_setfield(L, -2, "err");
        lua_error(L);
        return;
    }
    if (!busy.timed_out) {
        if (clua_now_ms() - busy.started < busy.threshold) return;
        busy.timed_out = 1;
    }
    if (!busy.allow_yield) return;
    if (clua_can_yield(L)) {
        busy.hook_yield = 1;
        busy.yielded_thread = L;
        lua_yield(L, 0);
        return;
    }
    /* Inside a C call (pcall, a metamethod): the yield waits for a later check. A fixed count would sample the same
       few instructions of a loop forever (a loop's top level may never come up), so the next check comes after a
       random count. */
    lua_sethook(L, clua_busy_hook, LUA_MASKCOUNT, clua_next_check_count());
}

void clua_busy_begin(lua_State *thread, long long started_ms, long long threshold_ms, int allow_yield) {
    busy.started = started_ms;
    busy.threshold = threshold_ms;
    busy.allow_yield = allow_yield;
    busy.timed_out = 0;
    busy.killed = 0;
    busy.hook_yield = 0;
    busy.pcall_depth = 0;
    busy.main_thread = thread;
    busy.yielded_thread = NULL;
    chain_length = 0;
    /* The count hook stays armed on a thread between runs (a kill replaced it). */
    if (lua_gethook(thread) != clua_busy_hook || lua_gethookmask(thread) != LUA_MASKCOUNT
        || lua_gethookcount(thread) != CLUA_BUSY_CHECK_EVERY) {
        lua_sethook(thread, clua_busy_hook, LUA_MASKCOUNT, CLUA_BUSY_CHECK_EVERY);
    }
}

int clua_busy_timed_out(void) { return busy.timed_out; }

long long clua_busy_elapsed_ms(void) { return clua_now_ms() - busy.started; }

void clua_busy_kill(lua_State *thread) {
    busy.killed = 1;
    /* The next instruction where the script stopped raises (inside a pcall, as in Redis, pcall returns false). */
    lua_State *target = busy.yielded_thread != NULL ? busy.yielded_thread : thread;
    lua_sethook(target, clua_busy_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
}

/* The probe: at top level of a coroutine no C call intervenes, inside pcall one does. */
static int probe_top_level_seen, probe_nested_seen, probe_inconsistent;

static void clua_probe_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    const struct clua_state_mirror *mirror = (const struct clua_state_mirror *)L;
    if (mirror->hookmask != LUA_MASKCOUNT || mirror->basehookcount != 1 || mirror->hook != clua_probe_hook
        || mirror->baseCcalls == 0 || mirror->nCcalls < mirror->baseCcalls) {
        probe_inconsistent = 1;
        return;
    }
    if (mirror->nCcalls == mirror->baseCcalls) {
        probe_top_level_seen = 1;
    } else {
        probe_nested_seen = 1;
    }
}

int clua_yield_supported(lua_State *L) {
    static int verdict = -1;
    if (verdict >= 0) return verdict;
    verdict = 0;
    lua_State *thread = lua_newthread(L);
    const struct clua_state_mirror *mirror = (const struct clua_state_mirror *)thread;
    if (mirror->nCcalls != 0 || mirror->baseCcalls != 0 || mirror->status != 0) {
        lua_pop(L, 1);
        return verdict;
    }
    static const char probe[] = "local x = 0 for i = 1, 3 do x = x + i end "
                                "pcall(function() for i = 1, 3 do x = x + i end end) return x";
    if (luaL_loadbuffer(thread, probe, sizeof(probe) - 1, "=probe") != 0) {
        lua_pop(L, 1);
        return verdict;
    }
    probe_top_level_seen = probe_nested_seen = probe_inconsistent = 0;
    lua_sethook(thread, clua_probe_hook, LUA_MASKCOUNT, 1);
    int status = lua_resume(thread, 0);
    lua_sethook(thread, NULL, 0, 0);
    verdict = status == 0 && lua_tonumber(thread, -1) == 12 && probe_top_level_seen && probe_nested_seen
              && !probe_inconsistent;
    lua_pop(L, 1);
    return verdict;
}

void clua_annotate_error(lua_State *thread) {
    lua_Debug frame;
    int found = lua_getstack(thread, 0, &frame) && lua_getinfo(thread, "Sl", &frame);
    if (found && strcmp(frame.what, "C") == 0) found = lua_getstack(thread, 1, &frame) && lua_getinfo(thread, "Sl", &frame);
    if (!lua_checkstack(thread, 4)) return;
    if (lua_type(thread, -1) != LUA_TTABLE) {
        const char *message = lua_tostring(thread, -1);
        if (message == NULL) {
            message = lua_isnil(thread, -1) ? "nil" : lua_isboolean(thread, -1) ? (lua_toboolean(thread, -1) ? "true" : "false") : luaL_typename(thread, -1);
        }
        lua_pushfstring(thread, "ERR %s", message);
        lua_createtable(thread, 0, 3);
        lua_insert(thread, -2);
        lua_setfield(thread, -2, "err");
        lua_remove(thread, -2);
    }
    if (found) {
        lua_pushstring(thread, frame.source);
        lua_setfield(thread, -2, "source");
        lua_pushinteger(thread, frame.currentline);
        lua_setfield(thread, -2, "line");
    }
}

static long long load_deadline;

static void clua_load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (clua_now_ms() < load_deadline) return;
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "ERR FUNCTION LOAD timeout");
    lua_setfield(L, -2, "err");
    lua_error(L);
}

void clua_load_deadline(lua_State *L, long long milliseconds) {
    if (milliseconds <= 0) {
        lua_sethook(L, NULL, 0, 0);
        return;
    }
    load_deadline = clua_now_ms() + milliseconds;
    lua_sethook(L, clua_load_hook, LUA_MASKCOUNT, CLUA_BUSY_CHECK_EVERY);
}

void clua_clear_hook(lua_State *L) { lua_sethook(L, NULL, 0, 0); }

void clua_push_protection_errors(lua_State *L) {
    lua_pushcfunction(L, clua_readonly_write);
    lua_pushcfunction(L, clua_missing_global);
}

/* ---- pcall and coroutines the busy hook can yield through. ----

   Lua 5.1 cannot yield across a C call, and pcall is one: a script spending its time inside pcall could never let
   the event loop serve SCRIPT KILL. So pcall of a Lua function runs the function on a thread of its own (pooled),
   and coroutine.resume is replaced the same way. When the hook yields inside such a thread, the C function that
   resumed it yields too (when nothing below it is a C call), remembering the thread in `chain`; clua_resume later
   continues the innermost thread of the chain and, when one ends, hands its results to the thread above as the
   results of the pcall or resume it was waiting in (a C function's yield returns what its thread is resumed with).
   The hook marks its own yields (`busy.hook_yield`), so a script's own coroutine.yield passes through untouched.
   A C function given to pcall, nesting past CLUA_PCALL_DEPTH, and runs that may not yield keep the plain pcall. */

/* Threads that ran a pcall to its end, kept for the next (a new thread per pcall would cost several times a C
   pcall), in a table that is pcall's upvalue; a thread that raised an error is dead for good and is never kept.
   Both functions run inside pcall (the upvalue is its). */
#define CLUA_PCALL_POOL 16
#define CLUA_POOL lua_upvalueindex(1)

static void clua_keep_thread(lua_State *L, int index) {
    lua_State *co = lua_tothread(L, index);
    lua_Debug frame;
    if (co == NULL || lua_status(co) != 0 || lua_gettop(co) != 0 || lua_getstack(co, 0, &frame) != 0) return;
    int kept = (int)lua_objlen(L, CLUA_POOL);
    if (kept < CLUA_PCALL_POOL) {
        lua_pushvalue(L, index);
        lua_rawseti(L, CLUA_POOL, kept + 1);
    }
}

/* Pushes a thread from the pool, or a new one. */
static lua_State *clua_pooled_thread(lua_State *L) {
    lua_pushvalue(L, CLUA_POOL);
    int kept = (int)lua_objlen(L, -1);
    if (kept == 0) {
        lua_pop(L, 1);
        return lua_newthread(L);
    }
    lua_rawgeti(L, -1, kept);
    lua_pushnil(L);
    lua_rawseti(L, -3, kept);
    lua_replace(L, -2);
    return lua_tothread(L, -1);
}

/* Moves what an ended (or user-yielded) thread leaves into `to` as the results of the pcall or coroutine.resume
   that ran it, as those functions return them; returns how many. The thread is at `thread_index` of `to`. */
static int clua_deliver(lua_State *to, lua_State *co, int status, enum clua_waiter waiter) {
    if (waiter == CLUA_WAITS_IN_PCALL) busy.pcall_depth--;
    if (status == 0 || (status == LUA_YIELD && waiter == CLUA_WAITS_IN_RESUME)) {
        int results = lua_gettop(co);
        if (!lua_checkstack(to, results + 1)) {
            lua_settop(co, 0);
            lua_pushboolean(to, 0);
            lua_pushliteral(to, "too many results to resume");
            return 2;
        }
        lua_pushboolean(to, 1);
        lua_xmove(co, to, results);
        return results + 1;
    }
    lua_pushboolean(to, 0);
    if (status == LUA_YIELD) {
        /* A script's own yield inside pcall: Lua 5.1 refuses it there. */
        lua_settop(co, 0);
        lua_pushliteral(to, "attempt to yield across metamethod/C-call boundary");
        return 2;
    }
    lua_xmove(co, to, 1);
    if (waiter == CLUA_WAITS_IN_PCALL) clua_unwrap_error_table(to);
    return 2;
}

/* Resumes `root` with `nargs` values, then the threads the hook's yields leave on the chain above `base`, innermost
   first, handing each ended thread's results to the pcall or resume above it, until `root` ends (its status is
   returned) or, when `may_yield`, the hook yields (LUA_YIELD is returned with `busy.hook_yield` still set: the
   caller passes the yield on). Without `may_yield` the whole chain above `base` is finished here. */
static int clua_drive(lua_State *root, int nargs, int base, int may_yield) {
    for (;;) {
        lua_State *target = chain_length > base ? chain[chain_length - 1].thread : root;
        busy.hook_yield = 0;
        int status = lua_resume(target, nargs);
        if (status == LUA_YIELD && busy.hook_yield) {
            if (may_yield && chain_length < CLUA_CHAIN_LIMIT) return LUA_YIELD;
            /* A C call below: the yield cannot reach the event loop; the innermost thread goes on at once. */
            nargs = 0;
            continue;
        }
        if (target == root) return status;
        /* The innermost thread ended (or yielded on its own): its results go to the pcall or resume above. */
        chain_length--;
        enum clua_waiter waiter = chain[chain_length].waiter;
        lua_State *above = chain_length > base ? chain[chain_length - 1].thread : root;
        nargs = clua_deliver(above, target, status, waiter);
    }
}

/* Resumes `co` (at index 1 of L's stack) with `nargs` values already moved onto it, passing the hook's yields on:
   returns lua_yield's value when L yields with it, else the results pushed for the caller. */
static int clua_run_thread(lua_State *L, lua_State *co, int nargs, enum clua_waiter waiter) {
    lua_setlevel(L, co);
    if (waiter == CLUA_WAITS_IN_PCALL) busy.pcall_depth++;
    int base = chain_length;
    int status = clua_drive(co, nargs, base, clua_can_yield(L));
    if (status == LUA_YIELD && busy.hook_yield) {
        /* `co` goes on the chain below the threads it started (outermost first); the thread stays anchored on L's
           stack (index 1) while L waits. */
        memmove(&chain[base + 1], &chain[base], (size_t)(chain_length - base) * sizeof(chain[0]));
        chain[base].thread = co;
        chain[base].waiter = waiter;
        chain_length++;
        return lua_yield(L, 0);
    }
    int delivered = clua_deliver(L, co, status, waiter);
    if (status == 0 && waiter == CLUA_WAITS_IN_PCALL) clua_keep_thread(L, 1);
    return delivered;
}

/* pcall: Redis's for a C function or when the run may not yield; else `f` on a thread of its own. */
static int clua_yieldable_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc == 0 || lua_type(L, 1) != LUA_TFUNCTION || lua_iscfunction(L, 1) || !busy.allow_yield
        || busy.pcall_depth >= CLUA_PCALL_DEPTH || !lua_checkstack(L, LUA_MINSTACK)) {
        return clua_pcall(L);
    }
    lua_State *co = clua_pooled_thread(L);
    lua_insert(L, 1);
    if (co == NULL || !lua_checkstack(co, argc)) return luaL_error(L, "too many arguments to pcall");
    lua_sethook(co, lua_gethook(L), lua_gethookmask(L), lua_gethookcount(L));
    lua_xmove(L, co, argc);
    return clua_run_thread(L, co, argc - 1, CLUA_WAITS_IN_PCALL);
}

/* coroutine.resume, as Lua 5.1's (same checks and messages), passing the hook's yields on. */
static int clua_coroutine_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argcheck(L, co != NULL, 1, "coroutine expected");
    int nargs = lua_gettop(L) - 1;
    const char *state = NULL;
    lua_Debug frame;
    if (co == L) {
        state = "running";
    } else if (lua_status(co) == 0) {
        if (lua_getstack(co, 0, &frame) > 0) {
            state = "normal";
        } else if (lua_gettop(co) == 0) {
            state = "dead";
        }
    } else if (lua_status(co) != LUA_YIELD) {
        state = "dead";
    }
    if (!lua_checkstack(co, nargs)) return luaL_error(L, "too many arguments to resume");
    if (state != NULL) {
        lua_pushboolean(L, 0);
        lua_pushfstring(L, "cannot resume %s coroutine", state);
        return 2;
    }
    lua_xmove(L, co, nargs);
    /* Keep the thread at index 1 (it is already) and nothing else below the results. */
    lua_settop(L, 1);
    return clua_run_thread(L, co, nargs, CLUA_WAITS_IN_RESUME);
}

/* coroutine.wrap over the resume above (its errors raised where the wrapped function was called, as Lua 5.1's). */
static const char clua_wrap_source[] =
    "local create, resume, error, select, unpack = coroutine.create, coroutine.resume, error, select, unpack\n"
    "local function pack(...) return {n = select('#', ...), ...} end\n"
    "coroutine.wrap = function(f)\n"
    "  local co = create(f)\n"
    "  return function(...)\n"
    "    local r = pack(resume(co, ...))\n"
    "    if r[1] then return unpack(r, 2, r.n) end\n"
    "    error(r[2], 2)\n"
    "  end\n"
    "end\n";

void clua_install_redis_pcall(lua_State *L) {
    lua_newtable(L);
    lua_pushcclosure(L, clua_yieldable_pcall, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, "pcall");
    lua_getfield(L, LUA_GLOBALSINDEX, "coroutine");
    lua_pushcfunction(L, clua_coroutine_resume);
    lua_setfield(L, -2, "resume");
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, clua_wrap_source, sizeof(clua_wrap_source) - 1, "=coroutine") == 0) {
        lua_call(L, 0, 0);
    } else {
        lua_pop(L, 1);
    }
}

int clua_resume(lua_State *thread, int nargs) {
    int status = clua_drive(thread, nargs, 0, 1);
    busy.hook_yield = 0;
    return status;
}
