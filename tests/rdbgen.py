"""rdbgen -- a small, independent writer of Redis RDB files and DUMP payloads.

Written from the format description (not from Redis's sources) so that it can
serve as a second opinion when testing swredis's RDB reader.  It deliberately
covers the *old* encodings too (zipmap, ziplist, intset, quicklist v1), which a
modern Redis never writes but still loads.

Layers
  crc64(data)                  Redis's CRC-64 (Jones polynomial, reflected, init 0)
  lzf_compress / lzf_decompress  a valid LZF stream (literal runs + back-references)
  rdb_len(n, width)            6/14/32/64-bit length encodings (width forces a
                               non-minimal encoding, which loaders must accept)
  rdb_string(s, enc)           raw / int8 / int16 / int32 / lzf string encodings
  ziplist(items) / listpack(items) / intset(values, width) / zipmap(pairs)
                               the packed blobs, entry by entry
  encode_value(encoding, data) the serialized value (no type byte)
  RDBWriter                    magic, AUX, SELECTDB, RESIZEDB, expiries, IDLE/FREQ,
                               keys, EOF + CRC-64 trailer (or a zero checksum)
  dump_payload(encoding, data) what DUMP returns / RESTORE accepts
  FIXTURES                     ready-made files (with their expected contents)
                               used by tests/test_rdb_interop.py

`python3 tests/rdbgen.py` runs the self-checks (CRC check value, LZF round
trips); `python3 tests/rdbgen.py DIR` also writes every fixture into DIR.
"""

from __future__ import annotations

import math
import random
import re
import struct
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

Bytesish = Union[bytes, bytearray, str, int]

# --------------------------------------------------------------------------
# CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected in and out, init 0,
# no final xor) -- the checksum at the end of RDB files and DUMP payloads.
# --------------------------------------------------------------------------

_CRC64_POLY_REFLECTED = 0x95AC9329AC4BC9B5


def _crc64_table() -> List[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC64_POLY_REFLECTED if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64_TABLE = _crc64_table()


def crc64(data: bytes, crc: int = 0) -> int:
    """CRC-64 as Redis computes it; crc64(b"123456789") == 0xe9c6d914c4b8d9ca.
    `crc` continues a previous computation."""
    t = _CRC64_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


# --------------------------------------------------------------------------
# LZF
#   control byte c < 32        : literal run of c+1 bytes follows
#   control byte c >= 32       : back-reference; n = c >> 5 (7 => n += next byte),
#                                off = ((c & 31) << 8) | following byte,
#                                copy n+2 bytes from (output position - off - 1)
# --------------------------------------------------------------------------

def lzf_compress(data: bytes) -> bytes:
    """Greedy LZF compressor (hash of the last position of each 3-byte
    sequence).  Always produces a valid stream, even if it is longer than the
    input."""
    data = bytes(data)
    n = len(data)
    out = bytearray()
    lit = bytearray()

    def flush():
        for i in range(0, len(lit), 32):
            chunk = lit[i:i + 32]
            out.append(len(chunk) - 1)
            out.extend(chunk)
        lit.clear()

    last: Dict[bytes, int] = {}
    i = 0
    while i < n:
        if i + 3 <= n:
            key = data[i:i + 3]
            ref = last.get(key)
            last[key] = i
            if ref is not None and i - ref - 1 <= 0x1FFF:
                maxlen = min(264, n - i)
                m = 3
                while m < maxlen and data[ref + m] == data[i + m]:
                    m += 1
                flush()
                off = i - ref - 1
                ln = m - 2
                if ln < 7:
                    out.append((ln << 5) | (off >> 8))
                else:
                    out.append((7 << 5) | (off >> 8))
                    out.append(ln - 7)
                out.append(off & 0xFF)
                # remember a few positions inside the match too
                for j in range(i + 1, min(i + m, n - 2)):
                    last[data[j:j + 3]] = j
                i += m
                continue
        lit.append(data[i])
        i += 1
    flush()
    return bytes(out)


def lzf_decompress(data: bytes, expected_len: Optional[int] = None) -> bytes:
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        i += 1
        if c < 32:
            ln = c + 1
            if i + ln > n:
                raise ValueError("LZF literal run past end of input")
            out += data[i:i + ln]
            i += ln
        else:
            ln = c >> 5
            if ln == 7:
                ln += data[i]
                i += 1
            off = ((c & 31) << 8) | data[i]
            i += 1
            ref = len(out) - off - 1
            if ref < 0:
                raise ValueError("LZF back-reference before start of output")
            for k in range(ln + 2):
                out.append(out[ref + k])
    if expected_len is not None and len(out) != expected_len:
        raise ValueError(f"LZF output is {len(out)} bytes, expected {expected_len}")
    return bytes(out)


# --------------------------------------------------------------------------
# Primitive encodings
# --------------------------------------------------------------------------

def b(x: Bytesish) -> bytes:
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, int):
        return str(x).encode()
    raise TypeError(type(x))


_CANON_INT = re.compile(rb"^(0|-?[1-9][0-9]*)\Z")


def as_int(s: bytes) -> Optional[int]:
    """The int64 value of `s` if it is the canonical decimal form of one
    (what Redis's string2ll accepts for packed encodings), else None."""
    if len(s) > 20 or not _CANON_INT.match(s):
        return None
    v = int(s)
    if -(1 << 63) <= v < (1 << 63):
        return v
    return None


def rdb_len(n: int, width: Optional[int] = None) -> bytes:
    """Length encoding; width 6, 14, 32 or 64 forces that form."""
    if width is None:
        width = 6 if n < 64 else 14 if n < 16384 else 32 if n <= 0xFFFFFFFF else 64
    if width == 6:
        assert 0 <= n < 64
        return bytes([n])
    if width == 14:
        assert 0 <= n < 16384
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if width == 32:
        return b"\x80" + struct.pack(">I", n)
    if width == 64:
        return b"\x81" + struct.pack(">Q", n)
    raise ValueError(width)


