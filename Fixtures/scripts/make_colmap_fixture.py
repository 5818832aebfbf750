#!/usr/bin/env python3
"""A small, exactly known COLMAP sparse model of the synthetic views, and its expected values.

Scene. Every view in Fixtures/train/synthetic/train is a plane-induced homography H (photo pixel
→ view pixel) of one photo, and H is exactly a pinhole camera (focal D = distance·S, principal
point (S/2, S/2)) looking at the photo plane (see Fixtures/train/synthetic/README.md). So the
views of one photo are a real, exactly calibrated multi-view scene: put photo p's plane at z = 0
of the world with photo pixel (x, y) at world point (x + OFFSET·p, y, 0), recover each view's
rotation and translation from H, and every world point projects exactly to H·(x, y, 1).

Model contents (ids deliberately not 1..N, see ids below):
  * the 8 views of each of the first NUM_PHOTOS photos of meta.json (32 images), one camera per
    view (the focal differs per view, so no two views can share a camera exactly), camera models
    cycling through MODELS with every distortion parameter 0;
  * two more registered images that observe no 3D point: the first view of photo NUM_PHOTOS (its
    keypoints are all untriangulated, because no other view of its photo is in the model) and
    the first view of photo NUM_PHOTOS + 1 (no keypoints at all: an empty POINTS2D line);
  * per photo a jittered grid of about POINTS_PER_PHOTO photo points over the union of its views'
    footprints; a point's track is every selected view of its photo where H maps it in front of
    the camera and inside [0, S)²; points seen by ≥ 2 views become 3D points, points seen by
    exactly one view stay as untriangulated keypoints of that view; each image also gets a few
    random untriangulated keypoints; one 3D point per photo is observed twice in one image (a
    duplicate keypoint at the same position), which the overlap definition counts once;
  * each image's points2D in a seeded random order; colours and errors are seeded random values.

Ids: image ids are a random permutation of a random subset of 1..N+6 (gaps, not in file order);
camera ids start at 100 with gaps of 1–3 and are assigned in a random order; 3D point ids start at
100 with gaps of 1–3, and the last photo's points start at 2**32 + 7 (point3D_t is 64-bit).

Outputs (under Fixtures/colmap/small, written by pycolmap except the copies):
  bin/         cameras.bin images.bin points3D.bin (+ rigs.bin frames.bin if this pycolmap writes them)
  txt/         the same in text form
  legacy-bin/  cameras.bin images.bin points3D.bin only (pre-3.12 layout: copies, see README)
  legacy-txt/  cameras.txt images.txt points3D.txt only
  expected.json  cameras, images, points3D sample, overlap pairs, camera model table

Checks (always run): the pose of every view reproduces H within 1e-6 px (own pinhole projection
and pycolmap's projection through each camera model); the written binary and text files are
parsed by an independent reader in this script and equal the in-memory model bit for bit; pycolmap
reads bin/, txt/, legacy-bin/ and legacy-txt/ back to the same model.

Overlap (expected.json "pairs"), grid G = 16, image W×H, observation (x, y) in COLMAP pixel
coordinates (image spans [0, W]×[0, H]):
    cell(x, y) = (min(G−1, floor(x·G/W)), min(G−1, floor(y·G/H)))
    covered(i) = cells of image i holding ≥ 1 observation of a 3D point
    shared(i, j) = ids of 3D points observed in both i and j
    cells(i; j) = cells of image i holding an observation of a point in shared(i, j)
    o_ab = |cells(a; b)| / |covered(a)|, o_ba likewise, overlap = min(o_ab, o_ba)
listed for every unordered pair a < b (image ids) with |shared| ≥ 1.

Run from the repository root (deterministic: same bytes on every run):
    /work/venv/bin/python Fixtures/scripts/make_colmap_fixture.py
"""
import hashlib
import json
import math
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pycolmap

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "Fixtures/train/synthetic/train"
SOURCE_REL = "Fixtures/train/synthetic/train"
OUT = ROOT / "Fixtures/colmap/small"

SEED = 3120
NUM_PHOTOS = 4
OFFSET = 10000.0
POINTS_PER_PHOTO = 220
GRID = 16
MODELS = ["SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV", "FULL_OPENCV"]
BIG_POINT_ID_BASE = 2**32 + 7
INVALID_POINT3D_ID = 2**64 - 1
REPROJ_TOL = 1e-6


# ----------------------------------------------------------------------------------------------
# geometry


