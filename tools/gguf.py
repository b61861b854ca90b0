"""Minimal GGUF v3 reader/writer for lolcat.h's tools and tests.

numpy only. Covers what docs/gguf-schema.md needs:

* every GGUF metadata value type, including arrays (of strings too);
* tensor types F32, F16, BF16, Q8_0 and Q4_0 with ggml's block layouts,
  quantized the way ggml's reference quantizers do it (bit-exact), so a
  file written here is what llama.cpp's tools would have produced;
* a reader that returns dequantized float32 arrays;
* the Q/K row permutation between Hugging Face (rotate_half) order and
  llama.cpp's adjacent-pair RoPE order.

Shapes: a numpy array of shape (a, b, c) is stored with ne = [c, b, a]
(innermost first), so a torch nn.Linear weight (out, in) becomes ne=[in, out].
"""

import os
import struct
import tempfile

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32

# --- metadata value types ---------------------------------------------------

UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, \
    UINT64, INT64, FLOAT64 = range(13)

VALUE_TYPE_NAMES = {
    UINT8: "u8", INT8: "i8", UINT16: "u16", INT16: "i16", UINT32: "u32",
    INT32: "i32", FLOAT32: "f32", BOOL: "bool", STRING: "string",
    ARRAY: "array", UINT64: "u64", INT64: "i64", FLOAT64: "f64",
}

# struct codes of the fixed-size scalar types (all little-endian)
_SCALAR_FMT = {
    UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I",
    INT32: "<i", FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q",
    FLOAT64: "<d",
}

# --- tensor types -------------------------------------------------------------

F32, F16, Q4_0, Q8_0, BF16 = 0, 1, 2, 8, 30

TYPE_NAMES = {F32: "F32", F16: "F16", Q4_0: "Q4_0", Q8_0: "Q8_0", BF16: "BF16"}
TYPE_BY_NAME = {v: k for k, v in TYPE_NAMES.items()}

# type -> (elements per block, bytes per block)
BLOCK = {F32: (1, 4), F16: (1, 2), BF16: (1, 2), Q8_0: (32, 34), Q4_0: (32, 18)}

QK = 32  # block length of Q8_0 and Q4_0


def type_of(t):
    """Accept a type id or a name like 'q8_0' and return the id."""
    if isinstance(t, str):
        return TYPE_BY_NAME[t.upper()]
    if t not in BLOCK:
        raise ValueError("unsupported tensor type %r" % (t,))
    return t


def is_lossy(t):
    return type_of(t) != F32


def tensor_nbytes(ttype, ne):
    blk, size = BLOCK[ttype]
    n = int(np.prod(ne, dtype=np.int64)) if len(ne) else 1
    if ne[0] % blk:
        raise ValueError("ne[0]=%d is not a multiple of the %s block (%d)"
                         % (ne[0], TYPE_NAMES[ttype], blk))
    return n // blk * size


# --- scalar conversions -------------------------------------------------------

def f32_to_bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (ggml's rule); NaNs
    stay quiet NaNs."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    quiet = (u >> 16) | 64
    return np.where(nan, quiet, rounded).astype(np.uint16)


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def f32_to_f16(x):
    # numpy's float16 cast rounds to nearest even, like ggml's converter;
    # too-large values become inf, as in ggml
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float32).astype(np.float16)


# --- quantizers (ggml reference semantics, float32 arithmetic throughout) -----

def _blocks(x):
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    if x.size % QK:
        raise ValueError("quantized tensors need a multiple of %d values per row" % QK)
    return x.reshape(-1, QK)


