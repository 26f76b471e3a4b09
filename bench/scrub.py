"""The scrubbers of issue 25 against a bare Streamlit slider, side by side in one run.

    nice -n 10 python bench/scrub.py --rounds 15 [--only lab,soften,bn,sampling,fan_in] [--json]

Two servers (`app.py` and `bench/bare_app.py`), one headless Chromium; the figures, for each scrubber:

- press: from an arrow key on the focused input (in the page's clock, at its keydown) until the frame that
  shows the chart at the new member (the first animation frame after the text mark naming the member
  changed). The bare app's figure is the same clock on its slider: keydown until the frame after its
  metric shows the new value (its script's round trip). The contenders run interleaved, one press each in
  turn; the figure is the median. Goal: scrubber / bare <= 0.5.
- drag: 30 input events 16 ms apart, each setting the input as a dragged thumb does (value + an `input`
  event), and at the next frame a look at the chart: an event "lags" when that frame does not show its
  member yet. Goal: at most 2 of 30. (What each member shows is read first, slowly.)
- family: the server time to compute the family at the page's defaults (median of 3, this process, one
  torch thread as the app uses) and the bytes of its chart data as Streamlit sends them (an Arrow stream).
  Goals: <= 0.5 s, <= 1 MB.

The machine is shared: the load average is printed; the ratio measured in the same minutes is what counts.
"""
import argparse
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import scrub_lecture as lecture  # noqa: E402
from conftest import CHROMIUM_ARGS, chromium_path, start_app_server, wait_for_app, wait_for_rerun  # noqa: E402

from ui.figures.vega import wire_bytes  # noqa: E402

NOTE = """(a) => [...document.querySelectorAll(a.box + ' svg text')].map(e => e.textContent)
    .find(t => t.startsWith(a.prefix)) ?? null"""
# keydown -> the first frame after the watched text changed, in the page's clock
ARM = """(a) => {
  const read = () => a.metric ? document.querySelector(a.box)?.innerText
      : [...document.querySelectorAll(a.box + ' svg text')].map(e => e.textContent).find(t => t.startsWith(a.prefix));
  const t = window.__scrub = {down: null, shown: null, before: read()};
  document.addEventListener('keydown', () => { t.down = performance.now(); }, {capture: true, once: true});
  const seen = new MutationObserver(() => {
    if (t.down === null || t.shown !== null || read() === t.before) return;
    seen.disconnect();
    requestAnimationFrame(() => { t.shown = performance.now(); });
  });
  seen.observe(document.querySelector(a.box), {subtree: true, childList: true, characterData: true});
}"""
DRAG = """async (a) => {
  const input = document.querySelector(a.box + ' .vega-bind input[type=range]');
  const note = () => [...document.querySelectorAll(a.box + ' svg text')].map(e => e.textContent)
      .find(t => t.startsWith(a.prefix));
  const frame = () => new Promise(r => requestAnimationFrame(() => r(performance.now())));
  const set = (v) => { input.value = v; input.dispatchEvent(new Event('input', {bubbles: true})); };
  const values = a.values, truth = {};
  for (const v of values) { set(v); await frame(); await frame(); truth[v] = note(); }   // slowly: what each shows
  set(values[0]); await frame(); await frame();
  let lagging = 0; const start = performance.now();
  for (let i = 1; i <= 30; i++) {
    const v = values[i % values.length];
    while (performance.now() - start < 16 * i) await new Promise(r => setTimeout(r, 1));   // 16 ms apart
    set(v);
    await frame();
    if (note() !== truth[v]) lagging += 1;
  }
  return {lagging, distinct: new Set(Object.values(truth)).size};
}"""
LOAD = "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"


class Scrubber:
    """One page's scrubber: its address, the element holding the chart, the text mark naming the member."""

    def __init__(self, name, path, box, prefix, family, prepare=None):
        self.name, self.path, self.box, self.prefix, self.family = name, path, box, prefix, family
        self.prepare = prepare   # what the page needs first (a model to sample from)