def rdb_string(s: Bytesish, enc: str = "auto", lenwidth: Optional[int] = None) -> bytes:
    """String encoding.  enc: "raw", "int8", "int16", "int32", "int" (smallest
    integer form), "lzf", or "auto" (integer if it fits 32 bits, LZF if longer
    than 20 bytes and it saves space, else raw -- what Redis itself does)."""
    s = b(s)
    if enc == "auto":
        v = as_int(s)
        if v is not None and -(1 << 31) <= v < (1 << 31):
            enc = "int"
        elif len(s) > 20:
            c = lzf_compress(s)
            enc = "lzf" if len(c) + 4 < len(s) else "raw"
        else:
            enc = "raw"
    if enc == "int":
        v = as_int(s)
        assert v is not None, s
        enc = "int8" if -128 <= v <= 127 else "int16" if -32768 <= v <= 32767 else "int32"
    if enc == "raw":
        return rdb_len(len(s), lenwidth) + s
    if enc in ("int8", "int16", "int32"):
        v = as_int(s)
        assert v is not None, f"{s!r} is not a canonical integer"
        fmt, code = {"int8": ("<b", 0), "int16": ("<h", 1), "int32": ("<i", 2)}[enc]
        return bytes([0xC0 | code]) + struct.pack(fmt, v)
    if enc == "lzf":
        c = lzf_compress(s)
        assert lzf_decompress(c, len(s)) == s
        return b"\xC3" + rdb_len(len(c), lenwidth) + rdb_len(len(s), lenwidth) + c
    raise ValueError(enc)


def rdb_double_text(x: float) -> bytes:
    """Old (type 3 zset) score: length byte + ASCII; 253 nan, 254 +inf, 255 -inf."""
    if math.isnan(x):
        return b"\xFD"
    if math.isinf(x):
        return b"\xFE" if x > 0 else b"\xFF"
    t = repr(float(x)).encode()
    return bytes([len(t)]) + t


def rdb_double_bin(x: float) -> bytes:
    return struct.pack("<d", x)


def score_text(x: float) -> bytes:
    """How a score is stored inside a ziplist/listpack (integral values end up
    as integer entries)."""
    if math.isinf(x):
        return b"inf" if x > 0 else b"-inf"
    if x == int(x) and abs(x) < 2 ** 53:
        return str(int(x)).encode()
    return repr(float(x)).encode()


# --------------------------------------------------------------------------
# Ziplist
#   <zlbytes u32le><zltail u32le><zllen u16le> entries... 0xFF
#   entry: <prevlen: 1 byte, or 0xFE + u32le> <encoding> <data>
# --------------------------------------------------------------------------

def ziplist_entry_body(item: Bytesish) -> bytes:
    """Encoding + data of one ziplist entry (integers use the smallest form)."""
    s = b(item)
    v = as_int(s)
    if v is not None:
        if 0 <= v <= 12:
            return bytes([0xF1 + v])
        if -128 <= v <= 127:
            return b"\xFE" + struct.pack("<b", v)
        if -32768 <= v <= 32767:
            return b"\xC0" + struct.pack("<h", v)
        if -(1 << 23) <= v < (1 << 23):
            return b"\xF0" + (v & 0xFFFFFF).to_bytes(3, "little")
        if -(1 << 31) <= v < (1 << 31):
            return b"\xD0" + struct.pack("<i", v)
        return b"\xE0" + struct.pack("<q", v)
    n = len(s)
    if n < 64:
        return bytes([n]) + s
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF]) + s
    return b"\x80" + struct.pack(">I", n) + s


def ziplist(items: Iterable[Bytesish]) -> bytes:
    entries: List[bytes] = []
    prev = 0
    for it in items:
        pl = bytes([prev]) if prev < 254 else b"\xFE" + struct.pack("<I", prev)
        e = pl + ziplist_entry_body(it)
        entries.append(e)
        prev = len(e)
    header = 10
    tail = header + sum(len(e) for e in entries[:-1])
    body = b"".join(entries)
    total = header + len(body) + 1
    return struct.pack("<IIH", total, tail, min(len(entries), 0xFFFF)) + body + b"\xFF"


# --------------------------------------------------------------------------
# Listpack
#   <total bytes u32le><num elements u16le> entries... 0xFF
#   entry: <encoding+data><backlen>, backlen = len(encoding+data) in 7-bit
#   groups, most significant first, every byte but the first has bit 7 set.
# --------------------------------------------------------------------------

def lp_backlen(n: int) -> bytes:
    if n <= 127:
        return bytes([n])
    if n < 16383:
        return bytes([n >> 7, (n & 127) | 128])
    if n < 2097151:
        return bytes([n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128])
    if n < 268435455:
        return bytes([n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128])
    return bytes([n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128,
                  ((n >> 7) & 127) | 128, (n & 127) | 128])


def listpack_entry(item: Bytesish) -> bytes:
    s = b(item)
    v = as_int(s)
    if v is not None:
        if 0 <= v <= 127:
            body = bytes([v])
        elif -4096 <= v <= 4095:
            u = v & 0x1FFF
            body = bytes([0xC0 | (u >> 8), u & 0xFF])
        elif -32768 <= v <= 32767:
            body = b"\xF1" + struct.pack("<h", v)
        elif -(1 << 23) <= v < (1 << 23):
            body = b"\xF2" + (v & 0xFFFFFF).to_bytes(3, "little")
        elif -(1 << 31) <= v < (1 << 31):
            body = b"\xF3" + struct.pack("<i", v)
        else:
            body = b"\xF4" + struct.pack("<q", v)
    else:
        n = len(s)
        if n < 64:
            body = bytes([0x80 | n]) + s
        elif n < 4096:
            body = bytes([0xE0 | (n >> 8), n & 0xFF]) + s
        else:
            body = b"\xF0" + struct.pack("<I", n) + s
    return body + lp_backlen(len(body))


def listpack(items: Iterable[Bytesish]) -> bytes:
    entries = [listpack_entry(i) for i in items]
    body = b"".join(entries)
    return struct.pack("<IH", 6 + len(body) + 1, min(len(entries), 0xFFFF)) + body + b"\xFF"


# --------------------------------------------------------------------------
# Intset: <encoding u32le = 2|4|8><length u32le><sorted unique values, LE>
# --------------------------------------------------------------------------

def intset(values: Iterable[int], width: Optional[int] = None) -> bytes:
    vals = sorted(set(int(v) for v in values))
    need = 2
    for v in vals:
        if not -32768 <= v <= 32767:
            need = max(need, 4)
        if not -(1 << 31) <= v < (1 << 31):
            need = 8
    width = width or need
    assert width >= need, "values do not fit the requested intset width"
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(vals)) + b"".join(struct.pack(fmt, v) for v in vals)


# --------------------------------------------------------------------------
# Zipmap (Redis < 2.6 small hashes)
#   <count byte (254 = unknown)> { <len>field <len><free>value <free bytes> }... 0xFF
#   len: 1 byte if < 254, else 254 + u32le
# --------------------------------------------------------------------------

