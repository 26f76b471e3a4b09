"""The fast training step: the Trainer's math, with the backward pass written out by hand.

The eager Trainer step (training.py) is the reference: autograd through the readable layers.
This engine computes the same numbers with fewer, larger operations, the way makemore part 4
derives them:

    dlogits  = (softmax(logits) - onehot(Y)) / B
    Linear   dW = x.T @ dout,  db = dout.sum(0),  dx = dout @ W.T
    BatchNorm dx = gamma * inv_std / B * (B*dout - dout.sum(0) - B/(B-1) * xhat * (dout*xhat).sum(0))
    Tanh     dx = dout * (1 - t**2)          ReLU  dx = dout * (t > 0)
    C        dC = index_add of the embedding gradient rows

What else makes it fast:
- no autograd graph, no retain_grad, no per-parameter Python loop (one foreach update);
- on the CPU, the minibatches of a whole chunk are drawn in one randint call (the CPU generator
  yields the same numbers as one call per step, so the lecture's sequence is kept);
- no host sync per step: losses stay tensors until the end of a chunk;
- optionally torch.compile of the whole step (forward, backward, update), warmed up in a
  background thread while the uncompiled step keeps training; on CUDA a CUDA graph of the step.

Statistics steps, Adam and anything else this engine does not cover run through the Trainer's
eager step, so their history and statistics are exactly what the pages expect.
"""
import math
import threading

import torch
import torch.nn.functional as F

from .layers import BatchNorm1d, Linear, ReLU, Tanh

CHUNK = 100   # steps between host reads of the losses (and divergence checks)


# ---------------------------------------------------------------- the model as a static plan

def plan_of(model):
    """A tuple describing the layer stack (hashable: torch.compile specializes on it), or None
    when a layer is of a kind this engine does not know."""
    plan = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            plan.append(("linear", layer.bias is not None))
        elif isinstance(layer, BatchNorm1d):
            plan.append(("batchnorm", float(layer.eps), float(layer.momentum), bool(layer.update_running)))
        elif isinstance(layer, Tanh):
            plan.append(("tanh",))
        elif isinstance(layer, ReLU):
            plan.append(("relu",))
        else:
            return None
    return tuple(plan)


def model_tensors(model):
    """Every tensor the step reads or writes, flat, in plan order: C, then per layer
    W (b) | gamma beta running_mean running_var."""
    tensors = [model.C]
    for layer in model.layers:
        if isinstance(layer, Linear):
            tensors += [layer.weight] if layer.bias is None else [layer.weight, layer.bias]
        elif isinstance(layer, BatchNorm1d):
            tensors += [layer.gamma, layer.beta, layer.running_mean, layer.running_var]
    return tensors


# ---------------------------------------------------------------- one step, by hand