def lab_setting_family(setting: str, values_of, start: float, chart_of):
    """Server time to compute one of the lab's families (median of 3, one thread) and its chart data."""
    import torch

    from makemore_core.data import Dataset
    from ui import init_lab as lab
    X, Y = Dataset.from_path(ROOT / "data" / "names.txt").tensors(3)["train"]
    values = values_of(start)
    torch.set_num_threads(1)
    times = []
    for _ in range(3):
        begin = time.perf_counter()
        members = lab.setting_family(lab.DEFAULTS, setting, values, X, Y, 27)
        times.append(time.perf_counter() - begin)
    data, _ = chart_of(members, values, values.index(start))
    return statistics.median(times), data


def lab_family():
    from ui import init_lab as lab
    from ui.figures import init_lab as figs
    return lab_setting_family("gain", lab.family_gains, 1.0, figs.gain_scrub_chart)


def soften_family():
    from ui import init_lab as lab
    from ui.figures import init_lab as figs
    return lab_setting_family("soften_last", lab.family_softenings, 0.1, figs.soften_scrub_chart)


def batchnorm_family():
    from ui import init_lab as lab
    from ui.figures import init_lab as figs
    times = []
    for _ in range(3):
        start = time.perf_counter()
        members = lab.batchnorm_family.__wrapped__(1.0, 0.0)   # not the page's cache
        times.append(time.perf_counter() - start)
    data, _ = figs.batchnorm_scrub_chart(members, lab.BN_MOVED.index(1.6), 1.0, 0.0)
    return statistics.median(times), data


def open_tab(name):
    """A lab tab's scrubber: the tab is chosen first, as a learner does."""
    def prepare(page):
        page.get_by_role("tab", name=name, exact=True).click()
    return prepare


@functools.lru_cache(maxsize=1)
def small_model():
    """A small trained model (the Sampling page needs one): trained here, uploaded as a checkpoint."""
    from makemore_core.data import Dataset
    from makemore_core.model import MLP, ModelConfig
    from makemore_core.training import TrainConfig, Trainer
    dataset = Dataset.from_path(ROOT / "data" / "names.txt")
    model = MLP(ModelConfig(vocab_size=len(dataset.vocab), n_embd=8, n_hidden=48, hidden_layers=2))
    Trainer(model, dataset.tensors(3), TrainConfig(steps=300, lr_milestones=[200])).run()
    return model, dataset.vocab


def upload_checkpoint(page):
    import tempfile

    from makemore_core import checkpoint
    path = Path(tempfile.gettempdir()) / "bench_scrub_small.pt"
    path.write_bytes(checkpoint.to_bytes(*small_model()))
    page.locator('[data-testid="stMain"] [data-testid="stFileUploader"] input[type=file]').first.set_input_files(str(path))


def sampling_family():
    from ui import families
    from ui.figures.sampling import temperature_scrub_chart
    model, vocab = small_model()
    temps = families.with_start(families.TEMPERATURES, 0.5)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        members = families.temperature_family(model, [0] * model.config.block_size, temps)
        times.append(time.perf_counter() - start)
    data, _ = temperature_scrub_chart(members, vocab.itos, temps.index(0.5))
    return statistics.median(times), data


def fan_in_family():
    from makemore_core import lecture_demos as demos
    from ui.figures.lecture import fan_in_chart
    from ui.lecture.ch04_kaiming import FAN_INS, GAINS
    times = []
    for _ in range(3):
        start = time.perf_counter()
        members = [(f, g, demos.fan_in_demo(n, g >= 0, list(GAINS.values())[g] if g >= 0 else 1.0))
                   for f, n in enumerate(FAN_INS) for g in range(-1, len(GAINS))]
        times.append(time.perf_counter() - start)
    data, _ = fan_in_chart(members, FAN_INS, list(GAINS))
    return statistics.median(times), data


TRAVEL_RUN = "/training?steps=1200&stats_every=20&lr_milestones=900&engine=eager"   # the lecture's net: 60 snapshots


