#!/usr/bin/python3
"""Open an HTML report in headless Chromium and check that it works offline.

    /usr/bin/python3 browser_check.py REPORT.html --screenshot OUT.png \
        [--expect-selector CSS]... [--click CSS]... [--timeout SECONDS]

The HTML report is a CI artifact: people download it and open it straight
from disk, with no server and often no network. So it must be
self-contained and its scripts must run cleanly from file://. This script
loads it from file:// in headless Chromium, driven through the Chrome
DevTools Protocol, and fails if:

  - a script logs console.error / console.assert, or throws;
  - the browser logs an error (Log domain, e.g. a resource that failed);
  - the page requests anything but its own file: http(s), other files and
    data: URLs all count, since any of them means the report is not one
    standalone file (Chromium reports data: URLs only for fetches and
    frames, not for images or CSS url(), so those go unseen);
  - a resource fails to load;
  - an --absent-at-load selector matches anything once the page has
    loaded (before the clicks);
  - a --click selector matches nothing, or an --expect-selector matches
    nothing, or an --expect-js expression is not true.

Clicks run in order after the page has loaded; the selectors are counted
after the clicks. --load-time prints how long the page took to load (the
navigation's loadEventEnd, in seconds), and fails past a limit given. A screenshot is written whether the checks passed or not,
as evidence of what the page looked like (not if the browser hung or died).
Chromium is always killed, its whole process tree, and its temporary
profile removed.

Exit status: 0 all checks passed, 1 a check failed (or the browser failed or
hung past --timeout), 2 usage error, 130/143 interrupted by SIGINT/SIGTERM. Needs only the standard library and Debian's
python3-websockets (run it with /usr/bin/python3).
"""

import argparse
import asyncio
import base64
import ctypes
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

VIEWPORT = (1400, 1000)

CHROMIUM_FLAGS = [
    "--headless=new",
    # Containers and CI runners usually cannot give Chromium its sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # /dev/shm is tiny in containers; Chromium crashes when it runs out.
    "--disable-dev-shm-usage",
    # Nothing but the page itself may touch the network, so the browser
    # must not add requests of its own.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
    # Scrollbars would make screenshots differ between machines.
    "--hide-scrollbars",
    "--window-size={},{}".format(*VIEWPORT),
    # Port 0: Chromium picks a free port and writes it to DevToolsActivePort,
    # so parallel runs never collide.
    "--remote-debugging-port=0",
]

# How long to keep listening after the load event and after each click:
# timers, promise callbacks and late resource errors arrive after them.
SETTLE_AFTER_LOAD = 0.3
SETTLE_AFTER_CLICK = 0.2
KILL_GRACE = 3.0
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>


def log(msg):
    print(msg, flush=True)


class Terminated(BaseException):
    """Raised from the SIGTERM handler, so that cleanup runs as for Ctrl-C."""


