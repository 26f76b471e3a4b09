"""The hand-written layers of makemore part 3, in the notebook's minimal API.

Each layer is called like a function, keeps its last output in `.out` (for the diagnostics),
and lists its trainable tensors in `.parameters()`. No torch.nn: the math is all here.
"""
import torch


class Linear:
    """y = x @ W (+ b). W is (fan_in, fan_out), drawn as randn / sqrt(fan_in) times a gain."""

    def __init__(self, fan_in, fan_out, bias=True, generator=None, gain=1.0,
                 fan_in_scaling=True, bias_init="zeros", device="cpu"):
        self.weight = torch.randn((fan_in, fan_out), generator=generator, device=device)
        if fan_in_scaling:
            self.weight = self.weight / fan_in**0.5  # divided, as the notebook does: bit-for-bit the same
        if gain != 1.0:
            self.weight = self.weight * gain
        if not bias:
            self.bias = None
        elif bias_init == "randn":  # the lecture's "original", un-fixed init
            self.bias = torch.randn(fan_out, generator=generator, device=device)
        else:
            self.bias = torch.zeros(fan_out, device=device)
        self.out = None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out = self.out + self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])

    def __repr__(self):
        fan_in, fan_out = self.weight.shape
        return f"Linear({fan_in}, {fan_out}, bias={self.bias is not None})"


class BatchNorm1d:
    """Normalize each feature over the batch, then scale by gamma and shift by beta.

    Training: batch mean and (unbiased, as torch's x.var) variance, and an exponential moving
    average of both in the running buffers. Eval: the running buffers. (LectureBatchNorm keeps
    the std where this keeps the variance: `running` is the pair, whatever its second member.)
    """

    spread_name = "running_var"  # what the second running buffer holds (the lecture's own BatchNorm: std)

    def __init__(self, dim, eps=1e-5, momentum=0.1, device="cpu"):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim, device=device)
        self.beta = torch.zeros(dim, device=device)
        self.running = torch.zeros(dim, device=device), torch.ones(dim, device=device)  # mean 0, var 1
        self.update_running = True  # off while evaluating with batch statistics
        self.out = None

    def batch_stats(self, x):
        """(mean, variance) of each feature over the batch; what the running buffers average."""
        return x.mean(0, keepdim=True), x.var(0, keepdim=True)

    def divisor(self, var):
        """What x - mean is divided by, given the second statistic: sqrt(var + eps)."""
        return torch.sqrt(var + self.eps)

    def normalize(self, x, mean, var):
        xhat = (x - mean) / self.divisor(var)
        return self.gamma * xhat + self.beta

    def __call__(self, x):
        if self.training:
            xmean, xvar = self.batch_stats(x)
        else:
            xmean, xvar = self.running
        self.out = self.normalize(x, xmean, xvar)
        if self.training and self.update_running:
            with torch.no_grad():
                running_mean, running_var = self.running
                self.running = ((1 - self.momentum) * running_mean + self.momentum * xmean.squeeze(0),
                                (1 - self.momentum) * running_var + self.momentum * xvar.squeeze(0))
        return self.out

    @property
    def running(self):
        """(running mean, running spread): what eval mode normalizes with."""
        return self.running_mean, getattr(self, self.spread_name)

    @running.setter
    def running(self, pair):
        self.running_mean = pair[0]
        setattr(self, self.spread_name, pair[1])

    def parameters(self):
        return [self.gamma, self.beta]

    def __repr__(self):
        return f"BatchNorm1d({self.gamma.shape[0]})"


class LectureBatchNorm(BatchNorm1d):  # BatchNorm1d's step and buffers, with the lecture's own statistics
    """The BatchNorm the lecture writes by hand first (notebook cells 6-10), before torch's:

        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)          # std (unbiased), not var; no eps
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi

    gamma and beta are the lecture's bngain and bnbias; eval mode uses the running mean and std.
    """
    spread_name = "running_std"

    def __init__(self, dim, momentum=0.001, device="cpu"):
        # eps 0: the lecture divides by the batch std itself
        super().__init__(dim, eps=0.0, momentum=momentum, device=device)

    def batch_stats(self, x):
        return x.mean(0, keepdim=True), x.std(0, keepdim=True)

    def divisor(self, std):
        return std

    def normalize(self, x, mean, std):
        return self.gamma * (x - mean) / std + self.beta    # the notebook's order of operations

    def __repr__(self):
        return f"LectureBatchNorm({self.gamma.shape[0]})"


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []

    def __repr__(self):
        return "Tanh()"


class ReLU:
    def __call__(self, x):
        self.out = torch.relu(x)
        return self.out

    def parameters(self):
        return []

    def __repr__(self):
        return "ReLU()"


NONLINEARITIES = {"tanh": Tanh, "relu": ReLU, "none": None}
