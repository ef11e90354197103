/* The `cmsgpack` library Redis embeds (MessagePack for Lua), which Debian does not package: pack(...),
   unpack(s), unpack_one(s [, offset]), unpack_limit(s, limit [, offset]). Written for swredis from the MessagePack
   format and the library's documented behaviour: numbers with an integral value pack as the smallest integer
   encoding, others as float32 when that is exact else float64; a table whose keys are exactly 1..n packs as an
   array, any other table as a map; nesting deeper than 16 packs nil; types MessagePack has no encoding for pack
   nil. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clua.h"

#define CMSGPACK_MAX_NESTING 16

/* ---- Encoding, into a growable buffer of our own (a luaL_Buffer keeps pieces on the stack, which the table walk
   also uses). ---- */

typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} buffer_t;

static void put_bytes(buffer_t *b, const void *bytes, size_t count) {
    if (b->failed) return;
    if (b->capacity - b->length < count) {
        size_t capacity = b->capacity ? b->capacity : 64;
        while (capacity - b->length < count) {
            if (capacity > ((size_t)-1) / 2) {
                b->failed = 1;
                return;
            }
            capacity *= 2;
        }
        char *grown = realloc(b->data, capacity);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, count);
    b->length += count;
}

static void put_big_endian(buffer_t *b, unsigned char tag, uint64_t value, int width) {
    unsigned char bytes[9];
    bytes[0] = tag;
    for (int i = 0; i < width; i++) bytes[1 + i] = (unsigned char)(value >> (8 * (width - 1 - i)));
    put_bytes(b, bytes, (size_t)width + 1);
}

static void encode_integer(buffer_t *b, int64_t n) {
    if (n >= 0) {
        uint64_t u = (uint64_t)n;
        if (u <= 127) {
            unsigned char c = (unsigned char)u;
            put_bytes(b, &c, 1);
        } else if (u <= 0xff) {
            put_big_endian(b, 0xcc, u, 1);
        } else if (u <= 0xffff) {
            put_big_endian(b, 0xcd, u, 2);
        } else if (u <= 0xffffffffULL) {
            put_big_endian(b, 0xce, u, 4);
        } else {
            put_big_endian(b, 0xcf, u, 8);
        }
    } else if (n >= -32) {
        unsigned char c = (unsigned char)(int8_t)n;
        put_bytes(b, &c, 1);
    } else if (n >= -128) {
        put_big_endian(b, 0xd0, (uint64_t)n, 1);
    } else if (n >= -32768) {
        put_big_endian(b, 0xd1, (uint64_t)n, 2);
    } else if (n >= -2147483648LL) {
        put_big_endian(b, 0xd2, (uint64_t)n, 4);
    } else {
        put_big_endian(b, 0xd3, (uint64_t)n, 8);
    }
}

static void encode_number(buffer_t *b, lua_Number n) {
    if (isfinite(n) && floor(n) == n && n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
        encode_integer(b, (int64_t)n);
        return;
    }
    float narrow = (float)n;
    if ((lua_Number)narrow == n) {
        uint32_t bits;
        memcpy(&bits, &narrow, 4);
        put_big_endian(b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, 8);
        put_big_endian(b, 0xcb, bits, 8);
    }
}

static void encode_string(buffer_t *b, const char *s, size_t length) {
    if (length < 32) {
        unsigned char c = (unsigned char)(0xa0 | length);
        put_bytes(b, &c, 1);
    } else if (length <= 0xff) {
        put_big_endian(b, 0xd9, length, 1);
    } else if (length <= 0xffff) {
        put_big_endian(b, 0xda, length, 2);
    } else {
        put_big_endian(b, 0xdb, length, 4);
    }
    put_bytes(b, s, length);
}

/* The array length when the table at the top has exactly the keys 1..n (n may be 0), else -1. */
static long array_length(lua_State *L) {
    long count = 0, highest = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return -1;
        }
        lua_Number key = lua_tonumber(L, -1);
        if (key < 1 || floor(key) != key || key > 2147483647.0) {
            lua_pop(L, 1);
            return -1;
        }
        if ((long)key > highest) highest = (long)key;
        count++;
    }
    return count == highest ? count : -1;
}

static void encode_value(lua_State *L, buffer_t *b, int depth);

