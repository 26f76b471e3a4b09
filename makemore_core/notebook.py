"""The lecture's training loop, written as the notebook writes it (makemore part 3, the deep net).

The rest of the package says the same thing in reusable pieces (ModelConfig, MLP, Trainer); this is
the loop in one piece, to read next to the notebook. The benchmark (bench/engines.py) times it as
its baseline, and the tests check that the Trainer's losses are its losses.
"""
import torch
import torch.nn.functional as F

from .layers import BatchNorm1d, Linear, Tanh
from .model import LECTURE_SEED

BATCH = 32


class NotebookLoop:
    """The lecture notebook's training loop, kept as close to the notebook's text as a class allows.

    `per_step_stats`: retain_grad on every layer output and update:data of every parameter at
    every step, as the notebook does to draw its plots.
    """

    def __init__(self, Xtr, Ytr, per_step_stats=True, vocab_size=27, n_embd=10, n_hidden=100, block_size=3):
        self.Xtr, self.Ytr, self.per_step_stats = Xtr, Ytr, per_step_stats
        g = torch.Generator().manual_seed(LECTURE_SEED)
        self.g = g
        self.C = torch.randn((vocab_size, n_embd), generator=g)
        self.layers = [
            Linear(n_embd * block_size, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
            Linear(n_hidden, vocab_size, bias=False, generator=g), BatchNorm1d(vocab_size),
        ]
        with torch.no_grad():
            self.layers[-1].gamma *= 0.1
        self.parameters = [self.C] + [p for layer in self.layers for p in layer.parameters()]
        for p in self.parameters:
            p.requires_grad = True
        self.i = 0
        self.lossi, self.ud, self.losses = [], [], []

    def run(self, steps):
        Xtr, Ytr, g, C, layers, parameters = self.Xtr, self.Ytr, self.g, self.C, self.layers, self.parameters
        for _ in range(steps):
            i = self.i
            # minibatch construct
            ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
            Xb, Yb = Xtr[ix], Ytr[ix]
            # forward pass
            emb = C[Xb]
            x = emb.view(emb.shape[0], -1)
            for layer in layers:
                x = layer(x)
            loss = F.cross_entropy(x, Yb)
            # backward pass
            if self.per_step_stats:
                for layer in layers:
                    layer.out.retain_grad()
            for p in parameters:
                p.grad = None
            loss.backward()
            # update
            lr = 0.1 if i < 150000 else 0.01
            for p in parameters:
                p.data += -lr * p.grad
            # track stats
            self.losses.append(loss.item())
            self.lossi.append(loss.log10().item())
            if self.per_step_stats:
                with torch.no_grad():
                    self.ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])
            self.i += 1
