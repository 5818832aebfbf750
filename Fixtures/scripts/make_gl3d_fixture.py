#!/usr/bin/env python3
"""A small GL3D-layout training set (SPEC §8.1) from views of 5 training photos: Fixtures/train/gl3d_small/.

Layout (ROOT = the output folder; the seed reads the first two files, mirror train --gl3d ROOT too):
    list/global_stats/global_img_list.txt   one image path per line, relative to ROOT
                                            (the seed opens ROOT + '/' + path)
    forward/train_list_with_mask.bin        the triplet records, little-endian int32 (below)
    data/<scene>/undist_images/<k:08d>.jpg  the views, 64×64 JPEG (GL3D's own are 224×224;
                                            64 keeps the training tests fast)
    records.json, README.md                 not part of the GL3D layout: the expected decoding
                                            and the description

train_list_with_mask.bin, as the seed's retrieval/train.py `read_samples` reads it (struct 'i' and
'?', native = little-endian on x86):
    int32 dataset_num
    per dataset:  int32 image_num                    = the number of records that follow
                  per record: int32 ref_idx, int32 pos_num, pos_num × int32,
                              int32 neg_num, neg_num × int32,
                              pos_num × 392 bytes (0/1, one mask of 28×14 per positive, row-major:
                              rows 0–13 the reference's 14×14 cells covered by that positive,
                              rows 14–27 the positive's cells covered by the reference)
    All indices point into global_img_list.txt. The seed picks a random positive and a random
    negative from a record, so every record must have pos_num ≥ 1 and neg_num ≥ 1: a view without
    any positive gets no record, and image_num counts records, not the scene's images.

Records: one per view (the reference) of each scene, in order; positives = the other views of the
same scene with overlap ≥ 0.5; negatives = views of the same scene with overlap < 0.1 if there is
any, else every view of the other scenes. Overlap as in make_homography_set.py (grid stride 1 at
64 px: every pixel). A mask cell (r, c) is set when its centre ((c + 0.5)·64/14, (r + 0.5)·64/14)
maps, through the photo, inside the other view.

Run (repository root):
    /work/venv/bin/python Fixtures/scripts/make_gl3d_fixture.py
"""
import argparse
import json
import os
import shutil
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_homography_set as hs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PHOTOS = os.path.join(ROOT, "Fixtures", "photos", "train")
OUT = os.path.join(ROOT, "Fixtures", "train", "gl3d_small")
# five different original photos (never two halves of one photo)
SCENES = ["palapeli_castle_l", "plasma_eveningglow_r", "plasma_path_l", "palapeli_citrus", "plasma_colorfulcups"]
VIEWS, SIZE, STRIDE = 6, 64, 1
POSITIVE, NEGATIVE = 0.5, 0.1
MASK_CELLS = 14
MASK_BYTES = 2 * MASK_CELLS * MASK_CELLS  # 392


