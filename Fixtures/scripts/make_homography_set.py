#!/usr/bin/env python3
"""Synthetic training/evaluation views with ground-truth overlap ("plain pairs format" of mirror train).

For each photo of a folder, N views (default 8) of S×S pixels (default 224): each view is what a
virtual camera sees of the photo taken as a plane, i.e. a homography H (photo → view) composed of
a crop/translation, a zoom, an in-plane rotation and a perspective tilt; then photometric jitter
and a JPEG encoding at a random quality. Overlap of two views of the same photo is measured
through their homographies on a pixel grid (definition below and in
Fixtures/train/synthetic/README.md); views of different photos have overlap 0 and are not listed.

Coordinates. Continuous pixel coordinates as Pillow uses them: pixel (col, row) covers
[col, col+1) × [row, row+1), its centre is (col + 0.5, row + 0.5). A photo of W×H pixels is the
region 0 ≤ x < W, 0 ≤ y < H; a view is 0 ≤ x < S, 0 ≤ y < S. H maps homogeneous photo points to
homogeneous view points; it is stored unnormalised with the sign for which a point is in front
of the virtual camera exactly when the third component of H·(x, y, 1) is positive.

Homography of one view (all float64):
    H = T(S/2, S/2) · P(θ, ψ, d) · R(φ) · diag(k, k, 1) · T(−cx, −cy)
    k = z · S / (BASE_WINDOW · min(W, H))            zoom z: the view spans BASE_WINDOW·min(W,H)/z photo px
    R(φ): in-plane rotation by φ
    P = [[r11, r12, 0], [r21, r22, 0], [r31/D, r32/D, 1]], D = d·S, r = rotation by θ about the
        in-plane axis (cos ψ, sin ψ, 0): the photo plane tilted by θ, seen by a pinhole camera at
        distance D with focal length D (so the view centre keeps scale k).
The centre (cx, cy) is chosen so that all four view corners' pre-images lie inside the photo
(shrunk by 1 px), hence every view pixel shows the photo.

Overlap of views u, v of the same photo (float64):
    grid G_u = centres (x + 0.5, y + 0.5) of the pixels x, y ∈ {s//2, s//2 + s, s//2 + 2s, …} < S of view u
               (s = stride, default 4: pixels 2, 6, …, 222 of 224; s = 1: every pixel)
    for each g in G_u: p = H_u⁻¹·(g, 1) (np.linalg.inv); counted when p₃ > 0, the point
        (p₁/p₃, p₂/p₃) is inside the photo (0 ≤ x < W, 0 ≤ y < H), q = H_v·(p₁/p₃, p₂/p₃, 1) has q₃ > 0
        and (q₁/q₃, q₂/q₃) is inside view v (0 ≤ x < S, 0 ≤ y < S)
    o(u→v) = counted / |G_u|;   overlap(u, v) = min(o(u→v), o(v→u)).

Outputs in --out:
    images/<photo stem>_v<k:02d>.jpg   the views (bytewise sorted order = images.txt order)
    images.txt      one path per line, relative to --out
    pairs.tsv       "# i<TAB>j<TAB>overlap", then every same-photo pair i < j, overlap with 6 decimals
                    (zero and low overlaps included: the hard negatives)
    gl3d_gt_pairs   "i j" for every ordered pair with overlap ≥ 0.5 (both directions), sorted, for
                    mirror eval gl3d --image-list images.txt --gt-pairs gl3d_gt_pairs
    homographies.npy  float64 [num_images, 3, 3], photo → view
    meta.json       parameters of every view and the overlap definition's constants

Deterministic: a photo's views depend only on --seed, the photo's file name and its pixels
(numpy default_rng([seed, crc32(name)])); same inputs and library versions ⇒ same bytes.

Checks (always run, nothing written for them): overlaps symmetric-min in [0, 1]; a view against
itself is 1; a view against a disjoint crop of the same photo is 0; pure-translation views match
the closed-form grid count; and every pair's grid overlap agrees with an independent polygon
computation (area of view u ∩ the quadrilateral of view v mapped into u, Sutherland–Hodgman
clipping) within a stated bound, at the chosen stride and at stride 1.

Run (repository root), e.g.:
    /work/venv/bin/python Fixtures/scripts/make_homography_set.py --photos Fixtures/photos/train \\
        --out Fixtures/train/synthetic/train --seed 1
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import time
import zlib

import numpy as np
import PIL
from PIL import Image

BASE_WINDOW = 0.4          # a zoom-1 view spans 0.4·min(W, H) photo pixels
ZOOM = (0.6, 1.6)          # log-uniform
ROTATION_DEG = 30.0        # in-plane rotation, uniform in ±30°
TILT_DEG = 30.0            # perspective tilt, uniform in [0, 30°], axis direction uniform
DISTANCE = (1.0, 2.0)      # camera distance (= focal length) in units of S
NEAR_PREVIOUS = 0.6        # probability that a view is placed near an earlier view of the photo
JPEG_QUALITY = (60, 95)    # inclusive
GT_THRESHOLD = 0.5
OUTPUT_FILES = ("images.txt", "pairs.tsv", "gl3d_gt_pairs", "homographies.npy", "meta.json")
SUPERSAMPLE = 2            # render at 2S with bilinear sampling, then 2×2 box average


def translation(tx, ty):
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def rotation_deg(phi):
    c, s = np.cos(np.radians(phi)), np.sin(np.radians(phi))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def tilt(theta_deg, psi_deg, distance):
    """The photo plane rotated by θ about the in-plane axis at angle ψ, seen from `distance` with focal length `distance`."""
    theta, psi = np.radians(theta_deg), np.radians(psi_deg)
    axis = np.array([np.cos(psi), np.sin(psi), 0.0])
    cross = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    r = np.eye(3) + np.sin(theta) * cross + (1.0 - np.cos(theta)) * (cross @ cross)
    return np.array([[r[0, 0], r[0, 1], 0.0], [r[1, 0], r[1, 1], 0.0], [r[2, 0] / distance, r[2, 1] / distance, 1.0]])


def view_homography(params, photo_w, photo_h, size):
    """H (photo → view) from a view's parameters (see the module doc)."""
    k = params["zoom"] * size / (BASE_WINDOW * min(photo_w, photo_h))
    return (translation(size / 2.0, size / 2.0)
            @ tilt(params["tilt_deg"], params["tilt_axis_deg"], params["distance"] * size)
            @ rotation_deg(params["rotation_deg"])
            @ np.diag([k, k, 1.0])
            @ translation(-params["center"][0], -params["center"][1]))


