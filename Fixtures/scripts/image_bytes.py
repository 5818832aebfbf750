"""Byte-level helpers for make_decoder_corpus.py: a hand-written PNG encoder (so bit depth,
chunks and corruptions are under our control), JPEG marker walking and patching, PPM output and
the synthetic test picture. numpy only; no image library decides what these bytes are."""
import io
import struct
import zlib

import numpy as np


def photo(h, w, seed):
    """A deterministic photo-like RGB image: gradients, a disc, hard edges and noise, so the
    DCT sees both smooth areas and high frequencies."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / max(w, 1) * 3.1 + seed)
    g = 60 + 150 * (y / max(h - 1, 1))
    b = 200 - 120 * ((x + y) / max(w + h - 2, 1))
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(h, w) * 0.3) ** 2
    r[disc], g[disc], b[disc] = 240, 30, 50
    img = np.stack([r, g, b], axis=-1)
    img[:, : w // 5] = img[:, : w // 5] * 0.3          # a hard vertical edge
    img += rng.normal(0, 12, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_ppm(path, rgb):
    h, w, _ = rgb.shape
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(rgb, dtype=np.uint8).tobytes())


def jpeg(image, **options):
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def png_chunk(kind, payload, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_rows(samples, bit_depth, sub_filter=False):
    """Serialises an HxWxC (or HxW) integer array as scanlines with filter 0 (None) or, for
    bit depths 8 and 16, filter 1 (Sub: each byte minus the byte one pixel to the left)."""
    if samples.ndim == 2:
        samples = samples[:, :, None]
    out = bytearray()
    for row in samples:
        flat = row.reshape(-1)
        if bit_depth >= 8:
            line = np.frombuffer(flat.astype(">u2" if bit_depth == 16 else np.uint8).tobytes(),
                                 dtype=np.uint8).astype(np.int64)
            if sub_filter:
                bpp = samples.shape[2] * bit_depth // 8
                line[bpp:] = (line[bpp:] - line[:-bpp]) % 256
            out.append(1 if sub_filter else 0)
            out += line.astype(np.uint8).tobytes()
        else:
            out.append(0)
            per_byte = 8 // bit_depth
            padded = np.zeros(-(-len(flat) // per_byte) * per_byte, dtype=np.int64)
            padded[: len(flat)] = flat
            for i in range(0, len(padded), per_byte):
                byte = 0
                for v in padded[i: i + per_byte]:
                    byte = (byte << bit_depth) | int(v)
                out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png(samples, color_type, bit_depth, palette=None, trns=None, before_idat=(), interlace=False,
        width=None, height=None, idat_parts=1, raw=None, sub_filter=False):
    """A PNG written by hand (so bit depth, chunks and corruptions are under our control)."""
    h, w = samples.shape[:2]
    ihdr = struct.pack(">IIBBBBB", width or w, height or h, bit_depth, color_type, 0, 0,
                       1 if interlace else 0)
    if raw is None:
        if interlace:
            raw = b"".join(png_rows(samples[y0::dy, x0::dx], bit_depth)
                           for x0, y0, dx, dy in ADAM7 if samples[y0::dy, x0::dx].size)
        else:
            raw = png_rows(samples, bit_depth, sub_filter)
    compressed = zlib.compress(raw, 9)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    for kind, payload in before_idat:
        out += png_chunk(kind, payload)
    if palette is not None:
        out += png_chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    step = -(-len(compressed) // idat_parts)
    for i in range(0, len(compressed), step):
        out += png_chunk(b"IDAT", compressed[i: i + step])
    return out + png_chunk(b"IEND", b"")


# ----------------------------------------------------------------------------------------------
# JPEG and PNG surgery


def segments(data):
    """(offset of the FF, marker byte, segment length) for each header segment up to SOS."""
    out, i = [], 2
    while i < len(data) - 1:
        assert data[i] == 0xFF, "unexpected byte in header at %d" % i
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2: i + 4])[0]
        out.append((i, marker, length))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def find(data, marker):
    return next(off for off, m, _ in segments(data) if m == marker)


def patched(data, offset, new):
    return data[:offset] + bytes(new) + data[offset + len(new):]


def with_sof_size(data, width, height):
    sof = find(data, 0xC0) if any(m == 0xC0 for _, m, _ in segments(data)) else find(data, 0xC2)
    return patched(data, sof + 5, struct.pack(">HH", height, width))


def without_app14(data):
    off, _, length = next(s for s in segments(data) if s[1] == 0xEE)
    return data[:off] + data[off + 2 + length:]


def png_with_ihdr(data, width, height):
    """Rewrites IHDR's size and fixes its CRC, so libpng gets as far as the size check."""
    payload = struct.pack(">II", width, height) + data[24:29]   # IHDR payload is bytes 16..29
    return data[:8] + png_chunk(b"IHDR", payload) + data[33:]


def png_chunks(data):
    """(offset, kind, length) per chunk."""
    out, i = [], 8
    while i + 8 <= len(data):
        length = struct.unpack(">I", data[i: i + 4])[0]
        out.append((i, data[i + 4: i + 8], length))
        i += 12 + length
    return out


def png_corrupt_crc(data, kind):
    off, _, length = next(c for c in png_chunks(data) if c[1] == kind)
    crc_at = off + 8 + length
    return patched(data, crc_at, [data[crc_at] ^ 0xFF])


def with_idat(data, compressed):
    """`data` with its single IDAT payload replaced (CRC recomputed)."""
    off, _, length = next(c for c in png_chunks(data) if c[1] == b"IDAT")
    return data[:off] + png_chunk(b"IDAT", compressed) + data[off + 12 + length:]
