/* The `struct` library Redis embeds (binary packing of numbers and strings), which Debian does not package:
   struct.pack(format, ...), struct.unpack(format, data [, position]), struct.size(format). Written for swredis
   from the library's format language: `>` `<` `=` byte order, `!n` maximum alignment, `x` a zero byte, `b B` char,
   `h H` short, `l L` long, `T` size_t, `i I` int with an optional byte size (up to 32), `f` float, `d` double,
   `s` zero-terminated string, `cn` n characters (`c0`: the whole string when packing, the previous number's size
   when unpacking), spaces ignored. Each datum is aligned to min(its size, the maximum alignment). */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clua.h"

#define STRUCT_MAX_INT_SIZE 32
#define STRUCT_NATIVE_ALIGN 8

typedef struct {
    int little;
    int align;
} header_t;

/* A growable output buffer (the arguments stay where they are on the stack). */
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
} out_t;

static int out_put(out_t *out, const void *bytes, size_t count) {
    if (out->capacity - out->length < count) {
        size_t capacity = out->capacity ? out->capacity : 64;
        while (capacity - out->length < count) {
            if (capacity > ((size_t)-1) / 2) return 0;
            capacity *= 2;
        }
        char *grown = realloc(out->data, capacity);
        if (grown == NULL) return 0;
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->length, bytes, count);
    out->length += count;
    return 1;
}

static int is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

/* Reads a decimal size after an option, or `fallback` without one. */
static int read_number(lua_State *L, const char **format, int fallback, out_t *out) {
    if (!isdigit((unsigned char)**format)) return fallback;
    int n = 0;
    while (isdigit((unsigned char)**format)) {
        int digit = **format - '0';
        if (n > (INT_MAX - digit) / 10) {
            free(out ? out->data : NULL);
            if (out) out->data = NULL;
            luaL_error(L, "integral size overflow");
        }
        n = n * 10 + digit;
        (*format)++;
    }
    return n;
}

/* The size of option `option` (after which `format` points), or 0 for options without data. */
static size_t option_size(lua_State *L, char option, const char **format, out_t *out) {
    switch (option) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_number(L, format, 1, out);
    case 'i': case 'I': {
        int size = read_number(L, format, sizeof(int), out);
        if (size > STRUCT_MAX_INT_SIZE) {
            free(out ? out->data : NULL);
            if (out) out->data = NULL;
            luaL_error(L, "integral size %d is larger than limit of %d", size, STRUCT_MAX_INT_SIZE);
        }
        return (size_t)size;
    }
    default: return 0;
    }
}

/* Padding before a datum of `size` at `length`. */
static size_t padding(size_t length, const header_t *h, char option, size_t size) {
    if (size == 0 || option == 'c') return 0;
    if (size > (size_t)h->align) size = (size_t)h->align;
    return (size - (length & (size - 1))) & (size - 1);
}

/* Byte order and alignment options; returns 1 when `option` was one of them. */
static int control_option(lua_State *L, char option, const char **format, header_t *h, out_t *out) {
    switch (option) {
    case ' ': return 1;
    case '>': h->little = 0; return 1;
    case '<': h->little = 1; return 1;
    case '=': h->little = 1; return 1;
    case '!': {
        int align = read_number(L, format, STRUCT_NATIVE_ALIGN, out);
        if (!is_power_of_two(align)) {
            free(out ? out->data : NULL);
            if (out) out->data = NULL;
            luaL_error(L, "alignment %d is not a power of 2", align);
        }
        h->align = align;
        return 1;
    }
    default: return 0;
    }
}

static void put_integer(out_t *out, lua_Number number, int little, size_t size, int *ok) {
    unsigned char bytes[STRUCT_MAX_INT_SIZE];
    uint64_t value = number < 0 ? (uint64_t)(int64_t)number : (uint64_t)number;
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = i < 8 ? (unsigned char)(value >> (8 * i)) : 0;
        bytes[little ? i : size - 1 - i] = byte;
    }
    if (!out_put(out, bytes, size)) *ok = 0;
}

static void copy_swapped(void *destination, const void *source, size_t size, int little) {
    const unsigned char *from = source;
    unsigned char *to = destination;
    for (size_t i = 0; i < size; i++) to[i] = little ? from[i] : from[size - 1 - i];
}