def _zm_len(n: int) -> bytes:
    return bytes([n]) if n < 254 else b"\xFE" + struct.pack("<I", n)


def zipmap(pairs: Sequence[Tuple[Bytesish, Bytesish]], free: int = 0, unknown_count: bool = False) -> bytes:
    """`free` unused bytes are appended after the first value (as a zipmap
    that was updated in place would have)."""
    out = bytearray([254 if unknown_count or len(pairs) >= 254 else len(pairs)])
    for i, (f, v) in enumerate(pairs):
        f, v = b(f), b(v)
        fr = free if i == 0 else 0
        out += _zm_len(len(f)) + f + _zm_len(len(v)) + bytes([fr]) + v + b"\0" * fr
    out.append(0xFF)
    return bytes(out)


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18

ENCODINGS = {
    # encoding name: (type byte, logical kind)
    "string": (TYPE_STRING, "string"),
    "list": (TYPE_LIST, "list"),
    "set": (TYPE_SET, "set"),
    "zset": (TYPE_ZSET, "zset"),
    "hash": (TYPE_HASH, "hash"),
    "zset2": (TYPE_ZSET_2, "zset"),
    "hash_zipmap": (TYPE_HASH_ZIPMAP, "hash"),
    "list_ziplist": (TYPE_LIST_ZIPLIST, "list"),
    "set_intset": (TYPE_SET_INTSET, "set"),
    "zset_ziplist": (TYPE_ZSET_ZIPLIST, "zset"),
    "hash_ziplist": (TYPE_HASH_ZIPLIST, "hash"),
    "list_quicklist": (TYPE_LIST_QUICKLIST, "list"),
    "hash_listpack": (TYPE_HASH_LISTPACK, "hash"),
    "zset_listpack": (TYPE_ZSET_LISTPACK, "zset"),
    "list_quicklist2": (TYPE_LIST_QUICKLIST_2, "list"),
}

QUICKLIST_PLAIN = 1
QUICKLIST_PACKED = 2


def _pairs(data) -> List[Tuple[bytes, bytes]]:
    items = data.items() if isinstance(data, dict) else data
    return [(b(k), b(v)) for k, v in items]


def _zpairs(data) -> List[Tuple[bytes, float]]:
    items = data.items() if isinstance(data, dict) else data
    return [(b(m), float(s)) for m, s in items]


def _zsorted(pairs):
    return sorted(pairs, key=lambda p: (p[1], p[0]))


def _blob(blob: bytes, opts: dict) -> bytes:
    """A packed blob stored as an RDB string (optionally LZF compressed)."""
    return rdb_string(blob, "lzf" if opts.get("lzf") else "raw")


def encode_value(encoding: str, data, **opts) -> bytes:
    """Serialized value (everything after the key) for `encoding`.

    data by encoding:
      string                      bytes/str/int
      list, list_ziplist          list of elements
      set                         iterable of members
      set_intset                  iterable of ints   (opts: width=2|4|8)
      zset, zset2, zset_ziplist, zset_listpack   {member: score} or pairs
      hash, hash_zipmap, hash_ziplist, hash_listpack   {field: value} or pairs
                                  (hash_zipmap opts: free=N, unknown_count=True)
      list_quicklist              list of nodes, each a list of elements
      list_quicklist2             list of nodes: ("packed", [elements]) or ("plain", bytes)
    opts: lenwidth (force the width of the element-count length),
          enc (string encoding for "string"), lzf=True (LZF-compress packed
          blobs), lzf_nodes={node indexes} for quicklists.
    """
    lw = opts.get("lenwidth")
    if encoding == "string":
        return rdb_string(data, opts.get("enc", "auto"), opts.get("strlenwidth"))
    if encoding == "list":
        return rdb_len(len(data), lw) + b"".join(rdb_string(x) for x in data)
    if encoding == "set":
        data = list(data)
        return rdb_len(len(data), lw) + b"".join(rdb_string(x) for x in data)
    if encoding == "zset":
        pairs = _zpairs(data)
        return rdb_len(len(pairs), lw) + b"".join(rdb_string(m) + rdb_double_text(s) for m, s in pairs)
    if encoding == "zset2":
        pairs = _zpairs(data)
        return rdb_len(len(pairs), lw) + b"".join(rdb_string(m) + rdb_double_bin(s) for m, s in pairs)
    if encoding == "hash":
        pairs = _pairs(data)
        return rdb_len(len(pairs), lw) + b"".join(rdb_string(f) + rdb_string(v) for f, v in pairs)
    if encoding == "hash_zipmap":
        return _blob(zipmap(_pairs(data), opts.get("free", 0), opts.get("unknown_count", False)), opts)
    if encoding == "list_ziplist":
        return _blob(ziplist(data), opts)
    if encoding == "set_intset":
        return _blob(intset(data, opts.get("width")), opts)
    if encoding == "zset_ziplist":
        flat = [x for m, s in _zsorted(_zpairs(data)) for x in (m, score_text(s))]
        return _blob(ziplist(flat), opts)
    if encoding == "zset_listpack":
        flat = [x for m, s in _zsorted(_zpairs(data)) for x in (m, score_text(s))]
        return _blob(listpack(flat), opts)
    if encoding == "hash_ziplist":
        return _blob(ziplist([x for p in _pairs(data) for x in p]), opts)
    if encoding == "hash_listpack":
        return _blob(listpack([x for p in _pairs(data) for x in p]), opts)
    if encoding == "list_quicklist":
        lzf_nodes = opts.get("lzf_nodes", ())
        out = rdb_len(len(data), lw)
        for i, node in enumerate(data):
            out += rdb_string(ziplist(node), "lzf" if i in lzf_nodes else "raw")
        return out
    if encoding == "list_quicklist2":
        lzf_nodes = opts.get("lzf_nodes", ())
        out = rdb_len(len(data), lw)
        for i, (kind, node) in enumerate(data):
            enc = "lzf" if i in lzf_nodes else "raw"
            if kind == "plain":
                out += rdb_len(QUICKLIST_PLAIN) + rdb_string(node, enc)
            elif kind == "packed":
                out += rdb_len(QUICKLIST_PACKED) + rdb_string(listpack(node), enc)
            else:
                raise ValueError(kind)
        return out
    raise ValueError(f"unknown encoding {encoding!r}")


