"""Names the dead-code finder cannot see used. Run:  vulture   (its paths, app.py included, are in pyproject.toml)

Everything else vulture reports at 60 % confidence is unused: delete it rather than list it here.
"""
from types import SimpleNamespace

_ = SimpleNamespace()

# attributes set on library objects, read by the library: torch tensors, plotly layouts and traces
_.requires_grad, _.colorway, _.colorbar, _.texttemplate, _.textfont

# arguments of st.cache_data functions that only Streamlit reads: it hashes them into the cache key
_.model_key, _.n_losses

# called from outside the scanned folders: the benchmark (bench/engines.py)
_.NotebookLoop

# the queue's length, read by the queue tests (the page shows a run's place in line instead)
_.queued_runs

# the notebook's printed numbers, kept together (ui/lecture/notebook.py)
_.UNIFORM_LOSS, _.DEEP_LAYERS

# the notebook's own cells (makemore_core/notebook.py), read by the tests as their oracle
_.build_splits, _.first_half_run

# a chart's data size on the wire, measured by the scrubbers' tests and bench/scrub.py
_.wire_bytes