def travel_members():
    """The snapshots of the run the Training and Embeddings scrubbers are benchmarked on, trained here the same way;
    and the median time of taking one snapshot (the run pays it at every statistics step)."""
    import torch

    from makemore_core import snapshots
    from makemore_core.data import Dataset
    from makemore_core.model import MLP, ModelConfig
    from makemore_core.training import TrainConfig, Trainer
    torch.set_num_threads(1)
    dataset = Dataset.from_path(ROOT / "data" / "names.txt")
    trainer = Trainer(MLP(ModelConfig(vocab_size=len(dataset.vocab))), dataset.tensors(3),
                      TrainConfig(steps=1200, stats_every=20, lr_milestones=[900]))
    store, taking = snapshots.new_store(), []
    while not trainer.done:
        trainer.advance()
        if trainer.stats:
            start = time.perf_counter()
            snapshots.add(store, snapshots.snapshot(*trainer.stats.pop(), trainer.model.C))
            taking.append(time.perf_counter() - start)
    return trainer, snapshots.members(store), statistics.median(taking), dataset.vocab


def training_travel_family():
    from ui.figures.time_travel import training_scrub_chart
    from ui.run_series import LossHistory
    trainer, members, taking, _ = travel_members()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        history = LossHistory()
        history.extend(trainer.losses)
        x, _, smooth, _ = history.downsampled()
        data, _ = training_scrub_chart(members, x, smooth)
        times.append(time.perf_counter() - start)
    print(f"  (one snapshot taken at a statistics step: {taking * 1e3:.2f} ms)", flush=True)
    return statistics.median(times), data


def embeddings_travel_family():
    from ui.figures.time_travel import embedding_scrub_chart
    _, members, _, vocab = travel_members()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        data, _, _ = embedding_scrub_chart(members, vocab.itos)
        times.append(time.perf_counter() - start)
    return statistics.median(times), data


def finished_run(page, then=None):
    """Start the page's run, wait until it has finished (its step scrubber is drawn), leave its thumb mid-way
    (a first press to the right must move it), or go on to the page `then`."""
    page.get_by_role("button", name="Start a new run", exact=True).click()
    thumb = page.locator(".st-key-tr_travel .vega-bind input[type=range]")
    thumb.wait_for(timeout=300_000)
    if then:
        page.get_by_role("link", name=then).first.click()
        wait_for_app(page, timeout=120_000)
        return
    thumb.focus()
    for _ in range(20):
        page.keyboard.press("ArrowLeft")


SCRUBBERS = {
    "lab": Scrubber("lab gain", "/init", ".st-key-init_scrub", "gain ", lab_family),
    "soften": Scrubber("lab softening", "/init", ".st-key-init_soften_box", "softening ", soften_family,
                       open_tab("Softening")),
    "bn": Scrubber("lab BatchNorm", "/init", ".st-key-init_bn_box", "x = ", batchnorm_family,
                   open_tab("BatchNorm explained")),
    "sampling": Scrubber("sampling temp.", "/sampling", ".st-key-sampling_scrub", "temperature ", sampling_family,
                         upload_checkpoint),
    "fan_in": Scrubber("ch.4 fan_in", "/lecture?chapter=kaiming", ".st-key-lecture_fan_in_demo", "fan_in ",
                       fan_in_family),
    "training": Scrubber("training step", TRAVEL_RUN, ".st-key-tr_travel", "step ", training_travel_family,
                         finished_run),
    "embeddings": Scrubber("embeddings step", TRAVEL_RUN, ".st-key-emb_travel", "step ", embeddings_travel_family,
                           functools.partial(finished_run, then="Embeddings & shapes")),
    # the Lecture's other scrubbers (bench/scrub_lecture.py)
    "ch8": Scrubber("ch.8 step", "/lecture?chapter=diagnostics", ".st-key-lecture_diag_scrub", "step ",
                    lecture.deep_family, lecture.step_back(".st-key-lecture_diag_scrub")),
    "ch6": Scrubber("ch.6 cursor", "/lecture?chapter=loss-log", ".st-key-lecture_log_scrub", "steps ",
                    lecture.loss_log_family, lecture.lecture_names_then_step_back(".st-key-lecture_log_scrub")),
    "ch2": Scrubber("ch.2 step", "/lecture?chapter=softmax", ".st-key-lecture_softmax_scrub", "step ",
                    lecture.softmax_family),
    "ch10": Scrubber("ch.10 widget", "/lecture?chapter=bonus", ".st-key-lecture_widget_scrub", "x0 = ",
                     lecture.widget_family),
}


