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
    average of both in the running buffers. Eval: the running buffers.
    """

    def __init__(self, dim, eps=1e-5, momentum=0.1, device="cpu"):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim, device=device)
        self.beta = torch.zeros(dim, device=device)
        self.running_mean = torch.zeros(dim, device=device)
        self.running_var = torch.ones(dim, device=device)
        self.update_running = True  # off while evaluating with batch statistics
        self.out = None

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training and self.update_running:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean.squeeze(0)
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar.squeeze(0)
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]

    def buffers(self):
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def __repr__(self):
        return f"BatchNorm1d({self.gamma.shape[0]})"


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
