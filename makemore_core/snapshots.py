"""A run's snapshots at its statistics steps, for looking back in time ("time travel", issue 25).

One snapshot is what the Training page showed at that statistics step, pre-binned and small (about 13 KB
for the lecture's deep net): each watched layer's activation and gradient histograms (50 bins, float32),
std and saturation; each weight matrix's gradient histogram, grad:data and update:data; and the
embedding table C as it was after that step (V x n_embd float32: the Embeddings page's map of it).

The store is plain data (a dict of ints, lists, dicts and numpy arrays): it pickles as it is, with the run.
It keeps at most LIMIT evenly spaced snapshots, the first always among them, plus the newest one when it
falls between two kept ones: when the even ones would be LIMIT + 1, every other one is dropped and from then
on only every other statistics step is kept. Memory per run is bounded whatever the run's length.
"""
import numpy as np

LIMIT = 60


def new_store(limit: int = LIMIT) -> dict:
    """An empty store: `kept` evenly spaced (every `stride`-th statistics step), `latest` the newest
    snapshot when it is not one of them, `seen` the statistics steps offered so far."""
    return {"limit": int(limit), "stride": 1, "seen": 0, "kept": [], "latest": None}


def add(store: dict, snapshot: dict):
    """Offer the snapshot of the next statistics step (in step order)."""
    if store["seen"] % store["stride"] == 0:
        store["kept"].append(snapshot)
        store["latest"] = None
        if len(store["kept"]) > store["limit"]:   # limit + 1 evenly spaced: every other one, first and last stay
            store["kept"] = store["kept"][::2]
            store["stride"] *= 2
    else:
        store["latest"] = snapshot
    store["seen"] += 1


def members(store: dict) -> list:
    """The snapshots in step order: the evenly spaced ones, then the newest if it is not among them."""
    return store["kept"] + ([store["latest"]] if store["latest"] is not None else [])


def steps(store: dict) -> list:
    return [s["step"] for s in members(store)]


def binned(hist) -> dict | None:
    """A diagnostics histogram ({"x": bin centres, "density": [...]}) as its first centre, bin width and
    float32 densities: what a chart needs to draw it again."""
    if hist is None:
        return None
    x = hist["x"]
    return {"x0": float(x[0]), "dx": float(x[1] - x[0]) if len(x) > 1 else 1.0,
            "density": np.asarray(hist["density"], dtype=np.float32)}


def centres(h: dict) -> np.ndarray:
    """The bin centres of a binned histogram."""
    return h["x0"] + np.arange(len(h["density"])) * h["dx"]


def snapshot(step: int, stats: dict, C) -> dict:
    """The snapshot of one statistics step, from the statistics the run recorded there (the dict of
    Trainer.stats) and its embedding table C at that moment (a tensor, copied)."""
    layers = [{"index": row["index"], "label": row["label"], "std": row["std"],
               "saturation_pct": row["saturation_pct"], "grad_std": row.get("grad_std"),
               "hist": binned(row["hist"]), "grad_hist": binned(row.get("grad_hist"))}
              for row in stats["layers"]]
    params = [{"name": row["name"], "update_to_data": row.get("update_to_data"),
               "grad_to_data": row.get("grad_to_data"), "grad_std": row["grad_std"],
               "grad_hist": binned(row.get("grad_hist"))}
              for row in stats["params"] if row["ndim"] == 2]
    return {"step": int(step), "loss": float(stats["loss"]), "lr": float(stats["lr"]), "layers": layers,
            "params": params, "C": C.detach().float().cpu().numpy().copy()}