/* Packs the table at the top of the stack (left there; encode_value pops it). */
static void encode_table(lua_State *L, buffer_t *b, int depth) {
    long length = array_length(L);
    if (length >= 0) {
        if (length <= 15) {
            unsigned char c = (unsigned char)(0x90 | length);
            put_bytes(b, &c, 1);
        } else if (length <= 0xffff) {
            put_big_endian(b, 0xdc, (uint64_t)length, 2);
        } else {
            put_big_endian(b, 0xdd, (uint64_t)length, 4);
        }
        for (long i = 1; i <= length; i++) {
            lua_rawgeti(L, -1, (int)i);
            encode_value(L, b, depth + 1);
        }
        return;
    }
    long pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        pairs++;
    }
    if (pairs <= 15) {
        unsigned char c = (unsigned char)(0x80 | pairs);
        put_bytes(b, &c, 1);
    } else if (pairs <= 0xffff) {
        put_big_endian(b, 0xde, (uint64_t)pairs, 2);
    } else {
        put_big_endian(b, 0xdf, (uint64_t)pairs, 4);
    }
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        encode_value(L, b, depth + 1); /* the key (a copy) */
        encode_value(L, b, depth + 1); /* the value */
    }
}

/* Packs the value at the top of the stack and pops it. */
static void encode_value(lua_State *L, buffer_t *b, int depth) {
    unsigned char nil = 0xc0;
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN: {
        unsigned char c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        put_bytes(b, &c, 1);
        break;
    }
    case LUA_TNUMBER:
        encode_number(b, lua_tonumber(L, -1));
        break;
    case LUA_TSTRING: {
        size_t length;
        const char *s = lua_tolstring(L, -1, &length);
        encode_string(b, s, length);
        break;
    }
    case LUA_TTABLE:
        if (depth < CMSGPACK_MAX_NESTING && lua_checkstack(L, 4)) {
            encode_table(L, b, depth);
        } else {
            put_bytes(b, &nil, 1);
        }
        break;
    default:
        put_bytes(b, &nil, 1);
        break;
    }
    lua_pop(L, 1);
}

static int cmsgpack_pack(lua_State *L) {
    int count = lua_gettop(L);
    if (count == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    buffer_t b = {NULL, 0, 0, 0};
    for (int i = 1; i <= count; i++) {
        lua_pushvalue(L, i);
        encode_value(L, &b, 0);
    }
    if (b.failed) {
        free(b.data);
        return luaL_error(L, "not enough memory for MessagePack pack");
    }
    lua_pushlstring(L, b.data ? b.data : "", b.length);
    free(b.data);
    return 1;
}

/* ---- Decoding. ---- */

typedef struct {
    const unsigned char *bytes;
    size_t length;
    size_t offset;
    int error; /* 1: missing bytes, 2: bad data */
} cursor_t;

static int need(cursor_t *c, size_t count) {
    if (c->length - c->offset < count) {
        c->error = 1;
        return 0;
    }
    return 1;
}

static uint64_t read_big_endian(cursor_t *c, int width) {
    uint64_t value = 0;
    for (int i = 0; i < width; i++) value = value << 8 | c->bytes[c->offset + i];
    c->offset += (size_t)width;
    return value;
}

static void decode_value(lua_State *L, cursor_t *c, int depth);

static void decode_array(lua_State *L, cursor_t *c, uint64_t count, int depth) {
    lua_newtable(L);
    for (uint64_t i = 1; i <= count && !c->error; i++) {
        decode_value(L, c, depth + 1);
        if (c->error) return;
        lua_rawseti(L, -2, (int)i);
    }
}

static void decode_map(lua_State *L, cursor_t *c, uint64_t count, int depth) {
    lua_newtable(L);
    for (uint64_t i = 0; i < count && !c->error; i++) {
        decode_value(L, c, depth + 1);
        if (c->error) return;
        decode_value(L, c, depth + 1);
        if (c->error) return;
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2); /* a nil key cannot be stored */
        } else {
            lua_rawset(L, -3);
        }
    }
}

static void decode_string(lua_State *L, cursor_t *c, uint64_t length) {
    if (!need(c, length)) return;
    lua_pushlstring(L, (const char *)c->bytes + c->offset, (size_t)length);
    c->offset += (size_t)length;
}