def corner_offsets(params, photo_w, photo_h, size):
    """Pre-images of the view corners relative to the centre (cx, cy); None if one is behind the camera."""
    shape = dict(params, center=(0.0, 0.0))
    inverse = np.linalg.inv(view_homography(shape, photo_w, photo_h, size))
    corners = np.array([[0.0, size, size, 0.0], [0.0, 0.0, size, size], [1.0, 1.0, 1.0, 1.0]])
    p = inverse @ corners
    if np.any(p[2] <= 0):
        return None
    return p[:2] / p[2]


def sample_views(rng, photo_w, photo_h, size, count):
    """Parameters of `count` views whose every pixel shows the photo."""
    views = []
    while len(views) < count:
        near = views[int(rng.integers(len(views)))] if views and rng.random() < NEAR_PREVIOUS else None
        if near is None:
            zoom = float(np.exp(rng.uniform(np.log(ZOOM[0]), np.log(ZOOM[1]))))
        else:
            zoom = float(np.clip(near["zoom"] * np.exp(rng.normal(0.0, 0.2)), *ZOOM))
        params = {
            "zoom": zoom,
            "rotation_deg": float(rng.uniform(-ROTATION_DEG, ROTATION_DEG)),
            "tilt_deg": float(rng.uniform(0.0, TILT_DEG)),
            "tilt_axis_deg": float(rng.uniform(0.0, 360.0)),
            "distance": float(rng.uniform(*DISTANCE)),
        }
        offsets = corner_offsets(params, photo_w, photo_h, size)
        if offsets is None:
            continue
        low = np.array([1.0, 1.0]) - offsets.min(axis=1)
        high = np.array([photo_w - 1.0, photo_h - 1.0]) - offsets.max(axis=1)
        if np.any(low > high):
            continue  # this view does not fit in the photo: draw again
        if near is None:
            center = rng.uniform(low, high)
        else:
            window = BASE_WINDOW * min(photo_w, photo_h) / near["zoom"]
            center = np.clip(np.array(near["center"]) + rng.normal(0.0, 0.2 * window, size=2), low, high)
        params["center"] = [float(center[0]), float(center[1])]
        params["near_view"] = None if near is None else views.index(near)
        views.append(params)
    return views


