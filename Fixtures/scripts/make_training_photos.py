#!/usr/bin/env python3
"""Cuts and downsizes the source photos of the training fixtures into Fixtures/photos/.

Every photo comes from a Debian package whose copyright file (or the wallpaper's own metadata)
gives a licence that allows redistribution and modification; SELECTION below is the one place
that names them, with author and licence, and the script writes Fixtures/photos/SOURCES.md from
it. Wide photos may be cut into two disjoint halves (left half = columns [0, W//2), right half
= [W//2, W)); each half is its own source. TRAIN and HELD-OUT are disjoint by original photo.

Each source is stored with its long side 512 (Pillow LANCZOS, after EXIF orientation), RGB,
JPEG quality 90 (Pillow's default 4:2:0 subsampling), no metadata.

Never use here (reserved for independent evaluation): Debian opencv-doc, scikit-image's bundled
images, lomiri-wallpapers-16.04, xplanet-images. The script refuses those packages.

Run (repository root):
    apt-get update
    mkdir -p /tmp/debs && cd /tmp/debs && apt-get download mate-backgrounds=1.26.0-1 \\
        plasma-workspace-wallpapers=4:5.27.5-2 lomiri-wallpapers-20.04=20.04.0-2 palapeli-data=4:22.12.3-1
    /work/venv/bin/python Fixtures/scripts/make_training_photos.py --debs /tmp/debs

Needs Python 3 with Pillow, and `dpkg-deb` on PATH.
"""
import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image, ImageOps

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "Fixtures", "photos")
LONG_SIDE = 512
QUALITY = 90

PACKAGES = {
    "mate-backgrounds": "1.26.0-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "palapeli-data": "4:22.12.3-1",
}
FORBIDDEN_PACKAGES = ("opencv-doc", "lomiri-wallpapers-16.04", "xplanet-images", "scikit-image", "skimage")

PLASMA = "usr/share/wallpapers/{}/contents/images/2560x1600.jpg"
MATE = "usr/share/backgrounds/mate/nature/{}.jpg"
PALAPELI = "usr/share/palapeli/collection/{}.jpg"

# (split, name, package, path in package, cut, what, author, licence, where the licence is stated)
# cut: "full" or "halves" (two sources, <name>_l and <name>_r).
PLASMA_LICENCE = ("LGPL-3 (metadata.json); GPL-2+ (Debian copyright, Files: *)",
                  "contents of the wallpaper folder's metadata.json; /usr/share/doc/plasma-workspace-wallpapers/copyright")
