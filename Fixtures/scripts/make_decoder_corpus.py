#!/usr/bin/env python3
"""Writes mirror's image-decoder corpus to Fixtures/decoder/ (see Docs/FIXTURES.md).

Run from the repository root:  /work/venv/bin/python Fixtures/scripts/make_decoder_corpus.py

Produces small valid, odd and broken JPEG/PNG files, one reference image per valid file and
`manifest.tsv`, which says for every file what `ImageDecoder.decode` must return. Expected pixels
never come from mirror itself:
  * JPEG: TensorFlow's `tf.io.decode_jpeg(buf, channels=3, dct_method=...)`, which is the seed's
    decode (SPEC §1.1): INTEGER_FAST for `DCTMethod.fast`, INTEGER_ACCURATE for `.accurate`.
  * PNG: PIL's `convert("RGB")` for 8-bit files; for 16-bit files numpy applies mirror's
    documented rule, v8 = round(v16 / 257), to the raw samples this script wrote. Every PNG is
    also checked against numpy, so the alpha rule ("dropped, colors as stored") is pinned too.
Where mirror is known to differ from the reference, `KNOWN_MAX_DIFF` states the bound the tests
enforce, with the reason. Byte-level writers and patches live in image_bytes.py beside this file.
Needs numpy, Pillow and tensorflow-cpu (only to regenerate; tests never run Python).
"""
import io
import os
import struct
import sys
import warnings
import zlib

import numpy as np
from PIL import Image, features

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_bytes import (find, jpeg, patched, photo, png, png_chunks, png_corrupt_crc,  # noqa: E402
                         png_rows, png_with_ihdr, segments, with_idat, with_sof_size,
                         without_app14, write_ppm)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "decoder")
EXPECTED = os.path.join(ROOT, "expected")

# Measured differences between mirror and the reference that the tests allow, per file:
# (fast, accurate) largest absolute difference in any channel. Everything else must match exactly.
KNOWN_MAX_DIFF = {
    # libpng's simplified API converts a gAMA of 1.0 (linear) to sRGB; PIL and TF ignore gAMA.
    # Measured with libpng 1.6.39 on this file; see PNGDecoder.swift.
    "gama_1_rgb8_24x16.png": (72, 72),
}

warnings.filterwarnings("ignore", message="Palette images with Transparency")
rows = []  # manifest rows
stats = {"ifast_vs_islow": 0, "pil_eq_tf_islow": True}


# ----------------------------------------------------------------------------------------------
# References and manifest rows


def write(name, data):
    with open(os.path.join(ROOT, name), "wb") as f:
        f.write(data)


def tf_jpeg(data, method):
    return tf.io.decode_jpeg(data, channels=3, dct_method=method).numpy()


def tf_verdict(data):
    """What TF 2.x's decode_image does with the bytes: informational, it shows where mirror is
    stricter or more lenient than TF."""
    try:
        tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
        return "TF decodes it"
    except Exception:  # noqa: BLE001 — any TF failure counts as a rejection
        return "TF rejects it"


def max_abs_diff(a, b):
    return int(np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))))


def ok_jpeg(name, data, note):
    write(name, data)
    fast, accurate = tf_jpeg(data, "INTEGER_FAST"), tf_jpeg(data, "INTEGER_ACCURATE")
    write_ppm(os.path.join(EXPECTED, name + ".fast.ppm"), fast)
    write_ppm(os.path.join(EXPECTED, name + ".accurate.ppm"), accurate)
    ifast_islow = max_abs_diff(fast, accurate)
    stats["ifast_vs_islow"] = max(stats["ifast_vs_islow"], ifast_islow)
    pil = Image.open(io.BytesIO(data))
    if pil.mode in ("RGB", "L"):   # PIL converts CMYK its own way, so only these compare
        same = np.array_equal(np.array(pil.convert("RGB")), accurate)
        stats["pil_eq_tf_islow"] &= same
        note += "; PIL %s TF ISLOW" % ("equals" if same else "DIFFERS FROM")
    fast_bound, accurate_bound = KNOWN_MAX_DIFF.get(name, (0, 0))
    rows.append((name, "ok", "expected/%s.fast.ppm" % name, fast_bound,
                 "expected/%s.accurate.ppm" % name, accurate_bound,
                 "%s; IFAST vs ISLOW max diff %d" % (note, ifast_islow)))


