"""ui.eval_jobs: a model is evaluated once, in the background, and a finished run starts it (issue 13)."""
import pytest

from makemore_core import evaluation
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig
from ui import eval_jobs, jobs
from ui.training_run import Run


@pytest.fixture(autouse=True)
def stop_runs(stop_all_runs):
    """No training thread left behind."""


def small_config(dataset, seed=1):
    return ModelConfig(vocab_size=len(dataset.vocab), n_hidden=32, hidden_layers=2, seed=seed)


def test_one_evaluation_per_key_equal_to_the_core_on_the_same_model(dataset, data):
    model = MLP(small_config(dataset, seed=7)).eval()
    key = f"test:{id(model)}"
    job = eval_jobs.submit(key, eval_jobs.data_key(dataset), model, data)
    assert eval_jobs.submit(key, eval_jobs.data_key(dataset), model, data) is job   # not queued twice
    report = job.result(timeout=120)
    direct = evaluation.evaluate(model, data, max_examples=eval_jobs.BATCH_OF_ONE_EXAMPLES)
    assert report.splits == direct.splits   # the same passes on the same weights: the same numbers
    assert report.modes.keys() == direct.modes.keys()
    for mode, loss in direct.modes.items():
        assert report.modes[mode] == pytest.approx(loss, rel=1e-6, nan_ok=True)


def test_the_worker_evaluates_a_copy(dataset, data):
    """The page samples with swapped BatchNorm buffers while the worker reads: it must get its own weights."""
    model = MLP(small_config(dataset, seed=8)).eval()
    expected = evaluation.evaluate(model, data, max_examples=eval_jobs.BATCH_OF_ONE_EXAMPLES).splits
    job = eval_jobs.submit(f"test:{id(model)}", eval_jobs.data_key(dataset), model, data)
    for p in model.parameters():
        p.data.zero_()               # changed right after the submit; the queued evaluation must not see it
    assert job.result(timeout=120).splits == expected


def test_a_finished_run_is_evaluated_under_the_pages_key(dataset, data):
    run = Run("test", dataset, data, small_config(dataset, seed=9), TrainConfig(steps=30, eval_every=0), "cpu")
    run.start()
    run.wait(60)
    assert run.state == "finished"
    job = eval_jobs.find(f"run:{run.id}@30", eval_jobs.data_key(dataset))   # what model_source.choose names it
    assert job is not None, "the run's end did not start its evaluation"
    report = job.result(timeout=120)
    expected = evaluation.evaluate(run.trainer.model.copy().eval(), data,
                                   max_examples=eval_jobs.BATCH_OF_ONE_EXAMPLES)
    assert report.splits == expected.splits


def test_a_stopped_run_is_not_evaluated_in_advance(dataset, data):
    run = Run("test", dataset, data, small_config(dataset, seed=10), TrainConfig(steps=100_000, eval_every=0), "cpu")
    run.start()
    assert run.wait_until(lambda r: r.trainer.step_num > 0, timeout=60)
    run.stop()
    run.wait(60)
    assert run.state == "stopped"
    assert not any(key[0] == "evaluation" and key[1].startswith(f"run:{run.id}@") for key in jobs.RUNNER.jobs)
