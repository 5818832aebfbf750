#!/usr/bin/env python3
"""mirror's pair lists in a real reconstruction client: COLMAP through pycolmap.

Renders a synthetic 3-D scene (a courtyard of textured, non-coplanar walls and a floor; the
textures are photos from Fixtures/photos/train; cameras walk a circle inside, looking out), then
for exhaustive matching and for each mirror pair list: SIFT features (extracted once), matching
of the listed pairs (`pycolmap.match_image_pairs`, or `match_exhaustive`), and incremental
mapping (`pycolmap.incremental_mapping`). Prints one Markdown row per list: pairs matched,
models, registered images and 3-D points of the largest model, and seconds for matching and
mapping. Not needed at run time; numbers go to Docs/BENCHMARKS.md.

    python3 Fixtures/scripts/colmap_client.py --mirror .build/release/mirror --work /tmp/client
    (numpy, pillow, pycolmap >= 3.10)
"""
import argparse
import glob
import math
import os
import shutil
import subprocess
import time

import numpy as np
import pycolmap
from PIL import Image

WIDTH, HEIGHT, FOCAL = 640, 480, 420.0


def load_texture(path, size=768):
    image = Image.open(path).convert("RGB")
    scale = size / max(image.size)
    image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))), Image.BILINEAR)
    return np.asarray(image)


def scene(photos, sides=8, radius=10.0, height=6.0):
    """Planes as (origin, u axis, v axis, width, height, texture): the walls of a regular polygon and a floor."""
    planes = []
    for k in range(sides):
        a0, a1 = 2 * math.pi * k / sides, 2 * math.pi * (k + 1) / sides
        p0 = np.array([radius * math.cos(a0), radius * math.sin(a0), 0.0])
        p1 = np.array([radius * math.cos(a1), radius * math.sin(a1), 0.0])
        width = np.linalg.norm(p1 - p0)
        planes.append((p0, (p1 - p0) / width, np.array([0.0, 0.0, 1.0]), width, height, load_texture(photos[k % len(photos)])))
    floor = load_texture(photos[sides % len(photos)])
    planes.append((np.array([-radius, -radius, 0.0]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 2 * radius, 2 * radius, floor))
    return planes


def render(planes, centre, yaw, pitch=-0.02):
    """One pinhole view: nearest plane hit per pixel, nearest-texel lookup, sky where nothing is hit."""
    forward = np.array([math.cos(yaw) * math.cos(pitch), math.sin(yaw) * math.cos(pitch), math.sin(pitch)])
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    down = np.cross(forward, right)
    u, v = np.meshgrid(np.arange(WIDTH) + 0.5, np.arange(HEIGHT) + 0.5)
    rays = (forward[None, None, :] + ((u - WIDTH / 2) / FOCAL)[..., None] * right + ((v - HEIGHT / 2) / FOCAL)[..., None] * down)
    image = np.full((HEIGHT, WIDTH, 3), (170, 200, 235), dtype=np.uint8)
    nearest = np.full((HEIGHT, WIDTH), np.inf)
    for origin, ua, va, w, h, texture in planes:
        normal = np.cross(ua, va)
        denominator = rays @ normal
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ((origin - centre) @ normal) / denominator
        hit = centre + t[..., None] * rays
        a, b = (hit - origin) @ ua, (hit - origin) @ va
        inside = (t > 0) & (t < nearest) & (a >= 0) & (a < w) & (b >= 0) & (b < h)
        th, tw = texture.shape[:2]
        tx = np.clip((a / w * tw).astype(int), 0, tw - 1)
        ty = np.clip(((1 - b / h) * th).astype(int), 0, th - 1)
        image[inside] = texture[ty[inside], tx[inside]]
        nearest = np.where(inside, t, nearest)
    return image


def render_views(folder, photos, views, seed):
    rng = np.random.default_rng(seed)
    planes = scene(photos)
    os.makedirs(folder, exist_ok=True)
    for k in range(views):
        angle = 2 * math.pi * k / views
        centre = np.array([3.0 * math.cos(angle), 3.0 * math.sin(angle), 1.6 + rng.uniform(-0.2, 0.2)])
        yaw = angle + rng.uniform(-0.35, 0.35)
        Image.fromarray(render(planes, centre, yaw)).save(os.path.join(folder, f"view{k:03d}.jpg"), quality=92)


def reconstruct(work, images, base, label, pairs):
    """Matches (exhaustively when `pairs` is None) and maps; returns a Markdown row."""
    folder = os.path.join(work, label.replace(" ", "_").replace("-", ""))
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    database = os.path.join(folder, "database.db")
    shutil.copy(base, database)
    start = time.time()
    if pairs is None:
        pycolmap.match_exhaustive(database)
        count = len(glob.glob(os.path.join(images, "*.jpg")))
        listed = count * (count - 1) // 2
    else:
        listed = sum(1 for line in open(pairs) if line.strip() and not line.startswith("#"))
        pycolmap.match_image_pairs(database, pairing_options=pycolmap.ImportedPairingOptions(match_list_path=pairs))
    matched = time.time() - start
    start = time.time()
    models = pycolmap.incremental_mapping(database, images, os.path.join(folder, "sparse"))
    mapped = time.time() - start
    largest = max(models.values(), key=lambda m: m.num_reg_images(), default=None)
    registered = largest.num_reg_images() if largest else 0
    points = largest.num_points3D() if largest else 0
    return f"| {label} | {listed} | {len(models)} | {registered} | {points} | {matched:.1f} | {mapped:.1f} |"


DEFAULT_VARIANTS = [
    ("top 5", "--top 5"),
    ("top 10", "--top 10"),
    ("top 20", "--top 20"),
    ("--mutual top 10 + --min-degree 5", "--top 10 --mutual --min-degree 5"),
    ("top 20 + --min-prob 0.2 + --min-degree 5 + --connect", "--top 20 --min-prob 0.2 --min-degree 5 --connect"),
    ("defaults", ""),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", required=True, help="the mirror binary")
    parser.add_argument("--work", required=True, help="scratch folder")
    parser.add_argument("--views", type=int, default=48)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--selection", action="append", help='"label=mirror pairs options", repeatable')
    parser.add_argument("--no-exhaustive", action="store_true", help="skip exhaustive matching")
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(__file__), "..", "photos", "train")
    photos = sorted(glob.glob(os.path.join(root, "*.jpg")))[::5][:9]
    images = os.path.join(args.work, "images")
    if not os.path.isdir(images):
        render_views(images, photos, args.views, args.seed)
    base = os.path.join(args.work, "features.db")
    if not os.path.exists(base):
        pycolmap.extract_features(base, images, camera_mode=pycolmap.CameraMode.SINGLE)
    print("| pairs from | pairs matched | models | registered images (largest) | 3-D points (largest) | match s | map s |")
    print("|---|---|---|---|---|---|---|")
    if not args.no_exhaustive:
        print(reconstruct(args.work, images, base, "exhaustive", None), flush=True)
    variants = [tuple(s.split("=", 1)) for s in args.selection] if args.selection else DEFAULT_VARIANTS
    for label, options in variants:
        pairs = os.path.join(args.work, "pairs-" + label.split(" (")[0].replace(" ", "_").replace("-", "") + ".txt")
        subprocess.run([args.mirror, "pairs", images, "--out", pairs, "--quiet"] + options.split(), check=True)
        print(reconstruct(args.work, images, base, label, pairs), flush=True)


if __name__ == "__main__":
    main()