def ok_png(name, data, rule, note, pil_reference=True):
    """`rule` is the expected RGB derived in numpy from the raw samples. 8-bit files take PIL's
    convert("RGB") as the stored reference and must agree with the rule; 16-bit files use the
    rule (PIL keeps only the high byte of 16-bit RGB and clips 16-bit gray)."""
    write(name, data)
    reference = rule
    if pil_reference:
        reference = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
        assert np.array_equal(reference, rule), "%s: PIL disagrees with the numpy rule" % name
    write_ppm(os.path.join(EXPECTED, name + ".ppm"), reference)
    bound = KNOWN_MAX_DIFF.get(name, (0, 0))
    rows.append((name, "ok", "expected/%s.ppm" % name, bound[0], "expected/%s.ppm" % name,
                 bound[1], note))


def bad(name, data, kind, note):
    write(name, data)
    rows.append((name, kind, "-", "-", "-", "-", "%s; %s" % (note, tf_verdict(data))))


def to8(v16):
    """mirror's documented 16→8 rule, written independently of libpng: nearest of v/257."""
    return np.floor(np.asarray(v16, dtype=np.float64) / 257.0 + 0.5).astype(np.uint8)


def gray_rgb(g):
    return np.repeat(np.asarray(g, dtype=np.uint8)[:, :, None], 3, axis=2)


# ----------------------------------------------------------------------------------------------
# JPEG corpus


