"""Two coordinates per character from an embedding table C, to draw the characters on a plane.

n_embd = 2: C's own columns. n_embd = 1: the one coordinate, and 0. Otherwise PCA, written out:
centre the rows, take the SVD, keep the two directions of largest variance.

In numpy, not torch: Streamlit runs each rerun in a new thread, and torch's first SVD in a new thread
starts a thread team for it (4 to 13 ms measured here, against 0.1 ms for numpy's, for a 27 x 10 C).
"""
import numpy as np
import torch


def project_2d(C: torch.Tensor):
    """-> (coords (V, 2) numpy, how, explained) where how names the axes and explained is the share
    of the variance the two axes keep (1.0 when nothing is dropped)."""
    C = C.detach().float().cpu().numpy()
    V, E = C.shape
    if E == 1:
        return np.concatenate([C, np.zeros((V, 1), dtype=C.dtype)], axis=1), ("dimension 0", "(none: n_embd = 1)"), 1.0
    if E == 2:
        return C.copy(), ("dimension 0", "dimension 1"), 1.0
    centred = C - C.mean(axis=0, keepdims=True)
    _, S, Vh = np.linalg.svd(centred, full_matrices=False)
    directions = Vh[:2]
    # an SVD direction's sign is arbitrary; fix it so the picture does not flip between reruns
    signs = np.sign(directions[np.arange(2), np.abs(directions).argmax(axis=1)])
    directions = directions * signs[:, None]
    coords = centred @ directions.T
    variance = S**2
    explained = float(variance[:2].sum() / variance.sum()) if float(variance.sum()) > 0 else 1.0
    return coords, ("principal component 1", "principal component 2"), explained
