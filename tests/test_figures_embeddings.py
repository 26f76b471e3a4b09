"""The Embeddings page's 2-D projection of C and its figures."""
import numpy as np
import torch

from makemore_core.model import MLP, ModelConfig
from makemore_core.shapes import trace_shapes
from ui.embedding_map import project_2d
from ui.figures.embeddings import char_group, embedding_heatmap, embedding_map, parameter_share

ITOS = list(".abcdefghijklmnopqrstuvwxyz")


def test_two_dimensions_are_drawn_as_they_are():
    C = torch.randn(27, 2)
    coords, axes, kept = project_2d(C)
    assert np.allclose(coords, C.numpy()) and kept == 1.0 and axes == ("dimension 0", "dimension 1")


def test_one_dimension_gets_a_zero_second_axis():
    C = torch.randn(27, 1)
    coords, _, _ = project_2d(C)
    assert np.allclose(coords[:, 0], C[:, 0].numpy()) and (coords[:, 1] == 0).all()


def test_pca_finds_the_planted_plane():
    g = torch.Generator().manual_seed(1)
    plane = torch.randn(27, 2, generator=g) * torch.tensor([5.0, 2.0])
    basis, _ = torch.linalg.qr(torch.randn(10, 2, generator=g))  # two orthonormal directions in 10-D
    C = plane @ basis.T + 0.01 * torch.randn(27, 10, generator=g)
    coords, axes, kept = project_2d(C)
    assert kept > 0.99 and axes[0] == "principal component 1"
    assert coords.var(axis=0)[0] > coords.var(axis=0)[1]  # the first axis holds the most spread
    # distances between characters survive the projection
    d_true = torch.cdist(plane - plane.mean(0), plane - plane.mean(0)).numpy()
    d_proj = torch.cdist(torch.tensor(coords), torch.tensor(coords)).numpy()
    assert np.allclose(d_true, d_proj, atol=0.1)


def test_pca_agrees_with_torch_and_is_sign_stable():
    C = MLP(ModelConfig()).C.detach()
    coords, _, kept = project_2d(C)
    U, S, V = torch.pca_lowrank(C, q=10, center=True, niter=10)  # q = E: exact, not randomized
    ref = (C - C.mean(0)) @ V[:, :2]
    for k in range(2):
        assert np.allclose(np.abs(coords[:, k]), np.abs(ref[:, k].numpy()), atol=1e-4)
    assert 0 < kept < 1
    assert np.array_equal(coords, project_2d(C.clone())[0])  # the same C draws the same picture


def test_parameter_share_leaves_out_layers_without_parameters():
    rows = trace_shapes(ModelConfig(), 32)
    data, spec = parameter_share([r.stage for r in rows], [r.params for r in rows])
    assert "Tanh 1" not in list(data["layer"]) and "X" not in list(data["layer"])
    assert int(data["parameters"].sum()) == 47_024
    assert "10,000 (21%)" in list(data["text"]) and "200 (<1%)" in list(data["text"])
    assert (data["room"] > data["parameters"].max()).all()   # the labels beside the longest bar fit
    wider = trace_shapes(ModelConfig(n_hidden=300, hidden_layers=7), 32)
    assert parameter_share([r.stage for r in wider], [r.params for r in wider])[1] == spec   # the data changes


def test_embedding_heatmap_is_characters_by_dimensions():
    C = np.random.default_rng(0).normal(size=(27, 10))
    data, spec = embedding_heatmap(C, ITOS)
    assert len(data) == 27 * 10
    cell = data[(data["character"] == "5 e") & (data["dimension"] == 3)]
    assert cell["value"].item() == C[5, 3]
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domainMid"] == 0 and colour["scheme"] == "redblue" and colour["reverse"]   # 0 white, red > 0
    assert embedding_heatmap(C[:, :2], ITOS)[1] == spec
    assert spec["height"] == {"step": 19} and spec["layer"][0]["encoding"]["y"]["axis"]["labelOverlap"] is False


def test_a_long_vocabulary_shares_the_heat_maps_height():
    itos = [chr(0x100 + i) for i in range(100)]   # an uploaded list's 100 characters
    data, spec = embedding_heatmap(np.ones((100, 4)), itos)
    assert len(data) == 400 and spec["height"]["step"] * 100 <= 760   # the plotly one squeezed into 720
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelOverlap"] == "parity"   # every other label shown


def test_embedding_map_groups_every_character_once():
    coords = np.random.default_rng(0).normal(size=(27, 2))
    data, spec = embedding_map(coords, ITOS, ("a", "b"), "emb_map_fresh")
    assert sorted(data["character"]) == sorted(ITOS)
    names = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert [name.split()[0] for name in names] == ["'.'", "vowels", "other"]
    assert char_group(".") == "." and char_group("e") == "vowel" and char_group("k") == "other"
    e = data[data["character"] == "e"]
    assert e["group"].item().startswith("vowels")
    assert np.allclose([e["x"].item(), e["y"].item()], coords[ITOS.index("e")])
    assert spec["layer"][0]["encoding"]["x"]["title"] == "a" and spec["usermeta"]["chart"] == "emb_map_fresh"