def jpeg_corpus():
    rgb = lambda h, w, seed: Image.fromarray(photo(h, w, seed))  # noqa: E731

    base = jpeg(rgb(48, 64, 1), quality=90)                        # 4:2:0 baseline
    ok_jpeg("baseline_420_64x48.jpg", base, "baseline 4:2:0 q90")
    ok_jpeg("baseline_420_odd_37x23.jpg", jpeg(rgb(23, 37, 2), quality=90),
            "odd size, partial MCUs at right and bottom edges")
    ok_jpeg("baseline_422_64x48.jpg", jpeg(rgb(48, 64, 3), quality=85, subsampling=1), "4:2:2")
    ok_jpeg("baseline_444_q95_40x32.jpg", jpeg(rgb(32, 40, 4), quality=95, subsampling=0), "4:4:4")
    ok_jpeg("baseline_420_q40_64x64.jpg", jpeg(rgb(64, 64, 5), quality=40), "coarse quantisation")
    progressive = jpeg(rgb(48, 64, 6), quality=90, progressive=True)
    ok_jpeg("progressive_64x48.jpg", progressive, "progressive 4:2:0")
    ok_jpeg("progressive_odd_33x17.jpg", jpeg(rgb(17, 33, 7), quality=80, progressive=True),
            "progressive, odd size")
    gray = jpeg(rgb(30, 40, 8).convert("L"), quality=90)
    ok_jpeg("gray_40x30.jpg", gray, "grayscale: one component, replicated to RGB")
    restart = jpeg(rgb(48, 64, 9), quality=90, restart_marker_blocks=1)
    ok_jpeg("restart_markers_64x48.jpg", restart, "a restart marker after every MCU")
    ok_jpeg("rgb_colorspace_32x24.jpg", jpeg(rgb(24, 32, 10), quality=90, keep_rgb=True),
            "RGB components (Adobe transform 0), no YCbCr")
    ok_jpeg("tiny_1x1.jpg", jpeg(rgb(1, 1, 11), quality=90), "1x1")
    ok_jpeg("tiny_1x1_gray.jpg", jpeg(rgb(1, 1, 12).convert("L"), quality=90), "1x1 grayscale")
    ok_jpeg("tiny_1x1_progressive.jpg", jpeg(rgb(1, 1, 13), quality=90, progressive=True),
            "1x1 progressive")

    # CMYK: PIL stores inverted values with an Adobe APP14 segment.
    cmyk_photo = Image.frombytes("CMYK", (40, 32), np.concatenate(
        [photo(32, 40, 14), photo(32, 40, 15)[:, :, :1]], axis=2).tobytes())
    cmyk = jpeg(cmyk_photo, quality=90)
    ok_jpeg("cmyk_adobe_40x32.jpg", cmyk, "CMYK with Adobe APP14: R = K*C/255 on stored values")
    ok_jpeg("cmyk_no_adobe_40x32.jpg", without_app14(cmyk),
            "CMYK without APP14: R = (255-K)(255-C)/255")
    # Hand-made: PIL stores 255 - value, so this uniform block is stored as (144,249,115,144),
    # SPEC §1.1's example, which TF turns into (81,140,64).
    uniform = jpeg(Image.new("CMYK", (8, 8), (111, 6, 140, 111)), quality=100)
    assert tf_jpeg(uniform, "INTEGER_FAST")[0, 0].tolist() == [81, 140, 64]
    ok_jpeg("cmyk_uniform_adobe_8x8.jpg", uniform, "stored (144,249,115,144) -> (81,140,64)")
    ok_jpeg("cmyk_uniform_no_adobe_8x8.jpg", without_app14(uniform),
            "stored (144,249,115,144) without APP14 -> (48,2,60)")

    # Odd but valid structure.
    small = photo(12, 16, 16)
    ok_png("png_named.jpg", png(small, 2, 8), small,
           "PNG bytes under a .jpg name: format comes from the magic bytes")
    ok_jpeg("jpeg_named.png", jpeg(rgb(16, 24, 17), quality=90), "JPEG bytes under a .png name")
    ok_jpeg("trailing_garbage_after_eoi.jpg", base + b"GARBAGE AFTER EOI" * 4,
            "bytes after EOI are never read")
    dqt = find(base, 0xDB)
    ok_jpeg("fill_bytes_before_marker.jpg", base[:dqt] + b"\xff\xff\xff" + base[dqt:],
            "extra FF fill bytes before a marker are legal (T.81 B.1.1.2)")
    comment = jpeg(rgb(16, 24, 18), quality=90, comment=b"x" * 3000,
                   exif=b"Exif\x00\x00" + b"\x00" * 64)
    ok_jpeg("app1_and_long_comment.jpg", comment, "EXIF APP1 and a 3000-byte COM segment")

    # Broken.
    bad("empty.jpg", b"", "empty", "zero bytes")
    bad("random_bytes.jpg", np.random.default_rng(19).integers(0, 256, 600, dtype=np.uint8).tobytes(),
        "unsupportedFormat", "600 random bytes")
    bad("text.jpg", b"This is not a JPEG, just text with a .jpg extension.\n" * 3,
        "unsupportedFormat", "text file")
    bad("soi_only.jpg", b"\xff\xd8", "unsupportedFormat", "2 bytes: too short for the FF D8 FF magic")
    bad("magic_only.jpg", b"\xff\xd8\xff", "decodeFailed", "the 3 magic bytes and nothing else")

    sos = find(base, 0xDA)
    scan = sos + 2 + struct.unpack(">H", base[sos + 2: sos + 4])[0]   # first entropy-coded byte
    cuts = {
        "in_app0": 10, "in_dqt": dqt + 30, "before_sof": find(base, 0xC0),
        "in_dht": find(base, 0xC4) + 20, "at_sos": sos, "after_sos_header": scan,
        "scan_10pct": scan + (len(base) - scan) // 10, "scan_50pct": scan + (len(base) - scan) // 2,
        "scan_90pct": scan + 9 * (len(base) - scan) // 10, "before_eoi": len(base) - 2,
        "half_eoi": len(base) - 1,
    }
    for label, cut in cuts.items():
        bad("truncated_%s.jpg" % label, base[:cut], "decodeFailed",
            "baseline JPEG cut at byte %d of %d" % (cut, len(base)))
    bad("truncated_progressive_50pct.jpg", progressive[: len(progressive) // 2], "decodeFailed",
        "progressive JPEG cut in half (libjpeg would return a blurry partial image)")
    bad("truncated_progressive_before_eoi.jpg", progressive[:-2], "decodeFailed",
        "progressive JPEG missing only EOI")
    bad("truncated_gray_50pct.jpg", gray[: len(gray) // 2], "decodeFailed", "grayscale cut in half")
    bad("truncated_cmyk_50pct.jpg", cmyk[: len(cmyk) // 2], "decodeFailed", "CMYK cut in half")

    bad("huge_sof_60000x60000.jpg", with_sof_size(base, 60000, 60000), "tooLarge",
        "SOF patched to 60000x60000 = 3.6 gigapixels")
    bad("sof_10001x10000.jpg", with_sof_size(base, 10001, 10000), "tooLarge",
        "one row of pixels above the 100-megapixel limit")
    bad("sof_zero_width.jpg", with_sof_size(base, 0, 48), "decodeFailed", "SOF width 0")
    sof = find(base, 0xC0)
    bad("sof_precision_12.jpg", patched(base, sof + 4, [12]), "decodeFailed",
        "12-bit samples declared (8-bit TurboJPEG cannot)")
    bad("undefined_huffman_table.jpg", patched(base, sos + 6, [0x33]), "decodeFailed",
        "SOS selects Huffman tables 3, which were never defined")
    bad("missing_sos.jpg", base[:sos] + b"\xff\xd9", "decodeFailed", "headers then EOI, no scan")
    bad("extraneous_bytes_before_marker.jpg", base[:dqt] + b"\x00\x11\x22" + base[dqt:],
        "decodeFailed", "junk before DQT: a libjpeg warning, an error in mirror")
    rst = restart.index(b"\xff\xd3", find(restart, 0xDA))
    bad("wrong_restart_marker.jpg", patched(restart, rst + 1, [0xD5]), "decodeFailed",
        "RST3 replaced by RST5: libjpeg warns and resyncs; mirror refuses")
    mid = scan + (len(base) - scan) // 2
    corrupt = bytearray(base)
    corrupt[mid: mid + 40] = b"\xff\x00" * 20    # legal stuffing, but invalid Huffman codes
    bad("corrupt_scan_data.jpg", bytes(corrupt), "decodeFailed",
        "40 scan bytes replaced by FF 00 pairs")


# ----------------------------------------------------------------------------------------------
# PNG corpus


def png_corpus():
    rng = np.random.default_rng(20)
    rgb8 = photo(16, 24, 21)
    alpha8 = rng.integers(0, 256, (16, 24), dtype=np.uint8)
    alpha8[:4] = 0                       # fully transparent rows keep their colors
    gray8 = photo(16, 24, 22)[:, :, 1]

    rgb8_png = png(rgb8, 2, 8)
    ok_png("rgb8_24x16.png", rgb8_png, rgb8, "8-bit RGB")
    ok_png("rgba8_24x16.png", png(np.dstack([rgb8, alpha8]), 6, 8), rgb8,
           "8-bit RGBA: alpha dropped, colors under alpha 0 kept (no compositing)")
    ok_png("gray8_24x16.png", png(gray8, 0, 8), gray_rgb(gray8), "8-bit gray, replicated")
    ok_png("gray_alpha8_24x16.png", png(np.dstack([gray8, alpha8]), 4, 8), gray_rgb(gray8),
           "8-bit gray+alpha: alpha dropped")
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    index = rng.integers(0, 16, (16, 24), dtype=np.uint8)
    ok_png("palette8_24x16.png", png(index, 3, 8, palette=palette), palette[index], "palette")
    index4 = index % 16
    ok_png("palette4_trns_24x16.png", png(index4, 3, 4, palette=palette,
                                          trns=bytes(range(0, 256, 16))),
           palette[index4], "4-bit palette with tRNS: transparency dropped")
    ok_png("rgb8_trns_key_24x16.png", png(rgb8, 2, 8, trns=struct.pack(">HHH", *rgb8[0, 0])),
           rgb8, "RGB with a tRNS color key: read via RGBA, key color kept")
    bits1 = rng.integers(0, 2, (16, 24))
    ok_png("gray1_24x16.png", png(bits1, 0, 1), gray_rgb(bits1 * 255), "1-bit gray: 0/255")
    bits2 = rng.integers(0, 4, (16, 24))
    ok_png("gray2_24x16.png", png(bits2, 0, 2), gray_rgb(bits2 * 85), "2-bit gray: x85")
    bits4 = rng.integers(0, 16, (16, 24))
    ok_png("gray4_24x16.png", png(bits4, 0, 4), gray_rgb(bits4 * 17), "4-bit gray: x17")
    ok_png("interlaced_rgb8_24x16.png", png(rgb8, 2, 8, interlace=True), rgb8, "Adam7 interlaced")
    ok_png("split_idat_rgb8_24x16.png", png(rgb8, 2, 8, idat_parts=5), rgb8, "IDAT in 5 chunks")
    ok_png("tiny_1x1.png", png(rgb8[:1, :1], 2, 8), rgb8[:1, :1], "1x1")
    ok_png("gama_045455_rgb8_24x16.png",
           png(rgb8, 2, 8, before_idat=[(b"gAMA", struct.pack(">I", 45455))]), rgb8,
           "gAMA 1/2.2: close enough to sRGB that libpng leaves it untouched")
    ok_png("gama_1_rgb8_24x16.png",
           png(rgb8, 2, 8, before_idat=[(b"gAMA", struct.pack(">I", 100000))]), rgb8,
           "gAMA 1.0 (linear): libpng converts to sRGB, PIL/TF ignore gAMA")
    text = png(rgb8, 2, 8, before_idat=[(b"tEXt", b"Comment\x00hello")])
    ok_png("bad_crc_text_chunk.png", png_corrupt_crc(text, b"tEXt"), rgb8,
           "bad CRC on an ancillary chunk: libpng warns and skips it; pixels intact "
           "(PIL rejects the file, so the rule is the reference)", pil_reference=False)

    # 16-bit: expectations from the raw samples with mirror's documented rule.
    rgb16 = rng.integers(0, 65536, (12, 20, 3))
    alpha16 = rng.integers(0, 65536, (12, 20))
    gray16 = rng.integers(0, 65536, (12, 20))
    ok_png("rgb16_20x12.png", png(rgb16, 2, 16), to8(rgb16), "16-bit RGB: round(v/257)",
           pil_reference=False)
    ok_png("rgba16_20x12.png", png(np.dstack([rgb16, alpha16]), 6, 16), to8(rgb16),
           "16-bit RGBA: round(v/257), alpha dropped", pil_reference=False)
    ok_png("gray16_20x12.png", png(gray16, 0, 16), gray_rgb(to8(gray16)),
           "16-bit gray: round(v/257), replicated", pil_reference=False)
    ok_png("gray_alpha16_20x12.png", png(np.dstack([gray16, alpha16]), 4, 16),
           gray_rgb(to8(gray16)), "16-bit gray+alpha", pil_reference=False)
    ramp = (np.arange(128 * 171 * 3) % 65536).reshape(171, 128, 3)
    ok_png("rgb16_ramp_128x171.png", png(ramp, 2, 16, sub_filter=True), to8(ramp),
           "every 16-bit value once (Sub-filtered rows): pins the 16->8 rule exhaustively",
           pil_reference=False)

    # Broken or refused.
    bad("png_signature_cut.png", rgb8_png[:5], "unsupportedFormat", "first 5 signature bytes")
    bad("png_signature_only.png", rgb8_png[:8], "decodeFailed", "signature and nothing else")
    bad("png_truncated_in_ihdr.png", rgb8_png[:20], "decodeFailed", "cut inside IHDR")
    idat_off, _, idat_len = next(c for c in png_chunks(rgb8_png) if c[1] == b"IDAT")
    bad("png_truncated_mid_idat.png", rgb8_png[: idat_off + 8 + idat_len // 2], "decodeFailed",
        "cut in the middle of the image data")
    ok_png("png_missing_iend.png", rgb8_png[:-12], rgb8,
           "cut after the last IDAT: every pixel is present and libpng's simplified reader stops "
           "there, so it decodes (TF rejects it)", pil_reference=False)
    bad("png_bad_crc_idat.png", png_corrupt_crc(rgb8_png, b"IDAT"), "decodeFailed",
        "bad CRC on a critical chunk")
    bad("png_bad_crc_ihdr.png", png_corrupt_crc(rgb8_png, b"IHDR"), "decodeFailed", "bad IHDR CRC")
    raw = png_rows(rgb8, 8)
    adler_bad = bytearray(zlib.compress(raw, 9))
    adler_bad[-1] ^= 0xFF
    bad("png_bad_adler32.png", with_idat(rgb8_png, bytes(adler_bad)),
        "decodeFailed", "zlib checksum of the image data is wrong")
    bad("png_short_image_data.png", png(rgb8, 2, 8, raw=raw[: len(raw) // 2]), "decodeFailed",
        "a valid zlib stream holding half the rows")
    bad("png_huge_ihdr_60000x60000.png", png_with_ihdr(rgb8_png, 60000, 60000), "tooLarge",
        "IHDR patched to 60000x60000 with a correct CRC")
    bad("png_ihdr_10001x10000.png", png_with_ihdr(rgb8_png, 10001, 10000), "tooLarge",
        "one row of pixels above the 100-megapixel limit")
    bad("png_ihdr_width_2e31.png", png_with_ihdr(rgb8_png, 2**31 - 1, 16), "decodeFailed",
        "width 2^31-1: above libpng's 1,000,000 user limit")
    bad("png_ihdr_zero_width.png", png_with_ihdr(rgb8_png, 0, 16), "decodeFailed", "width 0")
    bad("png_rgb_bit_depth_4.png", png(bits4, 2, 4, width=8), "decodeFailed",
        "color type 2 with bit depth 4 is not a legal combination")
    bad("png_palette_without_plte.png", png(index, 3, 8), "decodeFailed", "palette image, no PLTE")
    bad("png_garbage_after_signature.png", rgb8_png[:8] + bytes(range(200)), "decodeFailed",
        "signature followed by junk")


# ----------------------------------------------------------------------------------------------


def main():
    os.makedirs(EXPECTED, exist_ok=True)
    for directory in (ROOT, EXPECTED):
        for entry in os.listdir(directory):
            path = os.path.join(directory, entry)
            if os.path.isfile(path):
                os.remove(path)
    jpeg_corpus()
    png_corpus()
    with open(os.path.join(ROOT, "manifest.tsv"), "w") as f:
        f.write("# Written by Fixtures/scripts/make_decoder_corpus.py; see Docs/FIXTURES.md.\n")
        f.write("# expect: ok or the ImageIOError case. *_reference: PPM of the expected RGB "
                "(JPEG: TF INTEGER_FAST / INTEGER_ACCURATE; PNG: PIL or the numpy rule).\n")
        f.write("# *_max_abs_diff: largest per-channel difference mirror may show (0 = exact).\n")
        f.write("file\texpect\tfast_reference\tfast_max_abs_diff\taccurate_reference\t"
                "accurate_max_abs_diff\tnote\n")
        for row in rows:
            f.write("\t".join(str(field) for field in row) + "\n")
    total = sum(os.path.getsize(os.path.join(d, e)) for d in (ROOT, EXPECTED)
                for e in os.listdir(d) if os.path.isfile(os.path.join(d, e)))
    print("%d files (%d ok, %d broken), %d bytes in total" % (
        len(rows), sum(r[1] == "ok" for r in rows), sum(r[1] != "ok" for r in rows), total))
    print("largest TF IFAST vs ISLOW difference on valid JPEGs: %d" % stats["ifast_vs_islow"])
    print("PIL equals TF ISLOW on every RGB/gray JPEG: %s" % stats["pil_eq_tf_islow"])
    print("versions: numpy %s, Pillow %s (libjpeg-turbo %s, zlib %s), tensorflow %s" % (
        np.__version__, Image.__version__, features.version("libjpeg_turbo"),
        features.version("zlib"), tf.__version__))


if __name__ == "__main__":
    sys.exit(main())
