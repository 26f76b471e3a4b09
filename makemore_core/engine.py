"""The fast training step: the Trainer's math, with the backward pass written out by hand.

The eager Trainer step (training.py) is the reference: autograd through the readable layers.
This engine computes the same numbers with fewer, larger operations, the way makemore part 4
derives them:

    dlogits  = (softmax(logits) - onehot(Y)) / B
    Linear   dW = x.T @ dout,  db = dout.sum(0),  dx = dout @ W.T
    BatchNorm dx = gamma * inv_std / B * (B*dout - dout.sum(0) - B/(B-1) * xhat * (dout*xhat).sum(0))
              (inv_std = 1/sqrt(var + eps); the lecture's own BatchNorm: 1/std, no eps, the same formula)
    Tanh     dx = dout * (1 - t**2)          ReLU  dx = dout * (t > 0)
    C        dC = index_add of the embedding gradient rows

What else makes it fast:
- no autograd graph, no retain_grad, no per-parameter Python loop (one foreach update);
- on the CPU, the minibatches of a whole chunk are drawn in one randint call (the CPU generator
  yields the same numbers as one call per step, so the lecture's sequence is kept);
- no host sync per step: losses stay tensors until the end of a chunk;
- optionally torch.compile of the whole step (forward, backward, update), warmed up in a
  background thread while the uncompiled step keeps training; on CUDA a CUDA graph of the step.

Statistics steps run here too: the step collects the layer outputs and gradients, and
diagnostics.collected_statistics turns them into the eager step's dict. Adam, a model in eval mode
and anything else this engine does not cover run through the Trainer's eager step. The Trainer
chooses the steps and keeps the one history; this module only computes.
"""
import math
import threading

import torch
import torch.nn.functional as F

# Inductor options, tried in order. cpp_wrapper moves the per-call wrapper (buffer allocation,
# kernel launches) from Python into C++: measured faster here for this tiny, overhead-bound step.
COMPILE_OPTIONS = [{"cpp_wrapper": True}, {}]
COMPILE_PAYS_OFF_AT = 5_000  # steps; below this the one-off compile (about 10 s) costs more than it saves


# ---------------------------------------------------------------- the model as a static plan

def plan_of(model):
    """A tuple describing the layer stack (hashable: torch.compile specializes on it), read from the
    config's layer plan, or None when a layer is of a kind this engine does not know."""
    specs = model.config.layer_plan()
    if len(specs) != len(model.layers):
        return None
    plan = []
    for spec, layer in zip(specs, model.layers):
        kind = model.config.nonlinearity if spec.kind == "nonlinearity" else spec.kind
        if kind == "linear":
            plan.append(("linear", spec.bias))
        elif kind == "batchnorm":   # the last item: its running buffer holds std, not var
            plan.append(("batchnorm", float(layer.eps), float(layer.momentum), bool(layer.update_running),
                         model.config.batchnorm_kind == "lecture"))
        elif kind in ("tanh", "relu"):
            plan.append((kind,))
        else:
            return None
    return tuple(plan)


def model_tensors(model):
    """Every tensor the step reads or writes, flat, in plan order: C, then per layer
    W (b) | gamma beta running_mean running_var (or running_std)."""
    return [t for _, t, _ in model.named_tensors()]


# ---------------------------------------------------------------- one step, by hand