def jitter_params(rng):
    return {
        "contrast": float(rng.uniform(0.75, 1.25)),
        "brightness": float(rng.uniform(-20.0, 20.0)),
        "saturation": float(rng.uniform(0.7, 1.3)),
        "gamma": float(rng.uniform(0.8, 1.25)),
        "channel_gain": [float(g) for g in rng.uniform(0.95, 1.05, size=3)],
        "noise_sigma": float(rng.uniform(0.0, 4.0)),
    }


def warp(photo, h, size):
    """The view's pixels (uint8 [S, S, 3]): Pillow bilinear warp at SUPERSAMPLE·S, then SUPERSAMPLE² box average."""
    big = np.diag([SUPERSAMPLE, SUPERSAMPLE, 1.0]) @ h
    inverse = np.linalg.inv(big)
    inverse = inverse / inverse[2, 2]
    warped = photo.transform((size * SUPERSAMPLE, size * SUPERSAMPLE), Image.Transform.PERSPECTIVE,
                             tuple(inverse.ravel()[:8]), Image.Resampling.BILINEAR)
    return np.asarray(warped.reduce(SUPERSAMPLE))


def render(photo, h, size, jitter, quality, rng):
    """JPEG bytes of the view: warp, jitter, encode."""
    x = warp(photo, h, size).astype(np.float64)
    gray = x @ np.array([0.299, 0.587, 0.114])
    x = gray[..., None] + jitter["saturation"] * (x - gray[..., None])
    x = (x - x.mean()) * jitter["contrast"] + x.mean() + jitter["brightness"]
    x = x * np.array(jitter["channel_gain"])
    x = 255.0 * (np.clip(x, 0.0, 255.0) / 255.0) ** jitter["gamma"]
    x = x + rng.normal(0.0, jitter["noise_sigma"], size=x.shape)
    pixels = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def grid_axis(size, stride):
    """Centres of the pixels s//2, s//2 + s, … < S along one axis."""
    return np.arange(stride // 2, size, stride, dtype=np.float64) + 0.5


def view_grid(size, stride):
    """Homogeneous grid points (x, y, 1), x fastest (row-major), 3 × n."""
    axis = grid_axis(size, stride)
    ys, xs = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])


def directional_overlaps(hs, photo_w, photo_h, size, stride):
    """o[u, v] = fraction of view u's grid whose pre-image is in the photo and lands in view v (float64)."""
    hs = np.asarray(hs, dtype=np.float64)
    grid = view_grid(size, stride)
    n = len(hs)
    o = np.zeros((n, n))
    for u in range(n):
        p = np.linalg.inv(hs[u]) @ grid
        front = p[2] > 0
        px, py = p[0] / np.where(front, p[2], 1.0), p[1] / np.where(front, p[2], 1.0)
        in_photo = front & (px >= 0) & (px < photo_w) & (py >= 0) & (py < photo_h)
        q = np.einsum("vij,jn->vin", hs, np.stack([px, py, np.ones_like(px)]))
        ahead = q[:, 2] > 0
        w = np.where(ahead, q[:, 2], 1.0)
        qx, qy = q[:, 0] / w, q[:, 1] / w
        inside = ahead & (qx >= 0) & (qx < size) & (qy >= 0) & (qy < size) & in_photo[None, :]
        o[u] = inside.sum(axis=1) / grid.shape[1]
    return o


def overlap_matrix(hs, photo_w, photo_h, size, stride):
    o = directional_overlaps(hs, photo_w, photo_h, size, stride)
    return np.minimum(o, o.T)


# ---- independent check: polygon areas instead of a grid -------------------------------------------------

def clip_polygon(points, size):
    """Sutherland–Hodgman clipping of a polygon (list of (x, y)) to the square [0, size]²."""
    def clip(poly, inside, cut):
        out = []
        for i, current in enumerate(poly):
            previous = poly[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cut(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cut(previous, current))
        return out

    def cut_x(x0):
        return lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))

    def cut_y(y0):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)

    poly = list(points)
    for inside, cut in ((lambda p: p[0] >= 0, cut_x(0.0)), (lambda p: p[0] <= size, cut_x(float(size))),
                        (lambda p: p[1] >= 0, cut_y(0.0)), (lambda p: p[1] <= size, cut_y(float(size)))):
        poly = clip(poly, inside, cut)
        if not poly:
            return []
    return poly


