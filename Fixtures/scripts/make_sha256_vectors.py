#!/usr/bin/env python3
"""Writes Fixtures/sha256/vectors.tsv: SHA-256 digests from Python's hashlib (an implementation
independent of mirror's) for deterministic pseudo-random messages.

Message of length n with seed s: byte[i] = (i*i*31 + i*7 + s*131 + n) % 251, so the Swift test
rebuilds every message from (n, s). Lengths cover the padding boundaries (55/56/63/64/65,
119/120, 127/128) and multi-block inputs. Run: python3 Fixtures/scripts/make_sha256_vectors.py
"""
import hashlib
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sha256", "vectors.tsv")
LENGTHS = [0, 1, 3, 31, 32, 55, 56, 57, 63, 64, 65, 100, 119, 120, 121, 127, 128, 129, 191, 192,
           255, 256, 1000, 4095, 4096, 4097, 65537]


def message(n, s):
    return bytes((i * i * 31 + i * 7 + s * 131 + n) % 251 for i in range(n))


def main():
    rows = ["# length\tseed\tsha256 (byte[i] = (i*i*31 + i*7 + seed*131 + length) % 251)"]
    for s, n in enumerate(LENGTHS):
        rows.append(f"{n}\t{s}\t{hashlib.sha256(message(n, s)).hexdigest()}")
    with open(OUT, "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
