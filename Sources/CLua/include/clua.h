/* Lua 5.1 as Debian packages it (liblua5.1-0-dev), with lua-cjson and lua-bitop: the interpreter Redis embeds.
   The libraries are linked statically (SwredisScripting's linker settings), so swredisd needs no Lua at run time.

   Swift must never raise a Lua error itself: lua_error longjmps, and a jump over Swift frames skips their
   releases. Every function Swift gives Lua therefore goes through `clua_trampoline`, which calls the dispatcher
   Swift registered and raises the error the dispatcher left on the stack only once Swift has returned. */
#ifndef CLUA_H
#define CLUA_H

#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
#include <lua5.1/lua-cjson.h>
#include <lua5.1/lua-bitop.h>

/* What the dispatcher returns instead of a result count: raise the value on top of the stack as an error. */
#define CLUA_RAISE (-1)

/* Runs function `function` of `context` (both the trampoline's upvalues). Returns how many results it pushed,
   or CLUA_RAISE. */
typedef int (*clua_dispatcher)(lua_State *L, void *context, int function);

void clua_set_dispatcher(clua_dispatcher dispatcher);

/* Pushes a C closure that dispatches `function` of `context`. */
void clua_push_function(lua_State *L, void *context, int function);

/* Opens the libraries Redis loads (base, table, string, math, debug, cjson, bit) without `package`/`io`/`os`. */
void clua_open_libraries(lua_State *L);

/* Macros of lua.h that Swift cannot import. */
static inline void clua_pop(lua_State *L, int n) { lua_settop(L, -(n)-1); }
static inline void clua_setglobal(lua_State *L, const char *name) { lua_setfield(L, LUA_GLOBALSINDEX, name); }
static inline int clua_registryindex(void) { return LUA_REGISTRYINDEX; }

#endif

/* The sandbox Redis 7.0 sets up, on stock Lua 5.1 (Redis patches its Lua with read-only tables; here read-only
   proxies give the same errors): `pcall` returning an error table's message, `math.random`/`randomseed` on
   Redis's rand48 generator, `dofile`/`loadfile`/`print`/`getfenv`/`setfenv`/`newproxy`/`module` removed, and the
   globals and every library table made read-only, reads of missing globals raising Redis's error. Call once,
   after the libraries, `redis` and the error handler are in place. */
void clua_seal_globals(lua_State *L);

/* Sets global `name` to the value on top of the stack (popped), bypassing the read-only protection (KEYS, ARGV). */
void clua_set_sealed_global(lua_State *L, const char *name);

/* Replaces math.random and math.randomseed with Redis's (rand48, the same sequence on every platform). */
void clua_install_redis_random(lua_State *L);

/* Replaces the global `pcall` with Redis's (an error that is a table with an `err` string becomes that string),
   running a Lua function on a thread of its own so the busy hook can yield through it; coroutine.resume and
   coroutine.wrap pass the hook's yields on too (see clua.c). */
void clua_install_redis_pcall(lua_State *L);

/* Resumes the script thread (lua_resume's contract), continuing first the threads pcall or coroutine.resume were
   running when the hook yielded and handing their results up. */
int clua_resume(lua_State *thread, int nargs);

/* ---- Long scripts (busy-reply-threshold): a script runs in a coroutine whose count hook yields back to the event
   loop once the threshold has passed, so other clients get -BUSY and SCRIPT KILL / SHUTDOWN NOSAVE get through. ---- */

/* Whether this Lua's lua_State layout is the one the yield check reads (Debian's 5.1.5; verified by running a
   probe once). Without it scripts never yield: they run to their end as before. */
int clua_yield_supported(lua_State *L);

/* Arms the hook on `thread` for a run that started now: past `threshold_ms` the run is timed out, and then yields
   at every check where a yield is possible (never across a C call: pcall, a metamethod, an iterator) when
   `allow_yield`; a check that falls inside a C call sets the next one a random count of instructions later. */
void clua_busy_begin(lua_State *thread, long long started_ms, long long threshold_ms, int allow_yield);

/* Whether the current run has passed the threshold. */
int clua_busy_timed_out(void);

/* Milliseconds since the current run started. */
long long clua_busy_elapsed_ms(void);

/* SCRIPT KILL: the next check raises "Script killed by user with SCRIPT KILL...", and keeps raising at every line
   so a pcall cannot catch it for good. */
void clua_busy_kill(lua_State *thread);

/* After a failed lua_resume: turns the error on top of the dead thread's stack into Redis's error table (a string
   becomes {err = 'ERR ' .. message}) with the `source` and `line` of the Lua code that raised it (the caller of a
   C function such as redis.call or error), as `__redis__err__handler` does for a protected call. */
void clua_annotate_error(lua_State *thread);

/* FUNCTION LOAD: a count hook on `L` that raises {err = 'ERR FUNCTION LOAD timeout'} once `milliseconds` have passed
   (0: no limit); clua_clear_hook removes it. */
void clua_load_deadline(lua_State *L, long long milliseconds);
void clua_clear_hook(lua_State *L);

/* Pushes the C functions Redis's protected tables raise from (a metamethod's arguments): "Attempt to modify a
   readonly table" and "Script attempted to access nonexistent global variable '<key>'". */
void clua_push_protection_errors(lua_State *L);

/* The `cmsgpack` library (cmsgpack.c): pushes its table. */
int clua_open_cmsgpack(lua_State *L);

/* The `struct` library (struct.c): pushes its table. */
int clua_open_struct(lua_State *L);