static int struct_pack(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    header_t h = {1, 1};
    out_t out = {NULL, 0, 0};
    lua_pushnil(L); /* as the library does: one missing argument reads as nil */
    int argument = 2, ok = 1;
    static const unsigned char zeros[STRUCT_NATIVE_ALIGN * 8];
    while (*format != '\0' && ok) {
        char option = *format++;
        if (control_option(L, option, &format, &h, &out)) continue;
        size_t size = option_size(L, option, &format, &out);
        size_t pad = padding(out.length, &h, option, size);
        if (pad > 0 && !out_put(&out, zeros, pad)) ok = 0;
        switch (option) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
            if (!lua_isnumber(L, argument)) {
                free(out.data);
                luaL_checknumber(L, argument); /* raises Lua's own "number expected, got ..." */
            }
            put_integer(&out, lua_tonumber(L, argument++), h.little, size, &ok);
            break;
        }
        case 'x':
            if (!out_put(&out, zeros, 1)) ok = 0;
            break;
        case 'f': case 'd': {
            if (!lua_isnumber(L, argument)) {
                free(out.data);
                luaL_checknumber(L, argument); /* raises Lua's own "number expected, got ..." */
            }
            unsigned char bytes[sizeof(double)];
            if (option == 'f') {
                float value = (float)lua_tonumber(L, argument++);
                copy_swapped(bytes, &value, sizeof value, h.little);
            } else {
                double value = (double)lua_tonumber(L, argument++);
                copy_swapped(bytes, &value, sizeof value, h.little);
            }
            if (!out_put(&out, bytes, size)) ok = 0;
            break;
        }
        case 'c': case 's': {
            size_t length;
            const char *text = lua_tolstring(L, argument, &length);
            if (text == NULL) {
                free(out.data);
                luaL_checkstring(L, argument); /* raises Lua's own "string expected, got ..." */
            }
            if (option == 'c' && size == 0) size = length;
            if (option == 'c' && length < size) {
                free(out.data);
                return luaL_argerror(L, argument + 1, "string too short"); /* the library names the next argument */
            }
            if (option == 's') size = length;
            if (!out_put(&out, text, size)) ok = 0;
            if (option == 's' && !out_put(&out, zeros, 1)) ok = 0;
            argument++;
            break;
        }
        default:
            free(out.data);
            return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
        }
    }
    if (!ok) {
        free(out.data);
        return luaL_error(L, "not enough memory for struct.pack");
    }
    lua_pushlstring(L, out.data ? out.data : "", out.length);
    free(out.data);
    return 1;
}

static lua_Number get_integer(const unsigned char *data, int little, int is_signed, size_t size) {
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = little ? data[size - 1 - i] : data[i];
        value = value << 8 | byte;
    }
    if (is_signed && size < 8) {
        uint64_t sign = (uint64_t)1 << (size * 8 - 1);
        if (value & sign) value |= ~(((uint64_t)1 << (size * 8)) - 1);
        return (lua_Number)(int64_t)value;
    }
    return is_signed ? (lua_Number)(int64_t)value : (lua_Number)value;
}

static int struct_unpack(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    size_t length;
    const unsigned char *data = (const unsigned char *)luaL_checklstring(L, 2, &length);
    /* Unsigned as in the library: a negative offset is a huge one, then "data string too short". */
    size_t position = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, position > 0, 3, "offset must be 1 or greater");
    position--;
    header_t h = {1, 1};
    int results = 0;
    while (*format != '\0') {
        char option = *format++;
        if (control_option(L, option, &format, &h, NULL)) continue;
        size_t size = option_size(L, option, &format, NULL);
        position += padding(position, &h, option, size);
        luaL_argcheck(L, position <= length && size <= length - position, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (option) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
            int is_signed = islower((unsigned char)option);
            lua_pushnumber(L, get_integer(data + position, h.little, is_signed, size > 8 ? 8 : size));
            results++;
            break;
        }
        case 'x': break;
        case 'f': {
            float value;
            copy_swapped(&value, data + position, sizeof value, h.little);
            lua_pushnumber(L, value);
            results++;
            break;
        }
        case 'd': {
            double value;
            copy_swapped(&value, data + position, sizeof value, h.little);
            lua_pushnumber(L, value);
            results++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                lua_Number previous = lua_tonumber(L, -1);
                lua_pop(L, 1);
                results--;
                luaL_argcheck(L, previous >= 0 && previous <= (lua_Number)(length - position), 2, "data string too short");
                size = (size_t)previous;
            }
            lua_pushlstring(L, (const char *)data + position, size);
            results++;
            break;
        case 's': {
            const unsigned char *end = memchr(data + position, '\0', length - position);
            if (end == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(end - (data + position)) + 1;
            lua_pushlstring(L, (const char *)data + position, size - 1);
            results++;
            break;
        }
        default:
            return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
        }
        position += size;
    }
    lua_pushinteger(L, (lua_Integer)position + 1);
    return results + 1;
}

static int struct_size(lua_State *L) {
    const char *format = luaL_checkstring(L, 1);
    header_t h = {1, 1};
    size_t position = 0;
    while (*format != '\0') {
        char option = *format++;
        if (control_option(L, option, &format, &h, NULL)) continue;
        size_t size = option_size(L, option, &format, NULL);
        position += padding(position, &h, option, size);
        if (option == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
        if (option == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
        position += size; /* an unknown option counts nothing */
    }
    lua_pushinteger(L, (lua_Integer)position);
    return 1;
}

int clua_open_struct(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", struct_pack},
        {"unpack", struct_unpack},
        {"size", struct_size},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