def train_step(plan, tensors, Xb, Yb, lr, collect=None):
    """Forward, hand-written backward and SGD update of one minibatch, in place on `tensors`.

    Xb (B, T) int64, Yb (B,) int64, lr a 0-d tensor. Returns the loss (0-d tensor).
    Pure tensor code (no .item(), no Python branches on values): torch.compile and CUDA graphs
    can take it whole. With a `collect` dict it also keeps each layer's output, the gradient
    flowing into it, and each parameter's gradient (for the statistics steps).
    """
    B = Xb.shape[0]
    C = tensors[0]
    emb = C[Xb].view(B, -1)
    x, k = emb, 1
    saved, outs = [], []
    # forward: remember what the backward pass needs
    for spec in plan:
        kind = spec[0]
        if kind == "linear":
            W = tensors[k]
            b = tensors[k + 1] if spec[1] else None
            saved.append((x, k))
            k += 2 if spec[1] else 1
            x = x @ W if b is None else torch.addmm(b, x, W)
        elif kind == "batchnorm":
            _, eps, momentum, update_running, tracks_std = spec
            gamma, beta, running_mean, running_spread = tensors[k:k + 4]
            var, mean = torch.var_mean(x, 0)              # unbiased, as the layer's x.var(0)
            if tracks_std:                                # the lecture's BatchNorm: x.std(0), no eps
                std = var.sqrt()
                spread, inv_std = std, std.reciprocal()
            else:
                spread, inv_std = var, (var + eps).rsqrt_()
            if update_running:
                running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
                running_spread.mul_(1 - momentum).add_(spread, alpha=momentum)
            xhat = (x - mean).mul_(inv_std)
            saved.append((xhat, inv_std, k))
            k += 4
            x = torch.addcmul(beta, gamma, xhat)
        else:  # tanh | relu
            x = torch.tanh(x) if kind == "tanh" else torch.relu(x)
            saved.append(x)
        if collect is not None:
            outs.append(x)
    loss = F.cross_entropy(x, Yb)

    # backward: dlogits = (softmax - onehot) / B
    d = torch.softmax(x, 1)
    d.scatter_add_(1, Yb.view(-1, 1), torch.full((B, 1), -1.0, dtype=d.dtype, device=d.device))
    d.mul_(1.0 / B)
    grads, into = [], [None] * len(plan)   # (index in tensors, gradient); dloss/d(each layer's output)
    for i in range(len(plan) - 1, -1, -1):
        kind, s = plan[i][0], saved[i]
        into[i] = d
        if kind == "tanh":
            d = torch.addcmul(d, d * s, s, value=-1.0)  # dout * (1 - t^2)
        elif kind == "relu":
            d = d * (s > 0)
        elif kind == "batchnorm":
            xhat, inv_std, kb = s
            gamma = tensors[kb]
            dbeta = d.sum(0)
            dgamma = (d * xhat).sum(0)
            inner = torch.addcmul(dbeta, xhat, dgamma, value=B / (B - 1))
            d = torch.sub(d, inner, alpha=1.0 / B).mul_(gamma * inv_std)
            grads += [(kb + 1, dbeta), (kb, dgamma)]
        else:  # linear
            x_in, kw = s
            grads.append((kw, x_in.t() @ d))
            if plan[i][1]:
                grads.append((kw + 1, d.sum(0)))
            d = d @ tensors[kw].t()
    dC = torch.zeros_like(C).index_add_(0, Xb.reshape(-1), d.view(-1, C.shape[1]))
    grads.append((0, dC))

    # SGD, all parameters at once: p -= lr * grad
    ps, gs = [tensors[j] for j, _ in grads], [g for _, g in grads]
    if collect is not None:
        collect.update(outs=outs, into=into, grads={j: g.clone() for j, g in grads}, loss=loss)
    torch._foreach_mul_(gs, lr)
    torch._foreach_sub_(ps, gs)
    return loss


# ---------------------------------------------------------------- the engine