def data_bytes(data) -> int:
    """A chart's data on the wire: one table, or named data sets (a dict of tables)."""
    return sum(map(wire_bytes, data.values())) if isinstance(data, dict) else wire_bytes(data)


def data_rows(data) -> int:
    return sum(map(len, data.values())) if isinstance(data, dict) else len(data)


class Tab:
    def __init__(self, browser, url, box, prefix=None, metric=False, prepare=None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.goto(url)
        wait_for_app(self.page, timeout=120_000)
        if prepare:
            prepare(self.page)
            self.page.locator(f"{box} .vega-bind input[type=range]").wait_for(timeout=120_000)
        self.page.wait_for_function(LOAD, timeout=120_000)
        self.args = {"box": box, "prefix": prefix or "", "metric": metric}
        if metric:
            self.thumb = self.page.locator('[data-testid="stSlider"] input[type="range"]').first
        else:
            self.thumb = self.page.locator(f"{box} .vega-bind input[type=range]")
            self.page.wait_for_function(NOTE, arg=self.args, timeout=60_000)
        self.thumb.wait_for(timeout=60_000)
        self.thumb.scroll_into_view_if_needed()
        self.presses = 0

    def press(self) -> float:
        self.page.bring_to_front()
        self.thumb.focus()
        self.page.evaluate(ARM, self.args)
        self.page.keyboard.press("ArrowRight" if self.presses % 2 == 0 else "ArrowLeft")
        self.presses += 1
        self.page.wait_for_function("() => window.__scrub.shown !== null", timeout=60_000, polling=10)
        elapsed = self.page.evaluate("() => window.__scrub.shown - window.__scrub.down") / 1000
        wait_for_rerun(self.page)   # a scrubber's commit (150 ms after the key) reruns the page: let it finish
        return elapsed

    def drag(self):
        count = int(self.thumb.get_attribute("max")) + 1
        values = [str(v) for v in range(count // 3, count // 3 + 8)] + [str(v) for v in range(count // 3 + 6, count // 3, -1)]
        return self.page.evaluate(DRAG, {**self.args, "values": values})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--only", default=",".join(SCRUBBERS))
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if chromium_path() is None:
        sys.exit("no Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright
    chosen = [SCRUBBERS[n] for n in args.only.split(",")]
    app, app_url = start_app_server()
    bare, bare_url = start_app_server(script="bench/bare_app.py")
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            bare_tab = Tab(browser, bare_url, '[data-testid="stMetricValue"]', metric=True)
            for s in chosen:
                tab = Tab(browser, app_url + s.path, s.box, s.prefix, prepare=s.prepare)
                times = {"scrubber": [], "bare": []}
                for _ in range(args.rounds):   # interleaved: one press each in turn
                    times["scrubber"].append(tab.press())
                    times["bare"].append(bare_tab.press())
                drag = tab.drag()
                tab.context.close()
                family_s, data = s.family()
                med = {k: statistics.median(v) * 1000 for k, v in times.items()}
                results[s.name] = {"load_average": round(os.getloadavg()[0], 2), "scrubber_ms": round(med["scrubber"], 1),
                                   "bare_ms": round(med["bare"], 1), "ratio": round(med["scrubber"] / med["bare"], 3),
                                   "drag_lagging_of_30": drag["lagging"], "members_seen": drag["distinct"],
                                   "family_s": round(family_s, 3), "chart_data_bytes": data_bytes(data),
                                   "rows": data_rows(data)}
                r = results[s.name]
                if not args.json:
                    print(f"{s.name:14s} load {r['load_average']:5.2f}  press {r['scrubber_ms']:6.1f} ms vs bare "
                          f"{r['bare_ms']:6.1f} ms = {r['ratio']:.2f}x  drag: {r['drag_lagging_of_30']}/30 lagging  "
                          f"family {r['family_s']:.3f} s, {r['chart_data_bytes'] / 1e6:.3f} MB ({r['rows']} rows)",
                          flush=True)
            browser.close()
    finally:
        for proc in (app, bare):
            proc.terminate()
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
