#!/usr/bin/env python3
"""Reference fits for `CalibrationTests` (MatchabilityCalibration), from scikit-learn and NumPy.

Writes Fixtures/calibration/reference.json: synthetic scores (with ties) and 0/1 labels drawn
from a known logistic curve; scikit-learn's IsotonicRegression(out_of_bounds="clip") predictions
at query points inside and outside the data; LogisticRegression without penalty (C = inf; slope,
intercept); and the 10-bin expected calibration error of scikit-learn's logistic probabilities on
the data, computed here with NumPy.

    python3 Fixtures/scripts/make_calibration_fixtures.py   (numpy, scikit-learn >= 1.2)
"""
import json
import os

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261205)
n = 400
scores = np.round(rng.uniform(0.0, 0.9, n), 3)   # rounding makes ties, as printed scores have
truth = 1 / (1 + np.exp(-(12 * scores - 5)))
labels = rng.uniform(size=n) < truth

iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(scores, labels.astype(float))
queries = np.concatenate([[-0.5, 0.0, 0.95, 2.0], np.round(rng.uniform(0.0, 0.9, 60), 4), scores[:20]])
iso_predictions = iso.predict(queries)

logistic = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(scores.reshape(-1, 1), labels)

fitted = logistic.predict_proba(scores.reshape(-1, 1))[:, 1]
bins = np.minimum((fitted * 10).astype(int), 9)
ece = 0.0
for b in range(10):
    mask = bins == b
    if mask.any():
        ece += mask.sum() / n * abs(labels[mask].mean() - fitted[mask].mean())

out = {
    "scores": scores.tolist(),
    "labels": labels.astype(int).tolist(),
    "queries": queries.tolist(),
    "isotonic_predictions": iso_predictions.tolist(),
    "logistic_slope": float(logistic.coef_[0, 0]),
    "logistic_intercept": float(logistic.intercept_[0]),
    "logistic_probabilities": fitted.tolist(),
    "logistic_ece_10_bins": float(ece),
}
folder = os.path.join(os.path.dirname(__file__), "..", "calibration")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "reference.json"), "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.join(folder, "reference.json"))