def polygon_area(poly):
    if len(poly) < 3:
        return 0.0
    x = np.array([p[0] for p in poly])
    y = np.array([p[1] for p in poly])
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def polygon_overlap(h_u, h_v, size):
    """Area fraction of view u covered by view v (views assumed inside the photo); None if v's square
    is not entirely in front of camera u (the quadrilateral would not be convex)."""
    m = h_u @ np.linalg.inv(h_v)
    corners = np.array([[0.0, size, size, 0.0], [0.0, 0.0, size, size], [1.0, 1.0, 1.0, 1.0]])
    p = m @ corners
    if np.any(p[2] <= 0):
        return None
    quad = list(zip(p[0] / p[2], p[1] / p[2]))
    return polygon_area(clip_polygon(quad, size)) / float(size * size)


def check_views_inside(hs, photo_w, photo_h, size):
    corners = np.array([[0.0, size, size, 0.0], [0.0, 0.0, size, size], [1.0, 1.0, 1.0, 1.0]])
    for h in hs:
        p = np.linalg.inv(h) @ corners
        assert np.all(p[2] > 0)
        x, y = p[0] / p[2], p[1] / p[2]
        assert np.all((x >= 0) & (x <= photo_w) & (y >= 0) & (y <= photo_h)), "a view leaves its photo"


def self_check(stride, size):
    """Fixed cases with known answers. Returns a short report."""
    w, h = 640, 480
    base = {"zoom": 1.0, "rotation_deg": 0.0, "tilt_deg": 0.0, "tilt_axis_deg": 0.0, "distance": 1.5}
    # identity and a general view against itself
    general = dict(base, zoom=1.3, rotation_deg=17.0, tilt_deg=25.0, tilt_axis_deg=40.0, center=[300.0, 250.0])
    hg = view_homography(general, w, h, size)
    assert overlap_matrix([hg, hg], w, h, size, stride)[0, 1] == 1.0
    # a disjoint crop: the same zoom, the centre moved by more than the window diagonal
    window = BASE_WINDOW * min(w, h)
    a = view_homography(dict(base, center=[window * 0.6, 240.0]), w, h, size)
    b = view_homography(dict(base, center=[window * 0.6 + 1.5 * window, 240.0]), w, h, size)
    assert overlap_matrix([a, b], w, h, size, stride)[0, 1] == 0.0
    # pure translations: closed-form grid count
    px_per_view = window / size
    for shift in (0, 1, 3, 17, 56, 100, 150, 223):
        hb = view_homography(dict(base, center=[window * 0.6 + shift * px_per_view, 240.0]), w, h, size)
        got = directional_overlaps([a, hb], w, h, size, stride)
        axis = grid_axis(size, stride)
        expect = np.count_nonzero(axis - shift >= 0) / len(axis)       # a → b: grid x moves left by `shift`
        expect_back = np.count_nonzero(axis + shift < size) / len(axis)
        assert abs(got[0, 1] - expect) < 1e-12 and abs(got[1, 0] - expect_back) < 1e-12, (shift, got, expect)
    # symmetry of the min, range
    rng = np.random.default_rng(0)
    views = sample_views(rng, w, h, size, 12)
    hs = [view_homography(v, w, h, size) for v in views]
    m = overlap_matrix(hs, w, h, size, stride)
    assert np.array_equal(m, m.T) and np.all((m >= 0) & (m <= 1)) and np.all(np.diag(m) == 1.0)
    # the rendered pixels follow H: Pillow's warp against NumPy bilinear sampling at H⁻¹ of the sub-pixel centres
    texture = np.random.default_rng(1).integers(0, 256, size=(h, w, 3)).astype(np.float64)
    worst = 0.0
    for v in views[:4]:
        hv = view_homography(v, w, h, size)
        pillow = warp(Image.fromarray(texture.astype(np.uint8)), hv, size).astype(np.float64)
        worst = max(worst, np.abs(pillow - numpy_view(texture, hv, size)).max())
    assert worst <= 1.0, f"rendered pixels do not follow the homography (max difference {worst})"
    return ("self-check: identity 1, disjoint crop 0, 8 translations exact, symmetric-min in [0, 1], "
            f"rendering follows H (max |Pillow - NumPy| = {worst:.0f} level on a noise texture)")