def logical_value(encoding: str, data):
    """(kind, value) as a client sees it: bytes / list of bytes / set of bytes /
    {member: float} / {field: value}."""
    kind = ENCODINGS[encoding][1]
    if kind == "string":
        return kind, b(data)
    if encoding == "list_quicklist":
        return kind, [b(x) for node in data for x in node]
    if encoding == "list_quicklist2":
        out = []
        for k, node in data:
            out.extend([b(node)] if k == "plain" else [b(x) for x in node])
        return kind, out
    if kind == "list":
        return kind, [b(x) for x in data]
    if kind == "set":
        return kind, {b(x) for x in data}
    if kind == "zset":
        return kind, dict(_zpairs(data))
    return kind, dict(_pairs(data))


def dump_payload(encoding: str, data, version: int = 10, **opts) -> bytes:
    """DUMP format: type byte, value, RDB version (u16le), CRC-64 (u64le) of all
    the preceding bytes."""
    body = bytes([ENCODINGS[encoding][0]]) + encode_value(encoding, data, **opts) + struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


# --------------------------------------------------------------------------
# Whole files
# --------------------------------------------------------------------------

OP_FUNCTION2 = 0xF5
OP_IDLE = 0xF8
OP_FREQ = 0xF9
OP_AUX = 0xFA
OP_RESIZEDB = 0xFB
OP_EXPIRETIME_MS = 0xFC
OP_EXPIRETIME = 0xFD
OP_SELECTDB = 0xFE
OP_EOF = 0xFF


class RDBWriter:
    """Build an RDB file piece by piece:

        w = RDBWriter(version=10)
        w.aux("redis-ver", "7.0.0")
        w.select_db(0); w.resize_db(2, 1)
        w.key("k", "string", b"v", expire_ms=...)
        data = w.finish()          # EOF + CRC (or zero checksum)
    """

    def __init__(self, version: int = 10, checksum: bool = True):
        self.version = version
        self.checksum = checksum
        self.buf = bytearray(b"REDIS%04d" % version)

    def raw(self, data: bytes) -> "RDBWriter":
        self.buf += data
        return self

    def aux(self, key: Bytesish, value: Bytesish, enc: str = "auto") -> "RDBWriter":
        self.buf.append(OP_AUX)
        self.buf += rdb_string(key, "raw") + rdb_string(value, enc)
        return self

    def select_db(self, db: int, width: Optional[int] = None) -> "RDBWriter":
        self.buf.append(OP_SELECTDB)
        self.buf += rdb_len(db, width)
        return self

    def resize_db(self, size: int, expires: int, width: Optional[int] = None) -> "RDBWriter":
        self.buf.append(OP_RESIZEDB)
        self.buf += rdb_len(size, width) + rdb_len(expires, width)
        return self

    def key(self, key: Bytesish, encoding: str, data, *, expire_ms: Optional[int] = None,
            expire_s: Optional[int] = None, idle: Optional[int] = None, freq: Optional[int] = None,
            key_enc: str = "auto", **opts) -> "RDBWriter":
        if expire_ms is not None:
            self.buf.append(OP_EXPIRETIME_MS)
            self.buf += struct.pack("<q", expire_ms)
        if expire_s is not None:
            self.buf.append(OP_EXPIRETIME)
            self.buf += struct.pack("<i", expire_s)
        if idle is not None:
            self.buf.append(OP_IDLE)
            self.buf += rdb_len(idle)
        if freq is not None:
            self.buf.append(OP_FREQ)
            self.buf.append(freq)
        self.buf.append(ENCODINGS[encoding][0])
        self.buf += rdb_string(key, key_enc)
        self.buf += encode_value(encoding, data, **opts)
        return self

    def finish(self) -> bytes:
        self.buf.append(OP_EOF)
        if self.version >= 5:
            c = crc64(bytes(self.buf)) if self.checksum else 0
            self.buf += struct.pack("<Q", c)
        return bytes(self.buf)


# --------------------------------------------------------------------------
# Fixtures: files with every encoding, plus their expected contents
# --------------------------------------------------------------------------

class Fixture:
    """An RDB file being built together with its expected contents.

    expected[db][key] = (kind, value, expire_at_ms or None)
    expired[db]       = keys written with an expiry in the past (must be absent)
    dumps             = [(key, encoding, data, opts)] -- every value, for RESTORE tests
    """

    def __init__(self, name: str, version: int, checksum: bool = True):
        self.name = name
        self.w = RDBWriter(version, checksum)
        self.expected: Dict[int, Dict[bytes, tuple]] = {}
        self.expired: Dict[int, List[bytes]] = {}
        self.dumps: List[tuple] = []
        self.db = 0
        self.data: Optional[bytes] = None

    def select(self, db: int, size: int = 0, expires: int = 0, width: Optional[int] = None, resize: bool = True):
        self.db = db
        self.expected.setdefault(db, {})
        self.w.select_db(db, width)
        if resize:
            self.w.resize_db(size, expires)

    def add(self, key: Bytesish, encoding: str, data, *, expire_ms=None, expire_s=None, **kw):
        key = b(key)
        self.w.key(key, encoding, data, expire_ms=expire_ms, expire_s=expire_s, **kw)
        at = expire_ms if expire_ms is not None else (expire_s * 1000 if expire_s is not None else None)
        opts = {k: v for k, v in kw.items() if k not in ("idle", "freq", "key_enc")}
        if at is not None and at <= int(time.time() * 1000):
            self.expired.setdefault(self.db, []).append(key)
        else:
            kind, value = logical_value(encoding, data)
            assert key not in self.expected[self.db], key
            self.expected[self.db][key] = (kind, value, at)
        self.dumps.append((key, encoding, data, opts))

    def finish(self) -> "Fixture":
        self.data = self.w.finish()
        return self


def _ints_all_ziplist_encodings() -> List[bytes]:
    # immediate 0..12, int8, int16, int24, int32, int64 (both signs)
    return [b(v) for v in (0, 7, 12, 13, -1, 127, -128, 128, -129, 32767, -32768, 32768, -32769,
                           (1 << 23) - 1, -(1 << 23), 1 << 23, -(1 << 23) - 1,
                           (1 << 31) - 1, -(1 << 31), 1 << 31, -(1 << 31) - 1,
                           (1 << 63) - 1, -(1 << 63))]


