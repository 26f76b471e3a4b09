"""Two coordinates per character from an embedding table C, to draw the characters on a plane.

n_embd = 2: C's own columns. n_embd = 1: the one coordinate, and 0. Otherwise PCA, written out:
centre the rows, take the SVD, keep the two directions of largest variance.
"""
import torch


def project_2d(C: torch.Tensor):
    """-> (coords (V, 2) numpy, how, explained) where how names the axes and explained is the share
    of the variance the two axes keep (1.0 when nothing is dropped)."""
    C = C.detach().float().cpu()
    V, E = C.shape
    if E == 1:
        return torch.cat([C, torch.zeros(V, 1)], dim=1).numpy(), ("dimension 0", "(none: n_embd = 1)"), 1.0
    if E == 2:
        return C.numpy().copy(), ("dimension 0", "dimension 1"), 1.0
    centred = C - C.mean(dim=0, keepdim=True)
    _, S, Vh = torch.linalg.svd(centred, full_matrices=False)
    directions = Vh[:2]
    # an SVD direction's sign is arbitrary; fix it so the picture does not flip between reruns
    signs = torch.sign(directions[torch.arange(2), directions.abs().argmax(dim=1)])
    directions = directions * signs[:, None]
    coords = centred @ directions.T
    variance = S**2
    explained = float(variance[:2].sum() / variance.sum()) if float(variance.sum()) > 0 else 1.0
    return coords.numpy(), ("principal component 1", "principal component 2"), explained