class Browser:
    """A Chromium process tree with a throwaway profile and home."""

    def __init__(self, path):
        self.path = path
        self.proc = None
        self.tmp = tempfile.mkdtemp(prefix="browser_check.")
        self.profile = os.path.join(self.tmp, "profile")
        self.home = os.path.join(self.tmp, "home")
        self.log_path = os.path.join(self.tmp, "chromium.log")

    def start(self):
        # Chromium's crash handler (chrome_crashpad_handler) double-forks and
        # calls setsid, escaping the process group; no flag turns it off. As a
        # child subreaper we stay its parent, so stop() can still find it,
        # kill it and reap it (where PID 1 is no real init, nobody else would).
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        # --user-data-dir does not cover everything: the crash database and
        # dconf go under $HOME/.config and $HOME/.cache. A private home keeps
        # runs from touching the real one, and from each other.
        os.mkdir(self.home)
        env = dict(os.environ, HOME=self.home)
        env.pop("XDG_CONFIG_HOME", None)
        env.pop("XDG_CACHE_HOME", None)
        # A session of its own: Ctrl-C in a terminal does not reach it (we
        # kill it ourselves), and its process group takes in the renderers,
        # zygotes and utility processes.
        with open(self.log_path, "wb") as err:
            self.proc = subprocess.Popen(
                [self.path, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                env=env,
                start_new_session=True,
            )

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    async def devtools_port(self):
        # Chromium writes the file once it listens; the first line is the port.
        # Until then the file may be missing or half written.
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"chromium exited with status {self.proc.returncode} before it "
                    f"opened its DevTools port; its output:\n{self.log_tail() or '(none)'}"
                )
            try:
                with open(port_file) as f:
                    first = f.readline().strip()
                if first.isdigit():
                    return int(first)
            except OSError:
                pass
            await asyncio.sleep(0.05)

    def _children_left(self):
        """Reaps exited children; tells whether any child is still alive."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True
            if pid == self.proc.pid:
                # Popen must learn it is gone, or it warns it still runs.
                self.proc.returncode = os.waitstatus_to_exitcode(status)

    @staticmethod
    def _descendants():
        parent_of = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue  # it just exited
                # The command name may hold spaces and parentheses.
                parent_of[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
        found, todo = [], [os.getpid()]
        while todo:
            parent = todo.pop()
            kids = [pid for pid, ppid in parent_of.items() if ppid == parent]
            found += kids
            todo += kids
        return found

    def stop(self):
        if self.proc is not None:
            for sig, grace in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, 5.0)):
                if not self._children_left():
                    break
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    pass
                # crashpad left the group (it double-forks and calls setsid),
                # but as subreapers we are still its parent.
                for pid in self._descendants():
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                deadline = time.monotonic() + grace
                while self._children_left() and time.monotonic() < deadline:
                    time.sleep(0.05)
        # Only now: a live Chromium would keep writing into its profile.
        shutil.rmtree(self.tmp, ignore_errors=True)


class DevTools:
    """A minimal CDP client over one page target's WebSocket."""

    def __init__(self, ws, on_event):
        self.ws = ws
        self.on_event = on_event
        self.next_id = 0
        self.pending = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if "id" in msg:
                    fut = self.pending.pop(msg["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                else:
                    self.on_event(msg["method"], msg.get("params", {}))
        finally:
            # The browser went away: wake everyone still waiting for a reply.
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(RuntimeError("the DevTools connection closed"))
            self.pending.clear()

    async def call(self, method, **params):
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        msg = await fut
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error'].get('message')}")
        return msg["result"]

    async def evaluate(self, expression):
        """Returns (value, error text or None)."""
        res = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            return None, describe_exception(res["exceptionDetails"])
        return res["result"].get("value"), None


def describe_exception(details):
    exc = details.get("exception") or {}
    # Error objects have a description (with the stack); thrown primitives
    # (throw "x", Promise.reject(42)) only a value.
    if "description" in exc:
        text = exc["description"]
    elif "value" in exc:
        text = f"{details.get('text', 'Uncaught')} {json.dumps(exc['value'])}"
    else:
        text = details.get("text", "exception")
    where = details.get("url", "")
    if where:
        where = f" ({where}:{details.get('lineNumber', 0) + 1}:{details.get('columnNumber', 0) + 1})"
    return text.splitlines()[0] + where if text else where


def describe_console_args(args):
    parts = []
    for a in args:
        if "value" in a:
            parts.append(a["value"] if isinstance(a["value"], str) else json.dumps(a["value"]))
        else:
            parts.append(a.get("unserializableValue") or a.get("description") or a.get("type", "?"))
    return " ".join(str(p) for p in parts)


class Check:
    def __init__(self, args):
        self.args = args
        self.report_url = pathlib.Path(args.report).resolve().as_uri()
        self.failures = []
        self.stage = "starting chromium"
        self.loaded = asyncio.Event()
        self.requests = {}  # requestId -> URL, to name failed loads

    def fail(self, msg):
        self.failures.append(msg)

    def on_event(self, method, p):
        if method == "Runtime.consoleAPICalled":
            kind = p.get("type")
            text = describe_console_args(p.get("args", []))
            log(f"console.{kind}: {text}")
            # console.assert only reports when its condition is false.
            if kind in ("error", "assert"):
                self.fail(f"console.{kind}: {text}")
        elif method == "Runtime.exceptionThrown":
            text = describe_exception(p.get("exceptionDetails", {}))
            log(f"exception: {text}")
            self.fail(f"uncaught exception: {text}")
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            line = f"log.{e.get('level')} [{e.get('source')}]: {e.get('text')}"
            if e.get("url"):
                line += f" ({e['url']})"
            log(line)
            if e.get("level") == "error":
                self.fail(line)
        elif method == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            self.requests[p.get("requestId")] = url
            if url == self.report_url:
                log(f"request: {url} (the report itself)")
            else:
                log(f"request: {url}")
                self.fail(f"request leaves the report (not self-contained): {url}")
        elif method == "Network.loadingFailed":
            url = self.requests.get(p.get("requestId"), "?")
            why = p.get("errorText", "")
            if p.get("blockedReason"):
                why += f" blocked: {p['blockedReason']}"
            log(f"load failed: {url} {why}")
            self.fail(f"load failed: {url} {why}")
        elif method == "Page.loadEventFired":
            self.loaded.set()

    async def run(self, browser):
        browser.start()
        self.stage = "waiting for chromium's DevTools port"
        port = await browser.devtools_port()

        self.stage = "finding the page target"
        ws_url = await self.page_target(port)

        self.stage = "connecting to the page target"
        # close_timeout: a hung browser must not hold up the exit on timeout.
        async with websockets.connect(ws_url, max_size=None, ping_interval=None, close_timeout=1) as ws:
            cdp = DevTools(ws, self.on_event)
            try:
                await self.drive(cdp)
            finally:
                cdp.reader.cancel()

    async def page_target(self, port):
        # No proxy: a CI's http_proxy must not see (or swallow) 127.0.0.1.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"http://127.0.0.1:{port}/json/list"
        while True:
            try:
                with await asyncio.to_thread(opener.open, url, timeout=5) as r:
                    targets = json.load(r)
                for t in targets:
                    if t.get("type") == "page" and t.get("webSocketDebuggerUrl"):
                        return t["webSocketDebuggerUrl"]
            except OSError:
                pass
            await asyncio.sleep(0.05)

    async def drive(self, cdp):
        self.stage = "enabling DevTools domains"
        version = await cdp.call("Browser.getVersion")
        log(f"browser: {version.get('product')}")
        # Enabled before navigating, so nothing the page does at load is missed.
        for domain in ("Runtime", "Log", "Network", "Page"):
            await cdp.call(f"{domain}.enable")
        # New headless mode takes --window-size for the window, browser UI
        # included, leaving a 1400x857 viewport; pin the viewport itself so
        # screenshots are the same size everywhere.
        await cdp.call("Emulation.setDeviceMetricsOverride", width=VIEWPORT[0], height=VIEWPORT[1],
                       deviceScaleFactor=1, mobile=False)

        self.stage = f"loading {self.report_url}"
        log(f"open: {self.report_url}")
        # A late load event from the initial about:blank must not count.
        self.loaded.clear()
        nav = await cdp.call("Page.navigate", url=self.report_url)
        if nav.get("errorText"):
            self.fail(f"navigation failed: {nav['errorText']}")
        else:
            await self.loaded.wait()
        await asyncio.sleep(SETTLE_AFTER_LOAD)

        if self.args.load_time is not None:
            self.stage = "reading the load time"
            ms, err = await cdp.evaluate(
                "performance.getEntriesByType('navigation')[0].loadEventEnd")
            if err:
                self.fail(f"load time: {err}")
            else:
                log(f"load: {ms / 1000:.2f}s")
                if self.args.load_time and ms / 1000 > self.args.load_time:
                    self.fail(f"the page took {ms / 1000:.2f}s to load (limit {self.args.load_time:g}s)")

        for sel in self.args.absent_at_load:
            self.stage = f"counting {sel!r} at load"
            count, err = await cdp.evaluate(f"document.querySelectorAll({json.dumps(sel)}).length")
            if err:
                self.fail(f"selector {sel!r}: {err}")
            else:
                log(f"selector at load {sel}: {count}")
                if count:
                    self.fail(f"selector {sel!r} matches {count} elements at load, expected none")

        for sel in self.args.click:
            self.stage = f"clicking {sel!r}"
            js = f"(() => {{ const e = document.querySelector({json.dumps(sel)}); if (!e) return false; e.click(); return true; }})()"
            clicked, err = await cdp.evaluate(js)
            if err:
                log(f"click {sel}: {err}")
                self.fail(f"click {sel!r}: {err}")
            elif not clicked:
                log(f"click {sel}: no such element")
                self.fail(f"click {sel!r}: no element matches")
            else:
                log(f"click {sel}: clicked")
            await asyncio.sleep(SETTLE_AFTER_CLICK)

        for sel in self.args.expect_selector:
            self.stage = f"counting {sel!r}"
            count, err = await cdp.evaluate(f"document.querySelectorAll({json.dumps(sel)}).length")
            if err:
                log(f"selector {sel}: {err}")
                self.fail(f"selector {sel!r}: {err}")
            else:
                log(f"selector {sel}: {count}")
                if not count:
                    self.fail(f"selector {sel!r} matches nothing")

        for expr in self.args.expect_js:
            self.stage = f"evaluating {expr!r}"
            value, err = await cdp.evaluate(expr)
            log(f"js {expr}: {err or json.dumps(value)}")
            if err or not value:
                self.fail(f"{expr!r} is {err or json.dumps(value)}, expected true")

        self.stage = "taking the screenshot"
        shot = await cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        png = base64.b64decode(shot["data"])
        with open(self.args.screenshot, "wb") as f:
            f.write(png)
        log(f"screenshot: {self.args.screenshot} ({len(png)} bytes)")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="browser_check.py",
        description="Check that an HTML report works from file:// in headless Chromium.",
    )
    ap.add_argument("report", help="the HTML file to open")
    ap.add_argument("--screenshot", required=True, metavar="OUT.png", help="where to write a PNG of the page")
    ap.add_argument("--expect-selector", action="append", default=[], metavar="CSS",
                    help="a CSS selector that must match at least one element (repeatable)")
    ap.add_argument("--click", action="append", default=[], metavar="CSS",
                    help="click the first element matching this selector, in order, before the checks (repeatable)")
    ap.add_argument("--expect-js", action="append", default=[], metavar="EXPR",
                    help="a JavaScript expression that must be true after the clicks (repeatable)")
    ap.add_argument("--absent-at-load", action="append", default=[], metavar="CSS",
                    help="a CSS selector that must match nothing once the page has loaded (repeatable)")
    ap.add_argument("--load-time", type=float, nargs="?", const=0.0, default=None, metavar="LIMIT",
                    help="print the page's load time in seconds; fail past LIMIT if given")
    ap.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                    help="give up after this long (default 60)")
    args = ap.parse_args(argv)  # exits 2 on a usage error
    if not os.path.isfile(args.report):
        ap.error(f"no such file: {args.report}")
    if args.timeout <= 0:
        ap.error("--timeout must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    browser = Browser(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    check = Check(args)

    def on_sigterm(signum, frame):
        raise Terminated()

    signal.signal(signal.SIGTERM, on_sigterm)
    t0 = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(check.run(browser), args.timeout))
    except asyncio.TimeoutError:
        check.fail(f"timed out after {args.timeout:g}s while {check.stage}")
    except (KeyboardInterrupt, Terminated) as e:
        print(f"browser_check: interrupted while {check.stage}", file=sys.stderr)
        return 130 if isinstance(e, KeyboardInterrupt) else 143
    except Exception as e:  # the browser died, refused a command, ...
        check.fail(f"{type(e).__name__} while {check.stage}: {e}")
    finally:
        # A second signal must not cut the cleanup short and leave Chromium
        # running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        browser.stop()

    log(f"time: {time.monotonic() - t0:.2f}s")
    for msg in check.failures:
        print(f"browser_check: FAIL: {msg}", file=sys.stderr)
    if check.failures:
        return 1
    log("browser_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