def train_step(plan, tensors, Xb, Yb, lr):
    """Forward, hand-written backward and SGD update of one minibatch, in place on `tensors`.

    Xb (B, T) int64, Yb (B,) int64, lr a 0-d tensor. Returns the loss (0-d tensor).
    Pure tensor code (no .item(), no Python branches on values): torch.compile and CUDA graphs
    can take it whole.
    """
    B = Xb.shape[0]
    C = tensors[0]
    emb = C[Xb].view(B, -1)
    x, k = emb, 1
    saved, params = [], []
    # forward: remember what the backward pass needs
    for spec in plan:
        kind = spec[0]
        if kind == "linear":
            W = tensors[k]
            b = tensors[k + 1] if spec[1] else None
            k += 2 if spec[1] else 1
            saved.append((x, W, b))
            x = x @ W if b is None else torch.addmm(b, x, W)
        elif kind == "batchnorm":
            _, eps, momentum, update_running = spec
            gamma, beta, running_mean, running_var = tensors[k:k + 4]
            k += 4
            var, mean = torch.var_mean(x, 0)              # unbiased, as the layer's x.var(0)
            if update_running:
                running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
                running_var.mul_(1 - momentum).add_(var, alpha=momentum)
            inv_std = (var + eps).rsqrt_()
            xhat = (x - mean).mul_(inv_std)
            saved.append((xhat, inv_std, gamma, beta))
            x = torch.addcmul(beta, gamma, xhat)
        else:  # tanh | relu
            x = torch.tanh(x) if kind == "tanh" else torch.relu(x)
            saved.append(x)
    loss = F.cross_entropy(x, Yb)

    # backward: dlogits = (softmax - onehot) / B
    d = torch.softmax(x, 1)
    d.scatter_add_(1, Yb.view(-1, 1), torch.full((B, 1), -1.0, dtype=d.dtype, device=d.device))
    d.mul_(1.0 / B)
    grads = []
    for spec, s in zip(reversed(plan), reversed(saved)):
        kind = spec[0]
        if kind == "tanh":
            d = torch.addcmul(d, d * s, s, value=-1.0)  # dout * (1 - t^2)
        elif kind == "relu":
            d = d * (s > 0)
        elif kind == "batchnorm":
            xhat, inv_std, gamma, beta = s
            dbeta = d.sum(0)
            dgamma = (d * xhat).sum(0)
            inner = torch.addcmul(dbeta, xhat, dgamma, value=B / (B - 1))
            d = torch.sub(d, inner, alpha=1.0 / B).mul_(gamma * inv_std)
            grads += [(beta, dbeta), (gamma, dgamma)]
        else:  # linear
            x_in, W, b = s
            grads.append((W, x_in.t() @ d))
            if b is not None:
                grads.append((b, d.sum(0)))
            d = d @ W.t()
    dC = torch.zeros_like(C).index_add_(0, Xb.reshape(-1), d.view(-1, C.shape[1]))
    grads.append((C, dC))

    # SGD, all parameters at once: p -= lr * grad
    ps, gs = [p for p, _ in grads], [g for _, g in grads]
    torch._foreach_mul_(gs, lr)
    torch._foreach_sub_(ps, gs)
    return loss


# ---------------------------------------------------------------- the engine

