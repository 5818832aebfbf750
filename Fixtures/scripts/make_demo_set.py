#!/usr/bin/env python3
"""Builds the bundled demo set Fixtures/demo/: overlapping views of a few public-domain/CC0 photos
shipped with scikit-image, plus the ground-truth list of overlapping pairs.

Each scene is one source photo; each view is a random homography (rotation, scale, perspective tilt,
translation) of it, rendered at 320×240 with a brightness/contrast jitter and saved as JPEG. Two views
overlap when at least 25% of one view's pixels land inside the other (measured on a dense grid through
the two homographies); views of different scenes never overlap.

Sources (skimage.data, see its documentation for provenance): astronaut (NASA, public domain),
coffee (Rachel Michetti, CC0), chelsea (Stefan van der Walt, CC0), rocket (SpaceX, public domain).

Run: /work/venv/bin/python Fixtures/scripts/make_demo_set.py   (needs numpy, Pillow, scikit-image)
"""
import os
import numpy as np
from PIL import Image
from skimage import data

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo")
VIEW_W, VIEW_H = 320, 240
VIEWS_PER_SCENE = 5
MIN_OVERLAP = 0.25
SCENES = [("astronaut", data.astronaut), ("coffee", data.coffee), ("chelsea", data.chelsea), ("rocket", data.rocket)]


def random_homography(rng, src_w, src_h):
    """Maps view pixel (x, y, 1) to source pixel coordinates."""
    scale = rng.uniform(0.45, 0.8) * min(src_w / VIEW_W, src_h / VIEW_H)
    angle = rng.uniform(-0.25, 0.25)
    c, s = np.cos(angle), np.sin(angle)
    cx = rng.uniform(0.35, 0.65) * src_w
    cy = rng.uniform(0.35, 0.65) * src_h
    tilt = rng.uniform(-4e-4, 4e-4, size=2) / scale
    to_center = np.array([[1, 0, -VIEW_W / 2], [0, 1, -VIEW_H / 2], [0, 0, 1]])
    rotate_scale = np.array([[scale * c, -scale * s, 0], [scale * s, scale * c, 0], [0, 0, 1]])
    perspective = np.array([[1, 0, 0], [0, 1, 0], [tilt[0], tilt[1], 1]])
    to_source = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]])
    return to_source @ rotate_scale @ perspective @ to_center


def render(photo, h_view_to_src, rng):
    inverse_free = h_view_to_src / h_view_to_src[2, 2]
    coeffs = inverse_free.flatten()[:8]
    view = photo.transform((VIEW_W, VIEW_H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    pixels = np.asarray(view).astype(np.float32)
    pixels = pixels * rng.uniform(0.85, 1.15) + rng.uniform(-15, 15)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def project(h, points):
    p = h @ points
    return p[:2] / p[2]


def overlap(h_a, h_b, src_w, src_h):
    """Fraction of view A's pixels (inside the source photo) that land inside view B."""
    ys, xs = np.mgrid[0:VIEW_H:4, 0:VIEW_W:4]
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    src = project(h_a, grid)
    inside_src = (src[0] >= 0) & (src[0] < src_w) & (src[1] >= 0) & (src[1] < src_h)
    in_b = project(np.linalg.inv(h_b), np.vstack([src, np.ones(src.shape[1])]))
    inside_b = (in_b[0] >= 0) & (in_b[0] < VIEW_W) & (in_b[1] >= 0) & (in_b[1] < VIEW_H)
    return float(np.mean(inside_src & inside_b))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(2018)
    pairs, names = [], []
    for scene, loader in SCENES:
        photo = Image.fromarray(loader()).convert("RGB")
        src_w, src_h = photo.size
        homographies = []
        for v in range(VIEWS_PER_SCENE):
            h = random_homography(rng, src_w, src_h)
            name = f"{scene}_{v}.jpg"
            render(photo, h, rng).save(os.path.join(OUT, name), quality=85)
            homographies.append((name, h))
            names.append(name)
        for i in range(len(homographies)):
            for j in range(i + 1, len(homographies)):
                (name_a, h_a), (name_b, h_b) = homographies[i], homographies[j]
                o = min(overlap(h_a, h_b, src_w, src_h), overlap(h_b, h_a, src_w, src_h))
                if o >= MIN_OVERLAP:
                    pairs.append((name_a, name_b, o))
    with open(os.path.join(OUT, "ground_truth_pairs.txt"), "w") as f:
        f.write("# name_a name_b overlap (min of both directions); pairs not listed do not overlap\n")
        for a, b, o in pairs:
            f.write(f"{a} {b} {o:.3f}\n")
    print(f"{len(names)} views, {len(pairs)} overlapping pairs")


if __name__ == "__main__":
    main()
