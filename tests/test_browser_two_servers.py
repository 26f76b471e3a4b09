"""Two servers on one MAKEMORE_CACHE_DIR, behind nginx with deploy/nginx-replicas.conf (issue 28 item 4): the
page works through the proxy (its WebSocket upgraded, /_stcore/metrics refused), a word list uploaded on one
server opens by its link on the other, a Lecture result computed on one is read from disk by the other, and
both train. Skipped where nginx is not installed (apt-get install nginx-light)."""
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, _free_port, start_app_server, wait_for_app, wait_for_rerun

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'


def proxy_config(conf: str, port: int, upstreams, tmp: Path) -> Path:
    """The shipped file, listening on a local port without TLS and login, in front of the test's servers."""
    site = re.sub(r"\n\s*(ssl_\w+|auth_basic\w*)\s[^\n]*", "", conf)
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    ports = iter(upstreams)
    site = re.sub(r"server 127\.0\.0\.1:850\d;", lambda _: f"server 127.0.0.1:{next(ports)};", site)
    main = tmp / "nginx.conf"
    main.write_text(f"""daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log; worker_processes 1;
events {{ worker_connections 256; }}
http {{ access_log off; client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""")
    return main


@pytest.fixture
def two_servers(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    # one cache directory, and one cookie secret: a browser's XSRF cookie is good on either copy
    env = {"MAKEMORE_CACHE_DIR": str(tmp_path / "cache"), "STREAMLIT_SERVER_COOKIE_SECRET": "two-servers-test"}
    started = [start_app_server(env, timeout=120) for _ in range(2)]
    port = _free_port()
    conf = proxy_config((ROOT / "deploy" / "nginx-replicas.conf").read_text(), port,
                        [url.rsplit(":", 1)[1] for _, url in started], tmp_path)
    proxy = subprocess.Popen([nginx, "-c", str(conf)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while status(f"http://127.0.0.1:{port}/_stcore/health") != 200:   # nginx is up and reaches a copy
            assert proxy.poll() is None, f"nginx stopped: {proxy.stderr.read()}"
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.2)
        yield [url for _, url in started], f"http://127.0.0.1:{port}", tmp_path / "cache"
    finally:
        proxy.terminate()
        proxy.wait(10)
        for proc, _ in started:
            proc.terminate()
            proc.wait(30)


def status(url) -> int:
    """The HTTP status of a GET, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


@pytest.mark.parametrize("name", ["nginx-one.conf", "nginx-replicas.conf"])
def test_the_shipped_nginx_files_are_valid(name, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    conf = proxy_config((ROOT / "deploy" / name).read_text(), _free_port(), ["8501", "8502"], tmp_path)
    checked = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_two_servers_share_one_cache_directory_behind_nginx(browser, two_servers, tmp_path):
    (a, b), proxied, cache = two_servers
    assert status(f"{proxied}/_stcore/health") == 200 and status(f"{proxied}/_stcore/metrics") == 403
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{proxied}/data")                                   # through the proxy: the WebSocket works
        wait_for_app(page, timeout=120_000)
        page.get_by_text("32,952").first.wait_for(timeout=60_000)

        words = tmp_path / "mine.txt"                                  # uploaded on A ...
        words.write_text("\n".join(["ann", "bo", "cy", "dee", "ed", "flo", "gus", "hal", "ivy", "jo"]) + "\n")
        page.goto(f"{a}/data")
        wait_for_app(page, timeout=120_000)
        page.locator(f'{MAIN} [data-testid="stExpander"] summary').first.click()
        page.locator(f'{MAIN} input[type="file"]').set_input_files(str(words))
        page.get_by_text("Now using your word list").wait_for(timeout=60_000)
        link = re.search(r"data=([0-9a-f]+)", page.url).group(1)
        page.goto(f"{b}/data?data={link}")                             # ... opens by its link on B
        wait_for_app(page, timeout=120_000)
        page.get_by_text("10 words").first.wait_for(timeout=60_000)

        shown = {}
        for server in (a, b):                                          # chapter 5 computed on A, read on B
            page.goto(f"{server}/lecture?chapter=batchnorm")
            wait_for_app(page, timeout=120_000)
            wait_for_rerun(page, timeout=300_000)
            metrics = page.locator(f'{MAIN} [data-testid="stMetricValue"]')
            metrics.first.wait_for(timeout=300_000)
            shown[server] = metrics.all_inner_texts()
            if server == a:
                stored = {p: p.stat().st_mtime_ns for p in (cache / "lecture").glob("*calibration*.json")}
                assert stored, "A did not store chapter 5's result"
        assert shown[a] == shown[b]
        assert {p: p.stat().st_mtime_ns for p in (cache / "lecture").glob("*calibration*.json")} == stored
        assert not list(cache.rglob("*.tmp")), "a temporary file was left behind"

        for server in (a, b):                                          # each trains a quick model
            page.goto(f"{server}/sampling")
            wait_for_app(page, timeout=120_000)
            page.locator('[class*="st-key-sampling_quick_train"] button').click()
            page.get_by_text("Training a quick model").first.wait_for(timeout=60_000)
        for server in (b, a):                                          # and each finishes: its names are drawn
            page.goto(f"{server}/sampling")
            wait_for_app(page, timeout=120_000)
            page.locator(f'{MAIN} h2:has-text("Make up names")').wait_for(timeout=900_000)
    finally:
        context.close()
    assert list((cache / "uploads").iterdir())