class FastEngine:
    """Computes a Trainer's ordinary steps through `train_step` and returns their losses (and, for a
    statistics step, what it collected); the Trainer chooses the steps and keeps the history.

    compile: "off" (hand-written step only), "background" (compile in a thread; step uncompiled
    meanwhile), or "now" (compile before the first step; for benchmarks). Any failure to compile
    leaves the uncompiled step in place and says so in `status`.
    """

    def __init__(self, trainer, compile="background"):
        self.plan = plan_of(trainer.model)
        self.reason = self._unsupported_reason(trainer)
        self.device = trainer.Xtr.device
        self._step_fn = train_step
        self._sources = None        # the model's tensors last seen, and their detached aliases
        self._aliases = None
        self._lr = torch.zeros((), device=self.device)
        self._cuda_graph = None
        self._want_cuda_graph = False
        self.status = "eager (reference)" if self.reason else "fast-uncompiled"
        if self.reason is None and compile != "off":
            if self.device.type == "cuda":   # a CUDA graph of the step, captured on the first chunk
                self._want_cuda_graph = True
                self.status = "fast-uncompiled (CUDA graph at the first step)"
            else:
                self._start_compile(trainer, background=(compile == "background"))

    # ------------------------------------------------------------ what it covers

    def _unsupported_reason(self, trainer):
        config = trainer.config
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
        try:  # each model shape is one more compiled entry of train_step; a server sees many shapes
            import torch._dynamo
            torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
        except (ImportError, AttributeError):
            pass
        tensors = [t.detach().clone() for t in self._tensors(trainer.model)]
        B, T = trainer.config.batch_size, trainer.Xtr.shape[1]
        Xb = torch.zeros((B, T), dtype=trainer.Xtr.dtype, device=self.device)
        Yb = torch.zeros((B,), dtype=trainer.Ytr.dtype, device=self.device)
        lr = torch.zeros((), device=self.device)
        plan = self.plan

        def work():
            error = None
            for options in COMPILE_OPTIONS:
                try:
                    fn = torch.compile(train_step, dynamic=False, fullgraph=True, options=options)
                    with torch.no_grad():   # warm up on copies: the real model is not touched
                        fn(plan, tensors, Xb, Yb, lr)
                    self._step_fn = fn
                    self.status = "compiled"
                    return
                except Exception as e:      # no compiler, unsupported platform, ...: stay uncompiled
                    error = e
            self.status = f"fast-uncompiled (compile failed: {type(error).__name__})"

        self.status = "compiling (fast-uncompiled meanwhile)" if background else "compiling"
        if background:
            # not a daemon: an interpreter that exits while inductor compiles aborts (exit 134), so the
            # process waits for the compile (seconds) instead
            threading.Thread(target=work, name="makemore-compile").start()
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

    def steps(self, trainer, n, lr):
        """n ordinary steps at learning rate lr; returns their losses. Stops short of the first step
        whose loss is not finite, with the model and the generator as they were just before it
        (the Trainer's eager step then meets that step, exactly as an eager run would)."""
        tensors = self._tensors(trainer.model)
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
        if bad is None:
            return values
        # Roll back to the chunk's start and redo the good steps.
        with torch.no_grad():
            for t, s in zip(tensors, snapshot):
                t.copy_(s)
            trainer.g.set_state(g_state)
            for Xb, Yb in self._draw(trainer, bad) if bad else []:
                step_fn(self.plan, tensors, Xb, Yb, self._lr)
        return values[:bad]

    def stats_step(self, trainer, lr):
        """One step that also collects what diagnostics.collected_statistics reads. Returns (loss,
        collected), or None (the step undone) when the loss is not finite."""
        model = trainer.model
        tensors = self._tensors(model)
        before = [t.clone() for t in tensors]
        g_state = trainer.g.get_state()
        self._lr.fill_(lr)
        (Xb, Yb), = self._draw(trainer, 1)
        collect = {}
        with torch.no_grad():
            loss_value = train_step(self.plan, tensors, Xb, Yb, self._lr, collect).item()
        if not math.isfinite(loss_value):
            with torch.no_grad():
                for t, b in zip(tensors, before):
                    t.copy_(b)
            trainer.g.set_state(g_state)
            return None
        # the side effects of the eager step that pages may look at: layer outputs and .grad
        for layer, out in zip(model.layers, collect["outs"]):
            layer.out = out
        for k, (_, _, trainable) in enumerate(model.named_tensors()):
            if trainable:
                self._sources[k].grad = collect["grads"][k]
        collect.update(tensors=tensors, before=before)
        return loss_value, collect

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
            self.status = f"fast-uncompiled, no CUDA graph ({type(e).__name__})"
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
        """Point the layers back at the captured buffers (BatchNorm's running statistics)."""
        for k, (spec, owner) in enumerate(model.tensor_slots()):
            if not spec.trainable:
                setattr(owner, spec.attr, static_tensors[k])


COMPILE_MODES = {   # the fast engines' names (training.ENGINES describes them) -> FastEngine's compile
    "fast": "background",             # compile in a thread, hand-written step meanwhile
    "fast-uncompiled": "off",         # hand-written step only
    "fast-compiled": "now",           # compile first (benchmarks: steady-state speed)
}


def make_engine(trainer, name):
    if name not in COMPILE_MODES:
        raise ValueError(f"engine must be eager or one of {', '.join(COMPILE_MODES)}, got {name!r}")
    return FastEngine(trainer, compile=COMPILE_MODES[name])