def quat_from_matrix(R):
    """Unit quaternion (w, x, y, z), w ≥ 0, of a rotation matrix (largest-component branch)."""
    tr = R[0, 0] + R[1, 1] + R[2, 2]
    diag = [R[0, 0], R[1, 1], R[2, 2]]
    if tr >= max(diag):
        s = math.sqrt(1.0 + tr) * 2.0
        q = [0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s]
    elif diag[0] >= diag[1] and diag[0] >= diag[2]:
        s = math.sqrt(1.0 + R[0, 0] - R[1, 1] - R[2, 2]) * 2.0
        q = [(R[2, 1] - R[1, 2]) / s, 0.25 * s, (R[0, 1] + R[1, 0]) / s, (R[0, 2] + R[2, 0]) / s]
    elif diag[1] >= diag[2]:
        s = math.sqrt(1.0 + R[1, 1] - R[0, 0] - R[2, 2]) * 2.0
        q = [(R[0, 2] - R[2, 0]) / s, (R[0, 1] + R[1, 0]) / s, 0.25 * s, (R[1, 2] + R[2, 1]) / s]
    else:
        s = math.sqrt(1.0 + R[2, 2] - R[0, 0] - R[1, 1]) * 2.0
        q = [(R[1, 0] - R[0, 1]) / s, (R[0, 2] + R[2, 0]) / s, (R[1, 2] + R[2, 1]) / s, 0.25 * s]
    q = np.array(q, dtype=np.float64)
    q /= np.linalg.norm(q)
    if q[0] < 0:
        q = -q
    return q


def matrix_from_quat(q):
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def pose_from_homography(H, f, c):
    """R, t with H ∝ K·[r1 r2 t] (K = [[f,0,c],[0,f,c],[0,0,1]]), positive scale (points in front)."""
    K = np.array([[f, 0.0, c], [0.0, f, c], [0.0, 0.0, 1.0]])
    M = np.linalg.solve(K, H)
    n1, n2 = np.linalg.norm(M[:, 0]), np.linalg.norm(M[:, 1])
    # With the right focal the two plane axes have the same length and are orthogonal.
    assert abs(n1 / n2 - 1.0) < 1e-9, (n1, n2)
    assert abs(M[:, 0] @ M[:, 1]) / (n1 * n2) < 1e-9
    lam = 0.5 * (n1 + n2)
    r1, r2 = M[:, 0] / lam, M[:, 1] / lam
    A = np.stack([r1, r2, np.cross(r1, r2)], axis=1)
    U, _, Vt = np.linalg.svd(A)
    R = U @ Vt
    assert np.linalg.det(R) > 0
    t = M[:, 2] / lam
    return R, t


def project_pinhole(f, c, R, t, X):
    Xc = X @ R.T + t
    return np.stack([f * Xc[:, 0] / Xc[:, 2] + c, f * Xc[:, 1] / Xc[:, 2] + c], axis=1), Xc[:, 2]


def apply_h(H, pts):
    q = np.concatenate([pts, np.ones((len(pts), 1))], axis=1) @ H.T
    return q[:, :2] / q[:, 2:3], q[:, 2]


def camera_params(model, f, c):
    return {
        "SIMPLE_PINHOLE": [f, c, c],
        "PINHOLE": [f, f, c, c],
        "SIMPLE_RADIAL": [f, c, c, 0.0],
        "RADIAL": [f, c, c, 0.0, 0.0],
        "OPENCV": [f, f, c, c] + [0.0] * 4,
        "FULL_OPENCV": [f, f, c, c] + [0.0] * 8,
    }[model]


# ----------------------------------------------------------------------------------------------
# independent readers of the written files (struct / plain text parsing, no pycolmap)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def cstring(self):
        end = self.data.index(b"\0", self.pos)
        s = self.data[self.pos:end].decode("utf-8")
        self.pos = end + 1
        return s

    def done(self):
        assert self.pos == len(self.data), (self.pos, len(self.data))


def read_cameras_bin(path, num_params):
    r = Reader(path.read_bytes())
    (n,) = r.take("Q")
    cams = []
    for _ in range(n):
        cid, model_id, w, h = r.take("IiQQ")
        params = list(r.take("%dd" % num_params[model_id]))
        cams.append({"id": cid, "model_id": model_id, "width": w, "height": h, "params": params})
    r.done()
    return cams