MATE_LICENCE = ("GPL-2+", "/usr/share/doc/mate-backgrounds/copyright")
SELECTION = [
    # TRAIN: 13 photos, 16 sources
    ("train", "plasma_eveningglow", "plasma-workspace-wallpapers", PLASMA.format("EveningGlow"), "halves",
     "rowing boats on a lake shore at sunset, hills", "Ian Hex", *PLASMA_LICENCE),
    ("train", "plasma_path", "plasma-workspace-wallpapers", PLASMA.format("Path"), "halves",
     "forest path between spruce trunks", "Risto Saukonpää", *PLASMA_LICENCE),
    ("train", "palapeli_castle", "palapeli-data", PALAPELI.format("castle-maintenon"), "halves",
     "Château de Maintenon (towers, facades, trees)", "Eric Pouhier",
     "GFDL (X-KDE-PluginInfo-License=FDL; Wikimedia Commons EPO_2432_wiki.jpg); GPL-2+ (Debian copyright, Files: *)",
     "castle-maintenon.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "plasma_bythewater", "plasma-workspace-wallpapers", PLASMA.format("BytheWater"), "full",
     "wooden jetty planks, lake and far shore", "Maciej Wiklo", *PLASMA_LICENCE),
    ("train", "plasma_colorfulcups", "plasma-workspace-wallpapers", PLASMA.format("ColorfulCups"), "full",
     "stacked plastic cups seen from above", "Dmitri Popov", *PLASMA_LICENCE),
    ("train", "plasma_onestandsout", "plasma-workspace-wallpapers", PLASMA.format("OneStandsOut"), "full",
     "moss shoots seen from above (Olympus E-M1 photo)", "Risto Saukonpää", *PLASMA_LICENCE),
    ("train", "mate_dune", "mate-backgrounds", MATE.format("Dune"), "full",
     "dune grass against the sea", "Marco Cogoni; Hylke Bons", *MATE_LICENCE),
    ("train", "mate_greenmeadow", "mate-backgrounds", MATE.format("GreenMeadow"), "full",
     "close-up of grass blades", "Timothy Schellhase; Lapo Calamandrei", *MATE_LICENCE),
    ("train", "mate_raindrops", "mate-backgrounds", MATE.format("RainDrops"), "full",
     "leaves with rain drops", "\"blackcombwhistler07\"", *MATE_LICENCE),
    ("train", "mate_yellowflower", "mate-backgrounds", MATE.format("YellowFlower"), "full",
     "yellow flower petals and centre", "Charles Barbin", *MATE_LICENCE),
    ("train", "palapeli_citrus", "palapeli-data", PALAPELI.format("citrus-fruits"), "full",
     "sliced citrus fruits on a light table", "US Department of Agriculture",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons Citrus_fruits.jpg); "
     "GPL-2+ (Debian copyright, Files: *)",
     "citrus-fruits.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "palapeli_chameleon", "palapeli-data", PALAPELI.format("panther-chameleon-female"), "full",
     "panther chameleon on branches, foliage", "B. Navez and others",
     "GFDL (X-KDE-PluginInfo-License=GNU-FDL; Wikimedia Commons FurciferPardalisFemale.JPG); "
     "GPL-2+ (Debian copyright, Files: *)",
     "panther-chameleon-female.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "lomiri_kleiber", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
     "full", "nuthatch on a tree trunk (bark texture)", "Lukas Baubkus", "CC-BY-SA-3.0",
     "/usr/share/doc/lomiri-wallpapers-20.04/copyright (Files: 20.04/Kleiber_by_Lukas_Baubkus.jpg)"),
    # HELD-OUT: 7 photos, 8 sources
    ("heldout", "palapeli_bridge", "palapeli-data", PALAPELI.format("cincinnati-bridge"), "halves",
     "Roebling suspension bridge at night, city lights", "Derek Jensen",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons "
     "Cincinnati-roebling-suspension-bridge.jpg); GPL-2+ (Debian copyright, Files: *)",
     "cincinnati-bridge.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("heldout", "plasma_coldripple", "plasma-workspace-wallpapers", PLASMA.format("ColdRipple"), "full",
     "pier in fog, water", "Risto Saukonpää", *PLASMA_LICENCE),
    ("heldout", "plasma_fallenleaf", "plasma-workspace-wallpapers", PLASMA.format("FallenLeaf"), "full",
     "fallen maple leaves on the ground", "Martin Klapetek", *PLASMA_LICENCE),
    ("heldout", "mate_ladybird", "mate-backgrounds", MATE.format("LadyBird"), "full",
     "ladybird on a grass stem, forget-me-nots", "Charles Barbin", *MATE_LICENCE),
    ("heldout", "mate_blinds", "mate-backgrounds", MATE.format("Blinds"), "full",
     "close-up of a leaf's parallel veins", "Lennart Poettering; Andrea Cimitan", *MATE_LICENCE),
    ("heldout", "palapeli_bee", "palapeli-data", PALAPELI.format("european-honey-bee"), "full",
     "honey bee on an aster", "John Severns",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons "
     "European_honey_bee_extracts_nectar.jpg); GPL-2+ (Debian copyright, Files: *)",
     "european-honey-bee.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("heldout", "mate_freshflower", "mate-backgrounds", MATE.format("FreshFlower"), "full",
     "orange flower petals", "Jens Ansorg", *MATE_LICENCE),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def extract(debs, workdir):
    """Unpacks each package of PACKAGES (exact version) into workdir/<package>; returns the .deb hashes."""
    hashes = {}
    for package, version in PACKAGES.items():
        candidates = glob.glob(os.path.join(debs, f"{package}_*.deb"))
        if len(candidates) != 1:
            sys.exit(f"need exactly one {package}_*.deb in {debs}, found {candidates}")
        deb = candidates[0]
        found = subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True, capture_output=True, text=True).stdout.strip()
        if found != version:
            sys.exit(f"{deb}: version {found}, the selection was made from {version}")
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(workdir, package)], check=True)
        hashes[package] = (os.path.basename(deb), sha256(deb))
    return hashes


