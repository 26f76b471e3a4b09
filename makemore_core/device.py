"""Device: CUDA when there is one, else the CPU; and thread settings for small models."""
import torch

_threads_set = False


def pick_device(name: str = "auto") -> torch.device:
    """'auto' -> cuda if available else cpu; 'cpu' / 'cuda' are forced (cuda fails clearly if absent)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for, but no CUDA GPU is available")
    configure_threads()
    return torch.device(name)


def configure_threads(n: int = 1):
    """A batch-32 MLP is overhead-bound: one intra-op thread is faster than two here, and it
    leaves a core for the web server (measured: about 1.3x)."""
    global _threads_set
    if not _threads_set:
        torch.set_num_threads(n)
        _threads_set = True


def describe(device) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return "CPU"