def read_images_bin(path):
    r = Reader(path.read_bytes())
    (n,) = r.take("Q")
    imgs = []
    for _ in range(n):
        (iid,) = r.take("I")
        q = list(r.take("4d"))
        t = list(r.take("3d"))
        (cid,) = r.take("I")
        name = r.cstring()
        (np2,) = r.take("Q")
        pts = [r.take("ddQ") for _ in range(np2)]
        imgs.append({"id": iid, "qvec": q, "tvec": t, "camera_id": cid, "name": name,
                     "points2D": [(x, y, pid) for x, y, pid in pts]})
    r.done()
    return imgs


def read_points3D_bin(path):
    r = Reader(path.read_bytes())
    (n,) = r.take("Q")
    pts = []
    for _ in range(n):
        (pid,) = r.take("Q")
        xyz = list(r.take("3d"))
        rgb = list(r.take("3B"))
        (err,) = r.take("d")
        (tl,) = r.take("Q")
        track = [list(r.take("II")) for _ in range(tl)]
        pts.append({"id": pid, "xyz": xyz, "rgb": rgb, "error": err, "track": track})
    r.done()
    return pts


def data_lines(path):
    return [ln for ln in path.read_text().split("\n") if not ln.startswith("#")]


def read_cameras_txt(path, model_ids):
    cams = []
    for ln in data_lines(path):
        if not ln:
            continue
        f = ln.split(" ")
        cams.append({"id": int(f[0]), "model_id": model_ids[f[1]], "width": int(f[2]),
                     "height": int(f[3]), "params": [float(v) for v in f[4:]]})
    return cams


def read_images_txt(path):
    lines = data_lines(path)
    assert lines[-1] == "", "file ends with a newline"
    lines = lines[:-1]
    assert len(lines) % 2 == 0
    imgs = []
    for k in range(0, len(lines), 2):
        f = lines[k].split(" ")
        # COLMAP ends every non-empty POINTS2D line with one space (it moves the put position
        # back over the last separator, which does not shorten the buffer it then writes).
        pl = lines[k + 1]
        if pl:
            assert pl.endswith(" ") and not pl.endswith("  "), "POINTS2D line ends with one space"
            pl = pl[:-1]
        vals = pl.split(" ") if pl else []
        assert len(vals) % 3 == 0
        pts = []
        for j in range(0, len(vals), 3):
            pid = int(vals[j + 2])
            pts.append((float(vals[j]), float(vals[j + 1]), INVALID_POINT3D_ID if pid == -1 else pid))
        imgs.append({"id": int(f[0]), "qvec": [float(v) for v in f[1:5]],
                     "tvec": [float(v) for v in f[5:8]], "camera_id": int(f[8]),
                     "name": " ".join(f[9:]), "points2D": pts})
    return imgs


def read_points3D_txt(path):
    pts = []
    for ln in data_lines(path):
        if not ln:
            continue
        f = ln.split(" ")
        tr = [int(v) for v in f[8:]]
        pts.append({"id": int(f[0]), "xyz": [float(v) for v in f[1:4]],
                    "rgb": [int(v) for v in f[4:7]], "error": float(f[7]),
                    "track": [[tr[j], tr[j + 1]] for j in range(0, len(tr), 2)]})
    return pts