def cell_mask(h_from, h_to, photo_w, photo_h):
    """14×14 bools: the cells of view `from` whose centre maps (through the photo) inside view `to`."""
    axis = (np.arange(MASK_CELLS) + 0.5) * SIZE / MASK_CELLS
    ys, xs = np.meshgrid(axis, axis, indexing="ij")
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    p = np.linalg.inv(h_from) @ points
    px, py = p[0] / p[2], p[1] / p[2]
    q = h_to @ np.stack([px, py, np.ones_like(px)])
    qx, qy = q[0] / q[2], q[1] / q[2]
    inside = (p[2] > 0) & (px >= 0) & (px < photo_w) & (py >= 0) & (py < photo_h) & (q[2] > 0) \
        & (qx >= 0) & (qx < SIZE) & (qy >= 0) & (qy < SIZE)
    return inside.reshape(MASK_CELLS, MASK_CELLS)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", default=PHOTOS)
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    started = time.time()
    for generated in ("data", "list", "forward"):  # README.md is kept
        shutil.rmtree(os.path.join(args.out, generated), ignore_errors=True)
    paths, scenes = [], []
    for s, stem in enumerate(SCENES):
        rendered, homs, overlaps, (photo_w, photo_h) = hs.make_views(
            os.path.join(args.photos, stem + ".jpg"), args.seed, VIEWS, SIZE, STRIDE)
        scene = f"s{s:02d}_{stem}"
        folder = os.path.join(args.out, "data", scene, "undist_images")
        os.makedirs(folder)
        first = len(paths)
        for k, (jpeg, params, jitter, quality) in enumerate(rendered):
            path = f"data/{scene}/undist_images/{k:08d}.jpg"
            with open(os.path.join(args.out, path), "wb") as f:
                f.write(jpeg)
            paths.append(path)
        scenes.append({"name": scene, "photo": stem + ".jpg", "photo_size": [photo_w, photo_h], "first": first,
                       "homographies": homs, "overlaps": overlaps})

    os.makedirs(os.path.join(args.out, "list", "global_stats"))
    with open(os.path.join(args.out, "list", "global_stats", "global_img_list.txt"), "w") as f:
        f.writelines(p + "\n" for p in paths)

    blob = bytearray(struct.pack("<i", len(scenes)))
    datasets, skipped = [], []
    for s, scene in enumerate(scenes):
        first, o, homs = scene["first"], scene["overlaps"], scene["homographies"]
        others = [i for t in scenes if t is not scene for i in range(t["first"], t["first"] + VIEWS)]
        records = []
        for a in range(VIEWS):
            pos = [b for b in range(VIEWS) if b != a and o[a, b] >= POSITIVE]
            if not pos:
                skipped.append(first + a)
                continue
            low = [first + b for b in range(VIEWS) if b != a and o[a, b] < NEGATIVE]
            masks = [np.concatenate([cell_mask(homs[a], homs[b], *scene["photo_size"]),
                                     cell_mask(homs[b], homs[a], *scene["photo_size"])]) for b in pos]
            records.append({"ref": first + a, "pos": [first + b for b in pos],
                            "pos_overlap": [round(float(o[a, b]), 6) for b in pos],
                            "neg": low if low else others, "neg_from": "same scene, overlap < 0.1" if low else "other scenes",
                            "mask_true_cells": [int(m.sum()) for m in masks], "masks": masks})
        blob += struct.pack("<i", len(records))
        for r in records:
            blob += struct.pack(f"<ii{len(r['pos'])}i", r["ref"], len(r["pos"]), *r["pos"])
            blob += struct.pack(f"<i{len(r['neg'])}i", len(r["neg"]), *r["neg"])
            for m in r.pop("masks"):
                assert m.shape == (2 * MASK_CELLS, MASK_CELLS)
                blob += m.astype(np.uint8).tobytes(order="C")
        datasets.append({"scene": scene["name"], "photo": scene["photo"], "image_num": len(records), "records": records,
                         "overlaps": [[round(float(x), 6) for x in row] for row in o]})
    os.makedirs(os.path.join(args.out, "forward"))
    with open(os.path.join(args.out, "forward", "train_list_with_mask.bin"), "wb") as f:
        f.write(bytes(blob))

    check_reader(args.out, datasets)
    with open(os.path.join(args.out, "records.json"), "w") as f:
        json.dump({"generator": "Fixtures/scripts/make_gl3d_fixture.py", "seed": args.seed, "size": SIZE,
                   "views_per_scene": VIEWS, "overlap_stride": STRIDE, "positive": POSITIVE, "negative": NEGATIVE,
                   "images": len(paths), "bin_bytes": len(blob), "views_without_record": skipped,
                   "datasets": datasets}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(args.out) for n in ns)
    print(json.dumps({"images": len(paths), "records": sum(d["image_num"] for d in datasets),
                      "image_num": [d["image_num"] for d in datasets], "views_without_record": skipped,
                      "records_with_other_scene_negatives": sum(r["neg_from"] == "other scenes"
                                                                for d in datasets for r in d["records"]),
                      "bin_bytes": len(blob), "total_bytes": total, "seconds": round(time.time() - started, 1)}, indent=1))


def check_reader(out, datasets):
    """Reads the binary back the way the seed's read_samples does (struct, native order) and compares."""
    with open(os.path.join(out, "forward", "train_list_with_mask.bin"), "rb") as f:
        (dataset_num,) = struct.unpack("i", f.read(4))
        assert dataset_num == len(datasets)
        for d in datasets:
            (image_num,) = struct.unpack("i", f.read(4))
            assert image_num == len(d["records"]) == d["image_num"]
            for r in d["records"]:
                ref, pos_num = struct.unpack("2i", f.read(8))
                pos = struct.unpack("i" * pos_num, f.read(4 * pos_num))
                (neg_num,) = struct.unpack("i", f.read(4))
                neg = struct.unpack("i" * neg_num, f.read(4 * neg_num))
                assert ref == r["ref"] and list(pos) == r["pos"] and list(neg) == r["neg"] and pos_num >= 1 and neg_num >= 1
                for n_true in r["mask_true_cells"]:
                    mask = np.array(struct.unpack("?" * MASK_BYTES, f.read(MASK_BYTES)))
                    assert int(mask.sum()) == n_true
        assert f.read() == b"", "trailing bytes"
    with open(os.path.join(out, "list", "global_stats", "global_img_list.txt")) as f:
        names = f.read().splitlines()
    for d in datasets:
        for r in d["records"]:
            for i in [r["ref"], *r["pos"], *r["neg"]]:
                assert os.path.isfile(os.path.join(out, names[i]))


if __name__ == "__main__":
    main()