def numpy_view(texture, h, size):
    """Reference of warp(): bilinear sampling (pixel centres at +0.5, as Pillow) of the photo at H⁻¹ of the
    SUPERSAMPLE² sub-pixel centres of every view pixel, averaged."""
    sub = (np.arange(size * SUPERSAMPLE) + 0.5) / SUPERSAMPLE
    ys, xs = np.meshgrid(sub, sub, indexing="ij")
    p = np.linalg.inv(h) @ np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    x, y = p[0] / p[2] - 0.5, p[1] / p[2] - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    rows, cols = texture.shape[:2]

    def at(yy, xx):
        return texture[np.clip(yy, 0, rows - 1), np.clip(xx, 0, cols - 1)]

    value = (at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy)
             + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy)
    value = np.clip(np.rint(value), 0, 255).reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 3)
    return np.rint(value.mean(axis=(1, 3)))


def polygon_agreement(hs, photo_w, photo_h, size, stride):
    """Max |grid − polygon| over directed pairs, and the number of pairs compared."""
    o = directional_overlaps(hs, photo_w, photo_h, size, stride)
    worst, compared = 0.0, 0
    for u in range(len(hs)):
        for v in range(len(hs)):
            if u == v:
                continue
            area = polygon_overlap(hs[u], hs[v], size)
            if area is None:
                continue
            worst = max(worst, abs(area - o[u, v]))
            compared += 1
    return worst, compared


def grid_tolerance(size, stride):
    """A bound for |grid − area| of one convex region: boundary cells (perimeter ≤ 4·√2·S in the square
    after clipping, each cell of side `stride` wrongly counted at most once) over S²/stride² cells."""
    return min(1.0, 4.0 * np.sqrt(2.0) * size * stride / (size * size))


# ---- writing a set --------------------------------------------------------------------------------------

def photo_files(folder):
    names = sorted((n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png"))),
                   key=lambda n: n.encode())
    if not names:
        sys.exit(f"no photos in {folder}")
    return names


def make_views(photo_path, seed, views, size, stride):
    """(list of (jpeg bytes, params, jitter, quality)), homographies, overlap matrix, photo size for one photo."""
    name = os.path.basename(photo_path)
    photo = Image.open(photo_path).convert("RGB")
    photo_w, photo_h = photo.size
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    params = sample_views(rng, photo_w, photo_h, size, views)
    hs = np.array([view_homography(p, photo_w, photo_h, size) for p in params])
    rendered = []
    for p, h in zip(params, hs):
        jitter = jitter_params(rng)
        quality = int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))
        rendered.append((render(photo, h, size, jitter, quality, rng), p, jitter, quality))
    check_views_inside(hs, photo_w, photo_h, size)
    return rendered, hs, overlap_matrix(hs, photo_w, photo_h, size, stride), (photo_w, photo_h)


def relative(path):
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    full = os.path.abspath(path)
    return os.path.relpath(full, root) if full.startswith(root + os.sep) else full