class FastEngine:
    """Runs a Trainer's ordinary steps through `train_step`; the Trainer keeps its history.

    compile: "off" (hand-written step only), "background" (compile in a thread; step uncompiled
    meanwhile), or "now" (compile before the first step; for benchmarks). Any failure to compile
    leaves the uncompiled step in place and says so in `status`.
    """

    def __init__(self, trainer, compile="background", chunk=CHUNK):
        self.chunk = chunk
        self.plan = plan_of(trainer.model)
        self.reason = self._unsupported_reason(trainer)
        self.device = trainer.Xtr.device
        self._step_fn = train_step
        self._sources = None        # the model's tensors last seen, and their detached aliases
        self._aliases = None
        self._lr = torch.zeros((), device=self.device)
        self._cuda_graph = None
        self._want_cuda_graph = False
        self.last_result = None     # what the eager step returned when it took over a step
        self.status = "eager (reference)" if self.reason else "fast (hand-written backward)"
        if self.reason is None and compile != "off":
            if self.device.type == "cuda":   # a CUDA graph of the step, captured on the first chunk
                self._want_cuda_graph = True
                self.status = "fast (CUDA graph at the first step)"
            else:
                self._start_compile(trainer, background=(compile == "background"))

    # ------------------------------------------------------------ what it covers

    def _unsupported_reason(self, trainer):
        model, config = trainer.model, trainer.config
        if config.optimizer != "sgd":
            return f"the {config.optimizer} optimizer runs the eager step"
        if self.plan is None:
            return "a layer this engine does not know"
        if config.batch_size < 2 and any(spec[0] == "batchnorm" for spec in self.plan):
            return "BatchNorm with a batch of 1 runs the eager step"
        if trainer.Xtr.shape[0] == 0:
            return "no training examples"
        return None

    def covers(self, trainer):
        """True when the next ordinary step can run here (the model may have been put in eval mode)."""
        return self.reason is None and trainer.model.training and plan_of(trainer.model) == self.plan

    # ------------------------------------------------------------ compiling (optional)

    def _start_compile(self, trainer, background):
        from .device import configure_threads
        configure_threads()           # inductor bakes the thread count into its kernels
        tensors = [t.detach().clone() for t in self._tensors(trainer.model)]
        B, T = trainer.config.batch_size, trainer.Xtr.shape[1]
        Xb = torch.zeros((B, T), dtype=trainer.Xtr.dtype, device=self.device)
        Yb = torch.zeros((B,), dtype=trainer.Ytr.dtype, device=self.device)
        lr = torch.zeros((), device=self.device)
        plan = self.plan

        def work():
            try:
                fn = torch.compile(train_step, dynamic=False, fullgraph=True)
                with torch.no_grad():       # warm up on copies: the real model is not touched
                    fn(plan, tensors, Xb, Yb, lr)
                self._step_fn = fn
                self.status = "compiled"
            except Exception as e:          # no compiler, unsupported platform, ...: stay uncompiled
                self.status = f"fast, uncompiled (compile failed: {type(e).__name__})"

        self.status = "compiling (eager meanwhile)" if background else "compiling"
        if background:
            threading.Thread(target=work, name="makemore-compile", daemon=True).start()
        else:
            work()

    # ------------------------------------------------------------ the model's tensors

    def _tensors(self, model):
        """Detached aliases of the model's tensors (same storage; re-made only when the model
        swapped a tensor, e.g. the eager BatchNorm assigns new running buffers)."""
        sources = model_tensors(model)
        if self._sources is None or len(sources) != len(self._sources) or \
                any(a is not b for a, b in zip(sources, self._sources)):
            self._sources = sources
            self._aliases = [t.detach() for t in sources]
        return self._aliases

    # ------------------------------------------------------------ chunks of steps

    def _draw(self, trainer, n):
        """The next n minibatches, from the trainer's generator, as lists of (Xb, Yb)."""
        B, N = trainer.config.batch_size, trainer.Xtr.shape[0]
        if self.device.type == "cpu":   # one draw == n draws of B on the CPU generator
            ix = torch.randint(0, N, (n * B,), generator=trainer.g, device=self.device)
        else:                           # keep one call per step: the CUDA generator's offsets differ
            ix = torch.cat([torch.randint(0, N, (B,), generator=trainer.g, device=self.device)
                            for _ in range(n)])
        Xb = trainer.Xtr[ix].view(n, B, -1).unbind(0)
        Yb = trainer.Ytr[ix].view(n, B).unbind(0)
        return list(zip(Xb, Yb))

    def run_chunk(self, trainer, n):
        """n ordinary steps at one learning rate. Returns the number done (fewer when the loss
        stopped being finite: then the model is exactly as the eager step would leave it)."""
        model = trainer.model
        lr = trainer.lr
        tensors = self._tensors(model)
        snapshot = [t.clone() for t in tensors]
        g_state = trainer.g.get_state()
        step_fn = self._step_fn
        self._lr.fill_(lr)
        batches = self._draw(trainer, n)
        with torch.no_grad():
            if self._want_cuda_graph:
                losses = self._run_cuda(trainer, tensors, batches)
            else:
                losses = [step_fn(self.plan, tensors, Xb, Yb, self._lr) for Xb, Yb in batches]
        values = torch.stack(losses).tolist()     # the one host read of this chunk
        bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
        if bad is not None:
            # Roll back to the chunk's start, redo the good steps, and let the eager reference step
            # meet the bad one: it records the divergence exactly as an eager run would.
            with torch.no_grad():
                for t, s in zip(tensors, snapshot):
                    t.copy_(s)
                trainer.g.set_state(g_state)
                for Xb, Yb in self._draw(trainer, bad) if bad else []:
                    step_fn(self.plan, tensors, Xb, Yb, self._lr)
            values = values[:bad]
        trainer.losses.extend(values)
        trainer.lrs.extend([lr] * len(values))
        trainer.step_num += len(values)
        if bad is not None:
            self.last_result = trainer.eager_step()
        elif trainer.config.eval_every and trainer.step_num % trainer.config.eval_every == 0:
            trainer.record_val_loss()
        return len(values)

    # ------------------------------------------------------------ CUDA: one graph per step

    def _run_cuda(self, trainer, tensors, batches):
        try:
            if self._cuda_graph is None:
                self._capture_cuda_graph(trainer, tensors)
            graph, static, static_tensors = self._cuda_graph
            # an eager step may have given the model new buffers: copy them into the captured ones
            for t, s in zip(tensors, static_tensors):
                if t.data_ptr() != s.data_ptr():
                    s.copy_(t)
            self._rebind(trainer.model, static_tensors)
            losses = []
            for Xb, Yb in batches:
                static["X"].copy_(Xb)
                static["Y"].copy_(Yb)
                graph.replay()
                losses.append(static["loss"].clone())
            return losses
        except Exception as e:  # capture unsupported here: the plain step still works
            self._want_cuda_graph = False
            self.status = f"fast, no CUDA graph ({type(e).__name__})"
            return [train_step(self.plan, tensors, Xb, Yb, self._lr) for Xb, Yb in batches]

    def _capture_cuda_graph(self, trainer, tensors):
        B, T = trainer.config.batch_size, trainer.Xtr.shape[1]
        static = {"X": torch.zeros((B, T), dtype=trainer.Xtr.dtype, device=self.device),
                  "Y": torch.zeros((B,), dtype=trainer.Ytr.dtype, device=self.device)}
        saved = [t.clone() for t in tensors]
        lr = self._lr.clone()
        self._lr.zero_()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):   # warm-up, as CUDA graph capture requires
            for _ in range(3):
                train_step(self.plan, tensors, static["X"], static["Y"], self._lr)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static["loss"] = train_step(self.plan, tensors, static["X"], static["Y"], self._lr)
        for t, s in zip(tensors, saved):  # undo the warm-up's BatchNorm buffer updates
            t.copy_(s)
        self._lr.copy_(lr)
        self._cuda_graph = (graph, static, list(tensors))
        self.status = "CUDA graph"

    @staticmethod
    def _rebind(model, static_tensors):
        """Point the BatchNorm layers back at the captured running buffers."""
        k = 1
        for layer in model.layers:
            if isinstance(layer, Linear):
                k += 1 if layer.bias is None else 2
            elif isinstance(layer, BatchNorm1d):
                layer.running_mean, layer.running_var = static_tensors[k + 2], static_tensors[k + 3]
                k += 4

    # ------------------------------------------------------------ the Trainer's entry points

    def step(self, trainer):
        """One ordinary step (what Trainer.step delegates to). Returns its loss or None."""
        done = self.run_chunk(trainer, 1)
        return trainer.losses[-1] if done else self.last_result

    def next_boundary(self, trainer, target, progress_every):
        """The first step after step_num where the chunk must end: a statistics step, an lr
        milestone, a validation or progress step, or the target."""
        s, c = trainer.step_num, trainer.config
        ends = [target, s + self.chunk]
        ends += [m for m in c.lr_milestones if m > s][:1]
        for every in (c.stats_every, c.eval_every, progress_every):
            if every:
                ends.append((s // every + 1) * every)
        return min(ends)


ENGINES = {
    "fast": "background",             # compile in a thread, hand-written step meanwhile
    "fast-uncompiled": "off",         # hand-written step only
    "fast-compiled": "now",           # compile first (benchmarks: steady-state speed)
}


def make_engine(trainer, name):
    if name not in ENGINES:
        raise ValueError(f"engine must be eager or one of {', '.join(ENGINES)}, got {name!r}")
    return FastEngine(trainer, compile=ENGINES[name])