# ----------------------------------------------------------------------------------------------


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main():
    rng = np.random.default_rng(SEED)
    meta = json.loads((SOURCE / "meta.json").read_text())
    Hs = np.load(SOURCE / "homographies.npy")
    list_paths = (SOURCE / "images.txt").read_text().split("\n")
    list_paths = [p for p in list_paths if p]
    list_index = {p: i for i, p in enumerate(list_paths)}
    S = int(meta["size"])
    c0 = S / 2.0

    tsv = {}
    for ln in (SOURCE / "pairs.tsv").read_text().split("\n"):
        if ln and not ln.startswith("#"):
            i, j, o = ln.split("\t")
            tsv[(int(i), int(j))] = float(o)

    # ---- selection: all views of the first NUM_PHOTOS photos, plus one view of each of the next
    # two photos (registered images without any 3D point).
    by_photo = {}
    for im in meta["images"]:
        by_photo.setdefault(im["photo"], []).append(im)
    selected = []  # dicts with everything known about one model image
    for p in range(NUM_PHOTOS + 2):
        views = by_photo[p] if p < NUM_PHOTOS else by_photo[p][:1]
        for im in views:
            role = "scene" if p < NUM_PHOTOS else ("keypoints_only" if p == NUM_PHOTOS else "empty")
            selected.append({"meta": im, "photo": p, "role": role, "name": im["path"],
                             "list_index": list_index[im["path"]], "H": Hs[im["index"]]})
    N = len(selected)

    # ---- ids
    pool = rng.choice(np.arange(1, N + 7), size=N, replace=False)
    for s, iid in zip(selected, pool):
        s["image_id"] = int(iid)
    cam_ids = 100 + np.cumsum(rng.integers(1, 4, size=N)) - 1
    for s, cid in zip(selected, rng.permutation(cam_ids)):
        s["camera_id"] = int(cid)
    assert [s["image_id"] for s in selected] != sorted(s["image_id"] for s in selected)

    # ---- cameras and poses from H
    max_err = 0.0
    for k, s in enumerate(selected):
        H = s["H"]
        f = float(s["meta"]["params"]["distance"]) * S
        R, t_local = pose_from_homography(H, f, c0)
        q = quat_from_matrix(R)
        Rq = matrix_from_quat(q)
        off = np.array([OFFSET * s["photo"], 0.0, 0.0])
        t = t_local - Rq @ off
        s.update(focal=f, qvec=q, tvec=t, R=Rq, offset=off)
        s["model"] = MODELS[k % len(MODELS)]
        s["params"] = camera_params(s["model"], f, c0)
        # Verify on a grid of photo points that lie in front of the camera.
        ph = meta["photos"][s["photo"]]
        gx, gy = np.meshgrid(np.linspace(0, ph["width"], 17), np.linspace(0, ph["height"], 13))
        P = np.stack([gx.ravel(), gy.ravel()], axis=1)
        ref, w = apply_h(H, P)
        P, ref = P[w > 0], ref[w > 0]
        X = np.concatenate([P + off[:2], np.zeros((len(P), 1))], axis=1)
        proj, depth = project_pinhole(f, c0, Rq, t, X)
        assert (depth > 0).all()
        err = np.abs(proj - ref).max()
        max_err = max(max_err, err)
        assert err < REPROJ_TOL, (s["name"], err)
    print("pose from H: max reprojection error %.3g px over %d views" % (max_err, N))

    # ---- 3D points and keypoints
    obs_per_image = {s["image_id"]: [] for s in selected}  # list of (x, y, point_key or None)
    points = []  # dicts: key, id, photo, xyz, obs [(image_id, x, y)]
    next_id = 100
    for p in range(NUM_PHOTOS + 1):
        views = [s for s in selected if s["photo"] == p]
        ph = meta["photos"][p]
        W, Hh = ph["width"], ph["height"]
        # bounding box of the union of the views' footprints, clipped to the photo
        corners = np.array([[0, 0], [S, 0], [S, S], [0, S]], dtype=np.float64)
        fp = np.concatenate([apply_h(np.linalg.inv(s["H"]), corners)[0] for s in views])
        x0, y0 = max(0.0, fp[:, 0].min()), max(0.0, fp[:, 1].min())
        x1, y1 = min(float(W), fp[:, 0].max()), min(float(Hh), fp[:, 1].max())
        nx = max(2, int(round(math.sqrt(POINTS_PER_PHOTO * (x1 - x0) / (y1 - y0)))))
        ny = max(2, int(round(POINTS_PER_PHOTO / nx)))
        jit = rng.uniform(0.1, 0.9, size=(ny, nx, 2))
        gxs = x0 + (np.arange(nx)[None, :] + jit[..., 0]) * (x1 - x0) / nx
        gys = y0 + (np.arange(ny)[:, None] + jit[..., 1]) * (y1 - y0) / ny
        grid = np.stack([gxs.ravel(), gys.ravel()], axis=1)
        seen = []
        for s in views:
            xy, w = apply_h(s["H"], grid)
            inside = (w > 0) & (xy[:, 0] >= 0) & (xy[:, 0] < S) & (xy[:, 1] >= 0) & (xy[:, 1] < S)
            seen.append((s, xy, inside))
        if p == NUM_PHOTOS - 1:
            next_id = BIG_POINT_ID_BASE
        photo_points = []
        for g in range(len(grid)):
            track = [(s, xy[g]) for s, xy, inside in seen if inside[g]]
            if len(track) >= 2:
                pt = {"key": len(points), "id": next_id, "photo": p,
                      "xyz": np.array([grid[g, 0] + OFFSET * p, grid[g, 1], 0.0]), "obs": []}
                next_id += int(rng.integers(1, 4))
                for s, xy in track:
                    obs_per_image[s["image_id"]].append([float(xy[0]), float(xy[1]), pt["key"]])
                    pt["obs"].append(s["image_id"])
                points.append(pt)
                photo_points.append(pt)
            elif len(track) == 1:
                s, xy = track[0]
                obs_per_image[s["image_id"]].append([float(xy[0]), float(xy[1]), None])
        if photo_points:
            # one duplicate keypoint (same position) of one 3D point in its first image
            pt = photo_points[int(rng.integers(len(photo_points)))]
            iid = pt["obs"][0]
            src = next(o for o in obs_per_image[iid] if o[2] == pt["key"])
            obs_per_image[iid].append([src[0], src[1], pt["key"]])
            pt["obs"].append(iid)
            pt["duplicate_in"] = iid
        if next_id < BIG_POINT_ID_BASE:
            next_id += 7  # a larger gap between photos
    for s in selected:
        if s["role"] == "empty":
            continue
        extra = rng.uniform(0.0, S, size=(int(rng.integers(3, 9)), 2))
        for x, y in extra:
            obs_per_image[s["image_id"]].append([float(x), float(y), None])
    for p in points:
        p["rgb"] = [int(v) for v in rng.integers(0, 256, size=3)]
        p["error"] = float(rng.uniform(0.05, 2.0))

    # shuffle each image's points2D; tracks then refer to the shuffled indices
    key_to_point = {p["key"]: p for p in points}
    for p in points:
        p["track"] = []
    for s in selected:
        lst = obs_per_image[s["image_id"]]
        order = rng.permutation(len(lst))
        s["points2D"] = [lst[i] for i in order]
    # track element order: images in selection order, then point2D index
    for s in selected:
        for idx, (x, y, key) in enumerate(s["points2D"]):
            if key is not None:
                key_to_point[key]["track"].append([s["image_id"], idx])
    for p in points:
        assert len(p["track"]) == len(p["obs"]) >= 2

    # exactness of every observation against the pose (own projection)
    by_id = {s["image_id"]: s for s in selected}
    worst = 0.0
    for p in points:
        for iid, idx in p["track"]:
            s = by_id[iid]
            proj, depth = project_pinhole(s["focal"], c0, s["R"], s["tvec"], p["xyz"][None, :])
            x, y, _ = s["points2D"][idx]
            assert depth[0] > 0
            worst = max(worst, abs(proj[0, 0] - x), abs(proj[0, 1] - y))
    assert worst < REPROJ_TOL, worst
    print("observations: max |pose projection − H projection| %.3g px" % worst)

    # ---- pycolmap model
    rec = pycolmap.Reconstruction()
    for s in sorted(selected, key=lambda s: s["camera_id"]):
        cam = pycolmap.Camera(camera_id=s["camera_id"], model=s["model"], width=S, height=S,
                              params=s["params"])
        rec.add_camera_with_trivial_rig(cam)
    for s in selected:
        p2d = pycolmap.Point2DList([pycolmap.Point2D(np.array([x, y])) for x, y, _ in s["points2D"]])
        img = pycolmap.Image(name=s["name"], points2D=p2d, camera_id=s["camera_id"],
                             image_id=s["image_id"])
        q = s["qvec"]
        pose = pycolmap.Rigid3d(pycolmap.Rotation3d(np.array([q[1], q[2], q[3], q[0]])), s["tvec"])
        rec.add_image_with_trivial_frame(img, pose)
    for p in points:
        pt = pycolmap.Point3D()
        pt.xyz = p["xyz"]
        pt.color = np.array(p["rgb"], dtype=np.uint8)
        pt.error = p["error"]
        pt.track = pycolmap.Track([pycolmap.TrackElement(i, j) for i, j in p["track"]])
        rec.add_point3D_with_id(p["id"], pt)
    for s in selected:
        s["point3D_ids"] = [key_to_point[k]["id"] if k is not None else INVALID_POINT3D_ID
                            for _, _, k in s["points2D"]]

    # pycolmap's own projection through each camera model (zero distortion) agrees
    worst = 0.0
    for p in points:
        for iid, idx in p["track"]:
            xy = rec.images[iid].project_point(p["xyz"])
            x, y, _ = by_id[iid]["points2D"][idx]
            worst = max(worst, abs(xy[0] - x), abs(xy[1] - y))
    assert worst < REPROJ_TOL, worst
    print("pycolmap projection vs observations: max %.3g px" % worst)

    if OUT.exists():
        shutil.rmtree(OUT)
    for sub in ("bin", "txt", "legacy-bin", "legacy-txt"):
        (OUT / sub).mkdir(parents=True)
    rec.write_binary(str(OUT / "bin"))
    rec.write_text(str(OUT / "txt"))
    for stem in ("cameras", "images", "points3D"):
        shutil.copyfile(OUT / "bin" / (stem + ".bin"), OUT / "legacy-bin" / (stem + ".bin"))
        shutil.copyfile(OUT / "txt" / (stem + ".txt"), OUT / "legacy-txt" / (stem + ".txt"))

    # ---- camera model table from pycolmap
    model_table = []
    for name, mid in pycolmap.CameraModelId.__members__.items():
        if int(mid) < 0:
            continue
        cam = pycolmap.Camera.create_from_model_id(1, mid, 100.0, 200, 100)
        model_table.append({"id": int(mid), "name": name, "num_params": len(cam.params),
                            "params": cam.params_info})
    model_table.sort(key=lambda m: m["id"])
    num_params = {m["id"]: m["num_params"] for m in model_table}
    model_ids = {m["name"]: m["id"] for m in model_table}

    # ---- independent parsing of the written files == in-memory model
    want_cams = sorted(({"id": s["camera_id"], "model_id": model_ids[s["model"]], "width": S,
                         "height": S, "params": [float(v) for v in s["params"]]}
                        for s in selected), key=lambda c: c["id"])
    want_imgs = {s["image_id"]: {"id": s["image_id"], "qvec": [float(v) for v in s["qvec"]],
                                 "tvec": [float(v) for v in s["tvec"]], "camera_id": s["camera_id"],
                                 "name": s["name"],
                                 "points2D": [(x, y, pid) for (x, y, _), pid in
                                              zip(s["points2D"], s["point3D_ids"])]}
                 for s in selected}
    want_pts = [{"id": p["id"], "xyz": [float(v) for v in p["xyz"]], "rgb": p["rgb"],
                 "error": p["error"], "track": p["track"]}
                for p in sorted(points, key=lambda p: p["id"])]
    file_orders = {}
    for kind, folder in (("bin", "bin"), ("bin", "legacy-bin"), ("txt", "txt"), ("txt", "legacy-txt")):
        d = OUT / folder
        if kind == "bin":
            cams = read_cameras_bin(d / "cameras.bin", num_params)
            imgs = read_images_bin(d / "images.bin")
            pts = read_points3D_bin(d / "points3D.bin")
        else:
            cams = read_cameras_txt(d / "cameras.txt", model_ids)
            imgs = read_images_txt(d / "images.txt")
            pts = read_points3D_txt(d / "points3D.txt")
        assert cams == want_cams, folder
        assert {im["id"]: im for im in imgs} == want_imgs, folder
        assert len(imgs) == len(want_imgs)
        assert pts == want_pts, folder
        file_orders[folder] = [im["id"] for im in imgs]
    assert len({tuple(v) for v in file_orders.values()}) == 1
    print("own binary/text readers: all four folders equal the in-memory model")

    # ---- pycolmap reads every folder back to the same model
    for folder in ("bin", "txt", "legacy-bin", "legacy-txt"):
        r = pycolmap.Reconstruction(str(OUT / folder))
        assert r.num_cameras() == N and r.num_images() == N and r.num_reg_images() == N, folder
        assert r.num_points3D() == len(points), folder
        for c in want_cams:
            cam = r.cameras[c["id"]]
            assert int(cam.model) == c["model_id"] and cam.width == S and cam.height == S
            assert list(cam.params) == c["params"], folder
        for iid, w in want_imgs.items():
            im = r.images[iid]
            assert im.name == w["name"] and im.camera_id == w["camera_id"], folder
            q = im.cam_from_world().rotation.quat  # x, y, z, w
            assert [q[3], q[0], q[1], q[2]] == w["qvec"], (folder, iid)
            assert list(im.cam_from_world().translation) == w["tvec"], (folder, iid)
            got = [(pt.xy[0], pt.xy[1], pt.point3D_id) for pt in im.points2D]
            assert got == w["points2D"], (folder, iid)
        for w in want_pts:
            pt = r.points3D[w["id"]]
            assert list(pt.xyz) == w["xyz"] and list(pt.color) == w["rgb"] and pt.error == w["error"]
            assert [[e.image_id, e.point2D_idx] for e in pt.track.elements] == w["track"], folder
    print("pycolmap read-back: bin, txt, legacy-bin, legacy-txt agree")

    # ---- overlaps from the in-memory tracks
    def cell(x, y, W, Hh):
        return (min(GRID - 1, math.floor(x * GRID / W)), min(GRID - 1, math.floor(y * GRID / Hh)))

    cells_of = {}  # image id -> {point id -> set of cells}
    for s in selected:
        m = {}
        for (x, y, _), pid in zip(s["points2D"], s["point3D_ids"]):
            if pid != INVALID_POINT3D_ID:
                m.setdefault(pid, set()).add(cell(x, y, S, S))
        cells_of[s["image_id"]] = m
    covered = {iid: set().union(*m.values()) if m else set() for iid, m in cells_of.items()}
    # No observation lies near a cell edge (multiples of W/G = 14 px), so the cells do not depend
    # on how a reader evaluates floor(x·G/W) (x·16/224, x/14, float32 coordinates all agree).
    edge = min(min(abs(v - round(v * GRID / S) * S / GRID) for v in (x, y))
               for s in selected for (x, y, _), pid in zip(s["points2D"], s["point3D_ids"])
               if pid != INVALID_POINT3D_ID)
    assert edge > 1e-4, edge
    ids = sorted(cells_of)
    index_of = {s["image_id"]: s["list_index"] for s in selected}
    pairs = []
    for ai, a in enumerate(ids):
        for b in ids[ai + 1:]:
            shared = set(cells_of[a]) & set(cells_of[b])
            if not shared:
                continue
            ca = set().union(*(cells_of[a][pid] for pid in shared))
            cb = set().union(*(cells_of[b][pid] for pid in shared))
            o_ab, o_ba = len(ca) / len(covered[a]), len(cb) / len(covered[b])
            ia, ib = sorted((index_of[a], index_of[b]))
            pairs.append({"a": a, "b": b, "shared": len(shared),
                          "cells_ab": len(ca), "covered_a": len(covered[a]),
                          "cells_ba": len(cb), "covered_b": len(covered[b]),
                          "o_ab": o_ab, "o_ba": o_ba, "overlap": min(o_ab, o_ba),
                          "pairs_tsv_overlap": tsv.get((ia, ib))})
    # same-photo pairs with no shared point, for the comparison with pairs.tsv
    pair_set = {(p["a"], p["b"]) for p in pairs}
    unshared = []
    for ai, a in enumerate(ids):
        for b in ids[ai + 1:]:
            if (a, b) in pair_set or by_id[a]["photo"] != by_id[b]["photo"]:
                continue
            ia, ib = sorted((index_of[a], index_of[b]))
            if (ia, ib) in tsv:
                unshared.append({"a": a, "b": b, "pairs_tsv_overlap": tsv[(ia, ib)]})

    # a few independent sanity checks of the pair list
    for p in pairs:
        assert by_id[p["a"]]["photo"] == by_id[p["b"]]["photo"] < NUM_PHOTOS
        assert 0 < p["overlap"] <= 1
    n_same = sum(1 for a in ids for b in ids if a < b and by_id[a]["photo"] == by_id[b]["photo"]
                 and by_id[a]["photo"] < NUM_PHOTOS)
    assert len(pairs) + len(unshared) == n_same

    ov = np.array([p["overlap"] for p in pairs])
    gt = np.array([p["pairs_tsv_overlap"] for p in pairs])
    corr = float(np.corrcoef(ov, gt)[0, 1])
    mad = float(np.abs(ov - gt).mean())
    stats = {"num_pairs": len(pairs), "num_same_photo_pairs_without_shared_point": len(unshared),
             "max_pairs_tsv_overlap_without_shared_point":
                 max((u["pairs_tsv_overlap"] for u in unshared), default=None),
             "overlap_mean": float(ov.mean()), "overlap_min": float(ov.min()),
             "overlap_max": float(ov.max()),
             "pearson_vs_pairs_tsv": corr, "mean_abs_diff_vs_pairs_tsv": mad,
             "mean_signed_diff_vs_pairs_tsv": float((ov - gt).mean()),
             "min_distance_of_an_observation_to_a_cell_edge_px": edge}
    print("pairs: %d sharing a point (+%d same-photo pairs without), overlap mean %.3f, "
          "corr with pairs.tsv %.3f, mean |diff| %.3f" % (len(pairs), len(unshared), ov.mean(), corr, mad))

    # ---- expected.json
    cams_json = [{"id": s["camera_id"], "model": s["model"], "model_id": model_ids[s["model"]],
                  "width": S, "height": S, "params": [float(v) for v in s["params"]]}
                 for s in sorted(selected, key=lambda s: s["camera_id"])]
    def json_pid(pid):  # 2**64 − 1 does not fit a signed 64-bit JSON integer: −1 as in images.txt
        return -1 if pid == INVALID_POINT3D_ID else pid

    imgs_json = []
    for s in sorted(selected, key=lambda s: s["image_id"]):
        nobs = sum(1 for pid in s["point3D_ids"] if pid != INVALID_POINT3D_ID)
        imgs_json.append({"id": s["image_id"], "name": s["name"], "camera_id": s["camera_id"],
                          "qvec": [float(v) for v in s["qvec"]], "tvec": [float(v) for v in s["tvec"]],
                          "num_points2D": len(s["points2D"]), "num_observations": nobs,
                          "num_points3D": len(cells_of[s["image_id"]]),
                          "images_txt_index": s["list_index"], "photo": s["photo"], "role": s["role"],
                          "first_point2D": list(s["points2D"][0][:2]) + [json_pid(s["point3D_ids"][0])]
                          if s["points2D"] else None})
    sample_ids = []
    srt = sorted(points, key=lambda p: p["id"])
    sample_ids += [srt[0]["id"], srt[len(srt) // 2]["id"], srt[-1]["id"]]
    sample_ids += [p["id"] for p in points if "duplicate_in" in p]
    sample_ids.append(max(points, key=lambda p: (len(p["track"]), -p["id"]))["id"])
    sample_ids.append(min(p["id"] for p in points if p["id"] >= BIG_POINT_ID_BASE))
    sample_ids = sorted(set(sample_ids))
    pid_map = {p["id"]: p for p in points}
    sample = [{"id": i, "xyz": [float(v) for v in pid_map[i]["xyz"]], "rgb": pid_map[i]["rgb"],
               "error": pid_map[i]["error"], "track": pid_map[i]["track"],
               "note": ("duplicate observation in image %d" % pid_map[i]["duplicate_in"])
               if "duplicate_in" in pid_map[i] else None}
              for i in sample_ids]
    total_obs = sum(len(p["track"]) for p in points)
    mid = [int(cid) for cid in file_orders["bin"]]
    expected = {
        "generator": "Fixtures/scripts/make_colmap_fixture.py",
        "versions": {"pycolmap": pycolmap.__version__, "colmap": pycolmap.COLMAP_version,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "image_root": SOURCE_REL,
        "world": {"photo_plane": "z = 0", "photo_offset_x": OFFSET,
                  "point": "photo p pixel (x, y) -> world (x + photo_offset_x * p, y, 0)"},
        "grid": GRID,
        "overlap_definition": (
            "cell(x, y) = (min(G-1, floor(x*G/W)), min(G-1, floor(y*G/H))); covered(i) = cells of "
            "image i with >= 1 observation of a 3D point; shared(i, j) = 3D point ids observed in "
            "both; cells(i; j) = cells of i holding an observation of a point in shared(i, j); "
            "o_ab = |cells(a; b)| / |covered(a)|, o_ba = |cells(b; a)| / |covered(b)|, overlap = "
            "min(o_ab, o_ba); pairs: every a < b (image ids) with shared >= 1"),
        "invalid_point3D_id": {"binary_uint64_hex": "%016x" % INVALID_POINT3D_ID, "text": -1,
                               "in_this_json": -1},
        "num_cameras": len(cams_json), "num_images": len(imgs_json), "num_points3D": len(points),
        "num_observations": total_obs,
        "num_points2D": sum(len(s["points2D"]) for s in selected),
        "images_file_order": mid,
        "cameras": cams_json,
        "images": imgs_json,
        "points3D_sample": sample,
        "pairs": pairs,
        "same_photo_pairs_without_shared_point": unshared,
        "pair_stats": stats,
        "camera_models": model_table,
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    print("files:")
    total = 0
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            total += f.stat().st_size
            print("  %-28s %8d  %s" % (f.relative_to(OUT), f.stat().st_size, sha256(f)[:16]))
    print("  total %d bytes" % total)


if __name__ == "__main__":
    main()
