"""The lecture's notebook (makemore part 3), its own code, kept as close to its text as functions allow.

The rest of the package says the same things in reusable pieces (Dataset, ModelConfig, MLP, Trainer);
this is the notebook in one place, to read next to it, and the tests' oracle: they check that the core
computes what these cells compute. The benchmark (bench/engines.py) times NotebookLoop as its baseline.

    cells 2-3    build_splits         the vocabulary, the contexts, the 80/10/10 split
    cells 6-10   first_half_*         one hidden layer of 200, each fix of the first half, its own BatchNorm
    cell 11      Linear, BatchNorm1d, Tanh   the notebook's layer classes (torch.nn's API, written out)
    cells 12-14  deep_net, NotebookLoop       the deep net and its training loop
"""
import random

import torch
import torch.nn.functional as F

from .model import LECTURE_SEED

BATCH = 32


# ---------------------------------------------------------------- cells 2-3: the data

def build_splits(words, block_size=3):
    """-> ((Xtr, Ytr), (Xdev, Ydev), (Xte, Yte)): the notebook's vocabulary, contexts and shuffled split.
    (Shuffles `words` in place, as the notebook does.)"""
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block_size
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        return torch.tensor(X), torch.tensor(Y)

    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return build_dataset(words[:n1]), build_dataset(words[n1:n2]), build_dataset(words[n2:])


# ---------------------------------------------------------------- cells 6-10: the first half

def first_half_parameters(stage, vocab_size=27):
    """g, C, W1, b1, W2, b2 as cell 6 draws them, scaled the way the lecture edits the cell for each
    stage (original, softmax-fix, tanh-fix, kaiming, batchnorm: stages.py describes them)."""
    g = torch.Generator().manual_seed(LECTURE_SEED)
    C = torch.randn((vocab_size, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = None if stage == "batchnorm" else torch.randn(200, generator=g)
    W2 = torch.randn((200, vocab_size), generator=g)
    b2 = torch.randn(vocab_size, generator=g)
    if stage != "original":
        W2, b2 = W2 * 0.01, b2 * 0
    if stage == "tanh-fix":
        W1, b1 = W1 * 0.2, b1 * 0.01
    if stage in ("kaiming", "batchnorm"):
        W1 = W1 * (5/3)/((10 * 3)**0.5)  # noqa: E226 - the notebook's expression
        b1 = None if b1 is None else b1 * 0.01
    return g, C, W1, b1, W2, b2


def first_half_run(data, stage, steps):
    """Cells 6, 7, 9 and 10 for a first-half stage (float32, its own loop) on data = {"train": (X, Y),
    "val": (X, Y)}. -> losses, C, W1, the split losses on the running, calibrated (cell 9) and each
    split's own statistics (cell 10's commented-out line), and the running std."""
    (Xtr, Ytr), (Xdev, Ydev) = data["train"], data["val"]
    g, C, W1, b1, W2, b2 = first_half_parameters(stage)
    n_hidden = 200
    bngain, bnbias = torch.ones((1, n_hidden)), torch.zeros((1, n_hidden))
    bnmean_running, bnstd_running = torch.zeros((1, n_hidden)), torch.ones((1, n_hidden))
    batchnorm = stage == "batchnorm"
    parameters = [C, W1, W2, b2] + ([bngain, bnbias] if batchnorm else [b1])
    for p in parameters:
        p.requires_grad = True
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        if batchnorm:
            hpreact = embcat @ W1
            bnmeani = hpreact.mean(0, keepdim=True)
            bnstdi = hpreact.std(0, keepdim=True)
            hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
            with torch.no_grad():
                bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
                bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
        else:
            hpreact = embcat @ W1 + b1
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 100000 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.item())

    @torch.no_grad()
    def split_loss(x, y, mean, std):
        hpreact = C[x].view(x.shape[0], -1) @ W1
        hpreact = bngain * (hpreact - mean) / std + bnbias if batchnorm else hpreact + b1
        return F.cross_entropy(torch.tanh(hpreact) @ W2 + b2, y).item()
    with torch.no_grad():   # cell 9: calibrate over the whole training split
        hpreact = C[Xtr].view(Xtr.shape[0], -1) @ W1
        bnmean, bnstd = hpreact.mean(0, keepdim=True), hpreact.std(0, keepdim=True)
    own = {}   # cell 10's commented-out line: each split normalized by its own mean and std
    with torch.no_grad():
        for split, (x, y) in (("train", (Xtr, Ytr)), ("val", (Xdev, Ydev))):
            hpreact = C[x].view(x.shape[0], -1) @ W1
            own[split] = split_loss(x, y, hpreact.mean(0, keepdim=True), hpreact.std(0, keepdim=True))
    return {"losses": lossi, "C": C.detach(), "W1": W1.detach(), "split_statistics": own,
            "running": {"train": split_loss(Xtr, Ytr, bnmean_running, bnstd_running),
                        "val": split_loss(Xdev, Ydev, bnmean_running, bnstd_running)},
            "calibrated": {"train": split_loss(Xtr, Ytr, bnmean, bnstd), "val": split_loss(Xdev, Ydev, bnmean, bnstd)},
            "bnstd_running": bnstd_running.squeeze(0)}


# ---------------------------------------------------------------- cell 11: the notebook's layers

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)   # batch mean
            xvar = x.var(0, keepdim=True)     # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)   # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


# ---------------------------------------------------------------- cells 12-14: the deep net and its loop

def deep_net(g, vocab_size=27, n_embd=10, n_hidden=100, block_size=3):
    """Cell 12: C and the layers, drawn from g in the notebook's order, the last BatchNorm softened."""
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers = [
        Linear(n_embd * block_size, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, vocab_size, bias=False, generator=g), BatchNorm1d(vocab_size),
    ]
    with torch.no_grad():
        layers[-1].gamma *= 0.1   # last layer: make less confident
        for layer in layers[:-1]:
            if isinstance(layer, Linear):
                layer.weight *= 1.0   # the gain the notebook's final state keeps (5/3 in the discussion)
    return C, layers


class NotebookLoop:
    """Cells 12-14: the deep net and its training loop, kept as close to the notebook's text as a class allows.

    `per_step_stats`: retain_grad on every layer output and update:data of every parameter at
    every step, as the notebook does to draw its plots.
    """

    def __init__(self, Xtr, Ytr, per_step_stats=True, vocab_size=27, n_embd=10, n_hidden=100, block_size=3):
        self.Xtr, self.Ytr, self.per_step_stats = Xtr, Ytr, per_step_stats
        self.g = torch.Generator().manual_seed(LECTURE_SEED)
        self.C, self.layers = deep_net(self.g, vocab_size, n_embd, n_hidden, block_size)
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

    @torch.no_grad()
    def split_loss(self, x, y):
        """Cell 19: the loss of a whole split with every BatchNorm on its running statistics."""
        for layer in self.layers:
            layer.training = False
        x_in = self.C[x].view(x.shape[0], -1)
        for layer in self.layers:
            x_in = layer(x_in)
        return F.cross_entropy(x_in, y).item()
