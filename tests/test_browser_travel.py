"""Time travel in headless Chromium (issue 25 items 2 and 5): a short run finishes, then its step scrubbers on
Training and Embeddings are dragged with the mouse and moved with the arrow keys; the chart says the picked step
and that step's batch loss, which must be the loss the same run (the eager step, same seed) has at that step."""
import re

import pytest
from conftest import wait_for_app

from makemore_core.data import Dataset
from makemore_core.model import MLP, ModelConfig
from makemore_core.training import TrainConfig, Trainer

pytestmark = pytest.mark.browser
STEPS, EVERY = 600, 50                      # statistics at 0, 50, ..., 550: 12 snapshots
RUN = f"steps={STEPS}&stats_every={EVERY}&lr_milestones=450&hidden_layers=2&n_hidden=32&n_embd=2&engine=eager"
TRAVEL, EMB = ".st-key-tr_travel", ".st-key-emb_travel"
NOTE = """(box) => [...document.querySelectorAll(box + ' svg text')].map(e => e.textContent)
    .find(t => t.startsWith('step ')) ?? null"""
WHERE_A = f"""() => [...document.querySelectorAll('{EMB} svg .mark-text text')]
    .find(t => t.textContent === 'a')?.getAttribute('transform')"""   # where the chart draws the character 'a'
NOTED = re.compile(r"step ([\d,]+) · (?:batch )?loss ([\d.]+)")


@pytest.fixture(scope="module")
def losses(default_names):
    """Every step's loss of the page's run, trained here the same way (the eager step, the lecture's seed)."""
    data = Dataset.from_path(default_names)
    trainer = Trainer(MLP(ModelConfig(vocab_size=len(data.vocab), hidden_layers=2, n_hidden=32, n_embd=2)),
                      data.tensors(3), TrainConfig(steps=STEPS, stats_every=EVERY, lr_milestones=[450]))
    return trainer.run().losses


def note(page, box):
    return page.evaluate(NOTE, box)


def picked(page, box, old=None):
    """(step, loss) the chart says once it says something else than `old`."""
    page.wait_for_function(f"(old) => {{ const t = ({NOTE})('{box}'); return t !== null && t !== old; }}", arg=old,
                           timeout=30_000)
    step, loss = NOTED.match(note(page, box)).groups()
    return int(step.replace(",", "")), float(loss)


def finished_run(page, app_url):
    page.goto(f"{app_url}/training?{RUN}")
    wait_for_app(page)
    page.get_by_role("button", name="Start a new run", exact=True).click()
    thumb = page.locator(f"{TRAVEL} .vega-bind input[type=range]")
    thumb.wait_for(timeout=120_000)              # the chart comes once the run has finished
    page.wait_for_function(f"() => ({NOTE})('{TRAVEL}') !== null", timeout=30_000)
    thumb.evaluate("e => e.scrollIntoView({block: 'center'})")   # below the run's controls, which stay on top
    return thumb


def cursor_x(page):
    """Where the loss chart's cursor (the red rule) is drawn."""
    return page.evaluate(f"""() => [...document.querySelectorAll('{TRAVEL} svg .mark-rule line')]
        .map(l => l.getAttribute('transform') + l.getAttribute('x1')).join('|')""")


def drag(page, thumb, box, fractions):
    """Take the thumb where it is and move it through `fractions` of the track, reading the chart each time."""
    track = thumb.bounding_box()
    y = track["y"] + track["height"] / 2
    at = int(thumb.input_value()) / int(thumb.get_attribute("max"))
    page.mouse.move(track["x"] + 8 + (track["width"] - 16) * at, y)   # the thumb's centre (16 px wide)
    page.mouse.down()
    seen = [picked(page, box)]
    for f in fractions:
        before = note(page, box)
        page.mouse.move(track["x"] + 8 + (track["width"] - 16) * f, y)
        seen.append(picked(page, box, before))
    page.mouse.up()
    return seen


def test_training_step_scrubber_follows_the_keys_and_the_mouse(page, app_url, losses):
    thumb = finished_run(page, app_url)
    assert page.get_by_role("slider", name=re.compile(r"Step \(drag\)")).count() == 1   # its accessible name
    step, loss = picked(page, TRAVEL)
    assert step == STEPS - EVERY and loss == pytest.approx(losses[step], abs=2e-4)       # the newest snapshot
    before = cursor_x(page)
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => ({NOTE})('{TRAVEL}').startsWith('step 400 ')", timeout=30_000)
    step, loss = picked(page, TRAVEL)
    assert step == 400 and loss == pytest.approx(losses[400], abs=2e-4)
    assert cursor_x(page) != before                                                       # the cursor moved
    seen = drag(page, thumb, TRAVEL, [0.5, 0.3, 0.1, -0.1])
    steps = [s for s, _ in seen]
    assert steps == sorted(steps, reverse=True) and steps[-1] == 0 and len(set(steps)) == len(steps)
    for s, value in seen:
        assert value == pytest.approx(losses[s], abs=2e-4)
    page.get_by_text("Projector mode").first.click()              # readable from the back of a room
    page.wait_for_function(f"() => parseFloat(getComputedStyle(document.querySelector('{TRAVEL} .vega-bind label'))"
                           ".fontSize) >= 19", timeout=30_000)


def test_embeddings_step_scrubber_moves_the_characters(page, app_url, losses):
    finished_run(page, app_url)
    page.get_by_role("link", name="Embeddings & shapes").first.click()
    wait_for_app(page)
    thumb = page.locator(f"{EMB} .vega-bind input[type=range]")
    thumb.wait_for(timeout=60_000)
    thumb.evaluate("e => e.scrollIntoView({block: 'center'})")
    assert page.get_by_role("slider", name=re.compile(r"Step \(drag\)")).count() == 1
    assert picked(page, EMB) == (0, pytest.approx(losses[0], abs=2e-4))                 # it starts at the start

    a_at_start = page.evaluate(WHERE_A)
    assert a_at_start is not None
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({NOTE})('{EMB}').startsWith('step 100 ')", timeout=30_000)
    step, loss = picked(page, EMB)
    assert step == 100 and loss == pytest.approx(losses[100], abs=2e-4)
    page.wait_for_function(f"(old) => ({WHERE_A})() !== old", arg=a_at_start, timeout=30_000)   # 'a' moved
    seen = drag(page, thumb, EMB, [0.4, 0.7, 1.1])
    steps = [s for s, _ in seen]
    assert steps == sorted(steps) and steps[-1] == STEPS - EVERY and len(set(steps)) == len(steps)
    for s, value in seen:
        assert value == pytest.approx(losses[s], abs=2e-4)