/* Pushes the next value (or sets c->error and pushes nothing). */
static void decode_value(lua_State *L, cursor_t *c, int depth) {
    if (!lua_checkstack(L, 4) || depth > 1000) {
        c->error = 2;
        return;
    }
    if (!need(c, 1)) return;
    unsigned char tag = c->bytes[c->offset++];
    if (tag <= 0x7f) {
        lua_pushnumber(L, tag);
    } else if (tag >= 0xe0) {
        lua_pushnumber(L, (int8_t)tag);
    } else if ((tag & 0xe0) == 0xa0) {
        decode_string(L, c, tag & 0x1f);
    } else if ((tag & 0xf0) == 0x90) {
        decode_array(L, c, tag & 0x0f, depth);
    } else if ((tag & 0xf0) == 0x80) {
        decode_map(L, c, tag & 0x0f, depth);
    } else {
        switch (tag) {
        case 0xc0: lua_pushnil(L); break;
        case 0xc2: lua_pushboolean(L, 0); break;
        case 0xc3: lua_pushboolean(L, 1); break;
        case 0xcc: if (need(c, 1)) lua_pushnumber(L, (lua_Number)read_big_endian(c, 1)); break;
        case 0xcd: if (need(c, 2)) lua_pushnumber(L, (lua_Number)read_big_endian(c, 2)); break;
        case 0xce: if (need(c, 4)) lua_pushnumber(L, (lua_Number)read_big_endian(c, 4)); break;
        case 0xcf: if (need(c, 8)) lua_pushnumber(L, (lua_Number)read_big_endian(c, 8)); break;
        case 0xd0: if (need(c, 1)) lua_pushnumber(L, (int8_t)read_big_endian(c, 1)); break;
        case 0xd1: if (need(c, 2)) lua_pushnumber(L, (int16_t)read_big_endian(c, 2)); break;
        case 0xd2: if (need(c, 4)) lua_pushnumber(L, (int32_t)read_big_endian(c, 4)); break;
        case 0xd3: if (need(c, 8)) lua_pushnumber(L, (lua_Number)(int64_t)read_big_endian(c, 8)); break;
        case 0xca:
            if (need(c, 4)) {
                uint32_t bits = (uint32_t)read_big_endian(c, 4);
                float value;
                memcpy(&value, &bits, 4);
                lua_pushnumber(L, value);
            }
            break;
        case 0xcb:
            if (need(c, 8)) {
                uint64_t bits = read_big_endian(c, 8);
                double value;
                memcpy(&value, &bits, 8);
                lua_pushnumber(L, value);
            }
            break;
        case 0xd9: if (need(c, 1)) decode_string(L, c, read_big_endian(c, 1)); break;
        case 0xda: if (need(c, 2)) decode_string(L, c, read_big_endian(c, 2)); break;
        case 0xdb: if (need(c, 4)) decode_string(L, c, read_big_endian(c, 4)); break;
        case 0xdc: if (need(c, 2)) decode_array(L, c, read_big_endian(c, 2), depth); break;
        case 0xdd: if (need(c, 4)) decode_array(L, c, read_big_endian(c, 4), depth); break;
        case 0xde: if (need(c, 2)) decode_map(L, c, read_big_endian(c, 2), depth); break;
        case 0xdf: if (need(c, 4)) decode_map(L, c, read_big_endian(c, 4), depth); break;
        default: c->error = 2; break;
        }
    }
}

/* Decodes up to `limit` values from `offset`; returns them preceded by the next offset (-1 at the end), or with
   `limit` 0 every value and no offset. (The library's error names the input's length as "limit".) */
static int unpack_full(lua_State *L, int limit, int offset) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    int with_offset = limit != 0;
    if (offset < 0 || limit < 0) {
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, (int)length);
    }
    if ((size_t)offset > length) return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)length);
    cursor_t c = {(const unsigned char *)s, length, (size_t)offset, 0};
    int base = lua_gettop(L);
    if (with_offset) lua_pushnil(L); /* the next offset, filled in below */
    int count = 0;
    while (c.offset < c.length && (limit == 0 || count < limit)) {
        decode_value(L, &c, 0);
        if (c.error == 1) return luaL_error(L, "Missing bytes in input.");
        if (c.error) return luaL_error(L, "Bad data format in input.");
        count++;
    }
    if (with_offset) {
        lua_pushinteger(L, c.offset >= c.length ? -1 : (lua_Integer)c.offset);
        lua_replace(L, base + 1);
    }
    return lua_gettop(L) - base;
}

static int cmsgpack_unpack(lua_State *L) { return unpack_full(L, 0, 0); }

static int cmsgpack_unpack_one(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_full(L, 1, offset);
}

static int cmsgpack_unpack_limit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_full(L, limit, offset);
}

int clua_open_cmsgpack(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", cmsgpack_pack},
        {"unpack", cmsgpack_unpack},
        {"unpack_one", cmsgpack_unpack_one},
        {"unpack_limit", cmsgpack_unpack_limit},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    lua_pushliteral(L, "lua-cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