def build(photos_dir, out, seed, views, size, stride):
    started = time.time()
    names = photo_files(photos_dir)
    shutil.rmtree(os.path.join(out, "images"), ignore_errors=True)  # only what this script writes
    for name in OUTPUT_FILES:
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
    os.makedirs(os.path.join(out, "images"))
    paths, homographies, pair_lines, gt, images_meta, photos_meta = [], [], [], [], [], []
    worst, worst_fine, compared = 0.0, 0.0, 0
    for photo_index, name in enumerate(names):
        photo_path = os.path.join(photos_dir, name)
        rendered, hs, overlaps, (photo_w, photo_h) = make_views(photo_path, seed, views, size, stride)
        err, n = polygon_agreement(hs, photo_w, photo_h, size, stride)
        fine, _ = polygon_agreement(hs, photo_w, photo_h, size, 1)
        worst, worst_fine, compared = max(worst, err), max(worst_fine, fine), compared + n
        with open(photo_path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        photos_meta.append({"name": name, "path": relative(photo_path), "width": photo_w, "height": photo_h,
                            "sha256": digest})
        first = len(paths)
        stem = os.path.splitext(name)[0]
        for k, (jpeg, params, jitter, quality) in enumerate(rendered):
            path = f"images/{stem}_v{k:02d}.jpg"
            with open(os.path.join(out, path), "wb") as f:
                f.write(jpeg)
            paths.append(path)
            images_meta.append({"index": first + k, "path": path, "photo": photo_index, "view": k,
                                "params": params, "jitter": jitter, "jpeg_quality": quality})
        homographies.extend(hs)
        for a in range(views):
            for b in range(a + 1, views):
                i, j, o = first + a, first + b, overlaps[a, b]
                pair_lines.append(f"{i}\t{j}\t{o:.6f}\n")
                if o >= GT_THRESHOLD:
                    gt += [(i, j), (j, i)]
    assert paths == sorted(paths, key=lambda p: p.encode()), "image order must be the sorted order"
    tolerance, tolerance_fine = grid_tolerance(size, stride), grid_tolerance(size, 1)
    assert worst <= tolerance, f"grid and polygon overlaps differ by {worst} > {tolerance}"
    assert worst_fine <= tolerance_fine, f"every-pixel grid and polygon differ by {worst_fine} > {tolerance_fine}"

    with open(os.path.join(out, "images.txt"), "w") as f:
        f.writelines(p + "\n" for p in paths)
    with open(os.path.join(out, "pairs.tsv"), "w") as f:
        f.write("# i\tj\toverlap\n")
        f.writelines(pair_lines)
    with open(os.path.join(out, "gl3d_gt_pairs"), "w") as f:
        f.writelines(f"{i} {j}\n" for i, j in sorted(gt))
    np.save(os.path.join(out, "homographies.npy"), np.array(homographies, dtype=np.float64))
    meta = {
        "generator": "Fixtures/scripts/make_homography_set.py",
        "command": "make_homography_set.py " + " ".join(
            [f"--photos {relative(photos_dir)}", f"--out {relative(out)}", f"--seed {seed}",
             f"--views {views}", f"--size {size}", f"--overlap-stride {stride}"]),
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pillow": PIL.__version__},
        "seed": seed, "views_per_photo": views, "size": size,
        "overlap": {"stride": stride, "grid_first_pixel": stride // 2, "pixel_centre_offset": 0.5, "gt_threshold": GT_THRESHOLD,
                    "definition": "min over both directions of the fraction of the grid of view u whose "
                                  "pre-image is in front, inside the photo, and maps in front into view v"},
        "sampling": {"base_window": BASE_WINDOW, "zoom": ZOOM, "rotation_deg": ROTATION_DEG, "tilt_deg": TILT_DEG,
                     "distance": DISTANCE, "near_previous": NEAR_PREVIOUS, "jpeg_quality": JPEG_QUALITY,
                     "supersample": SUPERSAMPLE},
        "photos": photos_meta,
        "images": images_meta,
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    values = np.array([float(line.split("\t")[2]) for line in pair_lines])
    return {
        "images": len(paths), "photos": len(names), "pairs": len(values),
        "ge_0.5": int(np.sum(values >= GT_THRESHOLD)), "lt_0.1": int(np.sum(values < 0.1)),
        "zero": int(np.sum(values == 0)), "between": int(np.sum((values >= 0.1) & (values < GT_THRESHOLD))),
        "gt_lines": len(gt), "images_with_gt": len({i for i, _ in gt}),
        "polygon_pairs": compared, "polygon_max_diff": round(worst, 6), "polygon_bound": round(tolerance, 6),
        "polygon_max_diff_stride1": round(worst_fine, 6), "polygon_bound_stride1": round(tolerance_fine, 6),
        "image_bytes": sum(os.path.getsize(os.path.join(out, p)) for p in paths),
        "seconds": round(time.time() - started, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", required=True, help="folder of photos (.jpg/.jpeg/.png), bytewise sorted")
    parser.add_argument("--out", required=True, help="output folder (its images/ and the five files are rewritten)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--views", type=int, default=8, help="views per photo (default 8)")
    parser.add_argument("--size", type=int, default=224, help="view side S (default 224)")
    parser.add_argument("--overlap-stride", type=int, default=4, help="grid step of the overlap (default 4)")
    args = parser.parse_args()
    print(self_check(args.overlap_stride, args.size))
    stats = build(args.photos, args.out, args.seed, args.views, args.size, args.overlap_stride)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