def _ints_all_listpack_encodings() -> List[bytes]:
    # 7-bit uint, 13-bit, int16, int24, int32, int64 (both signs)
    return [b(v) for v in (0, 1, 127, 128, -1, 4095, -4096, 4096, -4097, 32767, -32768, 32768, -32769,
                           (1 << 23) - 1, -(1 << 23), 1 << 23, -(1 << 23) - 1,
                           (1 << 31) - 1, -(1 << 31), 1 << 31, -(1 << 31) - 1,
                           (1 << 63) - 1, -(1 << 63))]


def _common_strings(rng: random.Random) -> Dict[str, bytes]:
    return {
        "s6": b"short",                                    # 6-bit length
        "s14": bytes(rng.randrange(256) for _ in range(300)),  # 14-bit length, binary; prevlen >= 254 next
        "s32": (b"0123456789abcdef" * 1100)[:17000],       # 32-bit length
        "empty": b"",
        "intlike": b"007",                                 # looks numeric, must stay a string
        "neg0": b"-0",
        "big": b"18446744073709551616",                    # > int64: a string
    }


def build_fixtures(now_ms: Optional[int] = None) -> Dict[str, Fixture]:
    """Fixture files (deterministic apart from the expiry times, which are
    relative to `now_ms`)."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    now_s = now_ms // 1000
    rng = random.Random(4242)
    S = _common_strings(rng)
    zi = _ints_all_ziplist_encodings()
    li = _ints_all_listpack_encodings()
    zl_list = [S["s6"], *zi, S["s14"], b"after-long", S["s32"], S["empty"], S["intlike"], S["neg0"], S["big"], b"end"]
    lp_list = [S["s6"], *li, S["s14"], b"x" * 4095, S["s32"], S["empty"], S["intlike"], S["big"], b"end"]
    scores = {b"minf": float("-inf"), b"neg": -2.5, b"zero": 0.0, b"frac": 0.1, b"one": 1.0,
              b"big": 1e300, b"tiny": 5e-324, b"int": 42.0, b"pinf": float("inf"), b"": 3.0,
              b"12": -7.0}
    smallhash = [(b"f1", b"v1"), (b"num", b"123"), (b"neg", b"-5"), (b"empty", b""), (b"", b"empty-field"),
                 (b"big", b"9223372036854775807"), (b"bin\x00\xff", bytes(range(40)))]
    bighash_lp = [(b"field%d" % i, b(v)) for i, v in enumerate(li)] + [(b"long", b"L" * 5000)]
    fixtures: Dict[str, Fixture] = {}

    def aux_std(f: Fixture, ver: str):
        f.w.aux("redis-ver", ver)
        f.w.aux("redis-bits", 64)                     # int8-encoded
        f.w.aux("ctime", now_s)                       # int32-encoded
        f.w.aux("used-mem", 1048576)                  # int32-encoded
        f.w.aux("swredis-unknown-aux", "must be ignored")

    # ---- v6: the pre-quicklist world -------------------------------------
    f = Fixture("v6-legacy", 6)
    aux_std(f, "3.2.13")
    f.select(0, 20, 4)
    f.add("str:raw", "string", b"hello world", enc="raw")
    f.add("str:int8", "string", b"-100", enc="int8")
    f.add("str:int16", "string", b"30000", enc="int16")
    f.add("str:int32", "string", b"-2000000000", enc="int32")
    f.add("str:int8max", "string", b"127", enc="int8")
    f.add(12345, "string", b"int-encoded key", key_enc="int16")
    f.add("str:lzf", "string", b"abcdefgh" * 200 + b"tail", enc="lzf")
    f.add("str:lzf-run", "string", b"a" * 3000, enc="lzf")
    f.add("str:lzf-random", "string", bytes(rng.randrange(256) for _ in range(200)), enc="lzf")
    f.add("str:empty", "string", b"", enc="raw")
    f.add("str:len64", "string", b"forced 64-bit length", enc="raw", strlenwidth=64)
    f.add("str:s32", "string", S["s32"], enc="raw")
    f.add("str:expire-s", "string", b"seconds", expire_s=now_s + 3000)
    f.add("str:expired", "string", b"gone", expire_s=now_s - 100)
    f.add("list:plain", "list", [b"a", b"b", b"1", b"", b"a", S["s14"]])
    f.add("list:len32", "list", [b"x", b"y", b"z"], lenwidth=32)
    f.add("set:plain", "set", [b"m1", b"m2", b"3", b""], expire_s=now_s + 4000)
    f.add("zset:text", "zset", scores)
    f.add("hash:plain", "hash", smallhash)
    f.add("hash:zipmap", "hash_zipmap", [(b"a", b"1"), (b"bb", b"two"), (b"", b"")])
    f.add("hash:zipmap-long", "hash_zipmap", [(b"k" * 300, b"v" * 260), (b"short", b"x")], free=3)
    f.add("hash:zipmap-unk", "hash_zipmap", [(b"x", b"y")], unknown_count=True)
    f.add("list:ziplist", "list_ziplist", zl_list)
    f.add("list:ziplist-lzf", "list_ziplist", [b"rep%d" % (i % 5) for i in range(200)], lzf=True)
    f.add("set:intset16", "set_intset", [5, -3, 32767, -32768, 0], width=2)
    f.add("set:intset32", "set_intset", [1, 40000, -(1 << 31), (1 << 31) - 1], width=4)
    f.add("set:intset64", "set_intset", [2, -(1 << 63), (1 << 63) - 1, 1 << 40], width=8)
    f.add("set:intset64-small", "set_intset", [1, 2, 3], width=8, expire_s=now_s - 5)
    f.add("zset:ziplist", "zset_ziplist", scores)
    f.add("hash:ziplist", "hash_ziplist", smallhash + [(b"zl%d" % i, v) for i, v in enumerate(zi)])
    f.select(3, 3, 0, width=14)
    f.add("db3:str", "string", b"in db 3")
    f.add("db3:list", "list_ziplist", [b"only"])
    f.add("str:raw", "string", b"same name, other db")
    f.select(15, 2, 1, width=32)
    f.add("db15:hash", "hash_ziplist", [(b"a", b"b")], expire_s=now_s + 5000)
    f.add("db15:set", "set_intset", [1])
    fixtures[f.name] = f.finish()

    # ---- v9: quicklist v1, binary zset scores, millisecond expiries --------
    f = Fixture("v9-quicklist", 9)
    aux_std(f, "6.2.14")
    f.w.aux("aof-preamble", 0)
    f.select(0, 9, 3)
    f.add("str:ms", "string", b"ms expiry", expire_ms=now_ms + 1_000_000)
    f.add("str:expired-ms", "string", b"gone", expire_ms=now_ms - 1)
    f.add("zset:bin", "zset2", scores, expire_ms=now_ms + 2_000_000)
    f.add("zset:bin-big", "zset2", {b"m%d" % i: i * 0.5 - 50 for i in range(300)})
    f.add("list:quicklist", "list_quicklist", [[b"n1a", b"n1b", b"5"], zl_list, [b"rep"] * 100, [b"last"]],
          lzf_nodes={2})
    f.add("list:quicklist-one", "list_quicklist", [[b"solo"]], lenwidth=64)
    f.add("hash:ziplist", "hash_ziplist", smallhash)
    f.add("set:intset", "set_intset", range(-10, 10))
    f.add("set:big", "set", [b"member-%d" % i for i in range(600)])
    f.add("hash:big", "hash", [(b"f%d" % i, b"v%d" % i) for i in range(200)])
    f.select(9, 1, 0)
    f.add("db9:zsetzl", "zset_ziplist", {b"a": 1, b"b": 2.5}, expire_ms=now_ms + 3_000_000)
    fixtures[f.name] = f.finish()

    # ---- v10: every encoding in one file --------------------------------
    f = Fixture("v10-all", 10)
    aux_std(f, "7.0.15")
    f.w.aux("repl-stream-db", 0)
    f.w.aux("repl-id", "0123456789abcdef0123456789abcdef01234567")
    f.w.aux("repl-offset", 0)
    f.w.aux("aof-base", 0)
    f.select(0, 40, 5)
    f.add("str:raw", "string", b"hello", enc="raw")
    f.add("str:int8", "string", b"-128", enc="int8")
    f.add("str:int16", "string", b"-32768", enc="int16")
    f.add("str:int32", "string", b"2147483647", enc="int32")
    f.add("str:big-int", "string", b"9223372036854775807")
    f.add("str:lzf", "string", b"The quick brown fox. " * 100, enc="lzf")
    f.add("str:binary", "string", bytes(range(256)) * 4)
    f.add("str:empty", "string", b"")
    f.add("str:expired", "string", b"x", expire_ms=now_ms - 60_000)
    f.add("str:expire-s", "string", b"sec", expire_s=now_s + 7000)
    f.add("str:expire-ms", "string", b"msec", expire_ms=now_ms + 8_000_123)
    f.add("list:plain", "list", [b"a", b"b", b"c", b"12", b""])
    f.add("set:plain", "set", [b"x", b"y", b"42"])
    f.add("zset:text", "zset", scores)
    f.add("hash:plain", "hash", smallhash)
    f.add("zset:bin", "zset2", scores)
    f.add("hash:zipmap", "hash_zipmap", [(b"zm", b"1"), (b"k" * 260, b"v")], free=2)
    f.add("list:ziplist", "list_ziplist", zl_list)
    f.add("set:intset16", "set_intset", [-1, 1], width=2)
    f.add("set:intset32", "set_intset", [-1, 1, 100000], width=4)
    f.add("set:intset64", "set_intset", [-1, 1, 1 << 50], width=8, expire_ms=now_ms + 9_000_000)
    f.add("zset:ziplist", "zset_ziplist", scores)
    f.add("hash:ziplist", "hash_ziplist", smallhash)
    f.add("list:quicklist", "list_quicklist", [[b"q1", b"2"], [b"q3"] * 3], lzf_nodes={1})
    f.add("hash:listpack", "hash_listpack", smallhash)
    f.add("hash:listpack-all", "hash_listpack", bighash_lp)
    f.add("hash:listpack-lzf", "hash_listpack", [(b"field%d" % i, b"value") for i in range(50)], lzf=True)
    f.add("zset:listpack", "zset_listpack", scores)
    f.add("zset:listpack-lzf", "zset_listpack", {b"member%d" % i: i for i in range(60)}, lzf=True)
    f.add("list:listpack", "list_quicklist2", [("packed", lp_list)])
    f.add("list:quicklist2", "list_quicklist2",
          [("packed", [b"p1", b"p2"]), ("plain", b"P" * 10000), ("packed", [b"rep"] * 200),
           ("plain", b"small plain"), ("plain", bytes(rng.randrange(256) for _ in range(9000))),
           ("packed", [b"-1", b"end"])], lzf_nodes={1, 2})
    f.add("list:quicklist2-len64", "list_quicklist2", [("packed", [b"a"])], lenwidth=64)
    f.add(-5, "list_quicklist2", [("packed", [b"int-key"])], key_enc="int8")
    f.select(7, 3, 1)
    f.add("db7:str", "string", b"seven", expire_ms=now_ms + 100_000)
    f.add("db7:zset", "zset_listpack", {b"a": float("-inf"), b"b": float("inf")})
    f.add("db7:expired", "hash_listpack", {b"a": b"b"}, expire_ms=now_ms - 1000)
    f.add("str:raw", "string", b"db seven")
    f.select(15, 2, 0, width=64)
    f.add("db15:list", "list_quicklist2", [("plain", b"only plain")])
    f.add("db15:set", "set", [b"-1", b"0"])
    fixtures[f.name] = f.finish()

    # ---- v10 with a zero checksum (rdbchecksum no) and no AUX / RESIZEDB ---
    f = Fixture("v10-nocrc", 10, checksum=False)
    f.select(0, resize=False)
    f.add("k", "string", b"v")
    f.add("h", "hash_listpack", {b"f": b"1"})
    fixtures[f.name] = f.finish()

    # ---- v10 with IDLE / FREQ opcodes (maxmemory-policy *-lru / *-lfu) ---
    f = Fixture("v10-idle-freq", 10)
    aux_std(f, "7.0.15")
    f.select(0, 3, 1)
    f.add("idle", "string", b"lru", idle=3600)
    f.add("freq", "string", b"lfu", freq=7)
    f.add("both", "list_quicklist2", [("packed", [b"1"])], idle=5, expire_ms=now_ms + 500_000)
    fixtures[f.name] = f.finish()
    return fixtures


# --------------------------------------------------------------------------
# A small reader (for self-checks and for inspecting what a server wrote)
# --------------------------------------------------------------------------

class RDBParseError(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.d, self.p = data, pos

    def take(self, n: int) -> bytes:
        if self.p + n > len(self.d):
            raise RDBParseError(f"short read at offset {self.p} (need {n})")
        out = self.d[self.p:self.p + n]
        self.p += n
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def length(self) -> Tuple[int, bool]:
        """(value, is_special_encoding)"""
        c = self.byte()
        kind = c >> 6
        if kind == 0:
            return c & 0x3F, False
        if kind == 1:
            return ((c & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return c & 0x3F, True
        if c == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        if c == 0x81:
            return struct.unpack(">Q", self.take(8))[0], False
        raise RDBParseError(f"bad length byte {c:#x} at offset {self.p - 1}")

    def plain_length(self) -> int:
        n, special = self.length()
        if special:
            raise RDBParseError(f"unexpected string encoding where a length was expected at {self.p}")
        return n

    def string(self) -> bytes:
        n, special = self.length()
        if not special:
            return self.take(n)
        if n == 0:
            return str(struct.unpack("<b", self.take(1))[0]).encode()
        if n == 1:
            return str(struct.unpack("<h", self.take(2))[0]).encode()
        if n == 2:
            return str(struct.unpack("<i", self.take(4))[0]).encode()
        if n == 3:
            clen = self.plain_length()
            ulen = self.plain_length()
            return lzf_decompress(self.take(clen), ulen)
        raise RDBParseError(f"unknown string encoding {n}")


def parse_ziplist(z: bytes) -> List[bytes]:
    total, tail, count = struct.unpack_from("<IIH", z, 0)
    if total != len(z) or z[-1] != 0xFF:
        raise RDBParseError("ziplist header/terminator mismatch")
    out, p, prev, last = [], 10, 0, 10
    while z[p] != 0xFF:
        last = p
        if z[p] < 254:
            plen, p = z[p], p + 1
        else:
            plen, p = struct.unpack_from("<I", z, p + 1)[0], p + 5
        if plen != prev:
            raise RDBParseError("ziplist prevlen mismatch")
        start = last
        c = z[p]
        if c >> 6 == 0:
            n, p = c & 0x3F, p + 1
            out.append(z[p:p + n]); p += n
        elif c >> 6 == 1:
            n, p = ((c & 0x3F) << 8) | z[p + 1], p + 2
            out.append(z[p:p + n]); p += n
        elif c == 0x80:
            n, p = struct.unpack_from(">I", z, p + 1)[0], p + 5
            out.append(z[p:p + n]); p += n
        elif c == 0xC0:
            out.append(b(struct.unpack_from("<h", z, p + 1)[0])); p += 3
        elif c == 0xD0:
            out.append(b(struct.unpack_from("<i", z, p + 1)[0])); p += 5
        elif c == 0xE0:
            out.append(b(struct.unpack_from("<q", z, p + 1)[0])); p += 9
        elif c == 0xF0:
            out.append(b(int.from_bytes(z[p + 1:p + 4], "little", signed=True))); p += 4
        elif c == 0xFE:
            out.append(b(struct.unpack_from("<b", z, p + 1)[0])); p += 2
        elif 0xF1 <= c <= 0xFD:
            out.append(b(c - 0xF1)); p += 1
        else:
            raise RDBParseError(f"bad ziplist encoding {c:#x}")
        prev = p - start
    if count != 0xFFFF and count != len(out):
        raise RDBParseError("ziplist count mismatch")
    if out and tail != last:
        raise RDBParseError("ziplist tail offset mismatch")
    return out


def parse_listpack(lp: bytes) -> List[bytes]:
    total, count = struct.unpack_from("<IH", lp, 0)
    if total != len(lp) or lp[-1] != 0xFF:
        raise RDBParseError("listpack header/terminator mismatch")
    out, p = [], 6
    while lp[p] != 0xFF:
        start, c = p, lp[p]
        if c < 0x80:
            out.append(b(c)); p += 1
        elif c >> 6 == 2:
            n = c & 0x3F
            out.append(lp[p + 1:p + 1 + n]); p += 1 + n
        elif c >> 5 == 6:
            u = ((c & 0x1F) << 8) | lp[p + 1]
            out.append(b(u - 8192 if u >= 4096 else u)); p += 2
        elif c >> 4 == 0xE:
            n = ((c & 0x0F) << 8) | lp[p + 1]
            out.append(lp[p + 2:p + 2 + n]); p += 2 + n
        elif c == 0xF0:
            n = struct.unpack_from("<I", lp, p + 1)[0]
            out.append(lp[p + 5:p + 5 + n]); p += 5 + n
        elif c in (0xF1, 0xF2, 0xF3, 0xF4):
            w = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[c]
            out.append(b(int.from_bytes(lp[p + 1:p + 1 + w], "little", signed=True))); p += 1 + w
        else:
            raise RDBParseError(f"bad listpack encoding {c:#x}")
        bl = lp_backlen(p - start)
        if lp[p:p + len(bl)] != bl:
            raise RDBParseError("listpack backlen mismatch")
        p += len(bl)
    if count != 0xFFFF and count != len(out):
        raise RDBParseError("listpack count mismatch")
    return out


def parse_intset(s: bytes) -> List[int]:
    width, n = struct.unpack_from("<II", s, 0)
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    if len(s) != 8 + n * width:
        raise RDBParseError("intset size mismatch")
    return [struct.unpack_from(fmt, s, 8 + i * width)[0] for i in range(n)]


def parse_zipmap(z: bytes) -> List[Tuple[bytes, bytes]]:
    p, out = 1, []

    def ln(p):
        return (z[p], p + 1) if z[p] < 254 else (struct.unpack_from("<I", z, p + 1)[0], p + 5)
    while z[p] != 0xFF:
        n, p = ln(p)
        f = z[p:p + n]; p += n
        n, p = ln(p)
        free = z[p]; p += 1
        out.append((f, z[p:p + n])); p += n + free
    return out


def _pairs_of(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _read_value(r: _Reader, t: int, meta: dict):
    """Logical value of type t (as logical_value() returns it)."""
    if t == TYPE_STRING:
        return "string", r.string()
    if t in (TYPE_LIST, TYPE_SET):
        items = [r.string() for _ in range(r.plain_length())]
        return ("list", items) if t == TYPE_LIST else ("set", set(items))
    if t in (TYPE_ZSET, TYPE_ZSET_2):
        out = {}
        for _ in range(r.plain_length()):
            m = r.string()
            if t == TYPE_ZSET_2:
                out[m] = struct.unpack("<d", r.take(8))[0]
            else:
                n = r.byte()
                out[m] = {253: float("nan"), 254: float("inf"), 255: float("-inf")}.get(n) \
                    if n >= 253 else float(r.take(n))
        return "zset", out
    if t == TYPE_HASH:
        return "hash", dict((r.string(), r.string()) for _ in range(r.plain_length()))
    if t == TYPE_HASH_ZIPMAP:
        return "hash", dict(parse_zipmap(r.string()))
    if t == TYPE_LIST_ZIPLIST:
        return "list", parse_ziplist(r.string())
    if t == TYPE_SET_INTSET:
        return "set", {b(v) for v in parse_intset(r.string())}
    if t in (TYPE_ZSET_ZIPLIST, TYPE_ZSET_LISTPACK):
        flat = (parse_ziplist if t == TYPE_ZSET_ZIPLIST else parse_listpack)(r.string())
        return "zset", {m: float(s) for m, s in _pairs_of(flat)}
    if t in (TYPE_HASH_ZIPLIST, TYPE_HASH_LISTPACK):
        flat = (parse_ziplist if t == TYPE_HASH_ZIPLIST else parse_listpack)(r.string())
        return "hash", dict(_pairs_of(flat))
    if t == TYPE_LIST_QUICKLIST:
        out = []
        for _ in range(r.plain_length()):
            out += parse_ziplist(r.string())
        return "list", out
    if t == TYPE_LIST_QUICKLIST_2:
        out, containers = [], []
        for _ in range(r.plain_length()):
            cont = r.plain_length()
            containers.append(cont)
            data = r.string()
            if cont == QUICKLIST_PLAIN:
                out.append(data)
            elif cont == QUICKLIST_PACKED:
                out += parse_listpack(data)
            else:
                raise RDBParseError(f"bad quicklist container {cont}")
        meta["containers"] = containers
        return "list", out
    raise RDBParseError(f"unsupported value type {t}")


def parse_rdb(data: bytes, verify_checksum: bool = True) -> dict:
    """Parse a whole RDB file.  Returns {"version", "aux": {k: v},
    "keys": [{"db", "key", "type", "expire_ms", "idle", "freq", "kind", "value", "meta"}],
    "checksum"}.  Raises RDBParseError on anything malformed."""
    if data[:5] != b"REDIS" or not data[5:9].isdigit():
        raise RDBParseError("bad magic")
    version = int(data[5:9])
    r = _Reader(data, 9)
    out = {"version": version, "aux": {}, "keys": [], "checksum": None, "resize": {}}
    db, expire, idle, freq = 0, None, None, None
    while True:
        op = r.byte()
        if op == OP_EOF:
            if version >= 5:
                stored = struct.unpack("<Q", r.take(8))[0]
                out["checksum"] = stored
                if verify_checksum and stored and stored != crc64(data[:r.p - 8]):
                    raise RDBParseError("checksum mismatch")
            if r.p != len(data):
                raise RDBParseError(f"{len(data) - r.p} trailing bytes after EOF")
            return out
        if op == OP_AUX:
            k = r.string()
            out["aux"][k] = r.string()
        elif op == OP_SELECTDB:
            db = r.plain_length()
        elif op == OP_RESIZEDB:
            out["resize"][db] = (r.plain_length(), r.plain_length())
        elif op == OP_EXPIRETIME_MS:
            expire = struct.unpack("<q", r.take(8))[0]
        elif op == OP_EXPIRETIME:
            expire = struct.unpack("<i", r.take(4))[0] * 1000
        elif op == OP_IDLE:
            idle = r.plain_length()
        elif op == OP_FREQ:
            freq = r.byte()
        elif op == OP_FUNCTION2:
            r.string()
        else:
            key = r.string()
            meta: dict = {}
            kind, value = _read_value(r, op, meta)
            out["keys"].append({"db": db, "key": key, "type": op, "expire_ms": expire, "idle": idle,
                                "freq": freq, "kind": kind, "value": value, "meta": meta})
            expire = idle = freq = None


def parse_dump_payload(payload: bytes) -> Tuple[str, object, int]:
    """(kind, value, rdb version) of a DUMP payload; checks the CRC."""
    if len(payload) < 10:
        raise RDBParseError("payload too short")
    body, ver, crc = payload[:-10], struct.unpack("<H", payload[-10:-8])[0], struct.unpack("<Q", payload[-8:])[0]
    if crc != crc64(payload[:-8]):
        raise RDBParseError("payload checksum mismatch")
    r = _Reader(body)
    kind, value = _read_value(r, r.byte(), {})
    if r.p != len(body):
        raise RDBParseError("trailing bytes in payload")
    return kind, value, ver


# --------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------

def selftest() -> None:
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA, hex(crc64(b"123456789"))
    assert crc64(b"") == 0
    assert crc64(b"56789", crc64(b"1234")) == 0xE9C6D914C4B8D9CA
    rng = random.Random(1)
    samples = [b"", b"a", b"ab", b"abc", b"aaaa" * 100, b"abcabcabc" * 50, bytes(range(256)) * 40,
               bytes(rng.randrange(256) for _ in range(5000)), bytes(rng.randrange(3) for _ in range(20000)),
               b"x" * 70000]
    for s in samples:
        c = lzf_compress(s)
        assert lzf_decompress(c, len(s)) == s
    assert len(lzf_compress(b"a" * 10000)) < 200
    assert lp_backlen(127) == b"\x7f" and lp_backlen(128) == b"\x01\x80"
    assert listpack_entry(b"-4096") == b"\xd0\x00\x02"
    assert ziplist([]) == b"\x0b\x00\x00\x00\x0a\x00\x00\x00\x00\x00\xff"
    # every fixture parses back to what it claims to contain
    for fx in build_fixtures().values():
        parsed = parse_rdb(fx.data)
        got = {(k["db"], k["key"]): (k["kind"], k["value"]) for k in parsed["keys"]}
        for db, keys in fx.expected.items():
            for key, (kind, value, at) in keys.items():
                assert got[(db, key)] == (kind, value), (fx.name, db, key)
        for key, encoding, data, opts in fx.dumps:
            kind, value, ver = parse_dump_payload(dump_payload(encoding, data, **opts))
            assert (kind, value) == logical_value(encoding, data), (fx.name, key)


if __name__ == "__main__":
    selftest()
    print("rdbgen self-test OK")
    if len(sys.argv) > 1:
        import os
        out = sys.argv[1]
        os.makedirs(out, exist_ok=True)
        for name, fx in build_fixtures().items():
            path = os.path.join(out, name + ".rdb")
            with open(path, "wb") as fh:
                fh.write(fx.data)
            print(f"{path}: {len(fx.data)} bytes")