def downsized(image):
    w, h = image.size
    scale = LONG_SIDE / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debs", required=True, help="folder holding the four .deb files (apt-get download)")
    args = parser.parse_args()
    for split, name, package, *_ in SELECTION:
        assert package in PACKAGES and not any(bad in package for bad in FORBIDDEN_PACKAGES), package
    originals = {name: path for _, name, _, path, *_ in SELECTION}
    assert len(set(originals.values())) == len(originals), "a photo is selected twice"
    by_split = {}
    for split, name, _, path, *_ in SELECTION:
        by_split.setdefault(path, set()).add(split)
    assert all(len(s) == 1 for s in by_split.values()), "a photo is in both splits"

    workdir = tempfile.mkdtemp(prefix="mirror-photos-")
    try:
        deb_hashes = extract(args.debs, workdir)
        for split in ("train", "heldout"):
            shutil.rmtree(os.path.join(OUT, split), ignore_errors=True)
            os.makedirs(os.path.join(OUT, split))
        rows = []
        for split, name, package, path, cut, what, author, licence, stated in SELECTION:
            original = os.path.join(workdir, package, path)
            image = ImageOps.exif_transpose(Image.open(original)).convert("RGB")
            w, h = image.size
            parts = [(name, (0, 0, w, h))] if cut == "full" else \
                [(name + "_l", (0, 0, w // 2, h)), (name + "_r", (w // 2, 0, w, h))]
            for source, box in parts:
                out = os.path.join(OUT, split, source + ".jpg")
                downsized(image.crop(box)).save(out, quality=QUALITY)
                with Image.open(out) as check:
                    size = check.size
                region = "whole" if cut == "full" else f"columns [{box[0]}, {box[2]})"
                rows.append((split, source, size, os.path.getsize(out), package, PACKAGES[package], "/" + path,
                             f"{w}×{h}", sha256(original)[:16], region, what, author, licence, stated))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_sources(rows, deb_hashes)
    total = sum(r[3] for r in rows)
    for split in ("train", "heldout"):
        print(f"{split}: {sum(r[0] == split for r in rows)} sources from "
              f"{len({r[6] for r in rows if r[0] == split})} photos")
    print(f"{len(rows)} sources, {total} bytes")


def write_sources(rows, deb_hashes):
    lines = [
        "# Training photos: sources and licences",
        "",
        "Written by `Fixtures/scripts/make_training_photos.py` (do not edit by hand; change `SELECTION` in the",
        "script). Every photo is a real photograph from a Debian 12 (bookworm) package; its licence allows",
        "redistribution and modification. Stored copies: long side 512 px (Pillow LANCZOS), RGB, JPEG quality 90,",
        "no metadata. A source cut into halves: `_l` = columns `[0, W//2)`, `_r` = `[W//2, W)` of the original,",
        "so the halves are disjoint; both halves of a photo are in the same split.",
        "",
        "`train/` feeds the training fixtures; `heldout/` is never used for training or tuning. Neither uses",
        "the images reserved for independent evaluation (Debian `opencv-doc`, scikit-image's bundled images,",
        "`lomiri-wallpapers-16.04`, `xplanet-images`).",
        "",
        "## Packages",
        "",
        "| package | version | .deb | SHA-256 of the .deb |",
        "|---|---|---|---|",
    ]
    for package, version in PACKAGES.items():
        deb, digest = deb_hashes[package]
        lines.append(f"| `{package}` | {version} | `{deb}` | `{digest}` |")
    lines += [
        "",
        "## Sources",
        "",
        "| split | file | W×H | bytes | package | original file (size; SHA-256 prefix) | part | subject | author | licence | licence stated in |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for split, source, size, nbytes, package, version, path, osize, digest, region, what, author, licence, stated in rows:
        lines.append(f"| {split} | `{split}/{source}.jpg` | {size[0]}×{size[1]} | {nbytes} | `{package}` {version} | "
                     f"`{path}` ({osize}; `{digest}`) | {region} | {what} | {author} | {licence} | {stated} |")
    total = sum(r[3] for r in rows)
    lines += [
        "",
        f"{len(rows)} sources ({sum(r[0] == 'train' for r in rows)} train, {sum(r[0] == 'heldout' for r in rows)} held-out), "
        f"{total} bytes.",
        "",
        "Notes on licences:",
        "- The Plasma wallpapers' own `metadata.json` says LGPLv3 (author as listed); Debian's copyright file",
        "  covers the whole package with GPL-2+ (KDE Visual Design Group). Both allow redistribution and",
        "  modification; LGPL/GPL conditions are met by shipping these files unchanged in licence with their",
        "  attribution (a JPEG is its own preferred form for modification).",
        "- Palapeli's puzzle photos are Wikimedia Commons images; each `.desktop` file beside the JPEG names",
        "  the author, the Commons page and the licence (public domain, or GNU FDL); Debian's copyright covers",
        "  the package with GPL-2+.",
        "- CC-BY-SA-3.0 (Lukas Baubkus): attribution as above; derived views stay under CC-BY-SA-3.0.",
        "- Derived fixtures (the synthetic views under `Fixtures/train/`) carry the licence of their source photo.",
        "",
        "## Commands",
        "",
        "```bash",
        "apt-get update",
        "mkdir -p /tmp/debs && cd /tmp/debs && apt-get download mate-backgrounds=1.26.0-1 \\",
        "    plasma-workspace-wallpapers=4:5.27.5-2 lomiri-wallpapers-20.04=20.04.0-2 palapeli-data=4:22.12.3-1",
        "cd -   # repository root",
        "/work/venv/bin/python Fixtures/scripts/make_training_photos.py --debs /tmp/debs",
        "```",
        "",
        "The script unpacks the packages with `dpkg-deb -x` into a temporary folder, checks their versions, and",
        "rewrites `train/`, `heldout/` and this file. Pillow 13.0.0 (libjpeg-turbo) gives identical bytes on",
        "every run.",
        "",
    ]
    with open(os.path.join(OUT, "SOURCES.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