def quantize_q8_0(x):
    """Blocks of 32: f16 scale d = amax/127, then 32 int8 q = roundf(x/d)."""
    xb = _blocks(x)
    amax = np.abs(xb).max(axis=1)
    d = amax / np.float32(127)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    v = (xb * inv[:, None]).astype(np.float64)  # the product is rounded to f32 first
    # C roundf: half away from zero (exact in float64 for float32 inputs)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)
    out = np.empty((xb.shape[0], 34), dtype=np.uint8)
    out[:, 0:2] = f32_to_f16(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.astype(np.int8).view(np.uint8)
    return out.tobytes()


def dequantize_q8_0(raw, n):
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 34)[: n // QK]
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    q = b[:, 2:].copy().view(np.int8).astype(np.float32)
    return (q * d).reshape(-1)


def quantize_q4_0(x):
    """Blocks of 32: the value of largest magnitude (sign kept, first one on
    ties) gives d = max/-8; q = min(15, (int)(x/d + 8.5)). Byte j holds
    element j in the low nibble and element j+16 in the high nibble."""
    xb = _blocks(x)
    rows = np.arange(xb.shape[0])
    mx = xb[rows, np.argmax(np.abs(xb), axis=1)]  # argmax = first maximum
    d = mx / np.float32(-8)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    v = (xb * inv[:, None]).astype(np.float32) + np.float32(8.5)
    q = np.clip(np.trunc(v), 0, 15).astype(np.uint8)  # C cast truncates toward 0
    out = np.empty((xb.shape[0], 18), dtype=np.uint8)
    out[:, 0:2] = f32_to_f16(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def dequantize_q4_0(raw, n):
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)[: n // QK]
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    lo = (b[:, 2:] & 0x0F).astype(np.int32) - 8
    hi = (b[:, 2:] >> 4).astype(np.int32) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (q * d).reshape(-1)


def quantize(x, ttype):
    """Encode an array (row = last axis) as raw ggml bytes of type ttype."""
    ttype = type_of(ttype)
    x = np.asarray(x)
    if ttype == F32:
        return np.ascontiguousarray(x, dtype="<f4").tobytes()
    if ttype == F16:
        return f32_to_f16(x).astype("<f2").tobytes()
    if ttype == BF16:
        return f32_to_bf16_bits(x).astype("<u2").tobytes()
    if x.ndim == 0 or x.shape[-1] % QK:
        raise ValueError("%s needs rows that are a multiple of %d, got shape %s"
                         % (TYPE_NAMES[ttype], QK, x.shape))
    return quantize_q8_0(x) if ttype == Q8_0 else quantize_q4_0(x)


def dequantize(raw, ttype, n):
    """Decode n values of type ttype from raw bytes into float32."""
    ttype = type_of(ttype)
    if ttype == F32:
        return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
    if ttype == F16:
        return np.frombuffer(raw, dtype="<f2", count=n).astype(np.float32)
    if ttype == BF16:
        return bf16_bits_to_f32(np.frombuffer(raw, dtype="<u2", count=n))
    if ttype == Q8_0:
        return dequantize_q8_0(raw, n)
    return dequantize_q4_0(raw, n)


def storage_type(wtype, ne0, is_weight=True):
    """Type a converted tensor is stored with (the converters' and the
    reference's shared policy): norms, feature maps, window factors and RoPE
    factors (is_weight False) stay F32; weight matrices use wtype, except that
    block-quantized types need rows (ne[0]) that are a multiple of 32, so such
    a matrix (e.g. a LoRA B of rank 8) falls back to F16."""
    wtype = type_of(wtype)
    if not is_weight:
        return F32
    if wtype in (Q8_0, Q4_0) and ne0 % QK:
        return F16
    return wtype


def roundtrip(x, ttype):
    """The float32 values a reader gets back after storing x as ttype."""
    x = np.asarray(x)
    return dequantize(quantize(x, ttype), ttype, x.size).reshape(x.shape)


# --- Q/K row order ------------------------------------------------------------

def permute_qk_rows(w, n_head, head_dim, inverse=False):
    """Hugging Face rotate_half row order -> llama.cpp adjacent-pair order,
    on axis 0 of a (n_head*head_dim, ...) array: GGUF row 2i+j of a head is
    HF row j*(head_dim/2)+i. inverse=True maps GGUF order back to HF."""
    w = np.asarray(w)
    if w.shape[0] != n_head * head_dim or head_dim % 2:
        raise ValueError("bad shape %s for %d heads of %d" % (w.shape, n_head, head_dim))
    rest = w.shape[1:]
    half = head_dim // 2
    if inverse:
        return w.reshape(n_head, half, 2, *rest).swapaxes(1, 2).reshape(w.shape)
    return w.reshape(n_head, 2, half, *rest).swapaxes(1, 2).reshape(w.shape)


def permute_fmap(w, inverse=False):
    """The same permutation on the D axis of a (H, D, F) feature-map weight."""
    w = np.asarray(w)
    h, d, f = w.shape
    p = permute_qk_rows(np.moveaxis(w, 1, 0).reshape(d, h * f), 1, d, inverse)
    return np.ascontiguousarray(np.moveaxis(p.reshape(d, h, f), 0, 1))


# --- writer -------------------------------------------------------------------

def _pack_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _pack_value(vtype, value):
    if vtype == STRING:
        if not isinstance(value, str):
            raise TypeError("string value expected, got %r" % (value,))
        return _pack_string(value)
    if vtype == ARRAY:
        raise TypeError("nested arrays are not supported")
    if vtype == BOOL:
        return struct.pack("<?", bool(value))
    if vtype in (FLOAT32, FLOAT64):
        return struct.pack(_SCALAR_FMT[vtype], float(value))
    return struct.pack(_SCALAR_FMT[vtype], int(value))


class GGUFWriter:
    """Collects metadata and tensors, then writes one GGUF v3 file.

    w = GGUFWriter("model.gguf")
    w.add_string("general.architecture", "llama")
    w.add_u32("llama.block_count", 2)
    w.add_array("tokenizer.ggml.tokens", ["a", "b"], STRING)
    w.add_tensor("token_embd.weight", emb, Q8_0)  # emb.shape == (vocab, E)
    w.add_lazy_tensor("output.weight", Q8_0, [E, vocab], load_output)
    w.write()                                     # streams, one tensor at a time
    """

    def __init__(self, path, alignment=DEFAULT_ALIGNMENT, alignment_key=True):
        if alignment <= 0 or alignment % 8:
            raise ValueError("alignment must be a positive multiple of 8")
        if alignment != DEFAULT_ALIGNMENT and not alignment_key:
            raise ValueError("a non-default alignment must be recorded in the file")
        self.path = path
        self.alignment = alignment
        self.alignment_key = alignment_key  # False only to reproduce files without it
        self.kv = {}        # key -> (vtype, elem_type, value); insertion ordered
        self.tensors = {}   # name -> (ttype, ne, raw bytes)

    # metadata
    def add(self, key, value, vtype, elem_type=None):
        if key in self.kv:
            raise KeyError("duplicate metadata key %r" % key)
        if vtype == ARRAY:
            if elem_type is None or elem_type == ARRAY:
                raise TypeError("arrays need a scalar or string element type")
            value = list(value)
            for v in value:  # fail now, not in the middle of write()
                _pack_value(elem_type, v)
        else:
            _pack_value(vtype, value)
        self.kv[key] = (vtype, elem_type, value)

    def add_u8(self, k, v): self.add(k, v, UINT8)
    def add_i8(self, k, v): self.add(k, v, INT8)
    def add_u16(self, k, v): self.add(k, v, UINT16)
    def add_i16(self, k, v): self.add(k, v, INT16)
    def add_u32(self, k, v): self.add(k, v, UINT32)
    def add_i32(self, k, v): self.add(k, v, INT32)
    def add_u64(self, k, v): self.add(k, v, UINT64)
    def add_i64(self, k, v): self.add(k, v, INT64)
    def add_f32(self, k, v): self.add(k, v, FLOAT32)
    def add_f64(self, k, v): self.add(k, v, FLOAT64)
    def add_bool(self, k, v): self.add(k, v, BOOL)
    def add_string(self, k, v): self.add(k, v, STRING)
    def add_array(self, k, values, elem_type): self.add(k, values, ARRAY, elem_type)

    # tensors
    def add_tensor(self, name, array, ttype=F32):
        """Store array (numpy shape = reversed ne) as ttype."""
        self._check_name(name)
        ttype = type_of(ttype)
        array = np.asarray(array)
        ne = list(reversed(array.shape)) or [1]
        raw = quantize(array, ttype)
        assert len(raw) == tensor_nbytes(ttype, ne)
        self.tensors[name] = (ttype, ne, raw)

    def add_raw_tensor(self, name, ttype, ne, raw):
        """Store already-encoded bytes (e.g. copied from another file)."""
        self._check_name(name)
        ttype = type_of(ttype)
        if len(raw) != tensor_nbytes(ttype, ne):
            raise ValueError("tensor %r: %d bytes, expected %d"
                             % (name, len(raw), tensor_nbytes(ttype, ne)))
        self.tensors[name] = (ttype, list(ne), bytes(raw))

    def add_lazy_tensor(self, name, ttype, ne, produce):
        """Declare a tensor whose data is made only while write() streams the
        file: produce() returns a float array (numpy shape = reversed ne),
        which is then encoded as ttype, or already-encoded bytes. Only one
        such tensor is in memory at a time, so models larger than RAM can be
        written."""
        self._check_name(name)
        ttype = type_of(ttype)
        ne = [int(n) for n in ne]
        tensor_nbytes(ttype, ne)          # a bad row length fails now
        self.tensors[name] = (ttype, ne, produce)

    def _check_name(self, name):
        if name in self.tensors:
            raise KeyError("duplicate tensor %r" % name)
        if len(name.encode("utf-8")) >= 64:
            raise ValueError("tensor name too long for ggml: %r" % name)

    def _pad(self, n):
        return -n % self.alignment

    def _header(self):
        """Everything before the tensor data, padded to the alignment."""
        kv = dict(self.kv)
        if "general.alignment" not in kv and self.alignment_key:
            kv = {"general.alignment": (UINT32, None, self.alignment), **kv}
        elif "general.alignment" in kv and kv["general.alignment"][2] != self.alignment:
            raise ValueError("general.alignment disagrees with the writer's alignment")

        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(kv))
        for key, (vtype, elem_type, value) in kv.items():
            out += _pack_string(key) + struct.pack("<I", vtype)
            if vtype == ARRAY:
                out += struct.pack("<IQ", elem_type, len(value))
                out += b"".join(_pack_value(elem_type, v) for v in value)
            else:
                out += _pack_value(vtype, value)

        offset = 0  # relative to the start of the data section
        for name, (ttype, ne, _) in self.tensors.items():
            n = tensor_nbytes(ttype, ne)
            out += _pack_string(name) + struct.pack("<I", len(ne))
            out += struct.pack("<%dQ" % len(ne), *ne)
            out += struct.pack("<IQ", ttype, offset)
            offset += n + self._pad(n)

        out += b"\0" * self._pad(len(out))
        return bytes(out)

    CHUNK = 1 << 22   # values encoded at a time: bounds the quantizers' temporaries

    def _chunks(self, name):
        """Yields the encoded bytes of one tensor in pieces, producing a lazy
        tensor now; arrays are encoded a few million values at a time."""
        ttype, ne, data = self.tensors[name]
        if not callable(data):
            yield data
            return
        data = data()
        want = tensor_nbytes(ttype, ne)
        if isinstance(data, (bytes, bytearray, memoryview)):
            if len(data) != want:
                raise ValueError("tensor %r: %d bytes, expected %d" % (name, len(data), want))
            yield data
            return
        a = np.asarray(data)
        if list(reversed(a.shape)) != ne:
            raise ValueError("tensor %r: produced shape %s, declared ne %s" % (name, a.shape, ne))
        rows = a.reshape(-1, ne[0])
        step = max(1, self.CHUNK // ne[0])
        for i in range(0, rows.shape[0], step):
            yield quantize(rows[i:i + step], ttype)

    def to_bytes(self):
        out = bytearray(self._header())
        for name in self.tensors:
            raw = b"".join(self._chunks(name))
            out += raw + b"\0" * self._pad(len(raw))
        return bytes(out)

    def write(self, path=None, progress=None):
        """Stream the file to disk: the header, then one tensor at a time.
        Atomic: a temp file in the same folder, then rename, so a failure
        (including an exception from a lazy tensor) never leaves a truncated
        model behind. progress(i, n, name) is called before each tensor."""
        path = path or self.path
        header = self._header()
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".gguf", dir=folder)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600
            with os.fdopen(fd, "wb") as f:
                f.write(header)
                n = len(self.tensors)
                for i, name in enumerate(self.tensors):
                    if progress:
                        progress(i, n, name)
                    size = 0
                    for raw in self._chunks(name):
                        f.write(raw)
                        size += len(raw)
                    f.write(b"\0" * self._pad(size))
                if progress:
                    progress(n, n, None)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


# --- reader -------------------------------------------------------------------

class GGUFTensor:
    def __init__(self, name, ttype, ne, offset, raw):
        self.name, self.type, self.ne, self.offset, self.raw = name, ttype, ne, offset, raw

    @property
    def shape(self):
        return tuple(reversed(self.ne))

    def array(self):
        """Dequantized float32 values, numpy shape = reversed ne."""
        n = int(np.prod(self.ne, dtype=np.int64))
        return dequantize(self.raw, self.type, n).reshape(self.shape)


class GGUFReader:
    """Parses a whole GGUF v2/v3 file held in memory.

    meta:       key -> python value (lists for arrays)
    meta_types: key -> (vtype, elem_type or None)
    tensors:    name -> GGUFTensor (insertion order = file order)
    """

    def __init__(self, path_or_bytes):
        if isinstance(path_or_bytes, (bytes, bytearray)):
            self.data = bytes(path_or_bytes)
        else:
            with open(path_or_bytes, "rb") as f:
                self.data = f.read()
        self.pos = 0
        self.meta, self.meta_types, self.tensors = {}, {}, {}
        self._parse()

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated GGUF file")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _string(self):
        return self._take(self._unpack("<Q")).decode("utf-8")

    def _value(self, vtype):
        if vtype == STRING:
            return self._string()
        if vtype not in _SCALAR_FMT:
            raise ValueError("bad metadata value type %d" % vtype)
        return self._unpack(_SCALAR_FMT[vtype])

    def _parse(self):
        if self._take(4) != GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        self.version = self._unpack("<I")
        if self.version not in (2, 3):
            raise ValueError("unsupported GGUF version %d" % self.version)
        n_tensors, n_kv = self._unpack("<Q"), self._unpack("<Q")
        for _ in range(n_kv):
            key = self._string()
            vtype = self._unpack("<I")
            if vtype == ARRAY:
                elem_type, count = self._unpack("<I"), self._unpack("<Q")
                self.meta[key] = [self._value(elem_type) for _ in range(count)]
                self.meta_types[key] = (ARRAY, elem_type)
            else:
                self.meta[key] = self._value(vtype)
                self.meta_types[key] = (vtype, None)
        self.alignment = int(self.meta.get("general.alignment", DEFAULT_ALIGNMENT))

        infos = []
        for _ in range(n_tensors):
            name = self._string()
            n_dims = self._unpack("<I")
            ne = [self._unpack("<Q") for _ in range(n_dims)]
            ttype, offset = self._unpack("<I"), self._unpack("<Q")
            infos.append((name, ne, ttype, offset))

        data_start = self.pos + (-self.pos % self.alignment)
        self.data_offset = data_start
        for name, ne, ttype, offset in infos:
            if name in self.tensors:
                raise ValueError("duplicate tensor %r" % name)
            if offset % self.alignment:
                raise ValueError("tensor %r is not aligned" % name)
            raw = None
            if ttype in BLOCK:
                n = tensor_nbytes(ttype, ne)
                start = data_start + offset
                if start + n > len(self.data):
                    raise ValueError("tensor %r runs past the end of the file" % name)
                raw = self.data[start:start + n]
            self.tensors[name] = GGUFTensor(name, ttype, ne, offset, raw)


def read_gguf(path):
    """-> (metadata dict, {name: (type, ne, float32 array)}). Tensors of types
    this module cannot decode come back with array None."""
    r = GGUFReader(path)
    tensors = {}
    for name, t in r.tensors.items():
        tensors[name] = (t.type, t.ne, t.array() if t.raw is not None else None)
    return r.meta, tensors
